// Package demo renders the local stack's demo page with html/template: sections of figures,
// each an image URL with the pixel size (and frame count) it must load with, written into
// data-expect-width, data-expect-height and data-expect-pages for the smoke test
// (origin/stack/smoke) and for the page's own script, which marks each caption green when the
// browser decoded that size. An f_auto image is marked data-auto; its caption says which
// format the browser received (read from Server-Timing). The page ends with the upload form
// (upload.html): a browser upload with a signed policy to the write path, POST /u/{source}.
//
// The content (which URLs, which sizes) is the stack's (origin/stack/demo.go); this package
// only knows the markup. Every value is escaped for its context by html/template.
package demo

import (
	"embed"
	"html/template"
	"io"
	"net/url"
	"strings"
)

//go:embed page.html upload.html
var files embed.FS

var templates = template.Must(template.ParseFS(files, "page.html", "upload.html"))

// Page is the demo page.
type Page struct {
	// Base is the scheme://host[:port] every image URL starts with (the edge); captions show
	// the URLs without it and without their query (the token).
	Base     string
	Sections []Section
	Upload   Upload
}

// Section is a heading, a sentence about it and a row of images.
type Section struct {
	Title, Text string
	Images      []Image
}

// Image is one figure: a URL and the size it must load with.
type Image struct {
	Label         string
	URL           string
	Width, Height int
	Pages         int  // frames of an animation; 0 or 1 for a still image
	Auto          bool // an f_auto URL: the format depends on the browser's Accept header
}

// Upload is the upload form: an upload policy the app's backend minted (signer.Ring.UploadPolicy)
// and the write path it is posted to, e.g. /u/s3.
type Upload struct {
	Policy, URL string
}

// figure is what page.html shows of an Image.
type figure struct {
	Image
	Shown string // the URL without Base and query
}

// Write writes the page.
func Write(w io.Writer, p Page) error {
	type section struct {
		Title, Text string
		Figures     []figure
	}
	view := struct {
		Host     string // host:port of Base
		Sections []section
		Upload   Upload
	}{Upload: p.Upload}
	if u, err := url.Parse(p.Base); err == nil {
		view.Host = u.Host
	}
	for _, s := range p.Sections {
		vs := section{Title: s.Title, Text: s.Text}
		for _, img := range s.Images {
			if img.Pages == 0 {
				img.Pages = 1
			}
			shown, _, _ := strings.Cut(img.URL, "?")
			vs.Figures = append(vs.Figures, figure{Image: img, Shown: strings.TrimPrefix(shown, p.Base)})
		}
		view.Sections = append(view.Sections, vs)
	}
	return templates.ExecuteTemplate(w, "page.html", view)
}

// WriteUpload writes the upload form alone (a <section> and its script), for a page of one's
// own.
func WriteUpload(w io.Writer, u Upload) error {
	return templates.ExecuteTemplate(w, "upload", u)
}
