package nginx_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imgorigin/imgorigin/nginx"
	"github.com/imgorigin/imgorigin/origin/cache"
	"github.com/imgorigin/imgorigin/origin/pool"
)

func valid() nginx.Config {
	c := nginx.DefaultConfig()
	c.Pool = []pool.Member{{Name: "10.0.0.1:8080"}, {Name: "10.0.0.2:8080", Weight: 2}}
	return c
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name string
		edit func(*nginx.Config)
		want string
	}{
		{"no pool", func(c *nginx.Config) { c.Pool = nil }, "pool: must list"},
		{"pool injection", func(c *nginx.Config) { c.Pool[0].Name = "a:1; include /etc/passwd" }, "pool[0].name"},
		{"listen", func(c *nginx.Config) { c.Listen = "0.0.0.0:x" }, "listen:"},
		{"shard", func(c *nginx.Config) { c.ShardKey = "request_uri" }, "shard_key:"},
		{"legacy", func(c *nginx.Config) { c.Legacy = []string{"a b"} }, "legacy[0]:"},
		{"real ip", func(c *nginx.Config) { c.RealIPFrom = []string{"10.0.0.0/33"} }, "real_ip_from[0]:"},
		{"real ip header", func(c *nginx.Config) { c.RealIPHeader = "X-A;" }, "real_ip_header:"},
		{"tries", func(c *nginx.Config) { c.Tries = 0 }, "tries:"},
		{"fail timeout", func(c *nginx.Config) { c.FailTimeout = 0 }, "fail_timeout:"},
		{"body size", func(c *nginx.Config) { c.ClientMaxBodySize = "1 k" }, "client_max_body_size:"},
		{"access log", func(c *nginx.Config) { c.AccessLog = "logs/a.log;" }, "access_log:"},
		{"workers", func(c *nginx.Config) { c.WorkerProcesses = "many" }, "worker_processes:"},
		{"health check", func(c *nginx.Config) { c.HealthCheck.Fails = 0 }, "health_check.fails:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := valid()
			tc.edit(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
			if _, err := nginx.Render(c); err == nil {
				t.Fatal("Render accepted an invalid configuration")
			}
		})
	}
	if err := valid().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestRenderPatternsFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.txt")
	bad := filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(good, []byte("^/old/[0-9]+\\.jpg$  # the 2009 gallery\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("^/old/$\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := valid()
	c.Legacy = []string{"10.0.1.1:8081"}
	c.LegacyPatterns = good
	out, err := nginx.Render(c)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "# the 2009 gallery\n        location ~ \"^/old/[0-9]+\\.jpg$\" {") {
		t.Fatalf("pattern not rendered:\n%s", out)
	}
	if strings.Contains(string(out), "attachment/forum") {
		t.Fatal("built-in patterns rendered although a file was given")
	}
	c.LegacyPatterns = bad
	if _, err := nginx.Render(c); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("err %v, want a line number", err)
	}
}

func TestRenderNeverHashesTheQuery(t *testing.T) {
	for _, shard := range []string{pool.ShardObject, pool.ShardPath} {
		c := valid()
		c.ShardKey = shard
		out, err := nginx.Render(c)
		if err != nil {
			t.Fatal(err)
		}
		var directives []string
		for _, line := range strings.Split(string(out), "\n") {
			if !strings.HasPrefix(strings.TrimSpace(line), "#") {
				directives = append(directives, line)
			}
		}
		s := strings.Join(directives, "\n")
		if strings.Contains(s, "$request_uri") || strings.Contains(s, "$args") || !strings.Contains(s, "hash $imgorigin_shard consistent;") {
			t.Fatalf("shard %s: bad hash key:\n%s", shard, s)
		}
	}
}

func Example() {
	cfg := nginx.DefaultConfig()
	cfg.Pool = []pool.Member{{Name: "10.0.0.1:8080"}, {Name: "10.0.0.2:8080"}, {Name: "10.0.0.3:8080", Weight: 2}}
	cfg.Legacy = []string{"10.0.1.1:8081"}
	cfg.RealIPFrom = []string{"101.226.0.0/16"}
	conf, err := nginx.Render(cfg)
	if err != nil {
		panic(err)
	}
	for _, line := range strings.Split(string(conf), "\n") {
		if l := strings.TrimSpace(line); strings.HasPrefix(l, "hash ") || l == "least_conn;" || strings.Contains(line, "server 10.0.0.") {
			fmt.Println(strings.TrimSpace(line))
		}
	}
	// Output:
	// hash $imgorigin_shard consistent;
	// server 10.0.0.1:8080 weight=1 max_fails=2 fail_timeout=10s;
	// server 10.0.0.2:8080 weight=1 max_fails=2 fail_timeout=10s;
	// server 10.0.0.3:8080 weight=2 max_fails=2 fail_timeout=10s;
	// hash $imgorigin_shard consistent;
	// server 10.0.0.1:8080 weight=1 max_fails=0;
	// server 10.0.0.2:8080 weight=1 max_fails=0;
	// server 10.0.0.3:8080 weight=2 max_fails=0;
	// least_conn;
	// server 10.0.0.1:8080 weight=1 max_fails=2 fail_timeout=10s;
	// server 10.0.0.2:8080 weight=1 max_fails=2 fail_timeout=10s;
	// server 10.0.0.3:8080 weight=2 max_fails=2 fail_timeout=10s;
}

func TestFromCluster(t *testing.T) {
	members := []pool.Member{{Name: "10.0.0.1:8080", Internal: "10.0.0.1:9090"}, {Name: "10.0.0.2:8080", Weight: 3, Internal: "10.0.0.2:9090"}}
	cc := cache.DefaultConfig()
	cc.ShardKey = pool.ShardPath
	c := nginx.FromCluster(members, cc)
	if c.ShardKey != pool.ShardPath || len(c.Pool) != 2 || c.Pool[1] != members[1] {
		t.Fatalf("got %+v", c)
	}
	if nginx.FromPool(members).ShardKey != cache.DefaultConfig().ShardKey {
		t.Fatal("FromPool must use the cache's default shard key")
	}
}

// TestRenderDown: members the health checks found down are `down` in every upstream block of
// the pool (the ring keeps their points); when the whole pool is down none is marked.
func TestRenderDown(t *testing.T) {
	c := valid()
	c.Pool = append(c.Pool, pool.Member{Name: "10.0.0.3:8080"})
	c.Down = []string{"10.0.0.2:8080", "10.9.9.9:1"}
	b, err := nginx.Render(c)
	if err != nil {
		t.Fatal(err)
	}
	conf := string(b)
	if n := strings.Count(conf, "server 10.0.0.2:8080 weight=2 max_fails=2 fail_timeout=10s down;"); n != 2 {
		t.Errorf("down member rendered down %d times, want 2 (pool and uploads):\n%s", n, conf)
	}
	if n := strings.Count(conf, "server 10.0.0.2:8080 weight=2 max_fails=0 down;"); n != 1 {
		t.Errorf("down member rendered down %d times in imgorigin_pool_any, want 1:\n%s", n, conf)
	}
	if n := strings.Count(conf, " down;"); n != 3 {
		t.Errorf("%d servers down, want 3", n)
	}
	c.Down = []string{"10.0.0.1:8080", "10.0.0.2:8080", "10.0.0.3:8080"}
	if b, err = nginx.Render(c); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), " down;") {
		t.Errorf("whole pool down: servers rendered down")
	}
}
