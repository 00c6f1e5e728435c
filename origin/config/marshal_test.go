package config

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestMarshalRoundTrip: what Marshal writes, Load reads back into the same Config.
func TestMarshalRoundTrip(t *testing.T) {
	example, err := os.ReadFile("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	fromExample, err := load(t, string(example), []string{peerSecret})
	if err != nil {
		t.Fatal(err)
	}
	edited, err := load(t, "auth: {mode: \"off\"}\n", nil) // Load leaves the derived keys (mapstructure:"-") unset
	if err != nil {
		t.Fatal(err)
	}
	edited.Node.Name = "origin-1"
	edited.Admission.MaxWait = 1500 * time.Millisecond
	edited.Cluster.Self = "127.0.0.1:8101"
	edited.Cluster.Pool = fromExample.Cluster.Pool
	edited.Cluster.Cache.PeerSecret = fromExample.Cluster.Cache.PeerSecret
	edited.Cluster.Self = fromExample.Cluster.Pool[0].Name
	edited.Front.Legacy = []string{}
	edited.Sources = map[string]SourceConfig{"local": newSourceConfig(), "fdfs": newSourceConfig()}
	l, f := edited.Sources["local"], edited.Sources["fdfs"]
	l.Type, l.Local.Root = "local", "/srv/images"
	f.Type, f.FastDFS.Trackers = "fastdfs", []string{"127.0.0.1:22122"}
	edited.Sources["local"], edited.Sources["fdfs"] = l, f

	for name, c := range map[string]Config{"example.yaml": fromExample, "edited defaults": edited} {
		t.Run(name, func(t *testing.T) {
			b, err := Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			got, err := load(t, string(b), nil)
			if err != nil {
				t.Fatalf("Load(Marshal(c)): %v\n%s", err, b)
			}
			g, w := reflect.ValueOf(normalize(got)), reflect.ValueOf(normalize(c))
			for i := range g.NumField() {
				if gf, wf := g.Field(i).Interface(), w.Field(i).Interface(); !reflect.DeepEqual(gf, wf) {
					t.Errorf("Load(Marshal(c)).%s = %#v, want %#v\n%s", g.Type().Field(i).Name, gf, wf, b)
				}
			}
		})
	}
}

// TestMarshalWritesOnlyChanges: the defaults write nothing but the sources.
func TestMarshalWritesOnlyChanges(t *testing.T) {
	c := Default()
	c.Admission.MaxWait = 20 * time.Second
	b, err := Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(b)); got != "admission:\n    max_wait: 20s" {
		t.Errorf("Marshal = %q", got)
	}
}

// normalize makes empty and nil slices equal (Load reads both the same way).
func normalize(c Config) Config {
	if len(c.Front.Legacy) == 0 {
		c.Front.Legacy = nil
	}
	return c
}
