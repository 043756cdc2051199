// Package client is the paying client of the network: it asks a gateway
// for a quote, submits the task, pays the escrow with the validators'
// signatures the gateway gathered (an EIP-2612 permit and the deposit in
// one transaction, or approve then deposit), tells the gateway, and
// follows the request until it is settled or refunded. `ncn client` and
// `ncn devnet --requests` are built on it.
package client

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	mrand "math/rand/v2"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/host/api/pb"
)

// Errors.
var (
	ErrBadInstructions = errors.New("client: bad payment instructions from the gateway")
	ErrNotSettled      = errors.New("client: request not settled")
)

// Client pays for and follows requests through one gateway.
type Client struct {
	gw     pb.GatewayClientServiceClient
	escrow *chain.Escrow // nil: estimates and status only
	// Approve pays with approve then deposit (two transactions) instead of
	// a permit; for tokens without EIP-2612.
	Approve bool
	// Approved says the escrow may already pull enough (a standing
	// allowance): deposit only. Concurrent payments from one account need
	// it, as permits are ordered by the token's per-account nonce.
	Approved bool
	// Progress, if set, is told each step ("quoted 0.0012 NCN", ...).
	Progress func(format string, args ...any)
}

// New returns a client of the gateway on conn, paying from escrow's sender.
func New(conn grpc.ClientConnInterface, escrow *chain.Escrow) *Client {
	return &Client{gw: pb.NewGatewayClientServiceClient(conn), escrow: escrow}
}

// Gateway is the gateway's client API.
func (c *Client) Gateway() pb.GatewayClientServiceClient { return c.gw }

func (c *Client) progress(format string, args ...any) {
	if c.Progress != nil {
		c.Progress(format, args...)
	}
}

// Request is one inference to pay for.
type Request struct {
	Subnet, Model  string
	Input          []byte
	Params         []byte // JSON object, optional
	IdempotencyKey string // optional; a retry with the same key is the same request
	Stream         bool   // ask for output tokens as they come
}

// Outcome is how a paid request ended.
type Outcome struct {
	Quote   *pb.FeeQuote
	Status  *pb.InferenceTaskStatus // final
	Payment chain.Payment
	Tokens  []string
	// Stages are the wall-clock times of each step: quote, submit (select
	// and preprocessing quorum), pay (the escrow transaction), result
	// (from payment confirmed to settled), total.
	Stages map[string]time.Duration
}

// Estimate asks for a quote.
func (c *Client) Estimate(ctx context.Context, req Request) (*pb.FeeQuote, error) {
	return c.gw.EstimateFee(ctx, &pb.EstimateFeeRequest{Subnet: req.Subnet, Model: req.Model, Input: req.Input, Params: req.Params, Client: c.address()})
}

func (c *Client) address() string {
	if c.escrow == nil {
		return ""
	}
	return strings.ToLower(c.escrow.Sender().From().Hex())
}

// Infer quotes, submits, pays and follows req to its end. onToken, if
// set, gets streamed output. A request that ends refunded or released
// returns its outcome with an error wrapping ErrNotSettled.
func (c *Client) Infer(ctx context.Context, req Request, onToken func(string)) (*Outcome, error) {
	if c.escrow == nil {
		return nil, errors.New("client: no key to pay with")
	}
	out := &Outcome{Stages: map[string]time.Duration{}}
	start := time.Now()
	lap := func(stage string, since time.Time) time.Time {
		now := time.Now()
		out.Stages[stage] = now.Sub(since)
		return now
	}
	q, err := c.Estimate(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("quote: %w", err)
	}
	out.Quote = q
	c.progress("quoted %s wei (quote %s, config %x, expires %s)", q.Amount, q.QuoteId, q.ConfigHash, time.Unix(int64(q.ExpiresAt), 0).UTC().Format(time.TimeOnly))
	t := lap("quote", start)
	if req.IdempotencyKey == "" {
		// Retries below must not make a second request.
		req.IdempotencyKey = "ncn-client-" + hex.EncodeToString(randomBytes(16))
	}
	st, err := c.submit(ctx, &pb.InferenceRequest{QuoteId: q.QuoteId, Client: c.address(), Subnet: req.Subnet, Model: req.Model,
		Input: req.Input, Params: req.Params, IdempotencyKey: req.IdempotencyKey, Stream: req.Stream})
	if err != nil {
		return nil, fmt.Errorf("submit: %w", err)
	}
	if st.State != pb.TaskState_TASK_STATE_AWAITING_PAYMENT || st.Payment == nil {
		if terminal(st.State) || st.State >= pb.TaskState_TASK_STATE_PAID {
			// A retried idempotent submission of a request already paid.
			return c.follow(ctx, out, st.RequestId, start, onToken)
		}
		return nil, fmt.Errorf("submit: the gateway answered %s without payment instructions", st.State)
	}
	p, err := PaymentOf(st.Payment)
	if err != nil {
		return nil, err
	}
	out.Payment = p
	c.progress("validated by %d validators; compute node %s; paying %s wei into escrow", len(p.Signatures), st.ComputeNode, p.Tree.Total())
	t = lap("submit", t)
	tx, err := c.pay(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("pay: %w", err)
	}
	c.progress("paid: request %x, tx %s", p.RequestID, tx)
	t = lap("pay", t)
	if _, err := c.gw.ConfirmPayment(ctx, &pb.ConfirmPaymentRequest{RequestId: p.RequestID[:], TxHash: tx}); err != nil {
		return nil, fmt.Errorf("confirm payment: %w", err)
	}
	out, err = c.follow(ctx, out, p.RequestID[:], t, onToken)
	if out != nil {
		out.Stages["result"] = out.Stages["follow"]
		delete(out.Stages, "follow")
		out.Stages["total"] = time.Since(start)
	}
	return out, err
}

// pay deposits p into escrow and returns the initiate transaction's hash
// once it is mined ("" when p was paid already: a retry). While it is
// being mined the gateway is told of it, and may start the task then.
func (c *Client) pay(ctx context.Context, p chain.Payment) (string, error) {
	if done, err := c.escrow.Initiated(ctx, p); done || err != nil {
		return "", err
	}
	var pending *chain.Pending
	var err error
	switch {
	case c.Approved:
		pending, err = c.escrow.SubmitInitiate(ctx, p)
	case c.Approve:
		if _, err = c.escrow.Approve(ctx, p.Tree.Total()); err == nil {
			pending, err = c.escrow.SubmitInitiate(ctx, p)
		}
	default:
		pending, err = c.escrow.SubmitInitiateWithPermit(ctx, p, p.ExpiresAt)
	}
	if err != nil {
		return "", err
	}
	tx := pending.Tx.Hash().Hex()
	if _, err := c.gw.ConfirmPayment(ctx, &pb.ConfirmPaymentRequest{RequestId: p.RequestID[:], TxHash: tx}); err != nil {
		// Not fatal: the gateway dispatches once the payment is mined.
		c.progress("the gateway waits for the payment to be mined: %v", status.Convert(err).Message())
	}
	if _, err := pending.Wait(ctx); err != nil {
		return "", err
	}
	return tx, nil
}

// submitTries bounds the retries of a submission the gateway could not
// take now (every compute node busy, a quorum not reachable yet).
const submitTries = 8

// submit submits, retrying with backoff while the gateway answers
// UNAVAILABLE or RESOURCE_EXHAUSTED (it took nothing and says to retry
// shortly), each retry under a key of its own derived from the request's.
func (c *Client) submit(ctx context.Context, req *pb.InferenceRequest) (*pb.InferenceTaskStatus, error) {
	wait := 50 * time.Millisecond
	key := req.IdempotencyKey
	for try := 1; ; try++ {
		if try > 1 {
			// The gateway released the request it refused, and a key names
			// one request for good: a retry is a new request.
			req.IdempotencyKey = fmt.Sprintf("%s/retry-%d", key, try-1)
		}
		st, err := c.gw.SubmitInferenceTask(ctx, req)
		code := status.Code(err)
		if err == nil || try == submitTries || (code != codes.Unavailable && code != codes.ResourceExhausted) {
			return st, err
		}
		c.progress("gateway busy (%v); retrying in %s", status.Convert(err).Message(), wait)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait + time.Duration(mrand.Int64N(int64(wait)))):
		}
		wait = min(2*wait, 2*time.Second)
	}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = crand.Read(b)
	return b
}

// follow streams a request's updates until it ends.
func (c *Client) follow(ctx context.Context, out *Outcome, id []byte, since time.Time, onToken func(string)) (*Outcome, error) {
	s, err := c.gw.SubscribeToTaskUpdates(ctx, &pb.TaskRef{RequestId: id})
	if err != nil {
		return nil, fmt.Errorf("subscribe: %w", err)
	}
	last := pb.TaskState_TASK_STATE_UNSPECIFIED
	for {
		u, err := s.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("updates: %w", err)
		}
		if u.Token != "" {
			out.Tokens = append(out.Tokens, u.Token)
			if onToken != nil {
				onToken(u.Token)
			}
		}
		if u.State != last && u.State != pb.TaskState_TASK_STATE_UNSPECIFIED {
			last = u.State
			c.progress("%s", stateName(u.State))
		}
		if terminal(u.State) {
			break
		}
	}
	st, err := c.gw.GetTaskStatus(ctx, &pb.TaskRef{RequestId: id})
	if err != nil {
		return nil, fmt.Errorf("status: %w", err)
	}
	out.Status = st
	out.Stages["follow"] = time.Since(since)
	if st.State != pb.TaskState_TASK_STATE_SETTLED {
		return out, fmt.Errorf("%w: %s: %s", ErrNotSettled, stateName(st.State), st.Error)
	}
	return out, nil
}

// terminal reports whether a request in state s will not change again.
func terminal(s pb.TaskState) bool {
	switch s {
	case pb.TaskState_TASK_STATE_SETTLED, pb.TaskState_TASK_STATE_REFUNDED, pb.TaskState_TASK_STATE_RELEASED,
		pb.TaskState_TASK_STATE_CANCELLED, pb.TaskState_TASK_STATE_EXPIRED:
		return true
	}
	return false
}

// stateName is a state as people read it: "settled".
func stateName(s pb.TaskState) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(s.String(), "TASK_STATE_")), "_", " ")
}

// StateName is a state as people read it.
func StateName(s pb.TaskState) string { return stateName(s) }

// PaymentOf is the escrow deposit the instructions describe, checked for
// form (the contract checks the rest: signatures, amounts, expiry).
func PaymentOf(pi *pb.PaymentInstructions) (chain.Payment, error) {
	var p chain.Payment
	bad := func(format string, args ...any) (chain.Payment, error) {
		return p, fmt.Errorf("%w: %s", ErrBadInstructions, fmt.Sprintf(format, args...))
	}
	if len(pi.GetRequestId()) != 32 || len(pi.ConfigHash) != 32 || pi.Tree == nil {
		return bad("request id, config hash and tree are required")
	}
	p.RequestID, p.ConfigHash, p.ExpiresAt = common.BytesToHash(pi.RequestId), common.BytesToHash(pi.ConfigHash), pi.ExpiresAt
	var err error
	if p.SubnetID, err = hash32(pi.SubnetId); err != nil {
		return bad("subnet id: %v", err)
	}
	if p.ModelID, err = hash32(pi.ModelId); err != nil {
		return bad("model id: %v", err)
	}
	t := pi.Tree
	for _, a := range []string{t.ComputeNode, t.Gateway} {
		if !common.IsHexAddress(a) {
			return bad("address %q", a)
		}
	}
	p.Tree.ComputeNode, p.Tree.Gateway = common.HexToAddress(t.ComputeNode), common.HexToAddress(t.Gateway)
	amounts := []*(*big.Int){&p.Tree.ComputeAmount, &p.Tree.GatewayAmount, &p.Tree.ValidatorAmount, &p.Tree.TreasuryAmount}
	for i, s := range []string{t.ComputeAmount, t.GatewayAmount, t.ValidatorAmount, t.TreasuryAmount} {
		v, ok := new(big.Int).SetString(s, 10)
		if !ok || v.Sign() < 0 {
			return bad("amount %q", s)
		}
		*amounts[i] = v
	}
	if pi.Amount != "" && pi.Amount != p.Tree.Total().String() {
		return bad("amount %s is not the tree's total %s", pi.Amount, p.Tree.Total())
	}
	for _, s := range pi.Signatures {
		if len(s.Signature) != 65 {
			return bad("a %d-byte signature", len(s.Signature))
		}
		p.Signatures = append(p.Signatures, s.Signature)
	}
	return p, nil
}

func hash32(s string) (common.Hash, error) {
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil || len(b) != 32 {
		return common.Hash{}, fmt.Errorf("%q is not 32 bytes of hex", s)
	}
	return common.BytesToHash(b), nil
}
