package gateway

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
)

func allStates() []State {
	var s []State
	for st := StateQuoted; st < numStates; st++ {
		s = append(s, st)
	}
	return s
}

// reach is every state reachable from s in zero or more steps, not going
// through skip.
func reach(s, skip State) map[State]bool {
	seen := map[State]bool{s: true}
	todo := []State{s}
	for len(todo) > 0 {
		cur := todo[0]
		todo = todo[1:]
		for _, e := range Edges() {
			if e.From == cur && e.To != skip && !seen[e.To] {
				seen[e.To] = true
				todo = append(todo, e.To)
			}
		}
	}
	return seen
}

// TestGraph checks the properties the package doc promises of the
// transition table.
func TestGraph(t *testing.T) {
	edges := Edges()
	seen := map[[2]State]bool{}
	for _, e := range edges {
		if !e.From.Valid() || !e.To.Valid() {
			t.Errorf("edge %v has an invalid state", e)
		}
		if e.From == e.To {
			t.Errorf("self edge %s", e.From)
		}
		if e.From.Terminal() {
			t.Errorf("terminal %s has a way out to %s", e.From, e.To)
		}
		if seen[[2]State{e.From, e.To}] {
			t.Errorf("duplicate edge %s → %s", e.From, e.To)
		}
		seen[[2]State{e.From, e.To}] = true
		if e.When == "" {
			t.Errorf("edge %s → %s does not say when", e.From, e.To)
		}
	}

	// Acyclic: no state reaches itself in one or more steps.
	for _, s := range allStates() {
		for _, e := range edges {
			if e.From == s && reach(e.To, 0)[s] {
				t.Errorf("cycle through %s → %s", s, e.To)
			}
		}
	}

	fromQuoted := reach(StateQuoted, 0)
	for _, s := range allStates() {
		if !fromQuoted[s] {
			t.Errorf("%s is unreachable from quoted", s)
		}
		if !s.Terminal() && !slices.ContainsFunc(allStates(), func(x State) bool { return x.Terminal() && reach(s, 0)[x] }) {
			t.Errorf("%s reaches no terminal state", s)
		}
	}

	// Paid ends settled or refunded, and nothing else.
	for s := range reach(StatePaid, 0) {
		if s.Terminal() && s != StateSettled && s != StateRefunded {
			t.Errorf("a paid request can end %s", s)
		}
	}
	// Never paid: never settled or refunded.
	unpaid := reach(StateQuoted, StatePaid)
	for _, s := range []State{StateSettled, StateRefunded, StateFailed} {
		if unpaid[s] {
			t.Errorf("a request never paid can reach %s", s)
		}
	}
	// Escrowed is exactly "paid and not finished".
	afterPaid := reach(StatePaid, 0)
	for _, s := range allStates() {
		if want := afterPaid[s] && !s.Terminal(); s.Escrowed() != want {
			t.Errorf("%s.Escrowed() = %v, want %v", s, s.Escrowed(), want)
		}
	}
}

func TestStateNames(t *testing.T) {
	for _, s := range allStates() {
		p, err := ParseState(s.String())
		if err != nil || p != s {
			t.Errorf("ParseState(%q) = %v, %v", s, p, err)
		}
	}
	for _, name := range []string{"", "Settled", "settled ", "State(0)", "unknown"} {
		if _, err := ParseState(name); !errors.Is(err, ErrInvalidRecord) {
			t.Errorf("ParseState(%q): %v", name, err)
		}
	}
	if _, err := State(0).MarshalText(); err == nil {
		t.Error("the zero state marshals")
	}
}

// TestIllegalTransitions: every pair the table lacks is refused, naming
// both states, before the store is touched.
func TestIllegalTransitions(t *testing.T) {
	l := openTest(t, Config{})
	r := create(t, l, 1)
	for _, from := range append(allStates(), 0, numStates) {
		for _, to := range append(allStates(), 0, numStates) {
			if Allowed(from, to) {
				continue
			}
			_, err := l.Transition(r.ID, from, to, nil)
			var te *TransitionError
			if !errors.As(err, &te) || !errors.Is(err, ErrIllegalTransition) || te.From != from || te.To != to {
				t.Fatalf("%s → %s: %v", from, to, err)
			}
			if !strings.Contains(err.Error(), from.String()+" → "+to.String()) {
				t.Errorf("%s → %s: message %q names neither", from, to, err)
			}
		}
	}
	if got, _ := l.Get(r.ID); got.Version != 1 || got.State != StateQuoted {
		t.Errorf("refused transitions changed the record: %+v", got)
	}
}

// TestTransitions drives requests into a state and tries one move, as a
// gateway would.
func TestTransitions(t *testing.T) {
	failedAfterCompletion := []State{StateQuoted, StateValidated, StatePaid, StateDispatched, StateComputed, StateCompletionValidated, StateFailed}
	tests := []struct {
		name     string
		path     []State // from quoted to the state tried from
		to       State
		mutate   func(*Record) error // default fill(to)
		wantErr  error
		wantText string
	}{
		{name: "settled → refunded", path: happyPath, to: StateRefunded, wantErr: ErrIllegalTransition, wantText: "settled → refunded: settled is terminal"},
		{name: "refunded → settled", path: []State{StateQuoted, StateValidated, StatePaid, StateFailed, StateRefunded}, to: StateSettled, wantErr: ErrIllegalTransition, wantText: "refunded is terminal"},
		{name: "settled → settled", path: happyPath, to: StateSettled, wantErr: ErrIllegalTransition},
		{name: "released → validated", path: []State{StateQuoted, StateReleased}, to: StateValidated, wantErr: ErrIllegalTransition},
		{name: "quoted → paid skips validation", path: []State{StateQuoted}, to: StatePaid, wantErr: ErrIllegalTransition, wantText: "quoted → paid"},
		{name: "validated → failed: never paid", path: []State{StateQuoted, StateValidated}, to: StateFailed, wantErr: ErrIllegalTransition},
		{name: "validated → refunded: never paid", path: []State{StateQuoted, StateValidated}, to: StateRefunded, wantErr: ErrIllegalTransition},
		{name: "paid → released: paid ends settled or refunded", path: []State{StateQuoted, StateValidated, StatePaid}, to: StateReleased, wantErr: ErrIllegalTransition},
		{name: "failed → settled after completion", path: failedAfterCompletion, to: StateSettled},
		{name: "failed → settled without completion", path: []State{StateQuoted, StateValidated, StatePaid, StateDispatched, StateFailed}, to: StateSettled,
			wantErr: ErrInvalidRecord, wantText: "settled without completion validation"},
		{name: "paid without initiate tx", path: []State{StateQuoted, StateValidated}, to: StatePaid, mutate: func(*Record) error { return nil },
			wantErr: ErrInvalidRecord, wantText: "paid without an initiate transaction"},
		{name: "validated without compute node", path: []State{StateQuoted}, to: StateValidated, mutate: func(r *Record) error { r.ComputeNode = common.Address{}; return nil },
			wantErr: ErrInvalidRecord, wantText: "validated without a compute node"},
		{name: "settled without complete tx", path: happyPath[:6], to: StateSettled, mutate: func(*Record) error { return nil },
			wantErr: ErrInvalidRecord, wantText: "settled without a complete transaction"},
		{name: "validated → dispatched skips payment", path: []State{StateQuoted, StateValidated}, to: StateDispatched, wantErr: ErrIllegalTransition},
	}
	l := openTest(t, Config{})
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := create(t, l, uint64(1000+i))
			r = drive(t, l, r.ID, tt.path...)
			from := tt.path[len(tt.path)-1]
			mutate := tt.mutate
			if mutate == nil {
				mutate = fill(tt.to)
			}
			got, err := l.Transition(r.ID, from, tt.to, mutate)
			if tt.wantErr == nil {
				if err != nil || got.State != tt.to {
					t.Fatalf("got %s, %v", got.State, err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) || !strings.Contains(fmtErr(err), tt.wantText) {
				t.Fatalf("got %v, want %v containing %q", err, tt.wantErr, tt.wantText)
			}
			if after, _ := l.Get(r.ID); after.State != from || after.Version != uint64(len(tt.path)) {
				t.Errorf("a refused transition changed the record: %s v%d", after.State, after.Version)
			}
		})
	}

	// Every edge of the table works along some path to its source.
	n := uint64(2000)
	for _, e := range Edges() {
		ok := false
		for _, path := range pathsTo(e.From) {
			n++
			r := create(t, l, n)
			drive(t, l, r.ID, path...)
			if _, err := l.Transition(r.ID, e.From, e.To, fill(e.To)); err == nil {
				ok = true
				break
			}
		}
		if !ok {
			t.Errorf("edge %s → %s cannot be taken along any path", e.From, e.To)
		}
	}
}

func fmtErr(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// pathsTo lists every path from quoted to s.
func pathsTo(s State) [][]State {
	if s == StateQuoted {
		return [][]State{{StateQuoted}}
	}
	var out [][]State
	for _, e := range Edges() {
		if e.To == s {
			for _, p := range pathsTo(e.From) {
				out = append(out, append(slices.Clone(p), s))
			}
		}
	}
	return out
}
