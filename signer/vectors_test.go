package signer

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/signer/imgurl"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors.json from the current implementation")

// vectorFile is testdata/vectors.json, read by the Go, JavaScript and Python tests.
type vectorFile struct {
	Comment string         `json:"comment"`
	Keys    []KeyEntry     `json:"keys"` // the native ring (test secrets only)
	CDN     vectorCDNKeys  `json:"cdn"`
	Vectors []vector       `json:"vectors"`
	Markup  []markupVector `json:"markup"` // srcset and <picture> (Responsive)
}

// markupVector is one piece of responsive markup: the input, the token format and clock, and
// the srcset (of the input's format) and <picture> (of formats, when given) every signer writes.
type markupVector struct {
	Name    string       `json:"name"`
	Format  string       `json:"format"` // the token format, as in vector
	Input   *vectorInput `json:"input"`
	Widths  []int        `json:"widths"`
	Formats []string     `json:"formats,omitempty"`
	Sizes   string       `json:"sizes,omitempty"`
	Alt     string       `json:"alt,omitempty"`
	Base    string       `json:"base"`
	Now     int64        `json:"now"`
	TTL     int64        `json:"ttl"`
	Bucket  int64        `json:"bucket"`
	Exp     int64        `json:"exp"`
	Srcset  string       `json:"srcset"`
	Picture string       `json:"picture,omitempty"`
}

func (m markupVector) responsive() Responsive {
	r := Responsive{Path: m.Input.path(), Widths: m.Widths, Sizes: m.Sizes, Alt: m.Alt}
	for _, f := range m.Formats {
		r.Formats = append(r.Formats, imgurl.Format(f))
	}
	return r
}

var markupInputs = []markupVector{
	{Name: "f_auto srcset", Format: "native", Input: &vectorInput{Opts: &vectorOpts{W: 320, F: "auto"}, Source: "local", Key: "photos/cat.jpg"},
		Widths: []int{320, 640, 960}, Sizes: "100vw"},
	{Name: "picture with a crop", Format: "tencent-d-hex", Input: &vectorInput{Opts: &vectorOpts{W: 300, H: 200, Q: 70, F: "jpeg"}, Source: "s3", Key: "2024/beach.jpg"},
		Widths: []int{150, 300, 601}, Formats: []string{"avif", "webp", "jpeg"}, Sizes: "(max-width: 600px) 100vw, 600px", Alt: `Café "quoted" & <tag> it's`},
	{Name: "picture escaped key", Format: "aliyun-a", Input: &vectorInput{Opts: &vectorOpts{W: 400, F: "webp"}, Source: "local", Key: "holiday photos/été,1.png"},
		Widths: []int{200, 400}, Formats: []string{"webp", "png"}},
}

type vectorCDNKeys struct {
	Key      string `json:"key"`
	ValidFor int64  `json:"valid_for"` // seconds
}

// vectorInput is the struct an app fills in: a preset or options, a source, a key.
type vectorInput struct {
	Info   bool        `json:"info,omitempty"` // an info path: /info/{source}/{key}
	Preset string      `json:"preset,omitempty"`
	Opts   *vectorOpts `json:"options,omitempty"`
	Source string      `json:"source"`
	Key    string      `json:"key"`
}

type vectorOpts struct {
	C    []int     `json:"c,omitempty"` // x, y, width, height
	Rot  int       `json:"rot,omitempty"`
	Flip string    `json:"flip,omitempty"`
	W    int       `json:"w,omitempty"`
	H    int       `json:"h,omitempty"`
	Fit  string    `json:"fit,omitempty"`
	G    string    `json:"g,omitempty"`
	FP   []float64 `json:"fp,omitempty"` // with g "fp": x, y
	DPR  float64   `json:"dpr,omitempty"`
	Blur float64   `json:"blur,omitempty"`
	Sh   float64   `json:"sh,omitempty"`
	WM   string    `json:"wm,omitempty"`
	TM   string    `json:"tm,omitempty"`
	Q    int       `json:"q,omitempty"`
	BG   string    `json:"bg,omitempty"`
	F    string    `json:"f"`
}

type vector struct {
	Name   string       `json:"name"`
	Format string       `json:"format"` // native, aliyun-a, tencent-a, tencent-d-hex, tencent-d-dec
	Input  *vectorInput `json:"input,omitempty"`
	Path   string       `json:"path"`   // canonical escaped path (the input's, or given)
	Now    int64        `json:"now"`    // signing time, unix seconds
	TTL    int64        `json:"ttl"`    // seconds
	Bucket int64        `json:"bucket"` // seconds
	Exp    int64        `json:"exp"`    // Expiry(now, ttl, bucket)
	Query  string       `json:"query"`  // the query string that authorizes path until exp
}

func (in vectorInput) path() imgurl.Path {
	p := imgurl.Path{Source: in.Source, Key: in.Key, Variant: imgurl.Variant{Preset: in.Preset}}
	if o := in.Opts; o != nil {
		p.Variant.Options = imgurl.Options{Width: o.W, Height: o.H, Fit: imgurl.Fit(o.Fit), Gravity: imgurl.Gravity(o.G),
			DPR: o.DPR, Quality: o.Q, Background: o.BG, Format: imgurl.Format(o.F),
			Rotate: o.Rot, Flip: imgurl.Flip(o.Flip), Blur: o.Blur, Sharpen: o.Sh, Watermark: o.WM, Text: o.TM}
		if len(o.C) == 4 {
			p.Variant.Options.Crop = imgurl.Region{X: o.C[0], Y: o.C[1], W: o.C[2], H: o.C[3]}
		}
		if len(o.FP) == 2 {
			p.Variant.Options.FocusX, p.Variant.Options.FocusY = o.FP[0], o.FP[1]
		}
	}
	return p
}

// build returns the canonical path of the input: an image path, or an info path.
func (in vectorInput) build() (string, error) {
	if in.Info {
		return imgurl.BuildInfo(imgurl.InfoPath{Source: in.Source, Key: in.Key}, imgurl.DefaultLimits())
	}
	return imgurl.Build(in.path(), imgurl.DefaultLimits())
}

// testSecret is a fixed secret for vectors and tests: the bytes 0..31.
func testSecret(seed byte) []byte {
	b := make([]byte, 32)
	for i := range b {
		b[i] = seed + byte(i)
	}
	return b
}

var vectorInputs = []struct {
	name string
	in   vectorInput
}{
	{"preset", vectorInput{Preset: "thumb", Source: "fdfs", Key: "group1/M00/00/00/wKgBAFxyz123.jpg"}},
	{"width and format", vectorInput{Opts: &vectorOpts{W: 300, F: "webp"}, Source: "local", Key: "photos/cat.jpg"}},
	{"pad", vectorInput{Opts: &vectorOpts{W: 300, H: 200, Fit: "pad", BG: "ffffff", F: "jpeg"}, Source: "s3", Key: "a/b.png"}},
	{"every option", vectorInput{Opts: &vectorOpts{W: 640, H: 480, G: "smart", DPR: 1.5, Q: 80, F: "avif"}, Source: "s3", Key: "2024/beach.jpg"}},
	{"dpr two decimals", vectorInput{Opts: &vectorOpts{H: 120, DPR: 2.25, F: "png"}, Source: "local", Key: "x.png"}},
	{"dpr below one", vectorInput{Opts: &vectorOpts{W: 800, H: 600, Fit: "inside", DPR: 0.75, F: "gif"}, Source: "local", Key: "anim.gif"}},
	{"escaped key", vectorInput{Preset: "card-2x", Source: "my-store", Key: "holiday photos/café,été/a;b?c#d%e!f*g'h(i)j+k$l&m=n:o@p~q_r.s-t.jpg"}},
	{"unicode key", vectorInput{Opts: &vectorOpts{W: 64, H: 64, G: "ne", F: "webp"}, Source: "local", Key: "图片/猫.jpg"}},
	{"crop region, rotate, flip", vectorInput{Opts: &vectorOpts{C: []int{0, 40, 1200, 800}, Rot: 270, Flip: "h", W: 300, F: "webp"}, Source: "s3", Key: "2024/beach.jpg"}},
	{"focal point", vectorInput{Opts: &vectorOpts{W: 400, H: 400, G: "fp", FP: []float64{0.25, 0.8}, F: "jpeg"}, Source: "local", Key: "people/team.jpg"}},
	{"focal point corner", vectorInput{Opts: &vectorOpts{W: 40, H: 90, G: "fp", FP: []float64{0, 1}, F: "png"}, Source: "local", Key: "x.png"}},
	{"blur and sharpen", vectorInput{Opts: &vectorOpts{W: 800, Blur: 12.5, Sh: 0.5, Q: 70, F: "avif"}, Source: "local", Key: "bg.jpg"}},
	{"watermarks", vectorInput{Opts: &vectorOpts{W: 600, WM: "logo", TM: "shop-cn", F: "auto"}, Source: "fdfs", Key: "group1/M00/00/01/product.jpg"}},
	{"flatten on a colour", vectorInput{Opts: &vectorOpts{W: 256, BG: "1a2b3c", F: "jpeg"}, Source: "local", Key: "logo.png"}},
	{"every new option", vectorInput{Opts: &vectorOpts{C: []int{10, 20, 640, 480}, Rot: 90, Flip: "h", W: 200, H: 200, G: "fp", FP: []float64{0.333, 0.5},
		DPR: 2, Blur: 0.3, Sh: 10, WM: "logo", TM: "sample", Q: 90, BG: "ffffff", F: "jpeg"}, Source: "s3", Key: "a b/c.png"}},
	{"info", vectorInput{Info: true, Source: "s3", Key: "2024/beach café.jpg"}},
}

func buildVectors(t *testing.T) vectorFile {
	t.Helper()
	f := vectorFile{
		Comment: "imgorigin signer test vectors: input → canonical path → query, for every token format. Regenerate with go test ./signer -run TestVectors -update.",
		Keys:    []KeyEntry{{ID: "k2026a", Secret: EncodeSecret(testSecret(0)), State: Signing}},
		CDN:     vectorCDNKeys{Key: "imgoriginTestKey42", ValidFor: 1800},
	}
	keys := []Key{}
	for _, e := range f.Keys {
		k, err := e.Key()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	ring, err := NewRing(keys...)
	if err != nil {
		t.Fatal(err)
	}
	vf := time.Duration(f.CDN.ValidFor) * time.Second
	formats := []struct {
		name string
		tok  Tokener
	}{
		{"native", Native{Ring: ring}},
		{"aliyun-a", AliyunA{Key: f.CDN.Key, ValidFor: vf}},
		{"tencent-a", TencentA{Key: f.CDN.Key, ValidFor: vf}},
		{"tencent-d-hex", TencentD{Key: f.CDN.Key, ValidFor: vf}},
		{"tencent-d-dec", TencentD{Key: f.CDN.Key, ValidFor: vf, Decimal: true}},
	}
	now := int64(1767225600) // 2026-01-01T00:00:00Z
	for i, vi := range vectorInputs {
		path, err := vi.in.build()
		if err != nil {
			t.Fatalf("%s: %v", vi.name, err)
		}
		for j, fm := range formats {
			signAt := now + int64(i*977+j*13) // spread over buckets
			ttl, bucket := int64(3600), int64(300)
			if j%2 == 1 {
				ttl, bucket = 86400, 3600
			}
			exp := Expiry(time.Unix(signAt, 0), time.Duration(ttl)*time.Second, time.Duration(bucket)*time.Second)
			q, err := fm.tok.Query(path, exp)
			if err != nil {
				t.Fatal(err)
			}
			in := vi.in
			f.Vectors = append(f.Vectors, vector{Name: vi.name, Format: fm.name, Input: &in, Path: path,
				Now: signAt, TTL: ttl, Bucket: bucket, Exp: exp, Query: q})
		}
	}
	for i, m := range markupInputs {
		m.Base = "https://img.example.com"
		m.Now = now + int64(i*3301)
		m.TTL, m.Bucket = 7200, 900
		m.Exp = Expiry(time.Unix(m.Now, 0), time.Duration(m.TTL)*time.Second, time.Duration(m.Bucket)*time.Second)
		u := URLSigner{Base: m.Base, Tokens: formatTokener(t, formats, m.Format)}
		var err error
		if m.Srcset, err = u.SrcsetUntil(m.responsive(), m.Exp); err != nil {
			t.Fatalf("%s: %v", m.Name, err)
		}
		if len(m.Formats) > 0 {
			if m.Picture, err = u.PictureUntil(m.responsive(), m.Exp); err != nil {
				t.Fatalf("%s: %v", m.Name, err)
			}
		}
		f.Markup = append(f.Markup, m)
	}
	return f
}

func formatTokener(t *testing.T, formats []struct {
	name string
	tok  Tokener
}, name string) Tokener {
	t.Helper()
	for _, f := range formats {
		if f.name == name {
			return f.tok
		}
	}
	t.Fatalf("no token format %q", name)
	return nil
}

func TestVectors(t *testing.T) {
	file := filepath.Join("testdata", "vectors.json")
	got := buildVectors(t)
	if *update {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(got); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (go test ./signer -run TestVectors -update creates it)", err)
	}
	var want vectorFile
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if len(want.Markup) != len(got.Markup) {
		t.Fatalf("vectors.json has %d markup vectors, the implementation makes %d", len(want.Markup), len(got.Markup))
	}
	for i, w := range want.Markup {
		if g := got.Markup[i]; g.Srcset != w.Srcset || g.Picture != w.Picture || g.Exp != w.Exp {
			t.Errorf("markup %s:\ngot  %s\n     %s\nwant %s\n     %s", w.Name, g.Srcset, g.Picture, w.Srcset, w.Picture)
		}
	}
	if len(want.Vectors) != len(got.Vectors) {
		t.Fatalf("vectors.json has %d vectors, the implementation makes %d", len(want.Vectors), len(got.Vectors))
	}
	keys := []Key{}
	for _, e := range want.Keys {
		k, err := e.Key()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	ring, err := NewRing(keys...)
	if err != nil {
		t.Fatal(err)
	}
	vf := time.Duration(want.CDN.ValidFor) * time.Second
	for i, w := range want.Vectors {
		t.Run(w.Name+"/"+w.Format, func(t *testing.T) {
			g := got.Vectors[i]
			if g.Path != w.Path || g.Exp != w.Exp || g.Query != w.Query {
				t.Fatalf("got path %q exp %d query %q\nwant path %q exp %d query %q", g.Path, g.Exp, g.Query, w.Path, w.Exp, w.Query)
			}
			// The path parses back to the input, and the query verifies until exp and not after.
			if w.Input.Info {
				p, err := imgurl.ParseInfo(w.Path, imgurl.DefaultLimits())
				if err != nil || p != (imgurl.InfoPath{Source: w.Input.Source, Key: w.Input.Key}) {
					t.Fatalf("ParseInfo(%q) = %+v, %v", w.Path, p, err)
				}
			} else if p, err := imgurl.Parse(w.Path, imgurl.DefaultLimits()); err != nil || p != w.Input.path() {
				t.Fatalf("Parse(%q) = %+v, %v", w.Path, p, err)
			}
			at := func(sec int64) error { return verifyQuery(t, ring, vf, w.Format, w.Path, w.Query, time.Unix(sec, 0)) }
			if err := at(w.Now); err != nil {
				t.Fatalf("fresh vector refused: %v", err)
			}
			if err := at(w.Exp); err != nil {
				t.Fatalf("refused at its expiry: %v", err)
			}
			if err := at(w.Exp + 1); err != ErrExpired {
				t.Fatalf("after expiry: %v, want ErrExpired", err)
			}
			if err := verifyQuery(t, ring, vf, w.Format, w.Path+"x", w.Query, time.Unix(w.Now, 0)); err != ErrBadMAC {
				t.Fatalf("other path: %v, want ErrBadMAC", err)
			}
		})
	}
}

// TestDocumentedCDNExamples checks the CDN formats against the examples in the providers' docs.
func TestDocumentedCDNExamples(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		// Alibaba Cloud CDN type A example: /video/standard/test.mp4, ts 1444435200, rand 0, uid 0, key aliyuncdnexp1234.
		{"aliyun-a", must(AliyunA{Key: "aliyuncdnexp1234", ValidFor: time.Second}.Value("/video/standard/test.mp4", 1444435201)),
			"1444435200-0-0-23bf85053008f5c0e791667a313e28ce"},
		// Tencent Cloud CDN type A example: /test.jpg, ts 1582791032, rand im1acp76sx9sdqe601v.
		{"tencent-a", must(TencentA{Key: "dimtm5evg50ijsx2hvuwyfoiu65", ValidFor: time.Second, Rand: "im1acp76sx9sdqe601v"}.Value("/test.jpg", 1582791033)),
			"1582791032-im1acp76sx9sdqe601v-0-3fbb88382c9356b6faaf9d68c7b2ae3a"},
		// Tencent EdgeOne/CDN method A example: /foo.jpg, ts 1721028437, rand Kv4cPTAAP5YTi.
		{"tencent-a-2", must(TencentA{Key: "DvYmqE81E1F9R791H6lmht", ValidFor: time.Second, Rand: "Kv4cPTAAP5YTi"}.Value("/foo.jpg", 1721028438)),
			"1721028437-Kv4cPTAAP5YTi-0-0fbdca749d7ab784750685347e42075c"},
		// Tencent method D example (decimal timestamp): /foo.jpg, ts 1721029907.
		{"tencent-d", must(TencentD{Key: "DvYmqE81E1F9R791H6lmht", ValidFor: time.Second, Decimal: true}.Query("/foo.jpg", 1721029908)),
			"sign=cadcec4a04e67b9c2abf4b61c642a0dd&t=1721029907"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Fatalf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func must(s string, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	return s
}
