//go:build wasip1

// Command defaults is the network's default policies in Go, in one module
// (one module may serve several kinds): the five selection strategies, the
// price formula, the input guard and the output filter. The host ships
// their AssemblyScript twins (sdk-plugins/examples/selection-as, much
// smaller and faster to load); this build is an example and the Go
// comparison in tests and benchmarks, which build it as an author would:
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
