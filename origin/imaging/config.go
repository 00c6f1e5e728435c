package imaging

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Config configures the engine. Concurrency, CacheMaxOperations, CacheMaxMemory and LogLevel
// are process-wide in libvips: the first New fixes them.
type Config struct {
	// MaxPixels bounds width×height of a source (one frame). Default 40 MP.
	MaxPixels int64 `mapstructure:"max_pixels"`
	// MaxFrames bounds the frames of an animated source rendered as an animation. Default 200.
	MaxFrames int `mapstructure:"max_frames"`
	// MaxAnimationPixels bounds width×height×frames of an animation that is decoded. Default 50 MP.
	MaxAnimationPixels int64 `mapstructure:"max_animation_pixels"`
	// MaxJPEGScans bounds the scans of a JPEG source. Every scan of a progressive JPEG makes the
	// decoder revisit each coefficient block, so a small file of thousands of tiny scans costs
	// seconds of CPU however small the output; encoders write 1 (baseline) to about 12.
	// Default 256.
	MaxJPEGScans int `mapstructure:"max_jpeg_scans"`
	// MaxOutputSide bounds each output dimension after DPR: a request whose width or height
	// times DPR is larger is refused before decoding (422); a dimension that follows the
	// source's aspect (only a width asked for, or no resize) is scaled down to it instead,
	// keeping the aspect ratio. Default 4096.
	MaxOutputSide int `mapstructure:"max_output_side"`
	// MaxOutputPixels bounds what one output encodes: width × height of a frame, after DPR and
	// max_output_side, times the frames of an animated output. A request above it is refused
	// before anything is decoded (422). The input limits do not cover this: 200 frames of 1×5
	// px (a 4.8 KB GIF) asked for at w_800 are 640 MP of WebP to encode. Default 50 MP (an
	// 800×600 animation of 100 frames is 48 MP; a 4096×4096 still is 16.8 MP).
	MaxOutputPixels int64 `mapstructure:"max_output_pixels"`
	// Pipeline is "shrink" (JPEG loaded with the largest fitting shrink-on-load, then resized)
	// or "thumbnail" (vips_thumbnail for everything). Default "shrink".
	Pipeline string `mapstructure:"pipeline"`
	// Concurrency is the number of libvips worker threads per image. Default 1: the origin
	// processes several images at once instead (see package admission).
	Concurrency int `mapstructure:"concurrency"`
	// CacheMaxOperations is the size of libvips' operation cache; 0 turns it off (the origin
	// caches results itself). Default 0.
	CacheMaxOperations int `mapstructure:"cache_max_operations"`
	// CacheMaxMemory bounds the memory of libvips' operation cache in bytes. Default 0.
	CacheMaxMemory int `mapstructure:"cache_max_memory"`
	// FailOnWarning makes decoding fail on any decoder warning (truncated or damaged data).
	// Default false: like browsers, libvips renders what it can of a damaged image.
	FailOnWarning bool `mapstructure:"fail_on_warning"`
	// StripMetadata removes EXIF, XMP, IPTC and ICC data from outputs (pixels are converted to
	// sRGB first). Default true.
	StripMetadata bool `mapstructure:"strip_metadata"`
	// Quality is the default quality per output format when the URL gives none.
	Quality Quality `mapstructure:"quality"`
	// JPEGProgressive writes progressive JPEGs. Default false (faster to encode).
	JPEGProgressive bool `mapstructure:"jpeg_progressive"`
	// PNGCompression is the zlib level 0..9. Default 6.
	PNGCompression int `mapstructure:"png_compression"`
	// WebPEffort is libwebp's method 0..6. Default 4.
	WebPEffort int `mapstructure:"webp_effort"`
	// AVIFEffort is the AV1 encoder effort 0..9. Default 2 (AVIF encoding is slow).
	AVIFEffort int `mapstructure:"avif_effort"`
	// LogLevel is the minimum level of libvips messages routed to slog: off, error, warning,
	// info. Default warning.
	LogLevel string `mapstructure:"log_level"`
	// MallocTrimInterval is how often, when the C allocator is glibc's, the memory outside the
	// Go runtime (RSS minus what the Go runtime has mapped: libvips' buffers, the free space
	// glibc keeps of them, the code) is compared with MallocTrimAbove, and glibc's
	// malloc_trim(0) called when it is above. Process-wide: the first New fixes it. 0 turns
	// trimming off. Default 250ms (BENCHMARKS.md §11, run 3: as fast as 1s or faster, and a
	// check is one read of /proc/self/statm).
	MallocTrimInterval time.Duration `mapstructure:"malloc_trim_interval"`
	// MallocTrimAbove is the memory outside the Go runtime, in bytes, above which the trim loop
	// gives glibc's free space back; 0 trims every interval. Below it the free space is kept
	// for the next renders, which would otherwise fault in and zero fresh pages. Default
	// 192 MiB (BENCHMARKS.md §11: RSS of a node under sustained distinct renders stays under
	// 250 MiB with the originals cache's share of the Go heap on top).
	MallocTrimAbove int64 `mapstructure:"malloc_trim_above"`
}

// Quality holds the default quality (1..100) of each lossy output format.
type Quality struct {
	JPEG int `mapstructure:"jpeg"`
	WebP int `mapstructure:"webp"`
	AVIF int `mapstructure:"avif"`
}

// The pipelines.
const (
	PipelineShrink    = "shrink"
	PipelineThumbnail = "thumbnail"
)

// DefaultConfig returns the configuration used unless configured otherwise.
func DefaultConfig() Config {
	return Config{
		MaxPixels:          40_000_000,
		MaxFrames:          200,
		MaxAnimationPixels: 50_000_000,
		MaxJPEGScans:       256,
		MaxOutputSide:      4096,
		MaxOutputPixels:    50_000_000,
		Pipeline:           PipelineShrink,
		Concurrency:        1,
		CacheMaxOperations: 0,
		CacheMaxMemory:     0,
		StripMetadata:      true,
		Quality:            Quality{JPEG: 80, WebP: 80, AVIF: 60},
		PNGCompression:     6,
		WebPEffort:         4,
		AVIFEffort:         2,
		LogLevel:           "warning",
		MallocTrimInterval: 250 * time.Millisecond,
		MallocTrimAbove:    192 << 20,
	}
}

// Validate checks every key; the errors name the key.
func (c Config) Validate() error {
	var errs []error
	bad := func(key, msg string) { errs = append(errs, fmt.Errorf("%s: %s", key, msg)) }
	if c.MaxPixels < 1 || c.MaxPixels > 1<<32 {
		bad("max_pixels", "must be 1..4294967296")
	}
	if c.MaxFrames < 1 || c.MaxFrames > 10000 {
		bad("max_frames", "must be 1..10000")
	}
	if c.MaxAnimationPixels < 1 || c.MaxAnimationPixels > 1<<32 {
		bad("max_animation_pixels", "must be 1..4294967296")
	}
	if c.MaxJPEGScans < 1 || c.MaxJPEGScans > 100000 {
		bad("max_jpeg_scans", "must be 1..100000")
	}
	if c.MaxOutputSide < 16 || c.MaxOutputSide > 16384 {
		bad("max_output_side", "must be 16..16384")
	}
	if c.MaxOutputPixels < 1 || c.MaxOutputPixels > 1<<32 {
		bad("max_output_pixels", "must be 1..4294967296")
	}
	if c.Pipeline != PipelineShrink && c.Pipeline != PipelineThumbnail {
		bad("pipeline", `must be "shrink" or "thumbnail"`)
	}
	if c.Concurrency < 1 || c.Concurrency > 256 {
		bad("concurrency", "must be 1..256")
	}
	if c.CacheMaxOperations < 0 || c.CacheMaxOperations > 10000 {
		bad("cache_max_operations", "must be 0..10000")
	}
	if c.CacheMaxMemory < 0 {
		bad("cache_max_memory", "must be >= 0")
	}
	for _, q := range []struct {
		key string
		v   int
	}{{"quality.jpeg", c.Quality.JPEG}, {"quality.webp", c.Quality.WebP}, {"quality.avif", c.Quality.AVIF}} {
		if q.v < 1 || q.v > 100 {
			bad(q.key, "must be 1..100")
		}
	}
	if c.MallocTrimInterval < 0 || (c.MallocTrimInterval > 0 && c.MallocTrimInterval < 100*time.Millisecond) {
		bad("malloc_trim_interval", "must be 0 (off) or at least 100ms")
	}
	if c.MallocTrimAbove < 0 {
		bad("malloc_trim_above", "must be >= 0")
	}
	if c.PNGCompression < 0 || c.PNGCompression > 9 {
		bad("png_compression", "must be 0..9")
	}
	if c.WebPEffort < 0 || c.WebPEffort > 6 {
		bad("webp_effort", "must be 0..6")
	}
	if c.AVIFEffort < 0 || c.AVIFEffort > 9 {
		bad("avif_effort", "must be 0..9")
	}
	switch strings.ToLower(c.LogLevel) {
	case "off", "error", "warning", "info":
	default:
		bad("log_level", "must be off, error, warning or info")
	}
	return errors.Join(errs...)
}
