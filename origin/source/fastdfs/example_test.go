package fastdfs_test

import (
	"context"
	"fmt"
	"io"
	"log"

	"github.com/imgorigin/imgorigin/origin/source/fastdfs"
	"github.com/imgorigin/imgorigin/origin/source/fastdfs/fdfstest"
)

func Example() {
	// A fake cluster on 127.0.0.1 stands in for real trackers here.
	fake, err := fdfstest.New(fdfstest.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer fake.Close()

	cfg := fastdfs.DefaultConfig()
	cfg.Trackers = fake.TrackerAddrs() // e.g. []string{"10.0.0.1:22122", "10.0.0.2:22122"}
	cl, err := fastdfs.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer cl.Close()

	ctx := context.Background()
	id, err := cl.Upload(ctx, "", "jpg", []byte("not really a jpeg"))
	if err != nil {
		log.Fatal(err)
	}
	info, _ := cl.Stat(ctx, id) // from the file ID alone: no round trip
	fmt.Println(info.Size, info.ContentType, info.Immutable, info.Identity == id)

	rc, _, err := cl.Open(ctx, id)
	if err != nil {
		log.Fatal(err)
	}
	defer rc.Close()
	body, err := io.ReadAll(rc) // a CRC-32 mismatch would be an error here, never io.EOF
	fmt.Printf("%q %v\n", body, err)
	// Output:
	// 17 image/jpeg true true
	// "not really a jpeg" <nil>
}

func ExampleParseFileID() {
	id, err := fastdfs.ParseFileID("group1/M00/00/00/fwAAAWsCGgSAOJ-BAAAP5LdNBUU695.jpg")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(id.Group, id.StorePath, id.Kind, id.SourceIP, id.Created, id.Size)
	fmt.Printf("%08x\n", id.CRC32)
	// Output:
	// group1 0 normal 127.0.0.1 2026-11-21 22:24:04 +0000 UTC 4068
	// b74d0545
}
