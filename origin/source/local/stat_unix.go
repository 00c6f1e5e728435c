//go:build unix

package local

import (
	"io/fs"
	"syscall"
)

const openFlags = syscall.O_NONBLOCK

func devIno(fi fs.FileInfo) (dev, ino uint64) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Dev), uint64(st.Ino)
	}
	return 0, 0
}
