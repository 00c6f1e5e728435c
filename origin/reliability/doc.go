// Package reliability is the reliability run: a real cluster on 127.0.0.1 (package
// origin/stack: 3 origin processes peered through groupcache, the front nginx, MinIO as source
// "s3" behind a fault-injecting proxy, the FastDFS protocol-level fake with two trackers as
// source "fdfs", source "local" on disk) under a fixed open-loop load, with faults injected one
// at a time — an origin killed and restarted, a peer hung with SIGSTOP, the store down, slow
// and failing, a FastDFS storage stopped, its trackers restarted, a tracker hung — and then
// every hostile input of origin/hostile served once through nginx. It returns the Markdown of
// RELIABILITY.md: a summary of targets met or not, the figures of every phase, the machine and
// its load.
//
// The run is timed phases on the wall clock, so it takes minutes (Options.Steady plus about
// five); Run.Progress tells a terminal how far it is. origin/cmd/reliability (scripts/reliability)
// runs it and writes the file, keeping the sections other runs wrote (Kept); the test beside
// it (build tag reliability) runs a short one.
//
// It imports no testing code.
package reliability
