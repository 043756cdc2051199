// Package pluginstest builds test plugins: Go packages compiled to
// WebAssembly (wasip1, c-shared) as plugin authors build them, and signed
// manifests for them.
package pluginstest

import (
	"context"
	"crypto/ecdsa"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/ncn-network/ncn/abi"
	"github.com/ncn-network/ncn/plugins"
)

// ModuleRoot is the repository root, found from this file.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate pluginstest")
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Build compiles the Go plugin package at pkg (relative to the repository
// root) with plugins.Build, as `ncn plugin build` does, and returns the
// module. The Go build cache makes repeats cheap.
func Build(t testing.TB, pkg string) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "plugin.wasm")
	b, err := plugins.Build(context.Background(), plugins.BuildConfig{Dir: filepath.Join(ModuleRoot(t), pkg), Out: out})
	if err != nil {
		t.Fatalf("build plugin %s: %v", pkg, err)
	}
	wasm, err := os.ReadFile(b.Path)
	if err != nil {
		t.Fatal(err)
	}
	return wasm
}

// Manifest is a signed manifest for wasm declaring kinds.
func Manifest(t testing.TB, wasm []byte, key *ecdsa.PrivateKey, name string, kinds ...abi.Kind) plugins.Manifest {
	t.Helper()
	m := plugins.Manifest{Name: name, Version: "0.0.1", Kinds: kinds, ABIVersion: abi.Version, SHA256: plugins.HashWasm(wasm), Binary: true}
	if err := m.Sign(key); err != nil {
		t.Fatal(err)
	}
	return m
}
