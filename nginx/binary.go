package nginx

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
)

// Binary returns the nginx binary to run: $NGINX_BIN, /usr/sbin/nginx, or nginx on PATH.
func Binary() (string, error) {
	if b := os.Getenv("NGINX_BIN"); b != "" {
		if _, err := os.Stat(b); err != nil {
			return "", fmt.Errorf("nginx: NGINX_BIN: %w (run make deps)", err)
		}
		return b, nil
	}
	if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		return "/usr/sbin/nginx", nil
	}
	b, err := exec.LookPath("nginx")
	if err != nil {
		return "", errors.New("nginx: nginx binary not found (run make deps)")
	}
	return b, nil
}
