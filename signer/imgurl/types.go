package imgurl

// Prefix is the path prefix of every image URL.
const Prefix = "/i/"

// Fit says how an image is fitted into the requested box.
type Fit string

// The fit modes. FitDefault (empty) means cover when both width and height are given.
const (
	FitDefault Fit = ""
	FitCover   Fit = "cover"   // fill the box, crop the overflow (at Gravity)
	FitContain Fit = "contain" // fit inside the box, keep aspect, may upscale
	FitFill    Fit = "fill"    // stretch to the box exactly, ignore aspect
	FitInside  Fit = "inside"  // like contain but never upscale
	FitPad     Fit = "pad"     // contain, then pad to the box with Background
)

// Gravity says which part of the image is kept by a crop or where it sits in a pad.
type Gravity string

// The gravities. GravityDefault (empty) means centre.
const (
	GravityDefault   Gravity = ""
	GravityNorth     Gravity = "n"
	GravityNorthEast Gravity = "ne"
	GravityEast      Gravity = "e"
	GravitySouthEast Gravity = "se"
	GravitySouth     Gravity = "s"
	GravitySouthWest Gravity = "sw"
	GravityWest      Gravity = "w"
	GravityNorthWest Gravity = "nw"
	GravitySmart     Gravity = "smart" // libvips attention crop
)

// Format is an output format.
type Format string

// The output formats.
const (
	JPEG Format = "jpeg"
	PNG  Format = "png"
	WebP Format = "webp"
	AVIF Format = "avif"
	GIF  Format = "gif"
	// Auto is not an encoding: the origin picks AVIF, WebP or a JPEG/PNG fallback per request
	// from the browser's Accept header (the format bucket; see the package documentation).
	Auto Format = "auto"
)

// Options are explicit resize options. The zero value of each field means "default" and is
// never written in a canonical path.
type Options struct {
	Width      int     // output width in CSS pixels; 0 = follow the height's aspect
	Height     int     // output height in CSS pixels; 0 = follow the width's aspect
	Fit        Fit     // only when Width and Height are both set
	Gravity    Gravity // only with FitCover (or default) and FitPad
	DPR        float64 // device pixel ratio, 0 = 1; at most two decimals
	Quality    int     // 1..100, 0 = the format's default
	Background string  // pad colour, lower-case hex "rrggbb" or "rrggbbaa"; only with FitPad
	Format     Format  // required; Auto lets the origin choose per request
}

// Variant is either a named preset (from the origin's config) or explicit options.
// Exactly one of Preset and Options is set.
type Variant struct {
	Preset  string
	Options Options
}

// Path is a parsed image URL path: /i/{variant}/{source}/{key}.
type Path struct {
	Variant Variant
	Source  string // a configured source name
	Key     string // the store's object key, unescaped; may contain '/'
}

// Limits bound every number a path may carry. The zero value is not usable; start from
// DefaultLimits.
type Limits struct {
	MaxWidth   int
	MaxHeight  int
	MaxDPR     float64
	MaxKeyLen  int // bytes of the unescaped key
	MaxPathLen int // bytes of the escaped path
}

// DefaultLimits returns the limits the origin uses unless configured otherwise.
func DefaultLimits() Limits {
	return Limits{MaxWidth: 4096, MaxHeight: 4096, MaxDPR: 4, MaxKeyLen: 1024, MaxPathLen: 2048}
}
