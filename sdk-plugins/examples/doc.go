// Package examples holds the example plugins: the default strategies, price
// formula and guards as plain Go (selection, pricing, guard), the module that
// exports them (defaults, whose select the host does not use), the five
// strategies in AssemblyScript (selection-as, both forms), which proves the
// ABI is language-neutral and is the host's built-in select, and the price formula built with the plain Extism Go
// PDK (extismpdk), on the kernel's I/O path that any Extism plugin takes.
// This package's test checks the native implementations against
// abi/testdata/vectors.json.
package examples
