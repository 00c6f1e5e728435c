package secretfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name string
		mode os.FileMode
		ok   bool
	}{
		{"owner only", 0o600, true},
		{"owner read-only", 0o400, true},
		{"group and world readable", 0o644, true},
		{"group writable", 0o620, false},
		{"world writable", 0o602, false},
		{"everyone", 0o666, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-"))
			if err := os.WriteFile(p, []byte("secret"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(p, tt.mode); err != nil { // not subject to the umask
				t.Fatal(err)
			}
			b, err := Read(p)
			if tt.ok && (err != nil || string(b) != "secret") {
				t.Fatalf("Read = %q, %v", b, err)
			}
			if !tt.ok && (err == nil || !strings.Contains(err.Error(), "writable")) {
				t.Fatalf("Read of mode %04o: err %v, want a refusal naming writable", tt.mode, err)
			}
		})
	}
	if _, err := Read(dir); err == nil {
		t.Error("a directory was read as a secret file")
	}
	if _, err := Read(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing file gave no error")
	}
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, maxBytes+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(big); err == nil {
		t.Error("an oversized secret file was read")
	}
}
