// Package fdfstest starts the protocol-level FastDFS fake (origin/source/fastdfs/fdfsfake) for
// tests: Start runs it on 127.0.0.1 and stops it at t.Cleanup. The types are fdfsfake's.
package fdfstest

import (
	"testing"

	"github.com/imgorigin/imgorigin/origin/source/fastdfs/fdfsfake"
)

// The fake's types (fdfsfake).
type (
	Options = fdfsfake.Options
	Server  = fdfsfake.Server
	Fault   = fdfsfake.Fault
)

// Faults (fdfsfake).
const (
	FaultDrop         = fdfsfake.FaultDrop
	FaultDropMidBody  = fdfsfake.FaultDropMidBody
	FaultStall        = fdfsfake.FaultStall
	FaultStatus       = fdfsfake.FaultStatus
	FaultCorrupt      = fdfsfake.FaultCorrupt
	FaultStallMidBody = fdfsfake.FaultStallMidBody
)

// New starts a fake cluster on 127.0.0.1 (fdfsfake.New). Close stops it.
func New(opts Options) (*Server, error) { return fdfsfake.New(opts) }

// Start starts a fake cluster stopped by t.Cleanup; it fails the test on error.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := fdfsfake.New(opts)
	if err != nil {
		t.Fatalf("fdfstest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}
