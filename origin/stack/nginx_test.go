package stack

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestStartNginx starts a real nginx beside a stack (as bin/bench starts its static
// comparison), reads a file from it, and stops it by name.
func TestStartNginx(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "www")
	for _, d := range []string{filepath.Join(dir, "logs"), root} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "hello.txt"), []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	bin, err := buildBinaries("", "origin") // the nginx log redactor is `origin redact-log`
	if err != nil {
		t.Fatal(err)
	}
	defer RemoveBinaries()
	s := &Stack{Dir: dir, logf: t.Logf, bin: bin}
	defer s.Close()
	addr, err := s.StartNginx("static", func(listen string) (string, error) {
		return fmt.Sprintf(`events {}
http {
    access_log off;
    client_body_temp_path temp; proxy_temp_path temp; fastcgi_temp_path temp; uwsgi_temp_path temp; scgi_temp_path temp;
    server { listen %s; root "%s"; }
}
`, listen, root), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get("http://" + addr + "/hello.txt")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "hello" {
		t.Errorf("GET /hello.txt: %d %q", resp.StatusCode, body)
	}
	if err := s.StopNginx("static"); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Get("http://" + addr + "/hello.txt"); err == nil {
		t.Error("nginx still answers after StopNginx")
	}

	renderErr := errors.New("no configuration")
	if _, err := s.StartNginx("bad", func(string) (string, error) { return "", renderErr }); !errors.Is(err, renderErr) {
		t.Errorf("a render error came back as %v", err)
	}
	if _, err := s.StartNginx("broken", func(listen string) (string, error) { return "events {}\nhttp { nonsense; }\n", nil }); err == nil {
		t.Error("an nginx that cannot start was reported started")
	}
}
