package source

import (
	"fmt"
	"sort"
)

// ErrUnknownSource is returned by Registry.Get for a name that is not configured.
var ErrUnknownSource = fmt.Errorf("%w: unknown source", ErrNotFound)

// Registry maps the {source} names of image URLs to configured sources.
type Registry struct {
	byName map[string]Source
}

// NewRegistry returns a registry of the given named sources.
func NewRegistry(sources map[string]Source) *Registry {
	m := make(map[string]Source, len(sources))
	for k, v := range sources {
		m[k] = v
	}
	return &Registry{byName: m}
}

// Get returns the source configured under name.
func (r *Registry) Get(name string) (Source, error) {
	s, ok := r.byName[name]
	if !ok {
		return nil, ErrUnknownSource
	}
	return s, nil
}

// Names lists the configured names in order.
func (r *Registry) Names() []string {
	out := make([]string, 0, len(r.byName))
	for k := range r.byName {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
