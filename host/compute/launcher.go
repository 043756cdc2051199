package compute

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/ncn-network/ncn/gpu/worker"
	"github.com/ncn-network/ncn/sandbox"
)

// SandboxLauncher starts model workers inside the sandbox: it is the
// worker pool's Launcher on a compute node.
type SandboxLauncher struct {
	// Policy is the base for every worker: layers, limits, deny errno.
	// Launch adds the system paths and the worker's read-only paths, and
	// makes the worker's scratch directory its only writable one.
	Policy sandbox.Policy
	// Devices are device nodes the worker needs (a GPU slot's
	// /dev/nvidia*), from gpu.Plan.
	Devices []string
}

// Launch starts c under the policy. The sandbox lives until the pool kills
// or waits for it, not for ctx, which bounds only the start.
func (l SandboxLauncher) Launch(ctx context.Context, c worker.Command) (worker.Process, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p := l.Policy
	p.ReadOnly = slices.Clone(p.ReadOnly)
	for _, path := range append(sandbox.SystemPaths(), c.ReadOnly...) {
		if !slices.Contains(p.ReadOnly, path) {
			p.ReadOnly = append(p.ReadOnly, path)
		}
	}
	p.ReadWrite = []string{c.Scratch}
	if p.ScratchBytes == 0 {
		p.ScratchBytes = DefaultScratchBytes
	}
	p.Devices = append(slices.Clone(p.Devices), l.Devices...)
	if err := p.PrepareScratch(c.Scratch); err != nil {
		return nil, fmt.Errorf("worker scratch: %w", err)
	}
	dir := c.Dir
	if dir == "" {
		dir = c.Scratch
	}
	proc, err := sandbox.Start(context.WithoutCancel(ctx), p, sandbox.Cmd{
		Path:   c.Path,
		Args:   append([]string{c.Path}, c.Args...),
		Env:    c.Env,
		Dir:    dir,
		Stdin:  c.Stdin,
		Stdout: c.Stdout,
		Stderr: c.Stderr,
	})
	if err != nil {
		return nil, fmt.Errorf("start sandboxed worker: %w", err)
	}
	return proc, nil
}

// DefaultScratchBytes caps what a worker writes to its scratch directory,
// all files together (a tmpfs charged to its memory cgroup), unless the
// policy says otherwise.
const DefaultScratchBytes = 256 << 20

// NewSandboxLauncher chooses the layers for profile on this kernel: a
// strict profile missing a layer is an error naming it (compute refuses to
// start), a permissive one returns the layers it dropped so the caller can
// say so.
func NewSandboxLauncher(profile sandbox.Profile, base sandbox.Policy) (SandboxLauncher, []sandbox.Layer, error) {
	layers, dropped, err := sandbox.ForProfile(profile, sandbox.Check())
	if err != nil {
		return SandboxLauncher{}, nil, fmt.Errorf("compute sandbox (profile %s): %w", profile, err)
	}
	base.Layers = layers
	// What sandboxes of a compute node that died left behind.
	sandbox.Sweep(time.Minute)
	return SandboxLauncher{Policy: base}, dropped, nil
}
