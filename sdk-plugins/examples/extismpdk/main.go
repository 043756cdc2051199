//go:build wasip1

// Command extismpdk is the default price formula built with the plain
// Extism Go PDK instead of sdk-plugins/pdk: it moves its input and output
// through the Extism kernel, as a plugin from any Extism PDK does, rather
// than through the host's ncn_io functions. The plugins tests build it to
// check that path still works:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o extismpdk.wasm ./sdk-plugins/examples/extismpdk
package main

import (
	extism "github.com/extism/go-pdk"

	"github.com/ncn-network/ncn/sdk-plugins/examples/pricing"
	"github.com/ncn-network/ncn/sdk-plugins/pdk"
)

//go:wasmexport price
func price() int32 {
	out, code := pdk.RunPrice(extism.Input(), pricing.Price)
	extism.Output(out)
	return code
}

func main() {}
