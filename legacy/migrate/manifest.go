package migrate

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// manifestHeader is the first line of a version 1 manifest.
const manifestHeader = "# imgorigin-migrate manifest v1"

// Entry describes one source file as it was copied.
type Entry struct {
	Path   string // slash-separated, relative to the root
	Size   int64
	MTime  time.Time
	SHA256 string // lower-case hex
}

// ErrBadPath is returned for a path with a ".." or empty segment, an absolute path or a NUL.
var ErrBadPath = errors.New("migrate: refused path")

// checkRel validates a slash-separated relative path.
func checkRel(p string) error {
	if p == "" || strings.HasPrefix(p, "/") || strings.ContainsRune(p, 0) {
		return fmt.Errorf("%w: %q", ErrBadPath, p)
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("%w: %q", ErrBadPath, p)
		}
	}
	if filepath.IsAbs(filepath.FromSlash(p)) || filepath.VolumeName(filepath.FromSlash(p)) != "" {
		return fmt.Errorf("%w: %q", ErrBadPath, p)
	}
	return nil
}

// needsQuote reports whether a path must be written quoted.
func needsQuote(p string) bool {
	if strings.HasPrefix(p, `"`) || strings.HasPrefix(p, "#") || !utf8.ValidString(p) {
		return true
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return true
		}
	}
	return false
}

// formatLine renders one manifest line, newline included.
func formatLine(e Entry) string {
	p := e.Path
	if needsQuote(p) {
		p = strconv.Quote(p)
	}
	return p + "\t" + strconv.FormatInt(e.Size, 10) + "\t" + strconv.FormatInt(e.MTime.UnixNano(), 10) + "\t" + e.SHA256 + "\n"
}

// parseLine parses one manifest line (without its newline).
func parseLine(line string) (Entry, error) {
	f := strings.Split(line, "\t")
	if len(f) != 4 {
		return Entry{}, errors.New("want 4 tab-separated fields")
	}
	p := f[0]
	if strings.HasPrefix(p, `"`) {
		u, err := strconv.Unquote(p)
		if err != nil {
			return Entry{}, fmt.Errorf("bad quoted path: %w", err)
		}
		p = u
	}
	if err := checkRel(p); err != nil {
		return Entry{}, err
	}
	size, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil || size < 0 {
		return Entry{}, errors.New("bad size")
	}
	ns, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil {
		return Entry{}, errors.New("bad mtime")
	}
	h := f[3]
	if len(h) != 64 || strings.ToLower(h) != h {
		return Entry{}, errors.New("bad sha256")
	}
	for _, c := range h {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return Entry{}, errors.New("bad sha256")
		}
	}
	return Entry{Path: p, Size: size, MTime: time.Unix(0, ns), SHA256: h}, nil
}

// readManifest parses a manifest. Duplicate paths and malformed lines are errors naming the line.
func readManifest(r io.Reader) ([]Entry, error) {
	m, err := readLines(r, false)
	if err != nil {
		return nil, err
	}
	return sortedEntries(m), nil
}

// readLines parses manifest or journal lines into a map. In lenient (journal) mode a malformed
// last line without a newline is ignored and later lines override earlier ones.
func readLines(r io.Reader, journal bool) (map[string]Entry, error) {
	br := bufio.NewReader(r)
	m := make(map[string]Entry)
	for n := 1; ; n++ {
		line, err := br.ReadString('\n')
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("manifest line %d: %w", n, err)
		}
		complete := strings.HasSuffix(line, "\n")
		text := strings.TrimSuffix(line, "\n")
		if text != "" && !strings.HasPrefix(text, "#") {
			e, perr := parseLine(text)
			switch {
			case perr != nil && journal && !complete:
				// torn last write of an interrupted run
			case perr != nil:
				return nil, fmt.Errorf("manifest line %d: %w", n, perr)
			case !journal && hasKey(m, e.Path):
				return nil, fmt.Errorf("manifest line %d: duplicate path %q", n, e.Path)
			default:
				m[e.Path] = e
			}
		}
		if err == io.EOF {
			return m, nil
		}
	}
}

func hasKey(m map[string]Entry, k string) bool { _, ok := m[k]; return ok }

func sortedEntries(m map[string]Entry) []Entry {
	out := make([]Entry, 0, len(m))
	for _, e := range m {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b Entry) int { return strings.Compare(a.Path, b.Path) })
	return out
}

// writeManifest writes entries sorted by path.
func writeManifest(w io.Writer, entries []Entry) error {
	sorted := slices.Clone(entries)
	slices.SortFunc(sorted, func(a, b Entry) int { return strings.Compare(a.Path, b.Path) })
	bw := bufio.NewWriter(w)
	if _, err := bw.WriteString(manifestHeader + "\n"); err != nil {
		return err
	}
	for i, e := range sorted {
		if i > 0 && sorted[i-1].Path == e.Path {
			return fmt.Errorf("duplicate path %q", e.Path)
		}
		if _, err := bw.WriteString(formatLine(e)); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// loadManifest reads the manifest at path. A missing file is an error wrapping fs.ErrNotExist.
func loadManifest(path string) ([]Entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open manifest: %w", err)
	}
	defer f.Close()
	entries, err := readManifest(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return entries, nil
}

// saveManifest writes the manifest atomically (temporary file + rename).
func saveManifest(path string, entries []Entry) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("manifest dir: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*"+tmpSuffix)
	if err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := writeManifest(tmp, entries); err != nil {
		tmp.Close()
		return fmt.Errorf("manifest: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("manifest: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	return nil
}

// loadState reads the manifest and the journal (either may be missing) into one map; journal
// lines win over manifest lines.
func loadState(manifest string) (map[string]Entry, error) {
	m := make(map[string]Entry)
	for _, p := range []string{manifest, manifest + journalSuffix} {
		f, err := os.Open(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", p, err)
		}
		part, err := readLines(f, p != manifest)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		for k, v := range part {
			m[k] = v
		}
	}
	return m, nil
}

const (
	journalSuffix = ".journal"
	tmpSuffix     = ".migrate-tmp"
)
