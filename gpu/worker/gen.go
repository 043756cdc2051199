package worker

// The protocol: Go (protoc-gen-go, pinned in go.mod as a tool) and Python
// (protoc's built-in generator; Debian protobuf-compiler 3.21.12 to match
// python3-protobuf) from the one .proto.
//go:generate sh -c "protoc --plugin=protoc-gen-go=$(go tool -n protoc-gen-go) -I workerpb --go_out=workerpb --go_opt=paths=source_relative --python_out=python/ncnworker worker.proto"

// The model bundles are rebuilt by `make models`, not here: the training
// scripts are deterministic on one CPU, but BLAS and torch pick kernels by
// CPU features, so another machine may round differently and `make check`
// would see drift that is not a change. TestShippedBundles verifies the
// committed bundles (hashes, manifest, recorded samples) instead.
