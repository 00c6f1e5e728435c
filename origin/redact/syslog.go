package redact

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
)

// ListenSyslog opens the datagram socket nginx's `error_log syslog:server=unix:{path}` sends
// to. A socket left by an earlier run is replaced (a live receiver's too: the newest wins). The
// socket is writable by everyone, as /dev/log is: nginx's workers run as another user than the
// receiver; who may reach it is decided by the directory it is in.
func ListenSyslog(path string) (net.PacketConn, error) {
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode().Type() != fs.ModeSocket {
			return nil, fmt.Errorf("redact: %s exists and is not a socket", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("redact: %w", err)
		}
	}
	conn, err := net.ListenPacket("unixgram", path)
	if err != nil {
		return nil, fmt.Errorf("redact: %w", err)
	}
	if err := os.Chmod(path, 0o666); err != nil {
		conn.Close()
		return nil, fmt.Errorf("redact: %w", err)
	}
	return conn, nil
}

// maxDatagram is the largest message read: nginx's syslog lines are at most its error line
// (2,048 bytes) plus the syslog header; longer datagrams are cut, not read whole.
const maxDatagram = 8 << 10

// ServeSyslog reads syslog messages from conn, as nginx sends them to
// `error_log syslog:server=unix:{path}` (one datagram per line, RFC 3164 header kept), and
// writes each to w with its queries removed, one line per message, until ctx ends or conn
// fails. It closes conn when ctx ends.
func ServeSyslog(ctx context.Context, conn net.PacketConn, w io.Writer) error {
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	buf := make([]byte, maxDatagram)
	var line []byte
	for {
		n, _, err := conn.ReadFrom(buf)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		var st state
		line = st.appendRedacted(line[:0], buf[:n])
		if len(line) == 0 || line[len(line)-1] != '\n' {
			line = append(line, '\n')
		}
		if _, err := w.Write(line); err != nil {
			return err
		}
	}
}
