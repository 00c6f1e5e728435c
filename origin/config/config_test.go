package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func load(t *testing.T, yaml string, env []string, args ...string) (Config, error) {
	t.Helper()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	Flags(fs)
	if yaml != "" {
		p := filepath.Join(t.TempDir(), "c.yaml")
		if err := os.WriteFile(p, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append([]string{"-c", p}, args...)
	}
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return Load(fs, env)
}

func TestExampleConfigLoads(t *testing.T) {
	b, err := os.ReadFile("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := load(t, string(b), nil); err == nil || !strings.Contains(err.Error(), "cluster.cache.peer_secret.current") {
		t.Fatalf("example.yaml's pool without a cluster secret: %v", err)
	}
	c, err := load(t, string(b), []string{peerSecret})
	if err != nil {
		t.Fatalf("example.yaml: %v", err)
	}
	if c.Cluster.Cache.PeerSecret.Current == "" {
		t.Error("the cluster secret from the environment was not read")
	}
	if len(c.Sources) != 4 || c.Sources["oss"].S3.Region != "oss-cn-hangzhou" || c.Sources["fdfs"].FastDFS.Trackers[1] != "10.0.0.12:22122" {
		t.Errorf("sources not as written: %+v", c.Sources)
	}
	if c.Render.Presets["avatar"] != "w_96,h_96,g_smart,f_webp" || c.Render.Presets["thumb"] != "w_200,h_200,f_jpeg" {
		t.Errorf("presets are not the file's: %v", c.Render.Presets)
	}
	if len(c.Cluster.Pool) != 3 || c.Cluster.Pool[2].Internal != "127.0.0.1:9103" {
		t.Errorf("pool: %+v", c.Cluster.Pool)
	}
	if wm := c.Render.Watermarks; wm.Images["logo"].Key != "marks/logo.png" || wm.Images["logo"].Opacity != 70 ||
		!wm.Texts["sample"].Shadow || wm.Texts["sample"].Text != "样品 sample 見本 견본" || wm.Texts["sample"].Size != 0.05 {
		t.Errorf("watermarks not as written: %+v", wm)
	}
}

// peerSecret is the cluster secret of the example's pool, from the environment as documented.
const peerSecret = "IMGORIGIN_CLUSTER_CACHE_PEER_SECRET_CURRENT=example-cluster-secret-0123456789abcdef"

// unsigned is the environment of a node that serves unsigned URLs, written explicitly.
var unsigned = []string{"IMGORIGIN_AUTH_MODE=off"}

// TestDefaultsWithoutFile: with nothing configured the origin refuses to start (fail closed,
// issue 14); with auth.mode off written explicitly the defaults load.
func TestDefaultsWithoutFile(t *testing.T) {
	if _, err := load(t, "", nil); err == nil || !strings.Contains(err.Error(), "auth: mode:") {
		t.Fatalf("no key and no auth.mode: Load = %v, want a refusal naming auth.mode", err)
	}
	c, err := load(t, "", unsigned)
	if err != nil {
		t.Fatal(err)
	}
	if c.Server.Listen != "127.0.0.1:8080" || c.Sources["local"].Local.Root != "samples" || c.Sources["local"].Type != "local" {
		t.Errorf("defaults: listen %q, sources %+v", c.Server.Listen, c.Sources)
	}
}

func TestSourceSectionsStartFromDefaults(t *testing.T) {
	c, err := load(t, "sources:\n  oss:\n    type: s3\n    s3: {bucket: b}\n", unsigned)
	if err != nil {
		t.Fatal(err)
	}
	s := c.Sources["oss"].S3
	if s.Bucket != "b" || s.Region == "" || s.Timeout == 0 || s.MaxObjectSize == 0 {
		t.Errorf("s3 defaults not applied under a named source: %+v", s)
	}
}

func TestOverrideOrder(t *testing.T) {
	yaml := "server: {listen: 127.0.0.1:7000, read_header_timeout: 2s}\n"
	env := []string{"IMGORIGIN_SERVER_READ_HEADER_TIMEOUT=7s", "IMGORIGIN_SERVER_LISTEN=127.0.0.1:7001", "UNRELATED=1", unsigned[0]}
	c, err := load(t, yaml, env)
	if err != nil {
		t.Fatal(err)
	}
	if c.Server.Listen != "127.0.0.1:7001" || c.Server.ReadHeaderTimeout != 7*time.Second {
		t.Errorf("environment does not override the file: %q %v", c.Server.Listen, c.Server.ReadHeaderTimeout)
	}
	c, err = load(t, yaml, env, "--listen", "127.0.0.1:7002")
	if err != nil {
		t.Fatal(err)
	}
	if c.Server.Listen != "127.0.0.1:7002" {
		t.Errorf("flag does not override the environment: %q", c.Server.Listen)
	}
	c, err = load(t, "", []string{"IMGORIGIN_RENDER_LIMITS_MAX_WIDTH=2000", unsigned[0]})
	if err != nil || c.Render.Limits.MaxWidth != 2000 {
		t.Errorf("a key absent from the file is not overridable from the environment: %v %d", err, c.Render.Limits.MaxWidth)
	}
}

func TestEnvironmentOverridesASourceKey(t *testing.T) {
	b, err := os.ReadFile("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ { // map order varies between runs: the result must not
		c, err := load(t, string(b), []string{"IMGORIGIN_SOURCES_LOCAL_LOCAL_ROOT=/tmp/x", "IMGORIGIN_SOURCES_OSS_S3_SECRET_KEY=s3cr3t", "IMGORIGIN_SOURCES_OSS_S3_ACCESS_KEY=ak", peerSecret})
		if err != nil {
			t.Fatal(err)
		}
		if c.Sources["local"].Local.Root != "/tmp/x" || c.Sources["oss"].S3.SecretKey != "s3cr3t" || c.Sources["fdfs"].Type != "fastdfs" || len(c.Sources) != 4 {
			t.Fatalf("sources after environment overrides: %+v", c.Sources)
		}
	}
}

func TestErrorsNameTheKey(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"unknown key", "server: {listen: 127.0.0.1:1, lisen: x}\n", []string{"lisen"}},
		{"unknown top-level", "sever: {listen: x}\n", []string{"sever"}},
		{"unknown key inside a source", "sources:\n  a:\n    type: local\n    local: {root: /x, rot: y}\n", []string{"rot"}},
		{"bad value", "render: {limits: {max_width: 0}}\n", []string{"render.limits.max_width"}},
		{"bad duration", "server: {read_header_timeout: soon}\n", []string{"read_header_timeout"}},
		{"bad source type", "sources:\n  a: {type: ftp}\n", []string{"sources.a.type"}},
		{"bad source name", "sources:\n  A_b: {type: local, local: {root: /x}}\n", []string{"sources.a_b"}},
		{"self not in pool", "cluster: {self: 127.0.0.1:1, pool: [{name: '127.0.0.1:2'}]}\n", []string{"cluster.self"}},
		{"bad preset", "render: {presets: {x: 'w_10,fit_cover,f_jpeg'}}\n", []string{"render.presets.x"}},
		{"a preset over a lowered limit", "render: {limits: {max_width: 1000}}\n", []string{"render.presets.large"}},
		{"several at once", "log: {level: loud, format: xml}\n", []string{"log.level", "log.format"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.yaml, nil)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(w)) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
		})
	}
}

func TestReferenceListsEveryKey(t *testing.T) {
	var b strings.Builder
	if err := WriteReference(&b); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"`server.listen`", "`IMGORIGIN_SERVER_LISTEN`", "`auth.origin_secret.current`", "`sources.name.s3.bucket`", "`cluster.cache.shard_key`", "`imaging.max_pixels`", "`front.listen`"} {
		if !strings.Contains(b.String(), k) {
			t.Errorf("reference lacks %s", k)
		}
	}
}

// TestAuthModeOffUnquoted: `mode: off` written bare in YAML is the string "off" (YAML 1.1 would
// read a boolean), so the explicit switch works as the docs write it.
func TestAuthModeOffUnquoted(t *testing.T) {
	c, err := load(t, "auth: {mode: off}\n", nil)
	if err != nil || c.Auth.Mode != "off" {
		t.Fatalf("auth.mode off: %v, %q", err, c.Auth.Mode)
	}
}

// TestEnvironmentResolvesEveryVariable: a source key the file does not write is set from the
// environment (the source's type gives its key set), and a variable that names no key fails
// the load, naming the variable.
func TestEnvironmentResolvesEveryVariable(t *testing.T) {
	b, err := os.ReadFile("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := load(t, string(b), []string{"IMGORIGIN_SOURCES_OSS_S3_RESPONSE_HEADER_TIMEOUT=2s", "IMGORIGIN_SOURCES_OSS_S3_SECRET_KEY=s3cr3t", "IMGORIGIN_SOURCES_OSS_S3_ACCESS_KEY=ak", peerSecret})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Sources["oss"].S3.ResponseHeaderTimeout; got != 2*time.Second {
		t.Errorf("sources.oss.s3.response_header_timeout from the environment: got %v", got)
	}
	for _, tc := range []struct{ name, yaml, env string }{
		{"misspelt key", "", "IMGORIGIN_SERVER_LISTN=127.0.0.1:1"},
		{"unknown section", "", "IMGORIGIN_SERVRE_LISTEN=127.0.0.1:1"},
		{"source not in the file", "", "IMGORIGIN_SOURCES_S3_S3_ENDPOINT=http://127.0.0.1:9000"},
		{"key of another source type", string(b), "IMGORIGIN_SOURCES_LOCAL_S3_BUCKET=b"},
		{"misspelt source key", string(b), "IMGORIGIN_SOURCES_LOCAL_LOCAL_RUT=/x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := []string{tc.env, unsigned[0]}
			if tc.yaml != "" {
				env = append(env, "IMGORIGIN_SOURCES_OSS_S3_SECRET_KEY=s3cr3t", "IMGORIGIN_SOURCES_OSS_S3_ACCESS_KEY=ak")
			}
			_, err := load(t, tc.yaml, env)
			name, _, _ := strings.Cut(tc.env, "=")
			if err == nil || !strings.Contains(err.Error(), name) {
				t.Fatalf("err %v, want one naming %s", err, name)
			}
		})
	}
}
