package api

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"time"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/common"

	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/host/api/pb"
)

// What a signed TaskRef asks for. A request id is no secret — validators
// gossip it, the escrow's events carry it — so an id alone may read a
// request's status, but cancelling it takes its client's signature and
// reading its task (the client's input) its compute node's.
const (
	KindCancelTask   = "cancel-task"
	KindGetTask      = "get-task"
	KindStreamTokens = "stream-tokens"
)

// ErrTaskRefAuth is a TaskRef that does not prove who sent it: unsigned,
// malformed, or out of its time window.
var ErrTaskRefAuth = errors.New("request reference refused")

// TaskRefDigest is what a party signs to act on request id: EIP-191 over
//
//	"ncn/" + kind + "/v1\n" + 0x request id (lowercase hex) + "\n" + unix_ms
func TaskRefDigest(kind string, id common.Hash, unixMs int64) common.Hash {
	return common.BytesToHash(accounts.TextHash(fmt.Appendf(nil, "ncn/%s/v1\n%s\n%d", kind, id.Hex(), unixMs)))
}

// SignTaskRef is a reference to request id signed by key at t, for kind.
func SignTaskRef(key *ecdsa.PrivateKey, kind string, id common.Hash, t time.Time) (*pb.TaskRef, error) {
	sig, err := chain.Sign(key, TaskRefDigest(kind, id, t.UnixMilli()))
	if err != nil {
		return nil, err
	}
	return &pb.TaskRef{RequestId: id.Bytes(), UnixMs: t.UnixMilli(), Signature: sig}, nil
}

// VerifyTaskRef checks a signed reference for kind at time now and
// returns its signer; the caller compares it with the party the request
// names. Errors wrap ErrTaskRefAuth.
func VerifyTaskRef(kind string, ref *pb.TaskRef, now time.Time) (common.Address, error) {
	if len(ref.GetRequestId()) != common.HashLength {
		return common.Address{}, fmt.Errorf("%w: request id of %d bytes, want %d", ErrTaskRefAuth, len(ref.GetRequestId()), common.HashLength)
	}
	if len(ref.GetSignature()) == 0 {
		return common.Address{}, fmt.Errorf("%w: %s must be signed (unix_ms, signature: api.SignTaskRef)", ErrTaskRefAuth, kind)
	}
	if err := inClockWindow(ref.UnixMs, now); err != nil {
		return common.Address{}, fmt.Errorf("%w: %v", ErrTaskRefAuth, err)
	}
	signer, err := chain.Recover(TaskRefDigest(kind, common.BytesToHash(ref.RequestId), ref.UnixMs), ref.Signature)
	if err != nil {
		return common.Address{}, fmt.Errorf("%w: %w", ErrTaskRefAuth, err)
	}
	return signer, nil
}

// TaskErrorDigest is what a compute node signs to report that request
// id's task failed with message msg: EIP-191 over
//
//	"ncn/task-error/v1\n" + 0x request id (lowercase hex) + "\n" + msg
//
// A failure report refunds a paid request, so only the node the task went
// to may make one.
func TaskErrorDigest(id common.Hash, msg string) common.Hash {
	return common.BytesToHash(accounts.TextHash(fmt.Appendf(nil, "ncn/task-error/v1\n%s\n%s", id.Hex(), msg)))
}

// SignTaskError is key's signature of a failure report.
func SignTaskError(key *ecdsa.PrivateKey, id common.Hash, msg string) ([]byte, error) {
	return chain.Sign(key, TaskErrorDigest(id, msg))
}

// TaskErrorSigner recovers who signed a failure report.
func TaskErrorSigner(id common.Hash, msg string, sig []byte) (common.Address, error) {
	return chain.Recover(TaskErrorDigest(id, msg), sig)
}
