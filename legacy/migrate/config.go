package migrate

import (
	"errors"
	"path/filepath"
)

// Config configures a migration run.
type Config struct {
	// Source is the old tree (read only).
	Source string `mapstructure:"source"`
	// Dest is the new root. It is created when missing.
	Dest string `mapstructure:"dest"`
	// Manifest is the manifest's path. Default: {dest}/.migrate-manifest.tsv (the legacy site
	// serves only image extensions, so it is never published).
	Manifest string `mapstructure:"manifest"`
	// Workers bounds the files copied or hashed at once.
	Workers int `mapstructure:"workers"`
	// Repair re-copies the files the verification found missing, truncated or different.
	Repair bool `mapstructure:"repair"`
}

// DefaultConfig returns the defaults; Source and Dest must be set.
func DefaultConfig() Config {
	return Config{Workers: 8}
}

// ManifestPath is the manifest's path after defaults.
func (c Config) ManifestPath() string {
	if c.Manifest != "" {
		return c.Manifest
	}
	return filepath.Join(c.Dest, DefaultManifestName)
}

// DefaultManifestName is the manifest's file name inside Dest when Config.Manifest is empty.
const DefaultManifestName = ".migrate-manifest.tsv"

// Validate checks the configuration; errors name the key.
func (c Config) Validate() error {
	var errs []error
	if c.Source == "" {
		errs = append(errs, errors.New("source: must be set"))
	}
	if c.Dest == "" {
		errs = append(errs, errors.New("dest: must be set"))
	}
	if c.Source != "" && c.Dest != "" {
		s, _ := filepath.Abs(c.Source)
		d, _ := filepath.Abs(c.Dest)
		if s == d || within(s, d) || within(d, s) {
			errs = append(errs, errors.New("dest: must not overlap source"))
		}
	}
	if c.Workers < 1 || c.Workers > 256 {
		errs = append(errs, errors.New("workers: must be 1..256"))
	}
	return errors.Join(errs...)
}

// within reports whether path p is strictly inside dir (both cleaned, absolute).
func within(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	if err != nil || rel == "." {
		return false
	}
	return rel != ".." && !hasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }
