package fastdfs_test

import (
	"context"
	"io"
	"net"
	"strconv"
	"testing"

	"github.com/imgorigin/imgorigin/origin/source"
	"github.com/imgorigin/imgorigin/origin/source/fastdfs"
	"github.com/imgorigin/imgorigin/origin/source/fastdfs/fdfstest"
)

// BenchmarkDownload measures a full download (tracker query + DOWNLOAD_FILE + CRC check) from
// the fake over loopback, per transport and size: throughput for a 2 MB original, per-request
// overhead for a tiny file.
func BenchmarkDownload(b *testing.B) {
	sizes := []struct {
		name string
		n    int
	}{{"100B", 100}, {"2MB", 2 << 20}}
	for _, transport := range []string{fastdfs.TransportTCP, fastdfs.TransportHTTP} {
		for _, sz := range sizes {
			b.Run(transport+"/"+sz.name, func(b *testing.B) {
				fake := fdfstest.Start(b, fdfstest.Options{HTTP: true})
				_, port, _ := net.SplitHostPort(fake.HTTPAddr())
				cl := newClient(b, fake.TrackerAddrs(), func(c *fastdfs.Config) {
					c.Transport = transport
					c.HTTPPort, _ = strconv.Atoi(port)
				})
				id := fake.Put("jpg", randomBytes(sz.n, 9))
				ctx := context.Background()
				b.SetBytes(int64(sz.n))
				b.ReportAllocs()
				for b.Loop() {
					data, _, err := source.ReadAll(ctx, cl, id, 4<<20)
					if err != nil || len(data) != sz.n {
						b.Fatalf("%d bytes, %v", len(data), err)
					}
				}
			})
		}
	}
}

// BenchmarkDownloadStream reads into a reused buffer, so allocs/op is the client's own cost.
func BenchmarkDownloadStream(b *testing.B) {
	fake := fdfstest.Start(b, fdfstest.Options{})
	cl := newClient(b, fake.TrackerAddrs(), nil)
	const n = 2 << 20
	id := fake.Put("jpg", randomBytes(n, 9))
	buf := make([]byte, 64<<10)
	ctx := context.Background()
	b.SetBytes(n)
	b.ReportAllocs()
	for b.Loop() {
		rc, _, err := cl.Open(ctx, id)
		if err != nil {
			b.Fatal(err)
		}
		got, err := io.CopyBuffer(struct{ io.Writer }{io.Discard}, rc, buf)
		rc.Close()
		if err != nil || got != n {
			b.Fatalf("%d bytes, %v", got, err)
		}
	}
}

// BenchmarkDownloadParallel is the tiny-file overhead with concurrent callers sharing pools.
func BenchmarkDownloadParallel(b *testing.B) {
	fake := fdfstest.Start(b, fdfstest.Options{})
	cl := newClient(b, fake.TrackerAddrs(), nil)
	id := fake.Put("jpg", randomBytes(100, 9))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, _, err := source.ReadAll(context.Background(), cl, id, 1<<20); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkParseFileID(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := fastdfs.ParseFileID("group1/M00/00/00/fwAAAWsCGgSAOJ-BAAAP5LdNBUU695.jpg"); err != nil {
			b.Fatal(err)
		}
	}
}
