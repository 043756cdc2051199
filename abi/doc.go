// Package abi is the contract between the host and its WebAssembly plugins:
// the four plugin kinds and their exports, the versioned input and output
// documents of each, the error codes that cross the boundary, and the test
// vectors every implementation must pass (testdata/).
//
// JSON is the canonical, documented form: any Extism PDK (Go, Rust,
// AssemblyScript, ...) can read and write it. The hot kinds, select and
// price, also have a compact binary form (binary.go) with hand-written,
// non-reflective codecs, because decoding a hundred candidates from JSON
// costs a Go plugin far more than ranking them. A document's first byte
// tells the forms apart: '{' is JSON, anything else must be a binary
// magic. A plugin answers in the form it was asked in.
//
// Host functions: a plugin gets everything it may use in its input, so the
// host offers none beyond the Extism kernel's (input, output, memory) and
// a faster way to move the same input and output, IOModule. The kernel's
// HTTP, variables and files are switched off, WASI clocks and entropy are
// fixed, and the environment holds only GOMEMLIMIT and GOGC. The host
// meters every module by adding imports from the reserved "ncn_meter"
// namespace itself; a module that imports from it is refused.
//
// IOModule ("ncn_io") moves a call's whole input into the plugin's own
// memory, and its output out of it, in one host call each, where the
// Extism kernel takes a host call per 8 bytes. A module that imports it
// reads its input and writes its output only through it (the kernel's
// input is then empty and its output ignored); any other Extism plugin
// keeps the kernel's path. The functions (i32 are addresses and lengths in
// the plugin's memory):
//
//	input_length: () -> i32            the input's length in bytes
//	input_read:   (dst, len i32) -> i32 copies min(len, input length) bytes
//	                                    of the input to dst; returns the count
//	output_write: (src, len i32) -> ()  the output is len bytes at src (a
//	                                    later write replaces it); past the
//	                                    output limit the call fails with
//	                                    CodeOutputTooLarge
//
// They are deterministic, read nothing but the call's input, and are not
// metered: their cost is bounded by the input and output limits. An
// address outside memory traps.
//
// The package imports only the standard library, so plugins import it too.
package abi

// IOModule is the import namespace of the host's input and output functions.
const IOModule = "ncn_io"

// Version is the ABI version of the documents in this package. A plugin
// built for another version is refused at load time.
const Version = 1

// Kind is a kind of plugin. A plugin exports one function per kind it
// implements, named after the kind.
type Kind string

// The plugin kinds.
const (
	KindSelect      Kind = "select"      // rank candidates (compute nodes or validators)
	KindPrice       Kind = "price"       // price a request as a payment tree
	KindPreprocess  Kind = "preprocess"  // validate and transform a request's input
	KindPostprocess Kind = "postprocess" // transform a result
)

// AllKinds returns every kind, in a fixed order.
func AllKinds() []Kind { return []Kind{KindSelect, KindPrice, KindPreprocess, KindPostprocess} }

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	switch k {
	case KindSelect, KindPrice, KindPreprocess, KindPostprocess:
		return true
	}
	return false
}

// Export is the name of the function a plugin exports for k.
func (k Kind) Export() string { return string(k) }
