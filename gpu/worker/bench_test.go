package worker_test

import (
	"context"
	"testing"
	"time"

	"github.com/ncn-network/ncn/gpu/worker"
	"github.com/ncn-network/ncn/gpu/worker/workertest"
)

// BenchmarkDigitsPool: requests/s of the digits model through a 2-slot
// pool (unsandboxed), with enough concurrent callers to keep both slots
// busy. On 2 cores this is the host's ceiling for the model.
func BenchmarkDigitsPool(b *testing.B) {
	cfg := workertest.Config(b, "digits")
	cfg.Slots, cfg.QueueTimeout = 2, time.Minute
	cfg.MaxRequests = 1 << 30 // steady state: no restarts mid-run
	p := newPool(b, cfg)
	req := digitsSample(p)
	b.SetParallelism(2) // 2 x GOMAXPROCS callers queue on 2 slots
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := p.Infer(context.Background(), req, nil); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// BenchmarkDigitsRoundTrip: one caller, one slot: the warm round trip of a
// request (frame out, numpy forward pass, frame back), and how much of it
// the model itself took.
func BenchmarkDigitsRoundTrip(b *testing.B) {
	benchRoundTrip(b, "digits", worker.Request{}, nil)
}

// BenchmarkCharLMToken: the per-token cost of streaming text (32 tokens
// per request).
func BenchmarkCharLMToken(b *testing.B) {
	benchRoundTrip(b, "charlm", worker.Request{Input: []byte("The "), Params: []byte(`{"max_tokens": 32}`)}, func(*worker.Result) int { return 32 })
}

func benchRoundTrip(b *testing.B, model string, req worker.Request, per func(*worker.Result) int) {
	cfg := workertest.Config(b, model)
	cfg.MaxRequests, cfg.QueueTimeout = 1<<30, time.Minute // measure requests, not restarts
	p := newPool(b, cfg)
	if req.Input == nil {
		req = digitsSample(p)
	}
	var compute time.Duration
	b.ResetTimer()
	for b.Loop() {
		res, err := p.Infer(context.Background(), req, nil)
		if err != nil {
			b.Fatal(err)
		}
		compute += res.Compute
	}
	b.ReportMetric(float64(compute.Microseconds())/float64(b.N), "model-us/op")
	if per != nil {
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*32), "us/token")
	}
}
