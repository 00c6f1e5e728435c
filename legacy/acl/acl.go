// Package acl holds the legacy URL ACL: the regular expressions of the old image systems' URL
// shapes that the front nginx sends to the legacy site (patterns.txt, embedded here), and the
// parser that turns the file into patterns.
//
// File format: one pattern per line, `<regex> <whitespace> # <comment>`; blank lines and lines
// starting with '#' are ignored; the comment (which old system produced the URL) is required.
// A pattern must compile with Go's regexp (RE2, a subset of nginx's PCRE), must be anchored
// with ^ and $, and must not contain whitespace or '"' (it is written inside double quotes in
// the nginx configuration). Order matters: nginx tries them in file order.
package acl

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"regexp"
	"strings"
)

//go:embed patterns.txt
var defaultPatterns []byte

// Pattern is one legacy URL shape.
type Pattern struct {
	Regex   string         // as written, for nginx
	Comment string         // the old system that produced the URL
	Line    int            // line number in the file
	re      *regexp.Regexp // Go compilation, for tests and tools
}

// Match reports whether path (a decoded URI path, like nginx's $uri) matches.
func (p Pattern) Match(path string) bool { return p.re.MatchString(path) }

// Default returns the patterns of the embedded patterns.txt.
func Default() []Pattern {
	ps, err := Parse(bytes.NewReader(defaultPatterns))
	if err != nil {
		panic("acl: embedded patterns.txt: " + err.Error()) // guarded by TestDefault
	}
	return ps
}

// Parse reads a patterns file.
func Parse(r io.Reader) ([]Pattern, error) {
	var out []Pattern
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.IndexAny(line, " \t")
		if i < 0 {
			return nil, fmt.Errorf("line %d: missing '# comment' naming the old system", n)
		}
		re, rest := line[:i], strings.TrimSpace(line[i:])
		if !strings.HasPrefix(rest, "#") || strings.TrimSpace(rest[1:]) == "" {
			return nil, fmt.Errorf("line %d: after the pattern expected '# comment' naming the old system", n)
		}
		p, err := compile(re)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		p.Comment, p.Line = strings.TrimSpace(rest[1:]), n
		out = append(out, p)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read patterns: %w", err)
	}
	return out, nil
}

func compile(re string) (Pattern, error) {
	if !strings.HasPrefix(re, "^") || !strings.HasSuffix(re, "$") {
		return Pattern{}, fmt.Errorf("pattern %q: must be anchored with ^ and $", re)
	}
	if strings.ContainsAny(re, "\"'\x00;") {
		return Pattern{}, fmt.Errorf("pattern %q: must not contain quotes, ';' or NUL", re)
	}
	// Inside a quoted nginx string \\ \t \r \n would be unescaped before PCRE sees them.
	for _, esc := range []string{`\\`, `\t`, `\r`, `\n`} {
		if strings.Contains(re, esc) {
			return Pattern{}, fmt.Errorf("pattern %q: must not contain %s (nginx unescapes it in quoted strings)", re, esc)
		}
	}
	if strings.HasSuffix(re, "\\$") {
		return Pattern{}, fmt.Errorf("pattern %q: must end with an unescaped $", re)
	}
	c, err := regexp.Compile(re)
	if err != nil {
		return Pattern{}, fmt.Errorf("pattern %q: %w", re, err)
	}
	return Pattern{Regex: re, re: c}, nil
}

// matching returns the first pattern that matches path and true, or false when none does.
func matching(ps []Pattern, path string) (Pattern, bool) {
	for _, p := range ps {
		if p.Match(path) {
			return p, true
		}
	}
	return Pattern{}, false
}
