package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/signer"
)

var (
	originBinOnce sync.Once
	originBinPath string
	originBinErr  error
)

// originBin builds this command once per test binary: the operations tests signal a real
// process.
func originBin(t *testing.T) string {
	t.Helper()
	originBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "origin-bin-")
		if err != nil {
			originBinErr = err
			return
		}
		originBinPath = filepath.Join(dir, "origin")
		out, err := exec.Command("go", "build", "-o", originBinPath, ".").CombinedOutput()
		if err != nil {
			originBinErr = fmt.Errorf("go build: %v: %s", err, out)
		}
	})
	if originBinErr != nil {
		t.Fatalf("building the origin: %v", originBinErr)
	}
	return originBinPath
}

// freeAddr returns a 127.0.0.1 address that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	return closedPort(t)
}

// proc is a running origin process whose JSON log lines are scanned for messages.
type proc struct {
	cmd            *exec.Cmd
	base, internal string
	msgs           chan string
	exited         chan error
	mu             sync.Mutex
	log            strings.Builder
}

func startProc(t *testing.T, configYAML string, public, internal string) *proc {
	t.Helper()
	cfgPath := filepath.Join(t.TempDir(), "origin.yaml")
	if err := os.WriteFile(cfgPath, []byte(configYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(originBin(t), "-c", cfgPath)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, base: "http://" + public, internal: "http://" + internal, msgs: make(chan string, 1024), exited: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			p.mu.Lock()
			p.log.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			var line struct{ Msg string }
			if json.Unmarshal(sc.Bytes(), &line) == nil {
				select {
				case p.msgs <- line.Msg:
				default:
				}
			}
		}
		p.exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
		if t.Failed() {
			p.mu.Lock()
			t.Logf("origin log:\n%s", p.log.String())
			p.mu.Unlock()
		}
	})
	p.waitMsg(t, "listening", 20*time.Second)
	return p
}

// waitMsg waits for a log line whose msg is want.
func (p *proc) waitMsg(t *testing.T, want string, d time.Duration) {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case m := <-p.msgs:
			if m == want {
				return
			}
			if m == "reload refused" || m == "startup failed" {
				t.Fatalf("%q in the origin's log while waiting for %q", m, want)
			}
		case err := <-p.exited:
			t.Fatalf("the origin exited (%v) while waiting for %q", err, want)
		case <-deadline:
			t.Fatalf("no %q in the origin's log within %v", want, d)
		}
	}
}

func (p *proc) get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// opsKey is a key file entry.
type opsKey struct {
	id, state string
	secret    []byte
}

func keyFileJSON(keys []opsKey) string {
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf(`{"id":%q,"secret":%q,"state":%q}`, k.id, signer.EncodeSecret(k.secret), k.state))
	}
	return `{"keys":[` + strings.Join(parts, ",") + `]}`
}

func signedPath(path, kid string, secret []byte) string {
	exp := time.Now().Add(time.Hour).Unix()
	return path + "?token=" + kid + "." + strconv.FormatInt(exp, 10) + "." + base64.RawURLEncoding.EncodeToString(signer.MAC(secret, "GET", path, exp))
}

// TestOperations runs a real origin process: SIGHUP reloads the signing keys from the key
// file without a restart (and refuses a broken file, keeping the old keys), and SIGTERM
// drains: /readyz answers 503 for server.drain_delay while the listener still accepts, then
// the listener closes, and a request in flight all along finishes with 200.
func TestOperations(t *testing.T) {
	k1 := []byte("k1-secret-0123456789abcdef012345")
	k2 := []byte("k2-secret-0123456789abcdef012345")
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "keys.json")
	writeKeys := func(keys ...opsKey) {
		t.Helper()
		// Write and rename, as an operator's deploy tool should: a reload never sees half a file.
		tmp := keyFile + ".tmp"
		if err := os.WriteFile(tmp, []byte(keyFileJSON(keys)), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, keyFile); err != nil {
			t.Fatal(err)
		}
	}
	writeKeys(opsKey{"k1", "signing", k1})
	root := filepath.Join(dir, "images")
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	writeSamples(t, root)

	// A store whose answer for "slow.jpg" is held until the test releases it.
	img := testJPEG(t, 320, 240)
	gotSlow := make(chan struct{}, 1)
	release := make(chan struct{})
	store := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/slow.jpg") && r.Method == http.MethodGet {
			select {
			case gotSlow <- struct{}{}:
			default:
			}
			<-release
		}
		w.Header().Set("Content-Type", "image/jpeg")
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Content-Length", strconv.Itoa(len(img)))
		if r.Method == http.MethodGet {
			_, _ = w.Write(img)
		}
	})}
	sl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = store.Serve(sl) }()
	var releaseOnce sync.Once
	t.Cleanup(func() {
		releaseOnce.Do(func() { close(release) })
		store.Close()
	})

	public, internal := freeAddr(t), freeAddr(t)
	const drainDelay = 1500 * time.Millisecond
	p := startProc(t, fmt.Sprintf(`
node: {name: ops-node}
log: {level: info, format: json}
server: {listen: "%s", internal_listen: "%s", drain_delay: %s, shutdown_timeout: 20s}
auth: {key_file: "%s"}
sources:
  local: {type: local, local: {root: "%s"}}
  slow: {type: http, http: {base_url: "http://%s/o/", allow_private: true}}
`, public, internal, drainDelay, keyFile, root, sl.Addr()), public, internal)

	url1 := p.base + signedPath("/i/w_100,f_jpeg/local/photo.jpg", "k1", k1)
	url2 := p.base + signedPath("/i/w_120,f_jpeg/local/photo.jpg", "k2", k2)
	expect := func(name, url string, want int) {
		t.Helper()
		if code, body := p.get(t, url); code != want {
			t.Fatalf("%s: status %d, want %d: %s", name, code, want, body)
		}
	}

	t.Run("SIGHUP reloads keys", func(t *testing.T) {
		expect("k1 before", url1, 200)
		expect("k2 before it is added", url2, 403)

		writeKeys(opsKey{"k1", "signing", k1}, opsKey{"k2", "verify-only", k2}) // rotation: new keys verify first
		_ = p.cmd.Process.Signal(syscall.SIGHUP)
		p.waitMsg(t, "keys reloaded", 10*time.Second)
		expect("k2 after it is added", url2, 200)
		expect("k1 still", url1, 200)

		writeKeys(opsKey{"k2", "signing", k2})
		_ = p.cmd.Process.Signal(syscall.SIGHUP)
		p.waitMsg(t, "keys reloaded", 10*time.Second)
		expect("k1 after it is removed (its variant is cached)", url1, 403)
		expect("k2", url2, 200)

		if err := os.WriteFile(keyFile, []byte(`{"keys": [`), 0o600); err != nil {
			t.Fatal(err)
		}
		_ = p.cmd.Process.Signal(syscall.SIGHUP)
		p.waitMsg(t, "reload refused", 10*time.Second)
		expect("k2 after a broken key file was refused", url2, 200)
		writeKeys(opsKey{"k2", "signing", k2})
	})

	t.Run("SIGTERM drains", func(t *testing.T) {
		slowURL := p.base + signedPath("/i/w_100,f_jpeg/slow/slow.jpg", "k2", k2)
		inflight := make(chan int, 1)
		go func() {
			resp, err := http.Get(slowURL)
			if err != nil {
				inflight <- -1
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			inflight <- resp.StatusCode
		}()
		select {
		case <-gotSlow:
		case <-time.After(10 * time.Second):
			t.Fatal("the slow request never reached the store")
		}
		if code, _ := p.get(t, p.internal+"/readyz"); code != 200 {
			t.Fatalf("/readyz %d before SIGTERM", code)
		}
		sent := time.Now()
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		p.waitMsg(t, "draining", 5*time.Second)
		if code, _ := p.get(t, p.internal+"/readyz"); code != 503 {
			t.Fatalf("/readyz %d during the drain delay, want 503", code)
		}
		// During the drain delay the public listener still takes new requests (the balancer
		// may not have noticed yet).
		expect("a new request during the drain delay", url2, 200)

		// After the drain delay the listener is closed: new connections are refused.
		deadline := time.Now().Add(drainDelay + 3*time.Second)
		for {
			c, err := net.DialTimeout("tcp", public, 200*time.Millisecond)
			if err != nil {
				break
			}
			c.Close()
			if time.Now().After(deadline) {
				t.Fatalf("the public listener still accepts %v after SIGTERM", time.Since(sent))
			}
			time.Sleep(20 * time.Millisecond) // polling a port: there is no event to wait on
		}
		if refused := time.Since(sent); refused < drainDelay {
			t.Errorf("new connections refused after %v, before drain_delay %v", refused, drainDelay)
		}
		releaseOnce.Do(func() { close(release) })
		select {
		case code := <-inflight:
			if code != 200 {
				t.Fatalf("the in-flight request ended with %d, want 200", code)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the in-flight request never finished")
		}
		select {
		case err := <-p.exited:
			if err != nil {
				t.Fatalf("the origin exited with %v, want 0", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the origin did not exit after draining")
		}
	})
}
