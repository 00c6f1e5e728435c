// Package nginx renders the front nginx configuration (template front.conf.tmpl) from the pool
// list (package pool: the one list from which origin/cache also builds its peer ring) and the
// legacy URL ACL (legacy/acl/patterns.txt); the origin binary exposes it as
// `origin render-nginx -config X`. Its tests run the rendered configuration in real nginx.
//
// Location order (nginx's rules, which the template relies on):
//
//  1. exact and `^~` prefix locations: `^~ /i/` → the origin pool (regexes are not tried), and
//     the internal paths (/_groupcache/, /metrics, /debug/, /healthz, /readyz) → 404 with
//     X-Front-Route: refused;
//  2. the legacy regexes (`location ~`), in the order of legacy/acl/patterns.txt, first match
//     wins → the legacy site;
//  3. `location /` → 404 with X-Front-Route: none.
package nginx

import _ "embed"

// frontTemplate is the text/template of the front nginx configuration.
//
//go:embed front.conf.tmpl
var frontTemplate string
