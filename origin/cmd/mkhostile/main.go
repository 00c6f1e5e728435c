// Command mkhostile writes the hostile inputs of package hostile to a directory, with a
// manifest.json listing each file, the requests to make for it and the expected status:
//
//	mkhostile -out DIR [-href URL]
//
// -href is the remote reference the SVG inputs carry (point it at an address you watch to show
// that nothing fetches it).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/imgorigin/imgorigin/origin/hostile"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

type entry struct {
	Name  string         `json:"name"`
	Bytes int            `json:"bytes"`
	Why   string         `json:"why"`
	Cases []hostile.Case `json:"cases"`
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mkhostile", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "directory to write the inputs into (created)")
	href := fs.String("href", "", "remote URL referenced by the SVG inputs")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *out == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: mkhostile -out DIR [-href URL]")
		return 2
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(stderr, "mkhostile:", err)
		return 1
	}
	var manifest []entry
	for _, in := range hostile.All(*href) {
		if err := os.WriteFile(filepath.Join(*out, in.Name), in.Data, 0o644); err != nil {
			fmt.Fprintln(stderr, "mkhostile:", err)
			return 1
		}
		manifest = append(manifest, entry{in.Name, len(in.Data), in.Why, in.Cases})
	}
	b, _ := json.MarshalIndent(manifest, "", "  ")
	if err := os.WriteFile(filepath.Join(*out, "manifest.json"), append(b, '\n'), 0o644); err != nil {
		fmt.Fprintln(stderr, "mkhostile:", err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %d hostile inputs and manifest.json to %s\n", len(manifest), *out)
	return 0
}
