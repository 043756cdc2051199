package meter

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// goPlugin is a Go program built as a wasip1 reactor, the shape of our Go
// plugins: work loops n times, churn exercises the Go runtime (allocation,
// maps, interfaces, indirect calls, the garbage collector).
const goPlugin = `package main

import (
	"runtime"
	"sort"
	"strconv"
)

//go:wasmexport work
func work(n int32) int32 {
	x := uint32(1)
	for i := int32(0); i < n; i++ {
		x = x*1664525 + 1013904223
	}
	return int32(x)
}

//go:wasmexport churn
func churn(n int32) int32 {
	m := map[string]int{}
	for i := int32(0); i < n; i++ {
		m[strconv.Itoa(int(i%97))] += int(i)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	runtime.GC()
	var sum int
	for i, k := range keys {
		sum += i * m[k]
	}
	return int32(sum)
}

func main() {}
`

// buildGoPlugin compiles goPlugin with GOOS=wasip1 GOARCH=wasm
// -buildmode=c-shared and returns the module.
func buildGoPlugin(t testing.TB) []byte {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go toolchain on PATH")
	}
	dir := t.TempDir()
	for name, content := range map[string]string{
		"go.mod":  "module example.com/meterplugin\n\ngo 1.24\n",
		"main.go": goPlugin,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "plugin.wasm")
	cmd := exec.Command(goBin, "build", "-buildmode=c-shared", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOWORK=off", "GOFLAGS=", "GOTOOLCHAIN=local")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, msg)
	}
	bin, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// startGoPlugin instantiates a Go reactor in rt and runs _initialize.
func startGoPlugin(t testing.TB, rt wazero.Runtime, bin []byte) (api.Module, error) {
	t.Helper()
	ctx := context.Background()
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	mod, err := rt.InstantiateWithConfig(ctx, bin, wazero.NewModuleConfig().WithName("").WithStartFunctions())
	if err != nil {
		t.Fatalf("instantiate: %v", err)
	}
	_, err = callFn(t, mod, "_initialize")
	return mod, err
}

func TestGoPlugin(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Go program")
	}
	orig := buildGoPlugin(t)
	// runtime.GC alone counts about 19M: churn needs more than the default.
	metered := mustInstrument(t, orig, Options{Budget: 500_000_000})
	t.Logf("module: %d bytes, instrumented: %d bytes (+%.1f%%)",
		len(orig), len(metered), 100*float64(len(metered)-len(orig))/float64(len(orig)))

	rt, _ := newRuntime(t, nil)
	plain, err := startGoPlugin(t, rt, orig)
	if err != nil {
		t.Fatalf("_initialize (original): %v", err)
	}

	// Two runtimes run the instrumented module: same results, same counts.
	var reports [2][]int64
	for i := range reports {
		rt, host := newRuntime(t, nil)
		mod, err := startGoPlugin(t, rt, metered)
		if err != nil {
			t.Fatalf("_initialize (instrumented): %v", err)
		}
		for _, call := range []struct {
			fn string
			n  uint64
		}{{"work", 1000}, {"work", 100_000}, {"churn", 5000}} {
			want, err := callFn(t, plain, call.fn, call.n)
			if err != nil {
				t.Fatalf("%s(%d) original: %v", call.fn, call.n, err)
			}
			got, err := callFn(t, mod, call.fn, call.n)
			if err != nil {
				t.Fatalf("%s(%d) instrumented: %v", call.fn, call.n, err)
			}
			if got[0] != want[0] {
				t.Fatalf("%s(%d) = %d instrumented, %d original", call.fn, call.n, got[0], want[0])
			}
		}
		reports[i] = host.reports
	}
	if len(reports[0]) != 3 || !slices.Equal(reports[0], reports[1]) {
		t.Fatalf("reports differ between runtimes: %v and %v", reports[0], reports[1])
	}
	t.Logf("used: work(1000) %d, work(100000) %d, churn(5000) %d", reports[0][0], reports[0][1], reports[0][2])

	// A loop far beyond the budget ends in the meter (work counts 57 per
	// iteration: 2e9 iterations are about 1.1e11).
	rt, host := newRuntime(t, nil)
	mod, err := startGoPlugin(t, rt, metered)
	if err != nil {
		t.Fatalf("_initialize: %v", err)
	}
	if _, err := callFn(t, mod, "work", 2_000_000_000); !isExhausted(err) {
		t.Fatalf("work(2e9): err = %v, want exhausted", err)
	}
	if host.exhausted != 1 {
		t.Fatalf("exhausted called %d times", host.exhausted)
	}
}
