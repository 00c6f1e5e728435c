package auth

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// FuzzCheck: Check never panics on any query, and admits nothing but the signed path with its
// own token (the origin secret is not sent here).
func FuzzCheck(f *testing.F) {
	a, err := New(testConfig(), func() time.Time { return t0 })
	if err != nil {
		f.Fatal(err)
	}
	good := token(f, "new", 1, path, t0.Unix()+3600)
	f.Add(path, "token="+good)
	f.Add(path, "token="+good+"&token="+good)
	f.Add(path+"x", "token="+good)
	f.Add(path, "to%6Ben="+good)
	f.Add(path, "auth_key=1-0-0-00000000000000000000000000000000")
	f.Add(path, "token=%zz")
	f.Fuzz(func(t *testing.T, p, rawQuery string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.URL.RawQuery = rawQuery
		if err := a.Check(r, p); err == nil {
			v, n := queryValue(rawQuery, "token")
			if p != path || n != 1 || v != good {
				t.Fatalf("admitted path %q query %q", p, rawQuery)
			}
			if strings.Contains(rawQuery, "auth_key") && n == 0 {
				t.Fatalf("admitted a forged auth_key: %q", rawQuery)
			}
		}
	})
}
