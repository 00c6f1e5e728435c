package render

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/imgorigin/imgorigin/origin/failure"
	"github.com/imgorigin/imgorigin/origin/source/sourcetest"
	"github.com/imgorigin/imgorigin/origin/watermark"
)

func markedRenderer(t *testing.T, mem *sourcetest.Memory, proc Processor) *Renderer {
	t.Helper()
	cfg := DefaultConfig()
	cfg.StatTTL = 0
	cfg.Watermarks.Images["logo"] = watermark.ImageConfig{Source: "mem", Key: "marks/logo.png", Opacity: 60}
	cfg.Watermarks.Texts["shop"] = watermark.TextConfig{Text: "水印 shop"}
	cfg.Presets["product"] = "w_600,wm_logo,tm_shop,f_jpeg"
	return newRenderer(t, cfg, mem, proc, admitter{})
}

// TestWatermarks: the mark reaches the processor with its bytes (through the originals cache),
// a changed mark changes the variant's ETag, and bad names and missing marks fail with the
// right kind instead of an unmarked image.
func TestWatermarks(t *testing.T) {
	mem := sourcetest.NewMemory()
	mem.Put("a.png", pngBytes(t, 64, 48))
	mem.Put("marks/logo.png", pngBytes(t, 20, 10))
	proc := &recordingProcessor{}
	r := markedRenderer(t, mem, proc)
	ctx := context.Background()

	rd, err := r.Render(ctx, mustParse(t, r, "/i/product/mem/a.png"), "")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(rd.Data), `jpeg 600x0 <- png 64x48 + mark png 20x10 + text "水印 shop"`; got != want {
		t.Errorf("processor got %q, want %q", got, want)
	}
	plain, err := r.Render(ctx, mustParse(t, r, "/i/w_600,f_jpeg/mem/a.png"), "")
	if err != nil || plain.ETag == rd.ETag {
		t.Fatalf("marked and plain variants share an ETag (%v)", err)
	}

	mem.Put("marks/logo.png", pngBytes(t, 30, 10)) // a new logo
	again, err := r.Render(ctx, mustParse(t, r, "/i/product/mem/a.png"), "")
	if err != nil {
		t.Fatal(err)
	}
	if again.ETag == rd.ETag || !strings.Contains(string(again.Data), "mark png 30x10") {
		t.Errorf("a new mark kept the variant key: %q", again.Data)
	}

	for _, tc := range []struct {
		path string
		kind failure.Kind
		msg  string
	}{
		{"/i/w_100,wm_nosuch,f_jpeg/mem/a.png", failure.KindBadRequest, `unknown image watermark "nosuch"`},
		{"/i/w_100,tm_nosuch,f_jpeg/mem/a.png", failure.KindBadRequest, `unknown text watermark "nosuch"`},
	} {
		_, err := r.Render(ctx, mustParse(t, r, tc.path), "")
		var fe *failure.Error
		if failure.KindOf(err) != tc.kind || !errors.As(err, &fe) || !strings.Contains(fe.Public, tc.msg) {
			t.Errorf("%s: %v, want %v naming %s", tc.path, err, tc.kind, tc.msg)
		}
	}

	mem.Delete("marks/logo.png")
	calls := proc.calls.Load()
	_, err = r.Render(ctx, mustParse(t, r, "/i/product/mem/a.png"), "")
	if failure.KindOf(err) != failure.KindUnavailable || !strings.Contains(err.Error(), `watermark "logo"`) {
		t.Errorf("missing mark: %v, want unavailable naming the mark", err)
	}
	mem.Put("marks/logo.png", []byte("this is not an image"))
	_, err = r.Render(ctx, mustParse(t, r, "/i/product/mem/a.png"), "")
	if failure.KindOf(err) != failure.KindUnavailable || !strings.Contains(err.Error(), `watermark "logo"`) {
		t.Errorf("mark that is not an image: %v, want unavailable naming the mark", err)
	}
	if proc.calls.Load() != calls {
		t.Error("the processor ran without its mark")
	}
}

func TestPresetNamingAnUnknownMark(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Presets["bad"] = "w_100,wm_ghost,f_jpeg"
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), `render.presets.bad: no image watermark "ghost"`) {
		t.Fatalf("Validate = %v", err)
	}
}
