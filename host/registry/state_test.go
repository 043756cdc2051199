package registry_test

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/host/registry"
)

// TestLedgerOrderIndependent: the same events in any delivery order, with
// duplicates, give the same scores (clamping makes naive order matter),
// also when scores are read between deliveries (an event after all the
// others moves a read score by one step, any other makes it fold again).
func TestLedgerOrderIndependent(t *testing.T) {
	node := common.HexToAddress("0x1000000000000000000000000000000000000001")
	var evs []registry.Event
	for i := range 200 {
		o := []registry.Outcome{registry.Success, registry.Success, registry.Success, registry.FailedValidation, registry.Timeout}[i%5]
		evs = append(evs, registry.Event{Node: node, RequestID: common.BigToHash(big.NewInt(int64(i))), Outcome: o, AtMillis: int64(i / 3)})
	}
	want := -1
	for trial := range 22 {
		l := registry.NewLedger()
		rng := rand.New(rand.NewPCG(uint64(trial), 7))
		perm := rng.Perm(len(evs))
		if trial >= 20 { // in order: every event after the others
			for i := range perm {
				perm[i] = i
			}
		}
		for _, i := range perm {
			if trial == 21 || rng.IntN(3) == 0 {
				l.Score(node)
			}
			l.Add(evs[i])
			if rng.IntN(4) == 0 {
				if l.Add(evs[i]) {
					t.Fatal("a duplicate event counted twice")
				}
			}
		}
		got := int(l.Score(node))
		if want >= 0 && got != want {
			t.Fatalf("trial %d: score %d, earlier %d", trial, got, want)
		}
		want = got
	}
	if want < 0 || want > registry.MaxReputation {
		t.Fatalf("score %d out of range", want)
	}
	l := registry.NewLedger()
	for i := range 60 {
		l.Add(registry.Event{Node: node, RequestID: common.BigToHash(big.NewInt(int64(i))), Outcome: registry.Success, AtMillis: int64(i)})
	}
	if got := l.Score(node); got != registry.MaxReputation {
		t.Fatalf("60 successes from 50: %d, want clamped at %d", got, registry.MaxReputation)
	}
}

func TestMempoolTTL(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	p := registry.NewMempool(func() time.Time { return now })
	id := common.HexToHash("0x01")
	for _, k := range []registry.EntryKind{registry.KindPending, registry.KindPreprocessing, registry.KindCompletion} {
		p.Put(registry.Entry{Kind: k, RequestID: id})
	}
	if p.Len() != 3 {
		t.Fatalf("len %d", p.Len())
	}
	steps := []struct {
		at   time.Duration
		live []registry.EntryKind
	}{
		{5*time.Minute - time.Second, []registry.EntryKind{registry.KindPending, registry.KindPreprocessing, registry.KindCompletion}},
		{5 * time.Minute, []registry.EntryKind{registry.KindPending, registry.KindPreprocessing}},
		{10 * time.Minute, []registry.EntryKind{registry.KindPreprocessing}},
		{15 * time.Minute, nil},
	}
	start := now
	for _, s := range steps {
		now = start.Add(s.at)
		for _, k := range []registry.EntryKind{registry.KindPending, registry.KindPreprocessing, registry.KindCompletion} {
			_, ok := p.Get(k, id)
			want := false
			for _, l := range s.live {
				want = want || l == k
			}
			if ok != want {
				t.Errorf("at +%s: %s present %v, want %v", s.at, k, ok, want)
			}
		}
		p.Cleanup()
		if p.Len() != len(s.live) {
			t.Errorf("at +%s: %d entries after cleanup, want %d", s.at, p.Len(), len(s.live))
		}
	}
}

func key(t *testing.T) *ecdsa.PrivateKey {
	k, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestNodeRegistration: signed registrations and heartbeats are accepted;
// forged, replayed, stale and malformed ones are refused; a node that
// misses its heartbeats becomes unavailable and is then pruned.
func TestNodeRegistration(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	nodes := registry.NewNodes(registry.Config{HeartbeatInterval: 10 * time.Second, MissedHeartbeats: 3, PruneAfter: time.Minute, Now: func() time.Time { return now }})
	k, other := key(t), key(t)
	info := &pb.NodeInfo{Role: pb.NodeRole_NODE_ROLE_COMPUTE, Subnets: []string{"s"}, Models: []string{"m"}}
	reg, err := registry.SignRegistration(k, info, 5)
	if err != nil {
		t.Fatal(err)
	}
	if err := nodes.Register(reg); err != nil {
		t.Fatal(err)
	}
	addr := crypto.PubkeyToAddress(k.PublicKey)

	forged, _ := registry.SignRegistration(other, info, 9)
	forged.Node.Address = strings.ToLower(addr.Hex()) // claims k's address, signed by other
	tampered := proto.Clone(reg).(*pb.RegisterNodeRequest)
	tampered.Seq = 6
	tampered.Node.Models = append(tampered.Node.Models, "extra")
	stale, _ := registry.SignRegistration(k, info, 5)
	bad, _ := registry.SignRegistration(k, &pb.NodeInfo{Role: pb.NodeRole_NODE_ROLE_COMPUTE, Endpoints: make([]string, 20)}, 7)
	noRole, _ := registry.SignRegistration(k, &pb.NodeInfo{}, 8)
	for _, c := range []struct {
		name string
		req  *pb.RegisterNodeRequest
		want error
	}{
		{"forged", forged, registry.ErrBadSignature},
		{"tampered", tampered, registry.ErrBadSignature},
		{"stale", stale, registry.ErrStale},
		{"too many endpoints", bad, registry.ErrBadRequest},
		{"no role", noRole, registry.ErrBadRequest},
		{"no node", &pb.RegisterNodeRequest{}, registry.ErrBadRequest},
	} {
		if err := nodes.Register(c.req); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}

	beat := func(at time.Time, signer *ecdsa.PrivateKey) error {
		hb, _ := registry.SignHeartbeat(signer, at, 10)
		hb.Address = strings.ToLower(addr.Hex())
		return nodes.Heartbeat(hb)
	}
	now = now.Add(25 * time.Second)
	if err := beat(now, k); err != nil {
		t.Fatal(err)
	}
	if err := beat(now, k); !errors.Is(err, registry.ErrStale) {
		t.Errorf("replayed heartbeat: %v", err)
	}
	if err := beat(now.Add(time.Second), other); !errors.Is(err, registry.ErrBadSignature) {
		t.Errorf("forged heartbeat: %v", err)
	}
	if err := beat(now.Add(time.Hour), k); !errors.Is(err, registry.ErrBadRequest) {
		t.Errorf("heartbeat from the future: %v", err)
	}
	if n, _ := nodes.Get(addr); n.Status != pb.NodeStatus_NODE_STATUS_AVAILABLE || n.LoadPercent != 10 {
		t.Fatalf("after a heartbeat: %v load %d", n.Status, n.LoadPercent)
	}
	now = now.Add(31 * time.Second)
	if n, _ := nodes.Get(addr); n.Status != pb.NodeStatus_NODE_STATUS_UNAVAILABLE {
		t.Fatalf("after 3 missed heartbeats: %v", n.Status)
	}
	if got := nodes.List(registry.Filter{Subnet: "s"}); len(got) != 0 {
		t.Fatalf("unavailable node listed: %v", got)
	}
	if got := nodes.List(registry.Filter{Subnet: "s", IncludeUnavailable: true}); len(got) != 1 {
		t.Fatalf("list with unavailable: %v", got)
	}
	now = now.Add(time.Minute)
	if nodes.Prune() != 1 {
		t.Fatal("dead node not pruned")
	}
	if _, ok := nodes.Get(addr); ok {
		t.Fatal("pruned node still there")
	}
}

// TestStateSurvivesRestart: registrations, reputation and mempool entries
// written to the state file come back after a restart; nodes come back
// unavailable until they are heard from.
func TestStateSurvivesRestart(t *testing.T) {
	nw := newNetwork(t, 1)
	path := filepath.Join(t.TempDir(), "registry.db")
	cfg := soloConfig(nw)
	cfg.StatePath = path
	r, err := registry.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	k := key(t)
	reg, _ := registry.SignRegistration(k, &pb.NodeInfo{Role: pb.NodeRole_NODE_ROLE_COMPUTE, Models: []string{"m"}}, 3)
	if err := r.Nodes().Register(reg); err != nil {
		t.Fatal(err)
	}
	addr := crypto.PubkeyToAddress(k.PublicKey)
	for i := range 5 {
		r.Ledger().Add(registry.Event{Node: addr, RequestID: common.BigToHash(big.NewInt(int64(i))), Outcome: registry.Success, AtMillis: int64(i)})
	}
	id := common.HexToHash("0xabc")
	r.Mempool().Put(registry.Entry{Kind: registry.KindPreprocessing, RequestID: id, Data: []byte("x")})
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}

	r2, err := registry.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	n, ok := r2.Nodes().Get(addr)
	if !ok || n.Status != pb.NodeStatus_NODE_STATUS_UNAVAILABLE || n.Models[0] != "m" {
		t.Fatalf("after restart: %v %v", n, ok)
	}
	if got := r2.Ledger().Score(addr); got != registry.InitialReputation+5 {
		t.Fatalf("reputation after restart %d, want %d", got, registry.InitialReputation+5)
	}
	if e, ok := r2.Mempool().Get(registry.KindPreprocessing, id); !ok || string(e.Data) != "x" {
		t.Fatalf("mempool entry after restart: %v %v", e, ok)
	}
	// The stored registration is still the node's own signed one: a stale
	// replay is refused, a newer one accepted.
	if err := r2.Nodes().Register(reg); !errors.Is(err, registry.ErrStale) {
		t.Fatalf("replayed registration after restart: %v", err)
	}
}

// TestTimeoutsDoNotExclude: however many rounds a validator misses while
// down, timeouts leave it at TimeoutFloor, where it is still selected and
// can earn its way back; wrong answers still take it below.
func TestTimeoutsDoNotExclude(t *testing.T) {
	l := registry.NewLedger()
	v := common.HexToAddress("0x01")
	for i := range 30 {
		l.Add(registry.Event{Node: v, RequestID: common.BigToHash(big.NewInt(int64(i))), Outcome: registry.Timeout, AtMillis: int64(i)})
	}
	if s := l.Score(v); s != registry.TimeoutFloor {
		t.Fatalf("after 30 timeouts: %d, want %d", s, registry.TimeoutFloor)
	}
	l.Add(registry.Event{Node: v, RequestID: common.BigToHash(big.NewInt(100)), Outcome: registry.Success, AtMillis: 100})
	if s := l.Score(v); s != registry.TimeoutFloor+1 {
		t.Fatalf("back and signing: %d", s)
	}
	l.Add(registry.Event{Node: v, RequestID: common.BigToHash(big.NewInt(101)), Outcome: registry.FailedValidation, AtMillis: 101})
	l.Add(registry.Event{Node: v, RequestID: common.BigToHash(big.NewInt(102)), Outcome: registry.FailedValidation, AtMillis: 102})
	if s := l.Score(v); s != registry.TimeoutFloor-3 {
		t.Fatalf("wrong answers: %d, want %d", s, registry.TimeoutFloor-3)
	}
	l.Add(registry.Event{Node: v, RequestID: common.BigToHash(big.NewInt(103)), Outcome: registry.Timeout, AtMillis: 103})
	if s := l.Score(v); s != registry.TimeoutFloor-3 {
		t.Fatalf("a timeout below the floor changed the score to %d", s)
	}
}

// TestLedgerCompaction: folding old events into a checkpoint changes no
// score, later events still fold in any delivery order to the scores of a
// ledger that never compacted, an event older than the checkpoint is
// refused, and slashes (outside the fold) survive it, counted once each.
func TestLedgerCompaction(t *testing.T) {
	nodes := []common.Address{common.HexToAddress("0x01"), common.HexToAddress("0x02"), common.HexToAddress("0x03")}
	var evs []registry.Event
	for i := range 600 {
		o := []registry.Outcome{registry.Success, registry.Success, registry.FailedValidation, registry.Timeout, registry.Success, registry.Timeout, registry.Timeout}[i%7]
		evs = append(evs, registry.Event{Node: nodes[i%3], RequestID: common.BigToHash(big.NewInt(int64(i))), Outcome: o, AtMillis: 1000 + int64(i/4)})
	}
	slash := registry.Event{Node: nodes[1], RequestID: common.HexToHash("0x5a"), Outcome: registry.Slashed}
	whole := registry.NewLedger()
	for _, e := range evs {
		whole.Add(e)
	}
	whole.Add(slash)

	const cut = 1000 + 100 // events 0..399 are before it
	for trial := range 5 {
		rng := rand.New(rand.NewPCG(uint64(trial), 11))
		l := registry.NewLedger()
		for _, i := range rng.Perm(400) {
			l.Add(evs[i])
		}
		l.Add(slash)
		before := map[common.Address]uint32{}
		for _, n := range nodes {
			before[n] = l.Score(n)
		}
		if folded := l.Compact(cut); folded != 400 {
			t.Fatalf("compaction folded %d events, want 400", folded)
		}
		if l.Compact(cut-1) != 0 || len(l.Events()) != 1 || l.Len() != 1 {
			t.Fatalf("an older compaction folded again, or events survived: %d kept", len(l.Events()))
		}
		for _, n := range nodes {
			if got := l.Score(n); got != before[n] {
				t.Fatalf("node %s: %d after compaction, %d before", n.Hex(), got, before[n])
			}
		}
		if l.Add(evs[10]) || l.Add(registry.Event{Node: nodes[0], RequestID: common.HexToHash("0x77"), Outcome: registry.Success, AtMillis: cut - 1}) {
			t.Fatal("an event older than the checkpoint was taken")
		}
		if l.Add(slash) {
			t.Fatal("a slash counted twice")
		}
		for _, i := range rng.Perm(200) {
			l.Add(evs[400+i])
		}
		if l.Len() != 200+1 {
			t.Fatalf("%d events kept, want the 200 after the checkpoint and the slash", l.Len())
		}
		for _, n := range nodes {
			if got, want := l.Score(n), whole.Score(n); got != want {
				t.Fatalf("trial %d, node %s: %d, a ledger that never compacted says %d", trial, n.Hex(), got, want)
			}
		}
	}
	if s := whole.Score(nodes[1]); s+20 > registry.MaxReputation {
		t.Fatalf("the slashed node scores %d: the slash is not in it", s)
	}
}

// TestCompactionSurvivesRestart: a registry that compacted its reputation
// comes back from its state file with the same scores, without the folded
// events, and still refuses an event older than its checkpoint; the slash
// it had is still counted.
func TestCompactionSurvivesRestart(t *testing.T) {
	nw := newNetwork(t, 1)
	path := filepath.Join(t.TempDir(), "registry.db")
	cfg := soloConfig(nw)
	cfg.StatePath = path
	r, err := registry.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	a, b := common.HexToAddress("0x0a"), common.HexToAddress("0x0b")
	for i := range 40 {
		r.Ledger().Add(registry.Event{Node: []common.Address{a, b}[i%2], RequestID: common.BigToHash(big.NewInt(int64(i))), Outcome: registry.Success, AtMillis: int64(1 + i)})
	}
	r.Ledger().Add(registry.Event{Node: a, RequestID: common.HexToHash("0x5a"), Outcome: registry.Slashed})
	r.Ledger().Compact(31) // events 0..29 folded, 30..39 kept
	r.Ledger().Add(registry.Event{Node: b, RequestID: common.HexToHash("0xb0"), Outcome: registry.FailedValidation, AtMillis: 100})
	wantA, wantB := r.Ledger().Score(a), r.Ledger().Score(b)
	if wantA != registry.InitialReputation+20-20 || wantB != registry.InitialReputation+20-2 {
		t.Fatalf("scores before restart %d, %d", wantA, wantB)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	// On file: the slash and the 11 events after the checkpoint. An event
	// as older versions wrote it (the key, and the event as JSON) still
	// loads.
	c := common.HexToAddress("0x0c")
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	onFile := 0
	err = db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte("reputation"))
		onFile = b.Stats().KeyN
		key := append(append(append(c.Bytes(), fmt.Sprintf("%020d", 50)...), common.HexToHash("0xc0").Bytes()...), byte(registry.Success))
		return b.Put(key, []byte(`{"Node":"`+c.Hex()+`","RequestID":"`+common.HexToHash("0xc0").Hex()+`","Outcome":1,"AtMillis":50}`))
	})
	db.Close()
	if err != nil || onFile != 12 {
		t.Fatalf("%d reputation events on file, want the slash and the 11 after the checkpoint (%v)", onFile, err)
	}

	r2, err := registry.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	if gotA, gotB := r2.Ledger().Score(a), r2.Ledger().Score(b); gotA != wantA || gotB != wantB {
		t.Fatalf("scores after restart %d, %d; want %d, %d", gotA, gotB, wantA, wantB)
	}
	if n := len(r2.Ledger().Events()); n != 1+10+1+1 || r2.Ledger().Len() != n {
		t.Fatalf("%d events came back, want the slash, the 11 after the checkpoint and the old-format one", n)
	}
	if got := r2.Ledger().Score(c); got != registry.InitialReputation+1 {
		t.Fatalf("the old-format event: score %d", got)
	}
	if r2.Ledger().Add(registry.Event{Node: a, RequestID: common.HexToHash("0x99"), Outcome: registry.Success, AtMillis: 30}) {
		t.Fatal("after a restart, an event older than the checkpoint was taken")
	}
}

// TestHousekeepingCompacts: a running registry folds its reputation events
// into the checkpoint once they are older than the horizon (5 minutes),
// on its own, and its scores stay as they were.
func TestHousekeepingCompacts(t *testing.T) {
	nw := newNetwork(t, 1)
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	cfg := soloConfig(nw)
	cfg.Now, cfg.HeartbeatInterval = clock, 50*time.Millisecond
	r, err := registry.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	a := common.HexToAddress("0x0a")
	for i := range 10 {
		r.Ledger().Add(registry.Event{Node: a, RequestID: common.BigToHash(big.NewInt(int64(i))), Outcome: registry.FailedValidation, AtMillis: now.UnixMilli() - int64(i)})
	}
	want := r.Ledger().Score(a)
	time.Sleep(200 * time.Millisecond) // a few housekeeping rounds: nothing is old enough yet
	if n := r.Ledger().Len(); n != 10 {
		t.Fatalf("%d events kept before the horizon, want 10", n)
	}
	mu.Lock()
	now = now.Add(7 * time.Minute)
	mu.Unlock()
	for deadline := time.Now().Add(10 * time.Second); r.Ledger().Len() != 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d events still kept 7 minutes on", r.Ledger().Len())
		}
	}
	if got := r.Ledger().Score(a); got != want || want != registry.InitialReputation-20 {
		t.Fatalf("score %d after compaction, %d before", got, want)
	}
}

// soloConfig is a registry node alone on nw's chain, as its first
// validator.
func soloConfig(nw *network) registry.Config {
	return registry.Config{Key: nw.env.Validators[0].Key, Domain: nw.env.Domain, Subnets: nw.subnets, Stakes: nw.env.C}
}
