// Command fdfsfake runs an in-memory FastDFS cluster stand-in for tests and the local stack:
// trackers and one storage speaking the real wire protocol (package origin/source/fastdfs/fdfsfake) on 127.0.0.1,
// optionally the storage's HTTP interface. It is not a storage system: files live in memory
// and are lost on exit.
//
// With -seed DIR it uploads every regular file under DIR through the real protocol at start
// and prints (or writes to -out) a JSON object mapping each file's slash-separated path under
// DIR to its FastDFS file ID, so scripts can build image URLs:
//
//	{"note":"...","trackers":["127.0.0.1:22122"],"storage":"127.0.0.1:23000","http":"",
//	 "files":{"photos/cat.jpg":"group1/M00/00/00/fwAAAWsC...123.jpg"}}
//
// It runs until interrupted.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"path"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/imgorigin/imgorigin/origin/source/fastdfs"
	"github.com/imgorigin/imgorigin/origin/source/fastdfs/fdfsfake"
)

const note = "fdfsfake: in-memory FastDFS test stand-in, not a storage system"

type manifest struct {
	Note     string            `json:"note"`
	Group    string            `json:"group"`
	Trackers []string          `json:"trackers"`
	Storage  string            `json:"storage"`
	HTTP     string            `json:"http,omitempty"`
	Files    map[string]string `json:"files"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "fdfsfake:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		trackers = flag.String("trackers", "127.0.0.1:0", "comma-separated tracker listen addresses (loopback only; port 0 = random)")
		storage  = flag.String("storage", "127.0.0.1:0", "storage listen address (loopback only)")
		httpAddr = flag.String("http", "", "also serve GET /<file id> like fastdfs-nginx-module on this address (loopback only)")
		group    = flag.String("group", "group1", "group name")
		ipWidth  = flag.Int("ip-width", 15, "IP field width in tracker replies: 15 (≤V6.10, V6.15 IPv4) or 45 (V6.11–V6.13)")
		seed     = flag.String("seed", "", "directory whose files are uploaded at start")
		out      = flag.String("out", "", "write the JSON manifest to this file instead of stdout")
	)
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "%s\n\nusage: fdfsfake [flags]\n", note)
		flag.PrintDefaults()
	}
	flag.Parse()

	srv, err := fdfsfake.New(fdfsfake.Options{
		Group:         *group,
		IPWidth:       *ipWidth,
		TrackerListen: strings.Split(*trackers, ","),
		StorageListen: *storage,
		HTTP:          *httpAddr != "",
		HTTPListen:    *httpAddr,
	})
	if err != nil {
		return err
	}
	defer srv.Close()

	m := manifest{Note: note, Group: srv.Group(), Trackers: srv.TrackerAddrs(), Storage: srv.StorageAddr(), HTTP: srv.HTTPAddr(), Files: map[string]string{}}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *seed != "" {
		if err := upload(ctx, m.Trackers, *seed, m.Files); err != nil {
			return err
		}
	}
	if err := writeManifest(m, *out); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%s: trackers %s, storage %s, %d files; stop with Ctrl-C\n", note, strings.Join(m.Trackers, ","), m.Storage, len(m.Files))
	<-ctx.Done()
	return nil
}

// upload stores every regular file under dir through the client (the real protocol).
func upload(ctx context.Context, trackers []string, dir string, files map[string]string) error {
	cfg := fastdfs.DefaultConfig()
	cfg.Trackers = trackers
	cfg.MaxObjectSize = 256 << 20
	cl, err := fastdfs.New(cfg)
	if err != nil {
		return err
	}
	defer cl.Close()
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		ext := strings.TrimPrefix(path.Ext(d.Name()), ".")
		if len(ext) > 6 {
			ext = ext[:6]
		}
		id, err := cl.Upload(ctx, "", ext, data)
		if err != nil {
			return fmt.Errorf("upload %s: %w", p, err)
		}
		files[filepath.ToSlash(rel)] = id
		return nil
	})
}

func writeManifest(m manifest, out string) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if out == "" {
		_, err = os.Stdout.Write(b)
		return err
	}
	tmp := out + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, out)
}
