// Package pdk is what a plugin author imports to write an NCN plugin in Go:
// typed inputs and outputs from abi, both encodings handled, and one line to
// export a kind:
//
//	//go:wasmexport select
//	func rank() int32 { return pdk.Select(myRanking) }
//
// Build with `ncn plugin build DIR` (GOOS=wasip1 GOARCH=wasm go build
// -buildmode=c-shared). The Run* functions hold all the logic and compile
// for any target, so a plugin's code can be tested, fuzzed and benchmarked
// natively; the exported wrappers (wasip1 only) just move bytes in and out
// through the host's I/O functions (abi.IOModule).
package pdk
