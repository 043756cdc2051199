package registry

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ncn-network/ncn/abi"
	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/p2p"
)

// DefaultValidatorStrategy ranks validators when the subnet's parameters
// name none (param "validator_strategy"): the seeded random order, so the
// work and the fees rotate over every eligible validator. The ordered
// strategies (weighted, stake, reputation) would send every request to the
// same N until stakes or scores change.
const DefaultValidatorStrategy = "random"

// weiPerToken converts stake in wei to the whole tokens select sees.
var weiPerToken = big.NewInt(1e18)

// ValidatorSeed is the select seed for a request's validators: anyone can
// recompute the choice from the request id and the epoch of its expiry, so
// the choice rotates every epoch (and, through the eligible set, whenever
// stake changes).
func ValidatorSeed(requestID common.Hash, epoch uint64) abi.Seed {
	var e [8]byte
	binary.BigEndian.PutUint64(e[:], epoch)
	return abi.Seed(crypto.Keccak256Hash([]byte("ncn/validators/v1"), requestID[:], e[:]))
}

// epochOf is the epoch a request's expiry falls in.
func (r *Node) epochOf(expiresAt uint64) uint64 { return expiresAt / uint64(r.cfg.Epoch/time.Second) }

// candidate is an eligible validator: staked, registered, available,
// reputable.
type candidate struct {
	addr     common.Address
	stake    *big.Int
	endpoint string
}

// eligible joins the staked set with what this node sees of the network.
func (r *Node) eligible(ctx context.Context) ([]candidate, error) {
	addrs, stakes, err := r.stakes(ctx)
	if err != nil {
		return nil, err
	}
	var out []candidate
	for i, a := range addrs {
		n, ok := r.nodes.Get(a)
		if !ok || n.Role != pb.NodeRole_NODE_ROLE_VALIDATOR || n.Status != pb.NodeStatus_NODE_STATUS_AVAILABLE || len(n.Endpoints) == 0 {
			continue
		}
		if r.ledger.Score(a) < r.cfg.MinReputation {
			continue
		}
		out = append(out, candidate{addr: a, stake: stakes[i], endpoint: n.Endpoints[0]})
	}
	return out, nil
}

// stakes reads the active validator set, cached briefly: stake changes
// reach selection within stakeRefresh.
func (r *Node) stakes(ctx context.Context) ([]common.Address, []*big.Int, error) {
	r.stakeMu.Lock()
	defer r.stakeMu.Unlock()
	if r.cfg.Now().Before(r.stakeAt.Add(stakeRefresh)) {
		return r.stakeAddrs, r.stakeWei, nil
	}
	a, s, err := r.cfg.Stakes.ActiveValidators(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("active validators: %w", err)
	}
	r.stakeAddrs, r.stakeWei, r.stakeAt = a, s, r.cfg.Now()
	return a, s, nil
}

const stakeRefresh = 5 * time.Second

// SelectValidators ranks the eligible validators with the subnet's select
// plugin, seeded by the request id, and returns the first N: the same on
// every node that sees the same network.
func (r *Node) SelectValidators(ctx context.Context, subnet string, requestID common.Hash, expiresAt uint64) ([]common.Address, error) {
	picked, _, err := r.selectValidators(ctx, subnet, requestID, expiresAt)
	out := make([]common.Address, len(picked))
	for i, c := range picked {
		out[i] = c.addr
	}
	return out, err
}

// quorumOf is subnet's N and M: its owner's if set, else the node's. M is
// never below the node's, which is the contract's: fewer signatures
// could not pay.
func (r *Node) quorumOf(subnet string) (n, m int) {
	n, m = r.cfg.Validators, r.cfg.Quorum
	if rec, ok := r.owned.get(subnet); ok && rec.Quorum > 0 {
		m = max(int(rec.Quorum), r.cfg.Quorum)
		n = max(int(rec.Validators), m)
	}
	return n, m
}

func (r *Node) selectValidators(ctx context.Context, subnet string, requestID common.Hash, expiresAt uint64) ([]candidate, int, error) {
	n, m := r.quorumOf(subnet)
	picked, err := r.pick(ctx, subnet, requestID, expiresAt, n, m)
	return picked, m, err
}

func (r *Node) pick(ctx context.Context, subnet string, requestID common.Hash, expiresAt uint64, n, m int) ([]candidate, error) {
	cands, err := r.eligible(ctx)
	if err != nil {
		return nil, err
	}
	if len(cands) < m {
		return nil, fmt.Errorf("%w: %d eligible, quorum %d", ErrTooFewValidators, len(cands), m)
	}
	h, err := r.cfg.Subnets.Acquire(subnet)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrUnknownSubnet, subnet, err)
	}
	defer h.Release()
	sel, err := h.Plugin(abi.KindSelect)
	if err != nil {
		return nil, fmt.Errorf("subnet %s has no select plugin: %w", subnet, err)
	}
	strategy := h.Params()["validator_strategy"]
	if strategy == "" {
		strategy = DefaultValidatorStrategy
	}
	in := &abi.SelectInput{Version: abi.Version, Strategy: strategy, Purpose: abi.PurposeValidator,
		Seed: ValidatorSeed(requestID, r.epochOf(expiresAt)), Count: n}
	byID := map[string]candidate{}
	for _, c := range cands {
		id := strings.ToLower(c.addr.Hex())
		byID[id] = c
		tokens := new(big.Int).Div(c.stake, weiPerToken)
		in.Candidates = append(in.Candidates, abi.Candidate{ID: id, Stake: tokens.Uint64(), Reputation: r.ledger.Score(c.addr), SuccessBps: 10000})
	}
	out, _, err := sel.Select(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("select validators: %w", err)
	}
	picked := make([]candidate, 0, len(out.IDs))
	for _, id := range out.IDs {
		c, ok := byID[id]
		if !ok {
			return nil, fmt.Errorf("select plugin returned unknown validator %q", id)
		}
		picked = append(picked, c)
	}
	if len(picked) < m {
		return nil, fmt.Errorf("%w: the select plugin chose %d, quorum %d", ErrTooFewValidators, len(picked), m)
	}
	return picked, nil
}

// answer is one validator's reply.
type answer struct {
	c      candidate
	sig    []byte
	reason string // a refusal's reason
	err    error  // no answer: transport failure or timeout
}

// gather asks the first `first` picked validators in parallel and one
// more for each that refuses or fails, and all the rest if the quorum is
// not in within the hedge delay (one of them is slow). It returns once m
// valid signatures are in, or every validator asked has answered, or the
// timeout. Asking only m in the usual case spares the others the work: on
// one machine the validators' work was the largest share of a paid
// request's CPU. Validators still answering keep running in the background
// until their own timeout, and once all have answered the outcome is
// scored into the ledger (a validator never asked is not scored).
func (r *Node) gather(ctx context.Context, requestID common.Hash, picked []candidate, first, m int, digest common.Hash,
	call func(ctx context.Context, c pb.ValidatorServiceClient) (*pb.ValidatorSignature, error), onAnswer func(answer)) ([]answer, error) {
	callCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.cfg.QuorumTimeout)
	answers := make(chan answer, len(picked))
	var wg sync.WaitGroup
	asked := 0
	askNext := func() {
		c := picked[asked]
		asked++
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := r.ask(callCtx, c, digest, call)
			if onAnswer != nil {
				onAnswer(a) // every answer, also those that come after the quorum
			}
			answers <- a
		}()
	}
	for asked < min(max(first, m), len(picked)) {
		askNext()
	}
	var got []answer
	signed := 0
	deadline := time.NewTimer(r.cfg.QuorumTimeout)
	defer deadline.Stop()
	hedge := time.NewTimer(r.cfg.QuorumTimeout / hedgeFraction)
	defer hedge.Stop()
	for len(got) < asked && signed < m {
		select {
		case a := <-answers:
			got = append(got, a)
			if a.sig != nil {
				signed++
			} else if asked < len(picked) {
				askNext() // in its place
			}
		case <-hedge.C:
			for asked < len(picked) {
				askNext()
			}
		case <-deadline.C:
			signed = m + len(picked) // stop waiting
		case <-ctx.Done():
			signed = m + len(picked)
		}
	}
	early := slices.Clone(got)
	// Score once every validator asked has answered or timed out.
	n := asked
	r.bg.Add(1)
	go func() {
		defer r.bg.Done()
		defer cancel()
		wg.Wait()
		for len(got) < n {
			got = append(got, <-answers)
		}
		r.score(requestID, got)
	}()
	return early, nil
}

// hedgeFraction: a quorum not in after QuorumTimeout/hedgeFraction asks
// every picked validator not asked yet.
const hedgeFraction = 6

// ask calls one validator and checks its signature against digest.
func (r *Node) ask(ctx context.Context, c candidate, digest common.Hash,
	call func(ctx context.Context, c pb.ValidatorServiceClient) (*pb.ValidatorSignature, error)) answer {
	client, err := r.dial(c.endpoint)
	if err != nil {
		return answer{c: c, err: err}
	}
	vs, err := call(ctx, client)
	if err != nil {
		if st, ok := status.FromError(err); ok && st.Code() == codes.FailedPrecondition {
			return answer{c: c, reason: st.Message()}
		}
		return answer{c: c, err: err}
	}
	signer, err := chain.Recover(digest, vs.GetSignature())
	if err != nil || signer != c.addr {
		// A signature that does not verify is a refusal in effect, and
		// the signer's fault.
		return answer{c: c, reason: fmt.Sprintf("invalid signature from %s", c.addr.Hex())}
	}
	return answer{c: c, sig: vs.Signature}
}

// score records each validator's outcome: the side with more answers is
// right (signers if more signed than refused, else refusers); the other
// side failed validation; no answer is a timeout. A tie scores neither.
func (r *Node) score(requestID common.Hash, got []answer) {
	signers, refusers := 0, 0
	for _, a := range got {
		switch {
		case a.sig != nil:
			signers++
		case a.err == nil:
			refusers++
		}
	}
	at := r.cfg.Now().UnixMilli()
	msg := reputationMsg{RequestID: requestID, AtMillis: at}
	defer func() {
		if len(msg.Nodes) > 0 {
			r.gossipJSON(p2p.TopicReputation, msg)
		}
	}()
	for _, a := range got {
		var o Outcome
		switch {
		case a.err != nil:
			o = Timeout
		case signers == refusers:
			continue
		case (a.sig != nil) == (signers > refusers):
			o = Success
		default:
			o = FailedValidation
		}
		r.ledger.Add(Event{Node: a.c.addr, RequestID: requestID, Outcome: o, AtMillis: at})
		msg.Nodes, msg.Outcomes = append(msg.Nodes, lower(a.c.addr)), append(msg.Outcomes, o)
	}
}

// RequestPreprocessing coordinates a preprocessing quorum for req.
func (r *Node) RequestPreprocessing(ctx context.Context, req *pb.PreprocessingValidationRequest) (*pb.PreprocessingValidation, error) {
	msg, _, err := preprocessing(req)
	if err != nil {
		return nil, err
	}
	picked, m, err := r.selectValidators(ctx, req.Subnet, msg.RequestID, req.ExpiresAt)
	if err != nil {
		return nil, err
	}
	// The price check is deterministic: M validators that agree are
	// enough to ask.
	got, err := r.gather(ctx, msg.RequestID, picked, m, m, r.cfg.Domain.Digest(msg.StructHash()),
		func(ctx context.Context, c pb.ValidatorServiceClient) (*pb.ValidatorSignature, error) {
			return c.SignPreprocessing(ctx, req)
		}, nil)
	if err != nil {
		return nil, err
	}
	sigs, selected, refusals, err := r.verdict(picked, got, m)
	if err != nil {
		return nil, err
	}
	e := Entry{Kind: KindPending, RequestID: msg.RequestID, Created: r.cfg.Now()}
	r.mempool.Put(e)
	r.gossipJSON(p2p.TopicMempool, mempoolMsg{Kind: e.Kind, RequestID: e.RequestID, CreatedMs: e.Created.UnixMilli()})
	return &pb.PreprocessingValidation{RequestId: req.RequestId, Signatures: sigs, Selected: selected, Refusals: refusals}, nil
}

// RequestCompletion coordinates a completion quorum for req.
func (r *Node) RequestCompletion(ctx context.Context, req *pb.CompletionValidationRequest) (*pb.CompletionValidation, error) {
	msg, err := completion(req)
	if err != nil {
		return nil, err
	}
	picked, m, err := r.selectValidators(ctx, req.Subnet, msg.RequestID, req.ExpiresAt)
	if err != nil {
		return nil, err
	}
	// Every picked validator sees the result: each then refuses to sign
	// another for the request, so a compute node with two results finds
	// no second quorum among them.
	got, err := r.gather(ctx, msg.RequestID, picked, len(picked), m, r.cfg.Domain.Digest(msg.StructHash()),
		func(ctx context.Context, c pb.ValidatorServiceClient) (*pb.ValidatorSignature, error) {
			return c.SignCompletion(ctx, req)
		}, func(a answer) {
			if a.sig != nil {
				r.observeCompletion(a.c.addr, chain.SignedCompletion{Message: msg, Signature: a.sig}, true) // ask checked it
			}
		})
	if err != nil {
		return nil, err
	}
	r.gossipCompletion(msg, got)
	sigs, selected, refusals, err := r.verdict(picked, got, m)
	if err != nil {
		return nil, err
	}
	return &pb.CompletionValidation{RequestId: req.RequestId, Signatures: sigs, Selected: selected, Refusals: refusals}, nil
}

// verdict orders M signatures as the contract wants them, or explains the
// consensus failure.
func (r *Node) verdict(picked []candidate, got []answer, m int) ([]*pb.ValidatorSignature, []string, []*pb.Refusal, error) {
	var signed []chain.SignerSig
	var refusals []*pb.Refusal
	var failures []string
	for _, a := range got {
		switch {
		case a.sig != nil:
			signed = append(signed, chain.SignerSig{Signer: a.c.addr, Signature: a.sig})
		case a.err == nil:
			refusals = append(refusals, &pb.Refusal{Validator: strings.ToLower(a.c.addr.Hex()), Reason: a.reason})
			failures = append(failures, fmt.Sprintf("%s refused: %s", a.c.addr.Hex(), a.reason))
		default:
			failures = append(failures, fmt.Sprintf("%s: %v", a.c.addr.Hex(), a.err))
		}
	}
	selected := make([]string, len(picked))
	for i, c := range picked {
		selected[i] = strings.ToLower(c.addr.Hex())
	}
	if len(signed) < m {
		return nil, selected, refusals, fmt.Errorf("%w: %d of %d signed, %d needed; %s", ErrNoQuorum, len(signed), len(picked), m, strings.Join(failures, "; "))
	}
	// The contract takes signatures by strictly ascending signer address.
	slices.SortFunc(signed, func(a, b chain.SignerSig) int { return bytes.Compare(a.Signer[:], b.Signer[:]) })
	sigs := make([]*pb.ValidatorSignature, m)
	for i, s := range signed[:m] {
		sigs[i] = &pb.ValidatorSignature{Validator: strings.ToLower(s.Signer.Hex()), Signature: s.Signature}
	}
	return sigs, selected, refusals, nil
}
