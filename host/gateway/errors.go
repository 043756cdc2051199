package gateway

import (
	"errors"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
)

// Sentinel errors of the ledger; callers test them with errors.Is.
var (
	// ErrNotFound: no request with that id.
	ErrNotFound = errors.New("gateway ledger: no such request")
	// ErrExists: Create was given a request id the ledger already holds
	// (under another idempotency key, or none).
	ErrExists = errors.New("gateway ledger: request id already exists")
	// ErrIdempotencyConflict: the client's idempotency key is already
	// bound to a request with different parameters.
	ErrIdempotencyConflict = errors.New("gateway ledger: idempotency key reused with different parameters")
	// ErrConflict: the request is not in the state the caller expected
	// (someone else moved it first). Returned as a *ConflictError.
	ErrConflict = errors.New("gateway ledger: request is not in the expected state")
	// ErrIllegalTransition: the graph has no such edge. Returned as a
	// *TransitionError.
	ErrIllegalTransition = errors.New("gateway ledger: illegal transition")
	// ErrInvalidRecord: a record breaks the ledger's rules (a missing or
	// malformed field, a field changed that is frozen in its state).
	ErrInvalidRecord = errors.New("gateway ledger: invalid record")
	// ErrCorrupt: stored data does not decode or breaks the ledger's
	// rules; the file was damaged or written by something else.
	ErrCorrupt = errors.New("gateway ledger: corrupt data")
	// ErrFormat: the file is not a ledger, or one of another format
	// version.
	ErrFormat = errors.New("gateway ledger: unknown file format")
)

// TransitionError is a transition the graph does not have.
type TransitionError struct {
	From, To State
}

func (e *TransitionError) Error() string {
	why := "no such edge"
	switch {
	case e.From.Terminal():
		why = e.From.String() + " is terminal"
	case e.From == e.To:
		why = "a request does not move to its own state (Update changes a record in place)"
	}
	return fmt.Sprintf("gateway ledger: illegal transition %s → %s: %s", e.From, e.To, why)
}

// Is makes errors.Is(err, ErrIllegalTransition) hold.
func (e *TransitionError) Is(target error) bool { return target == ErrIllegalTransition }

// ConflictError is a compare-and-set that found another state.
type ConflictError struct {
	ID        common.Hash
	Want, Got State
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("gateway ledger: request %x is %s, not %s", e.ID[:8], e.Got, e.Want)
}

// Is makes errors.Is(err, ErrConflict) hold.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// Sentinel errors of the gateway role. Each maps to one gRPC status code
// (grpcError) and HTTP status; the message says what to do.
var (
	// ErrBadRequest: the request is malformed (INVALID_ARGUMENT).
	ErrBadRequest = errors.New("bad request")
	// ErrUnknownSubnet: no such subnet, or not served here (NOT_FOUND).
	ErrUnknownSubnet = errors.New("unknown subnet")
	// ErrUnknownModel: the subnet has no such model (NOT_FOUND).
	ErrUnknownModel = errors.New("unknown model")
	// ErrUnknownQuote: no quote with that id from this gateway: forged,
	// from another gateway, or issued before a restart (NOT_FOUND).
	ErrUnknownQuote = errors.New("unknown quote")
	// ErrQuoteExpired: the quote is past its expiry (FAILED_PRECONDITION).
	ErrQuoteExpired = errors.New("quote expired")
	// ErrStaleQuote: the subnet's plugins or parameters changed since the
	// quote; validators would refuse it (FAILED_PRECONDITION).
	ErrStaleQuote = errors.New("quote priced at a superseded subnet configuration")
	// ErrSubnetNotReady: the gateway cannot run the subnet's current
	// plugins (FAILED_PRECONDITION).
	ErrSubnetNotReady = errors.New("subnet not ready")
	// ErrInputRefused: the subnet's preprocess plugin refused the input
	// (INVALID_ARGUMENT).
	ErrInputRefused = errors.New("input refused")
	// ErrNoComputeNode: no compute node can take the request now
	// (UNAVAILABLE).
	ErrNoComputeNode = errors.New("no compute node available")
	// ErrUnavailable: a part the gateway depends on (registry, chain) does
	// not answer (UNAVAILABLE).
	ErrUnavailable = errors.New("dependency unavailable")
	// ErrUnknownRequest: no request with that id (NOT_FOUND).
	ErrUnknownRequest = errors.New("unknown request")
	// ErrWrongState: the request is not in a state that allows the call
	// (FAILED_PRECONDITION).
	ErrWrongState = errors.New("request in the wrong state")
	// ErrNotPaid: the escrow holds no matching deposit for the request
	// (FAILED_PRECONDITION).
	ErrNotPaid = errors.New("payment not found")
	// ErrForbidden: the caller may not do this: a signature that does not
	// recover to the node it names, a node other than the request's
	// (PERMISSION_DENIED).
	ErrForbidden = errors.New("forbidden")
	// ErrRateLimited: too many requests from the caller (RESOURCE_EXHAUSTED).
	ErrRateLimited = errors.New("rate limited")
)
