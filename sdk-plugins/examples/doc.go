// Package examples holds the example plugins: the default strategies, price
// formula and guards as plain Go (selection, pricing, guard), the module that
// exports them (defaults), and an AssemblyScript plugin (reputation-as) that
// proves the ABI is language-neutral. Its test checks the native
// implementations against abi/testdata/vectors.json.
package examples
