package plugins_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ncn-network/ncn/abi"
	"github.com/ncn-network/ncn/plugins"
	"github.com/ncn-network/ncn/plugins/builtin"
)

// authorPriceModule is a minimal module exporting one function, "price":
// (module (func (export "price") (result i32) i32.const 0) (memory (export "memory") 1))
var authorPriceModule = []byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
	0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, // types: ()->i32
	0x03, 0x02, 0x01, 0x00, // one function of type 0
	0x05, 0x03, 0x01, 0x00, 0x01, // memory, min 1
	0x07, 0x12, 0x02, 0x05, 'p', 'r', 'i', 'c', 'e', 0x00, 0x00, 0x06, 'm', 'e', 'm', 'o', 'r', 'y', 0x02, 0x00,
	0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x00, 0x0b}

func TestAuthorExportedKinds(t *testing.T) {
	defaults, _, err := builtin.Defaults()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		wasm    []byte
		want    []abi.Kind
		wantErr bool
	}{
		{name: "defaults", wasm: defaults, want: []abi.Kind{abi.KindPrice, abi.KindPreprocess, abi.KindPostprocess}},
		{name: "price and a memory", wasm: authorPriceModule, want: []abi.Kind{abi.KindPrice}},
		{name: "no sections", wasm: []byte("\x00asm\x01\x00\x00\x00")},
		{name: "not wasm", wasm: []byte("hello, world"), wantErr: true},
		{name: "version 2", wasm: []byte("\x00asm\x02\x00\x00\x00"), wantErr: true},
		{name: "truncated", wasm: authorPriceModule[:len(authorPriceModule)-20], wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := plugins.ExportedKinds(tt.wasm)
			if tt.wantErr {
				if !errors.Is(err, plugins.ErrNoPlugin) {
					t.Fatalf("got %v, %v; want ErrNoPlugin", got, err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func FuzzAuthorExportedKinds(f *testing.F) {
	f.Add(authorPriceModule)
	f.Add([]byte("\x00asm\x01\x00\x00\x00\x07\x80\x80\x80\x80\x10"))
	f.Fuzz(func(t *testing.T, wasm []byte) {
		kinds, err := plugins.ExportedKinds(wasm)
		if err == nil {
			for _, k := range kinds {
				if !k.Valid() {
					t.Fatalf("kind %q", k)
				}
			}
		}
	})
}

func TestAuthorParseKinds(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []abi.Kind
		wantErr string
	}{
		{name: "one", in: "price", want: []abi.Kind{abi.KindPrice}},
		{name: "several with spaces", in: "select, price ,postprocess", want: []abi.Kind{abi.KindSelect, abi.KindPrice, abi.KindPostprocess}},
		{name: "unknown", in: "select,teleport", wantErr: `unknown kind "teleport" (the kinds are select, price, preprocess, postprocess)`},
		{name: "repeated", in: "price,price", wantErr: "given twice"},
		{name: "empty", in: "", wantErr: "empty kind"},
		{name: "trailing comma", in: "price,", wantErr: "empty kind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := plugins.ParseKinds(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, %v; want error %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestAuthorUnsignedManifest(t *testing.T) {
	tests := []struct{ file, name string }{
		{"build/ranker.wasm", "ranker"},
		{"my plugin@2.wasm", "my-plugin-2"},
		{"noext", "noext"},
		{".wasm", "plugin"},
		{strings.Repeat("x", 70) + ".wasm", strings.Repeat("x", 64)},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			m := plugins.UnsignedManifest(tt.file, authorPriceModule, []abi.Kind{abi.KindPrice}, false)
			if m.Name != tt.name || m.Version != "dev" {
				t.Errorf("name %q version %q, want %q dev", m.Name, m.Version, tt.name)
			}
			// Everything checks but the signature, which LoadOptions.SkipSignature skips.
			if _, err := m.Check(authorPriceModule); !errors.Is(err, plugins.ErrSignature) {
				t.Errorf("check: %v, want only a signature error", err)
			}
		})
	}
}

func TestAuthorVectorsFor(t *testing.T) {
	vs, err := abi.Vectors()
	if err != nil {
		t.Fatal(err)
	}
	count := func(vs []abi.Vector, k abi.Kind) (n int) {
		for _, v := range vs {
			if v.Kind == k {
				n++
			}
		}
		return n
	}
	all := plugins.VectorsFor(vs, abi.AllKinds(), "")
	if len(all) != len(vs) {
		t.Errorf("all kinds: %d vectors of %d", len(all), len(vs))
	}
	price := plugins.VectorsFor(vs, []abi.Kind{abi.KindPrice}, "reputation")
	if len(price) == 0 || count(price, abi.KindPrice) != len(price) || len(price) != count(vs, abi.KindPrice) {
		t.Errorf("price with a strategy: %d vectors, want all %d price vectors", len(price), count(vs, abi.KindPrice))
	}
	rep := plugins.VectorsFor(vs, []abi.Kind{abi.KindSelect, abi.KindPrice}, "reputation")
	if n := count(rep, abi.KindSelect); n == 0 || n >= count(vs, abi.KindSelect) {
		t.Errorf("%d reputation select vectors of %d", n, count(vs, abi.KindSelect))
	}
	for _, v := range rep {
		var in abi.SelectInput
		if v.Kind == abi.KindSelect && (json.Unmarshal(v.Input, &in) != nil || in.Strategy != "reputation") {
			t.Errorf("vector %q is not for reputation", v.Name)
		}
	}
	if got := plugins.VectorsFor(vs, []abi.Kind{abi.KindSelect}, "no-such-strategy"); len(got) != 0 {
		t.Errorf("unknown strategy: %d vectors", len(got))
	}
}

func TestAuthorManifestFiles(t *testing.T) {
	dir := t.TempDir()
	_, m, err := builtin.Defaults()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "m.json")
	if err := plugins.WriteManifest(path, m); err != nil {
		t.Fatal(err)
	}
	got, err := plugins.ReadManifest(path)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(m)
	b, _ := json.Marshal(got)
	if string(a) != string(b) {
		t.Errorf("round trip changed the manifest:\n%s\n%s", a, b)
	}

	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if _, err := plugins.ReadManifest(write("extra.json", `{"name":"x","sneaky":true}`)); !errors.Is(err, plugins.ErrBadManifest) {
		t.Errorf("unknown field: %v, want ErrBadManifest", err)
	}

	sts, err := plugins.ReadSelfTests(write("st.json", `[{"name":"p","kind":"price","input":{"version":1},"output":{"version":1}}]`))
	if err != nil || len(sts) != 1 || sts[0].Kind != abi.KindPrice {
		t.Errorf("self-tests: %+v, %v", sts, err)
	}
	for _, tc := range []struct{ name, content, want string }{
		{"not an array", `{"name":"p"}`, "want a JSON array"},
		{"no name", `[{"kind":"price","input":{},"output":{}}]`, "has no name"},
		{"bad kind", `[{"name":"p","kind":"teleport","input":{},"output":{}}]`, `unknown kind "teleport"`},
		{"no output", `[{"name":"p","kind":"price","input":{}}]`, "both an input and an output"},
		{"expects an error", `[{"name":"p","kind":"price","input":{},"error":"invalid_input"}]`, `unknown field "error"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := plugins.ReadSelfTests(write("bad.json", tc.content))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// TestAuthorRunVectors runs every ABI vector and the self-tests through
// the built-in plugin, in both forms it speaks, and checks that a wrong
// expectation fails with a message saying what differed.
func TestAuthorRunVectors(t *testing.T) {
	vs, err := abi.Vectors()
	if err != nil {
		t.Fatal(err)
	}
	r := newRuntime(t, plugins.Config{})
	ctx := context.Background()
	ran := make([]int, len(vs))
	for _, get := range []func() ([]byte, plugins.Manifest, error){builtin.Selection, builtin.Defaults} {
		testAuthorRunVectors(t, r, get, vs, ran)
	}
	for i, v := range vs {
		if ran[i] != 2 {
			t.Errorf("vector %s ran %d times, want once per form", v.Name, ran[i])
		}
	}

	wasm, m, err := builtin.Defaults()
	if err != nil {
		t.Fatal(err)
	}
	p, err := r.Load(ctx, wasm, m, plugins.LoadOptions{SkipSignature: true, SkipSelfTests: true})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	price := vs[slices.IndexFunc(vs, func(v abi.Vector) bool { return v.Name == "price defaults" })]
	badParam := vs[slices.IndexFunc(vs, func(v abi.Vector) bool { return v.Name == "price bad param" })]
	wrong := func(v abi.Vector, f func(*abi.Vector)) abi.Vector { f(&v); return v }
	for _, tc := range []struct {
		name string
		v    abi.Vector
		want string
	}{
		{"wrong output", wrong(price, func(v *abi.Vector) {
			v.Output = json.RawMessage(`{"version":1,"compute":"1","gateway":"0","validators":"0","treasury":"0"}`)
		}),
			`want {"version":1,"compute":"1"`},
		{"output where an error is due", wrong(price, func(v *abi.Vector) { v.Output, v.Error = nil, abi.CodeInvalidInput }),
			"want error invalid_input"},
		{"another error code", wrong(badParam, func(v *abi.Vector) { v.Error = abi.CodeRejected }),
			"got error plugin ncn-defaults@1.0.0 price: invalid_input"},
		{"error where an output is due", wrong(badParam, func(v *abi.Vector) { v.Output, v.Error = price.Output, "" }),
			"got error plugin ncn-defaults@1.0.0 price: invalid_input"},
		{"input the host refuses", wrong(price, func(v *abi.Vector) { v.Input = json.RawMessage(`{"version":1}`) }),
			"the host refuses the input before calling the plugin: invalid_input"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := p.RunVector(ctx, tc.v)
			if res.Err == nil || !strings.Contains(res.Err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", res.Err, tc.want)
			}
		})
	}
	if res := p.RunSelfTest(ctx, plugins.SelfTest{Name: "x", Kind: abi.KindPrice, Input: price.Input, Output: json.RawMessage(`{}`)}); res.Err == nil {
		t.Error("a self-test with the wrong output passed")
	}
}

// testAuthorRunVectors runs through a built-in module the vectors of the
// kinds it serves, in both forms, and its self-tests; ran counts each.
func testAuthorRunVectors(t *testing.T, r *plugins.Runtime, get func() ([]byte, plugins.Manifest, error), vs []abi.Vector, ran []int) {
	wasm, m, err := get()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, binary := range []bool{true, false} {
		m := m
		m.Binary = binary
		p, err := r.Load(ctx, wasm, m, plugins.LoadOptions{SkipSignature: true, SkipSelfTests: true})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		for i, v := range vs {
			if !m.HasKind(v.Kind) {
				continue
			}
			ran[i]++
			res := p.RunVector(ctx, v)
			if res.Err != nil {
				t.Errorf("binary=%v: %s: %v", binary, v.Name, res.Err)
			}
			if v.Error != "" && res.Code != v.Error {
				t.Errorf("binary=%v: %s: code %q, want %q", binary, v.Name, res.Code, v.Error)
			}
			if v.Error == "" && res.Instructions == 0 {
				t.Errorf("binary=%v: %s: no instructions counted", binary, v.Name)
			}
		}
		for _, st := range m.SelfTests {
			if res := p.RunSelfTest(ctx, st); res.Err != nil || !res.SelfTest {
				t.Errorf("binary=%v: self-test %s: %+v", binary, st.Name, res)
			}
		}
	}
}

// TestAuthorRun checks Run's forms: binary input to a JSON plugin, JSON
// input to a binary one, outputs as JSON documents either way.
func TestAuthorRun(t *testing.T) {
	wasm, m, err := builtin.Defaults()
	if err != nil {
		t.Fatal(err)
	}
	r := newRuntime(t, plugins.Config{})
	ctx := context.Background()
	in := &abi.PriceInput{Version: abi.Version, Subnet: "demo", Model: "digits", InputTokens: 64}
	var outputs []string
	for _, binary := range []bool{true, false} {
		m := m
		m.Binary = binary
		p, err := r.Load(ctx, wasm, m, plugins.LoadOptions{SkipSignature: true, SkipSelfTests: true})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		for _, f := range []abi.Form{abi.FormJSON, abi.FormBinary} {
			out, res, err := p.Run(ctx, abi.KindPrice, abi.EncodePriceInput(in, f))
			if err != nil {
				t.Fatalf("plugin binary=%v, input %v: %v", binary, f, err)
			}
			if res.Instructions == 0 || abi.FormOf(out) != abi.FormJSON {
				t.Fatalf("plugin binary=%v, input %v: %d instructions, output %q", binary, f, res.Instructions, out)
			}
			var po abi.PriceOutput
			if err := json.Unmarshal(out, &po); err != nil {
				t.Fatal(err)
			}
			if _, _, _, _, err := po.Amounts(); err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(po)
			outputs = append(outputs, string(b))
		}
		if _, res, err := p.Run(ctx, abi.KindSelect, []byte("garbage")); plugins.Code(err) != abi.CodeInvalidInput || res != nil {
			t.Errorf("garbage select: %v, %v; want invalid_input before any call", res, err)
		}
		if _, _, err := p.Run(ctx, abi.KindPreprocess, []byte("[")); plugins.Code(err) != abi.CodeInvalidInput {
			t.Errorf("bad preprocess JSON: %v, want invalid_input", err)
		}
	}
	for _, o := range outputs[1:] {
		if o != outputs[0] {
			t.Errorf("outputs differ across forms: %v", outputs)
		}
	}
}

func TestAuthorBuildErrors(t *testing.T) {
	module := func(t *testing.T, files map[string]string) string {
		dir := t.TempDir()
		files["go.mod"] = "module example.com/p\n\ngo 1.22\n"
		for name, content := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	tests := []struct {
		name   string
		dir    string
		is     error
		wantIn []string
	}{
		{name: "missing", dir: filepath.Join(t.TempDir(), "nope"), wantIn: []string{"no such file"}},
		{name: "no Go files", dir: module(t, map[string]string{}), is: plugins.ErrNoPlugin, wantIn: []string{"no Go files"}},
		{name: "native only", dir: module(t, map[string]string{"main.go": "//go:build !wasip1\n\npackage main\n\nfunc main() {}\n"}),
			is: plugins.ErrNoPlugin, wantIn: []string{"no Go files (for GOOS=wasip1"}},
		{name: "library package", dir: module(t, map[string]string{"lib.go": "package lib\n"}),
			is: plugins.ErrNoPlugin, wantIn: []string{"it is package lib", "//go:wasmexport"}},
		{name: "compile error", dir: module(t, map[string]string{"main.go": "package main\n\nfunc main() { nope() }\n"}),
			wantIn: []string{"undefined: nope"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := plugins.Build(context.Background(), plugins.BuildConfig{Dir: tt.dir, Out: filepath.Join(t.TempDir(), "p.wasm")})
			if err == nil {
				t.Fatal("built")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("got %v, want %v", err, tt.is)
			}
			for _, s := range tt.wantIn {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error lacks %q: %v", s, err)
				}
			}
		})
	}
	t.Run("compile error output", func(t *testing.T) {
		dir := module(t, map[string]string{"main.go": "package main\n\nfunc main() { nope() }\n"})
		_, err := plugins.Build(context.Background(), plugins.BuildConfig{Dir: dir, Out: filepath.Join(t.TempDir(), "p.wasm")})
		var be *plugins.BuildError
		if !errors.As(err, &be) || !strings.Contains(be.Output, "main.go:3") {
			t.Fatalf("got %v, want a BuildError with the compiler's output", err)
		}
	})
}

// TestAuthorBuild builds a minimal plugin and one exporting no kind.
func TestAuthorBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the Go toolchain")
	}
	module := func(main string) string {
		dir := filepath.Join(t.TempDir(), "tiny")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, content := range map[string]string{"go.mod": "module example.com/tiny\n\ngo 1.22\n", "main.go": main} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	dir := module("package main\n\n//go:wasmexport price\nfunc price() int32 { return 0 }\n\nfunc main() {}\n")
	b, err := plugins.Build(context.Background(), plugins.BuildConfig{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	wasm, err := os.ReadFile(filepath.Join(dir, "tiny.wasm"))
	if err != nil {
		t.Fatalf("default output: %v", err)
	}
	if b.Path != filepath.Join(dir, "tiny.wasm") || b.Size != len(wasm) || b.SHA256 != plugins.HashWasm(wasm) || !slices.Equal(b.Kinds, []abi.Kind{abi.KindPrice}) {
		t.Errorf("built %+v", b)
	}
	again, err := plugins.Build(context.Background(), plugins.BuildConfig{Dir: dir, Out: filepath.Join(t.TempDir(), "again.wasm")})
	if err != nil || again.SHA256 != b.SHA256 {
		t.Errorf("rebuild: %v, sha256 %s then %s", err, b.SHA256, again.SHA256)
	}

	none := module("package main\n\nfunc main() {}\n")
	if _, err := plugins.Build(context.Background(), plugins.BuildConfig{Dir: none}); !errors.Is(err, plugins.ErrNoPlugin) || !strings.Contains(err.Error(), "exports no function named after a kind") {
		t.Errorf("no exports: %v", err)
	}
}
