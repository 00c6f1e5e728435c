package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/auth"
	"github.com/imgorigin/imgorigin/origin/config"
	"github.com/imgorigin/imgorigin/origin/pool"
	"github.com/imgorigin/imgorigin/origin/source/fastdfs"
	"github.com/imgorigin/imgorigin/origin/source/fastdfs/fdfstest"
	"github.com/imgorigin/imgorigin/origin/source/httpsrc"
	"github.com/imgorigin/imgorigin/origin/source/local"
	"github.com/imgorigin/imgorigin/origin/source/s3"
)

// storeMode is how the stub store answers.
type storeMode int32

const (
	storeOK       storeMode = iota
	storeSlowBody           // headers at once, then one body byte every 5 s
	storeHang               // accept, read the request, never answer
	store500                // 500 Internal Server Error
)

// stubStore is an HTTP object store on 127.0.0.1 that serves one JPEG under any path (as a
// plain HTTP origin and, path-style, as an S3 bucket) and misbehaves on demand.
type stubStore struct {
	addr string
	mode atomic.Int32
	hits atomic.Int64
	img  []byte
}

func startStubStore(t *testing.T, img []byte) *stubStore {
	t.Helper()
	s := &stubStore{img: img}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	stop := make(chan struct{})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		h := w.Header()
		switch storeMode(s.mode.Load()) {
		case store500:
			http.Error(w, "<Error><Code>InternalError</Code></Error>", http.StatusInternalServerError)
			return
		case storeHang:
			select {
			case <-r.Context().Done():
			case <-stop:
			}
			return
		}
		h.Set("Content-Type", "image/jpeg")
		h.Set("Content-Length", strconv.Itoa(len(s.img)))
		h.Set("ETag", `"stub-etag-1"`)
		h.Set("Last-Modified", "Mon, 02 Jan 2006 15:04:05 GMT")
		if r.Method == http.MethodHead {
			return
		}
		if storeMode(s.mode.Load()) == storeOK {
			_, _ = w.Write(s.img)
			return
		}
		tick := time.NewTicker(5 * time.Second)
		defer tick.Stop()
		for i := 0; i < len(s.img); i++ {
			if _, err := w.Write(s.img[i : i+1]); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-tick.C:
			case <-r.Context().Done():
				return
			case <-stop:
				return
			}
		}
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		close(stop)
		_ = srv.Close()
	})
	return s
}

func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func testJPEG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), uint8(x ^ y), 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func httpSource(base string) config.SourceConfig {
	hc := httpsrc.DefaultConfig()
	hc.BaseURL = base
	hc.AllowPrivate = true
	hc.ConnectTimeout = 300 * time.Millisecond
	hc.ResponseHeaderTimeout = time.Second
	hc.Timeout = 10 * time.Second
	return config.SourceConfig{Type: "http", HTTP: hc}
}

func s3Source(endpoint string) config.SourceConfig {
	sc := s3.DefaultConfig()
	sc.Endpoint = endpoint
	sc.Bucket = "images"
	sc.PathStyle = true
	sc.AccessKey, sc.SecretKey = "stubkey", "stubsecret"
	sc.ConnectTimeout = 300 * time.Millisecond
	sc.ResponseHeaderTimeout = time.Second
	sc.MaxAttempts = 2
	sc.MaxBackoff = 100 * time.Millisecond
	return config.SourceConfig{Type: "s3", S3: sc}
}

// TestStoreFaults: every way a store fails is answered with a 5xx quickly (within the render
// timeout plus a little), is never cached by the CDN, and stops when the store recovers.
func TestStoreFaults(t *testing.T) {
	const renderTimeout = 1500 * time.Millisecond
	const bound = renderTimeout + time.Second
	img := testJPEG(t, 320, 240)
	stub := startStubStore(t, img)
	down := closedPort(t)
	n := startNode(t, func(c *config.Config) {
		c.Render.Timeout = renderTimeout
		c.Render.StatTTL = 0
		c.Cluster.Cache.NegativeTTL = 0
		c.Sources["web"] = httpSource("http://" + stub.addr + "/o/")
		c.Sources["webdown"] = httpSource("http://" + down + "/o/")
		c.Sources["s3"] = s3Source("http://" + stub.addr)
		c.Sources["s3down"] = s3Source("http://" + down)
	})
	tests := []struct {
		name   string
		mode   storeMode
		source string
		status []int
	}{
		{"http store down (connection refused)", storeOK, "webdown", []int{502}},
		{"s3 store down (connection refused)", storeOK, "s3down", []int{502}},
		{"http store answers 500", store500, "web", []int{502}},
		{"s3 store answers 500", store500, "s3", []int{502}},
		{"http store sends 1 byte per 5 s", storeSlowBody, "web", []int{504, 502}},
		{"s3 store sends 1 byte per 5 s", storeSlowBody, "s3", []int{504, 502}},
		{"http store never answers", storeHang, "web", []int{504, 502}},
		{"s3 store never answers", storeHang, "s3", []int{504, 502}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stub.mode.Store(int32(tt.mode))
			defer stub.mode.Store(int32(storeOK))
			path := fmt.Sprintf("/i/w_100,f_jpeg/%s/pic-%d.jpg", tt.source, i) // a new object: no cached original
			start := time.Now()
			r, b := n.do(t, "GET", path, nil)
			took := time.Since(start)
			ok := false
			for _, s := range tt.status {
				ok = ok || r.StatusCode == s
			}
			if !ok {
				t.Errorf("status %d, want one of %v: %s", r.StatusCode, tt.status, b)
			}
			if took > bound {
				t.Errorf("took %v, more than %v", took, bound)
			}
			if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q", cc)
			}
			t.Logf("%d in %v", r.StatusCode, took.Round(time.Millisecond))
			if tt.source == "web" || tt.source == "s3" {
				// Recovery: the same URL serves as soon as the store does.
				stub.mode.Store(int32(storeOK))
				if r, b := n.do(t, "GET", path, nil); r.StatusCode != 200 {
					t.Errorf("after the store recovered: %d %s", r.StatusCode, b)
				}
			}
		})
	}
}

// TestFastDFSFaults: content that does not match the CRC-32 and size in its file ID is never
// served, and losing one of two trackers does not lose a request.
func TestFastDFSFaults(t *testing.T) {
	fake := fdfstest.Start(t, fdfstest.Options{Trackers: 2})
	img := testJPEG(t, 320, 240)
	id := fake.Put("jpg", img)
	n := startNode(t, func(c *config.Config) {
		fc := fastdfs.DefaultConfig()
		fc.Trackers = fake.TrackerAddrs()
		fc.ConnectTimeout = 300 * time.Millisecond
		fc.IOTimeout = time.Second
		c.Sources["fdfs"] = config.SourceConfig{Type: "fastdfs", FastDFS: fc}
		c.Cluster.Cache.NegativeTTL = 0
		c.Render.Timeout = 3 * time.Second
	})
	t.Run("corrupt byte is never served", func(t *testing.T) {
		fake.SetStorageFault(fdfstest.Fault{Kind: fdfstest.FaultCorrupt})
		r, b := n.do(t, "GET", "/i/w_100,f_png/fdfs/"+id, nil)
		fake.ClearFaults()
		if r.StatusCode != 502 || r.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("status %d, Cache-Control %q: %s", r.StatusCode, r.Header.Get("Cache-Control"), b)
		}
		r, b = n.do(t, "GET", "/i/w_100,f_png/fdfs/"+id, nil)
		if r.StatusCode != 200 {
			t.Fatalf("after the fault cleared: %d %s", r.StatusCode, b)
		}
		// The 200 is the render of the true bytes: the same as a render of them from disk.
		if err := writeFile(n.root, "fdfs-copy.jpg", img); err != nil {
			t.Fatal(err)
		}
		if _, want := n.do(t, "GET", "/i/w_100,f_png/local/fdfs-copy.jpg", nil); !bytes.Equal(b, want) {
			t.Fatalf("the answer after the fault is not the render of the stored bytes")
		}
	})
	t.Run("tracker failover", func(t *testing.T) {
		fake.StopTracker(0)
		for i := 0; i < 5; i++ {
			start := time.Now()
			r, b := n.do(t, "GET", fmt.Sprintf("/i/w_%d,f_jpeg/fdfs/%s", 120+i, id), nil)
			if r.StatusCode != 200 {
				t.Fatalf("request %d with tracker 0 down: %d %s", i, r.StatusCode, b)
			}
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("request %d took %v", i, took)
			}
		}
	})
}

// TestOverloadSheds: with a tiny admission capacity and queue, concurrent renders of a big image
// are shed with 503 + Retry-After, and no shed request waits longer than admission.max_wait.
func TestOverloadSheds(t *testing.T) {
	const maxWait = 300 * time.Millisecond
	n := startNode(t, func(c *config.Config) {
		c.Admission.Capacity = 1
		c.Admission.MaxQueue = 2
		c.Admission.MaxWait = maxWait
	})
	big := testJPEG(t, 3000, 2000) // 6 MP: cost above capacity, so one render at a time
	if err := writeFile(n.root, "big.jpg", big); err != nil {
		t.Fatal(err)
	}
	const clients = 12
	type result struct {
		status     int
		took       time.Duration
		retryAfter string
	}
	results := make(chan result, clients)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			t0 := time.Now()
			resp, err := http.Get(fmt.Sprintf("%s/i/w_%d,f_webp/local/big.jpg", n.base, 400+i)) // distinct: no singleflight
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			results <- result{resp.StatusCode, time.Since(t0), resp.Header.Get("Retry-After")}
		}()
	}
	close(start)
	wg.Wait()
	close(results)
	counts := map[int]int{}
	var slowest503 time.Duration
	for r := range results {
		counts[r.status]++
		if r.status == 503 {
			slowest503 = max(slowest503, r.took)
			if r.retryAfter == "" {
				t.Errorf("503 without Retry-After")
			}
		}
	}
	t.Logf("answers %v; slowest 503 after %v", counts, slowest503)
	if counts[503] == 0 || counts[200] == 0 || counts[200]+counts[503] != clients {
		t.Fatalf("answers %v: want some 200s and the rest shed with 503", counts)
	}
	// A shed request waited at most max_wait in the queue (plus the fetch, probe and HTTP).
	if slowest503 > maxWait+700*time.Millisecond {
		t.Errorf("a 503 took %v, more than max_wait %v + 700ms", slowest503, maxWait)
	}
	if r, _ := n.do(t, "GET", "/i/w_100,f_jpeg/local/photo.jpg", nil); r.StatusCode != 200 {
		t.Fatalf("the node did not recover: %d", r.StatusCode)
	}
}

// TestHangingPeer: a pool member that accepts connections and never answers (a SIGSTOPped
// process) costs the other node at most peer_timeout per request: it loads the object itself.
func TestHangingPeer(t *testing.T) {
	const peerTimeout = 400 * time.Millisecond
	hang, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var held sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := hang.Accept()
			if err != nil {
				return
			}
			held.Lock()
			conns = append(conns, c) // read nothing, answer nothing
			held.Unlock()
		}
	}()
	t.Cleanup(func() {
		hang.Close()
		held.Lock()
		for _, c := range conns {
			c.Close()
		}
		held.Unlock()
	})
	pl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	il, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stoppedPublic := closedPort(t) // the stopped node's public address: nobody routes to it here
	n := startNodeOn(t, pl, il, func(c *config.Config) {
		c.Cluster.Self = pl.Addr().String()
		c.Cluster.Pool = []pool.Member{
			{Name: pl.Addr().String(), Internal: il.Addr().String(), Weight: 1},
			{Name: stoppedPublic, Internal: hang.Addr().String(), Weight: 1},
		}
		c.Cluster.Cache.PeerTimeout = peerTimeout
		c.Cluster.Cache.PeerSecret.Current = "faults-test-cluster-secret-0123456789ab"
	})
	for i := 0; i < 8; i++ {
		if err := writeFile(n.root, fmt.Sprintf("p%d.jpg", i), testJPEG(t, 200, 150)); err != nil {
			t.Fatal(err)
		}
	}
	peerDelayed := 0
	for i := 0; i < 8; i++ {
		start := time.Now()
		r, b := n.do(t, "GET", fmt.Sprintf("/i/w_100,f_jpeg/local/p%d.jpg", i), nil)
		took := time.Since(start)
		if r.StatusCode != 200 {
			t.Fatalf("p%d: %d %s", i, r.StatusCode, b)
		}
		if took >= peerTimeout {
			peerDelayed++
		}
		if took > 2*peerTimeout+time.Second {
			t.Errorf("p%d took %v: more than peer_timeout (twice: originals and variants) + render", i, took)
		}
	}
	if peerDelayed == 0 {
		t.Fatalf("no request went to the hanging peer: the test did not exercise it")
	}
	t.Logf("%d of 8 objects are owned by the hanging peer; all answered", peerDelayed)
}

// startNodeOn is startNode on listeners the caller opened (for pool configurations that must
// name the node's own addresses).
func startNodeOn(t *testing.T, pl, il net.Listener, mutate func(*config.Config)) *testNode {
	t.Helper()
	root := t.TempDir()
	writeSamples(t, root)
	cfg := config.Default()
	cfg.Node.Name = "test-node"
	cfg.Sources = map[string]config.SourceConfig{"local": localSource(root)}
	mutate(&cfg)
	if !cfg.Auth.Configured() && cfg.Auth.Mode == "" {
		cfg.Auth.Mode = auth.ModeOff
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("config: %v", err)
	}
	logs := &bytes.Buffer{}
	ctx, cancel := context.WithCancel(context.Background())
	nd, err := build(ctx, cfg, slog.New(slog.NewJSONHandler(&lockedWriter{w: logs}, nil)))
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- nd.server.ServeListeners(ctx, pl, il) }()
	t.Cleanup(func() {
		cancel()
		<-done
		nd.Close()
	})
	return &testNode{base: "http://" + pl.Addr().String(), internal: "http://" + il.Addr().String(), root: root, logs: logs}
}

func localSource(root string) config.SourceConfig {
	lc := local.DefaultConfig()
	lc.Root = root
	return config.SourceConfig{Type: "local", Local: lc}
}

func writeFile(dir, name string, data []byte) error {
	return os.WriteFile(filepath.Join(dir, name), data, 0o644)
}
