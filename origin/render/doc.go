// Package render is the origin's use case: from a parsed image path to the bytes and metadata of
// the variant, through the configured source, the cluster cache, the header probe, admission
// control and the image processor.
//
// It imports no HTTP router, storage SDK, libvips or groupcache: those arrive as the small
// interfaces declared here (Processor, Admitter, Cache) and are wired in origin/cmd/origin.
//
// Cache keys never need invalidation. A variant key is
//
//	{canonical escaped path} "#" {pipeline version} "#" {source identity}
//
// and an original key is
//
//	{source name} "/" {escaped object key} "#" {source identity}
//
// The canonical path contains no '#' (it is escaped), so both split at their first '#'.
package render
