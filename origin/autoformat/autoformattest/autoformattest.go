// Package autoformattest holds the table of real clients' Accept headers that every rendering
// of the f_auto rules is checked against (the Go rules, the nginx maps in real nginx, the
// CloudFront function in node, the Varnish subroutine in varnishd, the edge and the front end
// to end): browsers.json, with the bucket each falls into under the default render.auto.
package autoformattest

import (
	_ "embed"
	"encoding/json"

	"github.com/imgorigin/imgorigin/origin/autoformat"
)

//go:embed browsers.json
var browsersJSON []byte

// Case is one client: its name, the Accept header of its <img> requests, and its bucket under
// autoformat.DefaultConfig().
type Case struct {
	Name   string            `json:"name"`
	Accept string            `json:"accept"`
	Bucket autoformat.Bucket `json:"bucket"`
}

// Browsers returns the table, in file order.
func Browsers() []Case {
	var f struct {
		Cases []Case `json:"cases"`
	}
	if err := json.Unmarshal(browsersJSON, &f); err != nil {
		panic("autoformattest: browsers.json: " + err.Error()) // TestBrowsers pins that it parses
	}
	return f.Cases
}
