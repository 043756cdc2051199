package registry

import (
	"bytes"
	"slices"
	"sync"

	"github.com/ethereum/go-ethereum/common"
)

// Outcome is what a reputation event records, with its weight from the
// validation design.
type Outcome int8

// Outcomes and their deltas.
const (
	Success          Outcome = 1   // +1: signed with the majority
	FailedValidation Outcome = -2  // -2: disagreed with the outcome (signed a bad request, or refused a good one)
	Timeout          Outcome = -5  // -5: did not answer in time
	Slashed          Outcome = -20 // -20: slashed on chain
)

// Reputation bounds.
const (
	InitialReputation = 50
	MaxReputation     = 100
	// TimeoutFloor is as low as timeouts alone take a node: being offline
	// is liveness's business (a node that stops heartbeating is not
	// selected), exclusion is for wrong answers. Without it a validator
	// that missed a handful of rounds in an outage fell below the
	// selection minimum (20 by default) and, never selected again, could
	// never earn its way back.
	TimeoutFloor = 20
)

// Event is one reputation change, identified by (node, request, outcome)
// so a replayed or re-gossiped event counts once.
type Event struct {
	Node      common.Address
	RequestID common.Hash
	Outcome   Outcome
	AtMillis  int64 // when the coordinator decided; the fold's order
}

// Ledger keeps reputation as a deterministic fold over a set of events:
// clamping to [0, 100] makes the order matter, so every node folds the
// same events in the same order (time, then request id, then outcome) and
// gets the same scores whatever order gossip delivered them in.
type Ledger struct {
	mu     sync.Mutex
	events map[common.Address][]Event
	scores map[common.Address]uint32 // cache, dropped on change
	onAdd  func(Event)               // if set, sees each new event, with mu held
}

// NewLedger returns an empty ledger: every node starts at
// InitialReputation.
func NewLedger() *Ledger {
	return &Ledger{events: map[common.Address][]Event{}, scores: map[common.Address]uint32{}}
}

// Add records e and reports whether it was new.
func (l *Ledger) Add(e Event) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	evs := l.events[e.Node]
	if n := len(evs); n == 0 || compareEvents(evs[n-1], e) < 0 {
		// The usual case, an event after all the others: appended, and
		// the score moves by one step instead of a fold over them all.
		l.events[e.Node] = append(evs, e)
		if s, ok := l.scores[e.Node]; ok {
			l.scores[e.Node] = uint32(step(int(s), e))
		}
	} else {
		i, found := slices.BinarySearchFunc(evs, e, compareEvents)
		if found {
			return false
		}
		l.events[e.Node] = slices.Insert(evs, i, e)
		delete(l.scores, e.Node)
	}
	if l.onAdd != nil {
		l.onAdd(e)
	}
	return true
}

// Score is the node's reputation, 0..100.
func (l *Ledger) Score(node common.Address) uint32 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if s, ok := l.scores[node]; ok {
		return s
	}
	s := int(InitialReputation)
	for _, e := range l.events[node] {
		s = step(s, e)
	}
	l.scores[node] = uint32(s)
	return uint32(s)
}

// step is the fold's step: score s after event e.
func step(s int, e Event) int {
	floor := 0
	if e.Outcome == Timeout {
		floor = min(s, TimeoutFloor) // a timeout never takes a node below the floor, nor raises it
	}
	return min(MaxReputation, max(floor, s+int(e.Outcome)))
}

// Events returns every event, in fold order per node, for replication.
func (l *Ledger) Events() []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Event
	for _, evs := range l.events {
		out = append(out, evs...)
	}
	slices.SortFunc(out, func(a, b Event) int {
		if c := bytes.Compare(a.Node[:], b.Node[:]); c != 0 {
			return c
		}
		return compareEvents(a, b)
	})
	return out
}

func compareEvents(a, b Event) int {
	switch {
	case a.AtMillis != b.AtMillis:
		return cmpInt(a.AtMillis, b.AtMillis)
	case a.RequestID != b.RequestID:
		return bytes.Compare(a.RequestID[:], b.RequestID[:])
	default:
		return cmpInt(int64(a.Outcome), int64(b.Outcome))
	}
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
