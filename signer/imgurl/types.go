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
	// GravityFocus crops around the focal point Options.FocusX, Options.FocusY (spelled
	// g_fp_{x}_{y}).
	GravityFocus Gravity = "fp"
)

// Flip mirrors the image. A vertical mirror is a horizontal one after a half turn, so the one
// canonical spelling of a vertical flip is rot_180,flip_h.
type Flip string

// The flips. FlipNone (empty) is the default.
const (
	FlipNone       Flip = ""
	FlipHorizontal Flip = "h" // mirror left to right
)

// Region is a rectangle in pixels of the upright source (after EXIF orientation). The zero
// value means no crop.
type Region struct {
	X, Y, W, H int
}

// IsZero reports whether r is the zero value (no crop).
func (r Region) IsZero() bool { return r == Region{} }

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

// Options are explicit processing options. The zero value of each field means "default" and
// is never written in a canonical path. The fields are in the canonical order, which is also
// the order in which the origin applies them (see the package documentation).
type Options struct {
	Crop       Region  // region of the upright source to keep before anything else
	Rotate     int     // 90, 180 or 270 degrees clockwise; 0 = none
	Flip       Flip    // mirror after rotating
	Width      int     // output width in CSS pixels; 0 = follow the height's aspect
	Height     int     // output height in CSS pixels; 0 = follow the width's aspect
	Fit        Fit     // only when Width and Height are both set
	Gravity    Gravity // only with FitCover (or default) and FitPad (compass points)
	FocusX     float64 // focal point 0..1 of the width, only with GravityFocus; at most 3 decimals
	FocusY     float64 // focal point 0..1 of the height, only with GravityFocus
	DPR        float64 // device pixel ratio, 0 = 1; at most two decimals
	Blur       float64 // Gaussian blur sigma in output pixels, 0 = none; one decimal
	Sharpen    float64 // sharpening sigma in output pixels, 0 = none; one decimal
	Watermark  string  // name of an image watermark in the origin's config
	Text       string  // name of a text watermark in the origin's config
	Quality    int     // 1..100, 0 = the format's default
	Background string  // lower-case hex: the pad colour ("rrggbb" or "rrggbbaa") with FitPad, else
	// the colour alpha is flattened onto ("rrggbb") with JPEG output; default white
	Format Format // required; Auto lets the origin choose per request
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

// MaxCropSide bounds every number of a crop region (x, y, width, height, x+width, y+height):
// no source the origin decodes is larger.
const MaxCropSide = 65535

// Limits bound every number a path may carry. The zero value is not usable; start from
// DefaultLimits.
type Limits struct {
	MaxWidth   int
	MaxHeight  int
	MaxDPR     float64
	MaxKeyLen  int     // bytes of the unescaped key
	MaxPathLen int     // bytes of the escaped path
	MaxBlur    float64 // largest blur sigma
	MaxSharpen float64 // largest sharpen sigma
}

// DefaultLimits returns the limits the origin uses unless configured otherwise.
func DefaultLimits() Limits {
	return Limits{MaxWidth: 4096, MaxHeight: 4096, MaxDPR: 4, MaxKeyLen: 1024, MaxPathLen: 2048, MaxBlur: 50, MaxSharpen: 10}
}
