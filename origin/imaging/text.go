package imaging

// #cgo pkg-config: vips fontconfig
// #include <stdlib.h>
// #include <vips/vips.h>
// #include <fontconfig/fontconfig.h>
//
// // text_mask renders Pango markup in font at 72 dpi (points are pixels) as a one-band 8-bit
// // mask, PNG-encoded into *buf (g_free it). On failure it returns non-zero and *err holds
// // libvips' message (g_free it).
// static int text_mask(const char *text, const char *font, void **buf, size_t *len, char **err) {
//   VipsImage *t = NULL;
//   int r = vips_text(&t, text, "font", font, "dpi", 72, NULL);
//   if (r == 0) {
//     r = vips_pngsave_buffer(t, buf, len, "compression", 1, NULL);
//     g_object_unref(t);
//   }
//   if (r != 0) {
//     *err = g_strdup(vips_error_buffer());
//     vips_error_clear();
//   }
//   return r;
// }
//
// // font_families counts the installed fonts whose family list contains family
// // (case-insensitive, as fontconfig compares).
// static int font_families(const char *family) {
//   FcPattern *p = FcPatternCreate();
//   FcObjectSet *os = FcObjectSetBuild(FC_FAMILY, (char *)NULL);
//   FcFontSet *fs;
//   int n = 0;
//   FcPatternAddString(p, FC_FAMILY, (const FcChar8 *)family);
//   fs = FcFontList(NULL, p, os);
//   if (fs) {
//     n = fs->nfont;
//     FcFontSetDestroy(fs);
//   }
//   FcObjectSetDestroy(os);
//   FcPatternDestroy(p);
//   return n;
// }
import "C"

import (
	"fmt"
	"strconv"
	"strings"
	"unsafe"

	"github.com/davidbyttow/govips/v2/vips"
)

// FontInstalled reports whether fontconfig knows a font of the family (e.g. "Noto Sans CJK SC",
// "DejaVu Sans"). Pango falls back to another font silently, so configured fonts are checked
// with this when the origin starts.
func FontInstalled(family string) bool {
	if family == "" || strings.ContainsRune(family, 0) {
		return false
	}
	cs := C.CString(family)
	defer C.free(unsafe.Pointer(cs))
	return C.font_families(cs) > 0
}

// markupEscaper escapes text for Pango markup, which vips_text reads.
var markupEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "'", "&#39;", `"`, "&quot;")

// textMask renders one line of text in the font family at px pixels as a one-band mask
// (255 = ink). Glyphs the family lacks come from another installed font (Pango's fallback),
// which is how CJK text renders with a Latin family name when a CJK font is installed.
func textMask(text, family string, px int) (*vips.ImageRef, error) {
	ct := C.CString(markupEscaper.Replace(text))
	defer C.free(unsafe.Pointer(ct))
	// A Pango font description: the family, a comma (so a family ending in a number is not
	// read as a size), then the size in points (72 dpi: pixels).
	cf := C.CString(family + ", " + strconv.Itoa(px))
	defer C.free(unsafe.Pointer(cf))
	var (
		buf  unsafe.Pointer
		n    C.size_t
		cerr *C.char
	)
	if C.text_mask(ct, cf, &buf, &n, &cerr) != 0 {
		msg := C.GoString(cerr)
		C.g_free(C.gpointer(unsafe.Pointer(cerr)))
		return nil, fmt.Errorf("text: %s", strings.TrimSpace(msg))
	}
	png := C.GoBytes(buf, C.int(n))
	C.g_free(C.gpointer(buf))
	return vips.LoadImageFromBuffer(png, nil)
}
