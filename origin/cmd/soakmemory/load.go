package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/imgorigin/imgorigin/origin/stack"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// pathFunc is the n-th request of connection conn: a canonical path (stack.Path).
type pathFunc func(conn, n int) imgurl.Path

// counts is what a load run got back.
type counts struct {
	ok, other, failed atomic.Int64 // 200, any other status, no answer
	firstErr          atomic.Value // string: the first failure
}

// load sends signed GETs straight to the node (no front, no edge) over conns connections, each
// waiting for its answer before the next request, until d passes or ctx ends.
func load(ctx context.Context, s *stack.Stack, node *stack.Node, conns int, d time.Duration, path pathFunc) *counts {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: conns}}
	defer client.CloseIdleConnections()
	exp := time.Now().Add(d + time.Hour)
	c := &counts{}
	var wg sync.WaitGroup
	for conn := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ctx.Err() == nil; n++ {
				c.do(ctx, s, client, node, path(conn, n), exp)
			}
		}()
	}
	wg.Wait()
	return c
}

func (c *counts) do(ctx context.Context, s *stack.Stack, client *http.Client, node *stack.Node, p imgurl.Path, exp time.Time) {
	escaped, err := stack.Path(p)
	if err != nil {
		c.fail(err)
		return
	}
	tok, err := s.Token(escaped, exp)
	if err != nil {
		c.fail(err)
		return
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, node.URL+escaped+"?"+tok, nil)
	if err != nil {
		c.fail(err)
		return
	}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() == nil { // a request cut short by the end of the run is not a failure
			c.fail(err)
		}
		return
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	switch {
	case err != nil && ctx.Err() != nil:
	case err != nil:
		c.fail(err)
	case resp.StatusCode == http.StatusOK:
		c.ok.Add(1)
	default:
		c.other.Add(1)
	}
}

func (c *counts) fail(err error) {
	c.failed.Add(1)
	c.firstErr.CompareAndSwap(nil, err.Error())
}

func (c *counts) err() error {
	if c.failed.Load() == 0 {
		return nil
	}
	return fmt.Errorf("%d requests got no answer; the first: %v", c.failed.Load(), c.firstErr.Load())
}

// pngPath: the RGBA PNG → 800×600 WebP, over its eight names.
func pngPath(conn, n int) imgurl.Path {
	return imgurl.Path{Variant: imgurl.Variant{Options: imgurl.Options{Width: 800, Height: 600, Format: imgurl.WebP}},
		Source: "local", Key: fmt.Sprintf("rgba%d.png", (n+conn)%pngNames)}
}

// soakPath walks each connection through its own sequence of distinct variants of the soak's
// originals (widths 200..1199 × heights 150..899), so no two requests in flight are the same
// variant and none repeats within a 10-minute run.
func soakPath(conn, n int) imgurl.Path {
	o := soakOriginals[(n+conn)%len(soakOriginals)]
	w := 200 + (n*7+conn*131)%1000
	h := 150 + (n*13+conn*57)%750
	return imgurl.Path{Variant: imgurl.Variant{Options: imgurl.Options{Width: w, Height: h, Format: o.format}},
		Source: "local", Key: o.key}
}

var soakOriginals = []struct {
	key    string
	format imgurl.Format
}{
	{"large.jpg", imgurl.WebP}, {"rgba0.png", imgurl.WebP}, {"big.webp", imgurl.WebP},
	{"large.jpg", imgurl.JPEG}, {"rgba1.png", imgurl.PNG},
}
