// Package redact keeps tokens out of logs: it removes the query of every request target and
// URL in a text. The query of an imgorigin URL is authorization only (the token, Aliyun's
// auth_key, Tencent's sign and t: ARCHITECTURE.md §1, "Query = authorization only"), so no log
// line needs it, and removing the whole query does not depend on the parameter names a
// deployment configured.
//
// The rule, one function applied to the origin's access log (Query on the request target) and
// to nginx's error log (Writer and ServeSyslog over every line nginx writes): a '?' starts a
// query; the query ends at the next whitespace byte (space, tab, CR, LF). Inside it every byte
// is dropped but '"' and ',', which are kept so that the quoting and field separators of
// nginx's error lines stay intact:
//
//	upstream prematurely closed connection … request: "GET /i/w_100/s/a.jpg?token=k1.17.x HTTP/1.1", upstream: "http://127.0.0.1:8101/i/w_100/s/a.jpg?token=k1.17.x", host: "img"
//	upstream prematurely closed connection … request: "GET /i/w_100/s/a.jpg HTTP/1.1", upstream: "http://127.0.0.1:8101/i/w_100/s/a.jpg", host: "img"
//
// nginx cannot do this itself: its error log format is fixed and quotes the request line, query
// included, whenever a request is being served ("request: …", "upstream: …", "referrer: …").
// So every way the project starts nginx sends the error log through this package: origin/stack
// pipes nginx's stderr through `origin redact-log` into the log file; the deployment files
// point nginx's error_log at a syslog socket served by `origin redact-log --syslog-socket`
// (docs/deploy).
//
// The state of a query spans writes: a Writer redacts a stream cut anywhere, in memory bounded
// by the size of one write.
package redact
