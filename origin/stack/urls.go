package stack

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/imgorigin/imgorigin/signer"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// URL is one entry of the local stack's URL list.
type URL struct {
	Name  string `json:"name"`  // stable identifier, e.g. "edge-resize", "expired", "metrics"
	Title string `json:"title"` // what urls.txt says about it
	URL   string `json:"url"`
	// Status is the answer it must get (200, or 403 for the expired URL).
	Status int `json:"status"`
}

// URLList is urls.json: the URLs `make run` prints, for programs (origin/stack/smoke).
type URLList struct {
	Edge  string `json:"edge"`  // the edge's base URL
	Front string `json:"front"` // the front nginx's base URL
	URLs  []URL  `json:"urls"`
	// Listen names every address the stack listens on (Ports.Named), e.g. "front-nginx":
	// "127.0.0.1:8080": after make stop none may answer.
	Listen map[string]string `json:"listen,omitempty"`
}

// URLs returns the URLs to try on the local stack, signed now (edge URLs with the edge's
// Aliyun type A key, valid for an hour in 15-minute buckets as `imgsign sign` makes them).
func (s *Stack) URLs(now time.Time) (URLList, error) {
	edgeSign := func(p imgurl.Path, at time.Time) (string, error) {
		u := signer.URLSigner{Base: s.EdgeURL, Tokens: signer.AliyunA{Key: s.EdgeKey, ValidFor: EdgeTTL}, Bucket: 15 * time.Minute,
			Now: func() time.Time { return at }}
		return u.URL(p, time.Hour)
	}
	opts := func(w, h int, f imgurl.Format) imgurl.Variant {
		return imgurl.Variant{Options: imgurl.Options{Width: w, Height: h, Format: f}}
	}
	photo := func(v imgurl.Variant, source, key string) imgurl.Path {
		return imgurl.Path{Variant: v, Source: source, Key: key}
	}
	list := URLList{Edge: s.EdgeURL, Front: s.FrontURL}
	add := func(name, title string, status int, url string, err error) error {
		if err != nil {
			return fmt.Errorf("stack: url %s: %w", name, err)
		}
		list.URLs = append(list.URLs, URL{Name: name, Title: title, URL: url, Status: status})
		return nil
	}
	u, err := edgeSign(photo(opts(400, 0, imgurl.JPEG), "local", "photo.jpg"), now)
	if err := add("edge-resize", "resize through the edge (Aliyun type A auth_key, checked at the edge):", 200, u, err); err != nil {
		return list, err
	}
	u, err = edgeSign(photo(opts(400, 0, imgurl.WebP), "local", "photo.jpg"), now)
	if err := add("edge-webp", "the same as WebP:", 200, u, err); err != nil {
		return list, err
	}
	u, err = edgeSign(photo(opts(400, 0, imgurl.Auto), "local", "photo.jpg"), now)
	if err := add("edge-auto", "f_auto: AVIF, WebP or JPEG, whichever the client takes (try curl -H 'Accept: image/webp,*/*'):", 200, u, err); err != nil {
		return list, err
	}
	u, err = edgeSign(photo(opts(300, 300, imgurl.WebP), "s3", "photo.jpg"), now)
	if err := add("s3", "original in MinIO (S3), cover-cropped:", 200, u, err); err != nil {
		return list, err
	}
	u, err = edgeSign(imgurl.Path{Variant: imgurl.Variant{Preset: "thumb"}, Source: "fdfs", Key: s.FDFS["photo.jpg"]}, now)
	if err := add("fdfs", "original in the FastDFS stand-in:", 200, u, err); err != nil {
		return list, err
	}
	native := signer.URLSigner{Base: s.FrontURL, Tokens: signer.Native{Ring: s.Keys}, Bucket: 15 * time.Minute, Now: func() time.Time { return now }}
	u, err = native.URL(photo(opts(200, 0, imgurl.PNG), "local", "alpha.png"), time.Hour)
	if err := add("front-token", "the origin's own token, straight to the front nginx:", 200, u, err); err != nil {
		return list, err
	}
	// The edge stand-in authenticates (and adds the origin secret on) /i/ only, so the info URL
	// carries the origin's own token, to the front nginx.
	u, err = native.InfoURL(imgurl.InfoPath{Source: "local", Key: "photo.jpg"}, time.Hour)
	if err := add("info", "info about an original (JSON: size, colours, BlurHash, a placeholder; the origin's token, to the front):", 200, u, err); err != nil {
		return list, err
	}
	u, err = edgeSign(photo(opts(400, 0, imgurl.JPEG), "local", "photo.jpg"), now.Add(-2*time.Hour))
	if err := add("expired", "an expired URL (403 at the edge, nothing pulled):", 403, u, err); err != nil {
		return list, err
	}
	if err := add("legacy", "a legacy URL (served by the old-image site):", 200, s.EdgeURL+"/attachment/forum/201906/18/153012abcd.jpg", nil); err != nil {
		return list, err
	}
	if err := add("metrics", "metrics of origin-1:", 200, s.Nodes[0].InternalURL+"/metrics", nil); err != nil {
		return list, err
	}
	if err := add("demo", "the demo page (originals and variants side by side, checked by the smoke test):", 200, s.EdgeURL+"/demo/", nil); err != nil {
		return list, err
	}
	return list, nil
}

// Text is urls.txt: the list for people, as `make run` prints it.
func (l URLList) Text() string {
	var b strings.Builder
	b.WriteString("\nimgorigin local stack is up. Try (curl -si URL, or open in a browser):\n\n")
	for _, u := range l.URLs {
		fmt.Fprintf(&b, "  %s\n    %s\n", u.Title, u.URL)
	}
	b.WriteString("\n  logs: .run/logs/   stop: make stop\n")
	return b.String()
}

// writeURLs writes urls.txt and urls.json into the stack's directory, urls.txt last (a
// complete start is one whose urls.txt exists).
func (s *Stack) writeURLs(r *Run, now time.Time) error {
	list, err := s.URLs(now)
	if err != nil {
		return err
	}
	list.Listen = map[string]string{}
	for name, port := range r.Ports.Named() {
		list.Listen[name] = r.Ports.addr(port)
	}
	j, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(s.Dir, "urls.json"), append(j, '\n'), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(s.Dir, "urls.txt"), []byte(list.Text()), 0o644)
}
