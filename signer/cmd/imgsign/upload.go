package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/imgorigin/imgorigin/signer"
)

// cmdPolicy prints a signed upload policy (signer.UploadPolicy).
func cmdPolicy(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("imgsign policy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	var p signer.UploadPolicy
	fs.StringVar(&p.Source, "source", "", "source the upload goes to")
	fs.StringVar(&p.Key, "key", "", "exact object key")
	fs.StringVar(&p.Prefix, "prefix", "", "key prefix (the client or the origin names the key under it)")
	fs.Int64Var(&p.MaxBytes, "max-bytes", 10<<20, "largest upload in bytes")
	formats := fs.String("formats", "", "allowed formats, comma-separated (default: every format the origin reads)")
	fs.Int64Var(&p.MaxPixels, "max-pixels", 0, "largest width×height (0: the origin's limit)")
	fs.IntVar(&p.MaxFrames, "max-frames", 0, "most animation frames (0: the origin's limit)")
	fs.StringVar(&p.SHA256, "sha256", "", "hex SHA-256 the upload must have")
	ttl := fs.Duration("ttl", time.Hour, "how long the policy is valid")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *formats != "" {
		p.Formats = strings.Split(*formats, ",")
	}
	p.Expires = c.clock()().Add(*ttl).Unix()
	ring, err := c.ring()
	if err == nil {
		var tok string
		if tok, err = ring.UploadPolicy(p); err == nil {
			fmt.Fprintln(stdout, tok)
			return 0
		}
	}
	fmt.Fprintln(stderr, "imgsign policy:", err)
	return 1
}

// cmdDelete prints the signed URL of a delete: base + /u/{source}/{key}?token=….
func cmdDelete(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("imgsign delete", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	base := fs.String("base", "", "scheme://host[:port] of the write path")
	src := fs.String("source", "", "source of the object")
	key := fs.String("key", "", "object key")
	ttl := fs.Duration("ttl", 5*time.Minute, "how long the delete URL is valid")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ring, err := c.ring()
	if err == nil {
		var tok string
		if tok, err = ring.DeleteToken(*src, *key, c.clock()().Add(*ttl).Unix()); err == nil {
			fmt.Fprintln(stdout, strings.TrimSuffix(*base, "/")+signer.UploadPath(*src, *key)+"?"+signer.DefaultParam+"="+tok)
			return 0
		}
	}
	fmt.Fprintln(stderr, "imgsign delete:", err)
	return 1
}
