package imaging

// #cgo pkg-config: vips
// #include <stdlib.h>
// #include <vips/vips.h>
//
// // block_loaders leaves only the loaders of the formats the origin accepts: every other
// // loader (SVG, PDF, ImageMagick, TIFF, FITS, …) fails even if bytes reach it.
// static void block_loaders(void) {
//   vips_block_untrusted_set(TRUE);
//   vips_operation_block_set("VipsForeignLoad", TRUE);
//   vips_operation_block_set("VipsForeignLoadJpeg", FALSE);
//   vips_operation_block_set("VipsForeignLoadPng", FALSE);
//   vips_operation_block_set("VipsForeignLoadWebp", FALSE);
//   vips_operation_block_set("VipsForeignLoadNsgif", FALSE);
//   vips_operation_block_set("VipsForeignLoadHeif", FALSE);
// }
import "C"

import (
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/davidbyttow/govips/v2/vips"
)

// libvips is process-wide state: it is started once, with the settings of the first New, and
// never shut down (govips cannot restart it).
var libvips struct {
	once sync.Once
	err  error
	cfg  Config // the process-wide part of the first configuration
}

func startVips(cfg Config) error {
	libvips.once.Do(func() {
		libvips.cfg = cfg
		libvips.err = startOnce(cfg)
	})
	if libvips.err != nil {
		return libvips.err
	}
	p := libvips.cfg
	switch {
	case p.Concurrency != cfg.Concurrency:
		return fmt.Errorf("concurrency: libvips already runs with %d in this process", p.Concurrency)
	case p.CacheMaxOperations != cfg.CacheMaxOperations:
		return fmt.Errorf("cache_max_operations: libvips already runs with %d in this process", p.CacheMaxOperations)
	case p.CacheMaxMemory != cfg.CacheMaxMemory:
		return fmt.Errorf("cache_max_memory: libvips already runs with %d in this process", p.CacheMaxMemory)
	case p.MallocTrimInterval != cfg.MallocTrimInterval:
		return fmt.Errorf("malloc_trim_interval: this process already runs with %s", p.MallocTrimInterval)
	case p.MallocTrimAbove != cfg.MallocTrimAbove:
		return fmt.Errorf("malloc_trim_above: this process already runs with %d", p.MallocTrimAbove)
	}
	return nil
}

func startOnce(cfg Config) (err error) {
	defer func() {
		if r := recover(); r != nil { // govips panics when libvips cannot start
			err = fmt.Errorf("imaging: starting libvips: %v", r)
		}
	}()
	level, off := vipsLogLevel(cfg.LogLevel)
	vips.LoggingSettings(func(domain string, l vips.LogLevel, msg string) {
		if off {
			return
		}
		log := slog.Default().With("component", "libvips", "domain", domain)
		switch {
		case l <= vips.LogLevelCritical:
			log.Error(msg)
		case l <= vips.LogLevelWarning:
			log.Warn(msg)
		default:
			log.Info(msg)
		}
	}, level)
	vips.Startup(&vips.Config{
		ConcurrencyLevel: cfg.Concurrency,
		MaxCacheFiles:    0,
		MaxCacheMem:      cfg.CacheMaxMemory,
		MaxCacheSize:     cfg.CacheMaxOperations,
	})
	C.block_loaders()
	startTrimmer(cfg.MallocTrimInterval, cfg.MallocTrimAbove)
	return nil
}

func vipsLogLevel(s string) (vips.LogLevel, bool) {
	switch strings.ToLower(s) {
	case "off":
		return vips.LogLevelError, true
	case "error":
		return vips.LogLevelError, false
	case "info":
		return vips.LogLevelInfo, false
	}
	return vips.LogLevelWarning, false
}
