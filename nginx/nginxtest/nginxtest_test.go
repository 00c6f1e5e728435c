package nginxtest_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/imgorigin/imgorigin/nginx/nginxtest"
)

func conf(port int, body, extraMain string) string {
	return fmt.Sprintf(`%s
worker_processes 1;
events { worker_connections 64; }
http {
    %s
    access_log off;
    server {
        listen 127.0.0.1:%d;
        location / { return 200 "%s"; }
    }
}
`, extraMain, nginxtest.TempPaths(), port, body)
}

func get(t *testing.T, url string) string {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func TestStartReloadStop(t *testing.T) {
	port := nginxtest.FreePort(t)
	in := nginxtest.Start(t, conf(port, "one", ""))
	if got := get(t, in.URL("/")); got != "one" {
		t.Fatalf("body %q, want one", got)
	}
	in.ReloadWith(conf(port, "two", ""))
	if got := get(t, in.URL("/")); got != "two" {
		t.Fatalf("after reload body %q, want two", got)
	}
	in.Stop()
	if _, err := http.Get(in.URL("/")); err == nil {
		t.Fatal("nginx still answers after Stop")
	}
}

func TestLuaModules(t *testing.T) {
	port := nginxtest.FreePort(t)
	c := strings.Replace(conf(port, "", nginxtest.LuaModules(t)), `return 200 "";`, `content_by_lua_block { ngx.say("lua ", 1+1) }`, 1)
	in := nginxtest.Start(t, c)
	if got := get(t, in.URL("/")); got != "lua 2\n" {
		t.Fatalf("body %q, want lua 2", got)
	}
}

func TestCheck(t *testing.T) {
	if _, err := nginxtest.Check(t, conf(nginxtest.FreePort(t), "x", "")); err != nil {
		t.Fatal(err)
	}
	out, err := nginxtest.Check(t, "events {} http { bogus_directive on; }")
	if err == nil || !strings.Contains(out, "bogus_directive") {
		t.Fatalf("invalid configuration accepted: %v %s", err, out)
	}
}

func TestListenAddrs(t *testing.T) {
	got := nginxtest.ListenAddrs("listen 8080;\n  listen 127.0.0.2:81 reuseport;\nlisten *:90;\nlisten unix:/x.sock;\n")
	want := []string{"127.0.0.1:8080", "127.0.0.2:81", "127.0.0.1:90"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}
