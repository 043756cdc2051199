//go:build !wasip1

// Command defaults is the network's default plugin; it is WebAssembly only
// (see main.go, built with GOOS=wasip1 GOARCH=wasm).
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "defaults is a WebAssembly plugin: build it with GOOS=wasip1 GOARCH=wasm (ncn plugin build)")
	os.Exit(2)
}
