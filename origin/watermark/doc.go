// Package watermark is the configuration of named watermarks and the resolved marks a renderer
// hands the image processor.
//
// Marks are named in the origin's configuration and applied by name in a URL (wm_{name} for
// an image mark, tm_{name} for a text mark; see signer/imgurl). An image mark is an object in
// a configured source, read through the originals cache like any original; a text mark is a
// string drawn with an installed font (fontconfig family name; CJK text needs a CJK font, e.g.
// Debian's fonts-noto-cjk, which scripts/install-deps and the Dockerfile install).
//
// A mark is part of the variant's identity: Set.Identity hashes every setting of the marks and
// the source identity of the mark image, and the renderer puts it in the variant key, so a
// changed mark (new logo bytes, new text, another opacity) gets new variant keys and ETags.
//
// Geometry, in output pixels after every resize step:
//
//	size     image mark: its width as a fraction of the output width (default 0.25);
//	         text mark: the font's pixel size as a fraction of the output's shorter side
//	         (default 0.06). A mark wider than the output less its margins is shrunk to fit:
//	         a mark is never cut off.
//	gravity  n ne e se s sw w nw c (default se): the corner or edge it sits against
//	x, y     margins from that edge in output pixels (default 0); centre ignores them
//	tile     image marks only: repeat the mark over the whole image, x and y being the gaps
//
// Opacity is a percentage 1..100 (default 100); colour (text) is rrggbb (default ffffff);
// shadow (text) draws a soft dark copy under the text so light text stays legible on light
// images. Zero values mean the defaults.
package watermark
