// The info endpoint: facts about an original (GET /info/{source}/{key}), made on the original's
// owner, cached in the variants cache like a variant and answered with a variant's headers.

package render

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/imgorigin/imgorigin/origin/failure"
	"github.com/imgorigin/imgorigin/origin/imgprobe"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// Details is what the info endpoint reports that the header probe cannot: it needs pixels.
type Details struct {
	ColourSpace string
	Average     [3]uint8
	BlurHash    string
	Placeholder string // a data: URI of at most 1 KB
}

// Describer makes Details; the Processor implements it.
type Describer interface {
	// AdmitDescribe checks the probed original against the limits, before decoding, and
	// returns the admission cost of Describe.
	AdmitDescribe(in imgprobe.Info) (cost int64, err error)
	Describe(ctx context.Context, data []byte, in imgprobe.Info) (Details, error)
}

// Info is the JSON answer of the info endpoint. Width and Height are as displayed (after the
// EXIF orientation); Bytes is the original's size.
type Info struct {
	Format        string `json:"format"`
	Width         int    `json:"width"`
	Height        int    `json:"height"`
	Frames        int    `json:"frames"`
	Bytes         int    `json:"bytes"`
	Alpha         bool   `json:"alpha"`
	Orientation   int    `json:"orientation"`
	ColourSpace   string `json:"colour_space"`
	AverageColour string `json:"average_colour"` // "#rrggbb"
	BlurHash      string `json:"blurhash"`
	Placeholder   string `json:"placeholder"`
}

// infoKey is the variants-cache key of an original's info: {info path} "#" {pipeline version}
// "#" {source identity}.
type infoKey struct {
	path     string // canonical escaped info path
	version  string
	identity string
}

func (k infoKey) String() string { return k.path + "#" + k.version + "#" + k.identity }

func parseInfoKey(s, version string, lim imgurl.Limits) (infoKey, imgurl.InfoPath, error) {
	bad := failure.New(failure.KindBadRequest, "bad info key", fmt.Errorf("render: info key %q", s))
	var k infoKey
	var rest string
	var ok bool
	if k.path, rest, ok = strings.Cut(s, "#"); !ok {
		return infoKey{}, imgurl.InfoPath{}, bad
	}
	if k.version, k.identity, ok = strings.Cut(rest, "#"); !ok || k.version != version {
		return infoKey{}, imgurl.InfoPath{}, bad
	}
	p, err := parseInfoPath(k.path, lim)
	if err != nil {
		return infoKey{}, imgurl.InfoPath{}, err
	}
	return k, p, nil
}

func parseInfoPath(esc string, lim imgurl.Limits) (imgurl.InfoPath, error) {
	p, err := imgurl.ParseInfo(esc, lim)
	if err != nil {
		return imgurl.InfoPath{}, failure.New(failure.KindBadRequest, err.Error(), err)
	}
	return p, nil
}

// ParseInfo parses an escaped info path, as a failure.KindBadRequest error naming the canonical
// spelling when there is one.
func (r *Renderer) ParseInfo(escapedPath string) (imgurl.InfoPath, error) {
	return parseInfoPath(escapedPath, r.lim)
}

// Info answers the info of an original as JSON, cached in the variants cache under the
// original's identity (a new original gets a new key and ETag).
func (r *Renderer) Info(ctx context.Context, p imgurl.InfoPath) (*Rendition, error) {
	ctx, tm, st, err := r.statTimed(ctx, p.Source, p.Key)
	if err != nil {
		return nil, err
	}
	key := infoKey{path: p.String(), version: r.cfg.PipelineVersion, identity: st.info.Identity}.String()
	data, outcome, err := r.cache.Variant(ctx, key)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(key))
	return &Rendition{
		Data:             data,
		ContentType:      "application/json",
		ETag:             `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`,
		LastModified:     st.info.LastModified,
		LastModifiedHTTP: st.lastModified,
		Immutable:        st.info.Immutable,
		SurrogateKey:     p.Source + "/" + imgurl.EscapeKey(p.Key),
		Outcome:          outcome,
		Timings:          *tm,
	}, nil
}

// loadInfo is the variants cache's loader for info keys: the original through the originals
// cache, the probe, admission, then the pixels' facts.
func (r *Renderer) loadInfo(ctx context.Context, key string) ([]byte, error) {
	k, p, err := parseInfoKey(key, r.cfg.PipelineVersion, r.lim)
	if err != nil {
		return nil, err
	}
	desc, ok := r.proc.(Describer)
	if !ok {
		return nil, failure.New(failure.KindInternal, "info is not available", fmt.Errorf("render: the processor cannot describe images"))
	}
	tm := timingsFrom(ctx)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.cfg.Timeout)
	defer cancel()
	okey := originalKey{source: p.Source, key: p.Key, identity: k.identity}.String()
	t0 := time.Now()
	data, outcome, err := r.cache.Original(ctx, okey)
	tm.Fetch, tm.OriginalOutcome = time.Since(t0), outcome
	if err != nil {
		return nil, err
	}
	in, err := r.probe(okey, data)
	if err != nil {
		return nil, err
	}
	cost, err := desc.AdmitDescribe(in)
	if err != nil {
		return nil, err
	}
	t1 := time.Now()
	release, err := r.adm.Acquire(ctx, cost)
	tm.Queue = time.Since(t1)
	if err != nil {
		return nil, failure.New(failure.KindOverloaded, "the origin is busy, retry shortly", fmt.Errorf("render: admission: %w", err))
	}
	t2 := time.Now()
	d, err := desc.Describe(ctx, data, in)
	release()
	tm.Decode = time.Since(t2)
	if err != nil {
		return nil, err
	}
	w, h := in.Upright()
	return json.Marshal(Info{
		Format: string(in.Format), Width: w, Height: h, Frames: max(1, in.Frames), Bytes: len(data), Alpha: in.HasAlpha,
		Orientation: max(1, in.Orientation), ColourSpace: d.ColourSpace,
		AverageColour: fmt.Sprintf("#%02x%02x%02x", d.Average[0], d.Average[1], d.Average[2]),
		BlurHash:      d.BlurHash, Placeholder: d.Placeholder,
	})
}
