package server

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/imgorigin/imgorigin/origin/autoformat"
	"github.com/imgorigin/imgorigin/origin/failure"
	"github.com/imgorigin/imgorigin/origin/render"
)

// image serves GET and HEAD /i/{variant}/{source}/{key}.
func (s *Server) image(w http.ResponseWriter, r *http.Request) error {
	// The raw target, not r.URL.EscapedPath(): one image, one spelling (requestPath).
	esc, err := requestPath(r)
	if err != nil {
		return err
	}
	p, err := s.deps.Renderer.Parse(esc)
	if err != nil {
		return err
	}
	if err := s.deps.Auth.Check(r, esc); err != nil {
		return failure.New(failure.KindForbidden, "forbidden: "+err.Error(), err)
	}
	start := time.Now()
	var bucket autoformat.Bucket
	auto := s.deps.Renderer.IsAuto(p.Variant)
	if auto {
		bucket = s.deps.Formats.FromRequest(r, s.deps.Auth.FromCDN(r))
	}
	rd, err := s.deps.Renderer.Render(r.Context(), p, bucket)
	if err != nil {
		return err
	}
	return s.answer(w, r, rd, auto, start)
}

// info serves GET and HEAD /info/{source}/{key}: JSON facts about the original, signed,
// cached and answered like an image (the same Cache-Control, ETag and purge tag).
func (s *Server) info(w http.ResponseWriter, r *http.Request) error {
	esc, err := requestPath(r)
	if err != nil {
		return err
	}
	p, err := s.deps.Renderer.ParseInfo(esc)
	if err != nil {
		return err
	}
	if err := s.deps.Auth.Check(r, esc); err != nil {
		return failure.New(failure.KindForbidden, "forbidden: "+err.Error(), err)
	}
	start := time.Now()
	rd, err := s.deps.Renderer.Info(r.Context(), p)
	if err != nil {
		return err
	}
	return s.answer(w, r, rd, false, start)
}

// answer writes a rendition: the CDN's headers, then the body (or ServeContent's answer to a
// conditional or range request).
func (s *Server) answer(w http.ResponseWriter, r *http.Request, rd *render.Rendition, auto bool, start time.Time) error {
	if rd.File != nil {
		defer rd.File.Close()
	}
	info := infoOf(w)
	info.outcome = string(rd.Outcome)
	s.observe(rd)

	h := w.Header()
	h["Content-Type"] = []string{rd.ContentType}
	if rd.Immutable {
		h["Cache-Control"] = s.ccImmutable
	} else {
		h["Cache-Control"] = s.ccMutable
	}
	sk := []string{rd.SurrogateKey}
	h["Etag"] = []string{rd.ETag}
	h["Surrogate-Key"] = sk
	h["Cache-Tag"] = sk
	h["Timing-Allow-Origin"] = headerStar
	if auto && s.deps.Formats.Vary() {
		// Browser and shared caches: the answer depends on Accept. The CDN keys on the bucket
		// instead (cdn/README.md), never on raw Accept.
		h["Vary"] = headerAccept
	}
	h["Server-Timing"] = []string{serverTiming(rd, time.Since(start), auto)}
	if conditional(r) {
		// Range, If-None-Match, If-Modified-Since and the rest: net/http's rules.
		var body io.ReadSeeker = bytes.NewReader(rd.Data)
		if rd.File != nil {
			pos, err := rd.File.Seek(0, io.SeekCurrent)
			if err != nil {
				return fmt.Errorf("server: disk hit: %w", err)
			}
			body = io.NewSectionReader(rd.File, pos, rd.Size)
		}
		http.ServeContent(w, r, "", rd.LastModified, body)
		return nil
	}
	// A plain GET or HEAD (what CDN pulls are): the same answer ServeContent gives, written in
	// one call without its per-response copy buffer.
	if rd.LastModifiedHTTP != "" {
		h["Last-Modified"] = []string{rd.LastModifiedHTTP}
	}
	h["Accept-Ranges"] = headerBytes
	size := int64(len(rd.Data))
	if rd.File != nil {
		size = rd.Size
	}
	h["Content-Length"] = []string{strconv.FormatInt(size, 10)}
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return nil
	}
	if rd.File != nil {
		// A large disk hit: net/http hands an *os.File behind an io.LimitedReader to the
		// kernel (sendfile), so the bytes go from the page cache to the socket.
		_, _ = io.Copy(w, &io.LimitedReader{R: rd.File, N: rd.Size})
		return nil
	}
	writeCorked(w, r, rd.Data)
	return nil
}

// Shared read-only header values (net/http never modifies a header's value slice).
var (
	headerStar   = []string{"*"}
	headerBytes  = []string{"bytes"}
	headerAccept = []string{"Accept"}
)

// conditional reports whether the request needs ServeContent's precondition or range logic.
func conditional(r *http.Request) bool {
	h := r.Header
	return h["Range"] != nil || h["If-None-Match"] != nil || h["If-Modified-Since"] != nil ||
		h["If-Match"] != nil || h["If-Unmodified-Since"] != nil || h["If-Range"] != nil
}

func (s *Server) observe(rd *render.Rendition) {
	m := s.deps.Metrics
	t := rd.Timings
	m.Stage("stat", t.Stat)
	if rd.Outcome == render.OutcomeMiss {
		m.Stage("fetch", t.Fetch)
		m.Stage("queue", t.Queue)
		m.Stage("decode", t.Decode)
		m.Stage("encode", t.Encode)
	}
}

// cacheControl renders the 200 policy (once, at New).
func cacheControl(cc CacheControl, immutable bool) []string {
	return []string{cacheControlText(cc, immutable)}
}

// Both 200 classes carry the stale windows: an immutable object past its year is still the
// right answer, and the images that never change must not be the first to fail when the pool
// is down (a cache without stale-if-error keeps only its default grace, 10 s in Varnish).
func cacheControlText(cc CacheControl, immutable bool) string {
	if immutable {
		return fmt.Sprintf("public, max-age=%d, s-maxage=%d, immutable, stale-while-revalidate=%d, stale-if-error=%d",
			secs(cc.ImmutableMaxAge), secs(cc.ImmutableMaxAge), secs(cc.StaleWhileRevalidate), secs(cc.StaleIfError))
	}
	return fmt.Sprintf("public, max-age=%d, s-maxage=%d, stale-while-revalidate=%d, stale-if-error=%d",
		secs(cc.MaxAge), secs(cc.SMaxAge), secs(cc.StaleWhileRevalidate), secs(cc.StaleIfError))
}

// notFoundCacheControl is the policy of a store's 404: short, and with explicit zero stale
// windows, so no cache adds its default grace (Varnish: 10 s) on top of the promised max-age.
func notFoundCacheControl(cc CacheControl) string {
	return fmt.Sprintf("public, max-age=%d, stale-while-revalidate=0, stale-if-error=0", secs(cc.NotFoundMaxAge))
}

func secs(d time.Duration) int64 { return int64(d / time.Second) }

// serverTiming renders the Server-Timing header: which cache answered, then the stages that
// ran on this node, in milliseconds; for f_auto the format answered (format;desc="avif"), which
// a page reads from PerformanceResourceTiming.serverTiming (Timing-Allow-Origin: *) to learn what
// its browser received.
func serverTiming(rd *render.Rendition, total time.Duration, auto bool) string {
	var b strings.Builder
	b.WriteString(`cache;desc="`)
	b.WriteString(string(rd.Outcome))
	b.WriteString(`"`)
	t := rd.Timings
	add := func(name string, d time.Duration) {
		b.WriteString(", ")
		b.WriteString(name)
		b.WriteString(";dur=")
		b.WriteString(strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', -1, 64))
	}
	add("stat", t.Stat)
	if rd.Outcome == render.OutcomeMiss {
		if t.OriginalOutcome != "" {
			fmt.Fprintf(&b, `, original;desc="%s"`, t.OriginalOutcome)
		}
		add("fetch", t.Fetch)
		add("queue", t.Queue)
		add("decode", t.Decode)
		add("encode", t.Encode)
	}
	add("total", total)
	if auto {
		b.WriteString(`, format;desc="`)
		b.WriteString(strings.TrimPrefix(rd.ContentType, "image/"))
		b.WriteString(`"`)
	}
	return b.String()
}
