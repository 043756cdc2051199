package registry

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/ncn-network/ncn/host/api/pb"
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
