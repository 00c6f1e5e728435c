package imgurl

import (
	"encoding/json"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/urls.golden.json from the current parser")

// goldenInputs are the paths of the golden table; the expected results live in
// testdata/urls.golden.json (regenerate with go test -run TestGolden -update, then review the diff).
var goldenInputs = []string{
	// valid
	"/i/thumb/fdfs/group1/M00/00/00/xxx.jpg",
	"/i/w_300,f_webp/local/photos/cat.jpg",
	"/i/w_300,h_200,fit_pad,bg_ffffff,f_jpeg/s3/a/b.png",
	"/i/w_640,h_480,g_smart,dpr_1.5,q_80,f_avif/local/holiday%20photos/beach.jpg",
	"/i/h_100,f_png/local/a.png",
	"/i/w_4096,h_4096,fit_inside,dpr_4,q_100,f_gif/local/a.gif",
	"/i/w_10,h_10,fit_pad,g_nw,bg_00000080,f_png/local/x",
	"/i/w_10,h_10,fit_contain,f_jpeg/local/x",
	"/i/w_10,h_10,fit_fill,f_jpeg/local/x",
	"/i/w_10,h_10,g_se,f_jpeg/local/x",
	"/i/w_300,dpr_0.75,f_webp/local/x",
	"/i/f_jpeg/local/x",
	"/i/w_300,q_70,f_auto/local/photos/cat.jpg",
	"/i/thumb-2x/my-store/%C3%A9t%C3%A9/caf%C3%A9.jpg",
	"/i/thumb/local/a%2Cb%3Bc%3Fd%25e%21/f$&+:=@g~h_i.j-k",
	"/i/thumb/local/..a/a..",
	"/i/c_10_20_300_200,w_150,f_jpeg/local/a.jpg",
	"/i/rot_90,flip_h,w_300,f_webp/local/a.jpg",
	"/i/w_300,h_300,g_fp_0.25_0.8,f_jpeg/local/a.jpg",
	"/i/w_300,h_300,g_fp_0_1,f_jpeg/local/a.jpg",
	"/i/w_300,blur_4.5,f_jpeg/local/a.jpg",
	"/i/w_300,sh_0.5,q_85,f_webp/local/a.jpg",
	"/i/w_600,wm_logo,tm_shop-cn,f_auto/local/a.jpg",
	"/i/w_300,bg_102030,f_jpeg/local/a.png",
	"/i/c_0_0_100_100,rot_270,flip_h,w_50,h_50,g_fp_0.1_0.9,dpr_2,blur_1,sh_1,wm_logo,tm_shop,q_90,bg_ffffff,f_jpeg/local/a.png",
	// not canonical
	"/i/f_webp,w_300/local/a.jpg",
	"/i/w_0300,f_webp/local/a.jpg",
	"/i/w_300,dpr_2.0,f_webp/local/a.jpg",
	"/i/w_300,dpr_2.50,f_webp/local/a.jpg",
	"/i/w_300,dpr_.5,f_webp/local/a.jpg",
	"/i/w_300,dpr_1,f_webp/local/a.jpg",
	"/i/w_300,f_jpg/local/a.jpg",
	"/i/W_300,F_WEBP/local/a.jpg",
	"/i/w_300,h_300,fit_cover,f_webp/local/a.jpg",
	"/i/w_300,h_300,g_c,f_webp/local/a.jpg",
	"/i/w_300,h_300,fit_pad,bg_FFF,f_webp/local/a.jpg",
	"/i/w_300,,f_webp/local/a.jpg",
	"/i/w_300,f_webp,/local/a.jpg",
	"/i/Thumb/local/a.jpg",
	"/i/thumb/Local/a.jpg",
	"/i/thumb/local/a%2fb.jpg",
	"/i/thumb/local/a%2Fb.jpg",
	"/i/thumb/local/a//b.jpg",
	"/i/thumb/local/a/b.jpg/",
	"/i/thumb/local/./a.jpg",
	"/i/thumb/local/a%20b%2c.jpg",
	"/i/thumb/local/a b.jpg",
	"/i/thumb/local/%61.jpg",
	"/i/thumb/local/a!.jpg",
	"/i/w_300,rot_90,f_webp/local/a.jpg",
	"/i/flip_v,w_300,f_webp/local/a.jpg",
	"/i/rot_90,flip_v,f_webp/local/a.jpg",
	"/i/flip_hv,f_webp/local/a.jpg",
	"/i/rot_0,f_webp/local/a.jpg",
	"/i/rot_450,f_webp/local/a.jpg",
	"/i/w_3,h_3,g_fp_0.50_0.2,f_webp/local/a.jpg",
	"/i/w_3,h_3,g_fp_.5_0.2,f_webp/local/a.jpg",
	"/i/w_3,h_3,g_fp_0.5_0.5,f_webp/local/a.jpg",
	"/i/w_3,h_3,g_FP_1.0_0,f_webp/local/a.jpg",
	"/i/blur_2.0,f_webp/local/a.jpg",
	"/i/blur_0,f_webp/local/a.jpg",
	"/i/c_01_0_5_5,f_webp/local/a.jpg",
	"/i/wm_Logo,f_webp/local/a.jpg",
	"/i/tm_x,wm_y,f_webp/local/a.jpg",
	// invalid
	"/x/thumb/local/a.jpg",
	"/i/thumb",
	"/i/thumb/local",
	"/i/thumb/local/",
	"/i//local/a.jpg",
	"/i/thumb_/local/a.jpg",
	"/i/w_300/local/a.jpg",
	"/i/w_300,w_200,f_webp/local/a.jpg",
	"/i/x_1,f_webp/local/a.jpg",
	"/i/w300,f_webp/local/a.jpg",
	"/i/w_-3,f_webp/local/a.jpg",
	"/i/w_3e2,f_webp/local/a.jpg",
	"/i/w_300,f_bmp/local/a.jpg",
	"/i/w_300,fit_pad,f_webp/local/a.jpg",
	"/i/w_300,h_200,fit_fill,g_n,f_webp/local/a.jpg",
	"/i/w_300,h_200,fit_pad,g_smart,f_webp/local/a.jpg",
	"/i/w_300,g_n,f_webp/local/a.jpg",
	"/i/w_300,h_200,bg_ffffff,f_webp/local/a.jpg",
	"/i/w_300,h_200,fit_pad,bg_ggg,f_webp/local/a.jpg",
	"/i/w_300,dpr_1.125,f_webp/local/a.jpg",
	"/i/w_300,dpr_x,f_webp/local/a.jpg",
	"/i/thumb/local/a/../b.jpg",
	"/i/thumb/local/a/%2E%2E/b.jpg",
	"/i/thumb/local/a%00b.jpg",
	"/i/thumb/local/a%ZZ.jpg",
	"/i/thumb/local/%FF.jpg",
	"/i/thumb/local/a%2F%2Fb.jpg",
	"/i/-thumb/local/a.jpg",
	"/i/thumb/lo.cal/a.jpg",
	"/i/averyveryveryveryveryverylongpresetname/local/a.jpg",
	"/i/rot_45,f_webp/local/a.jpg",
	"/i/rot_-90,f_webp/local/a.jpg",
	"/i/flip_x,f_webp/local/a.jpg",
	"/i/c_1_2_3,f_webp/local/a.jpg",
	"/i/c_a_2_3_4,f_webp/local/a.jpg",
	"/i/w_3,h_3,g_fp,f_webp/local/a.jpg",
	"/i/w_3,h_3,g_fp_0.5,f_webp/local/a.jpg",
	"/i/w_3,g_fp_0.2_0.2,f_webp/local/a.jpg",
	"/i/w_3,h_3,fit_pad,g_fp_0.2_0.2,f_webp/local/a.jpg",
	"/i/blur_x,f_webp/local/a.jpg",
	"/i/wm_-x,f_webp/local/a.jpg",
	"/i/tm_a.b,f_webp/local/a.jpg",
	"/i/bg_ffffff,f_png/local/a.jpg",
	"/i/bg_ffffff80,f_jpeg/local/a.jpg",
	// out of range
	"/i/w_4097,f_webp/local/a.jpg",
	"/i/h_5000,f_webp/local/a.jpg",
	"/i/w_0,f_webp/local/a.jpg",
	"/i/q_0,f_webp/local/a.jpg",
	"/i/q_101,f_webp/local/a.jpg",
	"/i/w_9999999999,f_webp/local/a.jpg",
	"/i/w_300,dpr_4.01,f_webp/local/a.jpg",
	"/i/w_300,dpr_0,f_webp/local/a.jpg",
	"/i/c_0_0_0_5,f_webp/local/a.jpg",
	"/i/c_65535_0_1_5,f_webp/local/a.jpg",
	"/i/w_3,h_3,g_fp_1.5_0,f_webp/local/a.jpg",
	"/i/w_3,h_3,g_fp_0.1234_0,f_webp/local/a.jpg",
	"/i/blur_50.1,f_webp/local/a.jpg",
	"/i/blur_0.25,f_webp/local/a.jpg",
	"/i/sh_10.5,f_webp/local/a.jpg",
	"/i/thumb/local/" + strings.Repeat("k", 1025),
	"/i/thumb/local/" + strings.Repeat("%20", 700),
}

type goldenRow struct {
	Path      string   `json:"path"`
	Preset    string   `json:"preset,omitempty"`
	Options   *Options `json:"options,omitempty"`
	Source    string   `json:"source,omitempty"`
	Key       string   `json:"key,omitempty"`
	Error     string   `json:"error,omitempty"` // the kind: not canonical, invalid, out of range
	Message   string   `json:"message,omitempty"`
	Canonical string   `json:"canonical,omitempty"`
}

func row(path string) goldenRow {
	r := goldenRow{Path: path}
	p, err := Parse(path, DefaultLimits())
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			panic("Parse returned a non-*Error: " + err.Error())
		}
		r.Error, r.Message, r.Canonical = e.Kind.Error(), e.Msg, e.Canonical
		return r
	}
	r.Source, r.Key = p.Source, p.Key
	if p.Variant.Preset != "" {
		r.Preset = p.Variant.Preset
	} else {
		o := p.Variant.Options
		r.Options = &o
	}
	return r
}

func TestGolden(t *testing.T) {
	file := filepath.Join("testdata", "urls.golden.json")
	got := make([]goldenRow, len(goldenInputs))
	for i, in := range goldenInputs {
		got[i] = row(in)
	}
	if *update {
		b, err := json.MarshalIndent(got, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -run TestGolden -update to create it)", err)
	}
	var want []goldenRow
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if len(want) != len(got) {
		t.Fatalf("golden has %d rows, inputs %d: run with -update and review", len(want), len(got))
	}
	for i := range got {
		g, _ := json.Marshal(got[i])
		w, _ := json.Marshal(want[i])
		if string(g) != string(w) {
			t.Errorf("row %d:\n got %s\nwant %s", i, g, w)
		}
	}
}

// TestKinds pins the kind and canonical spelling of representative paths independently of the
// golden file, so an -update cannot silently change them.
func TestKinds(t *testing.T) {
	tests := []struct {
		name, path string
		kind       error // nil = valid
		canonical  string
	}{
		{"preset", "/i/thumb/fdfs/group1/M00/00/00/xxx.jpg", nil, ""},
		{"options", "/i/w_300,h_200,fit_pad,bg_ffffff,f_jpeg/s3/a/b.png", nil, ""},
		{"order", "/i/f_webp,w_300/local/a.jpg", ErrNotCanonical, "/i/w_300,f_webp/local/a.jpg"},
		{"leading zero", "/i/w_0300,f_webp/local/a.jpg", ErrNotCanonical, "/i/w_300,f_webp/local/a.jpg"},
		{"dpr 2.0", "/i/w_300,dpr_2.0,f_webp/local/a.jpg", ErrNotCanonical, "/i/w_300,dpr_2,f_webp/local/a.jpg"},
		{"default dpr", "/i/w_300,dpr_1,f_webp/local/a.jpg", ErrNotCanonical, "/i/w_300,f_webp/local/a.jpg"},
		{"default fit", "/i/w_3,h_3,fit_cover,f_png/local/a", ErrNotCanonical, "/i/w_3,h_3,f_png/local/a"},
		{"upper case", "/i/W_300,F_WEBP/local/a.jpg", ErrNotCanonical, "/i/w_300,f_webp/local/a.jpg"},
		{"auto", "/i/w_300,f_auto/local/a.jpg", nil, ""},
		{"auto upper case", "/i/f_AUTO,w_300/local/a.jpg", ErrNotCanonical, "/i/w_300,f_auto/local/a.jpg"},
		{"auto misspelt", "/i/w_300,f_automatic/local/a.jpg", ErrInvalid, ""},
		{"lower hex escape", "/i/thumb/local/a%20b%2c.jpg", ErrNotCanonical, "/i/thumb/local/a%20b%2C.jpg"},
		{"needless escape", "/i/thumb/local/%61.jpg", ErrNotCanonical, "/i/thumb/local/a.jpg"},
		{"trailing slash", "/i/thumb/local/a/b.jpg/", ErrNotCanonical, "/i/thumb/local/a/b.jpg"},
		{"unescaped", "/i/thumb/local/a!.jpg", ErrNotCanonical, "/i/thumb/local/a%21.jpg"},
		{"dot dot", "/i/thumb/local/a/../b.jpg", ErrInvalid, ""},
		{"escaped dot dot", "/i/thumb/local/a/%2E%2E/b.jpg", ErrInvalid, ""},
		{"nul", "/i/thumb/local/a%00b.jpg", ErrInvalid, ""},
		{"bad utf-8", "/i/thumb/local/%FF.jpg", ErrInvalid, ""},
		{"twice", "/i/w_300,w_200,f_webp/local/a.jpg", ErrInvalid, ""},
		{"no format", "/i/w_300/local/a.jpg", ErrInvalid, ""},
		{"fit without h", "/i/w_300,fit_pad,f_webp/local/a.jpg", ErrInvalid, ""},
		{"too wide", "/i/w_4097,f_webp/local/a.jpg", ErrOutOfRange, ""},
		{"q 0", "/i/q_0,f_webp/local/a.jpg", ErrOutOfRange, ""},
		{"dpr too big", "/i/w_300,dpr_4.01,f_webp/local/a.jpg", ErrOutOfRange, ""},
		{"key too long", "/i/thumb/local/" + strings.Repeat("k", 1025), ErrOutOfRange, ""},
		{"all new options", "/i/c_0_0_100_100,rot_270,flip_h,w_50,h_50,g_fp_0.1_0.9,blur_1,sh_1,wm_logo,tm_shop,bg_ffffff,f_jpeg/local/a.png", nil, ""},
		{"rotate order", "/i/w_300,rot_90,f_webp/local/a.jpg", ErrNotCanonical, "/i/rot_90,w_300,f_webp/local/a.jpg"},
		{"vertical flip", "/i/flip_v,f_webp/local/a.jpg", ErrNotCanonical, "/i/rot_180,flip_h,f_webp/local/a.jpg"},
		{"vertical flip of a quarter turn", "/i/rot_90,flip_v,f_webp/local/a.jpg", ErrNotCanonical, "/i/rot_270,flip_h,f_webp/local/a.jpg"},
		{"both flips", "/i/flip_hv,f_webp/local/a.jpg", ErrNotCanonical, "/i/rot_180,f_webp/local/a.jpg"},
		{"full turn", "/i/rot_360,f_webp/local/a.jpg", ErrNotCanonical, "/i/f_webp/local/a.jpg"},
		{"focal centre", "/i/w_3,h_3,g_fp_0.5_0.5,f_webp/local/a.jpg", ErrNotCanonical, "/i/w_3,h_3,f_webp/local/a.jpg"},
		{"focal zeros", "/i/w_3,h_3,g_fp_0.30_1.0,f_webp/local/a.jpg", ErrNotCanonical, "/i/w_3,h_3,g_fp_0.3_1,f_webp/local/a.jpg"},
		{"focal out of range", "/i/w_3,h_3,g_fp_1.5_0,f_webp/local/a.jpg", ErrOutOfRange, ""},
		{"focal on pad", "/i/w_3,h_3,fit_pad,g_fp_0.2_0.2,f_webp/local/a.jpg", ErrInvalid, ""},
		{"rot 45", "/i/rot_45,f_webp/local/a.jpg", ErrInvalid, ""},
		{"crop empty", "/i/c_0_0_0_5,f_webp/local/a.jpg", ErrOutOfRange, ""},
		{"crop beyond", "/i/c_65535_0_1_5,f_webp/local/a.jpg", ErrOutOfRange, ""},
		{"blur two decimals", "/i/blur_0.25,f_webp/local/a.jpg", ErrOutOfRange, ""},
		{"blur too strong", "/i/blur_50.1,f_webp/local/a.jpg", ErrOutOfRange, ""},
		{"sharpen too strong", "/i/sh_10.5,f_webp/local/a.jpg", ErrOutOfRange, ""},
		{"watermark case", "/i/wm_Logo,f_webp/local/a.jpg", ErrNotCanonical, "/i/wm_logo,f_webp/local/a.jpg"},
		{"bg without pad on png", "/i/bg_ffffff,f_png/local/a.jpg", ErrInvalid, ""},
		{"flatten bg with alpha", "/i/bg_ffffff80,f_jpeg/local/a.jpg", ErrInvalid, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(tt.path, DefaultLimits())
			if tt.kind == nil {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if p.String() != tt.path {
					t.Fatalf("String() = %q", p.String())
				}
				return
			}
			if !errors.Is(err, tt.kind) {
				t.Fatalf("err = %v, want kind %v", err, tt.kind)
			}
			var e *Error
			if !errors.As(err, &e) || e.Canonical != tt.canonical {
				t.Fatalf("canonical = %q, want %q", e.Canonical, tt.canonical)
			}
			if tt.canonical != "" {
				if !strings.Contains(err.Error(), tt.canonical) {
					t.Errorf("message %q does not name the canonical path", err.Error())
				}
				if _, err := Parse(tt.canonical, DefaultLimits()); err != nil {
					t.Errorf("the canonical spelling does not parse: %v", err)
				}
			}
		})
	}
}

func TestValidateOptions(t *testing.T) {
	lim := DefaultLimits()
	tests := []struct {
		name string
		o    Options
		kind error
	}{
		{"ok", Options{Width: 300, Format: WebP}, nil},
		{"no format", Options{Width: 300}, ErrInvalid},
		{"cover written", Options{Width: 3, Height: 3, Fit: FitCover, Format: JPEG}, ErrInvalid},
		{"dpr 1 written", Options{Width: 3, DPR: 1, Format: JPEG}, ErrInvalid},
		{"dpr three decimals", Options{Width: 3, DPR: 1.234, Format: JPEG}, ErrInvalid},
		{"negative width", Options{Width: -1, Format: JPEG}, ErrOutOfRange},
		{"upper bg", Options{Width: 3, Height: 3, Fit: FitPad, Background: "FFFFFF", Format: JPEG}, ErrInvalid},
		{"focus without fp", Options{Width: 3, Height: 3, FocusX: 0.2, Format: JPEG}, ErrInvalid},
		{"focus centre", Options{Width: 3, Height: 3, Gravity: GravityFocus, FocusX: 0.5, FocusY: 0.5, Format: JPEG}, ErrInvalid},
		{"focus corner", Options{Width: 3, Height: 3, Gravity: GravityFocus, Format: JPEG}, nil},
		{"rotate 45", Options{Rotate: 45, Format: JPEG}, ErrInvalid},
		{"flip v", Options{Flip: "v", Format: JPEG}, ErrInvalid},
		{"crop negative", Options{Crop: Region{X: -1, W: 3, H: 3}, Format: JPEG}, ErrOutOfRange},
		{"crop overflow", Options{Crop: Region{X: 1 << 62, W: 1 << 62, H: 3}, Format: JPEG}, ErrOutOfRange},
		{"blur NaN", Options{Blur: math.NaN(), Format: JPEG}, ErrOutOfRange},
		{"sharpen negative", Options{Sharpen: -1, Format: JPEG}, ErrOutOfRange},
		{"bad watermark name", Options{Watermark: "A", Format: JPEG}, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.o.Validate(lim)
			if tt.kind == nil && err != nil || tt.kind != nil && !errors.Is(err, tt.kind) {
				t.Fatalf("Validate = %v, want %v", err, tt.kind)
			}
		})
	}
}

func TestBuild(t *testing.T) {
	p := Path{Variant: Variant{Options: Options{Width: 300, Height: 200, Fit: FitPad, Background: "ffffff", Format: JPEG}}, Source: "s3", Key: "a b/c,d.png"}
	s, err := Build(p, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if want := "/i/w_300,h_200,fit_pad,bg_ffffff,f_jpeg/s3/a%20b/c%2Cd.png"; s != want {
		t.Fatalf("Build = %q, want %q", s, want)
	}
	if _, err := Build(Path{Variant: Variant{Preset: "thumb"}, Source: "s3", Key: "a/../b"}, DefaultLimits()); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Build accepted a '..' key: %v", err)
	}
}

func BenchmarkParse(b *testing.B) {
	lim := DefaultLimits()
	for _, bc := range []struct{ name, path string }{
		{"preset", "/i/thumb/fdfs/group1/M00/00/00/wKgBAFxyz123.jpg"},
		{"options", "/i/w_640,h_480,g_smart,dpr_1.5,q_80,f_avif/s3/photos/2024/beach.jpg"},
		{"escaped", "/i/w_300,f_webp/local/holiday%20photos/caf%C3%A9.jpg"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(bc.path, lim); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
