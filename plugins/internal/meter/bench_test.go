package meter

import (
	"context"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// BenchmarkLoop compares a loop with and without the meter, on the
// hand-written count and on a Go-built plugin's work, all with wazero's
// default (compiler) engine. Compare the ns/op of the sub-benchmarks:
//
//	plain            the original module
//	metered          the instrumented module
//	plain-ctxclose   the original with WithCloseOnContextDone, the other
//	                 way to stop a runaway call (by wall clock)
func BenchmarkLoop(b *testing.B) {
	const n = 100_000
	goBin := buildGoPlugin(b)
	cases := []struct {
		name    string
		bin     []byte
		fn      string
		reactor bool
	}{
		{name: "count", bin: testModule(), fn: "count"},
		{name: "go-work", bin: goBin, fn: "work", reactor: true},
	}
	for _, c := range cases {
		for _, variant := range []string{"plain", "metered", "plain-ctxclose"} {
			b.Run(c.name+"/"+variant, func(b *testing.B) {
				bin := c.bin
				if variant == "metered" {
					bin = mustInstrument(b, bin, Options{Budget: 1 << 40})
				}
				cfg := wazero.NewRuntimeConfig().WithCloseOnContextDone(variant == "plain-ctxclose")
				rt, _ := newHostRuntime(b, cfg)
				var mod api.Module
				if c.reactor {
					var err error
					if mod, err = startGoPlugin(b, rt, bin); err != nil {
						b.Fatal(err)
					}
				} else {
					mod = instantiate(b, rt, bin)
				}
				fn := mod.ExportedFunction(c.fn)
				ctx := context.Background()
				for b.Loop() {
					if _, err := fn.Call(ctx, n); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/iter")
			})
		}
	}
}

// BenchmarkInstrument measures the rewrite of a Go-built plugin.
func BenchmarkInstrument(b *testing.B) {
	bin := buildGoPlugin(b)
	b.SetBytes(int64(len(bin)))
	for b.Loop() {
		if _, err := Instrument(bin, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
