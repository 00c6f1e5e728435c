package httpsrc

import "github.com/imgorigin/imgorigin/origin/source/dialguard"

// ErrAddressRefused is wrapped by errors of dials to addresses the source may not reach
// (dialguard.ErrRefused).
var ErrAddressRefused = dialguard.ErrRefused
