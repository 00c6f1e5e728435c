package config

import (
	"fmt"
	"reflect"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"gopkg.in/yaml.v3"
)

// Marshal writes c as the YAML file Load reads back into c: only the keys whose values differ
// from Default() (a source's section: from its type's defaults) are written, durations in Go's
// notation ("1.5s"), keys in the file's spelling. Launchers (origin/stack) write the origin's
// configuration with it instead of formatting YAML by hand, so the file follows the structs.
// Node.Name is written only when set apart from the default (the host name).
func Marshal(c Config) ([]byte, error) {
	out, err := diff(c, Default())
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = map[string]any{}
	}
	if len(c.Sources) > 0 {
		srcs := map[string]any{}
		for name, s := range c.Sources {
			m, err := marshalSource(s)
			if err != nil {
				return nil, fmt.Errorf("config: sources.%s: %w", name, err)
			}
			srcs[name] = m
		}
		out["sources"] = srcs
	} else {
		delete(out, "sources")
	}
	return yaml.Marshal(out)
}

// NewSourceConfig returns a source configuration with every type's section at its defaults
// (what Load decodes a source on top of); set Type and the section of that type.
func NewSourceConfig() SourceConfig { return newSourceConfig() }

// marshalSource writes a source's type and the section of that type (what differs from its
// defaults; Load decodes each source on top of them).
func marshalSource(s SourceConfig) (map[string]any, error) {
	def := newSourceConfig()
	var section, defSection any
	switch s.Type {
	case "local":
		section, defSection = s.Local, def.Local
	case "s3":
		section, defSection = s.S3, def.S3
	case "fastdfs":
		section, defSection = s.FastDFS, def.FastDFS
	case "http":
		section, defSection = s.HTTP, def.HTTP
	default:
		return nil, fmt.Errorf("type: must be local, s3, fastdfs or http, not %q", s.Type)
	}
	m := map[string]any{"type": s.Type}
	d, err := diff(section, defSection)
	if err != nil {
		return nil, err
	}
	if d != nil {
		m[s.Type] = d
	}
	return m, nil
}

// diff returns the leaves of struct v that differ from def's, nested as the file nests them
// (nil when none differ).
func diff(v, def any) (map[string]any, error) {
	vm, err := asMap(v)
	if err != nil {
		return nil, err
	}
	dm, err := asMap(def)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	for k, val := range vm {
		dval := dm[k]
		if isSection(val) && k != "presets" {
			sub, err := diff(val, dval)
			if err != nil {
				return nil, err
			}
			if sub != nil {
				out[k] = sub
			}
			continue
		}
		if reflect.DeepEqual(val, dval) || (isEmpty(val) && isEmpty(dval)) {
			continue
		}
		out[k] = plain(val)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// asMap returns a section as a map of its keys (mapstructure turns nested structs into maps
// or leaves them structs, depending on depth).
func asMap(v any) (map[string]any, error) {
	if m, ok := v.(map[string]any); ok {
		return m, nil
	}
	m := map[string]any{}
	if v == nil {
		return m, nil
	}
	if err := mapstructure.Decode(v, &m); err != nil {
		return nil, fmt.Errorf("config: marshal: %w", err)
	}
	return m, nil
}

// isSection reports a nested section (a struct, or one decoded into a map).
func isSection(v any) bool {
	if isStruct(v) {
		return true
	}
	_, ok := v.(map[string]any)
	return ok
}

// plain turns a leaf into what YAML writes as Load reads it: durations as strings, structs in
// slices (the pool) as maps of every key.
func plain(v any) any {
	switch x := v.(type) {
	case time.Duration:
		return x.String()
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() == reflect.Struct {
		out := make([]any, rv.Len())
		for i := range out {
			m := map[string]any{}
			if err := mapstructure.Decode(rv.Index(i).Interface(), &m); err != nil {
				panic(fmt.Sprintf("config: marshal: %v", err)) // a struct of the config's own types
			}
			for k, e := range m {
				m[k] = plain(e)
			}
			out[i] = m
		}
		return out
	}
	return v
}

// isEmpty reports a nil or empty slice or map, which Load reads the same way.
func isEmpty(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Map:
		return rv.Len() == 0
	}
	return false
}
