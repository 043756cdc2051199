package gateway

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"google.golang.org/protobuf/proto"

	"github.com/ncn-network/ncn/abi"
	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/host/registry"
	"github.com/ncn-network/ncn/plugins"
)

// DefaultComputeStrategy ranks compute nodes when the subnet's parameters
// name none (param "compute_strategy"): the order seeded by the request
// id, so requests spread over the nodes; the ordered strategies would send
// every request to the same node until its slots are full.
const DefaultComputeStrategy = "random"

// taskData is a request's task as stored (partTask): what is dispatched,
// and where to look for its payment on chain.
type taskData struct {
	Input     []byte         `json:"input"`                    // after the preprocess plugin
	InputHash common.Hash    `json:"clientInputHash,omitzero"` // keccak256 of the input as the client sent it (before preprocess)
	Params    []byte         `json:"params,omitempty"`
	Stream    bool           `json:"stream,omitempty"`
	Features  abi.PriceInput `json:"features"`
	FromBlock uint64         `json:"fromBlock"` // the chain's head when the request was made: its events come later
}

// resultData is a compute node's result as stored (partResult).
type resultData struct {
	Result     []byte `json:"result"`
	ExecMillis uint64 `json:"execMillis"`
	Signature  []byte `json:"signature"`
}

// completionData is the completion quorum's signatures (partCompletion),
// ordered as the contract wants them.
type completionData struct {
	Signatures [][]byte `json:"signatures"`
}

// computeSeed seeds the compute node choice of a request.
func computeSeed(id common.Hash) abi.Seed {
	return abi.Seed(crypto.Keccak256Hash([]byte("ncn/compute/v1"), id[:]))
}

// submit handles SubmitInferenceTask, from any API (gRPC, HTTP,
// WebSocket, OpenAI routes), counting refusals by reason and timing the
// submissions made.
func (d *Daemon) submit(ctx context.Context, req *pb.InferenceRequest) (*pb.InferenceTaskStatus, error) {
	start := time.Now()
	st, err := d.submitRequest(ctx, req)
	if err != nil {
		d.metrics.reject(err)
		return nil, err
	}
	d.metrics.observe(stageSubmit, start)
	return st, nil
}

// submitRequest is submit: an idempotent retry returns the request it
// made; otherwise the input is preprocessed, a compute node chosen and
// reserved, the request recorded and the preprocessing quorum gathered,
// and the client gets what it pays with.
func (d *Daemon) submitRequest(ctx context.Context, req *pb.InferenceRequest) (*pb.InferenceTaskStatus, error) {
	if !common.IsHexAddress(req.Client) {
		return nil, fmt.Errorf("%w: client %q is not an address: the payer's address is required", ErrBadRequest, req.Client)
	}
	client := common.HexToAddress(req.Client)
	if len(req.IdempotencyKey) > maxText {
		return nil, fmt.Errorf("%w: idempotency key longer than %d bytes", ErrBadRequest, maxText)
	}
	if len(req.Input) == 0 {
		return nil, fmt.Errorf("%w: no input", ErrBadRequest)
	}
	if req.Subnet == "" || req.Model == "" || len(req.Subnet) > maxText || len(req.Model) > maxText {
		return nil, fmt.Errorf("%w: subnet and model are required (1..%d bytes)", ErrBadRequest, maxText)
	}
	stream := []byte{0}
	if req.Stream {
		stream[0] = 1
	}
	paramsHash := HashParams([]byte(req.Subnet), []byte(req.Model), req.Input, req.Params, stream)
	switch rec, err := d.ledger.Lookup(client, req.IdempotencyKey, paramsHash); {
	case err == nil:
		return d.status(rec), nil
	case errors.Is(err, ErrIdempotencyConflict):
		return nil, fmt.Errorf("%w: idempotency key %q was used for a request with other parameters: use a new key", ErrBadRequest, req.IdempotencyKey)
	case !errors.Is(err, ErrNotFound):
		return nil, err
	}

	qr := quoteRequest{subnet: req.Subnet, model: req.Model, client: req.Client, input: req.Input, params: req.Params}
	params, err := parseParams(req.Params)
	if err != nil {
		return nil, err
	}
	if len(req.Input) > d.cfg.MaxInputBytes {
		return nil, fmt.Errorf("%w: input of %d bytes, the limit is %d", ErrBadRequest, len(req.Input), d.cfg.MaxInputBytes)
	}
	st, h, err := d.acquire(ctx, req.Subnet)
	if err != nil {
		return nil, err
	}
	defer h.Release()
	if _, ok := st.models[req.Model]; !ok {
		return nil, fmt.Errorf("%w: subnet %s has no model %q (GetSupportedModels lists them)", ErrUnknownModel, req.Subnet, req.Model)
	}
	f, err := features(h.Params(), req.Input, params)
	if err != nil {
		return nil, err
	}
	var q *quoted
	if req.QuoteId != "" {
		q, err = d.checkQuote(req.QuoteId, qr, f, h.ConfigHash())
	} else {
		q, err = d.quote(ctx, qr) // priced now, at the same config (h holds it)
	}
	if err != nil {
		return nil, err
	}
	input, err := preprocess(ctx, h, req.Model, req.Input)
	if err != nil {
		return nil, err
	}

	id := newRequestID(d.addr, client)
	expires := time.Now().Add(d.cfg.QuoteTTL)
	node, err := d.pickNode(ctx, h, req.Subnet, req.Model, id)
	if err != nil {
		return nil, err
	}
	head, err := d.recentHead(ctx)
	if err != nil {
		d.compute.release(node, id)
		return nil, fmt.Errorf("%w: chain: %v", ErrUnavailable, err)
	}
	t := q.quote.Tree
	rec := Record{
		ID: id, Client: client, Subnet: req.Subnet, Model: req.Model, ComputeNode: node,
		Quote: Quote{ID: q.quote.QuoteId, Amount: q.quote.Amount, Compute: t.ComputeAmount, Gateway: t.GatewayAmount,
			Validators: t.ValidatorAmount, Treasury: t.TreasuryAmount, ConfigHash: common.BytesToHash(q.quote.ConfigHash),
			ExpiresAt: uint64(expires.Unix())},
	}
	rec, existed, err := d.ledger.Create(req.IdempotencyKey, paramsHash, rec)
	if err != nil || existed {
		d.compute.release(node, id) // a concurrent retry made the request first
		if errors.Is(err, ErrIdempotencyConflict) {
			return nil, fmt.Errorf("%w: idempotency key %q was used for a request with other parameters: use a new key", ErrBadRequest, req.IdempotencyKey)
		}
		if err != nil {
			return nil, err
		}
		return d.status(rec), nil
	}
	d.metrics.created()
	log := d.log.With("request_id", id.Hex())
	task, _ := json.Marshal(taskData{Input: input, InputHash: crypto.Keccak256Hash(req.Input), Params: req.Params, Stream: req.Stream,
		Features: f, FromBlock: head})
	if err := d.ledger.PutPayload(id, partTask, task); err != nil {
		d.release(rec, StateQuoted, err)
		return nil, err
	}

	vreq := &pb.PreprocessingValidationRequest{
		RequestId: id[:], Client: strings.ToLower(client.Hex()), Gateway: d.self, ComputeNode: strings.ToLower(node.Hex()),
		Subnet: req.Subnet, Model: req.Model, Tree: d.tree(rec), ConfigHash: rec.Quote.ConfigHash[:], ExpiresAt: rec.Quote.ExpiresAt,
		PriceInput: priceJSON(f), Params: req.Params,
	}
	v, err := d.reg.RequestPreprocessingValidation(ctx, vreq)
	if err != nil {
		err = &quorumError{fmt.Errorf("preprocessing validation: %w", remote(err))}
		log.Info("request refused", "err", err)
		// Validators refuse a config hash that is no longer the subnet's:
		// read the subnet again now rather than at the next refresh.
		d.drivers.Lock()
		if d.ctx.Err() == nil { // as spawn: Close waits for what it starts
			d.loop(func() {
				ctx, cancel := context.WithTimeout(d.ctx, 30*time.Second)
				defer cancel()
				_, _ = d.syncSubnet(ctx, req.Subnet)
			})
		}
		d.drivers.Unlock()
		d.release(rec, StateQuoted, err)
		return nil, fmt.Errorf("%w (nothing was charged; the reservation is released)", err)
	}
	pay := &pb.PaymentInstructions{
		RequestId: id[:], Tree: vreq.Tree, Amount: rec.Quote.Amount, ExpiresAt: rec.Quote.ExpiresAt, ConfigHash: vreq.ConfigHash,
		SubnetId: registry.ID32(req.Subnet).Hex(), ModelId: registry.ID32(req.Model).Hex(), Signatures: v.Signatures,
		Escrow: d.cfg.Contracts.Payment.Hex(), Token: d.cfg.Contracts.Token.Hex(), ChainId: d.domain.ChainID.Uint64(),
	}
	b, err := proto.Marshal(pay)
	if err == nil {
		err = d.ledger.PutPayload(id, partPayment, b)
	}
	if err != nil {
		d.release(rec, StateQuoted, err)
		return nil, err
	}
	if rec, err = d.transition(id, StateQuoted, StateValidated, nil); err != nil {
		d.compute.release(node, id)
		return nil, err
	}
	d.compute.reserve(node, id, 0, time.Now().Add(d.cfg.ReservationTTL)) // the TTL starts now
	d.watch.await(id, rec.Quote.ExpiresAt)
	log.Info("request validated", "node", node.Hex(), "amount", rec.Quote.Amount, "signatures", len(v.Signatures))
	return d.status(rec), nil
}

// recentHead is a block number at most headStale old: where a new
// request's events can start (any block before its payment is).
func (d *Daemon) recentHead(ctx context.Context) (uint64, error) {
	d.headMu.Lock()
	defer d.headMu.Unlock()
	if time.Since(d.headAt) < headStale {
		return d.head, nil
	}
	n, err := d.backend.BlockNumber(ctx)
	if err != nil {
		return 0, err
	}
	d.head, d.headAt = n, time.Now()
	return n, nil
}

// headStale bounds how old recentHead's block may be: a request's event
// searches start there.
const headStale = 2 * time.Second

// preprocess runs the subnet's preprocess plugin, if it has one.
func preprocess(ctx context.Context, h *plugins.Handle, model string, input []byte) ([]byte, error) {
	p, err := h.Plugin(abi.KindPreprocess)
	if err != nil {
		return input, nil // the subnet takes inputs as they are
	}
	out, _, err := p.Preprocess(ctx, &abi.PreprocessInput{Version: abi.Version, Model: model, Input: input, Params: h.Params()})
	if err != nil {
		var ce *plugins.CallError
		if errors.As(err, &ce) && plugins.Code(err) == abi.CodeInvalidInput {
			return nil, fmt.Errorf("%w: %v", ErrInputRefused, err)
		}
		return nil, fmt.Errorf("%w: preprocess plugin: %v", ErrSubnetNotReady, err)
	}
	if !out.Accept {
		return nil, fmt.Errorf("%w: the subnet's preprocess plugin refused the input: %s", ErrInputRefused, out.Reason)
	}
	return out.Input, nil
}

// newRequestID is a fresh request id: unpredictable, and never one the
// escrow has seen.
func newRequestID(gateway, client common.Address) common.Hash {
	var nonce [32]byte
	if _, err := io.ReadFull(rand.Reader, nonce[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	return crypto.Keccak256Hash([]byte("ncn/request/v1"), gateway[:], client[:], nonce[:])
}

// tree is the payment tree of a request as the API spells it.
func (d *Daemon) tree(rec Record) *pb.PaymentTree {
	return &pb.PaymentTree{
		ComputeNode: strings.ToLower(rec.ComputeNode.Hex()), ComputeAmount: rec.Quote.Compute,
		Gateway: d.self, GatewayAmount: rec.Quote.Gateway,
		ValidatorAmount: rec.Quote.Validators, TreasuryAmount: rec.Quote.Treasury,
	}
}

// pickNode ranks the compute nodes serving the model that have a task
// stream open here with the subnet's select plugin (seeded by the request
// id) and holds the first with room (holdsPerTask per task it takes).
func (d *Daemon) pickNode(ctx context.Context, h *plugins.Handle, subnet, model string, id common.Hash) (common.Address, error) {
	found, err := d.discover(ctx, subnet, model)
	if err != nil {
		return common.Address{}, err
	}
	byID := map[string]*pb.NodeInfo{}
	var cands []abi.Candidate
	for _, n := range found {
		a := common.HexToAddress(n.Address)
		if !d.compute.connected(a) {
			continue
		}
		id := strings.ToLower(a.Hex())
		byID[id] = n
		c := abi.Candidate{ID: id, Reputation: min(n.Reputation, 100), Load: min(n.LoadPercent, 100), SuccessBps: 10000}
		if p, ok := new(big.Int).SetString(n.PricePerSecondWei, 10); ok && p.Sign() >= 0 && len(n.PricePerSecondWei) <= 78 && (len(n.PricePerSecondWei) == 1 || n.PricePerSecondWei[0] != '0') {
			c.Price = n.PricePerSecondWei
		}
		cands = append(cands, c)
		if len(cands) == abi.MaxCandidates {
			break
		}
	}
	if len(cands) == 0 {
		return common.Address{}, fmt.Errorf("%w: none of the %d compute nodes the registry lists for model %s in subnet %s has a task stream open to this gateway",
			ErrNoComputeNode, len(found), model, subnet)
	}
	ranked := make([]string, len(cands))
	for i, c := range cands {
		ranked[i] = c.ID
	}
	if sel, err := h.Plugin(abi.KindSelect); err == nil {
		strategy := h.Params()["compute_strategy"]
		if strategy == "" {
			strategy = DefaultComputeStrategy
		}
		out, _, err := sel.Select(ctx, &abi.SelectInput{Version: abi.Version, Strategy: strategy, Purpose: abi.PurposeCompute,
			Seed: computeSeed(id), Candidates: cands})
		if err != nil {
			return common.Address{}, fmt.Errorf("%w: select plugin of subnet %s: %v", ErrSubnetNotReady, subnet, err)
		}
		ranked = out.IDs
	}
	until := time.Now().Add(d.cfg.ReservationTTL)
	for _, a := range ranked {
		info := byID[a]
		d.compute.capacity(common.HexToAddress(a), info)
		if d.compute.reserve(common.HexToAddress(a), id, holdsPerTask*max(int(info.MaxTasks), int(info.Slots), 1), until) {
			return common.HexToAddress(a), nil
		}
	}
	return common.Address{}, fmt.Errorf("%w: every compute node for model %s in subnet %s is busy (%d ranked); retry shortly", ErrNoComputeNode, model, subnet, len(ranked))
}

// discover lists the available compute nodes serving model in subnet.
func (d *Daemon) discover(ctx context.Context, subnet, model string) ([]*pb.NodeInfo, error) {
	stream, err := d.reg.DiscoverNodes(ctx, &pb.DiscoverNodesRequest{Role: pb.NodeRole_NODE_ROLE_COMPUTE, Subnet: subnet, Model: model})
	if err != nil {
		return nil, fmt.Errorf("%w: discover compute nodes: %v", ErrUnavailable, err)
	}
	var out []*pb.NodeInfo
	for {
		n, err := stream.Recv()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%w: discover compute nodes: %v", ErrUnavailable, err)
		}
		if n.Status == pb.NodeStatus_NODE_STATUS_AVAILABLE && common.IsHexAddress(n.Address) {
			out = append(out, n)
		}
	}
}

// release ends an unpaid request (quoted or validated) as released, its
// reservation freed.
func (d *Daemon) release(rec Record, from State, why error) {
	d.compute.release(rec.ComputeNode, rec.ID)
	d.watch.forget(rec.ID)
	if _, err := d.transition(rec.ID, from, StateReleased, func(r *Record) error {
		r.LastError = why.Error()
		return nil
	}); err != nil {
		d.log.Error("release", "request_id", rec.ID.Hex(), "err", err)
	}
}

// hexID parses a 32-byte request id.
func hexID(b []byte) (common.Hash, error) {
	if len(b) != 32 {
		return common.Hash{}, fmt.Errorf("%w: request id is %d bytes, want 32", ErrBadRequest, len(b))
	}
	return common.BytesToHash(b), nil
}
