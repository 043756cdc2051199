package meter

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/wabin/binary"
	"github.com/tetratelabs/wabin/wasm"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// exhaustedError is what the test host's exhausted import panics with.
type exhaustedError struct{}

func (exhaustedError) Error() string { return "fuel exhausted" }

func isExhausted(err error) bool { return errors.As(err, new(exhaustedError)) }

// meterHost records what the instrumented module reports.
type meterHost struct {
	reports   []int64
	exhausted int
}

func (h *meterHost) last() int64 { return h.reports[len(h.reports)-1] }

// backstop is the wall-clock limit of every call: if it is what stops a
// call, the meter failed.
const backstop = 20 * time.Second

// newRuntime returns a runtime with the host modules the test module
// needs, ncn_meter and env.add1, that stops a call when its context is
// done (the backstop of callFn).
func newRuntime(t testing.TB, cfg wazero.RuntimeConfig) (wazero.Runtime, *meterHost) {
	t.Helper()
	if cfg == nil {
		cfg = wazero.NewRuntimeConfig()
	}
	return newHostRuntime(t, cfg.WithCloseOnContextDone(true))
}

// newHostRuntime is newRuntime without the backstop: wazero's
// WithCloseOnContextDone slows loops down many times over, which
// benchmarks must not measure.
func newHostRuntime(t testing.TB, cfg wazero.RuntimeConfig) (wazero.Runtime, *meterHost) {
	t.Helper()
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, cfg)
	t.Cleanup(func() { rt.Close(ctx) })
	h := &meterHost{}
	_, err := rt.NewHostModuleBuilder(ImportModule).
		NewFunctionBuilder().WithFunc(func(context.Context) {
		h.exhausted++
		panic(exhaustedError{})
	}).Export(ExhaustedName).
		NewFunctionBuilder().WithFunc(func(_ context.Context, used int64) {
		h.reports = append(h.reports, used)
	}).Export(ReportName).
		Instantiate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = rt.NewHostModuleBuilder("env").
		NewFunctionBuilder().WithFunc(func(_ context.Context, x int32) int32 { return x + 1 }).Export("add1").
		Instantiate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return rt, h
}

func instantiate(t testing.TB, rt wazero.Runtime, bin []byte) api.Module {
	t.Helper()
	mod, err := rt.InstantiateWithConfig(context.Background(), bin, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		t.Fatalf("instantiate: %v", err)
	}
	return mod
}

func mustInstrument(t testing.TB, bin []byte, opts Options) []byte {
	t.Helper()
	out, err := Instrument(bin, opts)
	if err != nil {
		t.Fatalf("Instrument: %v", err)
	}
	return out
}

// callFn calls export name with the backstop deadline and fails the test
// if the deadline is what ended it.
func callFn(t testing.TB, mod api.Module, name string, args ...uint64) ([]uint64, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), backstop)
	defer cancel()
	fn := mod.ExportedFunction(name)
	if fn == nil {
		t.Fatalf("no export %q", name)
	}
	res, err := fn.Call(ctx, args...)
	if ctx.Err() != nil {
		t.Fatalf("%s: stopped by the %v wall-clock backstop, not by the meter: %v", name, backstop, err)
	}
	return res, err
}

func TestResultsUnchanged(t *testing.T) {
	tests := []struct {
		name string
		fn   string
		args []uint64
		want uint64
	}{
		{name: "count", fn: "count", args: []uint64{1000}, want: 1000},
		{name: "fib 10", fn: "fib", args: []uint64{10}, want: 55},
		{name: "fib 40", fn: "fib", args: []uint64{40}, want: 102334155},
		{name: "twice", fn: "twice", args: []uint64{21}, want: 42},
		{name: "call_indirect active segment", fn: "indirect", args: []uint64{10, 0}, want: 55},
		{name: "call_indirect second slot", fn: "indirect", args: []uint64{10, 1}, want: 10},
		{name: "call_indirect expression segment", fn: "indirect", args: []uint64{12, 3}, want: 144},
		{name: "ref.func in code", fn: "viaref", args: []uint64{11}, want: 89},
		{name: "ref.func in global", fn: "viaglobal", args: []uint64{7}, want: 7},
		{name: "imported function", fn: "viaimport", args: []uint64{41}, want: 42},
		{name: "memory.init with data count", fn: "meminit", want: 'o'},
		{name: "table.init passive segment", fn: "passive", args: []uint64{9}, want: 9},
		{name: "loop with parameters", fn: "loopparam", args: []uint64{17}, want: 17},
		{name: "simd and v128 global", fn: "simd", args: []uint64{5}, want: 12},
		{name: "typed select", fn: "selectt", args: []uint64{0}, want: 2},
		{name: "br_table 0", fn: "brtable", args: []uint64{0}, want: 10},
		{name: "br_table 1", fn: "brtable", args: []uint64{1}, want: 20},
		{name: "br_table default", fn: "brtable", args: []uint64{7}, want: 30},
		{name: "memory.fill", fn: "memfill", args: []uint64{100}, want: 0},
		{name: "re-exported import", fn: "add1", args: []uint64{1}, want: 2},
		{name: "second export of fib", fn: "fib2", args: []uint64{10}, want: 55},
	}
	orig := testModule()
	metered := mustInstrument(t, orig, Options{})
	rt, host := newRuntime(t, nil)
	plain, inst := instantiate(t, rt, orig), instantiate(t, rt, metered)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := callFn(t, plain, tc.fn, tc.args...)
			if err != nil {
				t.Fatalf("original: %v", err)
			}
			if got[0] != tc.want {
				t.Fatalf("original = %d, want %d", got[0], tc.want)
			}
			before := len(host.reports)
			got, err = callFn(t, inst, tc.fn, tc.args...)
			if err != nil {
				t.Fatalf("instrumented: %v", err)
			}
			if got[0] != tc.want {
				t.Fatalf("instrumented = %d, want %d", got[0], tc.want)
			}
			if len(host.reports) != before+1 || (host.last() <= 0 && tc.fn != "add1") {
				t.Fatalf("reports %v after %d: want one more, positive", host.reports, before)
			}
		})
	}
	// The start function ran, through its renumbered index.
	if got := inst.ExportedGlobal("started").Get(); got != 1 {
		t.Errorf("started = %d after instantiation, want 1", got)
	}
}

func TestExhausted(t *testing.T) {
	tests := []struct {
		name string
		fn   string
		args []uint64
	}{
		{name: "infinite loop", fn: "spin"},
		// The recursion reaches the budget long before wazero's call stack
		// limit: the meter, not a stack overflow, stops it.
		{name: "unbounded recursion", fn: "recurse", args: []uint64{0}},
		// forever calls the export count in a loop: internal calls go to
		// the original function, which cannot refill the fuel.
		{name: "loop calling an export", fn: "forever"},
		{name: "long finite loop", fn: "count", args: []uint64{math.MaxInt32}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rt, host := newRuntime(t, nil)
			mod := instantiate(t, rt, mustInstrument(t, testModule(), Options{Budget: 100_000}))
			_, err := callFn(t, mod, tc.fn, tc.args...)
			if !isExhausted(err) {
				t.Fatalf("err = %v, want the exhausted callback", err)
			}
			if host.exhausted != 1 || len(host.reports) != 0 {
				t.Fatalf("exhausted %d times, reports %v: want once, none", host.exhausted, host.reports)
			}
			// The instance stays usable: the next call gets a fresh budget.
			got, err := callFn(t, mod, "count", 10)
			if err != nil || got[0] != 10 {
				t.Fatalf("count(10) after exhaustion = %v, %v", got, err)
			}
		})
	}
}

// used runs count(n) in a fresh runtime and returns the reported use.
func used(t *testing.T, bin []byte, cfg wazero.RuntimeConfig, fn string, n uint64) int64 {
	t.Helper()
	rt, host := newRuntime(t, cfg)
	mod := instantiate(t, rt, bin)
	if _, err := callFn(t, mod, fn, n); err != nil {
		t.Fatalf("%s(%d): %v", fn, n, err)
	}
	return host.last()
}

func TestUsedIsLinearAndDeterministic(t *testing.T) {
	bin := mustInstrument(t, testModule(), Options{})
	u0 := used(t, bin, nil, "count", 0)
	perIter := used(t, bin, nil, "count", 1) - u0
	if perIter <= 0 {
		t.Fatalf("per-iteration cost %d", perIter)
	}
	configs := []struct {
		name string
		cfg  wazero.RuntimeConfig
	}{
		{name: "compiler", cfg: wazero.NewRuntimeConfigCompiler()},
		{name: "interpreter", cfg: wazero.NewRuntimeConfigInterpreter()},
	}
	for _, n := range []uint64{10, 1000, 100_000} {
		want := u0 + int64(n)*perIter
		for _, c := range configs {
			if got := used(t, bin, c.cfg, "count", n); got != want {
				t.Errorf("%s: count(%d) used %d, want %d + %d*%d = %d", c.name, n, got, u0, n, perIter, want)
			}
		}
	}
	t.Logf("count(n) uses %d + %d*n instructions", u0, perIter)
}

func TestMultipleResults(t *testing.T) {
	rt, host := newRuntime(t, nil)
	mod := instantiate(t, rt, mustInstrument(t, testModule(), Options{}))
	got, err := callFn(t, mod, "pair", 41)
	if err != nil || len(got) != 2 || got[0] != 41 || got[1] != 42 || len(host.reports) != 1 {
		t.Fatalf("pair(41) = %v, %v; reports %v; want [41 42] and one report", got, err, host.reports)
	}
}

func TestBulkInstructionsChargeTheirLength(t *testing.T) {
	bin := mustInstrument(t, testModule(), Options{})
	if extra := used(t, bin, nil, "memfill", 65536) - used(t, bin, nil, "memfill", 0); extra != 65536/64 {
		t.Fatalf("filling 64 KiB costs %d more than filling nothing, want %d", extra, 65536/64)
	}
	rt, _ := newRuntime(t, nil)
	mod := instantiate(t, rt, mustInstrument(t, testModule(), Options{Budget: 1000}))
	if _, err := callFn(t, mod, "memfill", 65536); !isExhausted(err) {
		t.Fatalf("memfill(64 KiB) with a budget of 1000: err = %v, want exhausted", err)
	}
}

func TestBudgetIsExact(t *testing.T) {
	const n = 500
	need := used(t, mustInstrument(t, testModule(), Options{}), nil, "count", n)
	tests := []struct {
		name      string
		budget    uint64
		exhausted bool
	}{
		{name: "exact", budget: uint64(need)},
		{name: "one short", budget: uint64(need) - 1, exhausted: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rt, host := newRuntime(t, nil)
			mod := instantiate(t, rt, mustInstrument(t, testModule(), Options{Budget: tc.budget}))
			_, err := callFn(t, mod, "count", n)
			if got := isExhausted(err); got != tc.exhausted {
				t.Fatalf("budget %d for a need of %d: exhausted = %v (%v)", tc.budget, need, got, err)
			}
			if !tc.exhausted && host.last() != need {
				t.Fatalf("reported %d, want %d", host.last(), need)
			}
		})
	}
}

func TestInternalCallsShareTheBudget(t *testing.T) {
	bin := mustInstrument(t, testModule(), Options{})
	one := used(t, bin, nil, "count", 1000)
	two := used(t, bin, nil, "twice", 1000)
	// twice = its own few instructions + two calls of count's original.
	if two < 2*one || two > 2*one+10 {
		t.Fatalf("twice(1000) used %d, want about 2 * count(1000) = %d", two, 2*one)
	}
	// A budget that covers one count(1000) but not two.
	rt, _ := newRuntime(t, nil)
	mod := instantiate(t, rt, mustInstrument(t, testModule(), Options{Budget: uint64(one) + 5}))
	if _, err := callFn(t, mod, "count", 1000); err != nil {
		t.Fatalf("count: %v", err)
	}
	if _, err := callFn(t, mod, "twice", 1000); !isExhausted(err) {
		t.Fatalf("twice: err = %v, want exhausted: the inner export call must not refill", err)
	}
}

// TestDeepRecursionDefaultBudget documents what ends an unbounded recursion
// under the default budget: recurse uses 5 instructions a frame, so 50M
// instructions would need 10M frames, more than either wazero engine's call
// stack holds. Its stack overflow then comes first; that is a trap too, and
// as deterministic as the engine's frame size (the same for a given wazero
// version and architecture). With a budget below the stack limit (see
// TestExhausted) the meter comes first.
func TestDeepRecursionDefaultBudget(t *testing.T) {
	tests := []struct {
		name string
		cfg  wazero.RuntimeConfig
	}{
		{name: "compiler", cfg: wazero.NewRuntimeConfigCompiler()},
		{name: "interpreter", cfg: wazero.NewRuntimeConfigInterpreter()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rt, _ := newRuntime(t, tc.cfg)
			mod := instantiate(t, rt, mustInstrument(t, testModule(), Options{}))
			_, err := callFn(t, mod, "recurse", 0)
			switch {
			case isExhausted(err):
				t.Log("ended by the meter")
			case err != nil && strings.Contains(err.Error(), "stack overflow"):
				t.Log("ended by wazero's stack overflow")
			default:
				t.Fatalf("err = %v, want exhausted or stack overflow", err)
			}
		})
	}
}

func TestInitBudget(t *testing.T) {
	// The start function costs a few instructions: a budget of 1 cannot
	// cover it, the default can.
	rt, host := newRuntime(t, nil)
	_, err := rt.Instantiate(context.Background(), mustInstrument(t, testModule(), Options{InitBudget: 1}))
	if !isExhausted(err) || host.exhausted != 1 {
		t.Fatalf("instantiate with InitBudget 1: %v", err)
	}
}

func TestOnlyListedExportsAreWrapped(t *testing.T) {
	rt, host := newRuntime(t, nil)
	mod := instantiate(t, rt, mustInstrument(t, testModule(), Options{Exports: []string{"fib"}}))
	if _, err := callFn(t, mod, "count", 10); err != nil || len(host.reports) != 0 {
		t.Fatalf("count (not wrapped): err %v, reports %v; want no report", err, host.reports)
	}
	if _, err := callFn(t, mod, "fib", 10); err != nil || len(host.reports) != 1 {
		t.Fatalf("fib (wrapped): err %v, reports %v; want one report", err, host.reports)
	}
}

func TestNameSectionRenumbered(t *testing.T) {
	m, err := binary.DecodeModule(mustInstrument(t, testModule(), Options{}), wasm.CoreFeaturesV2)
	if err != nil {
		t.Fatal(err)
	}
	names := map[uint32]string{}
	for _, na := range m.NameSection.FunctionNames {
		names[na.Index] = na.Name
	}
	want := map[uint32]string{
		fnAdd1:      "env.add1",
		fnAdd1 + 1:  "ncn_meter.exhausted",
		fnAdd1 + 2:  "ncn_meter.report",
		fnCount + 2: "count",
		fnFib + 2:   "fib",
	}
	for idx, name := range want {
		if names[idx] != name {
			t.Errorf("function %d is named %q, want %q", idx, names[idx], name)
		}
	}
	for _, e := range m.ExportSection {
		if e.Name == "fib" {
			if got := names[e.Index]; got != "fib$metered" {
				t.Errorf("export fib points to %q, want fib$metered", got)
			}
		}
	}
	if len(m.CustomSections) != 1 || m.CustomSections[0].Name != "producers" {
		t.Errorf("custom sections %v, want producers kept", m.CustomSections)
	}
}

func TestTailCall(t *testing.T) {
	// sum(n, acc) = n == 0 ? acc : return_call sum(n-1, acc+n)
	bin := module(
		section(1, vec(functype([]byte{tI32, tI32}, []byte{tI32}))),
		section(3, vec(u32(0))),
		section(7, vec(exportFunc("sum", 0))),
		section(10, vec(code(nil,
			lget(0), oI32Eqz, opIf, blockTypeEmpty, lget(1), oReturn, opEnd,
			lget(0), i32c(1), oI32Sub, lget(1), lget(0), oI32Add, opReturnCall, 0x00))),
	)
	cfg := wazero.NewRuntimeConfig().WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesTailCall)
	tests := []struct {
		name      string
		n         uint64
		exhausted bool
	}{
		{name: "small", n: 100},
		{name: "unbounded tail recursion is metered", n: math.MaxUint32, exhausted: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rt, _ := newRuntime(t, cfg)
			mod := instantiate(t, rt, mustInstrument(t, bin, Options{Budget: 1_000_000}))
			got, err := callFn(t, mod, "sum", tc.n, 0)
			if tc.exhausted {
				if !isExhausted(err) {
					t.Fatalf("err = %v, want exhausted", err)
				}
				return
			}
			if err != nil || got[0] != tc.n*(tc.n+1)/2 {
				t.Fatalf("sum(%d) = %v, %v", tc.n, got, err)
			}
		})
	}
}
