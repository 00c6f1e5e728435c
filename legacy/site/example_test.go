package site_test

import (
	"fmt"
	"strings"

	"github.com/imgorigin/imgorigin/legacy/site"
)

func ExampleServer() {
	cfg := site.DefaultConfig()
	cfg.Root = "/srv/legacy"
	cfg.Extensions = []string{"jpg", "jpeg", "png"}
	conf, err := site.Server(cfg)
	if err != nil {
		panic(err)
	}
	for _, l := range strings.Split(conf, "\n") {
		if strings.Contains(l, "location ~*") || strings.Contains(l, "Cache-Control") {
			fmt.Println(strings.TrimSpace(l))
		}
	}
	// Output:
	// location ~* \.(jpeg|jpg)$ {
	// add_header Cache-Control "public, max-age=31536000";
	// location ~* \.(png)$ {
	// add_header Cache-Control "public, max-age=31536000";
}
