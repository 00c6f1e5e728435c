package server

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/imgorigin/imgorigin/origin/failure"
	"github.com/imgorigin/imgorigin/origin/render"
)

// image serves GET and HEAD /i/{variant}/{source}/{key}.
func (s *Server) image(w http.ResponseWriter, r *http.Request) error {
	esc := r.URL.EscapedPath()
	p, err := s.deps.Renderer.Parse(esc)
	if err != nil {
		return err
	}
	if err := s.deps.Auth.Check(r, esc); err != nil {
		return failure.New(failure.KindForbidden, "forbidden: "+err.Error(), err)
	}
	start := time.Now()
	rd, err := s.deps.Renderer.Render(r.Context(), p)
	if err != nil {
		return err
	}
	info := infoFrom(r.Context())
	info.outcome = string(rd.Outcome)
	s.observe(rd)

	h := w.Header()
	h.Set("Content-Type", rd.ContentType)
	h.Set("Cache-Control", s.cacheControl(rd.Immutable))
	h.Set("ETag", rd.ETag)
	h.Set("Surrogate-Key", rd.SurrogateKey)
	h.Set("Cache-Tag", rd.SurrogateKey)
	h.Set("Timing-Allow-Origin", "*")
	h.Set("Server-Timing", serverTiming(rd, time.Since(start)))
	http.ServeContent(w, r, "", rd.LastModified, bytes.NewReader(rd.Data))
	return nil
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

// cacheControl renders the 200 policy.
func (s *Server) cacheControl(immutable bool) string {
	cc := s.cfg.CacheControl
	if immutable {
		return fmt.Sprintf("public, max-age=%d, s-maxage=%d, immutable", secs(cc.ImmutableMaxAge), secs(cc.ImmutableMaxAge))
	}
	return fmt.Sprintf("public, max-age=%d, s-maxage=%d, stale-while-revalidate=%d, stale-if-error=%d",
		secs(cc.MaxAge), secs(cc.SMaxAge), secs(cc.StaleWhileRevalidate), secs(cc.StaleIfError))
}

func secs(d time.Duration) int64 { return int64(d / time.Second) }

// serverTiming renders the Server-Timing header: which cache answered, then the stages that
// ran on this node, in milliseconds.
func serverTiming(rd *render.Rendition, total time.Duration) string {
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
	return b.String()
}
