package chain

import (
	"context"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/ncn-network/ncn/chain/bindings/payment"
)

// Payment is what a client pays into escrow for one request: the quoted
// request, its payment tree, and the validators' Preprocessing signatures.
type Payment struct {
	RequestID  common.Hash
	SubnetID   common.Hash
	ModelID    common.Hash
	ConfigHash common.Hash
	ExpiresAt  uint64 // unix seconds, by the chain's block time
	Tree       PaymentTree
	// Signatures over Message(client), ordered by ascending signer
	// (OrderSignatures).
	Signatures [][]byte
}

// Message is the Preprocessing message validators sign for client paying p.
func (p Payment) Message(client common.Address) Preprocessing {
	return Preprocessing{
		RequestID: p.RequestID, Client: client, Gateway: p.Tree.Gateway, ComputeNode: p.Tree.ComputeNode,
		SubnetID: p.SubnetID, ModelID: p.ModelID, Amount: p.Tree.Total(), TreeHash: p.Tree.Hash(),
		ConfigHash: p.ConfigHash, ExpiresAt: p.ExpiresAt,
	}
}

func (p Payment) args() (payment.InferencePaymentRequestParams, payment.InferencePaymentPaymentTree) {
	return payment.InferencePaymentRequestParams{
			RequestId: p.RequestID, SubnetId: p.SubnetID, ModelId: p.ModelID, ConfigHash: p.ConfigHash, ExpiresAt: p.ExpiresAt,
		}, payment.InferencePaymentPaymentTree{
			ComputeNode: p.Tree.ComputeNode, ComputeAmount: orZero(p.Tree.ComputeAmount),
			Gateway: p.Tree.Gateway, GatewayAmount: orZero(p.Tree.GatewayAmount),
			ValidatorAmount: orZero(p.Tree.ValidatorAmount), TreasuryAmount: orZero(p.Tree.TreasuryAmount),
		}
}

// Settlement is what a gateway submits to settle a request.
type Settlement struct {
	RequestID  common.Hash
	ResultHash common.Hash
	ExecMillis uint64
	// ComputeSig is the compute node's signature over ComputeResult.
	ComputeSig []byte
	// ValidatorSigs are Completion signatures, ordered by ascending signer.
	ValidatorSigs [][]byte
}

// Escrow submits escrow transactions from one key: a client's (initiate),
// a gateway's (complete, mark failed) or anyone's (refund expired).
//
// Every call is idempotent by request id: when the request is already in
// the state a call would put it in, nothing is sent and the call returns a
// nil receipt and a nil error. When it is in a state the call cannot leave,
// the error wraps ErrNotPending (or ErrConflict for initiate).
type Escrow struct {
	*Contracts
	sender *Sender
}

// NewEscrow returns an escrow client sending from s.
func NewEscrow(c *Contracts, s *Sender) *Escrow { return &Escrow{Contracts: c, sender: s} }

// Sender is the key this client sends from.
func (e *Escrow) Sender() *Sender { return e.sender }

// Approve lets the payment contract pull amount from the sender.
func (e *Escrow) Approve(ctx context.Context, amount *big.Int) (*types.Receipt, error) {
	return e.sender.Send(ctx, Call{To: &e.Token, Data: e.token.PackApprove(e.Payment, amount)})
}

// Initiate deposits p's total into escrow (approve it first).
func (e *Escrow) Initiate(ctx context.Context, p Payment) (*types.Receipt, error) {
	if done, err := e.Initiated(ctx, p); done || err != nil {
		return nil, err
	}
	req, tree := p.args()
	return e.sender.Send(ctx, Call{To: &e.Payment, Data: e.payment.PackInitiateInferenceRequest(req, tree, p.Signatures)})
}

// SubmitInitiate is Initiate without waiting for the receipt, for callers
// that pipeline many payments.
func (e *Escrow) SubmitInitiate(ctx context.Context, p Payment) (*Pending, error) {
	req, tree := p.args()
	return e.sender.Submit(ctx, Call{To: &e.Payment, Data: e.payment.PackInitiateInferenceRequest(req, tree, p.Signatures)})
}

// InitiateWithPermit deposits p's total using an EIP-2612 permit signed by
// the sender, in one transaction. deadline is unix seconds.
func (e *Escrow) InitiateWithPermit(ctx context.Context, p Payment, deadline uint64) (*types.Receipt, error) {
	if done, err := e.Initiated(ctx, p); done || err != nil {
		return nil, err
	}
	pending, err := e.SubmitInitiateWithPermit(ctx, p, deadline)
	if err != nil {
		return nil, err
	}
	return pending.Wait(ctx)
}

// SubmitInitiateWithPermit is InitiateWithPermit without waiting for the
// receipt (and without looking whether p is paid already).
func (e *Escrow) SubmitInitiateWithPermit(ctx context.Context, p Payment, deadline uint64) (*Pending, error) {
	amount := p.Tree.Total()
	nonce, err := view(ctx, e.Contracts, e.Token, e.token.PackNonces(e.sender.From()), e.token.UnpackNonces)
	if err != nil {
		return nil, fmt.Errorf("permit nonce: %w", err)
	}
	digest, err := e.permitDigest(ctx, amount, nonce, deadline)
	if err != nil {
		return nil, err
	}
	sig, err := crypto.Sign(digest[:], e.sender.key)
	if err != nil {
		return nil, fmt.Errorf("sign permit: %w", err)
	}
	var r, s [32]byte
	copy(r[:], sig[:32])
	copy(s[:], sig[32:64])
	req, tree := p.args()
	data := e.payment.PackInitiateWithPermit(req, tree, p.Signatures, new(big.Int).SetUint64(deadline), sig[64]+27, r, s)
	return e.sender.Submit(ctx, Call{To: &e.Payment, Data: data})
}

// InitiatedRequest is the request id a call of the escrow's initiate (with
// or without a permit) pays for; false for any other calldata.
func InitiatedRequest(data []byte) (common.Hash, bool) {
	if len(data) < 4 {
		return common.Hash{}, false
	}
	a := payment.NewInferencePayment().GetABI()
	m, err := a.MethodById(data[:4])
	if err != nil || (m.RawName != "initiateInferenceRequest" && m.RawName != "initiateWithPermit") {
		return common.Hash{}, false
	}
	args, err := m.Inputs.Unpack(data[4:])
	if err != nil || len(args) == 0 {
		return common.Hash{}, false
	}
	req, ok := abi.ConvertType(args[0], new(payment.InferencePaymentRequestParams)).(*payment.InferencePaymentRequestParams)
	if !ok {
		return common.Hash{}, false
	}
	return req.RequestId, true
}

// permitDigest is the EIP-712 digest of an ERC20Permit Permit message
// (OpenZeppelin's domain: the token name, version "1").
func (e *Escrow) permitDigest(ctx context.Context, value, nonce *big.Int, deadline uint64) (common.Hash, error) {
	dom, err := view(ctx, e.Contracts, e.Token, e.token.PackEip712Domain(), e.token.UnpackEip712Domain)
	if err != nil {
		return common.Hash{}, fmt.Errorf("token domain: %w", err)
	}
	sep := crypto.Keccak256Hash(
		domainTypeHash[:], crypto.Keccak256([]byte(dom.Name)), crypto.Keccak256([]byte(dom.Version)),
		word(dom.ChainId), addrWord(dom.VerifyingContract))
	permitType := crypto.Keccak256([]byte("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"))
	structHash := crypto.Keccak256Hash(permitType, addrWord(e.sender.From()), addrWord(e.Payment),
		word(value), word(nonce), word(new(big.Int).SetUint64(deadline)))
	return crypto.Keccak256Hash([]byte{0x19, 0x01}, sep[:], structHash[:]), nil
}

// Initiated reports whether p is already in escrow from this sender; a
// request id used for anything else is ErrConflict.
func (e *Escrow) Initiated(ctx context.Context, p Payment) (bool, error) {
	st, err := e.Request(ctx, p.RequestID)
	if err != nil {
		return false, err
	}
	switch {
	case st.Status == StatusNone:
		return false, nil
	case st.Status == StatusPending && st.Client == e.sender.From() && st.ExpiresAt == p.ExpiresAt &&
		st.Tree.Total().Cmp(p.Tree.Total()) == 0 && st.Tree.Gateway == p.Tree.Gateway && st.Tree.ComputeNode == p.Tree.ComputeNode:
		return true, nil
	case st.Status != StatusPending && st.Client == e.sender.From():
		// This payment already ran its course; paying again would double-charge.
		return false, fmt.Errorf("initiate %s: %w (status %s)", p.RequestID, ErrNotPending, st.Status)
	default:
		return false, fmt.Errorf("initiate %s: %w (client %s, status %s)", p.RequestID, ErrConflict, st.Client, st.Status)
	}
}

// Complete settles one request (the sender must be its gateway).
func (e *Escrow) Complete(ctx context.Context, s Settlement) (*types.Receipt, error) {
	if done, err := e.settleable(ctx, s.RequestID); done || err != nil {
		return nil, err
	}
	data := e.payment.PackCompleteInferenceRequest(s.RequestID, s.ResultHash, s.ExecMillis, s.ComputeSig, s.ValidatorSigs)
	return e.sender.Send(ctx, Call{To: &e.Payment, Data: data})
}

// CompleteBatch settles many requests in one transaction. Requests already
// completed are left out; if none is left, nothing is sent.
func (e *Escrow) CompleteBatch(ctx context.Context, batch []Settlement) (*types.Receipt, error) {
	items := make([]payment.InferencePaymentCompletion, 0, len(batch))
	for _, s := range batch {
		done, err := e.settleable(ctx, s.RequestID)
		if err != nil {
			return nil, err
		}
		if done {
			continue
		}
		items = append(items, payment.InferencePaymentCompletion{
			RequestId: s.RequestID, ResultHash: s.ResultHash, ExecMillis: s.ExecMillis,
			ComputeSig: s.ComputeSig, ValidatorSigs: s.ValidatorSigs,
		})
	}
	if len(items) == 0 {
		return nil, nil
	}
	return e.sender.Send(ctx, Call{To: &e.Payment, Data: e.payment.PackCompleteInferenceRequests(items)})
}

func (e *Escrow) settleable(ctx context.Context, id common.Hash) (done bool, err error) {
	return e.expectPending(ctx, id, StatusCompleted, "complete")
}

// RefundExpired refunds the payer of an expired request (anyone may).
func (e *Escrow) RefundExpired(ctx context.Context, id common.Hash) (*types.Receipt, error) {
	if done, err := e.expectPending(ctx, id, StatusExpired, "refund"); done || err != nil {
		return nil, err
	}
	return e.sender.Send(ctx, Call{To: &e.Payment, Data: e.payment.PackHandleExpiredRequest(id)})
}

// MarkFailed refunds the payer of a request its gateway gives up on.
func (e *Escrow) MarkFailed(ctx context.Context, id common.Hash) (*types.Receipt, error) {
	if done, err := e.expectPending(ctx, id, StatusFailed, "mark failed"); done || err != nil {
		return nil, err
	}
	return e.sender.Send(ctx, Call{To: &e.Payment, Data: e.payment.PackMarkRequestFailed(id)})
}

// expectPending: done when the request already has status target; an error
// when it is in any other non-pending state.
func (e *Escrow) expectPending(ctx context.Context, id common.Hash, target Status, op string) (bool, error) {
	st, err := e.Request(ctx, id)
	if err != nil {
		return false, err
	}
	switch st.Status {
	case StatusPending:
		return false, nil
	case target:
		return true, nil
	default:
		return false, fmt.Errorf("%s %s: %w (status %s)", op, id, ErrNotPending, st.Status)
	}
}

func orZero(v *big.Int) *big.Int {
	if v == nil {
		return new(big.Int)
	}
	return v
}
