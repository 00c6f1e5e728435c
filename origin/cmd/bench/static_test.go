package main

import (
	"strings"
	"testing"
)

// TestStaticConf checks the comparison nginx is the plain static server the reports describe
// (sendfile and tcp_nopush on, no access log) and leaves to the stack what the stack adds.
func TestStaticConf(t *testing.T) {
	var b strings.Builder
	if err := staticTmpl.Execute(&b, struct{ Listen, Root string }{"127.0.0.1:18082", "/srv/static"}); err != nil {
		t.Fatal(err)
	}
	conf := b.String()
	for _, want := range []string{"listen 127.0.0.1:18082;", `root "/srv/static";`, "sendfile on;", "tcp_nopush on;", "access_log off;", "worker_processes auto;", "etag on;"} {
		if !strings.Contains(conf, want) {
			t.Errorf("no %q in\n%s", want, conf)
		}
	}
	for _, own := range []string{"\npid ", "daemon", "error_log", "\nuser "} {
		if strings.Contains(conf, own) {
			t.Errorf("%q is the stack's to set (command line), not the template's", own)
		}
	}
}
