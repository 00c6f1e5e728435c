package stack

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/imgorigin/imgorigin/origin/stack/demo"
	"github.com/imgorigin/imgorigin/signer"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// DemoTTL is how long the demo page's URLs and upload policy are valid; `make stop && make
// run` writes fresh ones.
const DemoTTL = 24 * time.Hour

// demoImage is one figure of the demo page before signing: an image URL path (or, for a legacy
// URL, an edge path as it is), its label and the size it must load with (Run.originConfig
// configures the watermarks logo and sample it uses; mksamples makes the originals).
type demoImage struct {
	label         string
	width, height int
	pages         int
	path          imgurl.Path
	legacy        string
}

// demoSection is a heading, a sentence and a row of figures.
type demoSection struct {
	title, text string
	images      []demoImage
}

// demoSections are the demo page's content: originals and variants side by side.
func (s *Stack) demoSections() []demoSection {
	local := func(key string, o imgurl.Options) imgurl.Path {
		return imgurl.Path{Variant: imgurl.Variant{Options: o}, Source: "local", Key: key}
	}
	photo := func(o imgurl.Options) imgurl.Path { return local("photo.jpg", o) }
	img := func(label string, w, h, pages int, p imgurl.Path) demoImage {
		return demoImage{label: label, width: w, height: h, pages: pages, path: p}
	}
	return []demoSection{
		{"Originals: legacy URLs", "Old URL shapes keep working: the front nginx routes them by regex to the old-image site, which serves them untouched.", []demoImage{
			{label: "legacy photo (original JPEG)", width: 1200, height: 900, legacy: "/attachment/forum/201906/18/153012abcd.jpg"},
			{label: "legacy logo (original PNG with alpha)", width: 600, height: 400, legacy: "/uploads/2015/07/logo.png"},
		}},
		{"Orientation and animation", "Stored 900×1200 with EXIF orientation 6, served upright (landscape). Animations are resized frame by frame (12 frames).", []demoImage{
			img("EXIF orientation 6, auto-oriented", 300, 225, 1, local("photo-orient6.jpg", imgurl.Options{Width: 300, Format: imgurl.JPEG})),
			img("animated GIF w 160", 160, 120, 12, local("animated.gif", imgurl.Options{Width: 160, Format: imgurl.GIF})),
			img("animated WebP w 160", 160, 120, 12, local("animated.webp", imgurl.Options{Width: 160, Format: imgurl.WebP})),
		}},
		{"One original, four renderings", "Width 400 as JPEG, WebP and AVIF; and width 200 at DPR 2.", []demoImage{
			img("JPEG w 400", 400, 300, 1, photo(imgurl.Options{Width: 400, Format: imgurl.JPEG})),
			img("WebP w 400", 400, 300, 1, photo(imgurl.Options{Width: 400, Format: imgurl.WebP})),
			img("AVIF w 400", 400, 300, 1, photo(imgurl.Options{Width: 400, Format: imgurl.AVIF})),
			img("JPEG w 200 dpr 2", 400, 300, 1, photo(imgurl.Options{Width: 200, DPR: 2, Format: imgurl.JPEG})),
		}},
		{"f_auto: one URL, the format this browser takes", "The same URL answers AVIF, WebP or JPEG by the browser's Accept header; the edge keeps one object per format bucket, never one per Accept spelling. The caption says what this browser received.", []demoImage{
			img("f_auto w 400", 400, 300, 1, photo(imgurl.Options{Width: 400, Format: imgurl.Auto})),
		}},
		{"Cover crops with gravity", "240×240 squares cut from a 4:3 photo: west, centre (default), east, smart (attention).", []demoImage{
			img("cover g west", 240, 240, 1, photo(imgurl.Options{Width: 240, Height: 240, Gravity: imgurl.GravityWest, Format: imgurl.JPEG})),
			img("cover centre", 240, 240, 1, photo(imgurl.Options{Width: 240, Height: 240, Format: imgurl.JPEG})),
			img("cover g east", 240, 240, 1, photo(imgurl.Options{Width: 240, Height: 240, Gravity: imgurl.GravityEast, Format: imgurl.JPEG})),
			img("cover g smart", 240, 240, 1, photo(imgurl.Options{Width: 240, Height: 240, Gravity: imgurl.GravitySmart, Format: imgurl.WebP})),
		}},
		{"Fit modes", "contain keeps the aspect inside the box, fill stretches, pad fills the box with a background colour (alpha kept where the format allows).", []demoImage{
			img("contain 300×300", 300, 225, 1, photo(imgurl.Options{Width: 300, Height: 300, Fit: imgurl.FitContain, Format: imgurl.JPEG})),
			img("fill 300×300", 300, 300, 1, photo(imgurl.Options{Width: 300, Height: 300, Fit: imgurl.FitFill, Format: imgurl.JPEG})),
			img("pad bg ff8800 (PNG)", 300, 300, 1, photo(imgurl.Options{Width: 300, Height: 300, Fit: imgurl.FitPad, Background: "ff8800", Format: imgurl.PNG})),
			img("alpha PNG padded, bg 3366cc (WebP)", 300, 300, 1, local("alpha.png", imgurl.Options{Width: 300, Height: 300, Fit: imgurl.FitPad, Background: "3366cc", Format: imgurl.WebP})),
		}},
		{"Operations (in the order they are applied)", "A region of the upright original (c), a quarter turn (rot) and a mirror (flip), a focal-point crop (g fp), blur and sharpen, an image watermark (wm_logo: alpha.png at 80 % opacity, render.watermarks), a CJK text watermark (tm_sample, Noto Sans CJK), a JPEG flattened onto a colour (bg), and all of them at once.", []demoImage{
			img("crop region c 600,0,600,450 → w 300", 300, 225, 1, photo(imgurl.Options{Crop: imgurl.Region{X: 600, Y: 0, W: 600, H: 450}, Width: 300, Format: imgurl.JPEG})),
			img("rot 90, w 200", 200, 267, 1, photo(imgurl.Options{Rotate: 90, Width: 200, Format: imgurl.JPEG})),
			img("vertical mirror (rot 180 + flip h)", 300, 225, 1, photo(imgurl.Options{Rotate: 180, Flip: imgurl.FlipHorizontal, Width: 300, Format: imgurl.JPEG})),
			img("focal point 0.8,0.3 in a 200×200 cover", 200, 200, 1, photo(imgurl.Options{Width: 200, Height: 200, Gravity: imgurl.GravityFocus, FocusX: 0.8, FocusY: 0.3, Format: imgurl.JPEG})),
			img("blur sigma 4", 300, 225, 1, photo(imgurl.Options{Width: 300, Blur: 4, Format: imgurl.JPEG})),
			img("sharpen sigma 1.5", 300, 225, 1, photo(imgurl.Options{Width: 300, Sharpen: 1.5, Format: imgurl.WebP})),
			img("image watermark wm_logo", 400, 300, 1, photo(imgurl.Options{Width: 400, Watermark: "logo", Format: imgurl.JPEG})),
			img("CJK text watermark tm_sample", 400, 300, 1, photo(imgurl.Options{Width: 400, Text: "sample", Format: imgurl.JPEG})),
			img("alpha PNG flattened onto bg 3366cc (JPEG)", 300, 200, 1, local("alpha.png", imgurl.Options{Width: 300, Background: "3366cc", Format: imgurl.JPEG})),
			img("everything at once", 240, 240, 1, photo(imgurl.Options{Crop: imgurl.Region{X: 100, Y: 0, W: 1000, H: 900}, Rotate: 270, Flip: imgurl.FlipHorizontal,
				Width: 240, Height: 240, Gravity: imgurl.GravityFocus, FocusX: 0.5, FocusY: 0.25, Sharpen: 0.8, Watermark: "logo", Text: "sample", Quality: 85, Format: imgurl.JPEG})),
		}},
		{"Other sources", "The same grammar over MinIO (S3 API) and the FastDFS protocol stand-in (file IDs from its tracker).", []demoImage{
			img("S3 (MinIO) 300×200 WebP", 300, 200, 1, imgurl.Path{Variant: imgurl.Variant{Options: imgurl.Options{Width: 300, Height: 200, Format: imgurl.WebP}}, Source: "s3", Key: "photo.jpg"}),
			img("S3 (MinIO) PNG w 300", 300, 200, 1, imgurl.Path{Variant: imgurl.Variant{Options: imgurl.Options{Width: 300, Format: imgurl.PNG}}, Source: "s3", Key: "alpha.png"}),
			img("FastDFS preset thumb", 200, 200, 1, imgurl.Path{Variant: imgurl.Variant{Preset: "thumb"}, Source: "fdfs", Key: s.FDFS["photo.jpg"]}),
			img("FastDFS animated GIF w 160", 160, 120, 12, imgurl.Path{Variant: imgurl.Variant{Options: imgurl.Options{Width: 160, Format: imgurl.GIF}}, Source: "fdfs", Key: s.FDFS["animated.gif"]}),
		}},
	}
}

// DemoPage returns the demo page signed at now: /i/ URLs carry the edge's Aliyun type A
// auth_key, valid for DemoTTL; the upload form posts to the edge's /u/s3 under demo/ with a
// policy minted here, as an app's backend would.
func (s *Stack) DemoPage(now time.Time) (demo.Page, error) {
	edgeSigner := signer.URLSigner{Base: s.EdgeURL, Tokens: signer.AliyunA{Key: s.EdgeKey, ValidFor: EdgeTTL}, Bucket: 15 * time.Minute,
		Now: func() time.Time { return now }}
	page := demo.Page{Base: s.EdgeURL}
	for _, sec := range s.demoSections() {
		ds := demo.Section{Title: sec.title, Text: sec.text}
		for _, im := range sec.images {
			u := s.EdgeURL + im.legacy
			if im.legacy == "" {
				var err error
				if u, err = edgeSigner.URL(im.path, DemoTTL); err != nil {
					return page, fmt.Errorf("stack: demo page: %s: %w", im.label, err)
				}
			}
			ds.Images = append(ds.Images, demo.Image{Label: im.label, URL: u, Width: im.width, Height: im.height, Pages: im.pages,
				Auto: im.legacy == "" && im.path.Variant.Options.Format == imgurl.Auto})
		}
		page.Sections = append(page.Sections, ds)
	}
	policy, err := s.Keys.UploadPolicy(signer.UploadPolicy{Source: "s3", Prefix: "demo/", MaxBytes: 10 << 20,
		Formats: []string{"jpeg", "png", "gif", "webp"}, Expires: now.Add(DemoTTL).Unix()})
	if err != nil {
		return page, fmt.Errorf("stack: demo page: upload policy: %w", err)
	}
	page.Upload = demo.Upload{Policy: policy, URL: signer.UploadPath("s3", "")}
	return page, nil
}

// writeDemo writes <dir>/demo/index.html, which the edge serves under /demo/.
func (s *Stack) writeDemo(now time.Time) error {
	page, err := s.DemoPage(now)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := demo.Write(&b, page); err != nil {
		return fmt.Errorf("stack: demo page: %w", err)
	}
	dir := filepath.Join(s.Dir, "demo")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp := filepath.Join(dir, "index.html.tmp")
	if err := os.WriteFile(tmp, b.Bytes(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, "index.html"))
}
