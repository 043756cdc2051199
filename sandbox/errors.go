package sandbox

import (
	"errors"
	"fmt"
)

// ErrDeadline reports that the sandboxed tree was killed at its wall-clock
// deadline.
var ErrDeadline = errors.New("sandbox: deadline exceeded, process tree killed")

// ErrUnknownLayer and ErrUnknownProfile report a name that is not one of
// Layers or Profiles.
var (
	ErrUnknownLayer   = errors.New("sandbox: unknown layer")
	ErrUnknownProfile = errors.New("sandbox: unknown profile")
)

// LayerError reports a layer the policy requires but this kernel or machine
// cannot provide; compute refuses to start on it unless the operator lowers
// the profile.
type LayerError struct {
	Layer  Layer
	Reason string
}

func (e *LayerError) Error() string {
	return fmt.Sprintf("sandbox layer %s unavailable: %s (lower the profile with SANDBOX_MODE or drop the layer explicitly to run without it)", e.Layer, e.Reason)
}

// SetupError reports a failure inside the sandbox's stage two, before the
// command was executed: which step failed and why.
type SetupError struct {
	Step string
	Err  string
}

func (e *SetupError) Error() string { return fmt.Sprintf("sandbox setup: %s: %s", e.Step, e.Err) }
