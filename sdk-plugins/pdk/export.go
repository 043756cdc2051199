//go:build wasip1

package pdk

import "unsafe"

// The host's input and output functions (abi.IOModule): the whole input
// and output in one host call each, where the Extism kernel's take one per
// 8 bytes. A module that imports them gets its input only through them.

//go:wasmimport ncn_io input_length
func inputLength() uint32

//go:wasmimport ncn_io input_read
func inputRead(dst unsafe.Pointer, n uint32) uint32

//go:wasmimport ncn_io output_write
func outputWrite(src unsafe.Pointer, n uint32)

// Select runs f on this call's input and sets the output; return its
// result from a `//go:wasmexport select` function.
func Select(f SelectFunc) int32 { return respond(RunSelect(input(), f)) }

// Price runs f on this call's input and sets the output.
func Price(f PriceFunc) int32 { return respond(RunPrice(input(), f)) }

// Preprocess runs f on this call's input and sets the output.
func Preprocess(f PreprocessFunc) int32 { return respond(RunPreprocess(input(), f)) }

// Postprocess runs f on this call's input and sets the output.
func Postprocess(f PostprocessFunc) int32 { return respond(RunPostprocess(input(), f)) }

func input() []byte {
	n := inputLength()
	if n == 0 {
		return nil
	}
	b := make([]byte, n)
	return b[:inputRead(unsafe.Pointer(&b[0]), n)]
}

func respond(out []byte, code int32) int32 {
	outputWrite(unsafe.Pointer(unsafe.SliceData(out)), uint32(len(out)))
	return code
}
