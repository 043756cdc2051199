//go:build wasip1

// Command defaults is the network's default price formula, input guard and
// output filter, in one module (one module may serve several kinds). It
// exports the five selection strategies too, but its manifest does not
// declare them: the host's select is selection-as, and this Go build is its
// twin in tests and benchmarks. Built by `make generate` into
// plugins/builtin/defaults.wasm:
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
