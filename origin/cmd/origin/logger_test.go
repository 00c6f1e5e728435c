package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/imgorigin/imgorigin/origin/config"
	"github.com/imgorigin/imgorigin/origin/imaging"
	"github.com/imgorigin/imgorigin/origin/imaging/synth"
	"github.com/imgorigin/imgorigin/origin/imgprobe"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// TestLibvipsWarningsInJSONLog: a warning libvips raises while decoding a damaged JPEG reaches
// the node's JSON log, with the node's name, through the default logger the composition root
// installs.
func TestLibvipsWarningsInJSONLog(t *testing.T) {
	prev := slog.Default()
	t.Cleanup(func() { slog.SetDefault(prev) })
	cfg := config.Default()
	cfg.Node.Name = "node-7"
	var buf bytes.Buffer
	newLogger(cfg, &lockedWriter{w: &buf})

	e, err := imaging.New(cfg.Imaging)
	if err != nil {
		t.Fatal(err)
	}
	// A JPEG whose entropy-coded data stops halfway, followed by its EOI (so the probe does
	// not refuse it as truncated):
	// libjpeg warns ("Corrupt JPEG data: premature end of data segment") and libvips renders
	// what it has.
	jpg := synth.JPEG(synth.Photo(256, 192, 3), 85, 0)
	bad := append(append([]byte{}, jpg[:len(jpg)/2]...), 0xFF, 0xD9)
	in, err := imgprobe.Probe(bad)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Process(context.Background(), bad, in, imgurl.Options{Width: 64, Format: imgurl.PNG})
	if err != nil {
		t.Fatalf("Process: %v (libvips renders a damaged JPEG, with a warning)", err)
	}

	var found bool
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		if rec["component"] == "libvips" {
			found = true
			if rec["node"] != "node-7" || rec["level"] != "WARN" {
				t.Errorf("libvips line %q: want node node-7, level WARN", line)
			}
		}
	}
	if !found {
		t.Fatalf("no libvips line in the log:\n%s", buf.String())
	}
}
