package stack

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Metrics is one scrape in Prometheus text format: series → value, the series written
// name{label="value",…} with labels sorted by name (no braces without labels).
type Metrics map[string]float64

// ParseMetrics parses the Prometheus text exposition format (comments skipped, timestamps
// ignored).
func ParseMetrics(text string) (Metrics, error) {
	m := Metrics{}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		name, labels, rest, err := parseSeries(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			return nil, fmt.Errorf("line %d: no value", i+1)
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			return nil, fmt.Errorf("line %d: value: %w", i+1, err)
		}
		m[seriesKey(name, labels)] = v
	}
	return m, nil
}

// parseSeries splits `name{a="x",b="y"} rest`.
func parseSeries(line string) (name string, labels map[string]string, rest string, err error) {
	i := strings.IndexAny(line, "{ \t")
	if i < 0 {
		return "", nil, "", fmt.Errorf("no value in %q", line)
	}
	name, rest = line[:i], line[i:]
	labels = map[string]string{}
	if rest[0] != '{' {
		return name, labels, rest, nil
	}
	rest = rest[1:]
	for {
		rest = strings.TrimLeft(rest, " ,")
		if strings.HasPrefix(rest, "}") {
			return name, labels, rest[1:], nil
		}
		eq := strings.IndexByte(rest, '=')
		if eq < 0 || len(rest) < eq+2 || rest[eq+1] != '"' {
			return "", nil, "", fmt.Errorf("bad label in %q", line)
		}
		key := strings.TrimSpace(rest[:eq])
		rest = rest[eq+2:]
		var val strings.Builder
		j := 0
		for ; j < len(rest) && rest[j] != '"'; j++ {
			if rest[j] == '\\' && j+1 < len(rest) {
				j++
				switch rest[j] {
				case 'n':
					val.WriteByte('\n')
				default:
					val.WriteByte(rest[j])
				}
				continue
			}
			val.WriteByte(rest[j])
		}
		if j >= len(rest) {
			return "", nil, "", fmt.Errorf("unterminated label value in %q", line)
		}
		labels[key] = val.String()
		rest = rest[j+1:]
	}
}

func seriesKey(name string, labels map[string]string) string {
	if len(labels) == 0 {
		return name
	}
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k)
		b.WriteString("=")
		b.WriteString(strconv.Quote(labels[k]))
	}
	b.WriteByte('}')
	return b.String()
}

// Sum adds the values of every series of metric name whose labels include all of filter
// (nil: every series).
func (m Metrics) Sum(name string, filter map[string]string) float64 {
	total := 0.0
	for series, v := range m {
		n, labels, _, err := parseSeries(series + " 0")
		if err != nil || n != name {
			continue
		}
		ok := true
		for k, want := range filter {
			if labels[k] != want {
				ok = false
				break
			}
		}
		if ok {
			total += v
		}
	}
	return total
}
