package builtin

// defaults.wasm: built from sdk-plugins/examples/defaults (reproducibly:
// -trimpath, no build id, debug info stripped); it serves price, preprocess
// and postprocess. selection.wasm: the AssemblyScript module
// sdk-plugins/examples/selection-as builds (its npm build script, run by
// `make generate` before this), copied; it serves select. Each manifest
// takes its self-tests from abi/testdata/vectors.json.
//go:generate go run ./internal/gen -src ../../sdk-plugins/examples/defaults -name ncn-defaults -kinds price,preprocess,postprocess -vectors ../../abi/testdata/vectors.json -wasm defaults.wasm -manifest defaults.manifest.json
//go:generate go run ./internal/gen -prebuilt ../../sdk-plugins/examples/selection-as/build/selection.wasm -name ncn-selection -kinds select -vectors ../../abi/testdata/vectors.json -wasm selection.wasm -manifest selection.manifest.json
