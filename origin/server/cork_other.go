//go:build !linux

package server

import "syscall"

// setCork is a no-op where TCP_CORK does not exist: responses are written plainly.
func setCork(syscall.RawConn, bool) bool { return false }
