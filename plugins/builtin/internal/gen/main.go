// Command gen builds a default plugin module reproducibly, or copies one
// built by another toolchain, and writes its manifest (see
// plugins/builtin/gen.go).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/ncn-network/ncn/abi"
	"github.com/ncn-network/ncn/plugins"
)

type vector struct {
	Name   string          `json:"name"`
	Kind   abi.Kind        `json:"kind"`
	Input  json.RawMessage `json:"input"`
	Output json.RawMessage `json:"output,omitempty"`
}

func main() {
	src := flag.String("src", "", "package directory of a Go plugin to build")
	prebuilt := flag.String("prebuilt", "", "a module built elsewhere to copy instead (-src unset)")
	name := flag.String("name", "", "the plugin's name in its manifest")
	kinds := flag.String("kinds", "", "comma-separated kinds the manifest declares")
	vectors := flag.String("vectors", "", "abi test vectors to take self-tests from")
	wasmOut := flag.String("wasm", "", "output .wasm")
	manifestOut := flag.String("manifest", "", "output manifest JSON")
	flag.Parse()
	var ks []abi.Kind
	for _, k := range strings.Split(*kinds, ",") {
		if !abi.Kind(k).Valid() {
			fmt.Fprintf(os.Stderr, "gen: unknown kind %q\n", k)
			os.Exit(2)
		}
		ks = append(ks, abi.Kind(k))
	}
	if err := run(*src, *prebuilt, *name, ks, *vectors, *wasmOut, *manifestOut); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(src, prebuilt, name string, kinds []abi.Kind, vectorsPath, wasmOut, manifestOut string) error {
	var wasm []byte
	var err error
	if prebuilt != "" {
		if wasm, err = os.ReadFile(prebuilt); err == nil {
			err = os.WriteFile(wasmOut, wasm, 0o644)
		}
	} else {
		wasm, err = build(src, wasmOut)
	}
	if err != nil {
		return err
	}
	raw, err := os.ReadFile(vectorsPath)
	if err != nil {
		return err
	}
	var vs []vector
	if err := json.Unmarshal(raw, &vs); err != nil {
		return fmt.Errorf("vectors: %w", err)
	}
	m := plugins.Manifest{
		Name: name, Version: "1.0.0", ABIVersion: abi.Version, SHA256: plugins.HashWasm(wasm),
		Owner: "0x0000000000000000000000000000000000000000", Binary: true, Kinds: kinds,
	}
	// One passing vector per kind and strategy: enough to prove the module
	// is the one built from these sources; the full set runs in tests.
	taken := map[string]bool{}
	for _, v := range vs {
		if v.Output == nil || !m.HasKind(v.Kind) {
			continue
		}
		key := string(v.Kind)
		if v.Kind == abi.KindSelect {
			var in abi.SelectInput
			json.Unmarshal(v.Input, &in)
			key += "/" + in.Strategy
		}
		if taken[key] {
			continue
		}
		taken[key] = true
		m.SelfTests = append(m.SelfTests, plugins.SelfTest{Name: v.Name, Kind: v.Kind, Input: v.Input, Output: v.Output})
	}
	out, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(manifestOut, append(out, '\n'), 0o644)
}

// build builds the Go plugin in src into wasmOut and returns it.
func build(src, wasmOut string) ([]byte, error) {
	abs, err := filepath.Abs(wasmOut)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid=", "-o", abs, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0", "GOFLAGS=")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("build %s: %w", src, err)
	}
	return os.ReadFile(abs)
}
