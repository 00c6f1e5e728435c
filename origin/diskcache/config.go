package diskcache

import (
	"errors"
	"fmt"
	"time"
)

// Eviction policies (see the package documentation for the measurement that picked the default).
const (
	EvictFIFO  = "fifo"
	EvictClock = "clock"
)

// Config configures a node's disk tier (cluster.cache.disk). The tier is off when Path is empty.
type Config struct {
	// Path is the directory of the segment and index files; empty turns the tier off.
	Path string `mapstructure:"path"`
	// Bytes bounds the segment files on disk (at least four segments).
	Bytes int64 `mapstructure:"bytes"`
	// SegmentBytes is the size at which a segment is sealed and the next one started; it also
	// bounds one record (a larger value is not stored).
	SegmentBytes int64 `mapstructure:"segment_bytes"`
	// Eviction is "fifo" (drop the oldest segment) or "clock" (drop the oldest segment, but
	// first re-append its records read since they were written, up to half a segment).
	Eviction string `mapstructure:"eviction"`
	// WriteQueue bounds the values waiting to be written behind; a Put beyond it is dropped.
	WriteQueue int `mapstructure:"write_queue"`
	// SendfileMinBytes: disk hits of variants at least this long are sent from the segment file
	// with sendfile (no copy through the Go heap, none into memory); shorter ones go through
	// memory. 0 sends every disk hit from the file.
	SendfileMinBytes int64 `mapstructure:"sendfile_min_bytes"`
	// RetryAfter is how long the tier stays off for writes after a disk error before it tries
	// a fresh segment again.
	RetryAfter time.Duration `mapstructure:"retry_after"`
}

// DefaultConfig returns the defaults: off (no path), 10 GiB in 64 MiB segments, CLOCK.
func DefaultConfig() Config {
	return Config{
		Bytes:        10 << 30,
		SegmentBytes: 64 << 20,
		Eviction:     EvictClock,
		WriteQueue:   256,
		// Above 64 KiB a body leaves in several segments whatever the server does (package
		// server's corkMax); below, memory with one corked write is as cheap.
		SendfileMinBytes: 64 << 10,
		RetryAfter:       time.Minute,
	}
}

// Enabled reports whether the tier is configured.
func (c Config) Enabled() bool { return c.Path != "" }

// Validate checks the configuration; errors name the key.
func (c Config) Validate() error {
	var errs []error
	if c.SegmentBytes < 1<<16 || c.SegmentBytes > 1<<32-1 {
		errs = append(errs, errors.New("segment_bytes: must be 64KiB..4GiB"))
	}
	if c.Bytes < 4*c.SegmentBytes {
		errs = append(errs, fmt.Errorf("bytes: must be at least 4 × segment_bytes (%d)", 4*c.SegmentBytes))
	}
	if c.Eviction != EvictFIFO && c.Eviction != EvictClock {
		errs = append(errs, fmt.Errorf("eviction: must be %q or %q", EvictFIFO, EvictClock))
	}
	if c.WriteQueue < 1 || c.WriteQueue > 1<<16 {
		errs = append(errs, errors.New("write_queue: must be 1..65536"))
	}
	if c.SendfileMinBytes < 0 {
		errs = append(errs, errors.New("sendfile_min_bytes: must not be negative"))
	}
	if c.RetryAfter < time.Second || c.RetryAfter > time.Hour {
		errs = append(errs, errors.New("retry_after: must be 1s..1h"))
	}
	return errors.Join(errs...)
}
