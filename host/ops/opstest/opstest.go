// Package opstest reads a node's operator endpoint in tests: its
// Prometheus metrics, scraped over HTTP as Prometheus would, and the
// value of one series.
package opstest

import (
	"io"
	"net/http"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Metrics are the metric families of one scrape, by name.
type Metrics map[string]*dto.MetricFamily

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
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return fams
}

// Value is the value of the first series named name whose labels
// include labels (name, value pairs): a counter's or gauge's value, a
// histogram's sample count. It is -1 when there is no such series.
func (m Metrics) Value(name string, labels ...string) float64 {
	f, ok := m[name]
	if !ok {
		return -1
	}
next:
	for _, s := range f.Metric {
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, l := range s.Label {
				if l.GetName() == labels[i] && l.GetValue() == labels[i+1] {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch {
		case s.Counter != nil:
			return s.Counter.GetValue()
		case s.Gauge != nil:
			return s.Gauge.GetValue()
		case s.Histogram != nil:
			return float64(s.Histogram.GetSampleCount())
		case s.Untyped != nil:
			return s.Untyped.GetValue()
		}
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
