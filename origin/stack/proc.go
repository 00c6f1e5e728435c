package stack

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// errPortInUse marks a start that failed because its port was taken between picking it and
// binding it.
var errPortInUse = errors.New("stack: port taken by another process")

// StartTimeout bounds how long any one process may take to become ready.
const StartTimeout = 30 * time.Second

// proc is one child process with its output in a log file; it runs in its own process group
// so a kill reaches nginx's workers too.
type proc struct {
	name    string
	log     string
	stopSig syscall.Signal // how Close asks it to exit (nginx: SIGQUIT, Go programs: SIGTERM)
	cmd     *exec.Cmd
	exited  chan struct{}
	err     error // Wait's result, valid once exited is closed
}

// redactedExitWait bounds how long a stopped process's end waits for its log redactor to
// write the last lines.
const redactedExitWait = 5 * time.Second

// startRedacted starts bin like startProc, with its stdout and stderr piped through
// `{origin} redact-log` into logPath: nginx quotes request lines, queries and tokens included,
// in its error log, and its format has no setting to leave them out (origin/redact). The
// redactor runs in a process of its own (the local stack's nginx outlives this program), ends
// when the last of nginx's processes closes the pipe, and is returned to be tracked; the proc
// counts as exited only once the redactor has written everything.
func startRedacted(name, logPath, origin string, env []string, bin string, args ...string) (*proc, *exec.Cmd, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		r.Close()
		w.Close()
		return nil, nil, err
	}
	red := exec.Command(origin, "redact-log", "--out", logPath)
	red.Stdin, red.Stdout, red.Stderr = r, f, f // its own errors in the same file
	red.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = red.Start()
	r.Close()
	f.Close()
	if err != nil {
		w.Close()
		return nil, nil, fmt.Errorf("stack: start %s's log redactor: %w", name, err)
	}
	redacted := make(chan struct{})
	go func() { _ = red.Wait(); close(redacted) }()
	p := &proc{name: name, log: logPath, exited: make(chan struct{}), stopSig: syscall.SIGTERM}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = w, w
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = p.cmd.Start()
	w.Close() // the children hold the write end now; the redactor ends with the last of them
	if err != nil {
		<-redacted
		return nil, nil, fmt.Errorf("stack: start %s: %w", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		select {
		case <-redacted:
		case <-time.After(redactedExitWait):
		}
		close(p.exited)
	}()
	return p, red, nil
}

func startProc(name, logPath string, env []string, bin string, args ...string) (*proc, error) {
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	p := &proc{name: name, log: logPath, exited: make(chan struct{}), stopSig: syscall.SIGTERM}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = f, f
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("stack: start %s: %w", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		f.Close()
		close(p.exited)
	}()
	return p, nil
}

func (p *proc) alive() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// signal sends sig to the process (not its group).
func (p *proc) signal(sig os.Signal) error {
	if !p.alive() {
		return fmt.Errorf("stack: %s is not running", p.name)
	}
	return p.cmd.Process.Signal(sig)
}

// kill sends SIGKILL to the process group and waits for the process to exit.
func (p *proc) kill() {
	if p.alive() {
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	}
	<-p.exited
}

// stop asks the process to exit with sig, then kills its group after grace.
func (p *proc) stop(sig syscall.Signal, grace time.Duration) {
	if !p.alive() {
		return
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.exited:
	case <-time.After(grace):
		p.kill()
	}
}

// waitFor polls ready until it returns true, the process exits or StartTimeout passes.
func (p *proc) waitFor(what string, ready func() bool) error {
	deadline := time.Now().Add(StartTimeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !ready() {
		if time.Now().After(deadline) {
			return fmt.Errorf("stack: %s: %s not ready within %v\n%s", p.name, what, StartTimeout, tail(p.log, 30))
		}
		select {
		case <-p.exited:
			log := tail(p.log, 30)
			if strings.Contains(strings.ToLower(log), "address already in use") {
				// The port was free when picked and taken by another process (another test
				// package runs in parallel) before this one bound it: the caller retries.
				return fmt.Errorf("%w: %s exited during start (%v)\n%s", errPortInUse, p.name, p.err, log)
			}
			return fmt.Errorf("stack: %s exited during start (%v)\n%s", p.name, p.err, log)
		case <-tick.C:
		}
	}
	return nil
}

func tcpReady(addr string) func() bool {
	return func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return false
		}
		c.Close()
		return true
	}
}

func httpReady(url string) func() bool {
	client := &http.Client{Timeout: time.Second}
	return func() bool {
		resp, err := client.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
}

// handedOut holds every port freeAddr has returned in this process: the kernel may hand a port
// freed a moment ago out again, and two parts of one stack must never get the same one (a CI
// run once started a node whose internal and public ports were both 34469).
var handedOut struct {
	sync.Mutex
	ports map[string]bool
}

// freeAddr returns 127.0.0.1:<port> with a port that was free a moment ago and that it has not
// returned before in this process.
func freeAddr() (string, error) {
	handedOut.Lock()
	defer handedOut.Unlock()
	if handedOut.ports == nil {
		handedOut.ports = map[string]bool{}
	}
	for range 100 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", fmt.Errorf("stack: free port: %w", err)
		}
		a := l.Addr().String()
		l.Close()
		if !handedOut.ports[a] {
			handedOut.ports[a] = true
			return a, nil
		}
	}
	return "", errors.New("stack: free port: the kernel kept handing out ports already in use by this stack")
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	lines := splitLines(string(b))
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("… (%d earlier lines in %s)", len(lines)-n, path)}, lines[len(lines)-n:]...)
	}
	out := ""
	for _, l := range lines {
		out += "    " + l + "\n"
	}
	return out
}

func splitLines(s string) []string {
	var out []string
	for len(s) > 0 {
		i := 0
		for i < len(s) && s[i] != '\n' {
			i++
		}
		out = append(out, s[:i])
		if i < len(s) {
			i++
		}
		s = s[i:]
	}
	return out
}
