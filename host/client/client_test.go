package client

import (
	"errors"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/ncn-network/ncn/host/api/pb"
)

func instructions() *pb.PaymentInstructions {
	id := make([]byte, 32)
	id[31] = 7
	return &pb.PaymentInstructions{
		RequestId: id, ConfigHash: make([]byte, 32), ExpiresAt: 99, Amount: "100",
		SubnetId: "0x" + strings.Repeat("11", 32), ModelId: "0x" + strings.Repeat("22", 32),
		Tree: &pb.PaymentTree{ComputeNode: "0x" + strings.Repeat("33", 20), ComputeAmount: "80", Gateway: "0x" + strings.Repeat("44", 20),
			GatewayAmount: "10", ValidatorAmount: "5", TreasuryAmount: "5"},
		Signatures: []*pb.ValidatorSignature{{Signature: make([]byte, 65)}, {Signature: make([]byte, 65)}},
	}
}

// TestPaymentOf: the gateway's instructions become the escrow deposit
// field by field, and instructions that could not be a valid deposit are
// refused before any transaction is signed.
func TestPaymentOf(t *testing.T) {
	p, err := PaymentOf(instructions())
	if err != nil {
		t.Fatal(err)
	}
	if p.RequestID[31] != 7 || p.ExpiresAt != 99 || p.Tree.Total().String() != "100" || p.SubnetID[0] != 0x11 || p.ModelID[31] != 0x22 ||
		p.Tree.ComputeNode[0] != 0x33 || p.Tree.Gateway[19] != 0x44 || len(p.Signatures) != 2 {
		t.Fatalf("payment %+v", p)
	}
	for name, mutate := range map[string]func(*pb.PaymentInstructions){
		"short request id":    func(pi *pb.PaymentInstructions) { pi.RequestId = pi.RequestId[:31] },
		"no tree":             func(pi *pb.PaymentInstructions) { pi.Tree = nil },
		"subnet id not hex":   func(pi *pb.PaymentInstructions) { pi.SubnetId = "demo" },
		"model id short":      func(pi *pb.PaymentInstructions) { pi.ModelId = "0x1234" },
		"bad compute address": func(pi *pb.PaymentInstructions) { pi.Tree.ComputeNode = "nobody" },
		"negative amount":     func(pi *pb.PaymentInstructions) { pi.Tree.GatewayAmount = "-1" },
		"amount not a number": func(pi *pb.PaymentInstructions) { pi.Tree.TreasuryAmount = "5e3" },
		"total differs":       func(pi *pb.PaymentInstructions) { pi.Amount = "101" },
		"short signature":     func(pi *pb.PaymentInstructions) { pi.Signatures[1].Signature = make([]byte, 64) },
	} {
		pi := proto.Clone(instructions()).(*pb.PaymentInstructions)
		mutate(pi)
		if _, err := PaymentOf(pi); !errors.Is(err, ErrBadInstructions) {
			t.Errorf("%s: %v, want ErrBadInstructions", name, err)
		}
	}
}
