package watermark

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"unicode/utf8"

	"github.com/imgorigin/imgorigin/origin/imgprobe"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// ImageConfig is a named image mark.
type ImageConfig struct {
	Source  string  `mapstructure:"source"`  // a configured source
	Key     string  `mapstructure:"key"`     // the mark's object key in that source
	Gravity string  `mapstructure:"gravity"` // n ne e se s sw w nw c; default se
	X       int     `mapstructure:"x"`       // margin from the gravity's edge, output pixels
	Y       int     `mapstructure:"y"`
	Opacity int     `mapstructure:"opacity"` // percent 1..100; default 100
	Size    float64 `mapstructure:"size"`    // width as a fraction of the output width; default 0.25
	Tile    bool    `mapstructure:"tile"`    // repeat over the whole image, x and y as gaps
}

// TextConfig is a named text mark.
type TextConfig struct {
	Text    string  `mapstructure:"text"`    // UTF-8, at most maxTextBytes, one line
	Font    string  `mapstructure:"font"`    // fontconfig family; default DefaultFont
	Size    float64 `mapstructure:"size"`    // font pixel size / shorter output side; default 0.06
	Colour  string  `mapstructure:"colour"`  // rrggbb; default ffffff
	Opacity int     `mapstructure:"opacity"` // percent 1..100; default 100
	Gravity string  `mapstructure:"gravity"` // as for images; default se
	X       int     `mapstructure:"x"`
	Y       int     `mapstructure:"y"`
	Shadow  bool    `mapstructure:"shadow"` // a soft dark copy under the text
}

// Config holds the named marks: render.watermarks.images.{name}, render.watermarks.texts.{name}.
type Config struct {
	Images map[string]ImageConfig `mapstructure:"images"`
	Texts  map[string]TextConfig  `mapstructure:"texts"`
}

// Defaults and bounds.
const (
	DefaultFont      = "Noto Sans CJK SC" // Debian fonts-noto-cjk; covers Latin, Chinese, Japanese and Korean
	defaultImageSize = 0.25
	defaultTextSize  = 0.06
	maxTextBytes     = 256
	maxMargin        = 4096
)

// DefaultConfig has no marks.
func DefaultConfig() Config {
	return Config{Images: map[string]ImageConfig{}, Texts: map[string]TextConfig{}}
}

// Validate checks every mark; errors name the key under prefix (e.g. "render.watermarks").
func (c Config) Validate(prefix string) error {
	var errs []error
	for _, name := range sortedKeys(c.Images) {
		if err := c.Images[name].validate(); err != nil {
			errs = append(errs, fmt.Errorf("%s.images.%s: %w", prefix, name, err))
		}
		if !imgurl.ValidName(name) {
			errs = append(errs, fmt.Errorf("%s.images.%s: names are [a-z0-9][a-z0-9-]{0,31}", prefix, name))
		}
	}
	for _, name := range sortedKeys(c.Texts) {
		if err := c.Texts[name].validate(); err != nil {
			errs = append(errs, fmt.Errorf("%s.texts.%s: %w", prefix, name, err))
		}
		if !imgurl.ValidName(name) {
			errs = append(errs, fmt.Errorf("%s.texts.%s: names are [a-z0-9][a-z0-9-]{0,31}", prefix, name))
		}
	}
	return errors.Join(errs...)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func (m ImageConfig) validate() error {
	switch {
	case !imgurl.ValidName(m.Source):
		return errors.New("source: a configured source name is required")
	case imgurl.ValidateKey(m.Key, imgurl.DefaultLimits()) != nil:
		return fmt.Errorf("key: %v", imgurl.ValidateKey(m.Key, imgurl.DefaultLimits()))
	case m.Size < 0 || m.Size > 1 || math.IsNaN(m.Size):
		return errors.New("size: a fraction of the output width, 0 < size <= 1")
	}
	return validatePlacement(m.Gravity, m.X, m.Y, m.Opacity)
}

func (t TextConfig) validate() error {
	switch {
	case t.Text == "":
		return errors.New("text: required")
	case len(t.Text) > maxTextBytes:
		return fmt.Errorf("text: at most %d bytes", maxTextBytes)
	case !utf8.ValidString(t.Text):
		return errors.New("text: not valid UTF-8")
	case t.Size < 0 || t.Size > 1 || math.IsNaN(t.Size):
		return errors.New("size: a fraction of the output's shorter side, 0 < size <= 1")
	case t.Colour != "" && !hex6(t.Colour):
		return errors.New("colour: lower-case rrggbb")
	}
	for _, r := range t.Text {
		if r < 0x20 || r == 0x7f {
			return errors.New("text: one line, no control characters")
		}
	}
	return validatePlacement(t.Gravity, t.X, t.Y, t.Opacity)
}

func validatePlacement(g string, x, y, opacity int) error {
	switch {
	case !knownGravity(g):
		return fmt.Errorf("gravity: n, ne, e, se, s, sw, w, nw or c, not %q", g)
	case x < 0 || y < 0 || x > maxMargin || y > maxMargin:
		return fmt.Errorf("x, y: margins 0..%d pixels", maxMargin)
	case opacity < 0 || opacity > 100:
		return errors.New("opacity: percent 1..100")
	}
	return nil
}

func knownGravity(g string) bool {
	switch g {
	case "", "n", "ne", "e", "se", "s", "sw", "w", "nw", "c":
		return true
	}
	return false
}

func hex6(s string) bool {
	if len(s) != 6 {
		return false
	}
	for i := 0; i < 6; i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// Placement is where a mark sits, defaults applied.
type Placement struct {
	Gravity imgurl.Gravity // a compass point, or GravityDefault for the centre
	X, Y    int
	Opacity float64 // 0 < opacity <= 1
}

func placement(g string, x, y, opacity int) Placement {
	p := Placement{Gravity: imgurl.Gravity(g), X: x, Y: y, Opacity: float64(opacity) / 100}
	switch g {
	case "":
		p.Gravity = imgurl.GravitySouthEast
	case "c":
		p.Gravity = imgurl.GravityDefault
	}
	if opacity == 0 {
		p.Opacity = 1
	}
	return p
}

// Image is an image mark ready to draw: its bytes (from the originals cache) and settings.
type Image struct {
	Data []byte
	Info imgprobe.Info // the probed header of Data
	Placement
	Size float64 // fraction of the output width
	Tile bool
}

// Text is a text mark ready to draw.
type Text struct {
	Text   string
	Font   string
	Size   float64 // font pixel size / shorter output side
	Colour [3]uint8
	Placement
	Shadow bool
}

// Set is the marks of one variant; nil fields are absent.
type Set struct {
	Image *Image
	Text  *Text
	// Identity hashes the marks' settings and the image mark's source identity; it enters the
	// variant key. Empty when the set is empty.
	Identity string
}

// Empty reports whether no mark is set.
func (s Set) Empty() bool { return s.Image == nil && s.Text == nil }

// Resolve applies the defaults of an image mark to its probed bytes.
func (m ImageConfig) Resolve(data []byte, info imgprobe.Info) *Image {
	size := m.Size
	if size == 0 {
		size = defaultImageSize
	}
	return &Image{Data: data, Info: info, Placement: placement(m.Gravity, m.X, m.Y, m.Opacity), Size: size, Tile: m.Tile}
}

// Resolve applies the defaults of a text mark.
func (t TextConfig) Resolve() *Text {
	out := &Text{Text: t.Text, Font: t.Font, Size: t.Size, Placement: placement(t.Gravity, t.X, t.Y, t.Opacity), Shadow: t.Shadow,
		Colour: [3]uint8{255, 255, 255}}
	if out.Font == "" {
		out.Font = DefaultFont
	}
	if out.Size == 0 {
		out.Size = defaultTextSize
	}
	if t.Colour != "" {
		var v [3]byte
		for i := range v {
			v[i] = unhex(t.Colour[2*i])<<4 | unhex(t.Colour[2*i+1])
		}
		out.Colour = v
	}
	return out
}

func unhex(c byte) byte {
	if c >= 'a' {
		return c - 'a' + 10
	}
	return c - '0'
}

// Identity is the variant-key part of a set of marks: a hash of the named image mark's
// settings and source identity (markIdentity, "" without an image mark) and of the text mark's
// settings. Its alphabet is base64url, so it never contains the key separator '#'.
func Identity(img *ImageConfig, markIdentity string, text *TextConfig) string {
	if img == nil && text == nil {
		return ""
	}
	h := sha256.New()
	str := func(s string) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	num := func(v float64) {
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], math.Float64bits(v))
		h.Write(b[:])
	}
	flag := func(b bool) {
		if b {
			h.Write([]byte{1})
		} else {
			h.Write([]byte{0})
		}
	}
	if img != nil {
		str("image")
		str(img.Source)
		str(img.Key)
		str(markIdentity)
		str(img.Gravity)
		num(float64(img.X))
		num(float64(img.Y))
		num(float64(img.Opacity))
		num(img.Size)
		flag(img.Tile)
	}
	if text != nil {
		str("text")
		str(text.Text)
		str(text.Font)
		num(text.Size)
		str(text.Colour)
		num(float64(text.Opacity))
		str(text.Gravity)
		num(float64(text.X))
		num(float64(text.Y))
		flag(text.Shadow)
	}
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:15])
}
