package plugins

// What plugin authors need around the runtime: building a Go plugin,
// writing and reading manifests and self-tests, calling a plugin the way
// the host does, and checking it against the ABI vectors. `ncn plugin` is
// a command line over these.

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"go/build"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ncn-network/ncn/abi"
)

// ErrNoPlugin is a directory or module that is not a plugin: no main
// package for wasip1, or a module exporting no function named after a kind.
var ErrNoPlugin = errors.New("not a plugin")

// BuildConfig says what Build builds. Only Dir is required.
type BuildConfig struct {
	// Dir is the plugin's package directory: package main, inside a Go
	// module, with one //go:wasmexport function per kind it implements.
	Dir string
	// Out is the .wasm to write. Default: Dir/<base name of Dir>.wasm.
	Out string
	// Go is the go command. Default: "go", looked up in PATH.
	Go string
	// Env is the go command's environment. Default: this process's.
	// GOOS, GOARCH, CGO_ENABLED and GOFLAGS are always overridden.
	Env []string
}

// Built is a plugin module Build wrote.
type Built struct {
	Path   string     // the .wasm, absolute
	Size   int        // bytes
	SHA256 string     // hex: the content address a manifest signs (HashWasm)
	Kinds  []abi.Kind // kinds the module exports, in abi.AllKinds order
}

// BuildError is a build the Go toolchain failed; Output is what it printed.
type BuildError struct {
	Dir    string
	Output string
	Err    error
}

func (e *BuildError) Error() string {
	return fmt.Sprintf("build plugin %s: %v\n%s", e.Dir, e.Err, strings.TrimRight(e.Output, "\n"))
}

func (e *BuildError) Unwrap() error { return e.Err }

// Build compiles the Go plugin package in cfg.Dir to WebAssembly the way
// the network's own plugins are built, so the same sources give the same
// bytes (and sha256) on every machine with the same Go version:
//
//	GOOS=wasip1 GOARCH=wasm CGO_ENABLED=0 GOFLAGS= go build -buildmode=c-shared \
//	    -trimpath -buildvcs=false -ldflags="-s -w -buildid=" -o OUT .
//
// A directory without a main package fails with ErrNoPlugin before the
// compiler runs; a failed compile is a *BuildError with its output.
func Build(ctx context.Context, cfg BuildConfig) (*Built, error) {
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("build plugin %s: %w", cfg.Dir, err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("build plugin: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("build plugin %s: not a directory", dir)
	}
	bc := build.Default
	bc.GOOS, bc.GOARCH, bc.CgoEnabled = "wasip1", "wasm", false
	pkg, err := bc.ImportDir(dir, 0)
	var noGo *build.NoGoError
	switch {
	case errors.As(err, &noGo):
		return nil, fmt.Errorf("build plugin %s: %w: no Go files (for GOOS=wasip1 GOARCH=wasm)", dir, ErrNoPlugin)
	case err != nil:
		return nil, fmt.Errorf("build plugin %s: %w", dir, err)
	case pkg.Name != "main":
		return nil, fmt.Errorf("build plugin %s: %w: it is package %s; a plugin is package main with a //go:wasmexport function per kind", dir, ErrNoPlugin, pkg.Name)
	}

	out := cfg.Out
	if out == "" {
		out = filepath.Join(dir, filepath.Base(dir)+".wasm")
	}
	if out, err = filepath.Abs(out); err != nil {
		return nil, fmt.Errorf("build plugin %s: %w", dir, err)
	}
	goCmd := cfg.Go
	if goCmd == "" {
		goCmd = "go"
	}
	env := cfg.Env
	if env == nil {
		env = os.Environ()
	}
	cmd := exec.CommandContext(ctx, goCmd, "build", "-buildmode=c-shared", "-trimpath", "-buildvcs=false",
		"-ldflags=-s -w -buildid=", "-o", out, ".")
	cmd.Dir = dir
	// Later entries win: the target and a clean GOFLAGS whatever the caller's environment says.
	cmd.Env = append(slices.Clip(env), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0", "GOFLAGS=")
	if output, err := cmd.CombinedOutput(); err != nil {
		return nil, &BuildError{Dir: dir, Output: string(output), Err: err}
	}
	wasm, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("build plugin %s: %w", dir, err)
	}
	kinds, err := ExportedKinds(wasm)
	if err != nil {
		return nil, fmt.Errorf("build plugin %s: %w", dir, err)
	}
	if len(kinds) == 0 {
		return nil, fmt.Errorf("build plugin %s: %w: the module exports no function named after a kind (%s); mark one with //go:wasmexport price",
			dir, ErrNoPlugin, kindList(abi.AllKinds()))
	}
	return &Built{Path: out, Size: len(wasm), SHA256: HashWasm(wasm), Kinds: kinds}, nil
}

// ExportedKinds lists the kinds whose function a module exports, in
// abi.AllKinds order, reading only the module's export section.
func ExportedKinds(wasm []byte) ([]abi.Kind, error) {
	names, err := exportedFunctions(wasm)
	if err != nil {
		return nil, fmt.Errorf("%w: read exports: %v", ErrNoPlugin, err)
	}
	var kinds []abi.Kind
	for _, k := range abi.AllKinds() {
		if slices.Contains(names, k.Export()) {
			kinds = append(kinds, k)
		}
	}
	return kinds, nil
}

// exportedFunctions reads the names of the functions in a module's export
// section (WebAssembly core spec 5.5.10).
func exportedFunctions(b []byte) ([]string, error) {
	if len(b) < 8 || string(b[:4]) != "\x00asm" || binary.LittleEndian.Uint32(b[4:8]) != 1 {
		return nil, errors.New("not a WebAssembly 1.0 module")
	}
	b = b[8:]
	for len(b) > 0 {
		id := b[0]
		size, n := uleb(b[1:])
		if n == 0 || uint64(len(b)-1-n) < size {
			return nil, errors.New("truncated section")
		}
		body := b[1+n : 1+n+int(size)]
		b = b[1+n+int(size):]
		if id != 7 { // the export section
			continue
		}
		count, n := uleb(body)
		if n == 0 {
			return nil, errors.New("bad export section")
		}
		body = body[n:]
		var names []string
		for i := uint64(0); i < count; i++ {
			l, n := uleb(body)
			if n == 0 || uint64(len(body)-n) < l {
				return nil, errors.New("bad export name")
			}
			name := string(body[n : n+int(l)])
			body = body[n+int(l):]
			if len(body) < 1 {
				return nil, errors.New("truncated export")
			}
			kind := body[0]
			if _, n = uleb(body[1:]); n == 0 {
				return nil, errors.New("bad export index")
			}
			body = body[1+n:]
			if kind == 0 { // a function
				names = append(names, name)
			}
		}
		return names, nil
	}
	return nil, nil
}

// uleb decodes an unsigned LEB128 of at most 32 bits; n is 0 when b holds none.
func uleb(b []byte) (v uint64, n int) {
	for i := 0; i < len(b) && i < 5; i++ {
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i]&0x80 == 0 {
			if v > 1<<32-1 {
				return 0, 0
			}
			return v, i + 1
		}
	}
	return 0, 0
}

// ParseKinds parses a comma-separated list of kinds ("select,price").
func ParseKinds(s string) ([]abi.Kind, error) {
	var kinds []abi.Kind
	for f := range strings.SplitSeq(s, ",") {
		k := abi.Kind(strings.TrimSpace(f))
		switch {
		case k == "":
			return nil, fmt.Errorf("empty kind in %q (the kinds are %s)", s, kindList(abi.AllKinds()))
		case !k.Valid():
			return nil, fmt.Errorf("unknown kind %q (the kinds are %s)", k, kindList(abi.AllKinds()))
		case slices.Contains(kinds, k):
			return nil, fmt.Errorf("kind %q given twice", k)
		}
		kinds = append(kinds, k)
	}
	return kinds, nil
}

func kindList(kinds []abi.Kind) string {
	s := make([]string, len(kinds))
	for i, k := range kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// UnsignedManifest is a manifest for running wasm on an author's own
// machine (LoadOptions.SkipSignature): named after file without its
// extension, version "dev", the zero address as owner, no signature.
func UnsignedManifest(file string, wasm []byte, kinds []abi.Kind, binary bool) Manifest {
	name := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune("@/ \t\n", r) {
			return '-'
		}
		return r
	}, name)
	if len(name) > 64 {
		name = name[:64]
	}
	if name == "" || name == "." {
		name = "plugin"
	}
	return Manifest{
		Name: name, Version: "dev", Kinds: kinds, ABIVersion: abi.Version, SHA256: HashWasm(wasm),
		Owner: "0x0000000000000000000000000000000000000000", Binary: binary,
	}
}

// ReadManifest reads a manifest JSON file. Unknown fields are an error:
// they would not be covered by the signature.
func ReadManifest(path string) (Manifest, error) {
	var m Manifest
	raw, err := os.ReadFile(path)
	if err != nil {
		return m, fmt.Errorf("read manifest: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return m, fmt.Errorf("%w: %s: %v", ErrBadManifest, path, err)
	}
	return m, nil
}

// WriteManifest writes m as indented JSON.
func WriteManifest(path string, m Manifest) error {
	b, err := json.MarshalIndent(&m, "", " ")
	if err != nil {
		return fmt.Errorf("write manifest %s: %w", path, err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	return nil
}

// ReadSelfTests reads a JSON array of self-tests ({name, kind, input,
// output}): vectors the plugin must pass before the host activates it.
func ReadSelfTests(path string) ([]SelfTest, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read self-tests: %w", err)
	}
	var sts []SelfTest
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sts); err != nil {
		return nil, fmt.Errorf("self-tests %s: want a JSON array of {name, kind, input, output}: %v", path, err)
	}
	for i, st := range sts {
		switch {
		case st.Name == "":
			return nil, fmt.Errorf("self-tests %s: test %d has no name", path, i)
		case !st.Kind.Valid():
			return nil, fmt.Errorf("self-tests %s: %q: unknown kind %q (the kinds are %s)", path, st.Name, st.Kind, kindList(abi.AllKinds()))
		case len(st.Input) == 0 || len(st.Output) == 0:
			return nil, fmt.Errorf("self-tests %s: %q: needs both an input and an output document", path, st.Name)
		}
	}
	return sts, nil
}

// Run calls kind with one input document the way the host calls the
// plugin. Select and price inputs, in either form, are decoded, validated
// and sent in the plugin's form (Manifest.Binary); preprocess and
// postprocess inputs are JSON. The output is checked as the host checks
// it and returned as a JSON document: the plugin's own bytes when it
// answered in JSON.
//
// Input the host would refuse fails before any call with its abi code
// (invalid_input, unsupported_version) and a nil Result. A plugin error is
// a *CallError; the Result is set when the call returned an output the
// host then refused.
func (p *Plugin) Run(ctx context.Context, kind abi.Kind, input []byte) ([]byte, *Result, error) {
	refused := func(err error) ([]byte, *Result, error) {
		return nil, nil, fmt.Errorf("the host refuses the input before calling the plugin: %w", err)
	}
	var (
		res *Result
		doc any // the decoded output, for plugins that answer in binary
		err error
	)
	switch kind {
	case abi.KindSelect:
		in, _, derr := abi.DecodeSelectInput(input)
		if derr != nil {
			return refused(derr)
		}
		var out *abi.SelectOutput
		if out, res, err = p.Select(ctx, in); err == nil {
			if out.IDs == nil {
				out.IDs = []string{}
			}
			doc = out
		}
	case abi.KindPrice:
		in, _, derr := abi.DecodePriceInput(input)
		if derr != nil {
			return refused(derr)
		}
		doc, res, err = p.Price(ctx, in)
	case abi.KindPreprocess:
		var in abi.PreprocessInput
		if derr := json.Unmarshal(input, &in); derr != nil {
			return refused(abi.Errorf(abi.CodeInvalidInput, "preprocess input: %v", derr))
		}
		_, res, err = p.Preprocess(ctx, &in)
	case abi.KindPostprocess:
		var in abi.PostprocessInput
		if derr := json.Unmarshal(input, &in); derr != nil {
			return refused(abi.Errorf(abi.CodeInvalidInput, "postprocess input: %v", derr))
		}
		_, res, err = p.Postprocess(ctx, &in)
	default:
		return nil, nil, &CallError{Plugin: p.m.ID(), Kind: kind, Err: abi.Errorf(abi.CodeMissingExport, "unknown kind %q", kind)}
	}
	if err != nil {
		return nil, res, err
	}
	if abi.FormOf(res.Output) == abi.FormJSON {
		return res.Output, res, nil
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, res, fmt.Errorf("encode %s output: %w", kind, err)
	}
	return b, res, nil
}

// VectorResult is the outcome of one ABI vector or self-test.
type VectorResult struct {
	Name         string
	Kind         abi.Kind
	SelfTest     bool     // one of the manifest's self-tests, not an ABI vector
	Instructions uint64   // the call's, when it returned an output
	Code         abi.Code // the abi code the call failed with, if it did
	Err          error    // why the vector failed; nil when it passed
}

// RunVector runs an ABI vector through Run, as the host would call the
// plugin, and compares the output document (as JSON) or the error code.
func (p *Plugin) RunVector(ctx context.Context, v abi.Vector) VectorResult {
	out, res, err := p.Run(ctx, v.Kind, v.Input)
	r := VectorResult{Name: v.Name, Kind: v.Kind, Code: Code(err), Err: compareOutcome(out, err, v.Output, v.Error)}
	if res != nil {
		r.Instructions = res.Instructions
	}
	return r
}

// RunSelfTest runs one of the manifest's self-tests exactly as Load does:
// the input as it is, the output compared as JSON.
func (p *Plugin) RunSelfTest(ctx context.Context, st SelfTest) VectorResult {
	res, err := p.Call(ctx, st.Kind, st.Input)
	r := VectorResult{Name: st.Name, Kind: st.Kind, SelfTest: true, Code: Code(err)}
	var out []byte
	if res != nil {
		out, r.Instructions = res.Output, res.Instructions
	}
	r.Err = compareOutcome(out, err, st.Output, "")
	return r
}

func compareOutcome(got []byte, err error, want []byte, wantCode abi.Code) error {
	switch {
	case wantCode != "" && err == nil:
		return fmt.Errorf("got output %s, want error %s", excerpt(got), wantCode)
	case wantCode != "" && Code(err) != wantCode:
		return fmt.Errorf("got error %v, want error %s", err, wantCode)
	case wantCode != "":
		return nil
	case err != nil:
		return fmt.Errorf("got error %v, want output %s", err, excerpt(want))
	case !sameJSON(got, want):
		return fmt.Errorf("got output %s, want %s", excerpt(got), excerpt(want))
	}
	return nil
}

// excerpt is a document for a message: compact JSON, or quoted bytes,
// cut at 400 bytes.
func excerpt(doc []byte) string {
	var buf bytes.Buffer
	s := fmt.Sprintf("%q", doc)
	if json.Compact(&buf, doc) == nil {
		s = buf.String()
	}
	if len(s) > 400 {
		s = s[:400] + "..."
	}
	return s
}

// VectorsFor picks the vectors of kinds from vs. With strategy set, the
// select vectors are only those whose input names that strategy.
func VectorsFor(vs []abi.Vector, kinds []abi.Kind, strategy string) []abi.Vector {
	var out []abi.Vector
	for _, v := range vs {
		if !slices.Contains(kinds, v.Kind) {
			continue
		}
		if v.Kind == abi.KindSelect && strategy != "" {
			var in struct {
				Strategy string `json:"strategy"`
			}
			if json.Unmarshal(v.Input, &in) != nil || in.Strategy != strategy {
				continue
			}
		}
		out = append(out, v)
	}
	return out
}
