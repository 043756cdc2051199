package registry_test

import (
	"context"
	"slices"
	"testing"
	"time"
)

// BenchmarkPreprocessingQuorum: one coordinator, 5 validators asked, 3 of
// 5 needed, every hop real gRPC on loopback with the builtin plugins (the
// select plugin chooses, each validator reruns the price plugin and signs).
// Reports p50/p99 latency and quorums per second.
func BenchmarkPreprocessingQuorum(b *testing.B) {
	nw := newNetwork(b, 5)
	ctx := context.Background()
	var lat []time.Duration
	start := time.Now()
	for b.Loop() {
		req := nw.quote(b)
		t0 := time.Now()
		if _, err := nw.nodes[0].RequestPreprocessing(ctx, req); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	elapsed := time.Since(start)
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "quorums/s")
}
