package main

import "testing"

func TestCommandLine(t *testing.T) {
	for _, tc := range []struct{ steady, load, faultLoad, want string }{
		{"3m", "1.0", "0.6", "scripts/reliability"},
		{"3m0s", "1", "0.60", "scripts/reliability"},
		{"60s", "1.0", "0.6", "STEADY=60s scripts/reliability"},
		{"3m", "0.8", "0.5", "FAULTLOAD=0.5 LOAD=0.8 scripts/reliability"},
		{"90s", "0.8", "0.5", "FAULTLOAD=0.5 LOAD=0.8 STEADY=90s scripts/reliability"},
	} {
		if got := commandLine(tc.steady, tc.load, tc.faultLoad); got != tc.want {
			t.Errorf("commandLine(%q, %q, %q) = %q, want %q", tc.steady, tc.load, tc.faultLoad, got, tc.want)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"-steady", "soon"}, {"-load", "0"}, {"-faultload", "x"}, {"-nope"}} {
		if code := run(args, discard{}); code != 2 {
			t.Errorf("run %q = %d, want 2", args, code)
		}
	}
}

type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }
