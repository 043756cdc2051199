package gateway

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ethereum/go-ethereum/common"
	"go.etcd.io/bbolt"
)

func TestLifecycle(t *testing.T) {
	clk := newClock()
	l := openTest(t, Config{Now: clk.Now})
	r := create(t, l, 1)
	if r.State != StateQuoted || r.Version != 1 || len(r.History) != 1 {
		t.Fatalf("created %+v", r)
	}
	if rs, err := l.Recover(); err != nil || len(rs) != 1 || rs[0].ID != r.ID {
		t.Fatalf("recover after create: %v, %v", rs, err)
	}

	r = drive(t, l, r.ID, happyPath...)
	got, err := l.Get(r.ID)
	if err != nil {
		t.Fatal(err)
	}
	var states []State
	for i, st := range got.History {
		states = append(states, st.State)
		if i > 0 && !st.At.After(got.History[i-1].At) {
			t.Errorf("step %d at %v, not after %v", i, st.At, got.History[i-1].At)
		}
	}
	if !slices.Equal(states, happyPath) || got.State != StateSettled || got.Version != uint64(len(happyPath)) {
		t.Fatalf("history %v, state %s, version %d", states, got.State, got.Version)
	}
	if got.Attempts[StateDispatched] != 1 || got.CompleteTx != hashOf("complete", r.ID) || got.InitiateTx != hashOf("initiate", r.ID) {
		t.Errorf("mutations not kept: %+v", got)
	}
	if rs, err := l.Recover(); err != nil || len(rs) != 0 {
		t.Fatalf("a settled request is still in flight: %v, %v", rs, err)
	}
	if _, err := l.Update(r.ID, StateSettled, func(r *Record) error { r.LastError = "x"; return nil }); !errors.Is(err, ErrIllegalTransition) {
		t.Errorf("update of a settled record: %v", err)
	}

	// A failure after payment: retries counted in place, then failed and
	// refunded.
	f := create(t, l, 2)
	drive(t, l, f.ID, StateQuoted, StateValidated, StatePaid, StateDispatched)
	for i := range 3 {
		u, err := l.Update(f.ID, StateDispatched, func(r *Record) error {
			r.Attempts[StateDispatched]++
			r.LastError = fmt.Sprintf("compute timeout %d", i)
			return nil
		})
		if err != nil || u.State != StateDispatched || u.Version != uint64(5+i) || len(u.History) != 4 {
			t.Fatalf("update %d: %+v, %v", i, u, err)
		}
	}
	drive(t, l, f.ID, StateDispatched, StateFailed, StateRefunded)
	got, _ = l.Get(f.ID)
	if got.State != StateRefunded || got.Attempts[StateDispatched] != 4 || got.LastError != "compute timeout 2" || got.RefundTx == (common.Hash{}) {
		t.Errorf("refunded record %+v", got)
	}
	if _, err := l.Get(common.Hash{1}); !errors.Is(err, ErrNotFound) {
		t.Errorf("get unknown: %v", err)
	}
	if _, err := l.Transition(common.Hash{1}, StateQuoted, StateValidated, nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("transition unknown: %v", err)
	}
	if err := l.Verify(); err != nil {
		t.Error(err)
	}
}

// TestRace: of many goroutines making the same compare-and-set, exactly
// one wins, with and without batching.
func TestRace(t *testing.T) {
	for _, tt := range []struct {
		name  string
		batch time.Duration
	}{{"update", 0}, {"batch", time.Millisecond}} {
		t.Run(tt.name, func(t *testing.T) {
			l := openTest(t, Config{BatchDelay: tt.batch})
			const requests, racers = 8, 16
			var wg sync.WaitGroup
			var wins [requests][2]atomic.Int32
			for n := range requests {
				r := create(t, l, uint64(n))
				drive(t, l, r.ID, StateQuoted, StateValidated, StatePaid)
				// Half race to dispatch it, half to fail it.
				for g := range racers {
					wg.Go(func() {
						to := []State{StateDispatched, StateFailed}[g%2]
						_, err := l.Transition(r.ID, StatePaid, to, fill(to))
						var ce *ConflictError
						switch {
						case err == nil:
							wins[n][g%2].Add(1)
						case errors.As(err, &ce) && ce.Want == StatePaid && (ce.Got == StateDispatched || ce.Got == StateFailed):
						default:
							t.Errorf("racer: %v", err)
						}
					})
				}
			}
			wg.Wait()
			for n := range requests {
				d, f := wins[n][0].Load(), wins[n][1].Load()
				if d+f != 1 {
					t.Errorf("request %d: %d dispatched and %d failed it", n, d, f)
				}
				r, _ := l.Get(testRecord(uint64(n)).ID)
				if r.Version != 4 || len(r.History) != 4 {
					t.Errorf("request %d: version %d, history %d: a loser wrote", n, r.Version, len(r.History))
				}
			}
			if err := l.Verify(); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestCreateIdempotent(t *testing.T) {
	l := openTest(t, Config{})
	rec := testRecord(1)
	params := HashParams([]byte("subnet-a"), []byte("llama"), []byte("hello"))
	first, existed, err := l.Create("k1", params, rec)
	if err != nil || existed || first.IdempotencyKey != "k1" || first.ParamsHash != params {
		t.Fatalf("first create: %+v %v %v", first, existed, err)
	}
	drive(t, l, first.ID, StateQuoted, StateValidated)

	// The retry with a new id the gateway drew finds the first request.
	again := testRecord(2)
	got, existed, err := l.Create("k1", params, again)
	if err != nil || !existed || got.ID != first.ID || got.State != StateValidated {
		t.Fatalf("retry: %x %s %v %v", got.ID, got.State, existed, err)
	}
	if _, err := l.Get(again.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("the retry stored its own request: %v", err)
	}
	// Same key, other parameters.
	if _, _, err := l.Create("k1", HashParams([]byte("other")), again); !errors.Is(err, ErrIdempotencyConflict) {
		t.Errorf("key reused with other params: %v", err)
	}
	// Same key, another client: its own namespace.
	other := testRecord(3)
	other.Client = common.HexToAddress("0x00000000000000000000000000000000000000ff")
	if r, existed, err := l.Create("k1", HashParams([]byte("other")), other); err != nil || existed || r.ID != other.ID {
		t.Errorf("another client's k1: %v %v", existed, err)
	}
	// A known id under a new key.
	if _, _, err := l.Create("k2", params, rec); !errors.Is(err, ErrExists) {
		t.Errorf("known id: %v", err)
	}
	// No key: no binding, but ids stay unique.
	nokey := testRecord(4)
	if _, existed, err := l.Create("", common.Hash{}, nokey); err != nil || existed {
		t.Errorf("no key: %v %v", existed, err)
	}
	if _, _, err := l.Create("", common.Hash{}, nokey); !errors.Is(err, ErrExists) {
		t.Errorf("no key, same id: %v", err)
	}
	// What Create refuses outright.
	bad := []struct {
		name string
		key  string
		rec  func(*Record)
	}{
		{"key without params hash", "k9", nil},
		{"not quoted", "", func(r *Record) { r.State = StatePaid }},
		{"zero id", "", func(r *Record) { r.ID = common.Hash{} }},
		{"no client", "", func(r *Record) { r.Client = common.Address{} }},
		{"tree does not sum", "", func(r *Record) { r.Quote.Treasury = "1" }},
		{"wei with a sign", "", func(r *Record) { r.Quote.Amount = "+1000000000000000000" }},
		{"long key", strings.Repeat("k", maxText+1), nil},
		{"key not UTF-8", "k\xff", nil},
	}
	for i, b := range bad {
		r := testRecord(uint64(100 + i))
		if b.rec != nil {
			b.rec(&r)
		}
		ph := params
		if b.name == "key without params hash" {
			ph = common.Hash{}
		}
		if _, _, err := l.Create(b.key, ph, r); !errors.Is(err, ErrInvalidRecord) {
			t.Errorf("%s: %v", b.name, err)
		}
	}
	if err := l.Verify(); err != nil {
		t.Error(err)
	}
}

// TestCreateConcurrent: many first calls with one key make one request.
func TestCreateConcurrent(t *testing.T) {
	for _, batch := range []time.Duration{0, time.Millisecond} {
		l := openTest(t, Config{BatchDelay: batch})
		params := HashParams([]byte("p"))
		var created atomic.Int32
		ids := make([]common.Hash, 32)
		var wg sync.WaitGroup
		for g := range ids {
			wg.Go(func() {
				r, existed, err := l.Create("same", params, testRecord(uint64(g)))
				if err != nil {
					t.Errorf("create: %v", err)
					return
				}
				if !existed {
					created.Add(1)
				}
				ids[g] = r.ID
			})
		}
		wg.Wait()
		if created.Load() != 1 {
			t.Errorf("batch %v: %d creates", batch, created.Load())
		}
		for _, id := range ids {
			if id != ids[0] {
				t.Errorf("batch %v: callers got different requests", batch)
			}
		}
		if rs, _ := l.Recover(); len(rs) != 1 {
			t.Errorf("batch %v: %d requests stored", batch, len(rs))
		}
	}
}

func TestSweep(t *testing.T) {
	clk := newClock()
	l := openTest(t, Config{Now: clk.Now, KeyTTL: 24 * time.Hour})
	params := HashParams([]byte("p"))
	done, _, err := l.Create("done", params, testRecord(1))
	if err != nil {
		t.Fatal(err)
	}
	drive(t, l, done.ID, StateQuoted, StateCancelled)
	busy, _, err := l.Create("busy", params, testRecord(2))
	if err != nil {
		t.Fatal(err)
	}

	clk.Advance(23 * time.Hour)
	if n, err := l.Sweep(); n != 0 || err != nil {
		t.Fatalf("sweep before the TTL: %d, %v", n, err)
	}
	if r, existed, _ := l.Create("done", params, testRecord(3)); !existed || r.ID != done.ID {
		t.Fatal("the key was forgotten before its TTL")
	}

	clk.Advance(2 * time.Hour)
	if n, err := l.Sweep(); n != 1 || err != nil {
		t.Fatalf("sweep after the TTL: %d, %v", n, err)
	}
	if n, err := l.Sweep(); n != 0 || err != nil {
		t.Fatalf("second sweep: %d, %v", n, err)
	}
	// The key now starts a new request; the old record stays.
	r, existed, err := l.Create("done", HashParams([]byte("new params")), testRecord(3))
	if err != nil || existed || r.ID != testRecord(3).ID {
		t.Fatalf("after sweep: %v, %v", existed, err)
	}
	if old, err := l.Get(done.ID); err != nil || old.State != StateCancelled {
		t.Errorf("the swept request's record: %v", err)
	}
	// A request in flight keeps its key however long it takes.
	clk.Advance(1000 * time.Hour)
	if _, err := l.Sweep(); err != nil {
		t.Fatal(err)
	}
	if r, existed, _ := l.Create("busy", params, testRecord(4)); !existed || r.ID != busy.ID {
		t.Error("the key of a request in flight expired")
	}
	if err := l.Verify(); err != nil {
		t.Error(err)
	}
}

func TestSweepMany(t *testing.T) {
	clk := newClock()
	l := openTest(t, Config{Now: clk.Now, KeyTTL: time.Hour})
	l.sweepChunk = 7
	const n = 7*3 + 2 // four chunks, the last partial
	err := l.db.Update(func(tx *bbolt.Tx) error {
		for i := range n {
			r := testRecord(uint64(i))
			r.IdempotencyKey, r.ParamsHash = fmt.Sprint("k", i), common.Hash{1}
			r.State, r.Version = StateExpiredUnpaid, 2
			r.History = []Step{{StateQuoted, clk.Now()}, {StateExpiredUnpaid, clk.Now()}}
			enc, err := encodeRecord(&r)
			if err != nil {
				return err
			}
			idx := keyIndex(r.Client, r.IdempotencyKey)
			_ = tx.Bucket(bucketRequests).Put(r.ID[:], enc)
			_ = tx.Bucket(bucketKeys).Put(idx, append(r.ID.Bytes(), r.ParamsHash[:]...))
			_ = tx.Bucket(bucketExpiry).Put(expiryKey(clk.Now(), idx), nil)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Verify(); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Hour)
	if got, err := l.Sweep(); got != n || err != nil {
		t.Fatalf("swept %d, %v", got, err)
	}
	if err := l.Verify(); err != nil {
		t.Fatal(err)
	}
}

func TestMutate(t *testing.T) {
	l := openTest(t, Config{})
	r := create(t, l, 1)

	// Before validation the quote may still change.
	r2, err := l.Update(r.ID, StateQuoted, func(r *Record) error {
		r.Quote.ID = "q-2"
		return nil
	})
	if err != nil || r2.Quote.ID != "q-2" || r2.Version != 2 {
		t.Fatalf("requote: %v", err)
	}

	boom := errors.New("boom")
	if _, err := l.Transition(r.ID, StateQuoted, StateValidated, func(r *Record) error {
		r.LastError = "half done"
		return boom
	}); !errors.Is(err, boom) || !strings.Contains(err.Error(), "quoted → validated") {
		t.Fatalf("mutate error: %v", err)
	}
	if got, _ := l.Get(r.ID); got.State != StateQuoted || got.LastError != "" || got.Version != 2 {
		t.Fatalf("a failed mutate was written: %+v", got)
	}

	drive(t, l, r.ID, StateQuoted, StateValidated, StatePaid, StateDispatched, StateComputed, StateCompletionValidated)
	frozen := []struct {
		name   string
		mutate func(*Record)
	}{
		{"id", func(r *Record) { r.ID[0]++ }},
		{"state", func(r *Record) { r.State = StateSettled }},
		{"version", func(r *Record) { r.Version = 100 }},
		{"history", func(r *Record) { r.History[1].At = r.History[1].At.Add(time.Second) }},
		{"history", func(r *Record) { r.History = r.History[:2] }},
		{"client", func(r *Record) { r.Client[0]++ }},
		{"idempotency key", func(r *Record) { r.IdempotencyKey = "other" }},
		{"params hash", func(r *Record) { r.ParamsHash[0]++ }},
		{"quote", func(r *Record) { r.Quote.Amount = "2"; r.Quote.Compute = "2" }},
		{"compute node", func(r *Record) { r.ComputeNode[0]++ }},
		{"initiate transaction", func(r *Record) { r.InitiateTx[0]++ }},
		{"result hash", func(r *Record) { r.ResultHash[0]++ }},
	}
	for _, f := range frozen {
		_, err := l.Update(r.ID, StateCompletionValidated, func(r *Record) error { f.mutate(r); return nil })
		if !errors.Is(err, ErrInvalidRecord) || !strings.Contains(err.Error(), f.name) {
			t.Errorf("changing %s: %v", f.name, err)
		}
	}
	// The complete transaction may be replaced (a resend at a higher fee).
	for i := range 2 {
		if _, err := l.Update(r.ID, StateCompletionValidated, func(r *Record) error {
			r.CompleteTx = common.Hash{byte(i + 1)}
			return nil
		}); err != nil {
			t.Errorf("noting complete tx %d: %v", i, err)
		}
	}

	// LastError is cut to maxError bytes of valid UTF-8.
	got, err := l.Update(r.ID, StateCompletionValidated, func(r *Record) error {
		r.LastError = "\xff" + strings.Repeat("é", maxError)
		return nil
	})
	if err != nil || len(got.LastError) > maxError || !utf8.ValidString(got.LastError) || !strings.HasPrefix(got.LastError, "\uFFFDé") {
		t.Errorf("long error: %d bytes, %v", len(got.LastError), err)
	}
	if err := l.Verify(); err != nil {
		t.Error(err)
	}
}

func TestRecover(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	clk := newClock()
	l := openTest(t, Config{Path: path, Now: clk.Now})
	want := map[common.Hash]State{}
	ends := [][]State{
		happyPath[:1], happyPath[:2], happyPath[:3], happyPath[:4], happyPath[:5], happyPath[:6], happyPath,
		{StateQuoted, StateValidated, StatePaid, StateFailed},
		{StateQuoted, StateValidated, StatePaid, StateFailed, StateRefunded},
		{StateQuoted, StateReleased}, {StateQuoted, StateValidated, StateCancelled}, {StateQuoted, StateExpiredUnpaid},
	}
	for i := range 3 * len(ends) {
		r := create(t, l, uint64(i))
		path := ends[i%len(ends)]
		drive(t, l, r.ID, path...)
		if s := path[len(path)-1]; !s.Terminal() {
			want[r.ID] = s
		}
	}
	check := func(l *Ledger) {
		t.Helper()
		rs, err := l.Recover()
		if err != nil {
			t.Fatal(err)
		}
		got := map[common.Hash]State{}
		for i, r := range rs {
			got[r.ID] = r.State
			if i > 0 && r.History[0].At.Before(rs[i-1].History[0].At) {
				t.Errorf("not oldest first at %d", i)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("recovered %d requests, want %d", len(got), len(want))
		}
	}
	check(l)
	l.Close()
	l = openTest(t, Config{Path: path, Now: clk.Now})
	check(l)

	// One damaged record: the rest are still recovered, the damage named.
	var victim common.Hash
	for id := range want {
		victim = id
		break
	}
	if err := l.db.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketRequests).Put(victim[:], []byte(`{"schema":1,"id":"0x00"`))
	}); err != nil {
		t.Fatal(err)
	}
	rs, err := l.Recover()
	if !errors.Is(err, ErrCorrupt) || len(rs) != len(want)-1 || !strings.Contains(err.Error(), "decode") {
		t.Errorf("recover with a damaged record: %d records, %v", len(rs), err)
	}
	if _, err := l.Get(victim); !errors.Is(err, ErrCorrupt) {
		t.Errorf("get damaged: %v", err)
	}
	if _, err := l.Transition(victim, want[victim], StateFailed, nil); !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrIllegalTransition) {
		t.Errorf("transition damaged: %v", err)
	}
	if err := l.Verify(); !errors.Is(err, ErrCorrupt) {
		t.Errorf("verify missed the damage: %v", err)
	}
}

// TestVerifyIndex: Verify notices an in-flight index that disagrees with
// the records.
func TestVerifyIndex(t *testing.T) {
	tests := []struct {
		name   string
		damage func(tx *bbolt.Tx, a, b common.Hash) error
	}{
		{"missing entry", func(tx *bbolt.Tx, a, _ common.Hash) error { return tx.Bucket(bucketInFlight).Delete(a[:]) }},
		{"wrong state", func(tx *bbolt.Tx, a, _ common.Hash) error { return tx.Bucket(bucketInFlight).Put(a[:], []byte("paid")) }},
		{"terminal indexed", func(tx *bbolt.Tx, _, b common.Hash) error {
			return tx.Bucket(bucketInFlight).Put(b[:], []byte("settled"))
		}},
		{"unknown id", func(tx *bbolt.Tx, _, _ common.Hash) error {
			return tx.Bucket(bucketInFlight).Put(make([]byte, 32), []byte("quoted"))
		}},
		{"key to another request", func(tx *bbolt.Tx, a, b common.Hash) error {
			r := testRecord(1)
			idx := keyIndex(r.Client, "key-"+a.Hex()[2:10])
			return tx.Bucket(bucketKeys).Put(idx, append(b.Bytes(), HashParams(a[:]).Bytes()...))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := openTest(t, Config{})
			a, b := create(t, l, 1), create(t, l, 2)
			drive(t, l, b.ID, happyPath...)
			if err := l.Verify(); err != nil {
				t.Fatal(err)
			}
			if err := l.db.Update(func(tx *bbolt.Tx) error { return tt.damage(tx, a.ID, b.ID) }); err != nil {
				t.Fatal(err)
			}
			if err := l.Verify(); !errors.Is(err, ErrCorrupt) {
				t.Errorf("verify: %v", err)
			}
		})
	}
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(Config{}); err == nil {
		t.Error("opened without a path")
	}
	if err := (&Config{Path: "x", KeyTTL: -1}).Validate(); err == nil {
		t.Error("negative TTL accepted")
	}

	// Someone else's bbolt file.
	foreign := filepath.Join(dir, "foreign.db")
	db, err := bbolt.Open(foreign, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = db.Update(func(tx *bbolt.Tx) error { _, err := tx.CreateBucket([]byte("registrations")); return err })
	db.Close()
	if _, err := Open(Config{Path: foreign}); !errors.Is(err, ErrFormat) {
		t.Errorf("foreign file: %v", err)
	}

	// A ledger of another format version.
	path := filepath.Join(dir, "ledger.db")
	l, err := Open(Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	// A second process (here: a second open) waits for the lock, then fails.
	if _, err := Open(Config{Path: path, OpenTimeout: 50 * time.Millisecond}); err == nil {
		t.Error("a second open of a ledger in use succeeded")
	}
	_ = l.db.Update(func(tx *bbolt.Tx) error { return tx.Bucket(bucketMeta).Put(keyFormat, []byte("ncn-gateway-ledger/2")) })
	l.Close()
	if _, err := Open(Config{Path: path}); !errors.Is(err, ErrFormat) {
		t.Errorf("format 2: %v", err)
	}
}

// TestDecodeRejects: stored data that is not a record the ledger wrote is
// an ErrCorrupt error, never a panic or a record.
func TestDecodeRejects(t *testing.T) {
	good := testRecord(1)
	good.State, good.Version = StateQuoted, 1
	good.History = []Step{{StateQuoted, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}}
	enc, err := encodeRecord(&good)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := decodeRecord(enc); err != nil {
		t.Fatalf("the good record: %v", err)
	}
	s := string(enc)
	edit := func(old, new string) []byte {
		if !strings.Contains(s, old) {
			t.Fatalf("%q not in %s", old, s)
		}
		return []byte(strings.Replace(s, old, new, 1))
	}
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"not JSON", []byte("\x00\x01garbage")},
		{"array", []byte(`[1,2]`)},
		{"null", []byte(`null`)},
		{"truncated", enc[:len(enc)/2]},
		{"trailing data", append(append([]byte{}, enc...), `{}`...)},
		{"unknown field", edit(`"schema":1`, `"schema":1,"extra":true`)},
		{"newer schema", edit(`"schema":1`, `"schema":2`)},
		{"no schema", edit(`"schema":1,`, ``)},
		{"short id", edit(`"id":"0x`, `"id":"0x00`)},
		{"unknown state", edit(`"state":"quoted","history"`, `"state":"limbo","history"`)},
		{"state not its history", edit(`"state":"quoted","history"`, `"state":"settled","history"`)},
		{"history from paid", edit(`"history":[{"state":"quoted"`, `"history":[{"state":"paid"`)},
		{"history skips an edge", edit(`"history":[{"state":"quoted","at":"2026-01-01T00:00:00Z"}]`,
			`"history":[{"state":"quoted","at":"2026-01-01T00:00:00Z"},{"state":"settled","at":"2026-01-01T00:00:00Z"}]`)},
		{"history without time", edit(`"at":"2026-01-01T00:00:00Z"`, `"at":"0001-01-01T00:00:00Z"`)},
		{"version 0", edit(`"version":1`, `"version":0`)},
		{"negative version", edit(`"version":1`, `"version":-1`)},
		{"wei leading zero", edit(`"treasury":"50000000000000000"`, `"treasury":"050000000000000000"`)},
		{"wei hex", edit(`"treasury":"50000000000000000"`, `"treasury":"0xb1a2bc2ec50000"`)},
		{"wei sum", edit(`"treasury":"50000000000000000"`, `"treasury":"50000000000000001"`)},
		{"wei too big", edit(`"amount":"1000000000000000000"`, `"amount":"`+strings.Repeat("9", 79)+`"`)},
		{"wei number", edit(`"treasury":"50000000000000000"`, `"treasury":50000000000000000`)},
		{"attempts of no state", edit(`"state":"quoted","history"`, `"attempts":{"x":1},"state":"quoted","history"`)},
		{"big", append(append([]byte{}, enc[:len(enc)-1]...), []byte(`,"lastError":"`+strings.Repeat("x", maxRecord)+`"}`)...)},
		{"deep nesting", []byte(strings.Repeat("[", 100000))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := decodeRecord(tt.data)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("decoded %+v, %v", r, err)
			}
		})
	}
}

// TestPrune: a terminal request's payloads go once it has been terminal
// for the key TTL, in chunks; its record stays; a request in flight keeps
// its payloads however old; another request's payloads are untouched.
func TestPrune(t *testing.T) {
	clk := newClock()
	l := openTest(t, Config{Now: clk.Now, KeyTTL: time.Hour})
	l.sweepChunk = 2
	params := HashParams([]byte("p"))
	var ended []Record
	for i := range 5 {
		r, _, err := l.Create(fmt.Sprint("k", i), params, testRecord(uint64(10+i)))
		if err != nil {
			t.Fatal(err)
		}
		for _, part := range []string{partTask, partResult} {
			if err := l.PutPayload(r.ID, part, []byte(part)); err != nil {
				t.Fatal(err)
			}
		}
		drive(t, l, r.ID, StateQuoted, StateCancelled)
		ended = append(ended, r)
	}
	live, _, err := l.Create("live", params, testRecord(20))
	if err != nil {
		t.Fatal(err)
	}
	if err := l.PutPayload(live.ID, partTask, []byte("task")); err != nil {
		t.Fatal(err)
	}

	clk.Advance(59 * time.Minute)
	if n, err := l.Prune(); n != 0 || err != nil {
		t.Fatalf("prune before the TTL: %d, %v", n, err)
	}
	clk.Advance(2 * time.Minute)
	if n, err := l.Prune(); n != len(ended) || err != nil {
		t.Fatalf("prune after the TTL: %d, %v; want %d", n, err, len(ended))
	}
	for _, r := range ended {
		for _, part := range []string{partTask, partResult} {
			if _, err := l.Payload(r.ID, part); !errors.Is(err, ErrNotFound) {
				t.Fatalf("%s of a pruned request: %v", part, err)
			}
		}
		if got, err := l.Get(r.ID); err != nil || got.State != StateCancelled {
			t.Fatalf("a pruned request's record: %v, %v", got.State, err)
		}
	}
	clk.Advance(1000 * time.Hour)
	if n, err := l.Prune(); n != 0 || err != nil {
		t.Fatalf("second prune: %d, %v", n, err)
	}
	if b, err := l.Payload(live.ID, partTask); err != nil || string(b) != "task" {
		t.Fatalf("a request in flight lost its payload: %q, %v", b, err)
	}
	if err := l.Verify(); err != nil {
		t.Fatal(err)
	}
}

// TestForget: a terminal request's record goes once it has been terminal
// for the retention and its payloads were pruned; then the ledger no
// longer knows it. A request in flight stays however old, and the rest of
// the file stays consistent.
func TestForget(t *testing.T) {
	clk := newClock()
	l := openTest(t, Config{Now: clk.Now, KeyTTL: time.Hour, Retention: 3 * time.Hour})
	l.sweepChunk = 2
	params := HashParams([]byte("p"))
	ended := cancelled(t, l, params, 5)
	live, _, err := l.Create("live", params, testRecord(20))
	if err != nil {
		t.Fatal(err)
	}
	sweep := func() (keys, pruned, forgotten int) {
		t.Helper()
		var err1, err2, err3 error
		keys, err1 = l.Sweep()
		pruned, err2 = l.Prune()
		forgotten, err3 = l.Forget()
		if err := errors.Join(err1, err2, err3); err != nil {
			t.Fatal(err)
		}
		return
	}
	clk.Advance(2 * time.Hour)
	if k, p, f := sweep(); k != 5 || p != 5 || f != 0 {
		t.Fatalf("after 2h: %d keys, %d pruned, %d forgotten; want 5, 5, 0", k, p, f)
	}
	if _, err := l.Get(ended[0].ID); err != nil {
		t.Fatalf("forgotten before the retention: %v", err)
	}
	clk.Advance(2 * time.Hour)
	if k, p, f := sweep(); k != 0 || p != 0 || f != 5 {
		t.Fatalf("after 4h: %d keys, %d pruned, %d forgotten; want 0, 0, 5", k, p, f)
	}
	for _, r := range ended {
		if _, err := l.Get(r.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("a forgotten request: %v", err)
		}
	}
	if _, _, f := sweep(); f != 0 {
		t.Fatalf("forgotten twice: %d", f)
	}
	if got, err := l.Get(live.ID); err != nil || got.State != StateQuoted {
		t.Fatalf("the request in flight: %v, %v", got.State, err)
	}
	if err := l.Verify(); err != nil {
		t.Fatal(err)
	}
	if err := (&Config{Path: "x", KeyTTL: 2 * time.Hour, Retention: time.Hour}).Validate(); err == nil {
		t.Fatal("a retention shorter than the key TTL was taken")
	}
}

// TestForgetOlderFile: a ledger file from before the pruned index (its
// requests pruned by an older Prune, which kept no index) has them
// indexed by the first Forget, so they go after the retention too; a
// request still in the ended index is left to Prune, and one in flight
// stays.
func TestForgetOlderFile(t *testing.T) {
	clk := newClock()
	path := filepath.Join(t.TempDir(), "ledger.db")
	cfg := Config{Path: path, Now: clk.Now, KeyTTL: time.Hour, Retention: 3 * time.Hour}
	l := openTest(t, cfg)
	l.sweepChunk = 2 // the backfill resumes across transactions
	params := HashParams([]byte("p"))
	old := cancelled(t, l, params, 5)
	clk.Advance(2 * time.Hour)
	if _, err := l.Sweep(); err != nil {
		t.Fatal(err)
	}
	if n, err := l.Prune(); err != nil || n != len(old) {
		t.Fatalf("prune: %d, %v", n, err)
	}
	recent, _, err := l.Create("recent", params, testRecord(30))
	if err != nil {
		t.Fatal(err)
	}
	drive(t, l, recent.ID, StateQuoted, StateCancelled)
	live, _, err := l.Create("live", params, testRecord(31))
	if err != nil {
		t.Fatal(err)
	}
	l.Close()

	// What an older gateway left: no pruned index.
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bbolt.Tx) error { return tx.DeleteBucket(bucketPruned) }); err != nil {
		t.Fatal(err)
	}
	db.Close()

	l = openTest(t, cfg)
	l.sweepChunk = 2
	clk.Advance(2 * time.Hour) // the old ones ended 4h ago, the recent one 2h ago
	if n, err := l.Forget(); err != nil || n != len(old) {
		t.Fatalf("forget on the older file: %d, %v; want %d", n, err, len(old))
	}
	for _, r := range old {
		if _, err := l.Get(r.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("an old request: %v", err)
		}
	}
	for _, r := range []Record{recent, live} {
		if _, err := l.Get(r.ID); err != nil {
			t.Fatalf("request %x: %v", r.ID[:4], err)
		}
	}
	if err := l.Verify(); err != nil {
		t.Fatal(err)
	}
	if n, err := l.Forget(); err != nil || n != 0 {
		t.Fatalf("again: %d, %v", n, err)
	}
}

// cancelled creates n requests (keys k0.., records 10..) and cancels them.
func cancelled(t *testing.T, l *Ledger, params common.Hash, n int) []Record {
	t.Helper()
	var out []Record
	for i := range n {
		r, _, err := l.Create(fmt.Sprint("k", i), params, testRecord(uint64(10+i)))
		if err != nil {
			t.Fatal(err)
		}
		drive(t, l, r.ID, StateQuoted, StateCancelled)
		out = append(out, r)
	}
	return out
}
