package gateway

import (
	"fmt"
	"slices"
)

// State is where a request is in its life. The zero value is no state and
// is never stored.
type State uint8

// The states of a request, in the order of DESIGN.md "One paid request".
const (
	StateQuoted              State = iota + 1 // priced and quoted, nothing reserved or signed yet
	StateValidated                            // M of N validators signed the Preprocessing message
	StatePaid                                 // the client's deposit is in the escrow
	StateDispatched                           // the task was handed to the reserved compute node
	StateComputed                             // the compute node returned a signed result
	StateCompletionValidated                  // M of N validators signed the Completion message
	StateSettled                              // terminal: the escrow paid out the tree
	StateFailed                               // paid but will not complete: the deposit is to be refunded
	StateRefunded                             // terminal: the deposit went back to the payer
	StateReleased                             // terminal, unpaid: the reservation was released (refused, node lost)
	StateCancelled                            // terminal, unpaid: the client cancelled before paying
	StateExpiredUnpaid                        // terminal, unpaid: the quote expired before any payment
	numStates
)

var stateNames = [numStates]string{
	StateQuoted:              "quoted",
	StateValidated:           "validated",
	StatePaid:                "paid",
	StateDispatched:          "dispatched",
	StateComputed:            "computed",
	StateCompletionValidated: "completion-validated",
	StateSettled:             "settled",
	StateFailed:              "failed",
	StateRefunded:            "refunded",
	StateReleased:            "released",
	StateCancelled:           "cancelled",
	StateExpiredUnpaid:       "expired-unpaid",
}

// Valid reports whether s is one of the states above.
func (s State) Valid() bool { return s > 0 && s < numStates }

func (s State) String() string {
	if !s.Valid() {
		return fmt.Sprintf("State(%d)", uint8(s))
	}
	return stateNames[s]
}

// Terminal reports whether a request in s is finished: its record never
// changes again.
func (s State) Terminal() bool {
	switch s {
	case StateSettled, StateRefunded, StateReleased, StateCancelled, StateExpiredUnpaid:
		return true
	}
	return false
}

// Escrowed reports whether a request in s has a deposit in the escrow that
// is neither paid out nor refunded yet: such a request can only end
// settled or refunded, and a restarted gateway must drive it there.
func (s State) Escrowed() bool {
	switch s {
	case StatePaid, StateDispatched, StateComputed, StateCompletionValidated, StateFailed:
		return true
	}
	return false
}

// MarshalText encodes s by name, the form stored in records.
func (s State) MarshalText() ([]byte, error) {
	if !s.Valid() {
		return nil, fmt.Errorf("%w: state %d", ErrInvalidRecord, uint8(s))
	}
	return []byte(stateNames[s]), nil
}

// UnmarshalText parses a state name.
func (s *State) UnmarshalText(b []byte) error {
	p, err := ParseState(string(b))
	if err != nil {
		return err
	}
	*s = p
	return nil
}

// ParseState parses a state name as String prints it.
func ParseState(name string) (State, error) {
	for s := StateQuoted; s < numStates; s++ {
		if stateNames[s] == name {
			return s, nil
		}
	}
	return 0, fmt.Errorf("%w: unknown state %q", ErrInvalidRecord, name)
}

// Edge is one transition the ledger allows, and when a gateway takes it.
type Edge struct {
	From, To State
	When     string
}

// edges is the whole transition graph: Transition refuses any pair not
// listed. It is acyclic, terminal states have no way out, settled and
// refunded are reachable only through paid, and from paid only settled and
// refunded are reachable (graph_test.go checks each of these).
var edges = [...]Edge{
	{StateQuoted, StateValidated, "M of N validators signed the Preprocessing message"},
	{StateQuoted, StateReleased, "preprocessing or validation refused the request, or no compute node could be reserved"},
	{StateQuoted, StateCancelled, "the client cancelled"},
	{StateQuoted, StateExpiredUnpaid, "the quote expired"},

	// Once validated the client holds signatures it can pay with until
	// the quote expires; a gateway releasing or cancelling earlier must be
	// ready to see a late payment, which handleExpiredRequest refunds.
	{StateValidated, StatePaid, "the client's initiateInferenceRequest was accepted and its deposit checked"},
	{StateValidated, StateReleased, "the reserved compute node was lost before payment"},
	{StateValidated, StateCancelled, "the client cancelled before paying"},
	{StateValidated, StateExpiredUnpaid, "the quote expired without a payment"},

	// After payment the tree names one compute node, so there is no
	// retry elsewhere: every failure goes to failed and a refund.
	{StatePaid, StateDispatched, "the task was sent to the reserved compute node"},
	{StatePaid, StateFailed, "the task could not be dispatched"},
	{StateDispatched, StateComputed, "the compute node returned a signed result"},
	{StateDispatched, StateFailed, "compute failed, or timed out past its retries"},
	{StateComputed, StateCompletionValidated, "M of N validators signed the Completion message"},
	{StateComputed, StateFailed, "validators refused the result"},
	{StateCompletionValidated, StateSettled, "completeInferenceRequest was mined: the tree paid out"},
	{StateCompletionValidated, StateFailed, "settlement failed past its retry limit"},

	{StateFailed, StateRefunded, "markRequestFailed or handleExpiredRequest returned the deposit to the payer"},
	// A settlement sent before the gateway gave up can still be mined;
	// the refund then reverts and the chain says settled. Only a request
	// that reached completion-validated can take this edge (see check).
	{StateFailed, StateSettled, "a completeInferenceRequest sent before the failure was mined after all"},
}

// Edges returns the transition graph, for documentation and tools.
func Edges() []Edge { return slices.Clone(edges[:]) }

// Allowed reports whether the ledger lets a request move from one state
// to the other.
func Allowed(from, to State) bool {
	for _, e := range edges {
		if e.From == from && e.To == to {
			return true
		}
	}
	return false
}
