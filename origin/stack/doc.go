// Package stack starts a real imgorigin stack on 127.0.0.1: N origin processes (the real origin
// binary) peered through groupcache, the front nginx rendered by `origin render-nginx` from the
// same pool list, and optionally the legacy site (legacy/site), the CDN edge stand-in
// (cdn/edge), a real MinIO (source "s3", package origin/source/s3/minio) and the FastDFS
// protocol stand-in process (source "fdfs", origin/cmd/fdfsfake). It is the one launcher of
// the project: `make run` (origin/cmd/stack), the end-to-end tests (origin/clustertest wraps it
// with t.Cleanup), the offload measurement (cdn/cmd/offload) and the reliability run
// (origin/cmd/reliability) all start their stacks here. It imports no testing code.
//
// The origins' configuration is a config.Config written with config.Marshal (only what differs
// from the defaults), never YAML formatted by hand; Options.OriginConfig changes it before it
// is written. nginx runs as
//
//	nginx -p <prefix> -c nginx.conf -e stderr -g 'daemon off; pid …; error_log stderr;'
//
// with its stderr (every error line: the front's front.error_log is stderr too) piped through
// `origin redact-log` (origin/redact: no token in any log) into logs/{name}.log, and with
// `user root;` only when running as root. Ports are picked at run time (a start that loses a
// port to another process is tried again on new ones) unless Options.Ports fixes them; nothing
// listens beyond loopback; Close stops every process, newest first.
//
// Two shapes, one code path:
//
//   - the test shape (the zero Options): the front's rate limit out of the way (100000 r/s),
//     front.fail_timeout 1 s (a restarted node gets its keys back quickly), admission.max_wait
//     20 s (a shared 2-core machine), cache budgets of 64 MiB each;
//   - the local stack of `make run` (Options.Run): fixed ports, keys and secrets kept in the
//     directory across runs, the sample images in every source, the write path configured,
//     the old image tree migrated into the legacy site, the demo page (demo.go, package
//     origin/stack/demo), processes that outlive the command (their PIDs in <dir>/pids for
//     scripts/stop) and the URL lists urls.txt (for people) and urls.json (for programs: the
//     smoke test, origin/stack/smoke). Run's zero Ports picks free ones, so a test can start
//     this shape too.
//
// Options.Env overrides any key for every origin (and for render-nginx), e.g.
// IMGORIGIN_SERVER_CACHE_CONTROL_NOT_FOUND_MAX_AGE=2s.
package stack
