package stack

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/imgorigin/imgorigin/cdn/edge"
	"github.com/imgorigin/imgorigin/origin/config"
	"github.com/imgorigin/imgorigin/origin/source/s3"
	"github.com/imgorigin/imgorigin/origin/watermark"
	"github.com/imgorigin/imgorigin/signer"
)

// Run is the local stack of `make run`: what it adds to the test shape. Its directory
// (Options.Dir, the repository's .run) keeps keys and secrets across runs.
type Run struct {
	// Ports are the fixed ports (DefaultPorts for `make run`); the zero value means free ones
	// picked at the start, for Options.Nodes origins (a test's local stack).
	Ports Ports

	minioSecret string
}

// Ports are the fixed ports of the local stack, all on 127.0.0.1.
type Ports struct {
	Edge, Purge, Front, Legacy, MinIO, MinIOConsole, Tracker, Storage int
	Origins, Internals                                                []int // per node
}

// DefaultPorts are the ports README.md documents.
func DefaultPorts() Ports {
	return Ports{Edge: 8000, Purge: 8001, Front: 8080, Legacy: 8090, MinIO: 9000, MinIOConsole: 9001, Tracker: 22122, Storage: 23000,
		Origins: []int{8101, 8102, 8103}, Internals: []int{9101, 9102, 9103}}
}

// Named lists every port with the name of what listens there (for the busy-port check).
func (p Ports) Named() map[string]int {
	m := map[string]int{"edge": p.Edge, "edge-purge": p.Purge, "front-nginx": p.Front, "legacy-site": p.Legacy, "minio": p.MinIO,
		"minio-console": p.MinIOConsole, "fastdfs-tracker": p.Tracker, "fastdfs-storage": p.Storage}
	for i := range p.Origins {
		m[fmt.Sprintf("origin-%d", i+1)] = p.Origins[i]
		m[fmt.Sprintf("origin-%d-internal", i+1)] = p.Internals[i]
	}
	return m
}

func (p Ports) addr(port int) string { return fmt.Sprintf("127.0.0.1:%d", port) }

func (p Ports) origin(i int) int {
	if i < len(p.Origins) {
		return p.Origins[i]
	}
	return 0
}

func (p Ports) internal(i int) int {
	if i < len(p.Internals) {
		return p.Internals[i]
	}
	return 0
}

func (r *Run) defaults(opts *Options) error {
	if r.Ports.Front == 0 {
		p, err := freePorts(opts.Nodes)
		if err != nil {
			return err
		}
		r.Ports = p
	}
	opts.Nodes = len(r.Ports.Origins)
	opts.MinIO, opts.FastDFS, opts.Legacy, opts.Edge = true, true, true, true
	// The disk tier: each origin's own directory (<dir>/disk/origin-N, Node.DiskDir) comes from
	// the environment at its start and survives restarts of the stack.
	opts.Disk = true
	return nil
}

// freePorts picks free ports for a local stack of n origins.
func freePorts(n int) (Ports, error) {
	var p Ports
	ports := []*int{&p.Edge, &p.Purge, &p.Front, &p.Legacy, &p.MinIO, &p.MinIOConsole, &p.Tracker, &p.Storage}
	p.Origins, p.Internals = make([]int, n), make([]int, n)
	for i := range n {
		ports = append(ports, &p.Origins[i], &p.Internals[i])
	}
	seen := map[int]bool{}
	for _, q := range ports {
		for *q == 0 || seen[*q] { // a port freed a moment ago may be handed out again
			a, err := freeAddr()
			if err != nil {
				return p, err
			}
			_, port, _ := strings.Cut(a, ":")
			if *q, err = strconv.Atoi(port); err != nil {
				return p, err
			}
		}
		seen[*q] = true
	}
	return p, nil
}

func (r *Run) samplesDir(dir string) string { return filepath.Join(dir, "samples") }

var edgeKeyRE = regexp.MustCompile(`^[A-Za-z0-9]{6,40}$`)

// loadSecrets reads the keys and secrets an earlier run made; s.Keys stays nil when there are
// none. The edge key must be letters and digits, as the CDN consoles take it.
func (r *Run) loadSecrets(s *Stack, keyFile string) error {
	read := func(name string) string {
		b, _ := os.ReadFile(filepath.Join(s.Dir, name))
		return strings.TrimSpace(string(b))
	}
	if k := read("edge-key"); edgeKeyRE.MatchString(k) {
		s.EdgeKey = k
	}
	keys, err := signer.LoadKeyFile(keyFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	s.OriginSecret, r.minioSecret = read("origin-secret"), read("minio-secret")
	s.PeerSecret, s.PurgeToken = read("cluster-secret"), read("purge-token")
	if s.OriginSecret == "" || r.minioSecret == "" || len(s.PeerSecret) < 32 || len(s.PurgeToken) < 16 {
		return nil // made again, with new keys
	}
	s.Keys, err = signer.NewRing(keys...)
	if err != nil {
		return err
	}
	if s.EdgeKey == "" {
		s.EdgeKey = randomHex(12)
		return os.WriteFile(filepath.Join(s.Dir, "edge-key"), []byte(s.EdgeKey+"\n"), 0o600)
	}
	return nil
}

func (r *Run) saveSecrets(s *Stack) error {
	r.minioSecret = randomHex(16)
	for name, v := range map[string]string{"origin-secret": s.OriginSecret, "minio-secret": r.minioSecret, "edge-key": s.EdgeKey,
		"cluster-secret": s.PeerSecret, "purge-token": s.PurgeToken} {
		if err := os.WriteFile(filepath.Join(s.Dir, name), []byte(v+"\n"), 0o600); err != nil {
			return err
		}
	}
	return nil
}

// samples writes the sample originals (bin/mksamples) once; they are source "local"'s root.
func (s *Stack) samples(opts Options) error {
	dir := opts.Run.samplesDir(s.Dir)
	s.LocalDir = dir
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	opts.Logf("stack: generating sample images")
	out, err := exec.Command(filepath.Join(s.bin, "mksamples"), "-out", dir).CombinedOutput()
	if err != nil {
		_ = os.RemoveAll(dir)
		return fmt.Errorf("stack: mksamples: %w\n%s", err, out)
	}
	return nil
}

// seedS3 stores every file under dir in the bucket, keyed by its slash-separated path.
func (s *Stack) seedS3(ctx context.Context, dir string) error {
	b, err := s3.New(ctx, s.S3.Config())
	if err != nil {
		return err
	}
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		key := filepath.ToSlash(rel)
		if err := b.Put(ctx, key, data, mime.TypeByExtension(path.Ext(key))); err != nil {
			return fmt.Errorf("stack: seeding MinIO with %s: %w", key, err)
		}
		return nil
	})
}

// originConfig adds the write path: POST/PUT /u/{source} with a signed policy (imgsign
// policy), DELETE with a signed URL (imgsign delete); answers carry preset URLs signed for the
// front nginx.
func (r *Run) originConfig(s *Stack, cfg *config.Config) {
	cfg.Sources["journal"] = sourceOf("local", func(c *config.SourceConfig) { c.Local.Root = filepath.Join(s.Dir, "upload-journal") })
	cfg.Upload.URLBase = s.FrontURL
	cfg.Upload.PurgeURLs = []string{s.PurgeURL + "/purge"}
	cfg.Upload.Journal = "journal"
	cfg.Upload.Normalize = true
	cfg.Upload.MaxSide = 4096
	cfg.Front.UploadRateLimit, cfg.Front.UploadRateBurst = 200, 400 // one machine's load runs come from one address
	cfg.Cluster.Cache.Disk.Bytes, cfg.Cluster.Cache.Disk.SegmentBytes = 1<<30, 16<<20
	// Named watermarks for the demo page's wm_logo and tm_sample: the logo is read through the
	// originals cache like any original; the text is CJK (fonts-noto-cjk).
	cfg.Render.Watermarks.Images["logo"] = watermark.ImageConfig{Source: "local", Key: "alpha.png", Gravity: "se", X: 12, Y: 12, Opacity: 80, Size: 0.25}
	cfg.Render.Watermarks.Texts["sample"] = watermark.TextConfig{Text: "样品 見本 견본 sample", Gravity: "sw", X: 10, Y: 10, Size: 0.07, Shadow: true}
	_ = os.MkdirAll(filepath.Join(s.Dir, "upload-journal"), 0o755)
}

// migrate copies the old image tree into the legacy site's root (bin/migrate: copy + verify).
func (r *Run) migrate(s *Stack) error {
	old := filepath.Join(s.Dir, "legacy-old")
	if _, err := os.Stat(old); err != nil {
		for src, dst := range map[string]string{"photo.jpg": "attachment/forum/201906/18/153012abcd.jpg", "alpha.png": "uploads/2015/07/logo.png"} {
			b, err := os.ReadFile(filepath.Join(s.LocalDir, src))
			if err != nil {
				return err
			}
			p := filepath.Join(old, filepath.FromSlash(dst))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(p, b, 0o644); err != nil {
				return err
			}
		}
	}
	s.logf("stack: migrating the old image tree into the legacy site (copy + verify)")
	logPath := filepath.Join(s.Dir, "logs", "migrate.log")
	cmd := exec.Command(filepath.Join(s.bin, "migrate"), "-src", old, "-dst", s.LegacyDir)
	out, err := cmd.CombinedOutput()
	_ = os.WriteFile(logPath, out, 0o644)
	if err != nil {
		return fmt.Errorf("stack: migration reported problems (%v); see %s", err, logPath)
	}
	return nil
}

// edgeConfig serves the demo page under /demo/, then applies edit.
func (r *Run) edgeConfig(s *Stack, edit func(*edge.Config)) func(*edge.Config) {
	return func(ec *edge.Config) {
		ec.DemoRoot = filepath.Join(s.Dir, "demo")
		if edit != nil {
			edit(ec)
		}
	}
}

// finish writes the demo page and the URL lists.
func (r *Run) finish(s *Stack) error {
	s.logf("stack: writing the demo page (demo/index.html)")
	now := time.Now()
	if err := s.writeDemo(now); err != nil {
		return err
	}
	return s.writeURLs(r, now)
}
