package plugins

import (
	"errors"
	"fmt"

	"github.com/ncn-network/ncn/abi"
)

var (
	// ErrBadManifest is a manifest that is malformed or inconsistent with
	// its module.
	ErrBadManifest = errors.New("bad plugin manifest")
	// ErrSignature is a manifest whose signature is missing or not the owner's.
	ErrSignature = errors.New("plugin manifest signature invalid")
	// ErrSelfTest is a plugin whose own self-test vectors fail.
	ErrSelfTest = errors.New("plugin self-test failed")
	// ErrClosed is a call on a closed plugin.
	ErrClosed = errors.New("plugin closed")
)

// CallError is a failed plugin call: which plugin, which kind, and the
// abi error (its Code says why: trap, budget_exhausted, memory_limit, ...).
type CallError struct {
	Plugin  string // name@version
	Kind    abi.Kind
	Err     *abi.Error
	Details string // the runtime's own words, for logs
}

func (e *CallError) Error() string {
	msg := fmt.Sprintf("plugin %s %s: %s", e.Plugin, e.Kind, e.Err)
	if e.Details != "" {
		msg += " (" + e.Details + ")"
	}
	return msg
}

// Unwrap exposes the abi error, so errors.Is(err, &abi.Error{Code: ...}) works.
func (e *CallError) Unwrap() error { return e.Err }

// Code is the abi code of err, or "" when err is not a plugin call error.
func Code(err error) abi.Code {
	var ce *CallError
	if errors.As(err, &ce) {
		return ce.Err.Code
	}
	var ae *abi.Error
	if errors.As(err, &ae) {
		return ae.Code
	}
	return ""
}
