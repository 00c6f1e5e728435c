package migrate

import (
	"fmt"
	"io"
)

// Kind classifies a destination file that does not match the manifest.
type Kind string

// Problem kinds.
const (
	Missing   Kind = "missing"   // no regular file at the path
	Truncated Kind = "truncated" // shorter than recorded
	Different Kind = "different" // same or greater size, other bytes; or unreadable
	Failed    Kind = "failed"    // the source could not be copied (see Detail)
)

// Problem is one file that is not safely in the destination.
type Problem struct {
	Path   string
	Kind   Kind
	Detail string
}

// Skip is a source entry that was deliberately not copied (a symlink leaving the root, a
// device, a refused name).
type Skip struct {
	Path   string
	Reason string
}

// Action is what a run did with one file.
type Action string

// Actions reported to Migrator.Progress.
const (
	ActionCopied   Action = "copied"   // written to the destination
	ActionSkipped  Action = "skipped"  // already there per manifest/journal + size + mtime
	ActionRehashed Action = "rehashed" // already there, proven by hashing both sides
	ActionVerified Action = "verified" // destination re-read and matched the manifest
	ActionRepaired Action = "repaired" // re-copied after the verification found it bad
)

// Event reports progress on one file.
type Event struct {
	Path   string
	Action Action
	Size   int64 // the file's size
}

// Stage is one pass of a run over its files, announced to Migrator.Stage before it begins:
// its name ("copy", "verify", "repair") and how many files and bytes it covers. The copy's
// totals come from the walk of the source that precedes every copy (it lists every file
// anyway, and its sizes are the pace of a copy); a verification's from the manifest.
type Stage struct {
	Name  string
	Files int
	Bytes int64
}

// Report is the outcome of a run or a verification.
type Report struct {
	Files    int   // files in the manifest
	Bytes    int64 // their total size
	Copied   int
	Skipped  int
	Rehashed int
	Verified int // destination files whose bytes matched the manifest
	Repaired []string
	Skips    []Skip
	Problems []Problem // sorted by path; empty when every file verified
}

// OK reports whether every file in the manifest is present and identical.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// Write prints the report: one line per problem and skip, then a summary line.
func (r *Report) Write(w io.Writer) error {
	for _, p := range r.Problems {
		if _, err := fmt.Fprintf(w, "%s\t%s\t%s\n", p.Kind, p.Path, p.Detail); err != nil {
			return err
		}
	}
	for _, s := range r.Skips {
		if _, err := fmt.Fprintf(w, "skipped\t%s\t%s\n", s.Path, s.Reason); err != nil {
			return err
		}
	}
	for _, p := range r.Repaired {
		if _, err := fmt.Fprintf(w, "repaired\t%s\n", p); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "files=%d bytes=%d copied=%d skipped=%d rehashed=%d verified=%d repaired=%d problems=%d\n",
		r.Files, r.Bytes, r.Copied, r.Skipped, r.Rehashed, r.Verified, len(r.Repaired), len(r.Problems))
	return err
}
