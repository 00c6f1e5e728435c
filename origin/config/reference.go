package config

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/viper"
)

// WriteReference writes a Markdown table of every configuration key with its default and its
// environment variable, generated from the Config structs so it cannot drift from the code.
func WriteReference(w io.Writer) error {
	v := viper.New()
	seed(v, "", Default())
	// Sources are a map: document one entry, named NAME, with every type's section.
	seed(v, "sources.NAME", newSourceConfig())
	keys := v.AllKeys()
	sort.Strings(keys)
	if _, err := fmt.Fprintln(w, "| key | default | environment |\n|---|---|---|"); err != nil {
		return err
	}
	for _, k := range keys {
		env := envPrefix + "_" + strings.ToUpper(strings.NewReplacer(".", "_", "-", "_").Replace(k))
		if strings.HasPrefix(k, "sources.") {
			env += " (when the file names the source)"
		}
		def := fmt.Sprint(v.Get(k))
		if k == "node.name" {
			def = "(the host name)"
		}
		if def == "" || def == "[]" || def == "map[]" {
			def = "—"
		}
		def = strings.ReplaceAll(def, "|", `\|`)
		if _, err := fmt.Fprintf(w, "| `%s` | `%s` | `%s` |\n", k, def, env); err != nil {
			return err
		}
	}
	return nil
}
