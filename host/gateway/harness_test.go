package gateway_test

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/chain/chaintest"
	"github.com/ncn-network/ncn/host/api"
	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/host/gateway"
	"github.com/ncn-network/ncn/host/registry"
	"github.com/ncn-network/ncn/plugins"
	"github.com/ncn-network/ncn/plugins/builtin"
)

const (
	subnet    = "subnet-a"
	model     = "digits"
	textModel = "charlm" // a text model (task text-generation), once addTextModel registered it
)

// harness is the network a gateway works in, all real and in this
// process: the embedded chain with the contracts deployed and validators
// staked, five registry/validator nodes on loopback gRPC, and a fan-out
// in front of them that stands for the p2p layer (a registration or
// heartbeat reaches every node; everything else goes to node 0).
type harness struct {
	env      *chaintest.Env
	nodes    []*registry.Node
	servers  []*grpc.Server
	registry string  // the fan-out's address: the gateway's RegistryAddr
	fan      *fanout // to hold completion validations
	supply   *big.Int
	subnets  *plugins.Subnets // the registry nodes' plugins: activate here
	store    *plugins.Store
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	env := chaintest.Simulated(t)
	ctx := context.Background()
	h := &harness{env: env}
	// Registered first, so it runs last: after the gateway has stopped.
	t.Cleanup(func() { h.checkConservation(t) })

	rt, err := plugins.NewRuntime(plugins.Config{CacheDir: filepath.Join(os.TempDir(), "ncn-gateway-test-cache")})
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
	subnets := plugins.NewSubnets(rt, store, plugins.LoadOptions{SkipSignature: true})
	t.Cleanup(func() { subnets.Close() })
	set.Params = map[string]string{"base": "1000000000000000", "per_token": "1000000000000", "estimated_millis": "200"}
	if _, err := subnets.Activate(ctx, set); err != nil {
		t.Fatal(err)
	}
	h.subnets, h.store = subnets, store
	if _, err := env.Client.Escrow.Approve(ctx, new(big.Int).Lsh(big.NewInt(1), 95)); err != nil {
		t.Fatal(err)
	}
	if h.supply, err = env.C.TotalSupply(ctx); err != nil {
		t.Fatal(err)
	}

	var clients []pb.P2PRegistryServiceClient
	var addrs []string
	for i := range 5 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		r, err := registry.New(registry.Config{
			Key: env.Validators[i].Key, Domain: env.Domain, Subnets: subnets, Stakes: env.C, Store: store, Runtime: rt,
			QuorumTimeout: 5 * time.Second, HeartbeatInterval: time.Minute, Logger: quietLogger(),
		})
		if err != nil {
			t.Fatal(err)
		}
		srv := grpc.NewServer()
		r.Register(srv)
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Stop(); r.Close() })
		h.nodes, h.servers = append(h.nodes, r), append(h.servers, srv)
		clients, addrs = append(clients, dial(t, ln.Addr().String())), append(addrs, ln.Addr().String())
	}
	for _, r := range h.nodes {
		r.AddModel(&pb.ModelDescriptor{Id: model, Subnet: subnet, OutputSchema: []byte(`{"type":"object"}`)})
	}
	for i := range h.nodes {
		req, err := registry.SignRegistration(env.Validators[i].Key, &pb.NodeInfo{Role: pb.NodeRole_NODE_ROLE_VALIDATOR,
			Endpoints: []string{addrs[i]}}, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range h.nodes {
			if err := r.Nodes().Register(req); err != nil {
				t.Fatal(err)
			}
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.MaxRecvMsgSize(64 << 20))
	h.fan = &fanout{to: clients}
	pb.RegisterP2PRegistryServiceServer(srv, h.fan)
	go srv.Serve(ln)
	t.Cleanup(srv.Stop)
	h.registry = ln.Addr().String()
	return h
}

// addTextModel registers textModel in the subnet at every registry
// node: a text-generation model whose results are UTF-8 text (no output
// schema). A gateway started afterwards serves it; startTextCompute
// starts a compute node for it.
func (h *harness) addTextModel() {
	for _, r := range h.nodes {
		r.AddModel(&pb.ModelDescriptor{Id: textModel, Name: textModel, Subnet: subnet, Task: "text-generation"})
	}
}

// quietLogger logs warnings and errors only.
func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func dial(t testing.TB, addr string) pb.P2PRegistryServiceClient {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return pb.NewP2PRegistryServiceClient(conn)
}

// gatewayConfig is a gateway of the harness on loopback, in dir.
func (h *harness) gatewayConfig(dir string) gateway.DaemonConfig {
	return gateway.DaemonConfig{
		Key: h.env.Gateway.Key, DataDir: dir, Backend: h.env.Backend, Contracts: h.env.C.Addresses,
		RegistryAddr: h.registry, GRPCListen: "127.0.0.1:0", HTTPListen: "127.0.0.1:0", WSListen: "127.0.0.1:0", Subnets: []string{subnet},
		HeartbeatInterval: 2 * time.Second, PollInterval: 100 * time.Millisecond, SubnetRefresh: time.Second,
		RetryBackoff: 100 * time.Millisecond, Logger: quietLogger(),
	}
}

func (h *harness) startGateway(t *testing.T, cfg gateway.DaemonConfig) *gateway.Daemon {
	t.Helper()
	d, err := gateway.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// checkConservation: no token was made or lost, and the escrow holds
// nothing: every request the test paid for ended settled or refunded.
func (h *harness) checkConservation(t *testing.T) {
	ctx := context.Background()
	env := h.env
	everyone := []common.Address{env.Owner.Addr, env.Treasury.Addr, env.Gateway.Addr, env.Compute.Addr, env.Client.Addr,
		env.Client2.Addr, env.C.Registry, env.C.Payment, crypto.PubkeyToAddress(chain.DevKey(chain.DevKeyTicker).PublicKey)}
	for _, v := range env.Validators {
		everyone = append(everyone, v.Addr)
	}
	sum := new(big.Int)
	for _, a := range everyone {
		b, err := env.C.BalanceOf(ctx, a)
		if err != nil {
			t.Errorf("balance of %s: %v", a.Hex(), err)
			return
		}
		sum.Add(sum, b)
		if a == env.C.Payment && b.Sign() != 0 {
			t.Errorf("the escrow still holds %s wei after the test", b)
		}
	}
	if supply, err := env.C.TotalSupply(ctx); err != nil || supply.Cmp(h.supply) != 0 || sum.Cmp(h.supply) != 0 {
		t.Errorf("tokens not conserved: supply %s (was %s), balances sum to %s, %v", supply, h.supply, sum, err)
	}
}

// balances reads the token balances of addrs.
func (h *harness) balances(t *testing.T, addrs ...common.Address) []*big.Int {
	t.Helper()
	out := make([]*big.Int, len(addrs))
	for i, a := range addrs {
		b, err := h.env.C.BalanceOf(context.Background(), a)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = b
	}
	return out
}

// fanout is the registry network as a gateway sees it through one node:
// registrations and heartbeats reach every node (as gossip would carry
// them), the rest is answered by node 0.
type fanout struct {
	pb.UnimplementedP2PRegistryServiceServer
	to []pb.P2PRegistryServiceClient

	mu   sync.Mutex
	hold chan struct{} // while not nil, completion validations wait for it to close
}

// holdCompletions makes completion validations wait until the returned
// function is called.
func (f *fanout) holdCompletions() (release func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := make(chan struct{})
	f.hold = ch
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.hold == ch {
			f.hold = nil
		}
		close(ch)
	}
}

func (f *fanout) RegisterNode(ctx context.Context, req *pb.RegisterNodeRequest) (*pb.RegisterNodeResponse, error) {
	var first *pb.RegisterNodeResponse
	for _, c := range f.to {
		r, err := c.RegisterNode(ctx, req)
		if err != nil {
			return nil, err
		}
		if first == nil {
			first = r
		}
	}
	return first, nil
}

func (f *fanout) UpdateNodeHeartbeat(ctx context.Context, req *pb.HeartbeatRequest) (*pb.HeartbeatResponse, error) {
	for _, c := range f.to {
		if _, err := c.UpdateNodeHeartbeat(ctx, req); err != nil {
			return nil, err
		}
	}
	return &pb.HeartbeatResponse{}, nil
}

func (f *fanout) DiscoverNodes(req *pb.DiscoverNodesRequest, stream grpc.ServerStreamingServer[pb.NodeInfo]) error {
	s, err := f.to[0].DiscoverNodes(stream.Context(), req)
	if err != nil {
		return err
	}
	for {
		n, err := s.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := stream.Send(n); err != nil {
			return err
		}
	}
}

func (f *fanout) RequestPreprocessingValidation(ctx context.Context, req *pb.PreprocessingValidationRequest) (*pb.PreprocessingValidation, error) {
	return f.to[0].RequestPreprocessingValidation(ctx, req)
}

func (f *fanout) RequestCompletionValidation(ctx context.Context, req *pb.CompletionValidationRequest) (*pb.CompletionValidation, error) {
	f.mu.Lock()
	hold := f.hold
	f.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return nil, status.FromContextError(ctx.Err()).Err()
		}
	}
	return f.to[0].RequestCompletionValidation(ctx, req)
}

func (f *fanout) GetSubnet(ctx context.Context, req *pb.GetSubnetRequest) (*pb.SubnetMetadata, error) {
	return f.to[0].GetSubnet(ctx, req)
}

func (f *fanout) ListSubnets(ctx context.Context, req *pb.ListSubnetsRequest) (*pb.ListSubnetsResponse, error) {
	return f.to[0].ListSubnets(ctx, req)
}

func (f *fanout) ListModels(ctx context.Context, req *pb.ListModelsRequest) (*pb.ListModelsResponse, error) {
	return f.to[0].ListModels(ctx, req)
}

func (f *fanout) GetPlugin(ctx context.Context, req *pb.GetPluginRequest) (*pb.PluginBlob, error) {
	return f.to[0].GetPlugin(ctx, req)
}

// computeNode plays a compute node against a gateway: it registers
// through the gateway, keeps a task stream open (reconnecting, to
// whichever address addr returns now), and answers each task with
// answer's output, signed with its key, or with answer's error.
type computeNode struct {
	key    *ecdsa.PrivateKey
	domain chain.Domain
	addr   func() string
	answer func(*pb.ComputeTask) ([]byte, string)

	mu    sync.Mutex
	tasks []*pb.ComputeTask // every task received, repeats included
}

func startCompute(t *testing.T, h *harness, addr func() string, answer func(*pb.ComputeTask) ([]byte, string)) *computeNode {
	t.Helper()
	return startComputeAs(t, h, h.env.Compute.Key, nil, addr, answer)
}

// startComputeAs starts a compute node with key, registered by register
// (nil: through the gateway, which forwards to every registry node).
func startComputeAs(t *testing.T, h *harness, key *ecdsa.PrivateKey, register func(*pb.RegisterNodeRequest) error,
	addr func() string, answer func(*pb.ComputeTask) ([]byte, string)) *computeNode {
	t.Helper()
	return startComputeModels(t, h, key, []string{model}, register, addr, answer)
}

// startTextCompute starts a compute node serving model and textModel
// (see addTextModel).
func startTextCompute(t *testing.T, h *harness, addr func() string, answer func(*pb.ComputeTask) ([]byte, string)) *computeNode {
	t.Helper()
	return startComputeModels(t, h, h.env.Compute.Key, []string{model, textModel}, nil, addr, answer)
}

// startComputeModels starts a compute node serving models, the first of
// which is model.
func startComputeModels(t *testing.T, h *harness, key *ecdsa.PrivateKey, models []string, register func(*pb.RegisterNodeRequest) error,
	addr func() string, answer func(*pb.ComputeTask) ([]byte, string)) *computeNode {
	t.Helper()
	c := &computeNode{key: key, domain: h.env.Domain, addr: addr, answer: answer}
	client := c.client(t)
	connected := func() uint32 { // compute nodes serving model with a stream open
		m, err := client.GetSupportedModels(context.Background(), &pb.GetSupportedModelsRequest{Subnet: subnet})
		if err != nil {
			return 0
		}
		for _, x := range m.Models {
			if x.Model.Id == model {
				return x.ComputeNodes
			}
		}
		return 0
	}
	before := connected()
	req, err := registry.SignRegistration(c.key, &pb.NodeInfo{Role: pb.NodeRole_NODE_ROLE_COMPUTE, Subnets: []string{subnet},
		Models: models, Slots: 4, Accelerator: "cpu"}, uint64(time.Now().UnixMilli()))
	if err != nil {
		t.Fatal(err)
	}
	if register == nil {
		register = func(req *pb.RegisterNodeRequest) error {
			_, err := client.RegisterComputeNode(context.Background(), req)
			return err
		}
	}
	if err := register(req); err != nil {
		t.Fatalf("register compute node: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); c.run(ctx, t) }()
	t.Cleanup(func() { cancel(); <-done })
	waitFor(t, 10*time.Second, func() error {
		if n := connected(); n != before+1 {
			return fmt.Errorf("%d compute nodes connected for model %s, want %d", n, model, before+1)
		}
		return nil
	})
	return c
}

type clients struct {
	pb.GatewayClientServiceClient
	pb.GatewayComputeServiceClient
}

func (c *computeNode) client(t testing.TB) clients {
	return gatewayClients(t, c.addr())
}

func gatewayClients(t testing.TB, addr string) clients {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return clients{pb.NewGatewayClientServiceClient(conn), pb.NewGatewayComputeServiceClient(conn)}
}

func (c *computeNode) run(ctx context.Context, t *testing.T) {
	for ctx.Err() == nil {
		conn, err := grpc.NewClient(c.addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Error(err)
			return
		}
		c.serve(ctx, pb.NewGatewayComputeServiceClient(conn))
		conn.Close()
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (c *computeNode) serve(ctx context.Context, client pb.GatewayComputeServiceClient) {
	req, err := api.SignReceiveTask(c.key, time.Now())
	if err != nil {
		panic(err)
	}
	stream, err := client.ReceiveTask(ctx, req)
	if err != nil {
		return
	}
	for {
		task, err := stream.Recv()
		if err != nil {
			return
		}
		c.mu.Lock()
		c.tasks = append(c.tasks, task)
		c.mu.Unlock()
		go func() {
			out, fail := c.answer(task)
			if task.Stream && fail == "" { // a text model's tokens, ahead of the result
				if ts, err := client.StreamTokens(ctx); err == nil {
					addr := strings.ToLower(crypto.PubkeyToAddress(c.key.PublicKey).Hex())
					half := len(out) / 2
					ref, _ := api.SignTaskRef(c.key, api.KindStreamTokens, common.BytesToHash(task.RequestId), time.Now())
					for i, part := range []string{string(out[:half]), string(out[half:])} {
						chunk := &pb.TokenChunk{RequestId: task.RequestId, ComputeNode: addr, Index: uint32(i), Text: part}
						if i == 0 {
							chunk.UnixMs, chunk.Signature = ref.UnixMs, ref.Signature
						}
						ts.Send(chunk)
					}
					ts.CloseAndRecv()
				}
			}
			sig, _ := api.SignTaskError(c.key, common.BytesToHash(task.RequestId), fail)
			r := &pb.ComputeResult{RequestId: task.RequestId, ComputeNode: strings.ToLower(crypto.PubkeyToAddress(c.key.PublicKey).Hex()), Error: fail, Signature: sig}
			if fail == "" {
				r = signResult(c.key, c.domain, common.BytesToHash(task.RequestId), out, 12)
			}
			for range 50 { // the gateway may be restarting
				_, err := client.SubmitResult(ctx, r)
				if err == nil || status.Code(err) != codes.Unavailable || ctx.Err() != nil {
					return
				}
				time.Sleep(100 * time.Millisecond)
			}
		}()
	}
}

func (c *computeNode) received() []*pb.ComputeTask {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*pb.ComputeTask(nil), c.tasks...)
}

// signResult is a compute node's signed result (api.SignResult; a test's
// execMillis is never 0).
func signResult(key *ecdsa.PrivateKey, domain chain.Domain, id common.Hash, output []byte, execMillis uint64) *pb.ComputeResult {
	r, err := api.SignResult(key, domain, id, output, execMillis)
	if err != nil {
		panic(err)
	}
	return r
}

// payment is what a client pays with, from the gateway's instructions.
func payment(t *testing.T, p *pb.PaymentInstructions) chain.Payment {
	t.Helper()
	if p == nil {
		t.Fatal("no payment instructions")
	}
	wei := func(s string) *big.Int {
		v, ok := new(big.Int).SetString(s, 10)
		if !ok {
			t.Fatalf("bad amount %q", s)
		}
		return v
	}
	out := chain.Payment{
		RequestID: common.BytesToHash(p.RequestId), SubnetID: common.HexToHash(p.SubnetId), ModelID: common.HexToHash(p.ModelId),
		ConfigHash: common.BytesToHash(p.ConfigHash), ExpiresAt: p.ExpiresAt,
		Tree: chain.PaymentTree{ComputeNode: common.HexToAddress(p.Tree.ComputeNode), ComputeAmount: wei(p.Tree.ComputeAmount),
			Gateway: common.HexToAddress(p.Tree.Gateway), GatewayAmount: wei(p.Tree.GatewayAmount),
			ValidatorAmount: wei(p.Tree.ValidatorAmount), TreasuryAmount: wei(p.Tree.TreasuryAmount)},
	}
	for _, s := range p.Signatures {
		out.Signatures = append(out.Signatures, s.Signature)
	}
	return out
}

// waitState polls a request's status until it is in want (or a terminal
// state other than want: a failure).
func waitState(t *testing.T, c pb.GatewayClientServiceClient, id []byte, want pb.TaskState) *pb.InferenceTaskStatus {
	t.Helper()
	var st *pb.InferenceTaskStatus
	waitFor(t, 30*time.Second, func() error {
		var err error
		if st, err = c.GetTaskStatus(context.Background(), &pb.TaskRef{RequestId: id}); err != nil {
			return err
		}
		if st.State == want {
			return nil
		}
		return fmt.Errorf("state %s (%s), want %s", st.State, st.Error, want)
	})
	return st
}

func waitFor(t *testing.T, d time.Duration, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %v", d, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// code asserts err is a gRPC status with code want whose message names
// what to act on.
func code(t *testing.T, what string, err error, want codes.Code, mention string) {
	t.Helper()
	if status.Code(err) != want || !strings.Contains(err.Error(), mention) {
		t.Errorf("%s: %v, want %s mentioning %q", what, err, want, mention)
		return
	}
	t.Logf("%s: %v", what, err)
}
