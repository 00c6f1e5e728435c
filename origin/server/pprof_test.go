package server

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestPprofOffByDefault: with the defaults the internal listener has no /debug/pprof/ at all
// (before issue 14 anyone reaching the internal port could start a CPU profile of any length).
func TestPprofOffByDefault(t *testing.T) {
	h := newTestServer(t, &hitRenderer{}).InternalHandler()
	for _, p := range []string{"/debug/pprof/", "/debug/pprof/profile?seconds=1", "/debug/pprof/heap", "/debug/pprof/cmdline", "/debug/pprof/trace?seconds=1"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, p, nil))
		if w.Code != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404 (pprof off)", p, w.Code)
		}
	}
}

// TestPprofBounded: switched on, a profile or trace longer than server.pprof.max_duration is
// refused before it starts; the index answers.
func TestPprofBounded(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Pprof = Pprof{Enabled: true, MaxDuration: 2 * time.Second}
	s := newTestServerConfig(t, cfg, &hitRenderer{})
	h := s.InternalHandler()
	for _, tt := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/debug/pprof/", 200},
		{"GET", "/debug/pprof/cmdline", 200},
		{"GET", "/debug/pprof/profile?seconds=3600", 400},
		{"GET", "/debug/pprof/profile?seconds=3", 400},
		{"GET", "/debug/pprof/profile?seconds=NaN", 400},
		{"GET", "/debug/pprof/profile?seconds=-1", 400},
		{"GET", "/debug/pprof/trace?seconds=1e9", 400},
		{"GET", "/debug/pprof/heap?seconds=86400", 400},
		{"POST", "/debug/pprof/profile", 405},
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(tt.method, tt.path, nil))
		if w.Code != tt.status {
			t.Errorf("%s %s: status %d, want %d", tt.method, tt.path, w.Code, tt.status)
		}
	}
}

func TestPprofConfig(t *testing.T) {
	cfg := DefaultConfig()
	if cfg.Pprof.Enabled {
		t.Fatal("pprof on by default")
	}
	cfg.Pprof.MaxDuration = time.Hour
	if err := cfg.Validate(); err == nil {
		t.Fatal("an hour-long profile bound was accepted")
	}
}
