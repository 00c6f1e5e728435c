package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/imgorigin/imgorigin/origin/redact"
)

// redactLog is `origin redact-log`: nginx's error log with every query (token) removed
// (origin/redact), appended to out or written to stdout.
//
// From stdin (nginx's stderr piped in: origin/stack, `nginx … 2>&1 | origin redact-log`) it
// runs until nginx closes its end, ignoring SIGTERM, SIGINT and SIGHUP: a stop of the whole
// process group or a terminal's ^C reaches nginx too, and its last lines still get written.
// From a syslog socket (the deployment files) it runs until SIGTERM or SIGINT.
func redactLog(out, socket string, stdin io.Reader, stdout io.Writer) error {
	w := stdout
	if out != "" {
		f, err := os.OpenFile(out, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	if socket == "" {
		signal.Ignore(syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
		_, err := io.Copy(redact.NewWriter(w), stdin)
		return err
	}
	conn, err := redact.ListenSyslog(socket)
	if err != nil {
		return err
	}
	defer os.Remove(socket)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	return redact.ServeSyslog(ctx, conn, w)
}
