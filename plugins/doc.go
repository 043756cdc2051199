// Package plugins runs the network's policy plugins: WebAssembly modules
// (any Extism PDK) that rank nodes, price requests and pre/postprocess
// data, loaded and swapped while the host runs.
//
// A plugin is its .wasm and a signed Manifest. Loading verifies the hash,
// rewrites the module so every call runs under a deterministic instruction
// budget (internal/meter), compiles it (through a wazero compilation cache
// on disk when configured) and runs the manifest's self-tests. Calls go to
// a pool of instances, since an instance is not safe for concurrent use;
// an instance that failed in any way is discarded, never reused. A module
// that imports nothing but WASI and the host's own functions (abi.IOModule)
// runs on wazero directly; any other goes through the Extism kernel.
//
// Determinism is the contract validators rely on to re-run a price: no
// clock (WASI clocks are fixed), no entropy (a fixed source), no files, no
// network, no environment but GOMEMLIMIT; the request's seed is part of the
// input. The budget gives the same verdict on every machine; the
// wall-clock backstop only stops waiting for a call, it never decides one.
package plugins
