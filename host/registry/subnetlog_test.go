package registry

import (
	"errors"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"google.golang.org/protobuf/proto"

	"github.com/ncn-network/ncn/abi"
	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/plugins"
)

var (
	shaA = strings.Repeat("a", 64) // a builtin implementing every kind
	shaP = strings.Repeat("b", 64) // a price plugin
	shaS = strings.Repeat("c", 64) // a select plugin
)

func testKinds(sha string) ([]abi.Kind, error) {
	switch sha {
	case shaA:
		return abi.AllKinds(), nil
	case shaP:
		return []abi.Kind{abi.KindPrice}, nil
	case shaS:
		return []abi.Kind{abi.KindSelect}, nil
	}
	return nil, plugins.ErrNotFound
}

func testBuiltins() map[abi.Kind]string {
	m := map[abi.Kind]string{}
	for _, k := range abi.AllKinds() {
		m[k] = shaA
	}
	return m
}

func mustStatement(t *testing.T, s *pb.SubnetStatement) statement {
	t.Helper()
	st, err := newStatement(s)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// subnetStatements is a subnet's history as the owner signed it: create,
// update, activations, a rollback, models coming and going.
func subnetStatements(t *testing.T) (string, []statement) {
	key, _ := crypto.GenerateKey()
	owner := crypto.PubkeyToAddress(key.PublicKey)
	id := SubnetID(owner, "s")
	sub := func(seq uint64, params map[string]string, models ...string) statement {
		m := &pb.SubnetMetadata{Id: id, Name: "s", Owner: lower(owner), Seq: seq, Params: params, Models: models}
		return mustStatement(t, &pb.SubnetStatement{Op: &pb.SubnetStatement_Subnet{Subnet: &pb.SignedSubnet{Subnet: m}}})
	}
	act := func(seq uint64, back uint32, plugins map[string]string) statement {
		return mustStatement(t, &pb.SubnetStatement{Op: &pb.SubnetStatement_Activation{Activation: &pb.SignedActivation{Subnet: id, Seq: seq, Back: back, Plugins: plugins}}})
	}
	model := func(seq uint64, name string) statement {
		return mustStatement(t, &pb.SubnetStatement{Op: &pb.SubnetStatement_Model{Model: &pb.SignedModel{Seq: seq, Model: &pb.ModelDescriptor{Id: name, Subnet: id}}}})
	}
	return id, []statement{
		sub(1, map[string]string{"base": "1"}),
		act(2, 0, map[string]string{"price": shaP}),
		model(3, "digits"),
		act(4, 0, map[string]string{"select": shaS}),
		sub(5, map[string]string{"base": "2"}, "digits"),
		act(6, 1, nil),     // back over the parameters: base=1, price=P, select=S
		model(7, "charlm"), // registered after the update: present
		act(8, 0, map[string]string{"select": shaP}), // P is no select plugin: skipped
		act(9, 7, nil), // further back than history: skipped
		sub(10, map[string]string{"base": "3"}, "charlm"), // drops digits
	}
}

// TestFoldOrderIndependent: the statements in any order, with duplicates,
// add up to the same subnet.
func TestFoldOrderIndependent(t *testing.T) {
	id, stmts := subnetStatements(t)
	want, err := fold(mergeAll(stmts), testBuiltins(), testKinds)
	if err != nil {
		t.Fatal(err)
	}
	wantPlugins := testBuiltins()
	wantPlugins[abi.KindPrice], wantPlugins[abi.KindSelect] = shaP, shaS
	if !maps.Equal(want.plugins, wantPlugins) || want.params["base"] != "3" || want.rec.Seq != 10 || want.rec.Id != id {
		t.Fatalf("folded to plugins %v params %v seq %d", want.plugins, want.params, want.rec.Seq)
	}
	if !slices.Equal(want.rec.Models, []string{"charlm"}) || len(want.models) != 1 || want.models["charlm"] == nil {
		t.Fatalf("models %v / %v", want.rec.Models, want.models)
	}
	if len(want.skipped) != 2 || !strings.Contains(want.skipped[0], "does not implement select") || !strings.Contains(want.skipped[1], "cannot go back 7") {
		t.Fatalf("skipped %q", want.skipped)
	}
	if len(want.history) != 6 {
		t.Fatalf("history of %d versions, want 6 (creation, 2 activations, new params twice, the rollback; not the skipped ones)", len(want.history))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 30 {
		shuffled := slices.Clone(stmts)
		shuffled = append(shuffled, shuffled[rng.IntN(len(shuffled))]) // a duplicate
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		// Arriving in two halves, as gossip and a fetched log would.
		half, _ := merge(nil, shuffled[:len(shuffled)/2])
		all, _ := merge(half, shuffled[len(shuffled)/2:])
		got, err := fold(all, testBuiltins(), testKinds)
		if err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(got.plugins, want.plugins) || !maps.Equal(got.params, want.params) || !proto.Equal(got.rec, want.rec) ||
			got.set().ConfigHash() != want.set().ConfigHash() || len(got.models) != len(want.models) {
			t.Fatalf("order %v folded differently", got.rec)
		}
	}
}

func mergeAll(s []statement) []statement {
	out, _ := merge(nil, s)
	return out
}

// TestFoldNeedsPlugins: a log naming a plugin the node lacks asks for it
// instead of guessing.
func TestFoldNeedsPlugins(t *testing.T) {
	_, stmts := subnetStatements(t)
	_, err := fold(mergeAll(stmts), testBuiltins(), func(sha string) ([]abi.Kind, error) {
		if sha == shaS {
			return nil, plugins.ErrNotFound
		}
		return testKinds(sha)
	})
	var missing missingPlugins
	if !errors.As(err, &missing) || !slices.Equal(missing, missingPlugins{shaS}) || !errors.Is(err, ErrUnknownPlugin) {
		t.Fatalf("fold without plugin S: %v", err)
	}
	noSubnet := slices.DeleteFunc(slices.Clone(stmts), func(s statement) bool { return s.msg.GetSubnet() != nil })
	if _, err := fold(mergeAll(noSubnet), testBuiltins(), testKinds); !errors.Is(err, ErrUnknownSubnet) {
		t.Fatalf("fold without a subnet statement: %v", err)
	}
}

// TestFoldConflictingStatements: two different statements at one seq (an
// owner talking to two nodes at once) both apply, in hash order, on every
// node alike.
func TestFoldConflictingStatements(t *testing.T) {
	_, stmts := subnetStatements(t)
	id := stmts[0].msg.GetSubnet().Subnet.Id
	a := mustStatement(t, &pb.SubnetStatement{Op: &pb.SubnetStatement_Activation{Activation: &pb.SignedActivation{Subnet: id, Seq: 11, Plugins: map[string]string{"price": shaA}}}})
	b := mustStatement(t, &pb.SubnetStatement{Op: &pb.SubnetStatement_Activation{Activation: &pb.SignedActivation{Subnet: id, Seq: 11, Plugins: map[string]string{"price": shaP}}}})
	x, _ := merge(mergeAll(stmts), []statement{a, b})
	y, _ := merge(mergeAll(stmts), []statement{b, a})
	fx, err1 := fold(x, testBuiltins(), testKinds)
	fy, err2 := fold(y, testBuiltins(), testKinds)
	if err1 != nil || err2 != nil || fx.set().ConfigHash() != fy.set().ConfigHash() {
		t.Fatalf("conflicting statements fold differently: %v %v", err1, err2)
	}
	last := a
	if cmpStatements(a, b) < 0 {
		last = b
	}
	if want := last.msg.GetActivation().Plugins["price"]; fx.plugins[abi.KindPrice] != want {
		t.Fatalf("price %s, want the later by hash %s", fx.plugins[abi.KindPrice], want)
	}
}

// TestVerifyStatement: only the owner's signature over the statement as
// it stands counts.
func TestVerifyStatement(t *testing.T) {
	owner, _ := crypto.GenerateKey()
	other, _ := crypto.GenerateKey()
	ownerAddr := crypto.PubkeyToAddress(owner.PublicKey)
	ss, err := SignSubnet(owner, &pb.SubnetMetadata{Name: "v", Seq: 1})
	if err != nil {
		t.Fatal(err)
	}
	stmt := &pb.SubnetStatement{Op: &pb.SubnetStatement_Subnet{Subnet: ss}}
	if err := verifyStatement(stmt, ownerAddr); err != nil {
		t.Fatal(err)
	}
	tampered := proto.Clone(stmt).(*pb.SubnetStatement)
	tampered.GetSubnet().Subnet.Params = map[string]string{"base": "0"}
	if err := verifyStatement(tampered, ownerAddr); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("tampered subnet: %v", err)
	}
	a, err := SignActivation(other, &pb.SignedActivation{Subnet: ss.Subnet.Id, Seq: 2, Plugins: map[string]string{"price": shaP}})
	if err != nil {
		t.Fatal(err)
	}
	if err := verifyStatement(&pb.SubnetStatement{Op: &pb.SubnetStatement_Activation{Activation: a}}, ownerAddr); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("stranger's activation: %v", err)
	}
	both, _ := SignActivation(owner, &pb.SignedActivation{Subnet: ss.Subnet.Id, Seq: 2, Back: 1, Plugins: map[string]string{"price": shaP}})
	if err := verifyStatement(&pb.SubnetStatement{Op: &pb.SubnetStatement_Activation{Activation: both}}, ownerAddr); !errors.Is(err, ErrBadRequest) {
		t.Fatalf("activation and rollback at once: %v", err)
	}
	if err := verifyStatement(&pb.SubnetStatement{}, ownerAddr); !errors.Is(err, ErrBadRequest) {
		t.Fatalf("empty statement: %v", err)
	}
}

// FuzzSubnetLog feeds arbitrary bytes, as a peer could gossip or serve
// them for a subnet log or digest, through decoding, checking and the
// fold: errors are fine, panics are not, and whatever folds must fold
// the same from its own re-encoding.
func FuzzSubnetLog(f *testing.F) {
	key, _ := crypto.GenerateKey()
	ss, _ := SignSubnet(key, &pb.SubnetMetadata{Name: "f", Seq: 1, Params: map[string]string{"a": "b"}})
	a, _ := SignActivation(key, &pb.SignedActivation{Subnet: ss.Subnet.Id, Seq: 2, Plugins: map[string]string{"price": shaP}})
	l := &pb.SubnetLog{Subnet: ss.Subnet.Id, Statements: []*pb.SubnetStatement{
		{Op: &pb.SubnetStatement_Subnet{Subnet: ss}}, {Op: &pb.SubnetStatement_Activation{Activation: a}}}}
	b, _ := proto.Marshal(l)
	f.Add(b)
	d, _ := proto.Marshal(logDigest(ss.Subnet.Id, nil))
	f.Add(d)
	f.Fuzz(func(t *testing.T, data []byte) {
		var dg pb.SubnetDigest
		if proto.Unmarshal(data, &dg) == nil {
			r := &Node{cfg: Config{}.withDefaults()}
			r.nodes = NewNodes(r.cfg)
			_ = r.onDigest(t.Context(), common.Address{}, &dg) // no store: a no-op or a clear error
		}
		var l pb.SubnetLog
		if proto.Unmarshal(data, &l) != nil || len(l.Statements) > 64 {
			return
		}
		var stmts []statement
		for _, msg := range l.Statements {
			s, err := newStatement(msg)
			if err != nil {
				continue
			}
			_ = verifyStatement(msg, common.Address{})
			stmts = append(stmts, s)
		}
		st, err := fold(mergeAll(stmts), testBuiltins(), testKinds)
		if err != nil {
			return
		}
		var again []statement
		for _, s := range stmts {
			var msg pb.SubnetStatement
			if err := proto.Unmarshal(s.enc, &msg); err != nil {
				t.Fatal(err)
			}
			again = append(again, mustStatement(t, &msg))
		}
		st2, err := fold(mergeAll(again), testBuiltins(), testKinds)
		if err != nil || st2.set().ConfigHash() != st.set().ConfigHash() || !proto.Equal(st.rec, st2.rec) {
			t.Fatalf("re-encoded log folds differently: %v", err)
		}
	})
}
