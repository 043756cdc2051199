// Package builtin ships the network's default plugins inside the host: the
// five selection strategies, the default price formula, the input guard and
// the output filter, all in one module built from
// sdk-plugins/examples/defaults by `make generate` (internal/gen).
//
// They are trusted because they are compiled into the binary, so their
// manifest carries no owner signature: load them with
// plugins.LoadOptions{SkipSignature: true}.
package builtin

import (
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/ncn-network/ncn/plugins"
)

//go:embed defaults.wasm
var defaultsWasm []byte

//go:embed defaults.manifest.json
var defaultsManifest []byte

// Defaults returns the default plugin's module and manifest. The module is
// shared: callers must not modify it.
func Defaults() ([]byte, plugins.Manifest, error) {
	var m plugins.Manifest
	if err := json.Unmarshal(defaultsManifest, &m); err != nil {
		return nil, m, fmt.Errorf("builtin defaults manifest: %w", err)
	}
	return defaultsWasm, m, nil
}
