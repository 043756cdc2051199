// Package examples holds the example plugins: the default strategies, price
// formula and guards as plain Go (selection, pricing, guard), the Go module
// that exports them (defaults, the twin in tests and benchmarks), the same
// policies in AssemblyScript (selection-as: a select module and a defaults
// module, which prove the ABI is language-neutral and are the host's
// built-ins), and the price formula built with the plain Extism Go PDK
// (extismpdk), on the kernel's I/O path that any Extism plugin takes.
// This package's test checks the native implementations against
// abi/testdata/vectors.json.
package examples
