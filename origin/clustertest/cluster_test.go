package clustertest_test

import (
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/clustertest"
	"github.com/imgorigin/imgorigin/origin/imaging"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

func TestMain(m *testing.M) { clustertest.Main(m) }

// TestStart: a cluster with every optional part serves one signed variant from each source
// through nginx, the edge and the legacy route, and its metrics add up.
func TestStart(t *testing.T) {
	c := clustertest.Start(t, clustertest.Options{Legacy: true, Edge: true, FastDFS: true,
		FastDFSFiles: map[string][]byte{"a.jpg": clustertest.JPEG(64, 48, 3)}})
	c.WriteLocal(t, "photos/cat.jpg", clustertest.JPEG(320, 240, 1))
	c.WriteLegacy(t, "uploads/2015/07/logo.png", clustertest.PNG(16, 16, 2))
	exp := time.Now().Add(time.Hour)
	p := clustertest.Path(t, imgurl.Path{Variant: imgurl.Variant{Options: imgurl.Options{Width: 100, Format: imgurl.WebP}}, Source: "local", Key: "photos/cat.jpg"})

	r := c.Get(t, c.FrontURL+c.Signed(t, p, exp))
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "image/webp" {
		t.Fatalf("front: %d %q %s", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	if got, want := r.Header.Get("X-Origin-Node"), c.Owner(p).Name; got != want {
		t.Errorf("served by %s, owner %s", got, want)
	}
	r = c.Get(t, c.EdgeURL+c.EdgeSigned(t, p, exp))
	if r.Status != http.StatusOK || r.Header.Get("X-Cache") != "MISS" {
		t.Fatalf("edge: %d %q %s", r.Status, r.Header.Get("X-Cache"), r.Body)
	}
	fp := clustertest.Path(t, imgurl.Path{Variant: imgurl.Variant{Preset: "thumb"}, Source: "fdfs", Key: c.FDFS["a.jpg"]})
	if r := c.Get(t, c.FrontURL+c.Signed(t, fp, exp)); r.Status != http.StatusOK {
		t.Fatalf("fdfs: %d %s", r.Status, r.Body)
	}
	if r := c.Get(t, c.FrontURL+"/uploads/2015/07/logo.png"); r.Status != http.StatusOK || len(r.Body) == 0 {
		t.Fatalf("legacy: %d", r.Status)
	}
	if got := c.Sum(t, "imgorigin_source_fetches_total", map[string]string{"result": "ok"}); got != 2 {
		t.Errorf("fetches = %v, want 2", got)
	}
	if got := c.Sum(t, "imgorigin_renders_total", nil); got != 2 {
		t.Errorf("renders = %v, want 2", got)
	}
	// Every node runs with the C allocator settings of every start path (origin
	// allocator-env), and says so.
	for _, n := range c.Nodes {
		env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", n.PID()))
		if err != nil {
			t.Fatal(err)
		}
		for _, kv := range imaging.AllocatorEnv() {
			if !slices.Contains(strings.Split(string(env), "\x00"), kv) {
				t.Errorf("%s: %s is not in its environment", n.Name, kv)
			}
		}
		if !strings.Contains(n.Log(), `"allocator":"glibc","MALLOC_ARENA_MAX":"`+imaging.ArenaMax+`"`) {
			t.Errorf("%s: the startup log does not name the C allocator setting:\n%s", n.Name, n.Log())
		}
	}
	// Kill and restart a node.
	n := c.Owner(p)
	n.Kill()
	if r := c.Get(t, c.FrontURL+c.Signed(t, p, exp)); r.Status != http.StatusOK || r.Header.Get("X-Origin-Node") == n.Name {
		t.Fatalf("after kill: %d from %s", r.Status, r.Header.Get("X-Origin-Node"))
	}
	n.Restart()
	if _, err := n.Metrics(); err != nil {
		t.Fatal(err)
	}
}

func TestParseMetrics(t *testing.T) {
	text := `# HELP x y
# TYPE imgorigin_renders_total counter
imgorigin_renders_total{format="webp",result="ok"} 3
imgorigin_renders_total{format="jpeg",result="ok"} 2
imgorigin_renders_total{format="jpeg",result="error"} 1
go_goroutines 12
weird{a="x\"y,}",b="2"} 1.5e+00 1700000000
`
	m, err := clustertest.ParseMetrics(text)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		metric string
		filter map[string]string
		want   float64
	}{
		{"all", "imgorigin_renders_total", nil, 6},
		{"ok", "imgorigin_renders_total", map[string]string{"result": "ok"}, 5},
		{"two labels", "imgorigin_renders_total", map[string]string{"result": "ok", "format": "jpeg"}, 2},
		{"no labels", "go_goroutines", nil, 12},
		{"escaped", "weird", map[string]string{"a": `x"y,}`}, 1.5},
		{"absent", "nope", nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := m.Sum(tc.metric, tc.filter); got != tc.want {
				t.Errorf("Sum = %v, want %v", got, tc.want)
			}
		})
	}
	if _, err := clustertest.ParseMetrics("x{a=1} 2"); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("bad label: err = %v", err)
	}
}

// FuzzParseMetrics: the parser and Sum never panic on any input.
func FuzzParseMetrics(f *testing.F) {
	f.Add("imgorigin_renders_total{format=\"webp\",result=\"ok\"} 3\n")
	f.Add("# HELP x\nx 1\ny{a=\"\\\"\"} 2 17\n")
	f.Add("z{a=\"1\",} NaN\n")
	f.Fuzz(func(t *testing.T, text string) {
		m, err := clustertest.ParseMetrics(text)
		if err != nil {
			return
		}
		for series := range m {
			name, _, _ := strings.Cut(series, "{")
			_ = m.Sum(name, nil)
			_ = m.Sum(name, map[string]string{"a": "1"})
		}
	})
}
