// Package builtin ships the network's default plugins inside the host, as
// two AssemblyScript modules built by `make generate` from
// sdk-plugins/examples/selection-as (internal/gen copies them here):
//
//   - selection (selection.wasm): the five selection strategies;
//   - defaults (defaults.wasm): the default price formula, the input guard
//     and the output filter.
//
// Both are small (tens of kilobytes) and load in milliseconds from the
// compilation cache, so a host start pays little for its defaults. The Go
// build of the same policies (sdk-plugins/examples/defaults, about 3.6 MB,
// over 100 ms to load even cached) stays an example, and the twin the
// tests and benchmarks compare these with.
//
// They are trusted because they are compiled into the binary, so their
// manifests carry no owner signature: load them with
// plugins.LoadOptions{SkipSignature: true}.
package builtin

import (
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/ncn-network/ncn/abi"
	"github.com/ncn-network/ncn/plugins"
)

//go:embed defaults.wasm
var defaultsWasm []byte

//go:embed defaults.manifest.json
var defaultsManifest []byte

//go:embed selection.wasm
var selectionWasm []byte

//go:embed selection.manifest.json
var selectionManifest []byte

// Defaults returns the module serving price, preprocess and postprocess,
// and its manifest. The module is shared: callers must not modify it.
func Defaults() ([]byte, plugins.Manifest, error) {
	return module("defaults", defaultsWasm, defaultsManifest)
}

// Selection returns the module serving select, and its manifest. The
// module is shared: callers must not modify it.
func Selection() ([]byte, plugins.Manifest, error) {
	return module("selection", selectionWasm, selectionManifest)
}

func module(name string, wasm, manifest []byte) ([]byte, plugins.Manifest, error) {
	var m plugins.Manifest
	if err := json.Unmarshal(manifest, &m); err != nil {
		return nil, m, fmt.Errorf("builtin %s manifest: %w", name, err)
	}
	return wasm, m, nil
}

// Store is where Install puts the modules (a *plugins.Store).
type Store interface {
	Put(wasm []byte, m plugins.Manifest) error
}

// Install puts both modules into store and returns the active set that
// serves every kind from them for subnet, with no parameters.
func Install(store Store, subnet string) (plugins.ActiveSet, error) {
	set := plugins.ActiveSet{Subnet: subnet, Plugins: map[abi.Kind]string{}}
	for _, get := range []func() ([]byte, plugins.Manifest, error){Selection, Defaults} {
		wasm, m, err := get()
		if err != nil {
			return set, err
		}
		if err := store.Put(wasm, m); err != nil {
			return set, fmt.Errorf("install builtin %s: %w", m.Name, err)
		}
		for _, k := range m.Kinds {
			set.Plugins[k] = m.SHA256
		}
	}
	return set, nil
}
