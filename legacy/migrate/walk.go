package migrate

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// item is one source file to copy.
type item struct {
	rel  string // slash-separated relative path (the manifest key)
	read string // the file to read: the path itself or a symlink's target inside the root
	size int64  // its size when walked (the run's total for progress; place stats it again)
}

// walkSource lists the regular files under root in lexical order. Symlinks are resolved only
// when their target is a regular file inside root; everything else that is not a regular file
// or directory is skipped and reported.
func walkSource(ctx context.Context, root string) ([]item, []Skip, error) {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, nil, fmt.Errorf("source: %w", err)
	}
	realRoot, err = filepath.Abs(realRoot)
	if err != nil {
		return nil, nil, fmt.Errorf("source: %w", err)
	}
	var items []item
	var skips []Skip
	err = filepath.WalkDir(realRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("walk %s: %w", p, err)
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		if p == realRoot {
			return nil
		}
		rel, err := filepath.Rel(realRoot, p)
		if err != nil {
			return fmt.Errorf("walk: %w", err)
		}
		rel = filepath.ToSlash(rel)
		if err := checkRel(rel); err != nil {
			skips = append(skips, Skip{Path: rel, Reason: "refused name"})
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		switch t := d.Type(); {
		case t.IsDir():
			return nil
		case t.IsRegular():
			var size int64
			if info, err := d.Info(); err == nil {
				size = info.Size()
			}
			items = append(items, item{rel: rel, read: p, size: size})
		case t&fs.ModeSymlink != 0:
			target, err := filepath.EvalSymlinks(p)
			if err != nil {
				skips = append(skips, Skip{Path: rel, Reason: "dangling symlink"})
				return nil
			}
			if !within(realRoot, target) {
				skips = append(skips, Skip{Path: rel, Reason: "symlink leaves the source root"})
				return nil
			}
			st, err := os.Stat(target)
			if err != nil || !st.Mode().IsRegular() {
				skips = append(skips, Skip{Path: rel, Reason: "symlink to a non-regular file"})
				return nil
			}
			items = append(items, item{rel: rel, read: target, size: st.Size()})
		default:
			skips = append(skips, Skip{Path: rel, Reason: "not a regular file: " + strings.TrimSpace(t.String())})
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return items, skips, nil
}
