package registry

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/ncn-network/ncn/abi"
	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/host/api/pb"
)

// maxUint96 is the largest amount the escrow stores.
var maxUint96 = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 96), big.NewInt(1))

// ID32 maps a subnet or model id to the bytes32 the contracts use: a
// 0x-prefixed 32-byte hex id as it is, anything else by keccak256.
func ID32(id string) common.Hash {
	if len(id) == 66 && strings.HasPrefix(id, "0x") {
		if b, err := hex.DecodeString(id[2:]); err == nil {
			return common.BytesToHash(b)
		}
	}
	return crypto.Keccak256Hash([]byte(id))
}

// preprocessing parses a request into the EIP-712 message validators sign,
// checking only its form.
func preprocessing(req *pb.PreprocessingValidationRequest) (chain.Preprocessing, chain.PaymentTree, error) {
	var m chain.Preprocessing
	id, err := hash32("request id", req.RequestId)
	if err != nil {
		return m, chain.PaymentTree{}, err
	}
	cfg, err := hash32("config hash", req.ConfigHash)
	if err != nil {
		return m, chain.PaymentTree{}, err
	}
	client, err := parseAddress("client", req.Client)
	if err != nil {
		return m, chain.PaymentTree{}, err
	}
	gateway, err := parseAddress("gateway", req.Gateway)
	if err != nil {
		return m, chain.PaymentTree{}, err
	}
	compute, err := parseAddress("compute node", req.ComputeNode)
	if err != nil {
		return m, chain.PaymentTree{}, err
	}
	tree, err := parseTree(req.Tree)
	if err != nil {
		return m, chain.PaymentTree{}, err
	}
	if tree.Gateway != gateway || tree.ComputeNode != compute {
		return m, tree, fmt.Errorf("%w: payment tree pays %s and %s, request names %s and %s", ErrBadRequest, tree.Gateway.Hex(), tree.ComputeNode.Hex(), gateway.Hex(), compute.Hex())
	}
	if req.Subnet == "" || req.Model == "" || req.ExpiresAt == 0 {
		return m, tree, fmt.Errorf("%w: subnet, model and expiry are required", ErrBadRequest)
	}
	return chain.Preprocessing{
		RequestID: id, Client: client, Gateway: gateway, ComputeNode: compute,
		SubnetID: ID32(req.Subnet), ModelID: ID32(req.Model), Amount: tree.Total(), TreeHash: tree.Hash(),
		ConfigHash: cfg, ExpiresAt: req.ExpiresAt,
	}, tree, nil
}

func parseTree(t *pb.PaymentTree) (chain.PaymentTree, error) {
	if t == nil {
		return chain.PaymentTree{}, fmt.Errorf("%w: no payment tree", ErrBadRequest)
	}
	var tree chain.PaymentTree
	var err error
	if tree.ComputeNode, err = parseAddress("tree compute node", t.ComputeNode); err != nil {
		return tree, err
	}
	if tree.Gateway, err = parseAddress("tree gateway", t.Gateway); err != nil {
		return tree, err
	}
	for _, a := range []struct {
		name string
		s    string
		dst  **big.Int
	}{{"compute amount", t.ComputeAmount, &tree.ComputeAmount}, {"gateway amount", t.GatewayAmount, &tree.GatewayAmount},
		{"validator amount", t.ValidatorAmount, &tree.ValidatorAmount}, {"treasury amount", t.TreasuryAmount, &tree.TreasuryAmount}} {
		v, ok := new(big.Int).SetString(a.s, 10)
		if !ok || v.Sign() < 0 || v.Cmp(maxUint96) > 0 {
			return tree, fmt.Errorf("%w: %s %q is not a wei amount", ErrBadRequest, a.name, a.s)
		}
		*a.dst = v
	}
	if tree.Total().Sign() == 0 {
		return tree, fmt.Errorf("%w: zero fee", ErrBadRequest)
	}
	return tree, nil
}

func hash32(what string, b []byte) (common.Hash, error) {
	if len(b) != 32 {
		return common.Hash{}, fmt.Errorf("%w: %s is %d bytes, want 32", ErrBadRequest, what, len(b))
	}
	return common.BytesToHash(b), nil
}

// refuse is a validator's reasoned no.
func refuse(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrRefused, fmt.Sprintf(format, args...))
}

// SignPreprocessing checks a quote as this validator sees the network and
// signs it, or refuses with the reason: the gateway registered, available
// and reputable; the compute node available and serving the model in the
// subnet; the config hash the subnet's current one; the fee equal to this
// node's own run of the subnet's price plugin; the params a JSON object;
// the expiry in the future and within the quote TTL.
func (r *Node) SignPreprocessing(ctx context.Context, req *pb.PreprocessingValidationRequest) (*pb.ValidatorSignature, error) {
	msg, tree, err := preprocessing(req)
	if err != nil {
		return nil, err
	}
	now := r.cfg.Now()
	exp := time.Unix(int64(req.ExpiresAt), 0)
	if !exp.After(now) {
		return nil, refuse("quote expired at %s", exp.UTC().Format(time.RFC3339))
	}
	if exp.After(now.Add(r.cfg.MaxQuoteTTL + clockSkew)) {
		return nil, refuse("expiry %s is beyond the %s quote lifetime", exp.UTC().Format(time.RFC3339), r.cfg.MaxQuoteTTL)
	}
	gw, ok := r.nodes.Get(msg.Gateway)
	switch {
	case !ok || gw.Role != pb.NodeRole_NODE_ROLE_GATEWAY:
		return nil, refuse("gateway %s is not registered", msg.Gateway.Hex())
	case gw.Status != pb.NodeStatus_NODE_STATUS_AVAILABLE:
		return nil, refuse("gateway %s missed its heartbeats", msg.Gateway.Hex())
	case r.ledger.Score(msg.Gateway) < r.cfg.MinReputation:
		return nil, refuse("gateway %s reputation %d is below %d", msg.Gateway.Hex(), r.ledger.Score(msg.Gateway), r.cfg.MinReputation)
	}
	cn, ok := r.nodes.Get(msg.ComputeNode)
	switch {
	case !ok || cn.Role != pb.NodeRole_NODE_ROLE_COMPUTE:
		return nil, refuse("compute node %s is not registered", msg.ComputeNode.Hex())
	case cn.Status != pb.NodeStatus_NODE_STATUS_AVAILABLE:
		return nil, refuse("compute node %s missed its heartbeats", msg.ComputeNode.Hex())
	case !slices.Contains(cn.Subnets, req.Subnet) || !slices.Contains(cn.Models, req.Model):
		return nil, refuse("compute node %s does not serve model %s in subnet %s", msg.ComputeNode.Hex(), req.Model, req.Subnet)
	}
	if len(req.Params) > 0 {
		var obj map[string]json.RawMessage
		if len(req.Params) > 64<<10 || json.Unmarshal(req.Params, &obj) != nil {
			return nil, refuse("params are not a JSON object of at most 64 KiB")
		}
	}
	if err := r.checkPrice(ctx, req, tree); err != nil {
		return nil, err
	}
	r.mempool.Put(Entry{Kind: KindPreprocessing, RequestID: msg.RequestID, Data: []byte(strings.ToLower(msg.ComputeNode.Hex()))})
	return r.sign(msg.StructHash())
}

// checkPrice reruns the subnet's price plugin at its current config hash
// and compares every amount of the tree.
func (r *Node) checkPrice(ctx context.Context, req *pb.PreprocessingValidationRequest, tree chain.PaymentTree) error {
	h, err := r.cfg.Subnets.Acquire(req.Subnet)
	if err != nil {
		return refuse("subnet %s: %v", req.Subnet, err)
	}
	defer h.Release()
	if got := hex.EncodeToString(req.ConfigHash); got != h.ConfigHash() {
		return refuse("config hash %s is not subnet %s's current %s", got, req.Subnet, h.ConfigHash())
	}
	var in abi.PriceInput
	dec := json.NewDecoder(bytes.NewReader(req.PriceInput))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return refuse("price input: %v", err)
	}
	// The request's own features; the subnet, model and pricing parameters
	// are this node's.
	in.Version, in.Subnet, in.Model, in.Params = abi.Version, req.Subnet, req.Model, h.Params()
	p, err := h.Plugin(abi.KindPrice)
	if err != nil {
		return refuse("subnet %s has no price plugin: %v", req.Subnet, err)
	}
	out, _, err := p.Price(ctx, &in)
	if err != nil {
		return refuse("price plugin: %v", err)
	}
	for _, c := range []struct {
		name string
		want string
		got  *big.Int
	}{{"compute", out.Compute, tree.ComputeAmount}, {"gateway", out.Gateway, tree.GatewayAmount},
		{"validators", out.Validators, tree.ValidatorAmount}, {"treasury", out.Treasury, tree.TreasuryAmount}} {
		if w, ok := new(big.Int).SetString(c.want, 10); !ok || w.Cmp(c.got) != 0 {
			return refuse("fee mismatch: %s amount %s, the price plugin says %s", c.name, c.got, c.want)
		}
	}
	return nil
}

// completion parses a request into the EIP-712 message validators sign and
// the compute node's own ComputeResult.
func completion(req *pb.CompletionValidationRequest) (chain.Completion, error) {
	var m chain.Completion
	id, err := hash32("request id", req.RequestId)
	if err != nil {
		return m, err
	}
	rh, err := hash32("result hash", req.ResultHash)
	if err != nil {
		return m, err
	}
	cn, err := parseAddress("compute node", req.ComputeNode)
	if err != nil {
		return m, err
	}
	return chain.Completion{RequestID: id, ResultHash: rh, ComputeNode: cn, ExecMillis: req.ExecMillis}, nil
}

// SignCompletion checks a result and signs it, or refuses: the compute
// node registered (and the one this node validated the request for, if it
// did); its ComputeResult signature valid; the result hashing to the
// result hash, within the size limit and of the model's format; the
// execution time plausible.
func (r *Node) SignCompletion(ctx context.Context, req *pb.CompletionValidationRequest) (*pb.ValidatorSignature, error) {
	msg, err := completion(req)
	if err != nil {
		return nil, err
	}
	cn, ok := r.nodes.Get(msg.ComputeNode)
	if !ok || cn.Role != pb.NodeRole_NODE_ROLE_COMPUTE {
		return nil, refuse("compute node %s is not registered", msg.ComputeNode.Hex())
	}
	if e, ok := r.mempool.Get(KindPreprocessing, msg.RequestID); ok && string(e.Data) != strings.ToLower(msg.ComputeNode.Hex()) {
		return nil, refuse("request %s was validated for compute node %s", msg.RequestID.Hex(), e.Data)
	}
	cr := chain.ComputeResult{RequestID: msg.RequestID, ResultHash: msg.ResultHash, ComputeNode: msg.ComputeNode, ExecMillis: msg.ExecMillis}
	if signer, err := chain.Recover(r.cfg.Domain.Digest(cr.StructHash()), req.ComputeSignature); err != nil || signer != msg.ComputeNode {
		return nil, refuse("compute signature is not %s's", msg.ComputeNode.Hex())
	}
	if len(req.Result) > r.cfg.MaxResult {
		return nil, refuse("result of %d bytes exceeds %d", len(req.Result), r.cfg.MaxResult)
	}
	if crypto.Keccak256Hash(req.Result) != msg.ResultHash {
		return nil, refuse("result does not hash to %s", msg.ResultHash.Hex())
	}
	if msg.ExecMillis == 0 || time.Duration(msg.ExecMillis)*time.Millisecond > r.cfg.MaxExec {
		return nil, refuse("execution time %d ms is not plausible (limit %s)", msg.ExecMillis, r.cfg.MaxExec)
	}
	if err := r.checkFormat(req.Subnet, req.Model, req.Result); err != nil {
		return nil, err
	}
	// One result per request: signing a second would be equivocation, the
	// offence this network slashes.
	if prev, ok := r.witness.get(msg.RequestID, r.addr); ok && prev.Message != msg {
		return nil, refuse("already signed result %s for request %s", prev.Message.ResultHash.Hex(), msg.RequestID.Hex())
	}
	vs, err := r.sign(msg.StructHash())
	if err != nil {
		return nil, err
	}
	r.witness.observe(r.addr, chain.SignedCompletion{Message: msg, Signature: vs.Signature}, r.cfg.Now(), true)
	return vs, nil
}

// checkFormat checks a result against its model's declared output: JSON
// where the model has an output schema, UTF-8 text otherwise.
func (r *Node) checkFormat(subnet, model string, result []byte) error {
	d, ok := r.model(subnet, model)
	if !ok {
		return refuse("model %s is not registered in subnet %s", model, subnet)
	}
	if len(d.OutputSchema) > 0 {
		if !json.Valid(result) {
			return refuse("result is not the JSON model %s declares", model)
		}
		return nil
	}
	if !utf8.Valid(result) {
		return refuse("result is not the UTF-8 text model %s declares", model)
	}
	return nil
}

func (r *Node) sign(structHash common.Hash) (*pb.ValidatorSignature, error) {
	sig, err := chain.Sign(r.cfg.Key, r.cfg.Domain.Digest(structHash))
	if err != nil {
		return nil, err
	}
	return &pb.ValidatorSignature{Validator: strings.ToLower(r.addr.Hex()), Signature: sig}, nil
}
