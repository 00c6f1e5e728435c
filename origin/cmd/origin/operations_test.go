package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/imgorigin/imgorigin/origin/config"
	"github.com/imgorigin/imgorigin/origin/watermark"
)

// TestInfoEndpoint: GET /info/{source}/{key} answers JSON with the displayed size, colours and
// a placeholder, with the CDN headers of a variant; a second request is a cache hit; bad paths
// and missing objects get the image endpoint's answers.
func TestInfoEndpoint(t *testing.T) {
	n := startNode(t, nil)
	resp, body := n.do(t, "GET", "/info/local/photo.jpg", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var info struct {
		Format        string `json:"format"`
		Width, Height int
		Frames, Bytes int
		Alpha         bool
		Orientation   int
		ColourSpace   string `json:"colour_space"`
		AverageColour string `json:"average_colour"`
		BlurHash      string `json:"blurhash"`
		Placeholder   string `json:"placeholder"`
	}
	if err := json.Unmarshal(body, &info); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	if info.Format != "jpeg" || info.Width != 1200 || info.Height != 800 || info.Frames != 1 || info.Bytes < 1000 ||
		info.Alpha || info.Orientation != 1 || info.ColourSpace != "srgb" || len(info.AverageColour) != 7 ||
		len(info.BlurHash) < 20 || !strings.HasPrefix(info.Placeholder, "data:image/webp;base64,") || len(info.Placeholder) > 1024 {
		t.Errorf("info %+v", info)
	}
	if ct, cc := resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"); ct != "application/json" || !strings.HasPrefix(cc, "public") ||
		resp.Header.Get("Etag") == "" || resp.Header.Get("Surrogate-Key") != "local/photo.jpg" {
		t.Errorf("headers %v", resp.Header)
	}
	again, _ := n.do(t, "GET", "/info/local/photo.jpg", nil)
	if !strings.Contains(again.Header.Get("Server-Timing"), "hit") || again.Header.Get("Etag") != resp.Header.Get("Etag") {
		t.Errorf("second request: %v", again.Header)
	}
	alpha, body := n.do(t, "GET", "/info/local/dir/with%20space.png", nil)
	if alpha.StatusCode != 200 || !strings.Contains(string(body), `"alpha":true`) {
		t.Errorf("png with alpha: %d %s", alpha.StatusCode, body)
	}
	for path, status := range map[string]int{
		"/info/LOCAL/photo.jpg":      400,
		"/info/local/nosuch.jpg":     404,
		"/info/local/notanimage.jpg": 415,
		"/info/local/bomb.png":       422,
	} {
		if resp, body := n.do(t, "GET", path, nil); resp.StatusCode != status {
			t.Errorf("%s: %d, want %d: %s", path, resp.StatusCode, status, body)
		}
	}
}

// TestOperationsThroughTheNode: the new options through the whole node, including a watermark
// read from the same store, and their 4xx answers.
func TestOperationsThroughTheNode(t *testing.T) {
	n := startNode(t, func(c *config.Config) {
		c.Render.Watermarks.Images["logo"] = watermark.ImageConfig{Source: "local", Key: "dir/with space.png", Opacity: 80}
		c.Render.Watermarks.Images["gone"] = watermark.ImageConfig{Source: "local", Key: "nosuch.png"}
		c.Render.Watermarks.Texts["shop"] = watermark.TextConfig{Text: "水印 sample", Shadow: true}
		c.Render.Presets["product"] = "c_100_100_800_600,sh_0.5,wm_logo,tm_shop,f_jpeg"
	})
	for path, want := range map[string]int{
		"/i/c_0_0_600_400,rot_90,flip_h,w_200,f_jpeg/local/photo.jpg": 200,
		"/i/w_300,h_300,g_fp_0.2_0.8,blur_2,f_webp/local/photo.jpg":   200,
		"/i/w_200,bg_102030,f_jpeg/local/dir/with%20space.png":        200,
		"/i/product/local/photo.jpg":                                  200,
		"/i/c_1000_0_300_300,f_jpeg/local/photo.jpg":                  400, // outside the 1200×800 image
		"/i/w_200,wm_nosuch,f_jpeg/local/photo.jpg":                   400,
		"/i/w_200,tm_nosuch,f_jpeg/local/photo.jpg":                   400,
		"/i/w_200,wm_gone,f_jpeg/local/photo.jpg":                     502, // never an unmarked image
		"/i/w_200,rot_45,f_jpeg/local/photo.jpg":                      400,
		"/i/w_200,blur_99,f_jpeg/local/photo.jpg":                     400,
	} {
		resp, body := n.do(t, "GET", path, nil)
		if resp.StatusCode != want {
			t.Errorf("%s: %d, want %d: %.200s", path, resp.StatusCode, want, body)
			continue
		}
		if want != 200 {
			if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
				t.Errorf("%s: %d with Cache-Control %q", path, want, cc)
			}
		}
	}
	resp, body := n.do(t, "GET", "/i/c_1000_0_300_300,f_jpeg/local/photo.jpg", nil)
	if !strings.Contains(string(body), "c_1000_0_300_300") || !strings.Contains(string(body), "1200x800") {
		t.Errorf("crop outside the image: %d %s", resp.StatusCode, body)
	}
	resp, body = n.do(t, "GET", "/i/w_200,wm_nosuch,f_jpeg/local/photo.jpg", nil)
	if !strings.Contains(string(body), `"nosuch"`) {
		t.Errorf("unknown mark: %d %s", resp.StatusCode, body)
	}
}
