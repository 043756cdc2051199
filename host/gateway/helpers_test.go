package gateway

import (
	"encoding/binary"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

var testClient = common.HexToAddress("0x00000000000000000000000000000000000c1e47")

// testRecord is a request as a gateway would create it, numbered n.
func testRecord(n uint64) Record {
	return Record{
		ID:          crypto.Keccak256Hash(binary.BigEndian.AppendUint64([]byte("request"), n)),
		Client:      testClient,
		Subnet:      "subnet-a",
		Model:       "llama-3-8b",
		ComputeNode: common.HexToAddress("0x00000000000000000000000000000000000000c0"),
		Quote: Quote{
			ID:     "q-1",
			Amount: "1000000000000000000", Compute: "800000000000000000", Gateway: "100000000000000000",
			Validators: "50000000000000000", Treasury: "50000000000000000",
			ConfigHash: common.HexToHash("0xc0f1"),
			ExpiresAt:  1_900_000_000,
		},
	}
}

func hashOf(what string, id common.Hash) common.Hash {
	return crypto.Keccak256Hash([]byte(what), id[:])
}

// fill sets what entering state to needs, as a gateway would, and counts a
// try of it.
func fill(to State) func(*Record) error {
	return func(r *Record) error {
		switch to {
		case StatePaid:
			r.InitiateTx = hashOf("initiate", r.ID)
		case StateComputed:
			r.ResultHash = hashOf("result", r.ID)
		case StateSettled:
			r.CompleteTx = hashOf("complete", r.ID)
		case StateRefunded:
			r.RefundTx = hashOf("refund", r.ID)
		}
		if r.Attempts == nil {
			r.Attempts = map[State]uint32{}
		}
		r.Attempts[to]++
		return nil
	}
}

var happyPath = []State{StateQuoted, StateValidated, StatePaid, StateDispatched, StateComputed, StateCompletionValidated, StateSettled}

// openTest opens a ledger in a temporary directory unless cfg names a
// path, and closes it when the test ends.
func openTest(t testing.TB, cfg Config) *Ledger {
	t.Helper()
	if cfg.Path == "" {
		cfg.Path = filepath.Join(t.TempDir(), "ledger.db")
	}
	l, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// create makes request n, failing the test on error.
func create(t testing.TB, l *Ledger, n uint64) Record {
	t.Helper()
	rec := testRecord(n)
	r, existed, err := l.Create("key-"+rec.ID.Hex()[2:10], HashParams(rec.ID[:]), rec)
	if err != nil || existed {
		t.Fatalf("create %d: existed %v, %v", n, existed, err)
	}
	return r
}

// drive moves a request along path (path[0] is its current state).
func drive(t testing.TB, l *Ledger, id common.Hash, path ...State) Record {
	t.Helper()
	r, err := l.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(path); i++ {
		r, err = l.Transition(id, path[i-1], path[i], fill(path[i]))
		if err != nil {
			t.Fatalf("drive %x: %v", id[:4], err)
		}
	}
	return r
}

// clock is a settable clock for Config.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond) // every reading later than the last
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
