package clustertest_test

import (
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/clustertest"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// TestNoTokenInAnyLog (issue 14 item 8): requests carrying tokens meet upstream errors in the
// front (every origin down), the edge (the front down) and the legacy site (a body too large);
// nginx quotes each request line, query included, in its error log. No file under the stack's
// directory holds a token afterwards, and the error lines are there, without their queries.
func TestNoTokenInAnyLog(t *testing.T) {
	c := clustertest.Start(t, clustertest.Options{Nodes: 1, Edge: true, Legacy: true})
	p := clustertest.Path(t, imgurl.Path{Variant: imgurl.Variant{Options: imgurl.Options{Width: 100, Format: imgurl.WebP}}, Source: "local", Key: "a.jpg"})
	exp := time.Now().Add(time.Hour)
	originQuery, edgeQuery := c.Token(t, p, exp), c.EdgeAuth(t, p, exp)
	legacy := "/uploads/2019/04/gone.jpg?" + originQuery

	c.Nodes[0].Kill()
	if r := c.Get(t, c.FrontURL+p+"?"+originQuery); r.Status != http.StatusBadGateway {
		t.Fatalf("front, origin down: status %d, want 502", r.Status)
	}
	if r := c.Get(t, c.FrontURL+legacy); r.Status != http.StatusNotFound {
		t.Fatalf("legacy, missing file: status %d, want 404", r.Status)
	}
	// The legacy site logs an error line for a body over its bound (straight to it: the
	// front lets only GET through).
	resp, err := c.Client.Post("http://"+c.LegacyAddr+legacy, "image/jpeg", strings.NewReader(strings.Repeat("x", 4096)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("legacy, large body: status %d, want 413", resp.StatusCode)
	}
	c.StopNginx(t, "front")
	if r := c.Get(t, c.EdgeURL+p+"?"+edgeQuery); r.Status != http.StatusBadGateway {
		t.Fatalf("edge, front down: status %d, want 502", r.Status)
	}
	c.StopNginx(t, "edge")
	c.StopNginx(t, "legacy") // stopped: each redactor has written its last line

	logs := map[string]string{}
	err = filepath.WalkDir(c.Dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(c.Dir, path)
		for _, secret := range []string{originQuery, edgeQuery, originQuery[strings.LastIndexByte(originQuery, '.'):], edgeQuery[strings.LastIndexByte(edgeQuery, '-'):]} {
			if strings.Contains(string(b), secret) {
				t.Errorf("%s holds the token %q", rel, secret)
			}
		}
		if strings.HasSuffix(path, ".log") {
			logs[rel] = string(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{
		"logs/front.log":  `(111: Connection refused) while connecting to upstream, client: 127.0.0.1, server: _, request: "GET ` + p + ` HTTP/1.1"`,
		"logs/edge.log":   `(111: Connection refused) while connecting to upstream`,
		"logs/legacy.log": `client intended to send too large body: 4096 bytes, client: 127.0.0.1, server: _, request: "POST /uploads/2019/04/gone.jpg HTTP/1.1"`,
	} {
		if !strings.Contains(logs[file], want) {
			t.Errorf("%s lacks %q: the test provoked nothing there:\n%s", file, want, logs[file])
		}
	}
}
