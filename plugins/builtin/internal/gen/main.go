// Command gen builds a default plugin module reproducibly and writes its
// manifest (see plugins/builtin/gen.go).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

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
	src := flag.String("src", "", "package directory of the plugin")
	vectors := flag.String("vectors", "", "abi test vectors to take self-tests from")
	wasmOut := flag.String("wasm", "", "output .wasm")
	manifestOut := flag.String("manifest", "", "output manifest JSON")
	flag.Parse()
	if err := run(*src, *vectors, *wasmOut, *manifestOut); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(src, vectorsPath, wasmOut, manifestOut string) error {
	abs, err := filepath.Abs(wasmOut)
	if err != nil {
		return err
	}
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid=", "-o", abs, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0", "GOFLAGS=")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build %s: %w", src, err)
	}
	wasm, err := os.ReadFile(abs)
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
		Name: "ncn-defaults", Version: "1.0.0", ABIVersion: abi.Version, SHA256: plugins.HashWasm(wasm),
		Owner: "0x0000000000000000000000000000000000000000", Binary: true,
		Kinds: []abi.Kind{abi.KindSelect, abi.KindPrice, abi.KindPreprocess, abi.KindPostprocess},
	}
	// One passing vector per kind and strategy: enough to prove the module
	// is the one built from these sources; the full set runs in tests.
	taken := map[string]bool{}
	for _, v := range vs {
		if v.Output == nil {
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
