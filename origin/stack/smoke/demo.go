package smoke

import (
	"bytes"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// expected is one <img> of the demo page with what it promises.
type expected struct {
	src                  string // resolved against the page's URL
	width, height, pages int
	auto                 bool // data-auto: an f_auto URL
}

// form is the demo page's upload form.
type form struct{ policy, endpoint string }

// parseDemo reads every <img> and the upload form (#upload-form's data-policy and
// data-endpoint) of the demo page at base.
func parseDemo(base string, page []byte) ([]expected, form, error) {
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return nil, form{}, err
	}
	b, err := url.Parse(base)
	if err != nil {
		return nil, form{}, err
	}
	resolve := func(ref string) string {
		u, err := b.Parse(ref)
		if err != nil {
			return ref
		}
		return u.String()
	}
	var imgs []expected
	var f form
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		attr := map[string]string{}
		for _, a := range n.Attr {
			attr[a.Key] = a.Val
		}
		switch {
		case n.DataAtom == atom.Img:
			e := expected{src: resolve(attr["src"]), pages: 1}
			_, e.auto = attr["data-auto"]
			for _, p := range []struct {
				name string
				to   *int
			}{{"data-expect-width", &e.width}, {"data-expect-height", &e.height}, {"data-expect-pages", &e.pages}} {
				v, ok := attr[p.name]
				if !ok && p.name == "data-expect-pages" {
					continue
				}
				if *p.to, err = strconv.Atoi(v); err != nil {
					return nil, f, fmt.Errorf("<img src=%q>: %s=%q is not a number", shown(e.src), p.name, v)
				}
			}
			imgs = append(imgs, e)
		case n.DataAtom == atom.Form && attr["id"] == "upload-form":
			f = form{policy: attr["data-policy"], endpoint: resolve(attr["data-endpoint"])}
		}
	}
	return imgs, f, nil
}

// demo checks that every image of the demo page loads with its promised size, and returns
// the upload form's policy and endpoint.
func (c *checker) demo(pageURL string, page []byte) (policy, endpoint string) {
	if pageURL == "" {
		c.fail("urls.json has no demo page that answered")
		return "", ""
	}
	imgs, f, err := parseDemo(pageURL, page)
	if err != nil {
		c.fail("the demo page: %v", err)
		return "", ""
	}
	if len(imgs) < 15 {
		c.fail("the demo page has %d images, expected at least 15", len(imgs))
	}
	for _, e := range imgs {
		r := c.get(e.src)
		want := size{e.width, e.height, e.pages}
		s, err := c.measure(r.body)
		short := strings.TrimPrefix(shown(e.src), c.list.Edge)
		if r.status == 200 && strings.HasPrefix(r.ctype, "image/") && err == nil && s == want {
			c.pass("%s %s  %s", r.summary(), s, short)
		} else {
			got := s.String()
			if err != nil {
				got = err.Error()
			}
			c.fail("%s %s  %s (want 200 image/*, %s)", r.summary(), got, short, want)
		}
		if e.auto {
			c.auto(e.src)
		}
	}
	return f.policy, f.endpoint
}
