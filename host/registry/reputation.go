package registry

import (
	"bytes"
	"maps"
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

// Checkpoint is the fold of every event before BeforeMillis: what a ledger
// keeps of them once they are forgotten.
type Checkpoint struct {
	BeforeMillis int64                     `json:"beforeMillis"`
	Scores       map[common.Address]uint32 `json:"scores"`
}

// Ledger keeps reputation as a deterministic fold over a set of events:
// clamping to [0, 100] makes the order matter, so every node folds the
// same events in the same order (time, then request id, then outcome) and
// gets the same scores whatever order gossip delivered them in.
//
// Events only need keeping while one could still arrive out of order, so
// Compact folds those older than a horizon into a checkpoint and drops
// them; an event older than the checkpoint comes too late and is refused.
// Slashes are not part of the fold: equivocation evidence carries no time
// that every node agrees on, so each slash (rare, and kept for good)
// takes its penalty off the folded score.
type Ledger struct {
	mu      sync.Mutex
	events  map[common.Address][]Event // after the checkpoint, in fold order
	kept    int                        // events in events
	cp      Checkpoint
	slashes map[common.Address]map[common.Hash]bool
	scores  map[common.Address]uint32 // fold cache, without slashes; dropped on change
	onAdd   func(Event)               // if set, sees each new event, with mu held
	onCheck func(Checkpoint)          // if set, sees each new checkpoint, with mu held
}

// NewLedger returns an empty ledger: every node starts at
// InitialReputation.
func NewLedger() *Ledger {
	return &Ledger{
		events:  map[common.Address][]Event{},
		cp:      Checkpoint{Scores: map[common.Address]uint32{}},
		slashes: map[common.Address]map[common.Hash]bool{},
		scores:  map[common.Address]uint32{},
	}
}

// Add records e and reports whether it was new; an event from before the
// checkpoint is not.
func (l *Ledger) Add(e Event) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e.Outcome == Slashed {
		if l.slashes[e.Node][e.RequestID] {
			return false
		}
		if l.slashes[e.Node] == nil {
			l.slashes[e.Node] = map[common.Hash]bool{}
		}
		l.slashes[e.Node][e.RequestID] = true
	} else if e.AtMillis < l.cp.BeforeMillis {
		return false
	} else if !l.insert(e) {
		return false
	}
	if l.onAdd != nil {
		l.onAdd(e)
	}
	return true
}

func (l *Ledger) insert(e Event) bool {
	evs := l.events[e.Node]
	if n := len(evs); n == 0 || compareEvents(evs[n-1], e) < 0 {
		// The usual case, an event after all the others: appended, and
		// the score moves by one step instead of a fold over them all.
		l.events[e.Node] = append(evs, e)
		l.kept++
		if s, ok := l.scores[e.Node]; ok {
			l.scores[e.Node] = uint32(step(int(s), e))
		}
		return true
	}
	i, found := slices.BinarySearchFunc(evs, e, compareEvents)
	if found {
		return false
	}
	l.events[e.Node] = slices.Insert(evs, i, e)
	l.kept++
	delete(l.scores, e.Node)
	return true
}

// Score is the node's reputation, 0..100.
func (l *Ledger) Score(node common.Address) uint32 {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, ok := l.scores[node]
	if !ok {
		s = l.fold(node, len(l.events[node]))
		l.scores[node] = s
	}
	return uint32(max(0, int(s)+len(l.slashes[node])*int(Slashed)))
}

// fold is the node's score after the checkpoint and its first n events.
func (l *Ledger) fold(node common.Address, n int) uint32 {
	s, ok := l.cp.Scores[node]
	if !ok {
		s = InitialReputation
	}
	for _, e := range l.events[node][:n] {
		s = uint32(step(int(s), e))
	}
	return s
}

// step is the fold's step: score s after event e.
func step(s int, e Event) int {
	floor := 0
	if e.Outcome == Timeout {
		floor = min(s, TimeoutFloor) // a timeout never takes a node below the floor, nor raises it
	}
	return min(MaxReputation, max(floor, s+int(e.Outcome)))
}

// Compact folds every event before beforeMillis into the checkpoint and
// forgets it. It reports how many events it folded.
func (l *Ledger) Compact(beforeMillis int64) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if beforeMillis <= l.cp.BeforeMillis {
		return 0
	}
	folded := 0
	scores := maps.Clone(l.cp.Scores)
	for node, evs := range l.events {
		n, _ := slices.BinarySearchFunc(evs, beforeMillis, func(e Event, t int64) int { return cmpInt(e.AtMillis, t) })
		if n == 0 {
			continue
		}
		scores[node] = l.fold(node, n)
		folded += n
		if n == len(evs) {
			delete(l.events, node)
		} else {
			l.events[node] = slices.Clone(evs[n:]) // lets the folded ones go
		}
	}
	l.kept -= folded
	l.cp = Checkpoint{BeforeMillis: beforeMillis, Scores: scores}
	if l.onCheck != nil {
		l.onCheck(l.cp)
	}
	return folded
}

// Len is how many events the ledger keeps: those after its checkpoint,
// and slashes.
func (l *Ledger) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := l.kept
	for _, s := range l.slashes {
		n += len(s)
	}
	return n
}

// restore starts an empty ledger from a stored checkpoint.
func (l *Ledger) restore(cp Checkpoint) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if cp.Scores == nil {
		cp.Scores = map[common.Address]uint32{}
	}
	l.cp = cp
	clear(l.scores)
}

// Events returns every event kept (the checkpoint's are gone), in fold
// order per node, slashes first.
func (l *Ledger) Events() []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Event
	for node, reqs := range l.slashes {
		for id := range reqs {
			out = append(out, Event{Node: node, RequestID: id, Outcome: Slashed})
		}
	}
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
