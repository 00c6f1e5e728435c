package fastdfs_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/source"
	"github.com/imgorigin/imgorigin/origin/source/fastdfs"
	"github.com/imgorigin/imgorigin/origin/source/fastdfs/fdfstest"
)

// TestTrackerENOENT: a group without an active storage is answered ENOENT by the tracker,
// byte-identical to an unknown group; only the group list tells them apart.
func TestTrackerENOENT(t *testing.T) {
	t.Run("storage stopped, then back", func(t *testing.T) {
		fake := fdfstest.Start(t, fdfstest.Options{})
		id := fake.Put("jpg", []byte("hello"))
		cl := newClient(t, fake.TrackerAddrs(), nil)
		fake.StopStorage()
		for _, call := range []func() error{
			func() error { _, err := readAll(cl, id); return err },
			func() error {
				_, err := cl.Stat(context.Background(), fake.PutAppender("jpg", []byte("a")))
				return err
			},
		} {
			err := call()
			if !errors.Is(err, source.ErrUnavailable) || !errors.Is(err, fastdfs.ErrNoStorage) || errors.Is(err, source.ErrNotFound) {
				t.Fatalf("storage stopped: %v; want ErrUnavailable (ErrNoStorage), never ErrNotFound", err)
			}
		}
		if err := fake.StartStorage(); err != nil {
			t.Fatal(err)
		}
		if got, err := readAll(cl, id); err != nil || string(got) != "hello" {
			t.Fatalf("storage back: %q, %v", got, err)
		}
	})
	t.Run("unknown group is not found", func(t *testing.T) {
		fake := fdfstest.Start(t, fdfstest.Options{})
		id := fake.Put("jpg", []byte("hello"))
		cl := newClient(t, fake.TrackerAddrs(), nil)
		_, err := readAll(cl, "group9"+id[len("group1"):])
		if !errors.Is(err, source.ErrNotFound) || !errors.Is(err, fastdfs.ErrUnknownGroup) || errors.Is(err, source.ErrUnavailable) {
			t.Fatalf("unknown group: %v; want ErrNotFound (ErrUnknownGroup) only", err)
		}
		// The group list answer is remembered: a second miss asks only the fetch query.
		before := fake.Stats().TrackerRequests
		readAll(cl, "group9"+id[len("group1"):])
		if n := fake.Stats().TrackerRequests - before; n != 1 {
			t.Errorf("second unknown-group read sent %d tracker requests, want 1", n)
		}
	})
	t.Run("tracker restarted before the storage reported", func(t *testing.T) {
		fake := fdfstest.Start(t, fdfstest.Options{Trackers: 2})
		id := fake.Put("jpg", []byte("hello"))
		cl := newClient(t, fake.TrackerAddrs(), nil)
		if err := fake.RestartTracker(0); err != nil {
			t.Fatal(err)
		}
		// Whichever tracker is asked first, the other one serves.
		for i := range 4 {
			if got, err := readAll(cl, id); err != nil || string(got) != "hello" {
				t.Fatalf("read %d with one tracker fresh: %q, %v", i, got, err)
			}
		}
		if err := fake.RestartTracker(1); err != nil {
			t.Fatal(err)
		}
		if err := fake.RestartTracker(0); err != nil {
			t.Fatal(err)
		}
		if _, err := readAll(cl, id); !errors.Is(err, fastdfs.ErrNoStorage) || errors.Is(err, source.ErrNotFound) {
			t.Fatalf("both trackers fresh: %v; want ErrNoStorage", err)
		}
		fake.ReportStorage()
		if got, err := readAll(cl, id); err != nil || string(got) != "hello" {
			t.Fatalf("after the heartbeat: %q, %v", got, err)
		}
	})
	t.Run("storage's own ENOENT is not found", func(t *testing.T) {
		fake := fdfstest.Start(t, fdfstest.Options{})
		cl := newClient(t, fake.TrackerAddrs(), func(c *fastdfs.Config) { c.VerifyStat = true })
		id := upload(t, cl, "jpg", []byte("x"))
		if err := cl.Delete(context.Background(), id); err != nil {
			t.Fatal(err)
		}
		if _, err := readAll(cl, id); !errors.Is(err, source.ErrNotFound) || errors.Is(err, source.ErrUnavailable) {
			t.Fatalf("download of a deleted file: %v", err)
		}
		if _, err := cl.Stat(context.Background(), id); !errors.Is(err, source.ErrNotFound) || errors.Is(err, source.ErrUnavailable) {
			t.Fatalf("file info of a deleted file: %v", err)
		}
	})
}

// TestAppender: an appender file's identity follows its content, in Stat and Open alike.
func TestAppender(t *testing.T) {
	for _, verify := range []bool{false, true} {
		t.Run(map[bool]string{false: "default", true: "verify_stat"}[verify], func(t *testing.T) {
			fake := fdfstest.Start(t, fdfstest.Options{})
			cl := newClient(t, fake.TrackerAddrs(), func(c *fastdfs.Config) { c.VerifyStat = verify })
			ctx := context.Background()
			id := fake.PutAppender("jpg", []byte("first"))
			check := func(want string) source.Info {
				t.Helper()
				st, err := cl.Stat(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				data, info, err := source.ReadAll(ctx, cl, id, 1<<20)
				if err != nil || string(data) != want {
					t.Fatalf("read %q, %v; want %q", data, err, want)
				}
				if st.Identity != info.Identity || st.Size != int64(len(want)) || info.Size != st.Size || st.Immutable || info.Immutable {
					t.Fatalf("Stat %+v, Open %+v: identities must agree, size %d, never immutable", st, info, len(want))
				}
				return st
			}
			a := check("first")
			if err := fake.Append(id, []byte(" second")); err != nil {
				t.Fatal(err)
			}
			b := check("first second")
			if err := fake.Truncate(id, 5); err != nil {
				t.Fatal(err)
			}
			c := check("first")
			if a.Identity == b.Identity || b.Identity == c.Identity || !strings.HasPrefix(a.Identity, id+"#") {
				t.Errorf("identities %q %q %q: each change must change it", a.Identity, b.Identity, c.Identity)
			}
		})
	}
	t.Run("empty appender", func(t *testing.T) {
		fake := fdfstest.Start(t, fdfstest.Options{})
		cl := newClient(t, fake.TrackerAddrs(), nil)
		id := fake.PutAppender("", nil)
		if got, err := readAll(cl, id); err != nil || len(got) != 0 {
			t.Fatalf("%q, %v", got, err)
		}
		fake.Append(id, []byte("now"))
		if got, err := readAll(cl, id); err != nil || string(got) != "now" {
			t.Fatalf("%q, %v", got, err)
		}
	})
}

// TestSlaveAndTrunkFiles reads every legal slave form (fdfs_gen_slave_filename) and trunk files
// back byte-exact, over both transports.
func TestSlaveAndTrunkFiles(t *testing.T) {
	fake := fdfstest.Start(t, fdfstest.Options{HTTP: true})
	masters := map[string]string{}
	for _, ext := range []string{"jpeg", "jpg", "png", "webp", "abcdef", ""} {
		masters[ext] = fake.Put(ext, randomBytes(3000, 1))
	}
	type form struct{ master, prefix, ext string }
	forms := []form{
		{"jpeg", "a", "jpg"},  // 44 characters, letter prefix
		{"jpeg", "5", "jpg"},  // 44 characters, digit prefix: reads as a normal name
		{"jpeg", "12345", ""}, // 44 characters, all digits, no extension
		{"jpeg", "abc", ""},   // 42 characters
		{"abcdef", "x", ""},   // 38 characters, the shortest
		{"jpg", "_150x150", "jpg"},
		{"png", "_0123456789abcde", "webp"}, // 16-character prefix
		{"", "_s", "jpg"},                   // master without extension
		{"webp", "-m", "webp"},
	}
	want := map[string][]byte{}
	for i, f := range forms {
		data := randomBytes(100+i*37, uint64(10+i))
		id, err := fake.PutSlave(masters[f.master], f.prefix, f.ext, data)
		if err != nil {
			t.Fatal(err)
		}
		want[id] = data
	}
	trunk := fake.PutTrunk("jpg", randomBytes(777, 3))
	want[trunk] = randomBytes(777, 3)
	ts, err := fake.PutSlave(trunk, "7", "jpg", randomBytes(55, 4))
	if err != nil {
		t.Fatal(err)
	}
	want[ts] = randomBytes(55, 4)
	for _, transport := range []string{fastdfs.TransportTCP, fastdfs.TransportHTTP} {
		cl := newClient(t, fake.TrackerAddrs(), func(c *fastdfs.Config) {
			c.Transport = transport
			c.HTTPPort = port(t, fake.HTTPAddr())
		})
		for id, data := range want {
			got, err := readAll(cl, id)
			if err != nil || !bytes.Equal(got, data) {
				t.Errorf("%s %s (%d characters): %d bytes, %v", transport, id, len(id)-len("group1/"), len(got), err)
			}
		}
	}
}

// logRecords collects log records.
type logRecords struct {
	mu   sync.Mutex
	msgs []string
}

func (l *logRecords) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecords) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	var addr string
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "addr" {
			addr = a.Value.String()
		}
		return true
	})
	l.msgs = append(l.msgs, r.Message+" "+addr)
	return nil
}
func (l *logRecords) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRecords) WithGroup(string) slog.Handler      { return l }
func (l *logRecords) count(prefix, addr string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, m := range l.msgs {
		if strings.HasPrefix(m, prefix) && strings.HasSuffix(m, " "+addr) {
			n++
		}
	}
	return n
}

// waitFor polls cond until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(d)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("%s: not within %v", what, d)
		}
	}
}

func stateOf(cl *fastdfs.Client, addr string) (fastdfs.ServerState, bool) {
	for _, s := range cl.Servers() {
		if s.Addr == addr {
			return s, true
		}
	}
	return fastdfs.ServerState{}, false
}

// TestHungTracker: a tracker that accepts and never answers costs one first-byte deadline,
// is then skipped until ACTIVE_TEST sees it answer, and its state changes are logged once.
func TestHungTracker(t *testing.T) {
	const firstByte = 150 * time.Millisecond
	fake := fdfstest.Start(t, fdfstest.Options{Trackers: 2})
	id := fake.Put("jpg", []byte("hello"))
	fake.HangTracker(0)
	logs := &logRecords{}
	cfg := fastdfs.DefaultConfig()
	cfg.Trackers = fake.TrackerAddrs()
	cfg.IOTimeout = 10 * time.Second
	cfg.FirstByteTimeout = firstByte
	cfg.HealthInterval = 20 * time.Millisecond
	cl, err := fastdfs.New(cfg, fastdfs.WithLogger(slog.New(logs)))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	hung := fake.TrackerAddrs()[0]
	slow := 0
	for i := range 20 {
		start := time.Now()
		if got, err := readAll(cl, id); err != nil || string(got) != "hello" {
			t.Fatalf("read %d: %q, %v", i, got, err)
		}
		d := time.Since(start)
		if d > firstByte+time.Second {
			t.Errorf("read %d took %v: more than the first-byte deadline", i, d)
		}
		if d >= firstByte {
			slow++
		}
	}
	if slow > 1 {
		t.Errorf("%d reads waited for the hung tracker, want at most 1", slow)
	}
	st, _ := stateOf(cl, hung)
	if st.Up || st.Role != fastdfs.RoleTracker || st.Failovers == 0 {
		t.Errorf("hung tracker state %+v: want down with a failover", st)
	}
	if n := logs.count("fastdfs server down", hung); n != 1 {
		t.Errorf("%d down records for the hung tracker, want 1 (probes keep failing meanwhile)", n)
	}
	fake.ResumeTracker(0)
	waitFor(t, 5*time.Second, "the resumed tracker is up", func() bool { s, _ := stateOf(cl, hung); return s.Up })
	if n := logs.count("fastdfs server up again", hung); n != 1 {
		t.Errorf("%d up records, want 1", n)
	}
}

// TestStorageHealth: a storage that refuses is marked down (and logged once), and up again
// once it answers.
func TestStorageHealth(t *testing.T) {
	fake := fdfstest.Start(t, fdfstest.Options{})
	id := fake.Put("jpg", []byte("hello"))
	// Probes start HealthInterval after the storage goes down: long enough to see it down.
	cl := newClient(t, fake.TrackerAddrs(), func(c *fastdfs.Config) { c.HealthInterval = 300 * time.Millisecond })
	if _, err := readAll(cl, id); err != nil {
		t.Fatal(err)
	}
	if s, ok := stateOf(cl, fake.StorageAddr()); !ok || !s.Up || s.Role != fastdfs.RoleStorage {
		t.Fatalf("storage state %+v (%v)", s, ok)
	}
	// The storage process dies; the tracker has not noticed yet (it still names it).
	fake.SetStorageFault(fdfstest.Fault{Kind: fdfstest.FaultDrop})
	fake.CloseConnections()
	if _, err := readAll(cl, id); !errors.Is(err, source.ErrUnavailable) {
		t.Fatalf("storage dropping: %v", err)
	}
	if s, _ := stateOf(cl, fake.StorageAddr()); s.Up {
		t.Fatalf("storage still up: %+v", s)
	}
	fake.ClearFaults()
	waitFor(t, 5*time.Second, "the storage is up again", func() bool { s, _ := stateOf(cl, fake.StorageAddr()); return s.Up })
	if got, err := readAll(cl, id); err != nil || string(got) != "hello" {
		t.Fatalf("%q, %v", got, err)
	}
}

// port returns the port of a "host:port" address.
func port(t *testing.T, addr string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestHungTrackerIdleConnections: a tracker that hangs while the pool holds idle connections
// to it (each checked with ACTIVE_TEST before reuse, as after check_after of quiet) still costs
// one first-byte deadline, not one per idle connection: an ACTIVE_TEST that gets no answer in
// time is the server's failure, not a stale connection's.
func TestHungTrackerIdleConnections(t *testing.T) {
	const firstByte = 150 * time.Millisecond
	fake := fdfstest.Start(t, fdfstest.Options{})
	id := fake.Put("jpg", []byte("hello"))
	cl := newClient(t, fake.TrackerAddrs(), func(c *fastdfs.Config) {
		c.FirstByteTimeout = firstByte
		c.CheckAfter = 10 * time.Millisecond
		c.IOTimeout = 10 * time.Second
		c.HealthInterval = time.Hour
	})
	// Four idle connections to the tracker: four reads at once.
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := readAll(cl, id); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	time.Sleep(50 * time.Millisecond) // idle for longer than check_after
	fake.HangTracker(0)
	start := time.Now()
	_, err := readAll(cl, id)
	took := time.Since(start)
	if !errors.Is(err, source.ErrUnavailable) {
		t.Fatalf("read with the only tracker hung: %v, want ErrUnavailable", err)
	}
	if took > 2*firstByte {
		t.Errorf("the read took %v: more than one first-byte deadline (%v) for the hung tracker", took, firstByte)
	}
	if st, _ := stateOf(cl, fake.TrackerAddrs()[0]); st.Up {
		t.Errorf("hung tracker state %+v: want down", st)
	}
}
