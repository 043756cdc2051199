// Package examples holds the example plugins: the default strategies, price
// formula and guards as plain Go (selection, pricing, guard), the module that
// exports them (defaults), and an AssemblyScript plugin (reputation-as, now
// all five strategies) that proves the ABI is language-neutral and is the
// lean select; extismpdk is the price formula built with the plain Extism
// Go PDK, the kernel's I/O path that any Extism plugin takes. Its test checks the native
// implementations against abi/testdata/vectors.json.
package examples
