//go:build wasip1

// Command defaults is the network's default plugin: the five selection
// strategies, the default price formula, the input guard and the output
// filter, in one module (one module may serve several kinds). Built by
// `make generate` into plugins/builtin/defaults.wasm:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -ldflags=-s -o defaults.wasm ./sdk-plugins/examples/defaults
package main

import (
	"github.com/ncn-network/ncn/sdk-plugins/examples/guard"
	"github.com/ncn-network/ncn/sdk-plugins/examples/pricing"
	"github.com/ncn-network/ncn/sdk-plugins/examples/selection"
	"github.com/ncn-network/ncn/sdk-plugins/pdk"
)

//go:wasmexport select
func rank() int32 { return pdk.Select(selection.Rank) }

//go:wasmexport price
func price() int32 { return pdk.Price(pricing.Price) }

//go:wasmexport preprocess
func preprocess() int32 { return pdk.Preprocess(guard.Preprocess) }

//go:wasmexport postprocess
func postprocess() int32 { return pdk.Postprocess(guard.Postprocess) }

func main() {}
