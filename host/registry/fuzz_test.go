package registry

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"google.golang.org/protobuf/proto"

	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/p2p"
)

// FuzzPeerRequests feeds arbitrary bytes, as a peer or client could send
// them, through the decoders and checks of every request a registry node
// parses before any signature is made: none may panic, and whatever
// parses must re-encode to a request that parses the same.
func FuzzPeerRequests(f *testing.F) {
	seed := &pb.PreprocessingValidationRequest{RequestId: make([]byte, 32), ConfigHash: make([]byte, 32),
		Client: "0x0000000000000000000000000000000000000001", Gateway: "0x0000000000000000000000000000000000000002",
		ComputeNode: "0x0000000000000000000000000000000000000003", Subnet: "s", Model: "m", ExpiresAt: 1,
		Tree: &pb.PaymentTree{ComputeNode: "0x0000000000000000000000000000000000000003", Gateway: "0x0000000000000000000000000000000000000002",
			ComputeAmount: "80", GatewayAmount: "10", ValidatorAmount: "5", TreasuryAmount: "5"}}
	b, _ := proto.Marshal(seed)
	f.Add(b)
	c, _ := proto.Marshal(&pb.CompletionValidationRequest{RequestId: make([]byte, 32), ResultHash: make([]byte, 32), ComputeNode: "0x0000000000000000000000000000000000000003"})
	f.Add(c)
	r, _ := proto.Marshal(&pb.RegisterNodeRequest{Node: &pb.NodeInfo{Role: pb.NodeRole_NODE_ROLE_COMPUTE, Models: []string{"m"}}, Seq: 1, Signature: make([]byte, 65)})
	f.Add(r)
	f.Fuzz(func(t *testing.T, data []byte) {
		var pre pb.PreprocessingValidationRequest
		if proto.Unmarshal(data, &pre) == nil {
			if m, _, err := preprocessing(&pre); err == nil {
				again, _, err := preprocessing(proto.Clone(&pre).(*pb.PreprocessingValidationRequest))
				if err != nil || again.StructHash() != m.StructHash() {
					t.Fatalf("a parsed request does not parse the same twice: %v", err)
				}
			}
		}
		var comp pb.CompletionValidationRequest
		if proto.Unmarshal(data, &comp) == nil {
			_, _ = completion(&comp)
		}
		var reg pb.RegisterNodeRequest
		if proto.Unmarshal(data, &reg) == nil {
			n := NewNodes(Config{})
			_ = n.Register(&reg) // a random signature never verifies; it must fail cleanly
		}
		var hb pb.HeartbeatRequest
		if proto.Unmarshal(data, &hb) == nil {
			_ = NewNodes(Config{}).Heartbeat(&hb)
		}
	})
}

// FuzzGossip feeds arbitrary payloads, as a peer could gossip them, to
// what a registry node applies from each topic: errors are fine, panics
// and out-of-range state are not.
func FuzzGossip(f *testing.F) {
	f.Add([]byte{msgRegister}, 0)
	f.Add([]byte(`{"requestId":"0x0000000000000000000000000000000000000000000000000000000000000001","atMillis":1,"nodes":["0x0000000000000000000000000000000000000001"],"outcomes":[-20]}`), 1)
	f.Add([]byte(`{"kind":"pending","requestId":"0x0000000000000000000000000000000000000000000000000000000000000001","createdMs":5}`), 2)
	f.Fuzz(func(t *testing.T, payload []byte, topic int) {
		r := &Node{cfg: Config{}.withDefaults(), ledger: NewLedger()}
		r.nodes, r.mempool = NewNodes(r.cfg), NewMempool(r.cfg.Now)
		name := []string{p2p.TopicHeartbeat, p2p.TopicReputation, p2p.TopicMempool}[uint(topic)%3]
		if name == p2p.TopicHeartbeat && r.validateBeat(context.Background(), "", common.Address{}, &p2p.Message{Payload: payload}) != nil {
			return // refused before it is applied
		}
		_ = r.apply(name, payload)
		for _, e := range r.ledger.Events() {
			if s := r.ledger.Score(e.Node); s > MaxReputation {
				t.Fatalf("score %d", s)
			}
		}
	})
}

// TestReputationGossipRefused: a gossiped reputation event stamped in the
// future or at no time, or claiming a slash (slashes travel as evidence,
// which is checked), is refused and changes no score.
func TestReputationGossipRefused(t *testing.T) {
	r := &Node{cfg: Config{}.withDefaults(), ledger: NewLedger()}
	r.nodes, r.mempool = NewNodes(r.cfg), NewMempool(r.cfg.Now)
	now := r.cfg.Now().UnixMilli()
	node := common.HexToAddress("0x01")
	msg := func(at int64, o Outcome) []byte {
		return []byte(fmt.Sprintf(`{"requestId":"0x%064x","atMillis":%d,"nodes":["%s"],"outcomes":[%d]}`, at, at, node.Hex(), o))
	}
	for name, payload := range map[string][]byte{
		"future": msg(now+2*maxEventSkew.Milliseconds(), Success),
		"zero":   msg(0, Success),
		"slash":  msg(now, Slashed),
	} {
		if err := r.apply(p2p.TopicReputation, payload); !errors.Is(err, ErrBadRequest) {
			t.Errorf("%s: %v, want ErrBadRequest", name, err)
		}
	}
	if s := r.ledger.Score(node); s != InitialReputation {
		t.Fatalf("refused events moved the score to %d", s)
	}
	if err := r.apply(p2p.TopicReputation, msg(now, Timeout)); err != nil {
		t.Fatal(err)
	}
	if s := r.ledger.Score(node); s != InitialReputation-5 {
		t.Fatalf("a good event: score %d", s)
	}
}
