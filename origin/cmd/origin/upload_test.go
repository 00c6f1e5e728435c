package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/auth"
	"github.com/imgorigin/imgorigin/origin/config"
	"github.com/imgorigin/imgorigin/origin/imaging/synth"
	"github.com/imgorigin/imgorigin/origin/imgprobe"
	"github.com/imgorigin/imgorigin/origin/source"
	"github.com/imgorigin/imgorigin/origin/source/fastdfs"
	"github.com/imgorigin/imgorigin/origin/source/fastdfs/fdfstest"
	"github.com/imgorigin/imgorigin/origin/source/local"
	"github.com/imgorigin/imgorigin/origin/source/s3"
	"github.com/imgorigin/imgorigin/origin/source/s3/miniotest"
	"github.com/imgorigin/imgorigin/origin/upload"
	"github.com/imgorigin/imgorigin/signer"
)

// uploadEnv is one node with three writable stores: a local directory ("local"), a real MinIO
// ("s3") and the FastDFS fake ("fdfs"), a journal for FastDFS idempotency (source "journal"),
// signing keys and a recording purge endpoint.
type uploadEnv struct {
	*testNode
	ring        *signer.Ring
	fake        *fdfstest.Server
	minio       *miniotest.Server
	stores      map[string]source.Source // direct access to what each store holds
	journalRoot string
	purgeMu     sync.Mutex
	purged      []string
}

func startUploadEnv(t *testing.T, mutate func(*config.Config)) *uploadEnv {
	t.Helper()
	key, err := signer.NewKey("k1", signer.Signing)
	if err != nil {
		t.Fatal(err)
	}
	ring, err := signer.NewRing(key)
	if err != nil {
		t.Fatal(err)
	}
	env := &uploadEnv{ring: ring, fake: fdfstest.Start(t, fdfstest.Options{}), minio: miniotest.Start(t), stores: map[string]source.Source{}}
	purge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		env.purgeMu.Lock()
		env.purged = append(env.purged, r.Method+" "+r.URL.Query().Get("tag"))
		env.purgeMu.Unlock()
		fmt.Fprintln(w, "purged 1")
	}))
	t.Cleanup(purge.Close)
	uploadRoot, journalRoot := t.TempDir(), t.TempDir()
	env.journalRoot = journalRoot
	env.testNode = startNode(t, func(c *config.Config) {
		c.Auth = auth.DefaultConfig()
		c.Auth.Keys = []auth.KeyConfig{{ID: "k1", Secret: signer.EncodeSecret(key.Secret), State: "signing"}}
		lc := local.DefaultConfig()
		lc.Root = uploadRoot
		c.Sources["up"] = config.SourceConfig{Type: "local", Local: lc}
		jc := local.DefaultConfig()
		jc.Root = journalRoot
		c.Sources["journal"] = config.SourceConfig{Type: "local", Local: jc}
		sc := env.minio.Config()
		c.Sources["s3"] = config.SourceConfig{Type: "s3", S3: sc}
		fc := fastdfs.DefaultConfig()
		fc.Trackers = env.fake.TrackerAddrs()
		fc.ConnectTimeout = 300 * time.Millisecond
		fc.IOTimeout = 2 * time.Second
		c.Sources["fdfs"] = config.SourceConfig{Type: "fastdfs", FastDFS: fc}
		c.Upload.Journal = "journal"
		c.Upload.URLBase = "http://img.example.com"
		c.Upload.CORSOrigins = []string{"https://app.example.com"}
		c.Upload.PurgeURLs = []string{purge.URL + "/purge"}
		c.Upload.MaxBytes = 4 << 20
		if mutate != nil {
			mutate(c)
		}
	})
	lsrc, err := local.New(local.Config{Root: uploadRoot})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lsrc.Close() })
	bucket, err := s3.New(context.Background(), env.minio.Config())
	if err != nil {
		t.Fatal(err)
	}
	fcl, err := fastdfs.New(func() fastdfs.Config {
		c := fastdfs.DefaultConfig()
		c.Trackers = env.fake.TrackerAddrs()
		c.VerifyStat = true
		return c
	}())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fcl.Close() })
	env.stores["up"], env.stores["s3"], env.stores["fdfs"] = lsrc, bucket, fcl
	return env
}

func (e *uploadEnv) policy(t *testing.T, p signer.UploadPolicy) string {
	t.Helper()
	if p.Expires == 0 {
		p.Expires = time.Now().Add(time.Hour).Unix()
	}
	if p.MaxBytes == 0 {
		p.MaxBytes = 1 << 20
	}
	tok, err := e.ring.UploadPolicy(p)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// send makes one request with a body and returns the status and the body.
func (e *uploadEnv) send(t *testing.T, method, path string, body []byte, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, e.base+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func decodeResult(t *testing.T, b []byte) upload.Result {
	t.Helper()
	var r upload.Result
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("answer is not a result: %v: %s", err, b)
	}
	return r
}

// stored reads what the store holds under key, nil when nothing.
func (e *uploadEnv) stored(t *testing.T, src, key string) []byte {
	t.Helper()
	b, _, err := source.ReadAll(context.Background(), e.stores[src], key, 64<<20)
	if errors.Is(err, source.ErrNotFound) || errors.Is(err, source.ErrInvalidKey) {
		return nil
	}
	if err != nil {
		t.Fatalf("reading %s/%s: %v", src, key, err)
	}
	return b
}

func gifBytes(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	m := image.NewPaletted(image.Rect(0, 0, 40, 30), color.Palette{color.Black, color.White})
	if err := gif.Encode(&b, m, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestUploadRefusals: every refusal of the write path, on every store, answers its status and
// stores nothing.
func TestUploadRefusals(t *testing.T) {
	e := startUploadEnv(t, nil)
	photo := testJPEG(t, 320, 240)
	type policyMod func(*signer.UploadPolicy)
	cases := []struct {
		name   string
		body   []byte
		mod    policyMod
		key    string // "" = the policy's prefix + name.jpg
		token  func(tok string) string
		status int
	}{
		{"wrong format", gifBytes(t), func(p *signer.UploadPolicy) { p.Formats = []string{"jpeg", "png"} }, "", nil, 415},
		{"not an image", []byte("<html>hello</html>"), nil, "", nil, 415},
		{"named jpg but png bytes", pngHeader(10, 10), func(p *signer.UploadPolicy) { p.Formats = []string{"jpeg"} }, "", nil, 415},
		{"over max bytes", photo, func(p *signer.UploadPolicy) { p.MaxBytes = int64(len(photo) - 1) }, "", nil, 413},
		{"over max pixels", photo, func(p *signer.UploadPolicy) { p.MaxPixels = 320*240 - 1 }, "", nil, 422},
		{"decompression bomb", pngHeader(65000, 65000), nil, "", nil, 422},
		{"truncated", photo[:len(photo)*2/3], nil, "", nil, 422},
		{"wrong sha256", photo, func(p *signer.UploadPolicy) { p.SHA256 = strings.Repeat("0", 64) }, "", nil, 422},
		{"expired policy", photo, func(p *signer.UploadPolicy) { p.Expires = time.Now().Add(-time.Hour).Unix() }, "", nil, 403},
		{"tampered policy", photo, nil, "", func(tok string) string {
			kid, rest, _ := strings.Cut(tok, ".")
			_, mac, _ := strings.Cut(rest, ".")
			forged, _ := json.Marshal(signer.UploadPolicy{Source: "x", MaxBytes: 1 << 30, Expires: time.Now().Add(time.Hour).Unix()})
			return kid + "." + b64url(forged) + "." + mac
		}, 403},
		{"no policy", photo, nil, "", func(string) string { return "" }, 403},
		{"key outside the prefix", photo, nil, "elsewhere/name.jpg", nil, 403},
		{"policy for another source", photo, func(p *signer.UploadPolicy) { p.Source = "local" }, "", nil, 403},
	}
	for _, src := range []string{"up", "s3", "fdfs"} {
		t.Run(src, func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					if src == "fdfs" && c.name == "key outside the prefix" {
						return // FastDFS names files: no client key to refuse
					}
					p := signer.UploadPolicy{Source: src, Prefix: "users/42/", MaxBytes: 1 << 20}
					if src == "fdfs" {
						p.Prefix = ""
					}
					if c.mod != nil {
						c.mod(&p)
					}
					tok := e.policy(t, p)
					if c.token != nil {
						tok = c.token(tok)
					}
					before := e.fake.Files()
					path := "/u/" + src
					key := c.key
					if src != "fdfs" {
						if key == "" {
							key = "users/42/" + strings.ReplaceAll(c.name, " ", "-") + ".jpg"
						}
						path = signer.UploadPath(src, key)
					}
					method := http.MethodPut
					if src == "fdfs" {
						method = http.MethodPost
					}
					r, b := e.send(t, method, path, c.body, map[string]string{"X-Upload-Policy": tok})
					if r.StatusCode != c.status {
						t.Fatalf("status %d, want %d: %s", r.StatusCode, c.status, b)
					}
					if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
						t.Errorf("Cache-Control %q on a refusal", cc)
					}
					if src == "fdfs" {
						if n := e.fake.Files(); n != before {
							t.Fatalf("FastDFS holds %d files after a refusal, %d before", n, before)
						}
					} else if got := e.stored(t, src, key); got != nil {
						t.Fatalf("a refused upload stored %d bytes under %q", len(got), key)
					}
				})
			}
		})
	}
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// TestUploadStoresAndAnswers: an accepted upload is stored byte-exact, described in the
// answer, readable through /i/ at the answer's URLs, and a retry with the same
// Idempotency-Key returns the first result without a second object, on every store.
func TestUploadStoresAndAnswers(t *testing.T) {
	e := startUploadEnv(t, nil)
	photo := testJPEG(t, 320, 240)
	want := sha256.Sum256(photo)
	for _, src := range []string{"up", "s3", "fdfs"} {
		t.Run(src, func(t *testing.T) {
			p := signer.UploadPolicy{Source: src, Prefix: "users/7/", Formats: []string{"jpeg"}}
			if src == "fdfs" {
				p.Prefix = ""
			}
			tok := e.policy(t, p)
			hdr := map[string]string{"X-Upload-Policy": tok, "Idempotency-Key": "order-" + src}
			before := e.fake.Files()
			r, b := e.send(t, http.MethodPost, "/u/"+src, photo, hdr)
			if r.StatusCode != 201 {
				t.Fatalf("status %d: %s", r.StatusCode, b)
			}
			res := decodeResult(t, b)
			if res.Source != src || res.Width != 320 || res.Height != 240 || res.Format != "jpeg" ||
				res.Bytes != len(photo) || res.SHA256 != hex.EncodeToString(want[:]) || res.Replayed {
				t.Fatalf("answer %+v", res)
			}
			if src != "fdfs" && !strings.HasPrefix(res.Key, "users/7/") {
				t.Errorf("key %q is not under the policy's prefix", res.Key)
			}
			if got := e.stored(t, src, res.Key); !bytes.Equal(got, photo) {
				t.Fatalf("the store holds %d bytes under %q, not the upload", len(got), res.Key)
			}
			thumb, ok := res.URLs["thumb"]
			if !ok || !strings.HasPrefix(thumb, "http://img.example.com/i/thumb/"+src+"/") {
				t.Fatalf("urls %v", res.URLs)
			}
			u, _ := url.Parse(thumb)
			r2, img := e.do(t, "GET", u.RequestURI(), nil)
			if r2.StatusCode != 200 {
				t.Fatalf("GET %s: %d %s", u.RequestURI(), r2.StatusCode, img)
			}
			if in, err := imgprobe.Probe(img); err != nil || in.Width != 200 {
				t.Fatalf("the thumb is %+v, %v", in, err)
			}

			// The retry (say the 201 was lost): the same answer, no second object.
			r, b = e.send(t, http.MethodPost, "/u/"+src, photo, hdr)
			if r.StatusCode != 201 || r.Header.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("retry: status %d, replayed %q: %s", r.StatusCode, r.Header.Get("Idempotent-Replayed"), b)
			}
			again := decodeResult(t, b)
			if again.Key != res.Key || again.SHA256 != res.SHA256 || !again.Replayed {
				t.Fatalf("retry answered %+v, first %+v", again, res)
			}
			if src == "fdfs" {
				if n := e.fake.Files(); n != before+1 {
					t.Fatalf("FastDFS holds %d new files after an upload and its retry", n-before)
				}
			}
			// The same Idempotency-Key with other bytes is a conflict, and stores nothing.
			other := testJPEG(t, 100, 80)
			r, b = e.send(t, http.MethodPost, "/u/"+src, other, hdr)
			if r.StatusCode != 409 {
				t.Fatalf("same key, other bytes: status %d: %s", r.StatusCode, b)
			}
			if src == "fdfs" {
				if n := e.fake.Files(); n != before+1 {
					t.Fatalf("a conflicting retry left %d new files", n-before)
				}
			}
		})
	}
}

func TestUploadMetrics(t *testing.T) {
	e := startUploadEnv(t, nil)
	photo := testJPEG(t, 64, 48)
	hdr := map[string]string{"X-Upload-Policy": e.policy(t, signer.UploadPolicy{Source: "up"}), "Idempotency-Key": "m"}
	for range 2 {
		if r, b := e.send(t, http.MethodPost, "/u/up", photo, hdr); r.StatusCode != 201 {
			t.Fatalf("%d %s", r.StatusCode, b)
		}
	}
	e.send(t, http.MethodPost, "/u/up", []byte("not an image"), hdr)
	resp, err := http.Get(e.internal + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`imgorigin_uploads_total{result="created",source="up"} 1`,
		`imgorigin_uploads_total{result="replayed",source="up"} 1`,
		`imgorigin_uploads_total{result="unsupported",source="up"} 1`,
		fmt.Sprintf(`imgorigin_upload_bytes_total{source="up"} %d`, len(photo)),
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestUploadConcurrentRetries: eight copies of one idempotent upload at once make one object
// and one answer.
func TestUploadConcurrentRetries(t *testing.T) {
	e := startUploadEnv(t, nil)
	photo := testJPEG(t, 200, 150)
	for _, src := range []string{"up", "fdfs"} {
		t.Run(src, func(t *testing.T) {
			tok := e.policy(t, signer.UploadPolicy{Source: src})
			before := e.fake.Files()
			var (
				wg   sync.WaitGroup
				mu   sync.Mutex
				keys = map[string]int{}
			)
			for range 8 {
				wg.Go(func() {
					req, _ := http.NewRequest(http.MethodPost, e.base+"/u/"+src, bytes.NewReader(photo))
					req.Header.Set("X-Upload-Policy", tok)
					req.Header.Set("Idempotency-Key", "twins-"+src)
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Error(err)
						return
					}
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 201 {
						t.Errorf("status %d: %s", resp.StatusCode, b)
						return
					}
					var r upload.Result
					_ = json.Unmarshal(b, &r)
					mu.Lock()
					keys[r.Key]++
					mu.Unlock()
				})
			}
			wg.Wait()
			if len(keys) != 1 {
				t.Fatalf("8 copies of one upload answered %d keys: %v", len(keys), keys)
			}
			if src == "fdfs" {
				if n := e.fake.Files(); n != before+1 {
					t.Fatalf("8 copies of one upload left %d files in FastDFS", n-before)
				}
			}
		})
	}
}

// TestUploadStoreFailures: a store that fails during the upload gets a retryable 5xx and
// nothing is visible afterwards.
func TestUploadStoreFailures(t *testing.T) {
	e := startUploadEnv(t, nil)
	photo := testJPEG(t, 160, 120)
	t.Run("fastdfs storage drops the connection", func(t *testing.T) {
		before := e.fake.Files()
		e.fake.SetStorageFault(fdfstest.Fault{Kind: fdfstest.FaultDrop, Cmd: fastdfs.CmdUploadFile})
		defer e.fake.ClearFaults()
		r, b := e.send(t, http.MethodPost, "/u/fdfs", photo, map[string]string{"X-Upload-Policy": e.policy(t, signer.UploadPolicy{Source: "fdfs"})})
		if r.StatusCode != 502 || r.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("status %d: %s", r.StatusCode, b)
		}
		if n := e.fake.Files(); n != before {
			t.Fatalf("%d files stored", n-before)
		}
	})
	t.Run("fastdfs storage is full", func(t *testing.T) {
		before := e.fake.Files()
		e.fake.SetStorageFault(fdfstest.Fault{Kind: fdfstest.FaultStatus, Status: 28, Cmd: fastdfs.CmdUploadFile})
		defer e.fake.ClearFaults()
		r, b := e.send(t, http.MethodPost, "/u/fdfs", photo, map[string]string{"X-Upload-Policy": e.policy(t, signer.UploadPolicy{Source: "fdfs"})})
		if r.StatusCode != 502 {
			t.Fatalf("status %d: %s", r.StatusCode, b)
		}
		if n := e.fake.Files(); n != before {
			t.Fatalf("%d files stored", n-before)
		}
	})
	t.Run("fastdfs answer corrupted", func(t *testing.T) {
		e.fake.SetStorageFault(fdfstest.Fault{Kind: fdfstest.FaultCorrupt, Cmd: fastdfs.CmdUploadFile})
		defer e.fake.ClearFaults()
		r, b := e.send(t, http.MethodPost, "/u/fdfs", photo, map[string]string{"X-Upload-Policy": e.policy(t, signer.UploadPolicy{Source: "fdfs"})})
		if r.StatusCode != 502 {
			t.Fatalf("status %d: %s", r.StatusCode, b)
		}
	})
	t.Run("journal unwritable after the upload", func(t *testing.T) {
		// The record cannot be written (a file stands where its directory goes): the
		// uploaded file is deleted again and the client told to retry.
		before := e.fake.Files()
		if err := os.Mkdir(filepath.Join(e.journalRoot, ".upload-journal"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := writeFile(e.journalRoot, ".upload-journal/fdfs", []byte("a file where the journal's directory goes")); err != nil {
			t.Fatal(err)
		}
		r, b := e.send(t, http.MethodPost, "/u/fdfs", photo, map[string]string{"X-Upload-Policy": e.policy(t, signer.UploadPolicy{Source: "fdfs"}), "Idempotency-Key": "blocked"})
		if r.StatusCode/100 != 5 {
			t.Fatalf("status %d: %s", r.StatusCode, b)
		}
		if n := e.fake.Files(); n != before {
			t.Fatalf("%d unrecorded files left in FastDFS", n-before)
		}
	})
	t.Run("s3 down", func(t *testing.T) {
		e.minio.Stop()
		r, b := e.send(t, http.MethodPut, "/u/s3/users/1/a.jpg", photo, map[string]string{"X-Upload-Policy": e.policy(t, signer.UploadPolicy{Source: "s3", Key: "users/1/a.jpg"})})
		if r.StatusCode != 502 {
			t.Fatalf("status %d: %s", r.StatusCode, b)
		}
	})
}

// TestUploadForm: a browser's multipart form (policy, key, file last), with CORS for the
// configured page origin; a form with the file before the policy is refused unread.
func TestUploadForm(t *testing.T) {
	e := startUploadEnv(t, nil)
	photo := testJPEG(t, 120, 90)
	form := func(fields [][2]string) (*bytes.Buffer, string) {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		for _, f := range fields {
			if f[0] == "file" {
				w, _ := mw.CreateFormFile("file", "holiday.png") // the name and type lie: sniffed anyway
				w.Write(photo)
				continue
			}
			mw.WriteField(f[0], f[1])
		}
		mw.Close()
		return &b, mw.FormDataContentType()
	}
	tok := e.policy(t, signer.UploadPolicy{Source: "s3", Prefix: "forms/"})
	body, ct := form([][2]string{{"policy", tok}, {"key", "forms/a.jpg"}, {"file", ""}})
	r, b := e.send(t, http.MethodPost, "/u/s3", body.Bytes(), map[string]string{"Content-Type": ct, "Origin": "https://app.example.com"})
	if r.StatusCode != 201 {
		t.Fatalf("status %d: %s", r.StatusCode, b)
	}
	if res := decodeResult(t, b); res.Key != "forms/a.jpg" || res.Format != "jpeg" {
		t.Fatalf("answer %+v", res)
	}
	if got := r.Header.Get("Access-Control-Allow-Origin"); got != "https://app.example.com" {
		t.Fatalf("Access-Control-Allow-Origin %q", got)
	}
	body, ct = form([][2]string{{"policy", tok}, {"policy", tok}, {"policy", tok}, {"policy", tok}, {"file", ""}})
	if r, b := e.send(t, http.MethodPost, "/u/s3", body.Bytes(), map[string]string{"Content-Type": ct}); r.StatusCode != 400 {
		t.Fatalf("a form of five fields: status %d: %s", r.StatusCode, b)
	}
	body, ct = form([][2]string{{"file", ""}, {"policy", tok}})
	if r, b := e.send(t, http.MethodPost, "/u/s3", body.Bytes(), map[string]string{"Content-Type": ct}); r.StatusCode != 400 {
		t.Fatalf("file before policy: status %d: %s", r.StatusCode, b)
	}

	pre := func(origin string) *http.Response {
		r, _ := e.send(t, http.MethodOptions, "/u/s3", nil, map[string]string{"Origin": origin, "Access-Control-Request-Method": "POST"})
		return r
	}
	if r := pre("https://app.example.com"); r.StatusCode != 204 || !strings.Contains(r.Header.Get("Access-Control-Allow-Headers"), "X-Upload-Policy") {
		t.Fatalf("preflight: %d %v", r.StatusCode, r.Header)
	}
	if r := pre("https://evil.example.com"); r.StatusCode != 403 || r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("preflight from another origin: %d %v", r.StatusCode, r.Header)
	}
}

// TestUploadDelete: a signed delete removes the object and purges its surrogate key at the
// edge; a forged or missing token is 403 and removes nothing.
func TestUploadDelete(t *testing.T) {
	e := startUploadEnv(t, nil)
	photo := testJPEG(t, 120, 90)
	for _, src := range []string{"up", "s3", "fdfs"} {
		t.Run(src, func(t *testing.T) {
			p := signer.UploadPolicy{Source: src}
			r, b := e.send(t, http.MethodPost, "/u/"+src, photo, map[string]string{"X-Upload-Policy": e.policy(t, p)})
			if r.StatusCode != 201 {
				t.Fatalf("upload: %d %s", r.StatusCode, b)
			}
			res := decodeResult(t, b)
			path := signer.UploadPath(src, res.Key)
			exp := time.Now().Add(time.Minute).Unix()
			good, err := e.ring.DeleteToken(src, res.Key, exp)
			if err != nil {
				t.Fatal(err)
			}
			get, _ := e.ring.Token("GET", path, exp)
			for _, bad := range []string{"", get, strings.Replace(good, ".", ".1", 1)} {
				if r, b := e.send(t, http.MethodDelete, path+"?token="+bad, nil, nil); r.StatusCode != 403 {
					t.Fatalf("delete with token %q: %d %s", bad, r.StatusCode, b)
				}
			}
			if e.stored(t, src, res.Key) == nil {
				t.Fatal("a refused delete removed the object")
			}
			r, b = e.send(t, http.MethodDelete, path+"?token="+good, nil, nil)
			if r.StatusCode != 200 {
				t.Fatalf("delete: %d %s", r.StatusCode, b)
			}
			var d upload.Deleted
			if err := json.Unmarshal(b, &d); err != nil || !d.Existed {
				t.Fatalf("delete answered %s", b)
			}
			if e.stored(t, src, res.Key) != nil {
				t.Fatal("the object is still stored")
			}
			tag := src + "/" + strings.TrimPrefix(path, "/u/"+src+"/")
			e.purgeMu.Lock()
			purged := strings.Join(e.purged, "\n")
			e.purgeMu.Unlock()
			if !strings.Contains(purged, "POST "+tag) {
				t.Fatalf("purge calls %q lack %q", purged, tag)
			}
			// A retried delete purges again and says the object was gone.
			r, b = e.send(t, http.MethodDelete, path+"?token="+good, nil, nil)
			if r.StatusCode != 200 || !strings.Contains(string(b), `"existed":false`) {
				t.Fatalf("second delete: %d %s", r.StatusCode, b)
			}
		})
	}
}

// TestUploadNormalize: with upload.normalize the stored original is upright, without EXIF,
// and no larger than upload.max_side.
func TestUploadNormalize(t *testing.T) {
	e := startUploadEnv(t, func(c *config.Config) {
		c.Upload.Normalize = true
		c.Upload.MaxSide = 400
	})
	stored := image.NewRGBA(image.Rect(0, 0, 600, 800)) // stored portrait, orientation 6: upright 800×600
	for y := 0; y < 800; y++ {
		for x := 0; x < 600; x++ {
			stored.Set(x, y, color.RGBA{uint8(x), uint8(y), 90, 255})
		}
	}
	jpg := synth.JPEG(stored, 90, 6)
	r, b := e.send(t, http.MethodPost, "/u/up", jpg, map[string]string{"X-Upload-Policy": e.policy(t, signer.UploadPolicy{Source: "up"})})
	if r.StatusCode != 201 {
		t.Fatalf("status %d: %s", r.StatusCode, b)
	}
	res := decodeResult(t, b)
	if res.Width != 400 || res.Height != 300 {
		t.Fatalf("answer %dx%d, want 400x300 (upright, shrunk to max_side)", res.Width, res.Height)
	}
	got := e.stored(t, "up", res.Key)
	in, err := imgprobe.Probe(got)
	if err != nil || in.Width != 400 || in.Height != 300 || in.Orientation != 1 {
		t.Fatalf("stored %+v, %v", in, err)
	}
	if bytes.Contains(got, []byte("Exif\x00\x00")) {
		t.Fatal("the stored original still carries EXIF")
	}
	if s := sha256.Sum256(got); hex.EncodeToString(s[:]) != res.SHA256 || len(got) != res.Bytes {
		t.Fatal("the answer's sha256 and bytes are not the stored original's")
	}
}

// TestUploadNeedsKeys: a node without signing keys serves no uploads.
func TestUploadNeedsKeys(t *testing.T) {
	n := startNode(t, nil)
	r, b := n.do(t, http.MethodPut, "/u/local/a.jpg", map[string]string{"X-Upload-Policy": "k1.e30.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})
	if r.StatusCode != 403 {
		t.Fatalf("status %d: %s", r.StatusCode, b)
	}
}
