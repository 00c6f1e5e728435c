package edge_test

import (
	"fmt"
	"strings"

	"github.com/imgorigin/imgorigin/cdn/edge"
)

func ExampleRender() {
	cfg := edge.DefaultConfig()
	cfg.Upstream = "127.0.0.1:8080" // the front nginx
	cfg.Auth.Type = edge.AuthAliyunA
	cfg.Auth.Keys = []string{"primaryKey1", "backupKey2"}
	cfg.OriginSecret.Value = "a-long-random-origin-secret"
	cfg.PurgeToken = "a-long-random-purge-token"
	conf, err := edge.Render(cfg)
	if err != nil {
		panic(err)
	}
	for _, l := range strings.Split(conf, "\n") {
		if strings.Contains(l, "proxy_cache_key") || strings.Contains(l, "proxy_pass") {
			fmt.Println(strings.TrimSpace(l))
		}
	}
	// Output:
	// proxy_pass http://edge_origin$edge_path$is_args$args;
	// proxy_cache_key $edge_cache_key;
	// proxy_pass http://edge_origin$edge_path;
}
