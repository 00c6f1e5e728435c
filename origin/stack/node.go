package stack

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// Node is one origin process.
type Node struct {
	Index        int
	Name         string // node.name, sent as X-Origin-Node: "origin-1", "origin-2", …
	Addr         string // public host:port: its pool entry, as nginx's upstream names it
	InternalAddr string // metrics, health, groupcache peers
	URL          string // http://Addr
	InternalURL  string // http://InternalAddr

	s    *Stack
	mu   sync.Mutex
	proc *proc
}

// LogPath is the node's log file (all its runs, appended).
func (n *Node) LogPath() string { return filepath.Join(n.s.Dir, "logs", n.Name+".log") }

// DiskDir is the node's disk tier (with Options.Disk).
func (n *Node) DiskDir() string { return filepath.Join(n.s.Dir, "disk", n.Name) }

func (n *Node) start() error {
	env := n.s.env
	if n.s.disk {
		env = append(env[:len(env):len(env)], "IMGORIGIN_CLUSTER_CACHE_DISK_PATH="+n.DiskDir())
	}
	p, err := startProc(n.Name, n.LogPath(), env, filepath.Join(n.s.bin, "origin"),
		"-c", n.s.ConfigPath, "--node", n.Name, "--listen", n.Addr, "--internal-listen", n.InternalAddr, "--self", n.Addr)
	if err != nil {
		return err
	}
	n.mu.Lock()
	n.proc = p
	n.mu.Unlock()
	n.s.trackPid(n.Name, p.cmd.Process.Pid)
	return nil
}

func (n *Node) current() *proc {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.proc
}

func (n *Node) waitReady() error {
	p := n.current()
	if err := p.waitFor("/readyz", httpReady(n.InternalURL+"/readyz")); err != nil {
		return err
	}
	return p.waitFor("listen "+n.Addr, tcpReady(n.Addr))
}

// Alive reports whether the process runs.
func (n *Node) Alive() bool {
	p := n.current()
	return p != nil && p.alive()
}

// Kill sends SIGKILL and waits until the process is gone (its ports are closed then).
func (n *Node) Kill() {
	if p := n.current(); p != nil {
		p.kill()
	}
}

// Stop asks the node to drain and exit (SIGTERM), killing it after 10 s.
func (n *Node) Stop() {
	if p := n.current(); p != nil {
		p.stop(syscall.SIGTERM, 10*time.Second)
	}
}

// Restart starts a stopped or killed node again on the same addresses and waits until it is
// ready; a running node is stopped first.
func (n *Node) Restart() error {
	n.Stop()
	if err := n.start(); err != nil {
		return err
	}
	return n.waitReady()
}

// Signal sends sig to the running process (SIGHUP reloads the keys).
func (n *Node) Signal(sig os.Signal) error {
	p := n.current()
	if p == nil {
		return fmt.Errorf("stack: %s never started", n.Name)
	}
	return p.signal(sig)
}

// Wait blocks until the process exits or d passes; it reports whether it exited.
func (n *Node) Wait(d time.Duration) bool {
	p := n.current()
	if p == nil {
		return true
	}
	select {
	case <-p.exited:
		return true
	case <-time.After(d):
		return false
	}
}

// Log returns what the node has written to its log (all runs).
func (n *Node) Log() string {
	b, _ := os.ReadFile(n.LogPath())
	return string(b)
}

// Metrics scrapes the node's internal /metrics.
func (n *Node) Metrics() (Metrics, error) {
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(n.InternalURL + "/metrics")
	if err != nil {
		return nil, fmt.Errorf("stack: %s metrics: %w", n.Name, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("stack: %s metrics: %w", n.Name, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("stack: %s metrics: status %d", n.Name, resp.StatusCode)
	}
	m, err := ParseMetrics(string(b))
	if err != nil {
		return nil, fmt.Errorf("stack: %s metrics: %w", n.Name, err)
	}
	return m, nil
}

// PID is the process id of the node's current run (0 before it started).
func (n *Node) PID() int {
	p := n.current()
	if p == nil || p.cmd.Process == nil {
		return 0
	}
	return p.cmd.Process.Pid
}
