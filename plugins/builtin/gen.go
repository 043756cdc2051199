package builtin

// Builds defaults.wasm from sdk-plugins/examples/defaults (reproducibly:
// -trimpath, no build id, debug info stripped) and writes its manifest with
// self-tests taken from abi/testdata/vectors.json.
//go:generate go run ./internal/gen -src ../../sdk-plugins/examples/defaults -vectors ../../abi/testdata/vectors.json -wasm defaults.wasm -manifest defaults.manifest.json
