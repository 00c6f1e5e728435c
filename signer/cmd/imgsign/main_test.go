package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imgorigin/imgorigin/signer"
)

func writeKeys(t *testing.T, keys ...signer.Key) string {
	t.Helper()
	b, err := signer.MarshalKeyFile(keys)
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "keys.json")
	if err := os.WriteFile(f, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func secret(seed byte) []byte {
	b := make([]byte, 32)
	for i := range b {
		b[i] = seed + byte(i)
	}
	return b
}

type result struct {
	code           int
	stdout, stderr string
}

func runCLI(stdin string, args ...string) result {
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb)
	return result{code, out.String(), errb.String()}
}

const now = "1800000000"

func TestSignVerify(t *testing.T) {
	keys := writeKeys(t, signer.Key{ID: "k1", Secret: secret(1), State: signer.Signing})
	otherKeys := writeKeys(t, signer.Key{ID: "k9", Secret: secret(9), State: signer.Signing})
	r := runCLI("", "sign", "-key-file", keys, "-base", "https://cdn.example.com", "-preset", "thumb", "-source", "local",
		"-key", "a/b c.jpg", "-ttl", "1h", "-now", now)
	if r.code != 0 {
		t.Fatalf("sign: %d %s", r.code, r.stderr)
	}
	u := strings.TrimSpace(r.stdout)
	if !strings.HasPrefix(u, "https://cdn.example.com/i/thumb/local/a/b%20c.jpg?token=k1.1800003600.") {
		t.Fatalf("signed URL %q", u)
	}
	opts := runCLI("", "sign", "-key-file", keys, "-base", "https://cdn.example.com", "-w", "300", "-h", "200", "-fit", "pad",
		"-bg", "ffffff", "-f", "jpeg", "-source", "s3", "-key", "a/b.png", "-now", now)
	if opts.code != 0 || !strings.HasPrefix(opts.stdout, "https://cdn.example.com/i/w_300,h_200,fit_pad,bg_ffffff,f_jpeg/s3/a/b.png?token=k1.") {
		t.Fatalf("sign with options: %+v", opts)
	}

	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"valid", []string{"-key-file", keys, "-now", now, u}, 0, "ok: native token valid until 2027-01-15T09:00:00Z (1h0m0s from now)"},
		{"path changed", []string{"-key-file", keys, "-now", now, strings.Replace(u, "b%20c", "b%20d", 1)}, 1, "refused: bad mac"},
		{"expired", []string{"-key-file", keys, "-now", "1800007200", u}, 1, "refused: expired at 2027-01-15T09:00:00Z, 1h0m0s ago"},
		{"unknown key", []string{"-key-file", otherKeys, "-now", now, u}, 1, "refused: unknown key"},
		{"no token", []string{"-key-file", keys, "-now", now, strings.Split(u, "?")[0]}, 1, "refused: missing token"},
		{"not canonical", []string{"-key-file", keys, "-now", now, strings.Replace(u, "thumb", "THUMB", 1)}, 1, "canonical path: /i/thumb/local/a/b%20c.jpg"},
		{"malformed", []string{"-key-file", keys, "-now", now, u + "x"}, 1, "refused: malformed token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI("", append([]string{"verify"}, tt.args...)...)
			if r.code != tt.code || !strings.Contains(r.stdout, tt.want) {
				t.Fatalf("verify = %d %q (stderr %q), want %d %q", r.code, r.stdout, r.stderr, tt.code, tt.want)
			}
		})
	}
}

func TestBatch(t *testing.T) {
	keys := writeKeys(t, signer.Key{ID: "k1", Secret: secret(1), State: signer.Signing})
	in := `{"preset":"thumb","source":"local","key":"a.jpg"}
{"options":{"w":300,"f":"webp"},"source":"s3","key":"b.jpg","ttl":"24h"}
{"options":{"w":300},"source":"s3","key":"b.jpg"}
{"preset":"thumb","source":"local","key":"../x"}
not json
{"preset":"thumb","source":"local","key":"c.jpg"}
`
	r := runCLI(in, "sign", "-batch", "-key-file", keys, "-base", "https://cdn.example.com", "-now", now)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (some lines fail)", r.code)
	}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != 6 {
		t.Fatalf("got %d output lines, want one per input line: %q", len(lines), r.stdout)
	}
	for i, want := range []string{"/i/thumb/local/a.jpg?token=k1.1800003600.", "/i/w_300,f_webp/s3/b.jpg?token=k1.1800086400.", "", "", "", "/i/thumb/local/c.jpg?token="} {
		if (want == "") != (lines[i] == "") || !strings.Contains(lines[i], want) {
			t.Errorf("line %d = %q, want %q", i+1, lines[i], want)
		}
	}
	for _, want := range []string{"line 3: signer: image path invalid: f (output format) is required", "line 4:", "line 5:"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
}

func TestCDNFormats(t *testing.T) {
	t.Setenv("IMGSIGN_CDN_KEY", "consoleKey1234")
	for _, tt := range []struct{ format, param string }{{"aliyun-a", "auth_key="}, {"tencent-a", "sign="}, {"tencent-d", "&t="}, {"tencent-d-dec", "&t=1800001800"}} {
		t.Run(tt.format, func(t *testing.T) {
			r := runCLI("", "sign", "-format", tt.format, "-base", "https://cdn.example.com", "-preset", "thumb", "-source", "local", "-key", "a.jpg", "-now", now)
			if r.code != 0 || !strings.Contains(r.stdout, tt.param) {
				t.Fatalf("sign: %+v", r)
			}
			u := strings.TrimSpace(r.stdout)
			if v := runCLI("", "verify", "-format", tt.format, "-now", now, u); v.code != 0 {
				t.Fatalf("verify: %+v", v)
			}
			if v := runCLI("", "verify", "-format", tt.format, "-now", "1800009999", u); v.code != 1 || !strings.Contains(v.stdout, "refused: expired") {
				t.Fatalf("verify late: %+v", v)
			}
		})
	}
	t.Setenv("IMGSIGN_CDN_KEY", "")
	if r := runCLI("", "sign", "-format", "aliyun-a", "-base", "https://x", "-preset", "thumb", "-source", "local", "-key", "a.jpg"); r.code == 0 || !strings.Contains(r.stderr, "IMGSIGN_CDN_KEY") {
		t.Fatalf("sign without CDN key: %+v", r)
	}
}

func TestKeygen(t *testing.T) {
	r := runCLI("", "keygen", "-id", "2026-02")
	if r.code != 0 {
		t.Fatalf("keygen: %+v", r)
	}
	var e signer.KeyEntry
	if err := json.Unmarshal([]byte(r.stdout), &e); err != nil {
		t.Fatal(err)
	}
	k, err := e.Key()
	if err != nil || k.ID != "2026-02" || k.State != signer.VerifyOnly || len(k.Secret) != 32 {
		t.Fatalf("keygen entry %v: %v", k, err)
	}
	if r := runCLI("", "keygen", "-id", "bad.id"); r.code == 0 {
		t.Fatal("keygen accepted a bad id")
	}
	if r := runCLI("", "keygen", "-state", "retired"); r.code == 0 {
		t.Fatal("keygen made a retired key")
	}
}

func TestUsage(t *testing.T) {
	if r := runCLI(""); r.code != 2 || !strings.Contains(r.stderr, "usage") {
		t.Fatalf("%+v", r)
	}
	if r := runCLI("", "frobnicate"); r.code != 2 {
		t.Fatalf("%+v", r)
	}
	if r := runCLI("", "sign", "-base", "https://x", "-preset", "thumb", "-source", "local", "-key", "a"); r.code != 1 || !strings.Contains(r.stderr, "-key-file is required") {
		t.Fatalf("%+v", r)
	}
}
