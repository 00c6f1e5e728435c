package fastdfs_test

import (
	"context"
	"net"
	"path"
	"strconv"
	"strings"
	"testing"

	"github.com/imgorigin/imgorigin/origin/source/fastdfs"
	"github.com/imgorigin/imgorigin/origin/source/fastdfs/fdfstest"
	"github.com/imgorigin/imgorigin/origin/source/sourcetest"
)

// TestConformance runs the shared source suite against the client and the fake cluster. The
// suite wants Stat to report a missing object, so Stat verifies with the storage here
// (verify_stat); without it Stat answers from the file ID alone.
func TestConformance(t *testing.T) {
	const limit = 1 << 20
	for _, transport := range []string{fastdfs.TransportTCP, fastdfs.TransportHTTP} {
		t.Run(transport, func(t *testing.T) {
			sourcetest.Run(t, func(t *testing.T) sourcetest.Harness {
				fake := fdfstest.Start(t, fdfstest.Options{HTTP: true})
				_, port, _ := net.SplitHostPort(fake.HTTPAddr())
				cl := newClient(t, fake.TrackerAddrs(), func(c *fastdfs.Config) {
					c.VerifyStat = true
					c.MaxObjectSize = limit
					c.Transport = transport
					c.HTTPPort, _ = strconv.Atoi(port)
				})
				put := func(t *testing.T, name string, data []byte) string {
					t.Helper()
					id, err := cl.Upload(context.Background(), "", strings.TrimPrefix(path.Ext(name), "."), data)
					if err != nil {
						t.Fatalf("upload %q: %v", name, err)
					}
					return id
				}
				missing := put(t, "gone.jpg", []byte("deleted"))
				if err := cl.Delete(context.Background(), missing); err != nil {
					t.Fatal(err)
				}
				return sourcetest.Harness{Source: cl, Put: put, MissingKey: missing, OddKeys: false, Limit: limit}
			})
		})
	}
}
