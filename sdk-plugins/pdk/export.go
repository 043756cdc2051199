//go:build wasip1

package pdk

import extism "github.com/extism/go-pdk"

// Select runs f on this call's input and sets the output; return its
// result from a `//go:wasmexport select` function.
func Select(f SelectFunc) int32 { return respond(RunSelect(extism.Input(), f)) }

// Price runs f on this call's input and sets the output.
func Price(f PriceFunc) int32 { return respond(RunPrice(extism.Input(), f)) }

// Preprocess runs f on this call's input and sets the output.
func Preprocess(f PreprocessFunc) int32 { return respond(RunPreprocess(extism.Input(), f)) }

// Postprocess runs f on this call's input and sets the output.
func Postprocess(f PostprocessFunc) int32 { return respond(RunPostprocess(extism.Input(), f)) }

func respond(out []byte, code int32) int32 {
	extism.Output(out)
	return code
}
