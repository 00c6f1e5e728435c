package fastdfs_test

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/imgorigin/imgorigin/origin/source"
	"github.com/imgorigin/imgorigin/origin/source/dialguard"
	"github.com/imgorigin/imgorigin/origin/source/fastdfs"
	"github.com/imgorigin/imgorigin/origin/source/fastdfs/fdfstest"
)

// TestStorageAddressGuard: the storages a tracker names are dialled through the HTTP source's
// address guard, over both transports. With allow_private off, the fake's loopback storage is
// refused before any byte reaches it (unavailable, never not-found); the tracker, named by the
// configuration, is still asked.
func TestStorageAddressGuard(t *testing.T) {
	for _, transport := range []string{fastdfs.TransportTCP, fastdfs.TransportHTTP} {
		t.Run(transport, func(t *testing.T) {
			fake := fdfstest.Start(t, fdfstest.Options{HTTP: true})
			_, port, _ := net.SplitHostPort(fake.HTTPAddr())
			id := fake.Put("jpg", randomBytes(1000, 3))
			for _, allow := range []bool{true, false} {
				cl := newClient(t, fake.TrackerAddrs(), func(c *fastdfs.Config) {
					c.Transport = transport
					c.HTTPPort, _ = strconv.Atoi(port)
					c.AllowPrivate = allow
				})
				before := fake.Stats()
				_, err := readAll(cl, id)
				after := fake.Stats()
				reached := after.StorageAccepted - before.StorageAccepted + after.HTTPRequests - before.HTTPRequests
				if allow {
					if err != nil || reached == 0 {
						t.Fatalf("allow_private: err %v, storage reached %d times", err, reached)
					}
					continue
				}
				if !errors.Is(err, dialguard.ErrRefused) || !errors.Is(err, source.ErrUnavailable) {
					t.Fatalf("allow_private off: err %v, want ErrRefused and ErrUnavailable", err)
				}
				if reached != 0 {
					t.Errorf("the refused storage was reached %d times", reached)
				}
				if after.TrackerRequests == before.TrackerRequests {
					t.Errorf("the tracker was not asked")
				}
			}
		})
	}
}

// TestHTTPRedirects: fastdfs-nginx-module with response_mode=redirect answers a file it does
// not hold yet with a 302 to the file's source storage (another host: the tracker did not
// choose it). The client follows a redirect only on the storage the tracker named, and a
// refused one is an unavailable storage, not a missing file. The storage's HTTP interface is
// stood in by a handler on the http_port, in front of the fake's.
func TestHTTPRedirects(t *testing.T) {
	fake := fdfstest.Start(t, fdfstest.Options{HTTP: true})
	id := fake.Put("jpg", randomBytes(2000, 4))
	var other atomic.Int64
	otherHost := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		other.Add(1)
		http.Error(w, "should not be asked", http.StatusTeapot)
	}))
	t.Cleanup(otherHost.Close)
	var sameHost atomic.Bool // redirect on the storage itself instead of to another host
	var storage *httptest.Server
	storage = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Query().Get("redirect") == "" && sameHost.Load():
			http.Redirect(w, r, storage.URL+r.URL.Path+"?redirect=1", http.StatusFound)
		case r.URL.Query().Get("redirect") == "":
			http.Redirect(w, r, otherHost.URL+r.URL.Path+"?redirect=1", http.StatusFound)
		default:
			resp, err := http.Get("http://" + fake.HTTPAddr() + r.URL.Path)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			defer resp.Body.Close()
			w.Header().Set("Content-Length", resp.Header.Get("Content-Length"))
			w.WriteHeader(resp.StatusCode)
			io.Copy(w, resp.Body)
		}
	}))
	t.Cleanup(storage.Close)
	_, port, _ := net.SplitHostPort(storage.Listener.Addr().String())
	cl := newClient(t, fake.TrackerAddrs(), func(c *fastdfs.Config) {
		c.Transport = fastdfs.TransportHTTP
		c.HTTPPort, _ = strconv.Atoi(port)
	})

	_, err := readAll(cl, id)
	if !errors.Is(err, source.ErrUnavailable) || errors.Is(err, source.ErrNotFound) {
		t.Fatalf("redirect to another host: err %v, want ErrUnavailable", err)
	}
	if n := other.Load(); n != 0 {
		t.Errorf("the other host was asked %d times", n)
	}

	sameHost.Store(true)
	data, err := readAll(cl, id)
	if err != nil || len(data) != 2000 {
		t.Fatalf("redirect on the same storage: %d bytes, %v", len(data), err)
	}
}
