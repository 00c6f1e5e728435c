package autoformattest

import "testing"

func TestBrowsers(t *testing.T) {
	if n := len(Browsers()); n < 15 {
		t.Fatalf("%d cases", n)
	}
}
