package reliability

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/imgorigin/imgorigin/origin/stack"
)

func procStatus(pid int, field string) float64 {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == field+":" {
			v, _ := strconv.ParseFloat(f[1], 64)
			return v / 1024 // kB → MiB
		}
	}
	return -1
}

type nodeFigures struct{ goroutines, fds, rss float64 }

// figures reads every node's goroutines, open files and RSS (MiB) from its /metrics.
func figures(s *stack.Stack) ([]nodeFigures, error) {
	var out []nodeFigures
	for _, n := range s.Nodes {
		m, err := n.Metrics()
		if err != nil {
			return nil, err
		}
		out = append(out, nodeFigures{m.Sum("go_goroutines", nil), m.Sum("process_open_fds", nil), m.Sum("process_resident_memory_bytes", nil) / (1 << 20)})
	}
	return out, nil
}

// loadAvg is the 1-minute load average of /proc/loadavg.
func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return "unknown"
}

func memTotal() string {
	b, _ := os.ReadFile("/proc/meminfo")
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return fmt.Sprintf("%.0f GiB", kb/(1<<20))
		}
	}
	return "unknown"
}
