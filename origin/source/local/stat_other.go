//go:build !unix

package local

import "io/fs"

const openFlags = 0

func devIno(fs.FileInfo) (dev, ino uint64) { return 0, 0 }
