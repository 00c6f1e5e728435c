// Package machine names the machine a measurement runs on and measures the processes it
// loads, from /proc: the header every benchmark report starts with (cores, CPU model, memory,
// kernel, load average: figures from a shared machine mean little without its load) and the
// CPU time and memory of a process (what `/proc/<pid>/stat` and `/proc/<pid>/status` say).
//
// It is the one importer of github.com/prometheus/procfs, which parses those files. CPU time
// comes in clock ticks of 1/100 s (USER_HZ on Linux), so a measured interval should be long
// (seconds) next to 10 ms.
package machine

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/prometheus/procfs"
)

// Info describes the machine.
type Info struct {
	Cores    int    // CPUs this process may run on (what nproc prints)
	CPUModel string // "AMD EPYC 7B13"; empty when /proc/cpuinfo does not say
	MemBytes uint64 // MemTotal
	Kernel   string // "Linux 6.18.0"
	Load     [3]float64
}

// Describe reads the machine's description now (the load average changes: describe again at
// the end of a run).
func Describe() (Info, error) {
	fs, err := procfs.NewDefaultFS()
	if err != nil {
		return Info{}, fmt.Errorf("machine: %w", err)
	}
	info := Info{Cores: runtime.NumCPU()}
	if cpus, err := fs.CPUInfo(); err == nil && len(cpus) > 0 {
		info.CPUModel = cpus[0].ModelName
	}
	mem, err := fs.Meminfo()
	if err != nil {
		return Info{}, fmt.Errorf("machine: meminfo: %w", err)
	}
	if mem.MemTotal != nil {
		info.MemBytes = *mem.MemTotal << 10 // kB
	}
	load, err := fs.LoadAvg()
	if err != nil {
		return Info{}, fmt.Errorf("machine: loadavg: %w", err)
	}
	info.Load = [3]float64{load.Load1, load.Load5, load.Load15}
	info.Kernel = kernel()
	return info, nil
}

func kernel() string {
	ostype, _ := os.ReadFile("/proc/sys/kernel/ostype")
	release, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return strings.TrimSpace(strings.TrimSpace(string(ostype)) + " " + strings.TrimSpace(string(release)))
}

// String is the machine in one line: "2 cores (AMD EPYC 7B13), 23 GiB, Linux 6.18.0, load
// average 2.97 2.96 3.13".
func (i Info) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d cores", i.Cores)
	if i.CPUModel != "" {
		fmt.Fprintf(&b, " (%s)", i.CPUModel)
	}
	fmt.Fprintf(&b, ", %d GiB, %s, %s", (i.MemBytes+1<<29)>>30, i.Kernel, i.LoadString())
	return b.String()
}

// LoadString is "load average 2.97 2.96 3.13" (1, 5 and 15 minutes).
func (i Info) LoadString() string {
	return fmt.Sprintf("load average %.2f %.2f %.2f", i.Load[0], i.Load[1], i.Load[2])
}

// Usage is what a process has used so far.
type Usage struct {
	CPU     time.Duration // user + system time since it started
	RSS     uint64        // resident set now (VmRSS), bytes
	PeakRSS uint64        // highest resident set so far (VmHWM), bytes
}

// Process reads the usage of the process pid.
func Process(pid int) (Usage, error) {
	p, err := procfs.NewProc(pid)
	if err != nil {
		return Usage{}, fmt.Errorf("machine: process %d: %w", pid, err)
	}
	st, err := p.Stat()
	if err != nil {
		return Usage{}, fmt.Errorf("machine: process %d: stat: %w", pid, err)
	}
	status, err := p.NewStatus()
	if err != nil {
		return Usage{}, fmt.Errorf("machine: process %d: status: %w", pid, err)
	}
	return Usage{
		CPU:     time.Duration(st.CPUTime() * float64(time.Second)),
		RSS:     status.VmRSS,
		PeakRSS: status.VmHWM,
	}, nil
}
