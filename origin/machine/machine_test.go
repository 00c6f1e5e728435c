package machine

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestString(t *testing.T) {
	i := Info{Cores: 2, CPUModel: "AMD EPYC 7B13", MemBytes: 23<<30 + 500<<20, Kernel: "Linux 6.18.0", Load: [3]float64{2.97, 2.961, 3.126}}
	want := "2 cores (AMD EPYC 7B13), 23 GiB, Linux 6.18.0, load average 2.97 2.96 3.13"
	if got := i.String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	i.CPUModel = ""
	if got := i.String(); !strings.HasPrefix(got, "2 cores, 23 GiB") {
		t.Errorf("without a model: %q", got)
	}
}

// TestThisMachine reads the real /proc of the test process itself.
func TestThisMachine(t *testing.T) {
	i, err := Describe()
	if err != nil {
		t.Fatal(err)
	}
	if i.Cores < 1 || i.MemBytes == 0 || !strings.HasPrefix(i.Kernel, "Linux ") {
		t.Errorf("Describe() = %+v", i)
	}
	// Spin for CPU time the clock-tick counter can see (it counts 1/100 s).
	before, err := Process(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(100 * time.Millisecond); time.Now().Before(end); {
	}
	after, err := Process(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if after.CPU <= before.CPU {
		t.Errorf("CPU time did not grow over 100 ms of spinning: %v then %v", before.CPU, after.CPU)
	}
	if after.RSS == 0 || after.PeakRSS < after.RSS {
		t.Errorf("RSS %d, peak %d", after.RSS, after.PeakRSS)
	}
	if _, err := Process(1 << 30); err == nil {
		t.Error("no error for a process that does not exist")
	}
}
