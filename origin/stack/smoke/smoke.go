// Package smoke checks a running local stack (origin/stack, `make run`) as a newcomer would use
// it; `stack smoke` (scripts/smoke, the last step of `make test` and of CI) runs it:
//
//  1. every URL of <dir>/urls.json answers as listed: images 200 with the content type their
//     path names (f_…; presets and legacy URLs any image/*), readable by libvips, and a HIT
//     from the edge the second time; f_auto URLs the format of each client's Accept with
//     Vary: Accept and one edge object per format bucket; the expired URL 403 + no-store; the
//     info URL JSON about photo.jpg; the metrics page 200 with imgorigin_requests_total; the
//     demo page 200 text/html;
//  2. the demo page: every <img> loads with the pixel size (and frame count) its
//     data-expect-width, data-expect-height and data-expect-pages promise;
//  3. the write path: an upload through the edge with the demo page's policy (its upload
//     form's data-policy), every answered URL loads, then a signed DELETE removes it;
//  4. with Options.Stop: after the stack is stopped, no process of <dir>/pids is alive and no
//     address urls.json lists answers.
//
// Image sizes are measured with vipsheader (libvips-tools), not with the project's own probe.
// Each check prints one "ok" or "FAIL" line saying what was expected and what came back.
package smoke

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/imgorigin/imgorigin/origin/stack"
)

// Options says which stack to check and where the report goes.
type Options struct {
	// Dir is the stack's directory (the repository's .run): urls.json, pids, keys.json and
	// samples/photo.jpg (the upload) are read from it.
	Dir string
	// Out receives the report: a heading per step, one "ok" or "FAIL" line per check.
	Out io.Writer
	// Client makes every request; nil means one with a 60 s timeout.
	Client *http.Client
	// Stop, when set, stops the stack after the checks (make stop); then step 4 checks that
	// nothing is left.
	Stop func() error
}

// Run runs every check and returns how many failed. An error means the checks could not run
// at all (no urls.json, no vipsheader).
func Run(ctx context.Context, o Options) (failed int, err error) {
	c := &checker{ctx: ctx, out: o.Out, client: o.Client, dir: o.Dir}
	if c.client == nil {
		c.client = &http.Client{Timeout: 60 * time.Second}
	}
	if c.vipsheader, err = exec.LookPath("vipsheader"); err != nil {
		return 0, errors.New("smoke: vipsheader is missing: run make deps (libvips-tools)")
	}
	b, err := os.ReadFile(filepath.Join(o.Dir, "urls.json"))
	if err != nil {
		return 0, fmt.Errorf("smoke: %w (is the stack running? make run)", err)
	}
	if err := json.Unmarshal(b, &c.list); err != nil {
		return 0, fmt.Errorf("smoke: urls.json: %w", err)
	}
	pids, err := stack.ReadPids(filepath.Join(o.Dir, "pids"))
	if err != nil {
		return 0, fmt.Errorf("smoke: %w (is the stack running? make run)", err)
	}
	if c.tmp, err = os.MkdirTemp("", "imgorigin-smoke-"); err != nil {
		return 0, err
	}
	defer os.RemoveAll(c.tmp)

	c.say("every URL in urls.json")
	demoURL, demoPage := c.urls()
	c.say("every image of the demo page")
	policy, endpoint := c.demo(demoURL, demoPage)
	c.say("upload and delete through the edge (the demo page's policy)")
	c.upload(policy, endpoint)
	if o.Stop != nil {
		c.say("make stop")
		c.stopped(o.Stop, pids)
	}
	return c.fails, nil
}

type checker struct {
	ctx        context.Context
	out        io.Writer
	client     *http.Client
	dir, tmp   string
	vipsheader string
	list       stack.URLList
	fails      int
}

func (c *checker) say(format string, a ...any) {
	fmt.Fprintf(c.out, "\033[1m==> smoke: %s\033[0m\n", fmt.Sprintf(format, a...))
}

func (c *checker) pass(format string, a ...any) {
	fmt.Fprintf(c.out, "  ok    %s\n", fmt.Sprintf(format, a...))
}

func (c *checker) fail(format string, a ...any) {
	fmt.Fprintf(c.out, "  FAIL  %s\n", fmt.Sprintf(format, a...))
	c.fails++
}

// check passes or fails one check.
func (c *checker) check(ok bool, what, want string) {
	if ok {
		c.pass("%s", what)
	} else {
		c.fail("%s (want %s)", what, want)
	}
}

// response is a finished exchange; a transport error is status 0 with the error as body.
type response struct {
	status int
	ctype  string
	header http.Header
	body   []byte
}

// summary is "status content-type" as the report shows an answer.
func (r response) summary() string {
	if r.status == 0 {
		return "no answer: " + string(r.body)
	}
	return strconv.Itoa(r.status) + " " + r.ctype
}

func (c *checker) do(req *http.Request) response {
	res, err := c.client.Do(req)
	if err != nil {
		return response{body: []byte(err.Error()), header: http.Header{}}
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		return response{body: []byte(err.Error()), header: http.Header{}}
	}
	return response{status: res.StatusCode, ctype: res.Header.Get("Content-Type"), header: res.Header, body: body}
}

// get fetches url with the headers given as name, value pairs.
func (c *checker) get(url string, header ...string) response {
	req, err := http.NewRequestWithContext(c.ctx, http.MethodGet, url, nil)
	if err != nil {
		return response{body: []byte(err.Error()), header: http.Header{}}
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.do(req)
}

// size is what vipsheader reads from an image.
type size struct{ width, height, pages int }

func (s size) String() string {
	if s.pages > 1 {
		return fmt.Sprintf("%dx%d ×%d frames", s.width, s.height, s.pages)
	}
	return fmt.Sprintf("%dx%d", s.width, s.height)
}

var headerField = regexp.MustCompile(`(?m)^(width|height|n-pages): (\d+)$`)

// measure returns the image's size as libvips reads it, or an error when libvips cannot.
func (c *checker) measure(body []byte) (size, error) {
	f, err := os.CreateTemp(c.tmp, "image-")
	if err != nil {
		return size{}, err
	}
	defer os.Remove(f.Name())
	_, err = f.Write(body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return size{}, err
	}
	out, err := exec.CommandContext(c.ctx, c.vipsheader, "-a", f.Name()).Output()
	if err != nil {
		return size{}, errors.New("unreadable bytes")
	}
	s := size{pages: 1}
	for _, m := range headerField.FindAllStringSubmatch(string(out), -1) {
		n, _ := strconv.Atoi(m[2])
		switch m[1] {
		case "width":
			s.width = n
		case "height":
			s.height = n
		case "n-pages":
			s.pages = n
		}
	}
	if s.width == 0 || s.height == 0 {
		return s, errors.New("no size in vipsheader's answer")
	}
	return s, nil
}

// shown is a URL as the report shows it: without its query (the token).
func shown(u string) string {
	p, _, _ := strings.Cut(u, "?")
	return p
}

// clients are the Accept headers of real browsers and curl with the format bucket each gets.
var clients = []struct{ accept, want string }{
	{"image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8", "image/avif"},
	{"image/webp,image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5", "image/webp"},
	{"*/*", "image/jpeg"},
}

// auto checks an f_auto URL: each client's format bucket with Vary: Accept, and every bucket
// its own object at the edge (a client's second request is a HIT).
func (c *checker) auto(u string) {
	atEdge := strings.HasPrefix(u, c.list.Edge+"/")
	ok := true
	for _, cl := range clients {
		for round := 1; round <= 2; round++ {
			r := c.get(u, "Accept", cl.accept)
			vary, xc := r.header.Get("Vary"), r.header.Get("X-Cache")
			if r.status != 200 || r.ctype != cl.want || vary != "Accept" || (round == 2 && atEdge && xc != "HIT") {
				c.fail("f_auto, Accept %s (round %d): %s Vary %q X-Cache %q (want 200 %s, Vary: Accept, a HIT the second time)",
					cl.accept, round, r.summary(), vary, xc, cl.want)
				ok = false
			}
		}
	}
	if ok {
		c.pass("f_auto: AVIF / WebP / JPEG by Accept, Vary: Accept, one edge object per bucket  %s", shown(u))
	}
}

var pathFormat = regexp.MustCompile(`[/,]f_([a-z]+)/`)

// urls checks every URL of urls.json and returns the demo page's URL and body ("" when it
// is not listed or failed).
func (c *checker) urls() (demoURL string, demoPage []byte) {
	if n := len(c.list.URLs); n < 8 {
		c.fail("urls.json lists %d URLs, expected at least 8", n)
	}
	for _, u := range c.list.URLs {
		if page := c.url(u); page != nil {
			demoURL, demoPage = u.URL, page
		}
	}
	return demoURL, demoPage
}

// url checks one URL of the list by its name and returns the body of the demo page when it
// answered as listed.
func (c *checker) url(u stack.URL) (demoPage []byte) {
	r := c.get(u.URL)
	what := fmt.Sprintf("%s  %s", r.summary(), strings.TrimSuffix(u.Title, ":"))
	switch u.Name {
	case "expired":
		cc := r.header.Get("Cache-Control")
		c.check(r.status == u.Status && strings.Contains(cc, "no-store"), what,
			fmt.Sprintf("%d with no-store; Cache-Control: %s", u.Status, cc))
	case "metrics":
		c.check(r.status == u.Status && strings.HasPrefix(r.ctype, "text/plain") && hasLine(r.body, "imgorigin_requests_total"), what,
			fmt.Sprintf("%d text/plain with imgorigin_requests_total", u.Status))
	case "info":
		c.check(r.status == u.Status && strings.HasPrefix(r.ctype, "application/json") && infoOK(r.body), what,
			fmt.Sprintf("%d JSON: format, width, height, average_colour, blurhash, placeholder ≤ 1 KB", u.Status))
	case "demo":
		ok := r.status == u.Status && strings.HasPrefix(r.ctype, "text/html")
		c.check(ok, what, fmt.Sprintf("%d text/html", u.Status))
		if ok {
			return r.body
		}
	default:
		c.image(u, r, what)
	}
	return nil
}

// hasLine reports whether a line of text starts with prefix.
func hasLine(text []byte, prefix string) bool {
	for line := range bytes.SplitSeq(text, []byte("\n")) {
		if bytes.HasPrefix(line, []byte(prefix)) {
			return true
		}
	}
	return false
}

// infoOK checks the info JSON of photo.jpg: 1200×900 JPEG (mksamples), a colour, a BlurHash
// and a placeholder of at most 1 KB.
func infoOK(body []byte) bool {
	var d struct {
		Format        string `json:"format"`
		Width         int    `json:"width"`
		Height        int    `json:"height"`
		AverageColour string `json:"average_colour"`
		BlurHash      string `json:"blurhash"`
		Placeholder   string `json:"placeholder"`
	}
	return json.Unmarshal(body, &d) == nil && d.Format == "jpeg" && d.Width == 1200 && d.Height == 900 &&
		strings.HasPrefix(d.AverageColour, "#") && len(d.BlurHash) >= 6 &&
		strings.HasPrefix(d.Placeholder, "data:image/") && len(d.Placeholder) <= 1024
}

// image checks an image URL of the list: /i/ URLs name their format (f_…; presets are JPEG
// or WebP), legacy URLs their extension, so only image/* is asked of those.
func (c *checker) image(u stack.URL, r response, what string) {
	want := "image/"
	if m := pathFormat.FindStringSubmatch(shown(u.URL)); m != nil {
		want += m[1]
	}
	if want == "image/auto" {
		c.auto(u.URL)
		return
	}
	s, err := c.measure(r.body)
	if r.status != u.Status || !strings.HasPrefix(r.ctype, want) || err != nil {
		got := s.String()
		if err != nil {
			got = err.Error()
		}
		c.fail("%s (want %d %s, a readable image; got %s)", what, u.Status, want, got)
		return
	}
	d := s.String()
	if strings.HasPrefix(u.URL, c.list.Edge+"/i/") {
		if xc := c.get(u.URL).header.Get("X-Cache"); xc != "HIT" {
			c.fail("%s: second GET through the edge X-Cache=%s, want HIT", what, xc)
			return
		}
		d += ", edge HIT"
	}
	c.pass("%s  %s", what, d)
}
