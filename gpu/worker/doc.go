// Package worker runs models in long-lived Python worker processes and talks
// to them over a framed protobuf protocol (workerpb/worker.proto) on the
// worker's stdin and stdout.
//
// The pieces, outside in:
//
//   - Pool keeps N warm workers for one model bundle, routes each request
//     to a free one, streams partial outputs back, health-checks idle
//     workers, replaces a worker after MaxRequests requests or when it
//     crashes, hangs or overruns a deadline, and applies back-pressure
//     (ErrBusy) when every slot is taken. host/compute owns one Pool per
//     model.
//   - Launcher starts one worker process. It is declared here, where it is
//     used, so that the host can pass the sandbox's launcher without this
//     package importing sandbox/; Exec is the unsandboxed one, for tests and
//     benchmarks.
//   - Bundle and Store: a model bundle is a directory with manifest.json
//     (name, version, runtime, task, input/output/params schemas, metrics,
//     the sha256 of every file); it is verified here before a worker starts
//     and again by the worker before it loads a byte. MODEL_PATH names a
//     Store, a directory of bundles.
//   - Encoder and Decoder: the length-prefixed frames (4-byte big-endian
//     length, then protobuf), refusing frames over a size limit.
//
// The Python side is in python/ (the worker; stdlib, numpy, torch and
// protobuf only) and is also embedded in this package, so a host binary can
// unpack it for a sandbox. The two shipped models, digits (numpy image
// classifier) and charlm (torch character-level text generator), are in
// models/, rebuilt byte for byte by the deterministic scripts in train/ when
// `make generate` runs.
package worker
