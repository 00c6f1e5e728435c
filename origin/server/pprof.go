package server

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// boundedProfile refuses a pprof request whose seconds= (CPU profile, trace, delta profiles)
// is above max: net/http/pprof itself takes any length, and the internal listener has no
// write timeout to cut it. A CPU profile without seconds= (30 s in net/http/pprof) is cut to
// max. Only GET reaches pprof (its handlers read seconds= from a POSTed form too).
func boundedProfile(max time.Duration) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			q := r.URL.Query()
			v := q.Get("seconds")
			switch {
			case v != "":
				n, err := strconv.ParseFloat(v, 64)
				if err != nil || !(n > 0) || n*float64(time.Second) > float64(max) {
					w.Header().Set("Cache-Control", "no-store")
					http.Error(w, "seconds: must be a positive number of at most "+strconv.Itoa(int(max/time.Second)), http.StatusBadRequest)
					return
				}
			case strings.HasSuffix(r.URL.Path, "/profile") && max < 30*time.Second:
				q.Set("seconds", strconv.Itoa(int(max/time.Second)))
				r.URL.RawQuery = q.Encode()
			}
			next.ServeHTTP(w, r)
		})
	}
}
