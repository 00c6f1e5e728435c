package nginx_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/clustertest"
)

func TestMain(m *testing.M) { clustertest.Main(m) }

// frontLog follows the front nginx's JSON access log: one line per finished request.
type frontLog struct {
	path string
	seen int
}

type frontEntry struct {
	URI          string `json:"uri"`
	Status       int    `json:"status"`
	Route        string `json:"route"`
	UpstreamAddr string `json:"upstream_addr"`
}

// next waits (bounded) for the next line of the log: nginx writes it after the answer.
func (l *frontLog) next(t *testing.T) frontEntry {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		f, err := os.Open(l.path)
		if err == nil {
			var lines []string
			sc := bufio.NewScanner(f)
			sc.Buffer(make([]byte, 64<<10), 1<<20)
			for sc.Scan() {
				lines = append(lines, sc.Text())
			}
			f.Close()
			if len(lines) > l.seen {
				var e frontEntry
				if err := json.Unmarshal([]byte(lines[l.seen]), &e); err != nil {
					t.Fatalf("front access log line %d: %v", l.seen+1, err)
				}
				l.seen++
				return e
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("front access log %s: no line %d within 10 s", l.path, l.seen+1)
		}
		<-tick.C
	}
}

func startE2E(t *testing.T) (*clustertest.Cluster, *frontLog) {
	t.Helper()
	c := clustertest.Start(t, clustertest.Options{Nodes: 3, Legacy: true, FastDFS: true,
		FastDFSFiles: map[string][]byte{"fdfs.jpg": clustertest.JPEG(200, 150, 7)}})
	c.WriteLocal(t, "photos/cat.jpg", clustertest.JPEG(400, 300, 1))
	c.WriteLocal(t, "photos/with space.jpg", clustertest.JPEG(300, 200, 2))
	c.WriteLegacy(t, "attachment/forum/201906/18/153012abcd.jpg", clustertest.JPEG(64, 64, 3))
	c.WriteLegacy(t, "uploads/2015/07/logo.png", clustertest.PNG(32, 32, 4))
	return c, &frontLog{path: filepath.Join(c.Dir, "front", "logs", "access.log")}
}

// TestE2ERoutes drives testdata/routes-e2e.golden through the real stack (-update rewrites
// the expectations from what the stack answered). Every pool request is sent twice and must
// land on its ring owner both times.
func TestE2ERoutes(t *testing.T) {
	c, log := startE2E(t)
	golden := filepath.Join("testdata", "routes-e2e.golden")
	b, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	legacyAddr := c.LegacyAddr
	var out []string
	for n, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || strings.HasPrefix(line, "#") {
			out = append(out, line)
			continue
		}
		if len(fields) != 4 {
			t.Fatalf("%s:%d: want METHOD TARGET DESTINATION STATUS", golden, n+1)
		}
		method, target := fields[0], strings.ReplaceAll(fields[1], "{fdfs}", c.FDFS["fdfs.jpg"])
		path, _, _ := strings.Cut(target, "?")
		target = strings.ReplaceAll(target, "{token}", c.Token(t, path, now.Add(time.Hour)))
		target = strings.ReplaceAll(target, "{expired}", c.Token(t, path, now.Add(-time.Hour)))
		var dest string
		var status int
		for try := 0; try < 2; try++ {
			r, err := c.Do(method, c.FrontURL+target, nil)
			if err != nil {
				t.Fatalf("%s %s: %v", method, target, err)
			}
			e := log.next(t)
			d := e.Route
			switch {
			case e.UpstreamAddr == "" && r.Header.Get("X-Front-Route") == "":
				// Refused by nginx itself (limit_except). Its access log says route "none"
				// then: the location's `set` does not apply inside limit_except.
				d = "-"
			case e.Route == "pool" && e.UpstreamAddr != "":
				node := r.Header.Get("X-Origin-Node")
				if owner := c.Owner(path); node != owner.Name || e.UpstreamAddr != owner.Addr {
					t.Errorf("%s %s: served by %s (%s), ring owner %s (%s)", method, target, node, e.UpstreamAddr, owner.Name, owner.Addr)
				}
			case e.Route == "legacy" && e.UpstreamAddr == legacyAddr:
				if r.Header.Get("X-Origin-Node") != "" {
					t.Errorf("%s %s: legacy answer carries X-Origin-Node", method, target)
				}
			case e.Route == "refused" || e.Route == "none":
				if got := r.Header.Get("X-Front-Route"); got != e.Route {
					t.Errorf("%s %s: X-Front-Route %q, access log route %q", method, target, got, e.Route)
				}
			default:
				t.Errorf("%s %s: unexpected access log entry %+v", method, target, e)
			}
			if try == 1 && (d != dest || r.Status != status) {
				t.Errorf("%s %s: repeat went to %s %d, first %s %d", method, target, d, r.Status, dest, status)
			}
			dest, status = d, r.Status
		}
		if !*update && (fields[2] != dest || fields[3] != strconv.Itoa(status)) {
			t.Errorf("%s:%d: %s %s → %s %d, want %s %s", golden, n+1, method, fields[1], dest, status, fields[2], fields[3])
		}
		out = append(out, strings.Join([]string{fields[0], fields[1], dest, strconv.Itoa(status)}, " "))
	}
	if *update {
		if err := os.WriteFile(golden, []byte(strings.Join(out, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestE2ESpreadAndStickiness: each of 3,000 distinct paths is served by the node the ring
// (origin/ring, the groupcache owner) names, so the three real origins get exactly the ring's
// spread; neither a repeat nor a different token moves a path. The spread of the ring itself
// (±25 % of even for 3 nodes over 3,000 paths) is asserted by ring.TestSpread over many pools:
// here the ports, and so the names nginx hashes, are whatever the kernel gave this run.
func TestE2ESpreadAndStickiness(t *testing.T) {
	c := clustertest.Start(t, clustertest.Options{Nodes: 3})
	now := time.Now()
	perNode := map[string]int{}
	for i := 0; i < 3000; i++ {
		p := fmt.Sprintf("/i/w_200,f_webp/local/spread/%d/img.jpg", i)
		node := ""
		queries := []string{"", "?token=k1.1.x"}
		if i%100 == 0 { // a few with real, different tokens
			queries = append(queries, "?"+c.Token(t, p, now.Add(time.Hour)), "?"+c.Token(t, p, now.Add(2*time.Hour)))
		}
		for _, q := range queries {
			r, err := c.Do(http.MethodGet, c.FrontURL+p+q, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := r.Header.Get("X-Origin-Node")
			if got == "" {
				t.Fatalf("%s%s: %d without X-Origin-Node", p, q, r.Status)
			}
			if node != "" && got != node {
				t.Fatalf("%s%s: served by %s, before by %s", p, q, got, node)
			}
			if want := c.Owner(p).Name; got != want {
				t.Fatalf("%s%s: served by %s, the ring's owner is %s", p, q, got, want)
			}
			node = got
		}
		perNode[node]++
	}
	for _, n := range c.Nodes {
		if perNode[n.Name] == 0 {
			t.Errorf("%s got none of the 3000 paths", n.Name)
		}
	}
	t.Logf("paths per node: %v", perNode)
}

// TestE2EFailover: with one real origin killed, 500 sequential signed GETs through nginx all
// succeed, the killed node's keys served by the next node on the ring; when it is back, its
// keys return to it.
func TestE2EFailover(t *testing.T) {
	c := clustertest.Start(t, clustertest.Options{Nodes: 3})
	exp := time.Now().Add(time.Hour)
	var paths []string
	for o := 0; o < 50; o++ {
		key := fmt.Sprintf("failover/%02d.jpg", o)
		c.WriteLocal(t, key, clustertest.JPEG(48, 32, o))
		for v := 0; v < 10; v++ {
			paths = append(paths, fmt.Sprintf("/i/w_%d,f_jpeg/local/%s", 16+v, key))
		}
	}
	victim := c.Node(2)
	victim.Kill()
	if _, err := net.DialTimeout("tcp", victim.Addr, time.Second); err == nil {
		t.Fatalf("%s still accepts connections after Kill", victim.Name)
	}
	victimKeys := 0
	for _, p := range paths {
		r := c.Get(t, c.FrontURL+c.Signed(t, p, exp))
		if r.Status != http.StatusOK {
			t.Fatalf("%s with %s down: %d %s", p, victim.Name, r.Status, r.Body)
		}
		want := c.Owners(p, 2)
		if want[0] == victim {
			victimKeys++
			want = want[1:]
		}
		if got := r.Header.Get("X-Origin-Node"); got != want[0].Name {
			t.Errorf("%s: served by %s, want %s", p, got, want[0].Name)
		}
	}
	if victimKeys == 0 {
		t.Fatalf("%s owned none of the %d paths: the failover was not exercised", victim.Name, len(paths))
	}

	victim.Restart()
	deadline := time.Now().Add(30 * time.Second) // nginx retries it after fail_timeout (1 s)
	for _, p := range paths {
		if c.Owner(p) != victim {
			continue
		}
		for {
			r := c.Get(t, c.FrontURL+c.Signed(t, p, exp))
			if r.Status != http.StatusOK {
				t.Fatalf("%s after restart: %d", p, r.Status)
			}
			if r.Header.Get("X-Origin-Node") == victim.Name {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: still served by %s 30 s after %s came back", p, r.Header.Get("X-Origin-Node"), victim.Name)
			}
		}
	}
	t.Logf("%d of %d paths failed over from %s and returned", victimKeys, len(paths), victim.Name)
}
