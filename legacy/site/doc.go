// Package site renders the nginx configuration of the old-image site: a static server for the
// migrated directory tree (see package migrate) that keeps every old image URL working.
//
// The rendered server
//
//   - listens on Config.Listen (127.0.0.1:<port>) and serves files from Config.Root;
//   - serves only the configured image extensions (case-insensitive) with their media type,
//     `Cache-Control: public, max-age=<Config.MaxAge>`, `X-Content-Type-Options: nosniff`, a
//     Last-Modified and nginx's ETag (hex mtime "-" hex size; the migration preserves mtimes, so
//     ETags and Last-Modified survive the move), answering If-None-Match / If-Modified-Since
//     with 304 and Range with 206;
//   - answers 404 for everything else: other extensions, directories (no listing), dot files
//     (the migration manifest lives in the root), missing files and symlinks (never followed);
//     a path that climbs above the root is rejected by nginx's URI parser with 400 before any
//     file is touched;
//   - keeps its temp paths and access log under the nginx prefix (-p), so no root-owned path
//     is needed.
//
// Render returns a complete nginx.conf (main context); Server returns only the server block,
// for a deployment that includes it into an existing http block.
package site
