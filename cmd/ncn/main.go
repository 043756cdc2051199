// Command ncn is the NCN host: one binary for every role of the network and
// the tools around them. Run `ncn --help` for its commands.
//
// This package only parses flags and the environment into configurations
// and wires library packages together; the logic lives in host/ and below.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/ncn-network/ncn/sandbox"
)

func main() {
	// A sandboxed command starts as this binary's stage two; it never
	// returns from here.
	sandbox.InitMain()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv})
	stop()
	os.Exit(code)
}
