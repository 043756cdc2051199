// Package workerpb is the generated Go side of the host <-> model worker
// protocol (worker.proto); the Python side is python/ncnworker/worker_pb2.py.
// Regenerate both with `make generate` (see ../gen.go).
package workerpb
