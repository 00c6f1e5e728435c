// Package secretfile reads the origin's key and secret files (auth.key_file, the cluster
// secret file) and refuses one that others could have changed: a file that is group- or
// world-writable, or not a regular file, is an error, as ssh refuses such a private key. A
// writable key file lets any local user add a signing key of their own. The project's scripts
// and test harnesses write these files 0600.
package secretfile

import (
	"fmt"
	"io"
	"io/fs"
	"os"
)

// maxBytes bounds a secret file: key files hold a few keys.
const maxBytes = 1 << 20

// Read returns the contents of the secret file at path, or an error when it is not a regular
// file, is group- or world-writable, or is larger than maxBytes. The mode is checked on the
// opened file, so a rename between the check and the read changes nothing.
func Read(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("secret file: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("secret file: %w", err)
	}
	if err := checkMode(path, st.Mode()); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(f, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("secret file %s: %w", path, err)
	}
	if len(b) > maxBytes {
		return nil, fmt.Errorf("secret file %s: larger than %d bytes", path, maxBytes)
	}
	return b, nil
}

// checkMode refuses a mode that is not a regular file's or that is group- or world-writable.
func checkMode(path string, m fs.FileMode) error {
	if !m.IsRegular() {
		return fmt.Errorf("secret file %s: not a regular file", path)
	}
	if m.Perm()&0o022 != 0 {
		return fmt.Errorf("secret file %s: mode %04o is group- or world-writable: chmod 600 it", path, m.Perm())
	}
	return nil
}
