package fastdfs_test

import (
	"context"
	"errors"
	"testing"

	"github.com/imgorigin/imgorigin/origin/source"
	"github.com/imgorigin/imgorigin/origin/source/fastdfs"
	"github.com/imgorigin/imgorigin/origin/source/fastdfs/fdfstest"
	"github.com/imgorigin/imgorigin/origin/source/sourcetest"
)

func TestWriterConformance(t *testing.T) {
	sourcetest.RunWriter(t, func(t *testing.T) sourcetest.WriterHarness {
		fake := fdfstest.Start(t, fdfstest.Options{})
		cl := newClient(t, fake.TrackerAddrs(), func(c *fastdfs.Config) { c.VerifyStat = true })
		return sourcetest.WriterHarness{Store: cl, AssignsKeys: true}
	})
}

// TestCreateVerifiesCRC: a file ID that does not carry the size and CRC-32 of the bytes sent
// (one byte of the storage's answer flipped) is never acknowledged.
func TestCreateVerifiesCRC(t *testing.T) {
	fake := fdfstest.Start(t, fdfstest.Options{})
	cl := newClient(t, fake.TrackerAddrs(), func(c *fastdfs.Config) { c.VerifyStat = true })
	ctx := context.Background()
	if _, _, err := cl.Create(ctx, source.NewObject("", "jpg", "", []byte("fine"))); err != nil {
		t.Fatal(err)
	}
	fake.SetStorageFault(fdfstest.Fault{Kind: fdfstest.FaultCorrupt, Cmd: fastdfs.CmdUploadFile, Times: 1})
	_, _, err := cl.Create(ctx, source.NewObject("", "jpg", "", []byte("the bytes that were sent")))
	if err == nil {
		t.Fatal("Create with a corrupted reply succeeded")
	}
	if !errors.Is(err, source.ErrNotVerified) && !errors.Is(err, source.ErrUnavailable) {
		t.Fatalf("Create = %v; want ErrNotVerified or ErrUnavailable", err)
	}
}
