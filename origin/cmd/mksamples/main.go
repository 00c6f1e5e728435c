// Command mksamples writes the origin's sample images procedurally (nothing is downloaded, the
// output is the same on every run):
//
//	go run ./origin/cmd/mksamples -out samples
//
// It writes photo-orient6.jpg (stored rotated, EXIF orientation 6: shown upright the white arrow
// and the word "UP" point up), photo.jpg, alpha.png (transparency), animated.gif (12 frames),
// large.jpg (4000×3000, photo-like), and through libvips photo.webp, alpha.webp,
// animated.webp and photo.avif.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/imgorigin/imgorigin/origin/imaging"
	"github.com/imgorigin/imgorigin/origin/imaging/synth"
	"github.com/imgorigin/imgorigin/origin/imgprobe"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "mksamples:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("mksamples", flag.ContinueOnError)
	out := fs.String("out", "", "directory to write the samples to (created if missing)")
	large := fs.Bool("large", true, "also write large.jpg (4000×3000)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("-out is required")
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	photo := synth.Photo(1200, 900, 1)
	files := []struct {
		name string
		data func() ([]byte, error)
	}{
		{"photo-orient6.jpg", func() ([]byte, error) {
			return synth.JPEG(synth.Stored(photo, 6), 88, 6), nil
		}},
		{"photo.jpg", func() ([]byte, error) { return synth.JPEG(photo, 88, 0), nil }},
		{"alpha.png", func() ([]byte, error) { return synth.PNG(synth.Translucent(600, 400)), nil }},
		{"animated.gif", func() ([]byte, error) { return synth.AnimatedGIF(320, 240, 12), nil }},
	}
	if *large {
		files = append(files, struct {
			name string
			data func() ([]byte, error)
		}{"large.jpg", func() ([]byte, error) {
			return synth.JPEG(synth.Photo(4000, 3000, 2), 85, 0), nil
		}})
	}
	written := map[string][]byte{}
	for _, f := range files {
		b, err := f.data()
		if err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
		if err := write(stdout, *out, f.name, b); err != nil {
			return err
		}
		written[f.name] = b
	}
	// Formats Go cannot encode come from libvips, converted from the samples above.
	cfg := imaging.DefaultConfig()
	cfg.LogLevel = "error"
	eng, err := imaging.New(cfg)
	if err != nil {
		return err
	}
	for _, c := range []struct{ name, from string }{
		{"photo.webp", "photo.jpg"}, {"alpha.webp", "alpha.png"}, {"animated.webp", "animated.gif"}, {"photo.avif", "photo.jpg"},
	} {
		src := written[c.from]
		in, err := imgprobe.Probe(src)
		if err != nil {
			return fmt.Errorf("%s: %w", c.from, err)
		}
		f := imgurl.Format(filepath.Ext(c.name)[1:])
		res, err := eng.Process(context.Background(), src, in, imgurl.Options{Format: f})
		if err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		if err := write(stdout, *out, c.name, res.Data); err != nil {
			return err
		}
	}
	return nil
}

func write(stdout io.Writer, dir, name string, b []byte) error {
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		return err
	}
	_, err := fmt.Fprintf(stdout, "%s\t%d bytes\n", p, len(b))
	return err
}
