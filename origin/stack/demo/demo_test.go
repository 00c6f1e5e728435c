package demo

import (
	"strings"
	"testing"
)

// TestWrite: every value is escaped for its context; captions show the path without the base
// and the token; only f_auto figures are marked data-auto; a still image expects one page.
func TestWrite(t *testing.T) {
	var b strings.Builder
	err := Write(&b, Page{
		Base: "http://127.0.0.1:8000",
		Sections: []Section{{Title: "Fit <modes>", Text: `"contain" & co`, Images: []Image{
			{Label: `pad <b>bg</b>`, URL: "http://127.0.0.1:8000/i/w_300,f_png/local/a.jpg?auth_key=1-0-0-abc&x=\"y\"", Width: 300, Height: 200},
			{Label: "auto", URL: "http://127.0.0.1:8000/i/w_400,f_auto/local/a.jpg?auth_key=2", Width: 400, Height: 300, Auto: true},
			{Label: "gif", URL: "http://127.0.0.1:8000/i/w_160,f_gif/local/a.gif", Width: 160, Height: 120, Pages: 12},
		}}},
		Upload: Upload{Policy: `k1.9.a"b<c`, URL: "/u/s3"},
	})
	if err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{
		"fetched through the CDN edge stand-in (127.0.0.1:8000)",
		"<h2>Fit &lt;modes&gt;</h2>",
		"<p>&#34;contain&#34; &amp; co</p>",
		`<img src="http://127.0.0.1:8000/i/w_300,f_png/local/a.jpg?auth_key=1-0-0-abc&amp;x=%22y%22" alt="pad &lt;b&gt;bg&lt;/b&gt;" data-expect-width="300" data-expect-height="200" data-expect-pages="1">`,
		`<b>pad &lt;b&gt;bg&lt;/b&gt;</b> <span class="dims">expect 300×200</span><br><code>/i/w_300,f_png/local/a.jpg</code>`,
		`data-expect-pages="1" data-auto></div>`,
		`<span class="received">received: …</span><br><code>/i/w_400,f_auto/local/a.jpg</code>`,
		`data-expect-pages="12">`,
		`<form id="upload-form" data-policy="k1.9.a&#34;b&lt;c" data-endpoint="/u/s3">`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page has no %s", want)
		}
	}
	if n := strings.Count(page, "data-auto"); n != 2 { // the auto figure and the script's selector
		t.Errorf("data-auto %d times, want 2 (one figure, one selector)", n)
	}
	if n := strings.Count(page, `class="received"`); n != 1 {
		t.Errorf("%d received captions, want 1", n)
	}
}
