package plugins_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/ncn-network/ncn/abi"
	"github.com/ncn-network/ncn/plugins"
	"github.com/ncn-network/ncn/plugins/builtin"
	"github.com/ncn-network/ncn/sdk-plugins/examples/pricing"
	"github.com/ncn-network/ncn/sdk-plugins/examples/selection"
	"github.com/ncn-network/ncn/sdk-plugins/pdk"
)

func select100(strategy string) *abi.SelectInput {
	rng := rand.New(rand.NewPCG(7, 7))
	in := &abi.SelectInput{Version: abi.Version, Strategy: strategy, Purpose: abi.PurposeCompute, Count: 5}
	for i := 0; i < 100; i++ {
		in.Candidates = append(in.Candidates, abi.Candidate{
			ID: fmt.Sprintf("0x%040x", i), Stake: rng.Uint64N(1e9), Reputation: uint32(rng.IntN(101)),
			SuccessBps: uint32(rng.IntN(10001)), LatencyMs: uint32(rng.IntN(300)), Load: uint32(rng.IntN(101)),
			Price: fmt.Sprint(rng.Uint64N(1e15)), Capabilities: []string{"gpu", "model:digits"},
		})
	}
	return in
}

// measure runs call b.N times and reports the median and the ratio to
// native, the same call compiled natively, timed in the same run.
func measure(b *testing.B, call func() error, native func()) {
	b.Helper()
	for i := 0; i < 20; i++ { // warm the pool and the instance
		if err := call(); err != nil {
			b.Fatal(err)
		}
	}
	durations := make([]time.Duration, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if err := call(); err != nil {
			b.Fatal(err)
		}
		durations[i] = time.Since(start)
	}
	b.StopTimer()
	sort.Slice(durations, func(i, j int) bool { return durations[i] < durations[j] })
	median := durations[len(durations)/2]
	n := max(b.N, 100)
	start := time.Now()
	for i := 0; i < n; i++ {
		native()
	}
	nativePer := time.Since(start) / time.Duration(n)
	b.ReportMetric(float64(median.Nanoseconds())/1000, "p50-µs")
	b.ReportMetric(float64(nativePer.Nanoseconds())/1000, "native-µs")
	b.ReportMetric(float64(median)/float64(nativePer), "x-native")
}

// BenchmarkSelect100 is select over 100 candidates (weighted strategy),
// plugin vs its native twin, binary and JSON forms, metering on and off:
// the Go build of the strategies (go) and the built-in select, the
// AssemblyScript module (as).
func BenchmarkSelect100(b *testing.B) {
	in := select100("weighted")
	for _, module := range []string{"go", "as"} {
		wasm, m := builtinModule(b, module)
		for _, metered := range []bool{true, false} {
			for _, f := range []abi.Form{abi.FormBinary, abi.FormJSON} {
				name := fmt.Sprintf("plugin=%s/metered=%v/form=%s", module, metered, map[abi.Form]string{abi.FormBinary: "binary", abi.FormJSON: "json"}[f])
				b.Run(name, func(b *testing.B) {
					r := newRuntime(b, plugins.Config{Unmetered: !metered})
					p, err := r.Load(context.Background(), wasm, m, plugins.LoadOptions{SkipSignature: true, SkipSelfTests: true})
					if err != nil {
						b.Fatal(err)
					}
					defer p.Close()
					input := abi.EncodeSelectInput(in, f)
					var instr uint64
					measure(b, func() error {
						res, err := p.Call(context.Background(), abi.KindSelect, input)
						if err == nil {
							instr = res.Instructions
						}
						return err
					}, func() { pdk.RunSelect(input, selection.Rank) })
					b.ReportMetric(float64(instr), "instructions")
				})
			}
		}
	}
}

// BenchmarkPrice is the default price formula, plugin vs native twin: the
// Go build (go) and the built-in AssemblyScript module (as).
func BenchmarkPrice(b *testing.B) {
	input := abi.EncodePriceInput(&abi.PriceInput{Version: abi.Version, Subnet: "demo", Model: "digits", InputTokens: 64, OutputTokens: 1, EstimatedMillis: 15}, abi.FormBinary)
	for _, module := range []string{"go", "as"} {
		b.Run("plugin="+module, func(b *testing.B) {
			wasm, m := goDefaults(b)
			if module == "as" {
				wasm, m, _ = builtin.Defaults()
			}
			r := newRuntime(b, plugins.Config{})
			p, err := r.Load(context.Background(), wasm, m, plugins.LoadOptions{SkipSignature: true, SkipSelfTests: true})
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			var instr uint64
			measure(b, func() error {
				res, err := p.Call(context.Background(), abi.KindPrice, input)
				if err == nil {
					instr = res.Instructions
				}
				return err
			}, func() { pdk.RunPrice(input, pricing.Price) })
			b.ReportMetric(float64(instr), "instructions")
		})
	}
}

// builtinModule is the Go build of the defaults declaring every kind
// (go), the built-in select module (as) or the built-in defaults
// (as-defaults).
func builtinModule(b *testing.B, module string) ([]byte, plugins.Manifest) {
	get := builtin.Selection
	switch module {
	case "go":
		return goDefaults(b)
	case "as-defaults":
		get = builtin.Defaults
	}
	wasm, m, err := get()
	if err != nil {
		b.Fatal(err)
	}
	return wasm, m
}

// BenchmarkLoad is a fresh process loading each module: cold (compiling)
// and with the compilation cache on disk warm. plugin=builtin is what a
// host start pays for its defaults: both built-in modules.
func BenchmarkLoad(b *testing.B) {
	for _, module := range []string{"go", "as", "as-defaults", "builtin"} {
		var mods [][]byte
		var ms []plugins.Manifest
		if module == "builtin" {
			for _, name := range []string{"as", "as-defaults"} {
				wasm, m := builtinModule(b, name)
				mods, ms = append(mods, wasm), append(ms, m)
			}
		} else {
			wasm, m := builtinModule(b, module)
			mods, ms = [][]byte{wasm}, []plugins.Manifest{m}
		}
		b.Run("plugin="+module, func(b *testing.B) { benchmarkLoad(b, mods, ms) })
	}
}

func benchmarkLoad(b *testing.B, mods [][]byte, ms []plugins.Manifest) {
	load := func(b *testing.B, dir string) {
		r, err := plugins.NewRuntime(plugins.Config{CacheDir: dir})
		if err != nil {
			b.Fatal(err)
		}
		for i, wasm := range mods {
			p, err := r.Load(context.Background(), wasm, ms[i], plugins.LoadOptions{SkipSignature: true, SkipSelfTests: true})
			if err != nil {
				b.Fatal(err)
			}
			p.Close()
		}
		r.Close()
	}
	b.Run("cold", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			load(b, filepath.Join(b.TempDir(), fmt.Sprint(i)))
		}
	})
	b.Run("cached", func(b *testing.B) {
		dir := b.TempDir()
		load(b, dir)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			load(b, dir)
		}
	})
}

// BenchmarkSwap is the latency of activating a new set for a subnet
// (load, self-test, swap) of the built-in set, its modules already
// compiled once.
func BenchmarkSwap(b *testing.B) {
	store, err := plugins.OpenStore(filepath.Join(b.TempDir(), "p.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	set, err := builtin.Install(store, "demo")
	if err != nil {
		b.Fatal(err)
	}
	s := plugins.NewSubnets(newRuntime(b, plugins.Config{}), store, plugins.LoadOptions{SkipSignature: true})
	defer s.Close()
	if _, err := s.Activate(context.Background(), set); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		set.Params = map[string]string{"base": fmt.Sprint(i)}
		if _, err := s.Activate(context.Background(), set); err != nil {
			b.Fatal(err)
		}
	}
}
