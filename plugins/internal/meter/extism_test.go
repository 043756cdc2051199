package meter

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	extism "github.com/extism/go-sdk"
	"github.com/tetratelabs/wazero"
)

// extismDir returns the directory of the extism go-sdk module, whose wasm/
// folder holds real Extism plugins built from Rust, C, Haskell, Go and
// others; it skips the test without a go toolchain.
func extismDir(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go toolchain on PATH")
	}
	out, err := exec.Command(goBin, "list", "-m", "-f", "{{.Dir}}", "github.com/extism/go-sdk").Output()
	if err != nil {
		t.Skipf("locate github.com/extism/go-sdk: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// TestExtismPlugins instruments every plugin the extism go-sdk ships, and
// its kernel, and checks that wazero accepts the result.
func TestExtismPlugins(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles 28 modules")
	}
	dir := extismDir(t)
	files, err := filepath.Glob(filepath.Join(dir, "wasm", "*.wasm"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no plugins in %s: %v", dir, err)
	}
	files = append(files, filepath.Join(dir, "extism-runtime.wasm"))
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	t.Cleanup(func() { rt.Close(ctx) })
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			bin, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			out, err := Instrument(bin, Options{})
			if err != nil {
				t.Fatalf("Instrument: %v", err)
			}
			compiled, err := rt.CompileModule(ctx, out)
			if err != nil {
				t.Fatalf("compile the instrumented module: %v", err)
			}
			_ = compiled.Close(ctx)
		})
	}
}

// TestExtismCountVowels runs the Rust count_vowels plugin through the
// extism go-sdk, with the meter's imports as extism host functions.
func TestExtismCountVowels(t *testing.T) {
	bin, err := os.ReadFile(filepath.Join(extismDir(t), "wasm", "count_vowels.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	run := func(t *testing.T, wasm []byte) (string, []int64, error) {
		t.Helper()
		var reports []int64
		exhausted := extism.NewHostFunctionWithStack(ExhaustedName,
			func(context.Context, *extism.CurrentPlugin, []uint64) { panic(exhaustedError{}) }, nil, nil)
		exhausted.SetNamespace(ImportModule)
		report := extism.NewHostFunctionWithStack(ReportName,
			func(_ context.Context, _ *extism.CurrentPlugin, stack []uint64) {
				reports = append(reports, int64(stack[0]))
			}, []extism.ValueType{extism.ValueTypeI64}, nil)
		report.SetNamespace(ImportModule)

		ctx := context.Background()
		p, err := extism.NewPlugin(ctx, extism.Manifest{Wasm: []extism.Wasm{extism.WasmData{Data: wasm}}},
			extism.PluginConfig{EnableWasi: true}, []extism.HostFunction{exhausted, report})
		if err != nil {
			t.Fatalf("new plugin: %v", err)
		}
		defer p.Close(ctx)
		_, out, err := p.Call("count_vowels", []byte("hello metered world"))
		return string(out), reports, err
	}

	want, _, err := run(t, bin)
	if err != nil {
		t.Fatalf("original: %v", err)
	}
	var got struct{ Count int }
	if err := json.Unmarshal([]byte(want), &got); err != nil || got.Count != 6 {
		t.Fatalf("original output %q: want 6 vowels", want)
	}

	out, reports, err := run(t, mustInstrument(t, bin, Options{}))
	if err != nil || out != want || len(reports) != 1 || reports[0] <= 0 {
		t.Fatalf("instrumented: output %q, reports %v, err %v; want %q and one report", out, reports, err, want)
	}
	t.Logf("count_vowels used %d", reports[0])

	_, _, err = run(t, mustInstrument(t, bin, Options{Budget: 100}))
	if !isExhausted(err) && (err == nil || !strings.Contains(err.Error(), exhaustedError{}.Error())) {
		t.Fatalf("with a budget of 100: err = %v, want exhausted", err)
	}
}
