package api_test

import (
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/host/api"
	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/host/registry"
)

// TestReceiveTaskAuth: a gateway accepts the node's own signed request
// within the clock window and nothing else: not another key's, not an old
// one, not a heartbeat the node sent the registry at the same moment.
func TestReceiveTaskAuth(t *testing.T) {
	key, _ := crypto.GenerateKey()
	other, _ := crypto.GenerateKey()
	addr := crypto.PubkeyToAddress(key.PublicKey)
	now := time.Now()
	good, err := api.SignReceiveTask(key, now)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := api.VerifyReceiveTask(good, now.Add(time.Second)); err != nil || got != addr {
		t.Fatalf("verify = %s, %v; want %s", got.Hex(), err, addr.Hex())
	}
	beat, err := registry.SignHeartbeat(key, now, 0)
	if err != nil {
		t.Fatal(err)
	}
	forged, _ := api.SignReceiveTask(other, now)
	tests := []struct {
		name string
		req  *pb.ReceiveTaskRequest
		at   time.Time
	}{
		{name: "another key", req: &pb.ReceiveTaskRequest{Address: good.Address, UnixMs: good.UnixMs, Signature: forged.Signature}, at: now},
		{name: "other time", req: &pb.ReceiveTaskRequest{Address: good.Address, UnixMs: good.UnixMs + 1, Signature: good.Signature}, at: now},
		{name: "too old", req: good, at: now.Add(api.StreamClockSkew + time.Second)},
		{name: "from the future", req: good, at: now.Add(-api.StreamClockSkew - time.Second)},
		{name: "a heartbeat", req: &pb.ReceiveTaskRequest{Address: beat.Address, UnixMs: beat.UnixMs, Signature: beat.Signature}, at: now},
		{name: "no address", req: &pb.ReceiveTaskRequest{UnixMs: good.UnixMs, Signature: good.Signature}, at: now},
		{name: "short signature", req: &pb.ReceiveTaskRequest{Address: good.Address, UnixMs: good.UnixMs, Signature: good.Signature[:64]}, at: now},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := api.VerifyReceiveTask(tt.req, tt.at); !errors.Is(err, api.ErrStreamAuth) {
				t.Fatalf("verify = %v, want ErrStreamAuth", err)
			}
		})
	}
}

// TestSignResult: the signature recovers to the node over the EIP-712
// digest of the ComputeResult, in the given domain only.
func TestSignResult(t *testing.T) {
	key, _ := crypto.GenerateKey()
	addr := crypto.PubkeyToAddress(key.PublicKey)
	d := chain.Domain{ChainID: big.NewInt(1337), Contract: common.Address{1}}
	id := common.Hash{7}
	r, err := api.SignResult(key, d, id, []byte("out"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if r.ExecMillis != 1 || common.BytesToHash(r.ResultHash) != crypto.Keccak256Hash([]byte("out")) {
		t.Fatalf("result %v", r)
	}
	cr := chain.ComputeResult{RequestID: id, ResultHash: crypto.Keccak256Hash([]byte("out")), ComputeNode: addr, ExecMillis: 1}
	if got, err := chain.Recover(d.Digest(cr.StructHash()), r.Signature); err != nil || got != addr {
		t.Fatalf("recovered %s, %v", got.Hex(), err)
	}
	other := chain.Domain{ChainID: big.NewInt(1), Contract: common.Address{1}}
	if got, _ := chain.Recover(other.Digest(cr.StructHash()), r.Signature); got == addr {
		t.Fatal("the signature holds in another domain")
	}
}
