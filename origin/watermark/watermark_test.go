package watermark

import (
	"strings"
	"testing"

	"github.com/imgorigin/imgorigin/origin/imgprobe"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

func TestValidate(t *testing.T) {
	ok := ImageConfig{Source: "local", Key: "marks/logo.png"}
	for name, c := range map[string]Config{
		"no source":     {Images: map[string]ImageConfig{"a": {Key: "x.png"}}},
		"dot dot key":   {Images: map[string]ImageConfig{"a": {Source: "local", Key: "../x.png"}}},
		"size":          {Images: map[string]ImageConfig{"a": {Source: "local", Key: "x.png", Size: 1.5}}},
		"gravity":       {Images: map[string]ImageConfig{"a": {Source: "local", Key: "x.png", Gravity: "middle"}}},
		"opacity":       {Images: map[string]ImageConfig{"a": {Source: "local", Key: "x.png", Opacity: 101}}},
		"bad name":      {Images: map[string]ImageConfig{"Logo": ok}},
		"empty text":    {Texts: map[string]TextConfig{"t": {}}},
		"control chars": {Texts: map[string]TextConfig{"t": {Text: "a\nb"}}},
		"long text":     {Texts: map[string]TextConfig{"t": {Text: strings.Repeat("字", 100)}}},
		"colour":        {Texts: map[string]TextConfig{"t": {Text: "a", Colour: "FFF"}}},
	} {
		if err := c.Validate("render.watermarks"); err == nil || !strings.HasPrefix(err.Error(), "render.watermarks.") {
			t.Errorf("%s: Validate = %v, want an error naming the key", name, err)
		}
	}
	good := Config{Images: map[string]ImageConfig{"logo": ok}, Texts: map[string]TextConfig{"t": {Text: "水印 <b>&"}}}
	if err := good.Validate("render.watermarks"); err != nil {
		t.Fatal(err)
	}
}

func TestResolveDefaults(t *testing.T) {
	m := ImageConfig{Source: "local", Key: "x.png"}.Resolve(nil, imgurlInfo())
	if m.Size != defaultImageSize || m.Opacity != 1 || m.Gravity != imgurl.GravitySouthEast {
		t.Errorf("image defaults: %+v", m)
	}
	c := ImageConfig{Source: "local", Key: "x.png", Gravity: "c"}.Resolve(nil, imgurlInfo())
	if c.Gravity != imgurl.GravityDefault {
		t.Errorf("centre: %q", c.Gravity)
	}
	tx := TextConfig{Text: "a", Colour: "102030", Opacity: 50}.Resolve()
	if tx.Font != DefaultFont || tx.Size != defaultTextSize || tx.Colour != [3]uint8{0x10, 0x20, 0x30} || tx.Opacity != 0.5 {
		t.Errorf("text defaults: %+v", tx)
	}
}

// TestIdentity: every setting and the mark's source identity change the identity; it never
// contains the cache key separator.
func TestIdentity(t *testing.T) {
	img := ImageConfig{Source: "local", Key: "logo.png", Opacity: 70}
	txt := TextConfig{Text: "水印"}
	base := Identity(&img, "etag-1", &txt)
	if Identity(nil, "", nil) != "" || strings.Contains(base, "#") || base == "" {
		t.Fatalf("identity %q", base)
	}
	img2, txt2 := img, txt
	img2.Opacity = 71
	txt2.Shadow = true
	for name, id := range map[string]string{
		"mark bytes":   Identity(&img, "etag-2", &txt),
		"opacity":      Identity(&img2, "etag-1", &txt),
		"text setting": Identity(&img, "etag-1", &txt2),
		"no text":      Identity(&img, "etag-1", nil),
		"no image":     Identity(nil, "", &txt),
	} {
		if id == base {
			t.Errorf("%s: same identity", name)
		}
	}
	if Identity(&img, "etag-1", &txt) != base {
		t.Error("identity is not deterministic")
	}
}

func imgurlInfo() imgprobe.Info { return imgprobe.Info{Format: imgprobe.PNG, Width: 10, Height: 10} }
