package ops_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ncn-network/ncn/host/ops"
	"github.com/ncn-network/ncn/host/ops/opstest"
)

// TestListen: a taken address falls back when a fallback is given, and
// fails with EADDRINUSE when not; a free one is used as it is.
func TestListen(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	addr := taken.Addr().String()

	ln, fellBack, err := ops.Listen(addr, "127.0.0.1:0")
	if err != nil || !fellBack || ln.Addr().String() == addr {
		t.Fatalf("taken with a fallback: %v, fell back %v, %v", ln, fellBack, err)
	}
	ln.Close()
	if _, _, err := ops.Listen(addr, ""); !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("taken without a fallback: %v", err)
	}
	ln, fellBack, err = ops.Listen("127.0.0.1:0", "127.0.0.1:1")
	if err != nil || fellBack {
		t.Fatalf("free: fell back %v, %v", fellBack, err)
	}
	ln.Close()
}

// TestServe: /metrics from the node's registry, /healthz, and /readyz
// as the readiness check says.
func TestServe(t *testing.T) {
	reg := ops.NewRegistry()
	var ready atomic.Bool
	s, err := ops.Serve("127.0.0.1:0", reg, func(context.Context) error {
		if !ready.Load() {
			return errors.New("no peers yet")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + s.Addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/metrics"); code != 200 || !strings.Contains(body, "go_goroutines") {
		t.Errorf("/metrics: %d %.80s", code, body)
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Errorf("/healthz: %d", code)
	}
	if code, body := get("/readyz"); code != 503 || !strings.Contains(body, "no peers yet") {
		t.Errorf("/readyz not ready: %d %s", code, body)
	}
	ready.Store(true)
	if code, _ := get("/readyz"); code != 200 {
		t.Errorf("/readyz ready: %d", code)
	}
}

// TestScrape: opstest reads what the endpoint serves — counters with
// labels (quotes and backslashes escaped), gauges, a histogram's count.
func TestScrape(t *testing.T) {
	reg := ops.NewRegistry()
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "things_total", Help: "Things."}, []string{"kind"})
	h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "wait_seconds", Help: "Waits."})
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "open", Help: "Open."})
	reg.MustRegister(c, h, g)
	c.WithLabelValues(`a "quoted" \ kind`).Add(3)
	c.WithLabelValues("plain").Inc()
	h.Observe(0.2)
	h.Observe(7)
	g.Set(-2.5)
	s, err := ops.Serve("127.0.0.1:0", reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	m := opstest.Scrape(t, s.Addr)
	m.Want(t, map[string]float64{
		"things_total{kind=plain}": 1, "wait_seconds": 2, "open": -2.5, "missing": -1, "things_total{kind=other}": -1,
	})
	if v := m.Value("things_total", "kind", `a "quoted" \ kind`); v != 3 {
		t.Errorf("escaped label: %v", v)
	}
	if v := m.Value("wait_seconds_bucket", "le", "+Inf"); v != 2 {
		t.Errorf("+Inf bucket: %v", v)
	}
}
