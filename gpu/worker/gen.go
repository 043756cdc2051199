package worker

// The protocol: Go (protoc-gen-go, pinned in go.mod as a tool) and Python
// (protoc's built-in generator; Debian protobuf-compiler 3.21.12 to match
// python3-protobuf) from the one .proto.
//go:generate sh -c "protoc --plugin=protoc-gen-go=$(go tool -n protoc-gen-go) -I workerpb --go_out=workerpb --go_opt=paths=source_relative --python_out=python/ncnworker worker.proto"

// The model bundles, retrained from their committed scripts and data; the
// scripts are deterministic, so an unchanged script gives identical bytes.
//go:generate /usr/bin/python3 -B train/train_digits.py --out models/digits
//go:generate /usr/bin/python3 -B train/train_charlm.py --out models/charlm
