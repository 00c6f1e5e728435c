package stack

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Pid is one line of <dir>/pids, the processes of `make run`'s stack that scripts/stop stops.
type Pid struct {
	Name string
	Pid  int
}

// Alive reports whether the process exists (signal 0 reaches it).
func (p Pid) Alive() bool { return syscall.Kill(p.Pid, 0) == nil }

// ReadPids reads a pids file ("name pid" lines, as the stack writes them); malformed lines
// are skipped.
func ReadPids(path string) ([]Pid, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Pid
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 2 {
			continue
		}
		n, err := strconv.Atoi(fields[1])
		if err != nil {
			continue
		}
		out = append(out, Pid{fields[0], n})
	}
	return out, sc.Err()
}
