package ring_test

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/imgorigin/imgorigin/nginx/nginxtest"
	"github.com/imgorigin/imgorigin/origin/pool"
	"github.com/imgorigin/imgorigin/origin/ring"
)

func key(i int) string {
	return fmt.Sprintf("/i/w_%d,f_webp/local/photos/%04d/img-%d.jpg", 100+i%7, i%97, i)
}

// TestMatchesNginx routes 10,000 keys through real nginx (`hash $uri consistent`) and checks
// that Pick names the backend nginx chose for every one.
func TestMatchesNginx(t *testing.T) {
	cases := []struct {
		name    string
		weights []int
	}{
		{"three", []int{1, 1, 1}},
		{"five-weighted", []int{1, 2, 3, 1, 5}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var servers []pool.Member
			var upstream strings.Builder
			for i, w := range tc.weights {
				b := nginxtest.StartBackend(t, fmt.Sprintf("n%d", i))
				servers = append(servers, pool.Member{Name: b.Addr, Weight: w})
				fmt.Fprintf(&upstream, "        server %s weight=%d;\n", b.Addr, w)
			}
			r, err := ring.New(servers)
			if err != nil {
				t.Fatal(err)
			}
			port := nginxtest.FreePort(t)
			in := nginxtest.Start(t, fmt.Sprintf(`
worker_processes 1;
events { worker_connections 256; }
http {
    %s
    access_log off;
    upstream pool {
        hash $uri consistent;
%s        keepalive 16;
    }
    server {
        listen 127.0.0.1:%d;
        location / {
            proxy_pass http://pool;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
`, nginxtest.TempPaths(), upstream.String(), port))

			const n = 10000
			const workers = 8
			var wg sync.WaitGroup
			var mu sync.Mutex
			var mismatches []string
			counts := map[string]int{}
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					for i := w; i < n; i += workers {
						k := key(i)
						resp, err := client.Get(in.URL(k) + "?token=abc" + fmt.Sprint(i))
						if err != nil {
							mu.Lock()
							mismatches = append(mismatches, err.Error())
							mu.Unlock()
							return
						}
						_, _ = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						got := resp.Header.Get("X-Backend")
						want := r.Pick(k)
						mu.Lock()
						counts[want]++
						if got == "" || servers[indexOf(servers, want)].Name != backendAddr(servers, got) {
							mismatches = append(mismatches, fmt.Sprintf("%s: nginx %s, ring %s", k, got, want))
						}
						mu.Unlock()
					}
				}(w)
			}
			wg.Wait()
			if len(mismatches) > 0 {
				t.Fatalf("%d of %d keys disagree, first: %v", len(mismatches), n, mismatches[:min(5, len(mismatches))])
			}
			t.Logf("distribution %v", counts)
		})
	}
}

func indexOf(s []pool.Member, name string) int {
	for i, x := range s {
		if x.Name == name {
			return i
		}
	}
	return -1
}

// backendAddr maps a backend name "n<i>" to its address.
func backendAddr(s []pool.Member, name string) string {
	var i int
	if _, err := fmt.Sscanf(name, "n%d", &i); err != nil || i >= len(s) {
		return ""
	}
	return s[i].Name
}

func TestMembershipMovesOneNth(t *testing.T) {
	base := []pool.Member{{Name: "10.0.0.1:8080"}, {Name: "10.0.0.2:8080"}, {Name: "10.0.0.3:8080"}, {Name: "10.0.0.4:8080"}}
	cases := []struct {
		name        string
		before      []pool.Member
		after       []pool.Member
		wantMoved   float64 // expected fraction of keys that move
		onlyTouched string  // every moved key must come from / go to this server
	}{
		{"add fifth", base, append(base[:4:4], pool.Member{Name: "10.0.0.5:8080"}), 1.0 / 5, "10.0.0.5:8080"},
		{"remove fourth", base, base[:3], 1.0 / 4, "10.0.0.4:8080"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, err := ring.New(tc.before)
			if err != nil {
				t.Fatal(err)
			}
			b, err := ring.New(tc.after)
			if err != nil {
				t.Fatal(err)
			}
			const n = 20000
			moved := 0
			for i := 0; i < n; i++ {
				k := key(i)
				pa, pb := a.Pick(k), b.Pick(k)
				if pa == pb {
					continue
				}
				moved++
				if pa != tc.onlyTouched && pb != tc.onlyTouched {
					t.Fatalf("%s moved %s → %s: neither is the changed server", k, pa, pb)
				}
			}
			frac := float64(moved) / n
			if frac < tc.wantMoved*0.7 || frac > tc.wantMoved*1.3 {
				t.Fatalf("moved %.3f of keys, want about %.3f", frac, tc.wantMoved)
			}
			t.Logf("moved %.3f (ideal %.3f)", frac, tc.wantMoved)
		})
	}
}

func TestPickN(t *testing.T) {
	servers := []pool.Member{{Name: "a:1"}, {Name: "b:2"}, {Name: "c:3", Weight: 2}}
	r, err := ring.New(servers)
	if err != nil {
		t.Fatal(err)
	}
	without := map[string]*ring.Ring{}
	for _, drop := range servers {
		var rest []pool.Member
		for _, s := range servers {
			if s != drop {
				rest = append(rest, s)
			}
		}
		without[drop.Name], _ = ring.New(rest)
	}
	for i := 0; i < 2000; i++ {
		k := key(i)
		order := r.PickN(k, 5)
		if len(order) != 3 || order[0] != r.Pick(k) {
			t.Fatalf("%s: PickN %v, Pick %s", k, order, r.Pick(k))
		}
		if order[0] == order[1] || order[1] == order[2] || order[0] == order[2] {
			t.Fatalf("%s: duplicate in %v", k, order)
		}
		// The second choice is where the key lives once the owner leaves the ring.
		if got := without[order[0]].Pick(k); got != order[1] {
			t.Fatalf("%s: failover %s, ring without owner picks %s", k, order[1], got)
		}
	}
	if got := r.PickN("x", 0); len(got) != 0 {
		t.Fatalf("PickN(0) = %v", got)
	}
}

func TestNewRejects(t *testing.T) {
	cases := []struct {
		name    string
		servers []pool.Member
		want    string
	}{
		{"empty", nil, "no servers"},
		{"duplicate", []pool.Member{{Name: "a:1"}, {Name: "a:1"}}, "listed twice"},
		{"negative weight", []pool.Member{{Name: "a:1", Weight: -1}}, "weight"},
		{"blank name", []pool.Member{{Name: ""}}, "name"},
		{"injection", []pool.Member{{Name: "a:1; server evil:2"}}, "name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ring.New(tc.servers)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
}

func BenchmarkPick(b *testing.B) {
	for _, n := range []int{3, 20} {
		b.Run(fmt.Sprintf("servers=%d", n), func(b *testing.B) {
			var s []pool.Member
			for i := 0; i < n; i++ {
				s = append(s, pool.Member{Name: fmt.Sprintf("10.0.0.%d:8080", i+1)})
			}
			r, _ := ring.New(s)
			k := key(12345)
			b.ReportAllocs()
			for b.Loop() {
				_ = r.Pick(k)
			}
		})
	}
}

// TestSpread: the balance of ketama depends on the server names, and in the tests the names
// carry ports the kernel picks. Over many pools of three loopback addresses with random ports,
// 3,000 paths land within ±25 % of even on every node in at least 99 % of pools, and the
// typical (median) pool is within ±10 %. The end-to-end tests through nginx check that nginx
// routes each path to Pick's node; this test is where the spread itself is asserted, so it
// does not hinge on the ports one run happens to get.
func TestSpread(t *testing.T) {
	const pools, paths, nodes = 400, 3000, 3
	rng := rand.New(rand.NewPCG(1, 2))
	within := 0
	devs := make([]float64, 0, pools)
	for p := 0; p < pools; p++ {
		var servers []pool.Member
		seen := map[int]bool{}
		for len(servers) < nodes {
			port := 32768 + rng.IntN(28232) // Linux's default ephemeral range
			if !seen[port] {
				seen[port] = true
				servers = append(servers, pool.Member{Name: fmt.Sprintf("127.0.0.1:%d", port)})
			}
		}
		r, err := ring.New(servers)
		if err != nil {
			t.Fatal(err)
		}
		counts := map[string]int{}
		for i := 0; i < paths; i++ {
			counts[r.Pick(fmt.Sprintf("/i/w_200,f_webp/local/spread/%d/img.jpg", i))]++
		}
		worst := 0.0
		for _, s := range servers {
			worst = max(worst, math.Abs(float64(counts[s.Name])/(paths/nodes)-1))
		}
		devs = append(devs, worst)
		if worst <= 0.25 {
			within++
		}
	}
	slices.Sort(devs)
	median := devs[len(devs)/2]
	t.Logf("pools within ±25 %%: %d of %d; worst deviation: median %.3f, max %.3f", within, pools, median, devs[len(devs)-1])
	if within < pools*99/100 {
		t.Errorf("%d of %d pools within ±25 %% of even, want at least 99 %%", within, pools)
	}
	if median > 0.10 {
		t.Errorf("median worst deviation %.3f, want at most 0.10", median)
	}
}
