package server

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/imgorigin/imgorigin/origin/render"
	"github.com/imgorigin/imgorigin/origin/telemetry"
)

// denyAll refuses every request, as a bad token is refused.
type denyAll struct{}

func (denyAll) Check(*http.Request, string) error { return errors.New("bad mac") }
func (denyAll) FromCDN(*http.Request) bool        { return false }

// TestLogsHoldNoTokens: the access log of admitted and refused requests names the path, never
// the query with its token= or auth_key= (issue 14).
func TestLogsHoldNoTokens(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	hr := &hitRenderer{rd: render.Rendition{Data: []byte("x"), ContentType: "image/webp", ETag: `"e"`}}
	for _, az := range []Authorizer{allowAll{}, denyAll{}} {
		s, err := New(DefaultConfig(), Deps{Node: "n1", Renderer: hr, Auth: az, Metrics: telemetry.New(), Log: log})
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{"token=k1.1800000000.SECRETMAC", "auth_key=1800000000-0-0-SECRETMD5"} {
			w := httptest.NewRecorder()
			s.PublicHandler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/i/w_100/t/k.jpg?"+q, nil))
		}
	}
	out := logs.String()
	if strings.Count(out, `"msg":"request"`) != 4 {
		t.Fatalf("want 4 access log lines:\n%s", out)
	}
	for _, secret := range []string{"SECRET", "token=", "auth_key="} {
		if strings.Contains(out, secret) {
			t.Errorf("the access log holds %q:\n%s", secret, out)
		}
	}
}
