package signer

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// rotationStep is one configuration change of ROTATION.md, deployed at At (hours after start).
type rotationStep struct {
	name string
	at   time.Duration
	keys []Key
}

var (
	keyA = func(s State) Key { return Key{ID: "2026-01", Secret: testSecret(10), State: s} }
	keyB = func(s State) Key { return Key{ID: "2026-02", Secret: testSecret(20), State: s} }
)

const (
	rotMaxTTL = 6 * time.Hour
	rotBucket = 15 * time.Minute
	rotSkew   = time.Minute
	// rotLifetime is the verifiers' max lifetime: the longest TTL plus the bucket.
	rotLifetime = rotMaxTTL + rotBucket
)

// runbook is ROTATION.md as data.
var runbook = []rotationStep{
	{"start: A signs", 0, []Key{keyA(Signing)}},
	{"1. add B verify-only", 2 * time.Hour, []Key{keyA(Signing), keyB(VerifyOnly)}},
	{"2. switch signing to B", 4 * time.Hour, []Key{keyA(VerifyOnly), keyB(Signing)}},
	{"3. retire A after the max lifetime", 4*time.Hour + rotLifetime + rotSkew, []Key{keyA(Retired), keyB(Signing)}},
	{"4. remove A", 20 * time.Hour, []Key{keyB(Signing)}},
}

// walkRotation mints URLs every few minutes with the signing key of the step in force and, at
// every checkpoint, verifies every URL minted so far with the rings of the step in force and of
// the step before it (a fleet mid-deploy runs both). It returns the first violation: an
// unexpired URL refused, or an expired one accepted.
func walkRotation(t *testing.T, steps []rotationStep) error {
	t.Helper()
	start := time.Unix(1_800_000_000, 0)
	rings := make([]*Ring, len(steps))
	for i, s := range steps {
		rings[i] = testRing(t, s.keys...)
	}
	stepAt := func(d time.Duration) int {
		i := 0
		for j, s := range steps {
			if d >= s.at {
				i = j
			}
		}
		return i
	}
	type minted struct {
		token string
		exp   int64
		at    time.Duration
	}
	var urls []minted
	ttls := []time.Duration{5 * time.Minute, time.Hour, rotMaxTTL}
	end := steps[len(steps)-1].at + 2*rotLifetime
	for d, n := time.Duration(0), 0; d <= end; d, n = d+7*time.Minute, n+1 {
		now := start.Add(d)
		cur := stepAt(d)
		clock := func() time.Time { return now }
		if tok, err := rings[cur].Token("GET", benchPath, Expiry(now, ttls[n%len(ttls)], rotBucket)); err == nil {
			urls = append(urls, minted{tok, Expiry(now, ttls[n%len(ttls)], rotBucket), d})
		}
		for _, ri := range []int{cur, max(cur-1, 0)} {
			v, err := NewVerifier(rings[ri], VerifierOptions{Skew: rotSkew, MaxLifetime: rotLifetime, Now: clock})
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range urls {
				err := v.Verify("GET", benchPath, u.token)
				switch live := now.Unix() <= u.exp+int64(rotSkew/time.Second); {
				case live && err != nil:
					return fmt.Errorf("at %v under %q: URL minted at %v (exp in %v) refused: %v",
						d, steps[ri].name, u.at, time.Duration(u.exp-now.Unix())*time.Second, err)
				case !live && err == nil:
					return fmt.Errorf("at %v under %q: expired URL accepted", d, steps[ri].name)
				}
			}
		}
	}
	return nil
}

func TestRotationRunbook(t *testing.T) {
	if err := walkRotation(t, runbook); err != nil {
		t.Fatal(err)
	}
}

// TestRotationShortcutsFail shows the walk catches the mistakes the runbook prevents.
func TestRotationShortcutsFail(t *testing.T) {
	tests := []struct {
		name  string
		steps []rotationStep
		want  string
	}{
		{"switch signing without the verify-only step", []rotationStep{runbook[0], {runbook[2].name, runbook[2].at, runbook[2].keys}}, "unknown key"},
		{"retire before the max lifetime", []rotationStep{runbook[0], runbook[1], runbook[2], {runbook[3].name, 5 * time.Hour, runbook[3].keys}}, "retired key"},
		{"remove A before the max lifetime", []rotationStep{runbook[0], runbook[1], runbook[2], {runbook[4].name, 5 * time.Hour, runbook[4].keys}}, "unknown key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := walkRotation(t, tt.steps)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("walk = %v, want a refusal with %q", err, tt.want)
			}
		})
	}
}
