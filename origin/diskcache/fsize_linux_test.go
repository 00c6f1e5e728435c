package diskcache

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
)

// TestWriteErrorMidRecord: a real write error in the middle of a record. A child process runs
// under RLIMIT_FSIZE (the kernel refuses to grow a file past it with EFBIG, as a full disk
// refuses with ENOSPC), so a record is torn at the limit. The store turns writes off and says so,
// keeps serving every record written before, and after a restart without the limit serves them
// again and never the torn one (a scan skips and counts it).
func TestWriteErrorMidRecord(t *testing.T) {
	const limit = 40000 // bytes: ~13 records of 3 KB, the 14th torn
	if dir := os.Getenv("DISKCACHE_FSIZE_DIR"); dir != "" {
		signal.Ignore(syscall.SIGXFSZ)
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: limit, Max: limit}); err != nil {
			fmt.Println("RESULT setrlimit:", err)
			os.Exit(0)
		}
		s := open(t, testConfig(dir))
		fill(s, 0, 40, 3000)
		b, _ := json.Marshal(map[string]any{"stats": s.Stats(), "served": served(t, s, 0, 40, 3000)})
		fmt.Println("RESULT " + string(b))
		_ = s.Close()
		os.Exit(0)
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestWriteErrorMidRecord$")
	cmd.Env = append(os.Environ(), "DISKCACHE_FSIZE_DIR="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	_, line, ok := strings.Cut(string(out), "RESULT ")
	line, _, _ = strings.Cut(line, "\n")
	var res struct {
		Stats  Stats
		Served int
	}
	if !ok || json.Unmarshal([]byte(line), &res) != nil {
		t.Fatalf("child said:\n%s", out)
	}
	st := res.Stats
	if !st.Degraded || st.Errors == 0 || st.Writes == 0 || st.Writes >= 40 {
		t.Fatalf("under the limit: %+v", st)
	}
	if int64(res.Served) != st.Writes {
		t.Fatalf("served %d of the %d records written before the error", res.Served, st.Writes)
	}
	s := open(t, testConfig(dir))
	if got := served(t, s, 0, 40, 3000); int64(got) != st.Writes {
		t.Fatalf("after a restart served %d, want the %d written", got, st.Writes)
	}
	// Without the index files the scan meets the torn record: skipped and counted.
	_ = s.Close()
	for _, p := range segFiles(t, dir, ".idx") {
		_ = os.Remove(p)
	}
	s = open(t, testConfig(dir))
	if got := served(t, s, 0, 40, 3000); int64(got) != st.Writes || s.Stats().Corrupt == 0 {
		t.Fatalf("after a scan served %d (want %d), corrupt %d (want the torn record)", got, st.Writes, s.Stats().Corrupt)
	}
	t.Logf("%d records written before EFBIG; writes off, %d disk errors; all served before and after a restart", st.Writes, st.Errors)
}
