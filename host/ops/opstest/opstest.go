// Package opstest reads a node's operator endpoint in tests: its
// Prometheus metrics, scraped over HTTP as Prometheus would, and the
// value of one series.
package opstest

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// Metrics are the samples of one scrape, by series name.
type Metrics map[string][]Sample

// Sample is one series' labels and value.
type Sample struct {
	Labels map[string]string
	Value  float64
}

// Scrape reads http://addr/metrics, failing t if it cannot.
func Scrape(t testing.TB, addr string) Metrics {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET /metrics: %d %s", resp.StatusCode, b)
	}
	m, err := Parse(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Parse reads the Prometheus text exposition format: comments are
// skipped, each other line is a series name, optional labels and a
// value (a timestamp after it is ignored).
func Parse(r io.Reader) (Metrics, error) {
	m := Metrics{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		name, rest := line, ""
		s := Sample{Labels: map[string]string{}}
		if i := strings.IndexAny(line, "{ "); i >= 0 {
			name, rest = line[:i], line[i:]
		}
		if strings.HasPrefix(rest, "{") {
			var err error
			if rest, err = parseLabels(rest[1:], s.Labels); err != nil {
				return nil, fmt.Errorf("line %d: %w", n, err)
			}
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			return nil, fmt.Errorf("line %d: no value: %q", n, line)
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			return nil, fmt.Errorf("line %d: value: %w", n, err)
		}
		s.Value = v
		m[name] = append(m[name], s)
	}
	return m, sc.Err()
}

// parseLabels reads `k="v",...}` into labels and returns what follows.
func parseLabels(s string, labels map[string]string) (string, error) {
	for {
		s = strings.TrimLeft(s, " ,")
		if strings.HasPrefix(s, "}") {
			return s[1:], nil
		}
		k, rest, ok := strings.Cut(s, "=\"")
		if !ok {
			return "", fmt.Errorf("malformed labels at %q", s)
		}
		var v strings.Builder
		i := 0
		for ; i < len(rest) && rest[i] != '"'; i++ {
			if rest[i] == '\\' && i+1 < len(rest) {
				i++
				if rest[i] == 'n' {
					v.WriteByte('\n')
					continue
				}
			}
			v.WriteByte(rest[i])
		}
		if i == len(rest) {
			return "", fmt.Errorf("unterminated label value at %q", s)
		}
		labels[strings.TrimSpace(k)] = v.String()
		s = rest[i+1:]
	}
}

// Value is the value of the first series named name whose labels include
// labels (name, value pairs) — a counter's or gauge's value; for a
// histogram or summary name, its count (name_count). It is -1 when there
// is no such series.
func (m Metrics) Value(name string, labels ...string) float64 {
	samples, ok := m[name]
	if !ok {
		samples = m[name+"_count"]
	}
next:
	for _, s := range samples {
		for i := 0; i+1 < len(labels); i += 2 {
			if v, ok := s.Labels[labels[i]]; !ok || v != labels[i+1] {
				continue next
			}
		}
		return s.Value
	}
	return -1
}

// Want checks series values, each written name or name{k=v,k=v}, and
// reports every one that differs.
func (m Metrics) Want(t testing.TB, want map[string]float64) {
	t.Helper()
	for series, v := range want {
		name, rest, _ := strings.Cut(series, "{")
		var labels []string
		for kv := range strings.SplitSeq(strings.TrimSuffix(rest, "}"), ",") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				labels = append(labels, k, v)
			}
		}
		if got := m.Value(name, labels...); got != v {
			t.Errorf("%s = %v, want %v", series, got, v)
		}
	}
}
