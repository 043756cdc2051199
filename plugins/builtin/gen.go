package builtin

// selection.wasm and defaults.wasm: the AssemblyScript modules
// sdk-plugins/examples/selection-as builds (its npm build script, run by
// `make generate` before this), copied; selection serves select, defaults
// serves price, preprocess and postprocess. Each manifest takes its
// self-tests from abi/testdata/vectors.json.
//go:generate go run ./internal/gen -prebuilt ../../sdk-plugins/examples/selection-as/build/selection.wasm -name ncn-selection -kinds select -vectors ../../abi/testdata/vectors.json -wasm selection.wasm -manifest selection.manifest.json
//go:generate go run ./internal/gen -prebuilt ../../sdk-plugins/examples/selection-as/build/defaults.wasm -name ncn-defaults -kinds price,preprocess,postprocess -vectors ../../abi/testdata/vectors.json -wasm defaults.wasm -manifest defaults.manifest.json
