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
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv})
	stop()
	os.Exit(code)
}
