//go:build tools

// Package ncn pins, in go.mod, the required dependencies that later parts of
// the host will use before any package imports them (the plugin runtime,
// p2p, GPU detection, the sandbox, the state store). This file is never
// compiled: the tools tag only keeps `go mod tidy` from dropping the pins.
package ncn

import (
	_ "github.com/NVIDIA/go-nvml/pkg/nvml"
	_ "github.com/extism/go-sdk"
	_ "github.com/landlock-lsm/go-landlock/landlock"
	_ "github.com/libp2p/go-libp2p"
	_ "github.com/libp2p/go-libp2p-kad-dht"
	_ "github.com/seccomp/libseccomp-golang"
	_ "github.com/tetratelabs/wazero"
	_ "go.etcd.io/bbolt"
	_ "google.golang.org/grpc"
)
