// Command migrate copies the old image tree to its new root, writes a SHA-256 manifest,
// verifies every copied file and reports what is missing, truncated or different.
//
//	migrate -src /srv/old-images -dst /srv/legacy [-workers 8] [-manifest path] [-repair]
//	migrate -dst /srv/legacy -verify        # verify only, copy nothing
//
// Re-running resumes: files already copied (per manifest/journal, size and mtime) are skipped.
// On a terminal, stderr shows the pass under way (copy, verify, repair): files and bytes done of
// its total, the rates and the time left.
// Output: one line per problem ("missing|truncated|different|failed TAB path TAB detail"), skip
// and repair, then a summary line. Exit status 0 when everything verified, 1 when problems
// remain, 2 on usage or run errors.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/imgorigin/imgorigin/legacy/migrate"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := migrate.DefaultConfig()
	fs.StringVar(&cfg.Source, "src", "", "old tree to copy from")
	fs.StringVar(&cfg.Dest, "dst", "", "new root to copy to")
	fs.StringVar(&cfg.Manifest, "manifest", "", "manifest path (default {dst}/"+migrate.DefaultManifestName+")")
	fs.IntVar(&cfg.Workers, "workers", cfg.Workers, "files copied or hashed at once")
	fs.BoolVar(&cfg.Repair, "repair", false, "re-copy files the verification finds bad")
	verifyOnly := fs.Bool("verify", false, "verify the destination against the manifest; copy nothing")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *verifyOnly && cfg.Source == "" {
		cfg.Source = "-" // not read when only verifying
	}
	m, err := migrate.New(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "migrate:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	defer showProgress(m, stderr)()
	var rep *migrate.Report
	if *verifyOnly {
		rep, err = m.Verify(ctx)
	} else {
		rep, err = m.Run(ctx)
	}
	if rep != nil {
		_ = rep.Write(stdout)
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			fmt.Fprintln(stderr, "migrate: interrupted; run again to resume")
		} else {
			fmt.Fprintln(stderr, "migrate:", err)
		}
		return 2
	}
	if !rep.OK() {
		return 1
	}
	return 0
}
