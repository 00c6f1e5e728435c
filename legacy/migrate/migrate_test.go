package migrate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// oldTree writes n small files in a nested layout like the old site's and returns the root.
func oldTree(t testing.TB, n int) string {
	t.Helper()
	root := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2015, 3, 1, 12, 0, 0, 123456789, time.UTC)
	for i := range n {
		rel := fmt.Sprintf("uploads/%04d/%02d/img_%05d.jpg", 2010+i%8, i%12+1, i)
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		data := make([]byte, 64+rng.IntN(2048))
		for j := range data {
			data[j] = byte(rng.Uint32())
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		mt := base.Add(time.Duration(i) * time.Minute)
		if err := os.Chtimes(p, mt, mt); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func newMigrator(t testing.TB, src string, repair bool) *Migrator {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Source = src
	cfg.Dest = filepath.Join(t.TempDir(), "new")
	cfg.Repair = repair
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (m *Migrator) with(repair bool) *Migrator {
	c := m.cfg
	c.Repair = repair
	return &Migrator{cfg: c}
}

func problemSet(ps []Problem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, string(p.Kind)+" "+p.Path)
	}
	return out
}

func mustRun(t *testing.T, m *Migrator) *Report {
	t.Helper()
	rep, err := m.Run(t.Context())
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return rep
}

func TestCopyCorruptDeleteRepair(t *testing.T) {
	const n = 2000
	src := oldTree(t, n)
	m := newMigrator(t, src, false)
	rep := mustRun(t, m)
	if !rep.OK() || rep.Files != n || rep.Copied != n || rep.Verified != n {
		t.Fatalf("first run: %+v", rep)
	}
	// Destination mirrors source: bytes and mtimes.
	for _, rel := range []string{"uploads/2010/01/img_00000.jpg", "uploads/2017/08/img_01999.jpg"} {
		a, _ := os.ReadFile(filepath.Join(src, rel))
		b, err := os.ReadFile(filepath.Join(m.cfg.Dest, rel))
		if err != nil || !bytes.Equal(a, b) {
			t.Fatalf("%s: content differs (%v)", rel, err)
		}
		sa, _ := os.Stat(filepath.Join(src, rel))
		sb, _ := os.Stat(filepath.Join(m.cfg.Dest, rel))
		if !sa.ModTime().Equal(sb.ModTime()) {
			t.Fatalf("%s: mtime %v, want %v", rel, sb.ModTime(), sa.ModTime())
		}
	}
	entries, err := loadManifest(m.cfg.ManifestPath())
	if err != nil || len(entries) != n || !slices.IsSortedFunc(entries, func(a, b Entry) int { return strings.Compare(a.Path, b.Path) }) {
		t.Fatalf("manifest: %d entries, sorted=%v, err=%v", len(entries), err == nil, err)
	}

	// Corrupt one file in place (same size, same mtime: invisible to size/mtime checks), delete one.
	corrupt := "uploads/2013/04/img_00123.jpg"
	deleted := "uploads/2010/05/img_01000.jpg"
	cp := filepath.Join(m.cfg.Dest, corrupt)
	st, _ := os.Stat(cp)
	data, _ := os.ReadFile(cp)
	data[len(data)/2] ^= 0x40
	if err := os.WriteFile(cp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(cp, st.ModTime(), st.ModTime())
	if err := os.Remove(filepath.Join(m.cfg.Dest, deleted)); err != nil {
		t.Fatal(err)
	}

	ver, err := m.Verify(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"missing " + deleted, "different " + corrupt}
	if got := problemSet(ver.Problems); !slices.Equal(got, want) {
		t.Fatalf("verify problems = %q, want %q", got, want)
	}
	if ver.Verified != n-2 {
		t.Fatalf("verified %d, want %d", ver.Verified, n-2)
	}

	// A plain re-run restores the deleted file (resume) but only reports the silent corruption.
	rep = mustRun(t, m)
	if got := problemSet(rep.Problems); !slices.Equal(got, []string{"different " + corrupt}) {
		t.Fatalf("re-run problems = %q", got)
	}
	if rep.Copied != 1 || rep.Skipped != n-1 {
		t.Fatalf("re-run copied %d skipped %d", rep.Copied, rep.Skipped)
	}

	os.Remove(filepath.Join(m.cfg.Dest, deleted))
	rep = mustRun(t, m.with(true))
	if !rep.OK() || !slices.Equal(rep.Repaired, []string{corrupt}) {
		t.Fatalf("repair run: ok=%v repaired=%q problems=%q", rep.OK(), rep.Repaired, problemSet(rep.Problems))
	}
	if ver, err := m.Verify(t.Context()); err != nil || !ver.OK() || ver.Verified != n {
		t.Fatalf("after repair: %+v %v", ver, err)
	}
}

func TestTruncatedIsCaught(t *testing.T) {
	src := oldTree(t, 50)
	m := newMigrator(t, src, false)
	mustRun(t, m)
	rel := "uploads/2011/02/img_00001.jpg"
	p := filepath.Join(m.cfg.Dest, rel)
	st, _ := os.Stat(p)
	if err := os.Truncate(p, st.Size()/2); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(p, st.ModTime(), st.ModTime())
	ver, err := m.Verify(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(ver.Problems) != 1 || ver.Problems[0].Kind != Truncated || ver.Problems[0].Path != rel {
		t.Fatalf("problems = %+v", ver.Problems)
	}
	if want := fmt.Sprintf("%d of %d bytes", st.Size()/2, st.Size()); ver.Problems[0].Detail != want {
		t.Fatalf("detail %q, want %q", ver.Problems[0].Detail, want)
	}
	// A truncated file has another size, so an ordinary resume re-copies it.
	rep := mustRun(t, m)
	if !rep.OK() || rep.Copied != 1 {
		t.Fatalf("resume: %+v", rep)
	}
}

func TestInterruptedCopyResumes(t *testing.T) {
	const n = 600
	src := oldTree(t, n)
	m := newMigrator(t, src, false)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var done atomic.Int32
	m.Progress = func(Event) {
		if done.Add(1) == n/3 {
			cancel()
		}
	}
	if _, err := m.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: err = %v, want context.Canceled", err)
	}
	if _, err := os.Stat(m.cfg.ManifestPath() + journalSuffix); err != nil {
		t.Fatalf("journal missing after interruption: %v", err)
	}
	// Simulate a crash between rename and journal write: a correct file no record vouches for.
	st, _ := os.Stat(filepath.Join(src, "uploads/2017/12/img_00599.jpg"))
	data, _ := os.ReadFile(filepath.Join(src, "uploads/2017/12/img_00599.jpg"))
	lost := filepath.Join(m.cfg.Dest, "uploads/2017/12/img_00599.jpg")
	os.MkdirAll(filepath.Dir(lost), 0o755)
	os.WriteFile(lost, data, 0o644)
	_ = st
	// And a stray temporary file of a killed run.
	stray := filepath.Join(m.cfg.Dest, "uploads", ".x.jpg.123"+tmpSuffix)
	os.MkdirAll(filepath.Dir(stray), 0o755)
	os.WriteFile(stray, []byte("partial"), 0o644)

	m.Progress = nil
	rep := mustRun(t, m)
	if !rep.OK() || rep.Files != n || rep.Verified != n {
		t.Fatalf("resumed run: %+v", rep)
	}
	if rep.Skipped < n/3 || rep.Copied+rep.Skipped+rep.Rehashed != n || rep.Rehashed < 1 {
		t.Fatalf("resume did not skip finished files: copied=%d skipped=%d rehashed=%d", rep.Copied, rep.Skipped, rep.Rehashed)
	}
	if _, err := os.Stat(stray); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("stray temporary file left: %v", err)
	}
	if _, err := os.Stat(m.cfg.ManifestPath() + journalSuffix); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("journal left after a complete run: %v", err)
	}
}

func TestSymlinksAndRefusedPaths(t *testing.T) {
	src := t.TempDir()
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret.jpg"), []byte("outside"), 0o644)
	os.MkdirAll(filepath.Join(src, "a"), 0o755)
	os.WriteFile(filepath.Join(src, "a", "real.jpg"), []byte("inside"), 0o644)
	os.Symlink(filepath.Join(outside, "secret.jpg"), filepath.Join(src, "a", "escape.jpg"))
	os.Symlink("real.jpg", filepath.Join(src, "a", "alias.jpg"))
	os.Symlink(outside, filepath.Join(src, "dirlink"))
	os.Symlink("nowhere", filepath.Join(src, "dangling.jpg"))

	m := newMigrator(t, src, false)
	rep := mustRun(t, m)
	if !rep.OK() || rep.Files != 2 {
		t.Fatalf("report: %+v", rep)
	}
	if b, err := os.ReadFile(filepath.Join(m.cfg.Dest, "a", "alias.jpg")); err != nil || string(b) != "inside" {
		t.Fatalf("alias inside the root: %q %v", b, err)
	}
	for _, p := range []string{"a/escape.jpg", "dirlink/secret.jpg", "dirlink", "dangling.jpg"} {
		if _, err := os.Lstat(filepath.Join(m.cfg.Dest, p)); err == nil {
			t.Errorf("%s was copied", p)
		}
	}
	var skipped []string
	for _, s := range rep.Skips {
		skipped = append(skipped, s.Path)
	}
	slices.Sort(skipped)
	if want := []string{"a/escape.jpg", "dangling.jpg", "dirlink"}; !slices.Equal(skipped, want) {
		t.Fatalf("skips = %q, want %q", skipped, want)
	}
}

func TestManifestRefusesDotDot(t *testing.T) {
	for _, p := range []string{"../etc/passwd.jpg", "a/../../b.jpg", "/abs.jpg", "a//b.jpg", "./a.jpg"} {
		line := p + "\t1\t0\t" + strings.Repeat("0", 64) + "\n"
		if _, err := readManifest(strings.NewReader(manifestHeader + "\n" + line)); !errors.Is(err, ErrBadPath) {
			t.Errorf("%q: err = %v, want ErrBadPath", p, err)
		}
	}
}

func TestManifestRoundTrip(t *testing.T) {
	in := []Entry{
		{Path: "b/x.jpg", Size: 3, MTime: time.Unix(0, 1700000000123456789), SHA256: strings.Repeat("ab", 32)},
		{Path: "a/tab\there.png", Size: 0, MTime: time.Unix(5, 0), SHA256: strings.Repeat("0", 64)},
		{Path: "#hash.gif", Size: 9, MTime: time.Unix(-5, 0), SHA256: strings.Repeat("f", 64)},
		{Path: "bad\xffutf8.jpg", Size: 1, MTime: time.Unix(1, 1), SHA256: strings.Repeat("1", 64)},
	}
	var buf bytes.Buffer
	if err := writeManifest(&buf, in); err != nil {
		t.Fatal(err)
	}
	out, err := readManifest(&buf)
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(in)
	slices.SortFunc(want, func(a, b Entry) int { return strings.Compare(a.Path, b.Path) })
	if len(out) != len(want) {
		t.Fatalf("got %d entries", len(out))
	}
	for i := range want {
		if out[i].Path != want[i].Path || out[i].Size != want[i].Size || !out[i].MTime.Equal(want[i].MTime) || out[i].SHA256 != want[i].SHA256 {
			t.Errorf("entry %d: %+v, want %+v", i, out[i], want[i])
		}
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"ok", Config{Source: "a", Dest: "b", Workers: 4}, ""},
		{"no source", Config{Dest: "b", Workers: 4}, "source: must be set"},
		{"overlap", Config{Source: "a", Dest: "a/b", Workers: 4}, "dest: must not overlap source"},
		{"workers", Config{Source: "a", Dest: "b"}, "workers: must be 1..256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("Validate() = %v, want %q", err, tt.want)
			}
		})
	}
}

func FuzzReadManifest(f *testing.F) {
	f.Add(manifestHeader + "\na/b.jpg\t12\t1700000000000000000\t" + strings.Repeat("a", 64) + "\n")
	f.Add("\"a\\tb.jpg\"\t1\t2\t" + strings.Repeat("0", 64) + "\n")
	f.Add("../x\t1\t2\t3\n")
	f.Fuzz(func(t *testing.T, s string) {
		entries, err := readManifest(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, e := range entries {
			if checkRel(e.Path) != nil {
				t.Fatalf("accepted bad path %q", e.Path)
			}
		}
		var buf bytes.Buffer
		if err := writeManifest(&buf, entries); err != nil {
			t.Fatal(err)
		}
		again, err := readManifest(&buf)
		if err != nil || len(again) != len(entries) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

func BenchmarkCopyVerify(b *testing.B) {
	src := oldTree(b, 500)
	var bytes int64
	filepath.Walk(src, func(_ string, fi os.FileInfo, _ error) error {
		if fi != nil && fi.Mode().IsRegular() {
			bytes += fi.Size()
		}
		return nil
	})
	b.SetBytes(bytes)
	for b.Loop() {
		m := newMigrator(b, src, false)
		rep, err := m.Run(context.Background())
		if err != nil || !rep.OK() {
			b.Fatal(err, rep)
		}
	}
}

// Each pass is announced with the files and bytes it covers (the copy's from the walk of the
// source, the verification's from the manifest), and the events of a pass add up to it: a
// progress display's totals are right before the first file is handled.
func TestStagesAnnounceTheirTotals(t *testing.T) {
	const n = 50
	src := oldTree(t, n)
	var want int64
	_ = filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			info, _ := d.Info()
			want += info.Size()
		}
		return nil
	})
	m := newMigrator(t, src, false)
	var (
		stages []Stage
		got    = map[string][2]int64{} // stage → files, bytes of its events
		cur    atomic.Pointer[string]
	)
	m.Stage = func(s Stage) { stages = append(stages, s); cur.Store(&s.Name) }
	var mu sync.Mutex
	m.Progress = func(e Event) {
		mu.Lock()
		defer mu.Unlock()
		g := got[*cur.Load()]
		got[*cur.Load()] = [2]int64{g[0] + 1, g[1] + e.Size}
	}
	mustRun(t, m)
	wantStages := []Stage{{"copy", n, want}, {"verify", n, want}}
	if !slices.Equal(stages, wantStages) {
		t.Fatalf("stages %+v, want %+v", stages, wantStages)
	}
	for _, s := range stages {
		if g := got[s.Name]; g != [2]int64{int64(s.Files), s.Bytes} {
			t.Errorf("%s: events add up to %d files, %d bytes; announced %d, %d", s.Name, g[0], g[1], s.Files, s.Bytes)
		}
	}
	stages = nil
	if _, err := m.Verify(t.Context()); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(stages, wantStages[1:]) {
		t.Errorf("Verify's stages %+v, want %+v", stages, wantStages[1:])
	}
}
