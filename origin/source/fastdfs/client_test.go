package fastdfs_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/source"
	"github.com/imgorigin/imgorigin/origin/source/fastdfs"
	"github.com/imgorigin/imgorigin/origin/source/fastdfs/fdfstest"
)

func newClient(t testing.TB, trackers []string, mod func(*fastdfs.Config)) *fastdfs.Client {
	t.Helper()
	cfg := fastdfs.DefaultConfig()
	cfg.Trackers = trackers
	cfg.ConnectTimeout = time.Second
	cfg.IOTimeout = 2 * time.Second
	if mod != nil {
		mod(&cfg)
	}
	cl, err := fastdfs.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl
}

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func upload(t testing.TB, cl *fastdfs.Client, ext string, data []byte) string {
	t.Helper()
	id, err := cl.Upload(context.Background(), "", ext, data)
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	return id
}

func readAll(cl *fastdfs.Client, id string) ([]byte, error) {
	rc, _, err := cl.Open(context.Background(), id)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// deadAddr returns a loopback address where nothing listens.
func deadAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestRoundTrip(t *testing.T) {
	created := time.Date(2026, 11, 22, 1, 2, 3, 0, time.UTC)
	for _, width := range []int{15, 45} {
		for _, transport := range []string{fastdfs.TransportTCP, fastdfs.TransportHTTP} {
			t.Run(fmt.Sprintf("ip width %d/%s", width, transport), func(t *testing.T) {
				fake := fdfstest.Start(t, fdfstest.Options{IPWidth: width, HTTP: true, Now: func() time.Time { return created }})
				_, httpPort, _ := net.SplitHostPort(fake.HTTPAddr())
				cl := newClient(t, fake.TrackerAddrs(), func(c *fastdfs.Config) {
					c.Transport = transport
					fmt.Sscan(httpPort, &c.HTTPPort)
				})
				data := randomBytes(100_000, 1)
				id, err := cl.Upload(context.Background(), "group1", "jpg", data)
				if err != nil {
					t.Fatal(err)
				}
				info, err := cl.Stat(context.Background(), id)
				if err != nil {
					t.Fatal(err)
				}
				want := source.Info{Size: int64(len(data)), ContentType: "image/jpeg", Identity: id, LastModified: created, Immutable: true}
				if info != want {
					t.Errorf("Stat = %+v, want %+v", info, want)
				}
				for i := range 3 {
					got, err := readAll(cl, id)
					if err != nil || !bytes.Equal(got, data) {
						t.Fatalf("read %d: %d bytes, %v", i, len(got), err)
					}
				}
				st := fake.Stats()
				if transport == fastdfs.TransportTCP && (st.StorageAccepted != 1 || st.TrackerAccepted != 1) {
					t.Errorf("connections not reused: %+v", st)
				}
				if transport == fastdfs.TransportHTTP && st.HTTPRequests != 3 {
					t.Errorf("http requests %d, want 3", st.HTTPRequests)
				}
				if err := cl.Delete(context.Background(), id); err != nil {
					t.Fatal(err)
				}
				if _, err := readAll(cl, id); !errors.Is(err, source.ErrNotFound) {
					t.Fatalf("after delete: %v, want ErrNotFound", err)
				}
				if err := cl.Delete(context.Background(), id); !errors.Is(err, source.ErrNotFound) {
					t.Fatalf("second delete: %v, want ErrNotFound", err)
				}
			})
		}
	}
}

func TestOpenErrors(t *testing.T) {
	fake := fdfstest.Start(t, fdfstest.Options{})
	cl := newClient(t, fake.TrackerAddrs(), func(c *fastdfs.Config) { c.MaxObjectSize = 1000 })
	big := upload(t, cl, "png", randomBytes(2000, 2))
	empty := upload(t, cl, "", nil)
	small := upload(t, cl, "png", []byte("small"))
	otherGroup := "group2" + small[len("group1"):]

	tests := []struct {
		name string
		key  string
		want error
	}{
		{"invalid id", "group1/not-a-file-id.jpg", source.ErrInvalidKey},
		{"larger than max_object_size", big, source.ErrTooLarge},
		{"unknown group", otherGroup, source.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc, _, err := cl.Open(context.Background(), tt.key)
			if !errors.Is(err, tt.want) {
				if rc != nil {
					rc.Close()
				}
				t.Fatalf("Open err = %v, want %v", err, tt.want)
			}
		})
	}
	// A 44-character name can be a slave's (MaybeSlave), whose size is not its master's, so a
	// too-large size in the name is refused from the storage's reply header, before any body.
	before := fake.Stats()
	t.Run("empty file answered without the storage", func(t *testing.T) {
		got, err := readAll(cl, empty)
		if err != nil || len(got) != 0 {
			t.Fatalf("got %d bytes, %v", len(got), err)
		}
		info, _ := cl.Stat(context.Background(), empty)
		if info.Size != 0 || info.ContentType != "" {
			t.Errorf("Stat = %+v", info)
		}
	})
	if st := fake.Stats(); st.StorageRequests != before.StorageRequests {
		t.Errorf("storage asked %d times, want 0", st.StorageRequests-before.StorageRequests)
	}
	t.Run("cancelled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, _, err := cl.Open(ctx, empty); !errors.Is(err, context.Canceled) {
			t.Errorf("Open: %v", err)
		}
		if _, err := cl.Stat(ctx, empty); !errors.Is(err, context.Canceled) {
			t.Errorf("Stat: %v", err)
		}
	})
}

func TestTrackerFailover(t *testing.T) {
	// One second: a read may wait for one stalled tracker (one timeout) and must not wait for two;
	// a shorter timeout made the bound indistinguishable from scheduling delay on a loaded machine.
	const timeout = time.Second
	t.Run("first tracker refuses", func(t *testing.T) {
		fake := fdfstest.Start(t, fdfstest.Options{})
		id := fake.Put("jpg", []byte("hello"))
		cl := newClient(t, []string{deadAddr(t), fake.TrackerAddrs()[0]}, func(c *fastdfs.Config) { c.IOTimeout = timeout })
		for i := range 4 {
			start := time.Now()
			got, err := readAll(cl, id)
			if err != nil || string(got) != "hello" {
				t.Fatalf("read %d: %q, %v", i, got, err)
			}
			if d := time.Since(start); d > timeout {
				t.Errorf("read %d took %v, more than one timeout", i, d)
			}
		}
	})
	t.Run("first tracker stalls", func(t *testing.T) {
		fake := fdfstest.Start(t, fdfstest.Options{Trackers: 2})
		id := fake.Put("jpg", []byte("hello"))
		fake.SetTrackerFault(0, fdfstest.Fault{Kind: fdfstest.FaultStall})
		cl := newClient(t, fake.TrackerAddrs(), func(c *fastdfs.Config) { c.IOTimeout = timeout })
		var slow int
		for i := range 4 {
			start := time.Now()
			got, err := readAll(cl, id)
			if err != nil || string(got) != "hello" {
				t.Fatalf("read %d: %q, %v", i, got, err)
			}
			d := time.Since(start)
			if d > 2*timeout {
				t.Errorf("read %d took %v, more than one timeout", i, d)
			}
			if d >= timeout {
				slow++
			}
		}
		if slow > 1 {
			t.Errorf("%d reads waited for the stalled tracker; back-off should skip it after one", slow)
		}
	})
	t.Run("all trackers down", func(t *testing.T) {
		cl := newClient(t, []string{deadAddr(t), deadAddr(t)}, nil)
		_, err := readAll(cl, "group1/M00/00/00/fwAAAWsCGgSAOJ-BAAAP5LdNBUU695.jpg")
		if !errors.Is(err, source.ErrUnavailable) {
			t.Fatalf("err = %v, want ErrUnavailable", err)
		}
	})
}

func TestStorageFaults(t *testing.T) {
	data := randomBytes(256<<10, 3)
	tests := []struct {
		name        string
		fault       fdfstest.Fault
		want        []error
		newConnNext bool // the failed connection must not be reused
		served      bool // the client recovers by itself
	}{
		{"drop mid-body", fdfstest.Fault{Kind: fdfstest.FaultDropMidBody, After: -1, Times: 1}, []error{source.ErrUnavailable}, true, false},
		// Indistinguishable from a pooled connection the server closed while idle: retried once.
		{"drop before reply", fdfstest.Fault{Kind: fdfstest.FaultDrop, Times: 1}, nil, true, true},
		{"corrupt byte", fdfstest.Fault{Kind: fdfstest.FaultCorrupt, Times: 1}, []error{source.ErrUnavailable, fastdfs.ErrChecksum}, true, false},
		{"einval closes", fdfstest.Fault{Kind: fdfstest.FaultStatus, Status: 22, Cmd: fastdfs.CmdDownloadFile, Times: 1}, []error{source.ErrInvalidKey}, true, false},
		{"enoent keeps connection", fdfstest.Fault{Kind: fdfstest.FaultStatus, Status: 2, Times: 1}, []error{source.ErrNotFound}, false, false},
		{"eio", fdfstest.Fault{Kind: fdfstest.FaultStatus, Status: 5, Times: 1}, []error{source.ErrUnavailable}, true, false},
		{"enospc", fdfstest.Fault{Kind: fdfstest.FaultStatus, Status: 28, Times: 1}, []error{source.ErrUnavailable}, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := fdfstest.Start(t, fdfstest.Options{})
			id := fake.Put("jpg", data)
			cl := newClient(t, fake.TrackerAddrs(), nil)
			if _, err := readAll(cl, id); err != nil {
				t.Fatal(err)
			}
			fake.SetStorageFault(tt.fault)
			got, err := readAll(cl, id)
			for _, w := range tt.want {
				if !errors.Is(err, w) {
					t.Errorf("err = %v, want %v", err, w)
				}
			}
			if tt.served {
				if err != nil || !bytes.Equal(got, data) {
					t.Fatalf("not recovered: %d bytes, %v", len(got), err)
				}
			} else if err == nil || bytes.Equal(got, data) {
				t.Fatalf("faulty read served %d bytes without error", len(got))
			}
			if got, err := readAll(cl, id); err != nil || !bytes.Equal(got, data) {
				t.Fatalf("next read: %d bytes, %v", len(got), err)
			}
			want := int64(1)
			if tt.newConnNext {
				want = 2
			}
			if st := fake.Stats(); st.StorageAccepted != want {
				t.Errorf("storage connections accepted %d, want %d", st.StorageAccepted, want)
			}
		})
	}
}

// TestCorruptStreaming checks that a consumer streaming the body never sees a clean EOF.
func TestCorruptStreaming(t *testing.T) {
	for _, transport := range []string{fastdfs.TransportTCP, fastdfs.TransportHTTP} {
		t.Run(transport, func(t *testing.T) {
			fake := fdfstest.Start(t, fdfstest.Options{HTTP: true})
			_, httpPort, _ := net.SplitHostPort(fake.HTTPAddr())
			cl := newClient(t, fake.TrackerAddrs(), func(c *fastdfs.Config) {
				c.Transport = transport
				fmt.Sscan(httpPort, &c.HTTPPort)
			})
			id := fake.Put("png", randomBytes(64<<10, 4))
			fake.SetStorageFault(fdfstest.Fault{Kind: fdfstest.FaultCorrupt})
			rc, _, err := cl.Open(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			n, err := io.CopyBuffer(io.Discard, rc, make([]byte, 1000))
			if !errors.Is(err, fastdfs.ErrChecksum) {
				t.Fatalf("copied %d bytes, err %v; want ErrChecksum", n, err)
			}
			if _, err := rc.Read(make([]byte, 10)); !errors.Is(err, fastdfs.ErrChecksum) {
				t.Errorf("read after the error: %v", err)
			}
		})
	}
}

func TestTimeouts(t *testing.T) {
	fake := fdfstest.Start(t, fdfstest.Options{})
	id := fake.Put("jpg", randomBytes(1000, 5))
	t.Run("storage stalls: io_timeout", func(t *testing.T) {
		cl := newClient(t, fake.TrackerAddrs(), func(c *fastdfs.Config) { c.IOTimeout = 200 * time.Millisecond })
		fake.SetStorageFault(fdfstest.Fault{Kind: fdfstest.FaultStall, Times: 1})
		t.Cleanup(fake.ClearFaults)
		start := time.Now()
		_, err := readAll(cl, id)
		if !errors.Is(err, source.ErrUnavailable) {
			t.Fatalf("err = %v, want ErrUnavailable", err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("took %v", d)
		}
		if _, err := readAll(cl, id); err != nil {
			t.Fatalf("next read: %v", err)
		}
	})
	t.Run("storage stalls mid-body: io_timeout per read", func(t *testing.T) {
		cl := newClient(t, fake.TrackerAddrs(), func(c *fastdfs.Config) { c.IOTimeout = 200 * time.Millisecond })
		fake.SetStorageFault(fdfstest.Fault{Kind: fdfstest.FaultStallMidBody, After: -1, Times: 1})
		t.Cleanup(fake.ClearFaults)
		start := time.Now()
		got, err := readAll(cl, id)
		if !errors.Is(err, source.ErrUnavailable) || len(got) != 500 {
			t.Fatalf("read %d bytes, err %v; want 500 bytes then ErrUnavailable", len(got), err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("took %v", d)
		}
	})
	t.Run("storage stalls: context deadline", func(t *testing.T) {
		cl := newClient(t, fake.TrackerAddrs(), func(c *fastdfs.Config) { c.IOTimeout = time.Minute })
		fake.SetStorageFault(fdfstest.Fault{Kind: fdfstest.FaultStall, Times: 1})
		t.Cleanup(fake.ClearFaults)
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, _, err := cl.Open(ctx, id)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want DeadlineExceeded", err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("took %v", d)
		}
	})
}

func TestPoolReuse(t *testing.T) {
	t.Run("active test after idle", func(t *testing.T) {
		fake := fdfstest.Start(t, fdfstest.Options{})
		id := fake.Put("jpg", []byte("abc"))
		cl := newClient(t, fake.TrackerAddrs(), func(c *fastdfs.Config) { c.CheckAfter = time.Nanosecond })
		for range 3 {
			if _, err := readAll(cl, id); err != nil {
				t.Fatal(err)
			}
		}
		st := fake.Stats()
		if st.ActiveTests != 4 || st.StorageAccepted != 1 || st.TrackerAccepted != 1 {
			t.Errorf("stats %+v; want 4 active tests on 1+1 connections", st)
		}
	})
	for _, check := range []time.Duration{time.Nanosecond, time.Hour} {
		t.Run(fmt.Sprintf("server closed idle connections, check_after %v", check), func(t *testing.T) {
			fake := fdfstest.Start(t, fdfstest.Options{})
			id := fake.Put("jpg", []byte("abc"))
			cl := newClient(t, fake.TrackerAddrs(), func(c *fastdfs.Config) { c.CheckAfter = check })
			if _, err := readAll(cl, id); err != nil {
				t.Fatal(err)
			}
			fake.CloseConnections()
			if _, err := readAll(cl, id); err != nil {
				t.Fatalf("after the server closed idle connections: %v", err)
			}
			if st := fake.Stats(); st.StorageAccepted != 2 || st.TrackerAccepted != 2 {
				t.Errorf("stats %+v", st)
			}
		})
	}
	t.Run("abandoned body is not reused", func(t *testing.T) {
		fake := fdfstest.Start(t, fdfstest.Options{})
		id := fake.Put("jpg", randomBytes(200_000, 6))
		cl := newClient(t, fake.TrackerAddrs(), nil)
		rc, _, err := cl.Open(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		rc.Read(make([]byte, 100))
		rc.Close()
		if _, err := readAll(cl, id); err != nil {
			t.Fatal(err)
		}
		if st := fake.Stats(); st.StorageAccepted != 2 {
			t.Errorf("storage connections %d, want 2", st.StorageAccepted)
		}
	})
}

func TestPoolLimit(t *testing.T) {
	const limit, workers = 4, 64
	fake := fdfstest.Start(t, fdfstest.Options{})
	cl := newClient(t, fake.TrackerAddrs(), func(c *fastdfs.Config) {
		c.MaxOpen = limit
		c.MaxIdle = limit
	})
	files := map[string][]byte{}
	for i := range 4 {
		d := randomBytes(64<<10+i, uint64(10+i))
		files[fake.Put("jpg", d)] = d
	}
	ids := make([]string, 0, len(files))
	for id := range files {
		ids = append(ids, id)
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := ids[w%len(ids)]
			got, err := readAll(cl, id)
			if err == nil && !bytes.Equal(got, files[id]) {
				err = fmt.Errorf("worker %d: wrong bytes", w)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	st := fake.Stats()
	if st.StorageAccepted > limit || st.TrackerAccepted > limit || st.StoragePeakOpen > limit {
		t.Errorf("pool grew past %d: %+v", limit, st)
	}
	if st.StorageRequests != workers {
		t.Errorf("storage requests %d, want %d", st.StorageRequests, workers)
	}
}

func TestPoolWaitHonoursContext(t *testing.T) {
	fake := fdfstest.Start(t, fdfstest.Options{})
	id := fake.Put("jpg", randomBytes(10_000, 7))
	cl := newClient(t, fake.TrackerAddrs(), func(c *fastdfs.Config) { c.MaxOpen, c.MaxIdle = 1, 1 })
	rc, _, err := cl.Open(context.Background(), id) // holds the only storage connection
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, _, err := cl.Open(ctx, id); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second Open while the pool is full: %v", err)
	}
	io.Copy(io.Discard, rc)
	rc.Close()
	if _, err := readAll(cl, id); err != nil {
		t.Fatal(err)
	}
	if st := fake.Stats(); st.StorageAccepted != 1 {
		t.Errorf("storage connections %d, want 1", st.StorageAccepted)
	}
}

func TestConfigValidate(t *testing.T) {
	ok := fastdfs.DefaultConfig()
	ok.Trackers = []string{"10.0.0.1:22122"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := map[string]func(*fastdfs.Config){
		"trackers":        func(c *fastdfs.Config) { c.Trackers = nil },
		"trackers[0]":     func(c *fastdfs.Config) { c.Trackers = []string{"nohost"} },
		"io_timeout":      func(c *fastdfs.Config) { c.IOTimeout = 0 },
		"max_open":        func(c *fastdfs.Config) { c.MaxOpen = 0 },
		"max_idle":        func(c *fastdfs.Config) { c.MaxIdle = c.MaxOpen + 1 },
		"transport":       func(c *fastdfs.Config) { c.Transport = "ftp" },
		"http_port":       func(c *fastdfs.Config) { c.Transport, c.HTTPPort = "http", 0 },
		"max_object_size": func(c *fastdfs.Config) { c.MaxObjectSize = 0 },
	}
	for key, mod := range tests {
		t.Run(key, func(t *testing.T) {
			c := ok
			mod(&c)
			err := c.Validate()
			if err == nil || !bytes.Contains([]byte(err.Error()), []byte(key+":")) {
				t.Fatalf("Validate = %v; want an error naming %q", err, key)
			}
		})
	}
}

func TestStat(t *testing.T) {
	fake := fdfstest.Start(t, fdfstest.Options{})
	id := fake.Put("png", []byte("png bytes"))
	gone := fake.Put("png", []byte("deleted"))
	t.Run("from the id alone", func(t *testing.T) {
		cl := newClient(t, fake.TrackerAddrs(), nil)
		before := fake.Stats()
		for _, k := range []string{id, gone} {
			info, err := cl.Stat(context.Background(), k)
			if err != nil || info.Size <= 0 || !info.Immutable || info.Identity != k {
				t.Fatalf("Stat(%s) = %+v, %v", k, info, err)
			}
		}
		if st := fake.Stats(); st.TrackerAccepted != before.TrackerAccepted || st.StorageRequests != before.StorageRequests {
			t.Errorf("Stat used the network: %+v", st)
		}
	})
	t.Run("verify_stat", func(t *testing.T) {
		cl := newClient(t, fake.TrackerAddrs(), func(c *fastdfs.Config) { c.VerifyStat = true })
		if err := cl.Delete(context.Background(), gone); err != nil {
			t.Fatal(err)
		}
		info, err := cl.Stat(context.Background(), id)
		if err != nil || info.Size != 9 || info.Identity != id {
			t.Fatalf("Stat(%s) = %+v, %v", id, info, err)
		}
		if _, err := cl.Stat(context.Background(), gone); !errors.Is(err, source.ErrNotFound) {
			t.Fatalf("Stat of a deleted file: %v, want ErrNotFound", err)
		}
	})
}

func TestUploadErrors(t *testing.T) {
	fake := fdfstest.Start(t, fdfstest.Options{})
	cl := newClient(t, fake.TrackerAddrs(), nil)
	if _, err := cl.Upload(context.Background(), "", "j/g", []byte("x")); !errors.Is(err, source.ErrInvalidKey) {
		t.Errorf("bad extension: %v", err)
	}
	if _, err := cl.Upload(context.Background(), "group9", "jpg", []byte("x")); !errors.Is(err, source.ErrNotFound) {
		t.Errorf("unknown group: %v", err)
	}
	fake.SetStorageFault(fdfstest.Fault{Kind: fdfstest.FaultStatus, Status: 28, Cmd: fastdfs.CmdUploadFile, Times: 1})
	if _, err := cl.Upload(context.Background(), "", "jpg", []byte("x")); !errors.Is(err, source.ErrUnavailable) {
		t.Errorf("ENOSPC: %v", err)
	}
	if fake.Files() != 0 {
		t.Errorf("%d files stored", fake.Files())
	}
}
