package reliability

import "testing"

func TestKept(t *testing.T) {
	old := "# Reliability run\n\nold intro\n\n## Summary\n\n- old\n\n## Load held\n\nold figures\n\n" +
		"## Write path: an origin killed during 1,000 uploads\n\nkept figures\n\n## Attacks tried\n\n| a | b |\n"
	generated := "# Reliability run\n\nnew intro\n\n## Summary\n\n- new\n\n## Load held\n\nnew figures\n"
	want := "\n## Write path: an origin killed during 1,000 uploads\n\nkept figures\n" +
		"\n## Attacks tried\n\n| a | b |\n"
	if got := Kept(old, generated); got != want {
		t.Errorf("Kept:\n got %q\nwant %q", got, want)
	}
	if got := Kept("", generated); got != "" {
		t.Errorf("Kept of no file: %q", got)
	}
	// A section the run writes is never kept twice, even when the old file had it last.
	if got := Kept("## Load held\n\nold\n", generated); got != "" {
		t.Errorf("Kept kept a generated section: %q", got)
	}
}
