// Package examples holds the example plugins: the default strategies, price
// formula and guards as plain Go (selection, pricing, guard), the module that
// exports them (defaults), and an AssemblyScript plugin (reputation-as, now
// all five strategies) that proves the ABI is language-neutral and is the
// lean select. Its test checks the native
// implementations against abi/testdata/vectors.json.
package examples
