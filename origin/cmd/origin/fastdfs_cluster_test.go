package main

import (
	"bufio"
	"bytes"
	"image"
	_ "image/png"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/config"
	"github.com/imgorigin/imgorigin/origin/source/fastdfs"
	"github.com/imgorigin/imgorigin/origin/source/fastdfs/fdfstest"
)

// fdfsNode starts a whole origin whose source "fdfs" is the fake cluster, with the negative
// cache on (as in production), so a wrong not-found would stick.
func fdfsNode(t *testing.T, fake *fdfstest.Server, mod func(*fastdfs.Config), mutate func(*config.Config)) *testNode {
	t.Helper()
	return startNode(t, func(c *config.Config) {
		fc := fastdfs.DefaultConfig()
		fc.Trackers = fake.TrackerAddrs()
		fc.ConnectTimeout = 300 * time.Millisecond
		fc.IOTimeout = 2 * time.Second
		if mod != nil {
			mod(&fc)
		}
		c.Sources["fdfs"] = config.SourceConfig{Type: "fastdfs", FastDFS: fc}
		c.Cluster.Cache.NegativeTTL = time.Minute
		c.Render.Timeout = 5 * time.Second
		if mutate != nil {
			mutate(c)
		}
	})
}

// metricWith sums the samples of a metric family whose labels contain every one of labels
// (`key="value"` strings) in the node's /metrics text.
func metricWith(t *testing.T, internal, name string, labels ...string) (sum float64, found bool) {
	t.Helper()
	resp, err := http.Get(internal + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
next:
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name+"{") {
			continue
		}
		for _, l := range labels {
			if !strings.Contains(line, l) {
				continue next
			}
		}
		f := strings.Fields(line)
		v, _ := strconv.ParseFloat(f[len(f)-1], 64)
		sum += v
		found = true
	}
	return sum, found
}

// wantUnavailable checks an answer of a store that cannot serve now: a 5xx nobody may cache.
func wantUnavailable(t *testing.T, r *http.Response, b []byte) {
	t.Helper()
	if r.StatusCode < 500 || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("status %d, Cache-Control %q: %s; want a 5xx with no-store, never a 404", r.StatusCode, r.Header.Get("Cache-Control"), b)
	}
}

// TestFastDFSOutages: a group without an active storage is an outage, never a missing image,
// and nothing of it remains once the storage is back.
func TestFastDFSOutages(t *testing.T) {
	t.Run("storage stopped, then back", func(t *testing.T) {
		fake := fdfstest.Start(t, fdfstest.Options{Trackers: 2})
		id := fake.Put("jpg", testJPEG(t, 320, 240))
		n := fdfsNode(t, fake, nil, nil)
		fake.StopStorage()
		for i, path := range []string{"/i/w_100,f_png/fdfs/" + id, "/i/w_100,f_png/fdfs/" + id, "/i/w_101,f_jpeg/fdfs/" + id} {
			r, b := n.do(t, "GET", path, nil)
			wantUnavailable(t, r, b)
			t.Logf("request %d with the storage stopped: %d", i, r.StatusCode)
		}
		if err := fake.StartStorage(); err != nil {
			t.Fatal(err)
		}
		if r, b := n.do(t, "GET", "/i/w_100,f_png/fdfs/"+id, nil); r.StatusCode != 200 {
			t.Fatalf("first request after the storage is back: %d %s", r.StatusCode, b)
		}
		if v, _ := metricWith(t, n.internal, "imgorigin_source_fetches_total", `source="fdfs"`, `result="unavailable"`); v < 1 {
			t.Errorf("fetches{result=unavailable} = %v, want the outage counted", v)
		}
		if v, found := metricWith(t, n.internal, "imgorigin_source_fetches_total", `source="fdfs"`, `result="not_found"`); !found || v != 0 {
			t.Errorf("fetches{result=not_found} = %v (present %v), want 0: the outage is no missing file", v, found)
		}
	})
	t.Run("trackers restarted before the storage reported", func(t *testing.T) {
		fake := fdfstest.Start(t, fdfstest.Options{Trackers: 2})
		id := fake.Put("jpg", testJPEG(t, 320, 240))
		n := fdfsNode(t, fake, nil, nil)
		for i := range 2 {
			if err := fake.RestartTracker(i); err != nil {
				t.Fatal(err)
			}
		}
		r, b := n.do(t, "GET", "/i/w_100,f_png/fdfs/"+id, nil)
		wantUnavailable(t, r, b)
		fake.ReportStorage()
		if r, b := n.do(t, "GET", "/i/w_100,f_png/fdfs/"+id, nil); r.StatusCode != 200 {
			t.Fatalf("after the heartbeat: %d %s", r.StatusCode, b)
		}
	})
	t.Run("unknown group is a short 404", func(t *testing.T) {
		fake := fdfstest.Start(t, fdfstest.Options{})
		id := fake.Put("jpg", testJPEG(t, 32, 24))
		n := fdfsNode(t, fake, nil, nil)
		r, b := n.do(t, "GET", "/i/w_100,f_png/fdfs/group7"+id[len("group1"):], nil)
		if r.StatusCode != 404 || !strings.Contains(r.Header.Get("Cache-Control"), "max-age=") {
			t.Fatalf("status %d, Cache-Control %q: %s", r.StatusCode, r.Header.Get("Cache-Control"), b)
		}
	})
}

func pngSize(t *testing.T, b []byte) (int, int) {
	t.Helper()
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("answer is no image: %v", err)
	}
	return cfg.Width, cfg.Height
}

// TestFastDFSAppender: an appender file that changes is served anew within render.stat_ttl,
// under a new ETag, and never as immutable; normal files keep the immutable policy.
func TestFastDFSAppender(t *testing.T) {
	const statTTL = 300 * time.Millisecond
	for _, verify := range []bool{false, true} {
		t.Run(map[bool]string{false: "default", true: "verify_stat"}[verify], func(t *testing.T) {
			fake := fdfstest.Start(t, fdfstest.Options{})
			id := fake.PutAppender("jpg", testJPEG(t, 320, 240))
			normal := fake.Put("jpg", testJPEG(t, 320, 240))
			n := fdfsNode(t, fake, func(c *fastdfs.Config) { c.VerifyStat = verify }, func(c *config.Config) { c.Render.StatTTL = statTTL })
			path := "/i/w_100,f_png/fdfs/" + id
			r, b := n.do(t, "GET", path, nil)
			if r.StatusCode != 200 {
				t.Fatalf("%d %s", r.StatusCode, b)
			}
			if w, h := pngSize(t, b); w != 100 || h != 75 {
				t.Fatalf("first render %dx%d", w, h)
			}
			etag, cc := r.Header.Get("ETag"), r.Header.Get("Cache-Control")
			if strings.Contains(cc, "immutable") {
				t.Errorf("appender answer Cache-Control %q: must not be immutable", cc)
			}
			if r, _ := n.do(t, "GET", "/i/w_100,f_png/fdfs/"+normal, nil); !strings.Contains(r.Header.Get("Cache-Control"), "immutable") {
				t.Errorf("normal file Cache-Control %q: want immutable", r.Header.Get("Cache-Control"))
			}
			// The application rewrites the appender: truncate, then append a new image.
			changed := time.Now()
			if err := fake.Truncate(id, 0); err != nil {
				t.Fatal(err)
			}
			if err := fake.Append(id, testJPEG(t, 200, 100)); err != nil {
				t.Fatal(err)
			}
			for {
				r, b = n.do(t, "GET", path, nil)
				if r.StatusCode == 200 && r.Header.Get("ETag") != etag {
					break
				}
				if r.StatusCode != 200 && r.StatusCode != 502 {
					t.Fatalf("%d %s", r.StatusCode, b)
				}
				if time.Since(changed) > statTTL+2*time.Second {
					t.Fatalf("the old bytes were still served %v after the change (stat_ttl %v)", time.Since(changed), statTTL)
				}
				time.Sleep(20 * time.Millisecond) // polling for the stat_ttl to pass
			}
			if w, h := pngSize(t, b); w != 100 || h != 50 {
				t.Fatalf("render after the change %dx%d, want the new image's 100x50", w, h)
			}
			t.Logf("new bytes %v after the change (stat_ttl %v)", time.Since(changed).Round(time.Millisecond), statTTL)
		})
	}
}

// TestFastDFSSlaves: every legal slave name form is served.
func TestFastDFSSlaves(t *testing.T) {
	fake := fdfstest.Start(t, fdfstest.Options{})
	n := fdfsNode(t, fake, nil, nil)
	masters := map[string]string{}
	for _, ext := range []string{"jpeg", "jpg", "abcdef", ""} {
		masters[ext] = fake.Put(ext, testJPEG(t, 640, 480))
	}
	trunk := fake.PutTrunk("jpg", testJPEG(t, 640, 480))
	masters["trunk"] = trunk
	for _, f := range []struct{ master, prefix, ext string }{
		{"jpeg", "a", "jpg"}, // 44 characters
		{"jpeg", "5", "jpg"}, // 44 characters that read as a normal name
		{"jpeg", "abc", ""},  // 42 characters
		{"abcdef", "x", ""},  // 38 characters
		{"jpg", "_150x150", "jpg"},
		{"", "_s", "jpg"},
		{"trunk", "_m", "jpg"},
		{"trunk", "7", "jpg"},
	} {
		id, err := fake.PutSlave(masters[f.master], f.prefix, f.ext, testJPEG(t, 150, 100))
		if err != nil {
			t.Fatal(err)
		}
		r, b := n.do(t, "GET", "/i/w_60,f_png/fdfs/"+id, nil)
		if r.StatusCode != 200 {
			t.Errorf("%s (%d characters): %d %s", id, len(id)-len("group1/"), r.StatusCode, b)
			continue
		}
		if w, h := pngSize(t, b); w != 60 || h != 40 || !strings.Contains(r.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("%s: %dx%d, Cache-Control %q", id, w, h, r.Header.Get("Cache-Control"))
		}
	}
	if r, b := n.do(t, "GET", "/i/w_60,f_png/fdfs/"+trunk, nil); r.StatusCode != 200 {
		t.Errorf("trunk file: %d %s", r.StatusCode, b)
	}
}

// TestFastDFSHungTracker: with one of two trackers accepting and never answering, no request
// is slower than the first-byte deadline after the first, and the metrics show it down.
func TestFastDFSHungTracker(t *testing.T) {
	const firstByte = 300 * time.Millisecond
	fake := fdfstest.Start(t, fdfstest.Options{Trackers: 2})
	img := testJPEG(t, 320, 240)
	var ids []string
	for range 12 {
		ids = append(ids, fake.Put("jpg", img)) // distinct originals: each request asks a tracker
	}
	fake.HangTracker(0)
	n := fdfsNode(t, fake, func(c *fastdfs.Config) {
		c.IOTimeout = 10 * time.Second
		c.FirstByteTimeout = firstByte
		c.HealthInterval = 50 * time.Millisecond
	}, nil)
	hung := fake.TrackerAddrs()[0]
	// Trackers are asked round-robin: the first request that meets the hung tracker waits the
	// first-byte deadline; every other one is faster than that deadline.
	var slow int
	var slowest time.Duration
	for i, id := range ids {
		r, b := n.do(t, "GET", "/i/w_100,f_png/fdfs/"+id, nil)
		// The store fetch's time (Server-Timing fetch;dur=), not the request's: a render
		// slowed by a busy machine is no wait for the tracker.
		took := fetchDur(t, r.Header.Get("Server-Timing"))
		if r.StatusCode != 200 {
			t.Fatalf("request %d: %d %s", i, r.StatusCode, b)
		}
		if took >= firstByte {
			slow++
			if took > firstByte+2*time.Second {
				t.Errorf("request %d took %v", i, took)
			}
			continue
		}
		slowest = max(slowest, took)
	}
	if slow != 1 {
		t.Errorf("%d requests waited for the hung tracker, want exactly 1 (the first to meet it)", slow)
	}
	t.Logf("slowest of the other requests: %v", slowest.Round(time.Millisecond))
	if v, found := metricWith(t, n.internal, "imgorigin_source_server_up", `source="fdfs"`, `role="tracker"`, `addr="`+hung+`"`); !found || v != 0 {
		t.Errorf("server_up of the hung tracker = %v (present %v), want 0", v, found)
	}
	if v, _ := metricWith(t, n.internal, "imgorigin_source_failovers_total", `source="fdfs"`, `addr="`+hung+`"`); v < 1 {
		t.Errorf("failovers from the hung tracker = %v, want ≥ 1", v)
	}
	if v, found := metricWith(t, n.internal, "imgorigin_source_server_up", `source="fdfs"`, `role="storage"`); !found || v != 1 {
		t.Errorf("server_up of the storage = %v (present %v), want 1", v, found)
	}
	if c := strings.Count(n.logs.String(), "fastdfs server down"); c != 1 {
		t.Errorf("%d 'server down' log records, want 1", c)
	}
	fake.ResumeTracker(0)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if v, _ := metricWith(t, n.internal, "imgorigin_source_server_up", `addr="`+hung+`"`); v == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the resumed tracker is not up after 5 s")
		}
		time.Sleep(20 * time.Millisecond) // polling for the health probe
	}
}

// fetchDur reads fetch;dur= (milliseconds) from a Server-Timing header.
func fetchDur(t *testing.T, header string) time.Duration {
	t.Helper()
	for _, m := range strings.Split(header, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(m), "fetch;dur="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("Server-Timing %q: %v", header, err)
			}
			return time.Duration(f * float64(time.Millisecond))
		}
	}
	t.Fatalf("Server-Timing %q has no fetch", header)
	return 0
}
