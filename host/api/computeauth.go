package api

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/host/api/pb"
)

// The compute node's signed messages on GatewayComputeService, here so
// that the node (host/compute), the gateway (host/gateway) and tests sign
// and check one definition.

// StreamClockSkew is how far a ReceiveTaskRequest's time may be from the
// verifier's clock, as for registry heartbeats.
const StreamClockSkew = 2 * time.Minute

// inClockWindow checks that a signed message's time is within
// StreamClockSkew of the verifier's clock.
func inClockWindow(unixMs int64, now time.Time) error {
	if t := time.UnixMilli(unixMs); t.Before(now.Add(-StreamClockSkew)) || t.After(now.Add(StreamClockSkew)) {
		return fmt.Errorf("time %s is more than %s from the gateway's", t.UTC().Format(time.RFC3339), StreamClockSkew)
	}
	return nil
}

// ErrStreamAuth is a ReceiveTaskRequest that does not prove its address:
// malformed, signed by another key, or out of its time window.
var ErrStreamAuth = errors.New("task stream request refused")

// ReceiveTaskDigest is what a compute node signs to open its task stream
// at a gateway: EIP-191 over
//
//	"ncn/receive-task/v1\n" + lowercase 0x address + "\n" + unix_ms + "\n0"
//
// This is the registry's heartbeat scheme (host/registry, nodes.go) under
// a kind of its own: a node sends its heartbeats to every registry node,
// and a heartbeat (load 0) must not open the node's task stream at a
// gateway, nor this request count as a heartbeat.
func ReceiveTaskDigest(addr common.Address, unixMs int64) common.Hash {
	msg := fmt.Appendf(nil, "ncn/receive-task/v1\n%s\n%d\n%d", strings.ToLower(addr.Hex()), unixMs, 0)
	return common.BytesToHash(accounts.TextHash(msg))
}

// SignReceiveTask is the request a compute node with key opens its task
// stream with at time t.
func SignReceiveTask(key *ecdsa.PrivateKey, t time.Time) (*pb.ReceiveTaskRequest, error) {
	addr := crypto.PubkeyToAddress(key.PublicKey)
	sig, err := chain.Sign(key, ReceiveTaskDigest(addr, t.UnixMilli()))
	if err != nil {
		return nil, err
	}
	return &pb.ReceiveTaskRequest{Address: strings.ToLower(addr.Hex()), UnixMs: t.UnixMilli(), Signature: sig}, nil
}

// VerifyReceiveTask checks a task stream request at time now, as a
// gateway does before it sends the node any task, and returns the node's
// address. Errors wrap ErrStreamAuth. A gateway should also refuse a time
// not newer than the node's last accepted one, against replays within the
// window.
func VerifyReceiveTask(req *pb.ReceiveTaskRequest, now time.Time) (common.Address, error) {
	if !common.IsHexAddress(req.GetAddress()) || !strings.HasPrefix(req.GetAddress(), "0x") {
		return common.Address{}, fmt.Errorf("%w: address %q is not a 0x-prefixed address", ErrStreamAuth, req.GetAddress())
	}
	addr := common.HexToAddress(req.Address)
	if err := inClockWindow(req.UnixMs, now); err != nil {
		return common.Address{}, fmt.Errorf("%w: %v", ErrStreamAuth, err)
	}
	got, err := chain.Recover(ReceiveTaskDigest(addr, req.UnixMs), req.Signature)
	if err != nil {
		return common.Address{}, fmt.Errorf("%w: %w", ErrStreamAuth, err)
	}
	if got != addr {
		return common.Address{}, fmt.Errorf("%w: signed by %s, not %s", ErrStreamAuth, got.Hex(), addr.Hex())
	}
	return addr, nil
}

// SignResult hashes output (keccak256) and signs the EIP-712
// ComputeResult of request id in domain: what a node returns for a task
// it ran. execMillis below 1 is raised to 1, the least validators accept.
func SignResult(key *ecdsa.PrivateKey, domain chain.Domain, id common.Hash, output []byte, execMillis uint64) (*pb.ComputeResult, error) {
	addr := crypto.PubkeyToAddress(key.PublicKey)
	cr := chain.ComputeResult{RequestID: id, ResultHash: crypto.Keccak256Hash(output), ComputeNode: addr, ExecMillis: max(execMillis, 1)}
	sig, err := chain.Sign(key, domain.Digest(cr.StructHash()))
	if err != nil {
		return nil, err
	}
	return &pb.ComputeResult{RequestId: id.Bytes(), ComputeNode: strings.ToLower(addr.Hex()), Result: output,
		ResultHash: cr.ResultHash.Bytes(), ExecMillis: cr.ExecMillis, Signature: sig}, nil
}
