package pool_test

import (
	"strings"
	"testing"

	"github.com/imgorigin/imgorigin/origin/pool"
)

func TestValidate(t *testing.T) {
	two := func() []pool.Member {
		return []pool.Member{{Name: "10.0.0.1:8080", Internal: "10.0.0.1:9090"}, {Name: "10.0.0.2:8080", Weight: 2, Internal: "10.0.0.2:9090"}}
	}
	if err := pool.Validate("10.0.0.1:8080", two()); err != nil {
		t.Fatalf("valid pool refused: %v", err)
	}
	if err := pool.Validate("anything", nil); err != nil {
		t.Fatalf("single node refused: %v", err)
	}
	selfNoInternal := two()
	selfNoInternal[0].Internal = ""
	if err := pool.Validate("10.0.0.1:8080", selfNoInternal); err != nil {
		t.Fatalf("self without internal refused: %v", err)
	}
	cases := []struct {
		name string
		self string
		edit func([]pool.Member)
		want string
	}{
		{"self missing", "10.0.0.9:8080", func([]pool.Member) {}, `self: "10.0.0.9:8080" is not in the pool`},
		{"peer without internal", "10.0.0.1:8080", func(m []pool.Member) { m[1].Internal = "" }, "pool[1].internal"},
		{"injection", "10.0.0.1:8080", func(m []pool.Member) { m[1].Name = "a:1; server evil:2" }, "pool[1].name"},
		{"weight", "10.0.0.1:8080", func(m []pool.Member) { m[1].Weight = 1001 }, "pool[1].weight"},
		{"twice", "10.0.0.1:8080", func(m []pool.Member) { m[1].Name = m[0].Name }, "listed twice"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := two()
			tc.edit(m)
			err := pool.Validate(tc.self, m)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
}

func TestShardAndWeight(t *testing.T) {
	for _, m := range []string{pool.ShardObject, pool.ShardPath} {
		if err := pool.ValidateShard(m); err != nil {
			t.Errorf("%s: %v", m, err)
		}
	}
	if pool.ValidateShard("request_uri") == nil {
		t.Error("unknown shard mode accepted")
	}
	if (pool.Member{}).EffectiveWeight() != 1 || (pool.Member{Weight: 3}).EffectiveWeight() != 3 {
		t.Error("EffectiveWeight: 0 means 1")
	}
}
