package clustertest_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/clustertest"
	"github.com/imgorigin/imgorigin/origin/config"
)

// TestFastRollingRestart: the three origins restarted back to back, unpaced (each SIGTERM,
// drain, exit, start, ready; the next one at once), under 4 clients of traffic through the
// front nginx with its production front.fail_timeout (10 s, not the test shape's 1 s). Every
// request must be answered 200.
//
// Before imgorigin_pool_any (nginx/front.conf.tmpl) this failed: each node, refused while it
// restarted, was marked failed (max_fails) and kept out of the hash for fail_timeout although
// it was back; by the third restart every node was marked, and nginx answered its own 502
// ("no live upstreams", upstream_addr imgorigin_pool, 0 ms) to every request until the first
// mark expired, with all three nodes up.
func TestFastRollingRestart(t *testing.T) {
	c := clustertest.Start(t, clustertest.Options{Nodes: 3, Disk: true, Env: []string{"IMGORIGIN_SERVER_DRAIN_DELAY=300ms"},
		OriginConfig: func(cfg *config.Config) { cfg.Front.FailTimeout = 10 * time.Second }})
	exp := time.Now().Add(time.Hour)
	replay := zipfReplay(t, c, 300)
	failErrs(t, parallel(len(replay), 8, func(i int) error {
		_, err := c.Do(http.MethodGet, c.FrontURL+c.Signed(t, replay[i], exp), nil)
		return err
	}))
	var (
		stop     atomic.Bool
		wg       sync.WaitGroup
		mu       sync.Mutex
		failures []string
		sent     atomic.Int64
	)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; !stop.Load(); i += 4 {
				sent.Add(1)
				p := replay[i%len(replay)]
				r, err := c.Do(http.MethodGet, c.FrontURL+c.Signed(t, p, exp), nil)
				if err == nil && r.Status == http.StatusOK {
					continue
				}
				msg := fmt.Sprint(err)
				if err == nil {
					msg = fmt.Sprintf("%d %s (X-Origin-Node %q)", r.Status, strings.TrimSpace(string(r.Body)), r.Header.Get("X-Origin-Node"))
				}
				mu.Lock()
				failures = append(failures, time.Now().Format("15:04:05.000")+" "+p+": "+msg)
				mu.Unlock()
			}
		}(w)
	}
	time.Sleep(500 * time.Millisecond) // traffic on every node first
	for _, n := range c.Nodes {
		t.Logf("%s restarting", n.Name)
		n.Restart()
		t.Logf("%s ready", n.Name)
	}
	time.Sleep(500 * time.Millisecond)
	stop.Store(true)
	wg.Wait()
	t.Logf("%d requests through the front during the roll", sent.Load())
	if len(failures) > 0 {
		b, _ := os.ReadFile(filepath.Join(c.Dir, "logs", "front.log"))
		t.Errorf("%d of %d requests failed:\n%s\nfront error log:\n%s", len(failures), sent.Load(), strings.Join(failures, "\n"), b)
	}
}
