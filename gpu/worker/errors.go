package worker

import (
	"context"
	"errors"
	"fmt"

	"github.com/ncn-network/ncn/gpu/worker/workerpb"
)

var (
	// ErrFrameTooLarge: a frame's length exceeds the limit. On the read side
	// the stream cannot be resynchronised and the worker is replaced; on
	// the write side nothing was written and the worker stays usable.
	ErrFrameTooLarge = errors.New("frame too large")
	// ErrMalformedFrame: a frame's body is not a valid protobuf message.
	ErrMalformedFrame = errors.New("malformed frame")

	// ErrManifest: a bundle's manifest is missing, not JSON, or lacks or
	// misstates a required field.
	ErrManifest = errors.New("invalid model manifest")
	// ErrChecksum: a bundle's files do not match the manifest (a file
	// changed, is missing, or is present but not listed).
	ErrChecksum = errors.New("model bundle does not match its manifest")
	// ErrDigest: the manifest is not the one the caller expected
	// (Config.Digest).
	ErrDigest = errors.New("model manifest digest mismatch")
	// ErrModelRefused: the worker refused the bundle (its own verification
	// or self-test failed, or the model could not be built).
	ErrModelRefused = errors.New("worker refused the model")

	// ErrWorkerExited: the worker process ended while it owed a response.
	ErrWorkerExited = errors.New("worker exited")
	// ErrProtocol: the worker sent a frame the protocol does not allow
	// here (wrong request id, a Hello mid-stream, ...).
	ErrProtocol = errors.New("worker protocol violation")
	// ErrStartTimeout: the worker did not say Hello within StartTimeout.
	ErrStartTimeout = errors.New("worker start timed out")

	// ErrBusy: every slot stayed busy for Config.QueueTimeout.
	ErrBusy = errors.New("all workers busy")
	// ErrClosed: the pool is closed.
	ErrClosed = errors.New("worker pool closed")

	// ErrInvalidInput: the model refused the input or params (bad JSON,
	// schema mismatch, characters outside the vocabulary, ...). The
	// caller's fault; the worker keeps serving.
	ErrInvalidInput = errors.New("invalid model input")
	// ErrDeadline: the request's deadline passed before the model
	// finished. Also matches context.DeadlineExceeded.
	ErrDeadline = errors.New("model deadline exceeded")
	// ErrModelFailed: the model failed on a valid input.
	ErrModelFailed = errors.New("model failed")
)

// ModelError is an Error frame from the worker: a request the worker
// answered with a failure. errors.Is maps its code onto the sentinels above.
type ModelError struct {
	Code    workerpb.Error_Code
	Message string
}

func (e *ModelError) Error() string {
	return fmt.Sprintf("model: %s: %s", e.Code, e.Message)
}

// Is lets callers test codes with the package sentinels.
func (e *ModelError) Is(target error) bool {
	switch e.Code {
	case workerpb.Error_INVALID_INPUT, workerpb.Error_INVALID_PARAMS:
		return target == ErrInvalidInput
	case workerpb.Error_DEADLINE_EXCEEDED:
		return target == ErrDeadline || target == context.DeadlineExceeded
	case workerpb.Error_OUTPUT_TOO_LARGE:
		return target == ErrFrameTooLarge
	case workerpb.Error_MODEL_INVALID:
		return target == ErrModelRefused
	case workerpb.Error_FRAMING:
		return target == ErrMalformedFrame
	case workerpb.Error_UNSUPPORTED:
		return target == ErrProtocol
	default:
		return target == ErrModelFailed
	}
}

// deadlineError is a deadline the host enforced itself (the worker did not
// answer in time and was killed).
type deadlineError struct{ msg string }

func (e deadlineError) Error() string { return e.msg }
func (e deadlineError) Is(target error) bool {
	return target == ErrDeadline || target == context.DeadlineExceeded
}
