// Command s3put uploads a directory tree into an S3-compatible bucket (MinIO, Aliyun OSS,
// AWS S3), creating the bucket if asked. It seeds stores for demos and stack scripts; the
// origin itself never writes.
//
//	S3PUT_ACCESS_KEY=... S3PUT_SECRET_KEY=... \
//	  go run ./origin/source/s3/s3put -endpoint http://127.0.0.1:9000 -path-style \
//	  -bucket originals -create-bucket ./samples
//
// Each regular file becomes the object prefix + its slash-separated path relative to the
// directory. Without S3PUT_ACCESS_KEY/S3PUT_SECRET_KEY the SDK default credential chain is used.
package main

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"mime"
	"os"
	"os/signal"
	"path"
	"path/filepath"

	"github.com/imgorigin/imgorigin/origin/source/s3"
)

func main() {
	cfg := s3.DefaultConfig()
	flag.StringVar(&cfg.Endpoint, "endpoint", "", "store base URL; empty for AWS")
	flag.StringVar(&cfg.Region, "region", cfg.Region, "signing region")
	flag.StringVar(&cfg.Bucket, "bucket", "", "bucket name")
	flag.StringVar(&cfg.Prefix, "prefix", "", "key prefix, e.g. originals/")
	flag.BoolVar(&cfg.PathStyle, "path-style", false, "path-style addressing (MinIO)")
	create := flag.Bool("create-bucket", false, "create the bucket first (an existing one is fine)")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: s3put [flags] dir")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	cfg.AccessKey = os.Getenv("S3PUT_ACCESS_KEY")
	cfg.SecretKey = os.Getenv("S3PUT_SECRET_KEY")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg, *create, flag.Arg(0)); err != nil {
		fmt.Fprintln(os.Stderr, "s3put:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg s3.Config, create bool, dir string) error {
	b, err := s3.New(ctx, cfg)
	if err != nil {
		return err
	}
	if create {
		if err := b.CreateBucket(ctx); err != nil {
			return err
		}
	}
	n := 0
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if err := b.Put(ctx, key, data, mime.TypeByExtension(path.Ext(key))); err != nil {
			return err
		}
		n++
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Printf("s3put: %d objects into %s/%s\n", n, cfg.Bucket, cfg.Prefix)
	return nil
}
