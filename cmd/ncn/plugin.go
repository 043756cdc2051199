package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/ncn-network/ncn/abi"
	"github.com/ncn-network/ncn/plugins"
)

// parseArgs is flags.parse for commands taking n positional arguments,
// which may come before, among or after the flags ("--" ends the flags).
func (f *flags) parseArgs(e env, args []string, n int, what string) ([]string, error) {
	var pos []string
	for {
		err := f.Parse(args)
		switch {
		case errors.Is(err, flag.ErrHelp):
			f.printHelp(e.stdout)
			return nil, flag.ErrHelp
		case err != nil:
			return nil, &usageError{cmd: f.cmd, err: err}
		}
		rest := f.Args()
		if len(rest) == 0 {
			break
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
	switch {
	case len(pos) < n:
		return nil, f.usagef("missing %s", what)
	case len(pos) > n:
		return nil, f.usagef("unexpected argument %q", pos[n])
	}
	return pos, nil
}

// cacheDirFlag adds --cache-dir: where a plugin's metered and compiled
// module is kept, so the next load of the same module is fast.
func (f *flags) cacheDirFlag(e env) *string {
	return f.String("cache-dir", e.getenv("NCN_PLUGIN_CACHE"),
		"`dir`ectory caching metered and compiled modules across runs (default $NCN_PLUGIN_CACHE; empty: none)")
}

// kindsUsage is the usage error for a bad --kind or --kinds value.
func (f *flags) kindsUsage(flagName, value string) ([]abi.Kind, error) {
	kinds, err := plugins.ParseKinds(value)
	if err != nil {
		return nil, f.usagef("--%s: %v", flagName, err)
	}
	return kinds, nil
}

const pluginBuildHelp = `
Builds the Go plugin package in DIR to WebAssembly, the way the network's
own plugins are built, so the same sources and Go version give the same
bytes and the same sha256 on every machine:

  GOOS=wasip1 GOARCH=wasm CGO_ENABLED=0 GOFLAGS= go build -buildmode=c-shared \
      -trimpath -buildvcs=false -ldflags="-s -w -buildid=" -o FILE .

DIR must be package main inside a Go module, exporting one function per
kind it implements (//go:wasmexport select, price, preprocess or
postprocess; see sdk-plugins/pdk). The go command is taken from PATH.

It prints the file written, its size, its sha256 (what a manifest signs)
and the kinds the module exports. When the compiler fails, its output is
shown.

Examples:
  ncn plugin build ./myplugin
  ncn plugin build --out build/ranker.wasm ./sdk-plugins/examples/defaults
`

func runPluginBuild(ctx context.Context, e env, args []string) error {
	f := newFlags("plugin build", "[--out FILE] DIR", pluginBuildHelp)
	out := f.String("out", "", "`file` to write (default DIR/<name of DIR>.wasm)")
	pos, err := f.parseArgs(e, args, 1, "the plugin's package directory DIR")
	if err != nil {
		return err
	}
	b, err := plugins.Build(ctx, plugins.BuildConfig{Dir: pos[0], Out: *out})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote   %s\nsize    %d bytes\nsha256  %s\nkinds   %s\n", b.Path, b.Size, b.SHA256, joinKinds(b.Kinds))
	return nil
}

const pluginSignHelp = `
Writes the signed manifest of PLUGIN.wasm: its name, version, kinds, ABI
version, sha256, limits and self-tests, signed (EIP-191) by --key, whose
address becomes the owner. Before writing, the plugin is loaded exactly as
a host loads it: signature, exports of every kind, metering, and the
self-tests, which must all pass. The manifest goes to --out, by default
PLUGIN.manifest.json beside the module (x.wasm -> x.manifest.json).

--key is a geth keystore file (unlocked with --password-file, empty
password without it) or a file holding the private key as hex.

--self-tests is a JSON array of vectors the host runs before it activates
the plugin; each must succeed with exactly its output:

  [{"name": "two nodes by stake", "kind": "select",
    "input": {"version": 1, "strategy": "stake", ...},
    "output": {"version": 1, "ids": ["0x...", "0x..."]}}]

--binary declares that the plugin reads and writes the binary forms of
select and price (plugins built with sdk-plugins/pdk do); without it the
host speaks JSON to the plugin. --budget and --memory-pages ask for limits
other than the host's defaults; a host caps them at its maximums.

Environment:
  NCN_PLUGIN_CACHE   default for --cache-dir

Examples:
  ncn plugin sign --key owner.hex --name ranker --version 1.0.0 --kinds select ranker.wasm
  ncn plugin sign --key keystore/UTC--owner.json --password-file pw.txt \
      --name defaults --version 1.2.0 --kinds select,price,preprocess,postprocess \
      --binary --self-tests selftests.json --out dist/defaults.manifest.json defaults.wasm
`

func runPluginSign(ctx context.Context, e env, args []string) error {
	f := newFlags("plugin sign", "--key FILE --name N --version V --kinds K[,K...] [flags] PLUGIN.wasm", pluginSignHelp)
	ownerKey := newKeyFlags(f, "owner", "")
	name := f.String("name", "", "plugin `name`: 1..64 characters without '@', '/' or spaces (required)")
	version := f.String("version", "", "plugin `version`, e.g. 1.0.0 (required)")
	kindsFlag := f.String("kinds", "", "comma-separated `kinds` the plugin implements: "+joinKinds(abi.AllKinds())+" (required)")
	binary := f.Bool("binary", false, "the plugin speaks the binary forms of select and price (sdk-plugins/pdk plugins do)")
	budget := f.Uint64("budget", 0, "instruction budget per call to ask for (default: the host's, 50M)")
	memoryPages := f.Uint("memory-pages", 0, "memory limit in 64 KiB pages to ask for (default: the host's, 512)")
	maxOutput := f.Int("max-output-bytes", 0, "output size limit per call to ask for (default: the host's, 1 MiB)")
	selfTests := f.String("self-tests", "", "JSON `file`: an array of {name, kind, input, output} the plugin must pass")
	out := f.String("out", "", "manifest `file` to write (default: PLUGIN.wasm with the suffix .manifest.json)")
	cacheDir := f.cacheDirFlag(e)
	pos, err := f.parseArgs(e, args, 1, "the plugin module PLUGIN.wasm")
	if err != nil {
		return err
	}
	if err := ownerKey.check(); err != nil {
		return err
	}
	switch {
	case *name == "":
		return f.usagef("--name is required")
	case *version == "":
		return f.usagef("--version is required")
	case *kindsFlag == "":
		return f.usagef("--kinds is required (the kinds are %s)", joinKinds(abi.AllKinds()))
	case *memoryPages > 65536:
		return f.usagef("--memory-pages must be at most 65536")
	case *maxOutput < 0:
		return f.usagef("--max-output-bytes must not be negative")
	}
	kinds, err := f.kindsUsage("kinds", *kindsFlag)
	if err != nil {
		return err
	}
	wasmPath := pos[0]
	manifestPath := *out
	if manifestPath == "" {
		manifestPath = strings.TrimSuffix(wasmPath, ".wasm") + ".manifest.json"
	}

	wasm, err := os.ReadFile(wasmPath)
	if err != nil {
		return fmt.Errorf("read plugin: %w", err)
	}
	m := plugins.Manifest{
		Name: *name, Version: *version, Kinds: kinds, ABIVersion: abi.Version, SHA256: plugins.HashWasm(wasm),
		Binary: *binary, Limits: plugins.Limits{Budget: *budget, MemoryPages: uint32(*memoryPages), MaxOutputBytes: *maxOutput},
	}
	if *selfTests != "" {
		if m.SelfTests, err = plugins.ReadSelfTests(*selfTests); err != nil {
			return err
		}
	}
	key, err := ownerKey.load(e)
	if err != nil {
		return err
	}
	if err := m.Sign(key); err != nil {
		return err
	}
	if _, err := m.Check(wasm); err != nil {
		if errors.Is(err, plugins.ErrBadManifest) {
			return f.usagef("%v", err) // a name, version or self-test the flags got wrong
		}
		return err
	}
	rt, err := plugins.NewRuntime(plugins.Config{CacheDir: *cacheDir, Logger: e.logger()})
	if err != nil {
		return err
	}
	defer rt.Close()
	p, err := load(ctx, rt, wasm, m, plugins.LoadOptions{})
	if err != nil {
		return fmt.Errorf("not signed: a host would refuse the plugin: %w", err)
	}
	if err := p.Close(); err != nil {
		return err
	}
	if err := plugins.WriteManifest(manifestPath, m); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote       %s\nplugin      %s\nkinds       %s\nowner       %s\nsha256      %s\nself-tests  %d passed\n",
		manifestPath, m.ID(), joinKinds(m.Kinds), m.Owner, m.SHA256, len(m.SelfTests))
	return nil
}

const pluginRunHelp = `
Calls one kind of PLUGIN.wasm on one input document, the way a host calls
it and under a host's default limits (instruction budget, memory pages,
input and output size, wall-clock backstop), and prints the output
document on stdout. The input is read from stdin (or --input).

Select and price inputs may be in JSON or binary form; the host decodes
and validates them and sends them in the plugin's form (JSON, or binary
with --binary or a manifest that says so). Outputs are checked as the
host checks them and printed as JSON. --raw skips all of that: the bytes
go to the export as they are and its output comes back as it is.

Without --manifest, an unsigned manifest is made up: named after the
file, declaring only --kind. A manifest's signature is not required here
(a bad one is only warned about), but its sha256 must match the module.

On stderr it prints what the call cost:

  instructions 81234  memory-pages 512  time 312µs

instructions is the deterministic count the budget is charged in (the
first call of a Go plugin includes its runtime's start-up, unless the
manifest has self-tests: a host warms each instance up on the first);
memory-pages is the limit the call ran under.

With --json, stdout is instead one JSON object: {output, instructions,
elapsedMicros, budget, memoryPages}, or {error: {code, message}, ...}
when the call failed. A failed call prints its abi error code and
message and exits 1.

Environment:
  NCN_PLUGIN_CACHE   default for --cache-dir

Examples:
  ncn plugin run --kind price defaults.wasm < price.json
  echo '{"version":1,"subnet":"demo","model":"digits","inputTokens":64}' | ncn plugin run --kind price defaults.wasm
  ncn plugin run --kind select --manifest defaults.manifest.json --budget 1000000 --json --input select.json defaults.wasm
`

func runPluginRun(ctx context.Context, e env, args []string) error {
	f := newFlags("plugin run", "--kind KIND [flags] PLUGIN.wasm < input", pluginRunHelp)
	kindFlag := f.String("kind", "", "`kind` to call: "+joinKinds(abi.AllKinds())+" (required)")
	manifestPath := f.String("manifest", "", "manifest `file` to run the plugin under (default: an unsigned one declaring --kind)")
	budget := f.Uint64("budget", 0, "instruction budget of the call (default: the manifest's, else the host's 50M)")
	memoryPages := f.Uint("memory-pages", 0, "memory limit in 64 KiB pages (default: the manifest's, else the host's 512)")
	binary := f.Bool("binary", false, "without --manifest: speak the binary forms of select and price to the plugin")
	raw := f.Bool("raw", false, "pass the input to the export unchecked and print its output as it is")
	inputPath := f.String("input", "-", "`file` holding the input document; - is stdin")
	jsonOut := f.Bool("json", false, "print {output, instructions, elapsedMicros, budget, memoryPages} as JSON on stdout")
	cacheDir := f.cacheDirFlag(e)
	pos, err := f.parseArgs(e, args, 1, "the plugin module PLUGIN.wasm")
	if err != nil {
		return err
	}
	if *kindFlag == "" {
		return f.usagef("--kind is required (the kinds are %s)", joinKinds(abi.AllKinds()))
	}
	kinds, err := f.kindsUsage("kind", *kindFlag)
	if err != nil {
		return err
	}
	if len(kinds) != 1 {
		return f.usagef("--kind takes one kind, not %q", *kindFlag)
	}
	kind := kinds[0]
	if *manifestPath != "" && *binary {
		return f.usagef("--binary is for runs without --manifest; the manifest says which form the plugin speaks")
	}
	if *memoryPages > 65536 {
		return f.usagef("--memory-pages must be at most 65536")
	}

	wasm, err := os.ReadFile(pos[0])
	if err != nil {
		return fmt.Errorf("read plugin: %w", err)
	}
	input, err := readInput(*inputPath)
	if err != nil {
		return err
	}
	var m plugins.Manifest
	if *manifestPath == "" {
		m = plugins.UnsignedManifest(pos[0], wasm, kinds, *binary)
	} else {
		if m, err = plugins.ReadManifest(*manifestPath); err != nil {
			return err
		}
		if _, err := m.Check(wasm); errors.Is(err, plugins.ErrSignature) {
			fmt.Fprintf(e.stderr, "warning: %v (plugin run goes on; a host would refuse it)\n", err)
		} else if err != nil {
			return fmt.Errorf("manifest %s: %w", *manifestPath, err)
		}
		if !m.HasKind(kind) {
			return fmt.Errorf("manifest %s declares %s, not %s", *manifestPath, joinKinds(m.Kinds), kind)
		}
	}
	if *budget > 0 {
		m.Limits.Budget = *budget
	}
	if *memoryPages > 0 {
		m.Limits.MemoryPages = uint32(*memoryPages)
	}

	rt, err := plugins.NewRuntime(plugins.Config{CacheDir: *cacheDir, Logger: e.logger()})
	if err != nil {
		return err
	}
	defer rt.Close()
	p, err := load(ctx, rt, wasm, m, plugins.LoadOptions{SkipSignature: true, SkipSelfTests: true})
	if err != nil {
		return err
	}
	defer p.Close()
	limits := p.Limits()
	if *budget > limits.Budget || uint32(*memoryPages) > limits.MemoryPages {
		fmt.Fprintf(e.stderr, "warning: limits capped at the host's maximums: budget %d, memory-pages %d\n", limits.Budget, limits.MemoryPages)
	}

	var out []byte
	var res *plugins.Result
	if *raw {
		if res, err = p.Call(ctx, kind, input); err == nil {
			out = res.Output
		}
	} else {
		out, res, err = p.Run(ctx, kind, input)
	}
	if res != nil {
		fmt.Fprintf(e.stderr, "instructions %d  memory-pages %d  time %s\n", res.Instructions, limits.MemoryPages, res.Elapsed.Round(time.Microsecond))
	}
	if *jsonOut {
		if jerr := writeRunJSON(e.stdout, out, res, limits, err); jerr != nil {
			return jerr
		}
	} else if err == nil {
		if _, err := e.stdout.Write(out); err != nil {
			return err
		}
		if abi.FormOf(out) == abi.FormJSON {
			fmt.Fprintln(e.stdout)
		}
	}
	return err
}

func readInput(path string) ([]byte, error) {
	var b []byte
	var err error
	if path == "-" {
		b, err = io.ReadAll(os.Stdin)
	} else {
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("read input: %w", err)
	}
	return b, nil
}

// writeRunJSON prints the outcome of `plugin run --json`.
func writeRunJSON(w io.Writer, out []byte, res *plugins.Result, limits plugins.Limits, callErr error) error {
	type errDoc struct {
		Code    abi.Code `json:"code"`
		Message string   `json:"message"`
	}
	doc := struct {
		Output        any     `json:"output,omitempty"` // a JSON document, or base64 of a binary one
		Error         *errDoc `json:"error,omitempty"`
		Instructions  uint64  `json:"instructions"`
		ElapsedMicros int64   `json:"elapsedMicros"`
		Budget        uint64  `json:"budget"`
		MemoryPages   uint32  `json:"memoryPages"`
	}{Budget: limits.Budget, MemoryPages: limits.MemoryPages}
	if res != nil {
		doc.Instructions, doc.ElapsedMicros = res.Instructions, res.Elapsed.Microseconds()
	}
	switch {
	case callErr != nil:
		doc.Error = &errDoc{Code: plugins.Code(callErr), Message: callErr.Error()}
	case json.Valid(out):
		doc.Output = json.RawMessage(out)
	default:
		doc.Output = out
	}
	return json.NewEncoder(w).Encode(doc)
}

const pluginTestHelp = `
Runs the ABI test vectors (the ones every implementation must pass,
built into ncn) against PLUGIN.wasm for every kind it declares, then the
manifest's own self-tests, and prints PASS or FAIL for each with the
instructions the call took, then a summary:

  PASS  price defaults  (8812 instructions)
  FAIL  select stake n=5 count=3: got output {...}, want {...}
  41 passed, 1 failed

Vectors run the way a host calls the plugin: inputs in the plugin's form
(binary when the manifest says so), outputs checked and compared as JSON
documents, expected errors by their abi code. Self-tests run exactly as a
host runs them before activating the plugin.

With --manifest, the manifest is checked as a host checks it: the module's
sha256, the ABI version and the owner's signature must be right. Without
it, the kinds are --kinds, or else every kind the module exports, and the
plugin is spoken to in JSON (--binary for the binary forms).

A select plugin that implements only some strategies names one with
--strategy: the select vectors are then those for that strategy.

The exit code is 1 when any vector failed.

Environment:
  NCN_PLUGIN_CACHE   default for --cache-dir

Examples:
  ncn plugin test --manifest defaults.manifest.json defaults.wasm
  ncn plugin test --kinds select --strategy reputation reputation.wasm
  ncn plugin test ./myplugin/myplugin.wasm
`

func runPluginTest(ctx context.Context, e env, args []string) error {
	f := newFlags("plugin test", "[--manifest M] [--strategy S] PLUGIN.wasm", pluginTestHelp)
	manifestPath := f.String("manifest", "", "signed manifest `file` to check and test the plugin under")
	strategy := f.String("strategy", "", "select vectors only for this `strategy` (random, reputation, stake, performance, weighted)")
	kindsFlag := f.String("kinds", "", "without --manifest: comma-separated `kinds` to test (default: every kind the module exports)")
	binary := f.Bool("binary", false, "without --manifest: speak the binary forms of select and price to the plugin")
	cacheDir := f.cacheDirFlag(e)
	pos, err := f.parseArgs(e, args, 1, "the plugin module PLUGIN.wasm")
	if err != nil {
		return err
	}
	if *manifestPath != "" && (*kindsFlag != "" || *binary) {
		return f.usagef("--kinds and --binary are for runs without --manifest; the manifest declares them")
	}
	var kinds []abi.Kind
	if *kindsFlag != "" {
		if kinds, err = f.kindsUsage("kinds", *kindsFlag); err != nil {
			return err
		}
	}

	wasm, err := os.ReadFile(pos[0])
	if err != nil {
		return fmt.Errorf("read plugin: %w", err)
	}
	var m plugins.Manifest
	signed := *manifestPath != ""
	if signed {
		if m, err = plugins.ReadManifest(*manifestPath); err != nil {
			return err
		}
		if _, err := m.Check(wasm); errors.Is(err, plugins.ErrSignature) {
			return fmt.Errorf("manifest %s: %w (changed after signing, or not signed by its owner: sign it again with ncn plugin sign)", *manifestPath, err)
		} else if err != nil {
			return fmt.Errorf("manifest %s: %w", *manifestPath, err)
		}
	} else {
		if kinds == nil {
			if kinds, err = plugins.ExportedKinds(wasm); err != nil {
				return err
			}
			if len(kinds) == 0 {
				return fmt.Errorf("%s: %w: it exports no function named after a kind (%s)", pos[0], plugins.ErrNoPlugin, joinKinds(abi.AllKinds()))
			}
		}
		m = plugins.UnsignedManifest(pos[0], wasm, kinds, *binary)
	}
	vectors, err := abi.Vectors()
	if err != nil {
		return err
	}
	vectors = plugins.VectorsFor(vectors, m.Kinds, *strategy)

	rt, err := plugins.NewRuntime(plugins.Config{CacheDir: *cacheDir, Logger: e.logger()})
	if err != nil {
		return err
	}
	defer rt.Close()
	p, err := load(ctx, rt, wasm, m, plugins.LoadOptions{SkipSignature: !signed, SkipSelfTests: true})
	if err != nil {
		return err
	}
	defer p.Close()

	form := "JSON"
	if m.Binary {
		form = "binary"
	}
	how := "unsigned, no manifest"
	if signed {
		how = "signed by " + m.Owner
	}
	fmt.Fprintf(e.stdout, "testing %s (%s; kinds %s; %s form): %d ABI vectors, %d self-tests\n",
		m.ID(), how, joinKinds(m.Kinds), form, len(vectors), len(m.SelfTests))
	if *strategy != "" && m.HasKind(abi.KindSelect) && len(plugins.VectorsFor(vectors, []abi.Kind{abi.KindSelect}, *strategy)) == 0 {
		fmt.Fprintf(e.stderr, "warning: no select vector uses strategy %q\n", *strategy)
	}
	var passed, failed int
	report := func(r plugins.VectorResult) {
		name := r.Name
		if r.SelfTest {
			name = "self-test " + name
		}
		if r.Err != nil {
			failed++
			fmt.Fprintf(e.stdout, "FAIL  %s: %v\n", name, r.Err)
			return
		}
		passed++
		if r.Code != "" {
			fmt.Fprintf(e.stdout, "PASS  %s  (%s, as expected)\n", name, r.Code)
			return
		}
		fmt.Fprintf(e.stdout, "PASS  %s  (%d instructions)\n", name, r.Instructions)
	}
	for _, v := range vectors {
		report(p.RunVector(ctx, v))
	}
	for _, st := range m.SelfTests {
		report(p.RunSelfTest(ctx, st))
	}
	fmt.Fprintf(e.stdout, "%d passed, %d failed\n", passed, failed)
	switch {
	case passed+failed == 0:
		return errors.New("nothing to test: no vector or self-test for the plugin's kinds")
	case failed > 0:
		return fmt.Errorf("%d of %d failed", failed, passed+failed)
	}
	return nil
}

// load loads a plugin, saying which kinds the module does export when it
// lacks one the manifest declares.
func load(ctx context.Context, rt *plugins.Runtime, wasm []byte, m plugins.Manifest, opts plugins.LoadOptions) (*plugins.Plugin, error) {
	p, err := rt.Load(ctx, wasm, m, opts)
	if plugins.Code(err) == abi.CodeMissingExport {
		if exported, xerr := plugins.ExportedKinds(wasm); xerr == nil {
			var missing []abi.Kind
			for _, k := range m.Kinds {
				if !slices.Contains(exported, k) {
					missing = append(missing, k)
				}
			}
			return nil, fmt.Errorf("%w (the module exports %s, not %s)", err, orNone(joinKinds(exported)), joinKinds(missing))
		}
	}
	return p, err
}

func orNone(s string) string {
	if s == "" {
		return "no kind"
	}
	return s
}

func joinKinds(kinds []abi.Kind) string {
	s := make([]string, len(kinds))
	for i, k := range kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ",")
}
