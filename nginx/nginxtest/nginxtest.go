// Package nginxtest runs the system's real nginx binary for tests.
//
// Start writes a configuration into a fresh temporary prefix and runs
//
//	nginx -p <prefix> -e stderr -c <prefix>/nginx.conf -g 'daemon off; pid <prefix>/nginx.pid; error_log stderr;'
//
// (without the pid part when the configuration sets its own pid, relative to the prefix),
// then waits until every address named by a `listen` directive accepts connections, and stops
// nginx (SIGQUIT, then SIGKILL of its process group) when the test ends. Nothing needs root:
// relative paths in the configuration resolve against the prefix, and the prefix already has
// the directories logs/ and temp/. A configuration must therefore name its temp paths and
// access log itself, because Debian's compiled-in defaults point at /var/lib/nginx and
// /var/log/nginx; TempPaths returns the directives for the http block.
//
// Debian loads dynamic modules only through /etc/nginx/modules-enabled, which the default
// configuration includes; a test configuration that needs the lua module starts with
// LuaModules().
//
// When nginx is missing the test fails (it does not skip) and says to run `make deps`.
package nginxtest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/nginx"
)

// startTimeout bounds how long Start waits for the listen addresses, and Reload for new workers.
const startTimeout = 15 * time.Second

// Module files of Debian's libnginx-mod-http-lua (ndk must be loaded before lua).
const (
	ndkModule = "/usr/share/nginx/modules/ndk_http_module.so"
	luaModule = "/usr/share/nginx/modules/ngx_http_lua_module.so"
)

// Instance is one running nginx master process.
type Instance struct {
	t      testing.TB
	bin    string
	prefix string
	conf   string
	addrs  []string
	cmd    *exec.Cmd
	stderr *syncBuffer
	exited chan struct{} // closed when the master exits
	err    error         // Wait's result, valid after exited is closed
	once   sync.Once
}

// Binary returns the nginx binary to use: $NGINX_BIN, /usr/sbin/nginx, or nginx on PATH
// (nginx.Binary).
func Binary() (string, error) { return nginx.Binary() }

// TempPaths returns http-block directives that keep every temp path and the access log under
// the prefix.
func TempPaths() string {
	return `client_body_temp_path temp/body;
    proxy_temp_path temp/proxy;
    fastcgi_temp_path temp/fastcgi;
    uwsgi_temp_path temp/uwsgi;
    scgi_temp_path temp/scgi;
`
}

// LuaModules returns the main-context load_module directives for Debian's lua module (ndk first).
// It fails the test when the module files are missing.
func LuaModules(t testing.TB) string {
	t.Helper()
	for _, f := range []string{ndkModule, luaModule} {
		if _, err := os.Stat(f); err != nil {
			t.Fatalf("nginxtest: lua module missing: %s (run make deps)", f)
		}
	}
	return "load_module " + ndkModule + ";\nload_module " + luaModule + ";\n"
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("nginxtest: free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Check runs `nginx -t` on conf in a fresh prefix and returns nginx's output and an error when
// the configuration is rejected.
func Check(t testing.TB, conf string) (string, error) {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		t.Fatal(err)
	}
	prefix := newPrefix(t, conf)
	out, err := exec.Command(bin, "-t", "-q", "-p", prefix, "-e", "stderr", "-c", filepath.Join(prefix, "nginx.conf"),
		"-g", globals(prefix, conf, false)).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("nginx -t: %w: %s", err, out)
	}
	return string(out), nil
}

func newPrefix(t testing.TB, conf string) string {
	t.Helper()
	prefix := t.TempDir()
	for _, d := range []string{"logs", "temp", "html"} {
		if err := os.MkdirAll(filepath.Join(prefix, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(prefix, "nginx.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return prefix
}

var pidRe = regexp.MustCompile(`(?m)^\s*pid\s`)

// globals returns the -g directives; a configuration that sets its own pid keeps it (nginx
// rejects a duplicate pid directive).
func globals(prefix, conf string, foreground bool) string {
	g := "error_log stderr;"
	if !pidRe.MatchString(conf) {
		g = "pid " + filepath.Join(prefix, "nginx.pid") + "; " + g
	}
	if foreground {
		g = "daemon off; " + g
	}
	return g
}

var listenRe = regexp.MustCompile(`(?m)^\s*listen\s+([^\s;]+)`)

// ListenAddrs returns the TCP addresses named by conf's listen directives ("8080" and "*:8080"
// become 127.0.0.1:8080). Unix sockets are left out.
func ListenAddrs(conf string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range listenRe.FindAllStringSubmatch(conf, -1) {
		a := m[1]
		if strings.HasPrefix(a, "unix:") {
			continue
		}
		if _, err := strconv.Atoi(a); err == nil {
			a = "127.0.0.1:" + a
		} else if strings.HasPrefix(a, "*:") {
			a = "127.0.0.1" + a[1:]
		}
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out
}

// Start runs nginx with conf and returns when every listen address accepts connections.
func Start(t testing.TB, conf string) *Instance {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		t.Fatal(err)
	}
	prefix := newPrefix(t, conf)
	in := &Instance{
		t: t, bin: bin, prefix: prefix, conf: filepath.Join(prefix, "nginx.conf"),
		addrs: ListenAddrs(conf), stderr: &syncBuffer{}, exited: make(chan struct{}),
	}
	in.cmd = exec.Command(bin, "-p", prefix, "-e", "stderr", "-c", in.conf, "-g", globals(prefix, conf, true))
	in.cmd.Stdout = in.stderr
	in.cmd.Stderr = in.stderr
	in.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := in.cmd.Start(); err != nil {
		t.Fatalf("nginxtest: start %s: %v", bin, err)
	}
	go func() {
		in.err = in.cmd.Wait()
		close(in.exited)
	}()
	t.Cleanup(func() {
		in.Stop()
		if t.Failed() {
			t.Logf("nginx error log (%s):\n%s", prefix, in.ErrorLog())
		}
	})
	pidFile := ""
	if !pidRe.MatchString(conf) {
		pidFile = filepath.Join(prefix, "nginx.pid")
	}
	if err := in.waitListening(pidFile); err != nil {
		t.Fatalf("nginxtest: %v\nnginx error log:\n%s", err, in.ErrorLog())
	}
	return in
}

// waitListening waits until nginx has written pidFile (it does so only after binding every
// listener; "" skips this) and every listen address accepts connections. Without the pid file
// a connection could reach another process that took a port between FreePort and nginx.
func (in *Instance) waitListening(pidFile string) error {
	deadline := time.Now().Add(startTimeout)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for pidFile != "" {
		if _, err := os.Stat(pidFile); err == nil {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nginx wrote no pid file within %v", startTimeout)
		}
		select {
		case <-in.exited:
			return fmt.Errorf("nginx exited during start: %v", in.err)
		case <-tick.C:
		}
	}
	for _, a := range in.addrs {
		for {
			c, err := net.DialTimeout("tcp", a, time.Second)
			if err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("nginx did not listen on %s within %v", a, startTimeout)
			}
			select {
			case <-in.exited:
				return fmt.Errorf("nginx exited during start: %v", in.err)
			case <-tick.C:
			}
		}
	}
	return nil
}

// Prefix is the instance's prefix directory (logs/, temp/, html/, nginx.conf).
func (in *Instance) Prefix() string { return in.prefix }

// Addrs are the listen addresses Start waited for.
func (in *Instance) Addrs() []string { return in.addrs }

// URL returns "http://" + the first listen address + path.
func (in *Instance) URL(path string) string {
	if len(in.addrs) == 0 {
		in.t.Fatal("nginxtest: configuration has no listen address")
	}
	return "http://" + in.addrs[0] + path
}

// ErrorLog returns everything nginx wrote to its error log (stderr) so far.
func (in *Instance) ErrorLog() string { return in.stderr.String() }

// Reload sends SIGHUP and waits until a new generation of worker processes runs and the old
// workers have exited (nginx closes their idle keep-alive connections; a request in flight
// keeps its old worker until it completes), so every later connection sees the new
// configuration. It fails the test when nginx rejects the configuration on disk.
func (in *Instance) Reload() {
	in.t.Helper()
	before := in.workers()
	mark := in.stderr.Len()
	if err := in.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		in.t.Fatalf("nginxtest: reload: %v", err)
	}
	deadline := time.Now().Add(startTimeout)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		log := in.stderr.String()[mark:]
		if strings.Contains(log, "[emerg]") {
			in.t.Fatalf("nginxtest: reload rejected:\n%s", log)
		}
		now, fresh, stale := in.workers(), false, false
		for p := range now {
			fresh = fresh || !before[p]
			stale = stale || before[p]
		}
		if fresh && !stale {
			return
		}
		if time.Now().After(deadline) {
			in.t.Fatalf("nginxtest: no new workers within %v after reload:\n%s", startTimeout, log)
		}
		select {
		case <-in.exited:
			in.t.Fatalf("nginxtest: nginx exited during reload: %v\n%s", in.err, log)
		case <-tick.C:
		}
	}
}

// ReloadWith replaces the configuration file and reloads.
func (in *Instance) ReloadWith(conf string) {
	in.t.Helper()
	if err := os.WriteFile(in.conf, []byte(conf), 0o644); err != nil {
		in.t.Fatal(err)
	}
	in.Reload()
}

// workers returns the master's child pids (Linux /proc).
func (in *Instance) workers() map[int]bool {
	pid := in.cmd.Process.Pid
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	out := map[int]bool{}
	for _, f := range strings.Fields(string(b)) {
		if n, err := strconv.Atoi(f); err == nil {
			out[n] = true
		}
	}
	return out
}

// Stop asks nginx to quit gracefully (SIGQUIT), then kills its process group after 5 s.
// It is called at cleanup; calling it earlier is allowed.
func (in *Instance) Stop() {
	in.once.Do(func() {
		_ = in.cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-in.exited:
		case <-time.After(5 * time.Second):
			// The group is nginx's own (Setpgid): master and workers.
			_ = syscall.Kill(-in.cmd.Process.Pid, syscall.SIGKILL)
			<-in.exited
		}
	})
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Len()
}
