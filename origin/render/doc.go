// Package render is the origin's use case: from a parsed image path to the bytes and metadata of
// the variant, through the configured source, the cluster cache, the header probe, admission
// control and the image processor.
//
// It imports no HTTP router, storage SDK, libvips or groupcache: those arrive as the small
// interfaces declared here (Processor, Admitter, Cache) and are wired in origin/cmd/origin.
//
// Cache keys never need invalidation. A variant key is
//
//	{canonical escaped path} "#" {pipeline version} "#" [ {format bucket} "#" ] [ {marks} "#" ]
//	{source identity}
//
// where the format bucket (avif, webp, fallback: package autoformat) is present exactly when the
// path's options (explicit or through a preset) are f_auto, and marks (watermark.Identity: the
// hash of the marks' settings and of the mark image's source identity) exactly when they name a
// watermark, so a changed mark gets new variant keys. The path, not the bucket, decides the
// shard key, so all buckets of a variant live on the original's owner and each is rendered once
// per cluster; the ETag hashes the whole key, so it differs per bucket.
// An f_auto answer's Content-Type is read from the rendered bytes (sniff). An original key is
//
//	{source name} "/" {escaped object key} "#" {source identity}
//
// The canonical path contains no '#' (it is escaped), so both split at their first '#'. Both
// keys are typed (variantKey, originalKey in key.go), built by String and read back by their
// parse function only.
package render
