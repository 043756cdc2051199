package gateway

import (
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkTransition: one op is one request's whole happy path, Create
// and six transitions to settled: seven fsynced writes, each reported as
// a transition (the Create is the transition into quoted). Serial is one
// gateway goroutine; parallel runs 8 per CPU, as a gateway with many
// requests in flight would, each write alone (update) or coalesced with
// the others' by bbolt's Batch (batch-Nms, Config.BatchDelay).
func BenchmarkTransition(b *testing.B) {
	steps := float64(len(happyPath))
	for _, bb := range []struct {
		name     string
		parallel bool
		batch    time.Duration
	}{
		{"serial/update", false, 0},
		{"serial/batch-1ms", false, time.Millisecond},
		{"parallel/update", true, 0},
		{"parallel/batch-1ms", true, time.Millisecond},
		{"parallel/batch-10ms", true, 10 * time.Millisecond},
	} {
		b.Run(bb.name, func(b *testing.B) {
			l := openTest(b, Config{BatchDelay: bb.batch})
			var n atomic.Uint64
			path := func() {
				r := testRecord(n.Add(1))
				if _, _, err := l.Create("", [32]byte{}, r); err != nil {
					b.Fatal(err)
				}
				for i := 1; i < len(happyPath); i++ {
					if _, err := l.Transition(r.ID, happyPath[i-1], happyPath[i], fill(happyPath[i])); err != nil {
						b.Fatal(err)
					}
				}
			}
			if bb.parallel {
				b.SetParallelism(8)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						path()
					}
				})
			} else {
				for b.Loop() {
					path()
				}
			}
			perStep := float64(b.Elapsed().Nanoseconds()) / (float64(b.N) * steps)
			b.ReportMetric(perStep, "ns/transition")
			b.ReportMetric(1e9/perStep, "transitions/s")
		})
	}
}

// BenchmarkCodec is the JSON part of a write: encode and decode of a
// settled record, against the fsync that dominates a transition.
func BenchmarkCodec(b *testing.B) {
	r := testRecord(1)
	r.IdempotencyKey, r.ParamsHash = "key", HashParams([]byte("p"))
	for i, s := range happyPath {
		if i > 0 {
			_ = fill(s)(&r)
		}
		r.State = s
		r.History = append(r.History, Step{s, time.Now().UTC()})
	}
	r.Version = uint64(len(happyPath))
	enc, err := encodeRecord(&r)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		enc, _ := encodeRecord(&r)
		if _, err := decodeRecord(enc); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(enc)), "bytes/record")
}
