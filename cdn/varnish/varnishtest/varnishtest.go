// Package varnishtest runs the system's real varnishd (Debian's varnish package) for tests,
// with the shipped imgorigin.vcl in front of a given backend.
//
// Start writes main.vcl (varnish.MainVCL) and imgorigin.vcl into a fresh directory and runs
//
//	varnishd -F -j none -n <dir>/n -a a0=127.0.0.1:<free port> -a purge=127.0.0.1:<free port> -T none -f <dir>/main.vcl -s malloc,<MB>m -p <params>
//
// then waits until the listen address accepts connections, and stops varnishd (SIGTERM, then
// SIGKILL of its process group) when the test ends. -j none runs it without a jail, so root
// needs no varnish user and the workdir stays the test's; -T none opens no management port.
// When varnishd is missing the test fails (it does not skip) and says to run `make deps`.
package varnishtest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/cdn/varnish"
)

// startTimeout bounds how long Start waits for varnishd to compile the VCL and listen.
const startTimeout = 30 * time.Second

// Options configure one varnishd.
type Options struct {
	Backend varnish.Backend
	// Site is the accelerated domain and the purge token; an empty Host means "localhost".
	Site varnish.Site
	// Params are varnishd run-time parameters (-p name=value), e.g. default_grace.
	Params map[string]string
	// StorageMB is the malloc storage size; 0 means 64.
	StorageMB int
	// FormatsVCL is the f_auto subroutine (`origin render-formats --varnish`); empty means
	// varnish.DefaultFormatsVCL().
	FormatsVCL string
}

// Instance is one running varnishd.
type Instance struct {
	Addr      string // 127.0.0.1:port
	PurgeAddr string // the listen socket named "purge": the purge API
	Dir       string
	cmd       *exec.Cmd
	out       *syncBuffer
	exited    chan struct{}
	once      sync.Once
}

// binary returns varnishd: $VARNISHD_BIN, /usr/sbin/varnishd, or varnishd on PATH.
func binary() (string, error) {
	if b := os.Getenv("VARNISHD_BIN"); b != "" {
		return b, nil
	}
	if _, err := os.Stat("/usr/sbin/varnishd"); err == nil {
		return "/usr/sbin/varnishd", nil
	}
	b, err := exec.LookPath("varnishd")
	if err != nil {
		return "", errors.New("varnishtest: varnishd not found (run make deps: Debian package varnish)")
	}
	return b, nil
}

// Start runs varnishd; it stops at cleanup.
func Start(t testing.TB, o Options) *Instance {
	t.Helper()
	bin, err := binary()
	if err != nil {
		t.Fatal(err)
	}
	if o.Site.Host == "" {
		o.Site.Host = "localhost"
	}
	main, err := varnish.MainVCL(o.Backend, o.Site)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	formats := o.FormatsVCL
	if formats == "" {
		formats = varnish.DefaultFormatsVCL()
	}
	for name, body := range map[string]string{"main.vcl": main, varnish.IncludeFile: varnish.VCL, varnish.FormatsFile: formats} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	free := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return l.Addr().String()
	}
	addr, purge := free(), free()
	mb := o.StorageMB
	if mb == 0 {
		mb = 64
	}
	args := []string{"-F", "-j", "none", "-n", filepath.Join(dir, "n"), "-a", "a0=" + addr, "-a", "purge=" + purge, "-T", "none",
		"-f", filepath.Join(dir, "main.vcl"), "-s", fmt.Sprintf("malloc,%dm", mb)}
	for k, v := range o.Params {
		args = append(args, "-p", k+"="+v)
	}
	in := &Instance{Addr: addr, PurgeAddr: purge, Dir: dir, out: &syncBuffer{}, exited: make(chan struct{})}
	in.cmd = exec.Command(bin, args...)
	in.cmd.Stdout, in.cmd.Stderr = in.out, in.out
	in.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := in.cmd.Start(); err != nil {
		t.Fatalf("varnishtest: start %s: %v", bin, err)
	}
	go func() { _ = in.cmd.Wait(); close(in.exited) }()
	t.Cleanup(func() {
		in.Stop()
		if t.Failed() {
			t.Logf("varnishd output:\n%s", in.out.String())
		}
	})
	deadline := time.Now().Add(startTimeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return in
		}
		if time.Now().After(deadline) {
			t.Fatalf("varnishtest: varnishd did not listen on %s within %v:\n%s", addr, startTimeout, in.out.String())
		}
		select {
		case <-in.exited:
			t.Fatalf("varnishtest: varnishd exited during start:\n%s", in.out.String())
		case <-tick.C:
		}
	}
}

// URL returns "http://" + the listen address + path.
func (in *Instance) URL(path string) string { return "http://" + in.Addr + path }

// Stop ends varnishd: SIGTERM to the process group, SIGKILL after 5 s.
func (in *Instance) Stop() {
	in.once.Do(func() {
		pgid := in.cmd.Process.Pid
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-in.exited:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
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
