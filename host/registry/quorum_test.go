package registry_test

import (
	"context"
	"crypto/ecdsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/big"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/ncn-network/ncn/abi"
	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/chain/chaintest"
	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/host/registry"
	"github.com/ncn-network/ncn/plugins"
	"github.com/ncn-network/ncn/plugins/builtin"
)

const (
	subnet = "subnet-a"
	model  = "digits"
)

// network is registry nodes on loopback gRPC over one embedded chain, each
// knowing every validator, the gateway and the compute node (what the p2p
// layer replicates), all running the builtin plugins for the subnet.
type network struct {
	env     *chaintest.Env
	subnets *plugins.Subnets
	store   *plugins.Store
	rt      *plugins.Runtime
	nodes   []*registry.Node
	servers []*grpc.Server
	addrs   []string // gRPC endpoints, by validator index
}

func newNetwork(t testing.TB, n int) *network {
	t.Helper()
	env := chaintest.Simulated(t)
	rt, err := plugins.NewRuntime(plugins.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	store, err := plugins.OpenStore(filepath.Join(t.TempDir(), "plugins.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	set, err := builtin.Install(store, subnet)
	if err != nil {
		t.Fatal(err)
	}
	subnets := plugins.NewSubnets(rt, store, plugins.LoadOptions{SkipSignature: true}) // the builtins ship unsigned, inside the binary
	t.Cleanup(func() { subnets.Close() })
	set.Params = map[string]string{
		"base_wei": "1000000000000000", "per_input_token_wei": "1000000000000", "per_output_token_wei": "2000000000000", "per_second_wei": "500000000000000"}
	if _, err := subnets.Activate(context.Background(), set); err != nil {
		t.Fatal(err)
	}
	// The client has tokens; it approves the escrow once for every test.
	if _, err := env.Client.Escrow.Approve(context.Background(), new(big.Int).Lsh(big.NewInt(1), 95)); err != nil {
		t.Fatal(err)
	}
	nw := &network{env: env, subnets: subnets, store: store, rt: rt}
	for i := range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		r, err := registry.New(registry.Config{
			Key: env.Validators[i].Key, Domain: env.Domain, Subnets: subnets, Stakes: env.C,
			Store: store, Runtime: rt, QuorumTimeout: 2 * time.Second,
		})
		if err != nil {
			t.Fatal(err)
		}
		srv := grpc.NewServer()
		r.Register(srv)
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Stop(); r.Close() })
		nw.nodes, nw.servers, nw.addrs = append(nw.nodes, r), append(nw.servers, srv), append(nw.addrs, ln.Addr().String())
	}
	for i := range n {
		nw.registerEverywhere(t, env.Validators[i].Key, &pb.NodeInfo{Role: pb.NodeRole_NODE_ROLE_VALIDATOR, Endpoints: []string{nw.addrs[i]}})
	}
	nw.registerEverywhere(t, env.Gateway.Key, &pb.NodeInfo{Role: pb.NodeRole_NODE_ROLE_GATEWAY, Endpoints: []string{"127.0.0.1:1"}})
	nw.registerEverywhere(t, env.Compute.Key, &pb.NodeInfo{Role: pb.NodeRole_NODE_ROLE_COMPUTE, Subnets: []string{subnet}, Models: []string{model}, Slots: 2})
	for _, r := range nw.nodes {
		r.AddModel(&pb.ModelDescriptor{Id: model, Subnet: subnet, OutputSchema: []byte(`{"type":"object"}`)})
	}
	return nw
}

func (nw *network) registerEverywhere(t testing.TB, key *ecdsa.PrivateKey, info *pb.NodeInfo) {
	t.Helper()
	req, err := registry.SignRegistration(key, info, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range nw.nodes {
		if err := r.Nodes().Register(req); err != nil {
			t.Fatal(err)
		}
	}
}

// quote prices a request as a gateway would, with the subnet's own price
// plugin, and returns the validation request.
func (nw *network) quote(t testing.TB) *pb.PreprocessingValidationRequest {
	t.Helper()
	return nw.quoteIn(t, subnet)
}

// quoteIn is quote in another subnet.
func (nw *network) quoteIn(t testing.TB, subnet string) *pb.PreprocessingValidationRequest {
	t.Helper()
	h, err := nw.subnets.Acquire(subnet)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Release()
	p, err := h.Plugin(abi.KindPrice)
	if err != nil {
		t.Fatal(err)
	}
	in := abi.PriceInput{Version: abi.Version, Subnet: subnet, Model: model, InputTokens: 64, OutputTokens: 1, EstimatedMillis: 200, Params: h.Params()}
	out, _, err := p.Price(context.Background(), &in)
	if err != nil {
		t.Fatal(err)
	}
	priceInput, _ := json.Marshal(abi.PriceInput{InputTokens: 64, OutputTokens: 1, EstimatedMillis: 200})
	cfg, _ := hex.DecodeString(h.ConfigHash())
	id := chaintest.RandomID()
	env := nw.env
	gw, cn := strings.ToLower(env.Gateway.Addr.Hex()), strings.ToLower(env.Compute.Addr.Hex())
	return &pb.PreprocessingValidationRequest{
		RequestId: id[:], Client: strings.ToLower(env.Client.Addr.Hex()), Gateway: gw, ComputeNode: cn,
		Subnet: subnet, Model: model, ConfigHash: cfg, ExpiresAt: uint64(time.Now().Add(5 * time.Minute).Unix()),
		Tree:       &pb.PaymentTree{ComputeNode: cn, ComputeAmount: out.Compute, Gateway: gw, GatewayAmount: out.Gateway, ValidatorAmount: out.Validators, TreasuryAmount: out.Treasury},
		PriceInput: priceInput,
	}
}

// payment is the on-chain payment for a validated request.
func payment(t testing.TB, req *pb.PreprocessingValidationRequest, v *pb.PreprocessingValidation) chain.Payment {
	t.Helper()
	tree := chain.PaymentTree{ComputeNode: common.HexToAddress(req.Tree.ComputeNode), Gateway: common.HexToAddress(req.Tree.Gateway)}
	tree.ComputeAmount, tree.GatewayAmount = wei(req.Tree.ComputeAmount), wei(req.Tree.GatewayAmount)
	tree.ValidatorAmount, tree.TreasuryAmount = wei(req.Tree.ValidatorAmount), wei(req.Tree.TreasuryAmount)
	p := chain.Payment{RequestID: common.BytesToHash(req.RequestId), SubnetID: registry.ID32(req.Subnet), ModelID: registry.ID32(req.Model),
		ConfigHash: common.BytesToHash(req.ConfigHash), ExpiresAt: req.ExpiresAt, Tree: tree}
	for _, s := range v.Signatures {
		p.Signatures = append(p.Signatures, s.Signature)
	}
	return p
}

// TestPaidRequestThroughTheQuorum: a quorum signs the quote, the contract
// accepts those signatures for the deposit, a quorum signs the compute
// node's result, and the contract settles with them.
func TestPaidRequestThroughTheQuorum(t *testing.T) {
	nw := newNetwork(t, 7)
	ctx := context.Background()
	req := nw.quote(t)
	v, err := nw.nodes[0].RequestPreprocessing(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Signatures) != 3 || len(v.Selected) != 5 {
		t.Fatalf("%d signatures from %d selected, want 3 of 5", len(v.Signatures), len(v.Selected))
	}
	p := payment(t, req, v)
	if _, err := nw.env.Client.Escrow.Initiate(ctx, p); err != nil {
		t.Fatalf("the contract refused the quorum's signatures: %v", err)
	}

	result := []byte(`{"label":7}`)
	cr := chain.ComputeResult{RequestID: p.RequestID, ResultHash: crypto.Keccak256Hash(result), ComputeNode: nw.env.Compute.Addr, ExecMillis: 12}
	computeSig, err := chain.Sign(nw.env.Compute.Key, nw.env.Domain.Digest(cr.StructHash()))
	if err != nil {
		t.Fatal(err)
	}
	creq := &pb.CompletionValidationRequest{RequestId: req.RequestId, Subnet: subnet, Model: model, ComputeNode: req.ComputeNode,
		ResultHash: cr.ResultHash[:], ExecMillis: 12, ComputeSignature: computeSig, Result: result, ExpiresAt: req.ExpiresAt}
	cv, err := nw.nodes[3].RequestCompletion(ctx, creq) // any registry node can coordinate
	if err != nil {
		t.Fatal(err)
	}
	s := chain.Settlement{RequestID: p.RequestID, ResultHash: cr.ResultHash, ExecMillis: 12, ComputeSig: computeSig}
	for _, sig := range cv.Signatures {
		s.ValidatorSigs = append(s.ValidatorSigs, sig.Signature)
	}
	if _, err := nw.env.Gateway.Escrow.Complete(ctx, s); err != nil {
		t.Fatalf("the contract refused the completion quorum: %v", err)
	}
	st, err := nw.env.C.Request(ctx, p.RequestID)
	if err != nil || st.Status != chain.StatusCompleted {
		t.Fatalf("request status %v, %v; want completed", st.Status, err)
	}
	// Any node computes the same validator choice for a request.
	a, _ := nw.nodes[1].SelectValidators(ctx, subnet, p.RequestID, p.ExpiresAt)
	b, _ := nw.nodes[6].SelectValidators(ctx, subnet, p.RequestID, p.ExpiresAt)
	if len(a) != 5 || !slices.Equal(ids(a), ids(b)) || !slices.Equal(ids(a), v.Selected) {
		t.Fatalf("nodes chose different validators: %v / %v / %v", ids(a), ids(b), v.Selected)
	}
	// The choice rotates with the epoch of the expiry.
	rotated := false
	for i := range 5 {
		id := common.BigToHash(big.NewInt(int64(i + 1)))
		now, _ := nw.nodes[0].SelectValidators(ctx, subnet, id, p.ExpiresAt)
		next, _ := nw.nodes[0].SelectValidators(ctx, subnet, id, p.ExpiresAt+3600)
		rotated = rotated || !slices.Equal(ids(now), ids(next))
	}
	if !rotated {
		t.Fatal("the validator choice did not change with the epoch")
	}
}

// TestQuorumWithValidatorsDown: 3 of 5 with 2 of the selected down; with 3
// down, a consensus failure naming them, and their reputation drops.
func TestQuorumWithValidatorsDown(t *testing.T) {
	nw := newNetwork(t, 7)
	ctx := context.Background()
	req := nw.quote(t)
	id := common.BytesToHash(req.RequestId)
	picked, err := nw.nodes[0].SelectValidators(ctx, subnet, id, req.ExpiresAt)
	if err != nil {
		t.Fatal(err)
	}
	coordinator := nw.indexOf(t, ids(picked)[4]) // stays up
	down := func(k int) {
		for _, addr := range ids(picked)[:k] {
			nw.servers[nw.indexOf(t, addr)].Stop()
		}
	}
	down(2)
	v, err := nw.nodes[coordinator].RequestPreprocessing(ctx, req)
	if err != nil {
		t.Fatalf("3 of 5 up: %v", err)
	}
	if len(v.Signatures) != 3 {
		t.Fatalf("%d signatures", len(v.Signatures))
	}
	if _, err := nw.env.Client.Escrow.Initiate(ctx, payment(t, req, v)); err != nil {
		t.Fatal(err)
	}

	// Reputation moved with that round, and selection weighs it: choose
	// again, and take three of the new choice down.
	req2 := nw.quote(t)
	if picked, err = nw.nodes[coordinator].SelectValidators(ctx, subnet, common.BytesToHash(req2.RequestId), req2.ExpiresAt); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(ids(picked)[:3], ids([]common.Address{nw.env.Validators[coordinator].Addr})[0]) {
		picked[0], picked[4] = picked[4], picked[0] // keep the coordinator up
		if slices.Contains(ids(picked)[:3], ids([]common.Address{nw.env.Validators[coordinator].Addr})[0]) {
			picked[1], picked[4] = picked[4], picked[1]
		}
	}
	down(3)
	_, err = nw.nodes[coordinator].RequestPreprocessing(ctx, req2)
	if !errors.Is(err, registry.ErrNoQuorum) {
		t.Fatalf("2 of 5 up: %v, want a consensus failure", err)
	}
	t.Logf("consensus failure: %v", err)
	nw.nodes[coordinator].Close() // waits for the scoring
	for _, addr := range ids(picked)[:3] {
		if got := nw.nodes[coordinator].Ledger().Score(common.HexToAddress(addr)); got >= registry.InitialReputation {
			t.Errorf("down validator %s keeps reputation %d", addr, got)
		}
	}
}

// TestWrongPriceOutvoted: a dishonest validator signs an inflated fee that
// the honest ones refuse; no quorum forms, and it loses reputation while
// the honest gain.
func TestWrongPriceOutvoted(t *testing.T) {
	nw := newNetwork(t, 7)
	ctx := context.Background()
	req := nw.quote(t)
	req.Tree.ComputeAmount += "0" // ten times the price
	id := common.BytesToHash(req.RequestId)
	picked, err := nw.nodes[0].SelectValidators(ctx, subnet, id, req.ExpiresAt)
	if err != nil {
		t.Fatal(err)
	}
	liar := nw.indexOf(t, ids(picked)[0])
	nw.replace(t, liar, &signAnything{key: nw.env.Validators[liar].Key, domain: nw.env.Domain})
	coordinator := nw.indexOf(t, ids(picked)[1])
	_, err = nw.nodes[coordinator].RequestPreprocessing(ctx, req)
	if !errors.Is(err, registry.ErrNoQuorum) || !strings.Contains(err.Error(), "fee mismatch") {
		t.Fatalf("inflated fee: %v, want a consensus failure citing the fee", err)
	}
	nw.nodes[coordinator].Close()
	l := nw.nodes[coordinator].Ledger()
	if got := l.Score(nw.env.Validators[liar].Addr); got != registry.InitialReputation-2 {
		t.Errorf("liar's reputation %d, want %d", got, registry.InitialReputation-2)
	}
	for _, addr := range ids(picked)[1:] {
		if got := l.Score(common.HexToAddress(addr)); got != registry.InitialReputation+1 {
			t.Errorf("honest %s reputation %d, want %d", addr, got, registry.InitialReputation+1)
		}
	}
}

// signAnything is a dishonest validator: it signs whatever it is asked.
type signAnything struct {
	pb.UnimplementedValidatorServiceServer
	key    *ecdsa.PrivateKey
	domain chain.Domain
}

func (s *signAnything) SignPreprocessing(_ context.Context, req *pb.PreprocessingValidationRequest) (*pb.ValidatorSignature, error) {
	tree := chain.PaymentTree{ComputeNode: common.HexToAddress(req.Tree.ComputeNode), ComputeAmount: wei(req.Tree.ComputeAmount),
		Gateway: common.HexToAddress(req.Tree.Gateway), GatewayAmount: wei(req.Tree.GatewayAmount),
		ValidatorAmount: wei(req.Tree.ValidatorAmount), TreasuryAmount: wei(req.Tree.TreasuryAmount)}
	m := chain.Preprocessing{RequestID: common.BytesToHash(req.RequestId), Client: common.HexToAddress(req.Client), Gateway: tree.Gateway,
		ComputeNode: tree.ComputeNode, SubnetID: registry.ID32(req.Subnet), ModelID: registry.ID32(req.Model), Amount: tree.Total(),
		TreeHash: tree.Hash(), ConfigHash: common.BytesToHash(req.ConfigHash), ExpiresAt: req.ExpiresAt}
	sig, err := chain.Sign(s.key, s.domain.Digest(m.StructHash()))
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &pb.ValidatorSignature{Validator: strings.ToLower(crypto.PubkeyToAddress(s.key.PublicKey).Hex()), Signature: sig}, nil
}

// replace serves srv instead of validator i's real service, same address.
func (nw *network) replace(t testing.TB, i int, srv pb.ValidatorServiceServer) {
	t.Helper()
	nw.servers[i].Stop()
	var ln net.Listener
	var err error
	for range 50 { // the port was just released
		if ln, err = net.Listen("tcp", nw.addrs[i]); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer()
	pb.RegisterValidatorServiceServer(s, srv)
	go s.Serve(ln)
	t.Cleanup(s.Stop)
	nw.servers[i] = s
}

func (nw *network) indexOf(t testing.TB, addr string) int {
	t.Helper()
	for i, v := range nw.env.Validators {
		if strings.EqualFold(v.Addr.Hex(), addr) {
			return i
		}
	}
	t.Fatalf("%s is not a validator", addr)
	return -1
}

// ids lists addresses as the API spells them.
func ids(as []common.Address) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = strings.ToLower(a.Hex())
	}
	return out
}

func wei(s string) *big.Int {
	v, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic("bad wei amount " + s)
	}
	return v
}

func (s *signAnything) SignCompletion(_ context.Context, req *pb.CompletionValidationRequest) (*pb.ValidatorSignature, error) {
	m := chain.Completion{RequestID: common.BytesToHash(req.RequestId), ResultHash: common.BytesToHash(req.ResultHash),
		ComputeNode: common.HexToAddress(req.ComputeNode), ExecMillis: req.ExecMillis}
	sig, err := chain.Sign(s.key, s.domain.Digest(m.StructHash()))
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &pb.ValidatorSignature{Validator: strings.ToLower(crypto.PubkeyToAddress(s.key.PublicKey).Hex()), Signature: sig}, nil
}

// TestEquivocationSlashed: a compute node signs two results for one
// request; honest validators sign only the first, a dishonest one signs
// both. The coordinator's witness catches the two signatures, scores the
// slashing penalty and submits the proof, and the contract slashes.
func TestEquivocationSlashed(t *testing.T) {
	nw := newNetwork(t, 7)
	ctx := context.Background()
	req := nw.quote(t)
	id := common.BytesToHash(req.RequestId)
	picked, err := nw.nodes[0].SelectValidators(ctx, subnet, id, req.ExpiresAt)
	if err != nil {
		t.Fatal(err)
	}
	liar := nw.indexOf(t, ids(picked)[0])
	nw.replace(t, liar, &signAnything{key: nw.env.Validators[liar].Key, domain: nw.env.Domain})
	ci := nw.indexOf(t, ids(picked)[1])
	coordinator, err := registry.New(registry.Config{Key: nw.env.Validators[ci].Key, Domain: nw.env.Domain, Subnets: nw.subnets,
		Stakes: nw.env.C, Slasher: nw.env.Validators[ci].Validators, QuorumTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range nw.nodes[0].Nodes().Registrations() {
		if err := coordinator.Nodes().Register(r); err != nil {
			t.Fatal(err)
		}
	}
	coordinator.AddModel(&pb.ModelDescriptor{Id: model, Subnet: subnet, OutputSchema: []byte(`{"type":"object"}`)})
	complete := func(result string) error {
		rh := crypto.Keccak256Hash([]byte(result))
		cr := chain.ComputeResult{RequestID: id, ResultHash: rh, ComputeNode: nw.env.Compute.Addr, ExecMillis: 9}
		sig, err := chain.Sign(nw.env.Compute.Key, nw.env.Domain.Digest(cr.StructHash()))
		if err != nil {
			t.Fatal(err)
		}
		_, err = coordinator.RequestCompletion(ctx, &pb.CompletionValidationRequest{RequestId: id[:], Subnet: subnet, Model: model,
			ComputeNode: req.ComputeNode, ResultHash: rh[:], ExecMillis: 9, ComputeSignature: sig, Result: []byte(result), ExpiresAt: req.ExpiresAt})
		return err
	}
	if err := complete(`{"label":1}`); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // let every validator's answer in
	if err := complete(`{"label":2}`); !errors.Is(err, registry.ErrNoQuorum) || !strings.Contains(err.Error(), "already signed") {
		t.Fatalf("second result: %v, want honest refusals", err)
	}
	coordinator.Close() // waits for the slashing transaction
	info, err := nw.env.C.Validator(ctx, nw.env.Validators[liar].Addr)
	if err != nil {
		t.Fatal(err)
	}
	if !info.Jailed && info.Stake.Cmp(wei("1000000000000000000000")) >= 0 {
		t.Fatalf("equivocating validator not slashed: %+v", info)
	}
	if got := coordinator.Ledger().Score(nw.env.Validators[liar].Addr); got > registry.InitialReputation-20+2 {
		t.Fatalf("equivocating validator's reputation %d, want the -20 penalty", got)
	}
	t.Logf("slashed: stake %s, jailed %v", info.Stake, info.Jailed)
}

// TestQuorumAsksOnlyM: a coordinator asks the first M of the N validators
// picked, and no more when they sign; when one of them hangs, it asks the
// others after the hedge delay and the quorum forms without it.
func TestQuorumAsksOnlyM(t *testing.T) {
	nw := newNetwork(t, 7)
	ctx := context.Background()
	// Each picked validator behind a proxy that counts the calls (and
	// hangs, when told), forwarding to the real one on a port of its own.
	proxies := map[string]*countingValidator{}
	proxy := func(addr string) *countingValidator {
		if p, ok := proxies[addr]; ok {
			return p
		}
		k := nw.indexOf(t, addr)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		real := grpc.NewServer()
		nw.nodes[k].Register(real)
		go real.Serve(ln)
		t.Cleanup(real.Stop)
		conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		p := &countingValidator{to: pb.NewValidatorServiceClient(conn)}
		nw.replace(t, k, p)
		proxies[addr] = p
		return p
	}
	quorum := func(req *pb.PreprocessingValidationRequest) ([]*countingValidator, time.Duration) {
		t.Helper()
		picked, err := nw.nodes[0].SelectValidators(ctx, subnet, common.BytesToHash(req.RequestId), req.ExpiresAt)
		if err != nil {
			t.Fatal(err)
		}
		var ps []*countingValidator
		for _, a := range ids(picked) {
			ps = append(ps, proxy(a))
		}
		coordinator := -1 // one of the two not picked: its own service is not behind a proxy
		for i, v := range nw.env.Validators[:7] {
			if !slices.Contains(ids(picked), ids([]common.Address{v.Addr})[0]) {
				coordinator = i
			}
		}
		start := time.Now()
		v, err := nw.nodes[coordinator].RequestPreprocessing(ctx, req)
		if err != nil || len(v.Signatures) != 3 {
			t.Fatalf("quorum: %v, %v", v, err)
		}
		return ps, time.Since(start)
	}

	ps, took := quorum(nw.quote(t))
	// The hedge (a sixth of the network's 2 s quorum timeout) asks the
	// others; a machine that slow asks them rightly.
	hedged := took >= 2*time.Second/6
	for i, p := range ps {
		if want := int32(min(1, max(0, 3-i))); p.calls.Load() != want && !(hedged && i >= 3) {
			t.Errorf("picked validator %d was asked %d times, want %d", i, p.calls.Load(), want)
		}
	}
	if hedged {
		t.Logf("the first quorum took %s: the hedge may have asked the last two", took)
	}

	req := nw.quote(t)
	picked, err := nw.nodes[0].SelectValidators(ctx, subnet, common.BytesToHash(req.RequestId), req.ExpiresAt)
	if err != nil {
		t.Fatal(err)
	}
	slow := proxy(ids(picked)[0])
	slow.hang.Store(true)
	before := make([]int32, 5)
	for i, a := range ids(picked) {
		before[i] = proxy(a).calls.Load()
	}
	ps, took = quorum(req)
	// The hedge asked the other two at once; the quorum may form before
	// the last call reaches its proxy.
	for i, p := range ps {
		got := p.calls.Load() - before[i]
		for wait := time.Now().Add(2 * time.Second); got == 0 && time.Now().Before(wait); got = p.calls.Load() - before[i] {
			time.Sleep(10 * time.Millisecond)
		}
		if got != 1 {
			t.Errorf("with the first validator hanging, picked validator %d was asked %d times, want once", i, got)
		}
	}
	t.Logf("quorum with one of the first three hanging: %s", took)
}

// countingValidator forwards validations to a real validator, counting
// them; hang makes it answer nothing until the caller gives up.
type countingValidator struct {
	pb.UnimplementedValidatorServiceServer
	to    pb.ValidatorServiceClient
	calls atomic.Int32
	hang  atomic.Bool
}

func (c *countingValidator) SignPreprocessing(ctx context.Context, req *pb.PreprocessingValidationRequest) (*pb.ValidatorSignature, error) {
	c.calls.Add(1)
	if c.hang.Load() {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return c.to.SignPreprocessing(ctx, req)
}
