package compute_test

import (
	"cmp"
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	grpcstatus "google.golang.org/grpc/status"

	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/gpu/worker"
	"github.com/ncn-network/ncn/gpu/worker/workertest"
	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/host/compute"
	"github.com/ncn-network/ncn/host/registry/registrytest"
	"github.com/ncn-network/ncn/sandbox"
	"github.com/ncn-network/ncn/sandbox/sandboxtest"
)

// domain is registrytest's: the registry's validators check results in it.
var domain = chain.Domain{ChainID: big.NewInt(1337), Contract: common.Address{1}}

// gateway is the gateway side of GatewayComputeService, enough to drive a
// compute node: it checks the task stream's signature like a gateway,
// hands each stream to the test as a session, and collects results and
// token chunks.
type gateway struct {
	pb.UnimplementedGatewayComputeServiceServer
	addr string

	sessions chan *session
	results  chan *pb.ComputeResult

	mu     sync.Mutex
	tokens map[common.Hash][]*pb.TokenChunk
	srv    *grpc.Server
}

// session is one open task stream.
type session struct {
	node  common.Address
	tasks chan *pb.ComputeTask
	drop  chan struct{} // closed: the gateway ends the stream
	ended chan struct{} // closed when the handler has returned
}

func startGateway(t *testing.T) *gateway {
	g := &gateway{sessions: make(chan *session, 16), results: make(chan *pb.ComputeResult, 64), tokens: map[common.Hash][]*pb.TokenChunk{}}
	g.serve(t, "127.0.0.1:0")
	t.Cleanup(g.stop)
	return g
}

// serve (re)starts the server on addr; startGateway's test stops it.
func (g *gateway) serve(t *testing.T, addr string) {
	t.Helper()
	var ln net.Listener
	var err error
	for range 50 { // the old listener's port may take a moment to free
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	g.addr = ln.Addr().String()
	srv := grpc.NewServer()
	pb.RegisterGatewayComputeServiceServer(srv, g)
	go srv.Serve(ln)
	g.mu.Lock()
	g.srv = srv
	g.mu.Unlock()
}

// stop kills the server and every stream, as a crashed gateway.
func (g *gateway) stop() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.srv.Stop()
}

func (g *gateway) ReceiveTask(req *pb.ReceiveTaskRequest, stream grpc.ServerStreamingServer[pb.ComputeTask]) error {
	addr, err := compute.VerifyReceiveTask(req, time.Now())
	if err != nil {
		return grpcstatus.Error(codes.PermissionDenied, err.Error())
	}
	s := &session{node: addr, tasks: make(chan *pb.ComputeTask), drop: make(chan struct{}), ended: make(chan struct{})}
	defer close(s.ended)
	g.sessions <- s
	for {
		select {
		case task := <-s.tasks:
			if err := stream.Send(task); err != nil {
				return err
			}
		case <-s.drop:
			return grpcstatus.Error(codes.Unavailable, "gateway dropped the stream")
		case <-stream.Context().Done():
			return nil
		}
	}
}

func (g *gateway) SubmitResult(_ context.Context, r *pb.ComputeResult) (*pb.SubmitResultResponse, error) {
	g.results <- r
	return &pb.SubmitResultResponse{}, nil
}

func (g *gateway) StreamTokens(stream grpc.ClientStreamingServer[pb.TokenChunk, pb.StreamTokensResponse]) error {
	for {
		c, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return stream.SendAndClose(&pb.StreamTokensResponse{})
		}
		if err != nil {
			return err
		}
		g.mu.Lock()
		id := common.BytesToHash(c.RequestId)
		g.tokens[id] = append(g.tokens[id], c)
		g.mu.Unlock()
	}
}

func (g *gateway) tokensOf(id common.Hash) []*pb.TokenChunk {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.tokens[id])
}

// session waits for the node's next task stream.
func (g *gateway) session(t *testing.T) *session {
	t.Helper()
	select {
	case s := <-g.sessions:
		return s
	case <-time.After(30 * time.Second):
		t.Fatal("the node opened no task stream")
		return nil
	}
}

// send dispatches a task on the session.
func (s *session) send(t *testing.T, task *pb.ComputeTask) {
	t.Helper()
	select {
	case s.tasks <- task:
	case <-s.ended:
		t.Fatal("the task stream ended before the task was sent")
	case <-time.After(10 * time.Second):
		t.Fatal("task not taken")
	}
}

// result waits for the result of request id (results of others are
// failures: every test waits for what it sent).
func (g *gateway) result(t *testing.T, id []byte) *pb.ComputeResult {
	t.Helper()
	select {
	case r := <-g.results:
		if string(r.RequestId) != string(id) {
			t.Fatalf("result for %x, want %x", r.RequestId, id)
		}
		return r
	case <-time.After(time.Minute):
		t.Fatalf("no result for %x", id)
		return nil
	}
}

// sandboxProfile is strict where this machine can sandbox (and under CI,
// which must); elsewhere the workers run with profile none, saying so.
func sandboxProfile(t *testing.T) sandbox.Profile {
	t.Helper()
	if os.Getuid() == 0 || os.Getenv("CI") != "" {
		sandboxtest.Require(t)
		return sandbox.ProfileStrict
	}
	t.Log("not root: workers run with sandbox profile none")
	return sandbox.ProfileNone
}

type tbWriter struct{ tb testing.TB }

func (w tbWriter) Write(b []byte) (int, error) {
	w.tb.Log(strings.TrimSuffix(string(b), "\n"))
	return len(b), nil
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tbWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// nodeConfig is a node serving the shipped digits and charlm models, with
// 2 slots each, for the registry and gateway given.
func nodeConfig(t *testing.T, key *ecdsa.PrivateKey, registryAddr, gatewayAddr string) compute.Config {
	workertest.RequirePython(t)
	store := workertest.Store()
	return compute.Config{
		Key: key, Domain: domain,
		RegistryAddr: registryAddr, GatewayAddr: gatewayAddr,
		Models:  []string{filepath.Join(store.Root, "digits"), filepath.Join(store.Root, "charlm")},
		Slots:   2,
		Sandbox: sandboxProfile(t), SandboxLimits: sandbox.Limits{Memory: 1 << 30},
		// The embedded worker source, unpacked by the node, as in production.
		Worker:            worker.Config{HealthInterval: -1},
		ScratchDir:        t.TempDir(),
		HeartbeatInterval: 200 * time.Millisecond,
		ReconnectMin:      50 * time.Millisecond, ReconnectMax: 500 * time.Millisecond,
		Logger: testLogger(t),
	}
}

func startNode(t *testing.T, cfg compute.Config) *compute.Node {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	n, err := compute.Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

// sample is a bundle's self-test sample: its input as request bytes,
// params and expected output.
func sample(t *testing.T, model string, i int) (input, params []byte, expect json.RawMessage) {
	t.Helper()
	b, err := workertest.Store().Open(model)
	if err != nil {
		t.Fatal(err)
	}
	s := b.Manifest.Samples[i]
	return sampleInput(t, s.Input), s.Params, s.Expect
}

func newID() []byte {
	id := make([]byte, 32)
	k, _ := crypto.GenerateKey()
	copy(id, crypto.FromECDSA(k))
	return id
}

// checkSigned checks a successful result: no error, the hash of the
// output, a signature by the node over the EIP-712 ComputeResult digest.
func checkSigned(t *testing.T, r *pb.ComputeResult, node common.Address) {
	t.Helper()
	if r.Error != "" {
		t.Fatalf("result error: %s", r.Error)
	}
	if got := crypto.Keccak256Hash(r.Result); common.BytesToHash(r.ResultHash) != got || len(r.ResultHash) != 32 {
		t.Fatalf("result hash %x, keccak256 of the result is %s", r.ResultHash, got)
	}
	if r.ComputeNode != strings.ToLower(node.Hex()) {
		t.Fatalf("compute node %s, want %s", r.ComputeNode, node.Hex())
	}
	if r.ExecMillis == 0 {
		t.Fatal("exec millis 0")
	}
	cr := chain.ComputeResult{RequestID: common.BytesToHash(r.RequestId), ResultHash: common.BytesToHash(r.ResultHash),
		ComputeNode: node, ExecMillis: r.ExecMillis}
	signer, err := chain.Recover(domain.Digest(cr.StructHash()), r.Signature)
	if err != nil || signer != node {
		t.Fatalf("signature recovers to %s (%v), want %s", signer.Hex(), err, node.Hex())
	}
}

// checkFailed checks an error result: the error says want, and there is
// neither output nor signature.
func checkFailed(t *testing.T, r *pb.ComputeResult, want string) {
	t.Helper()
	if !strings.Contains(r.Error, want) {
		t.Fatalf("result error %q, want it to say %q", r.Error, want)
	}
	if len(r.Result) != 0 || len(r.Signature) != 0 || len(r.ResultHash) != 0 {
		t.Fatalf("a failed result carries output %q, hash %x, signature %x", r.Result, r.ResultHash, r.Signature)
	}
}

// TestNode runs a compute node with sandboxed digits and charlm workers
// against a real registry node and an in-test gateway: it registers and
// heartbeats, answers tasks with signed results the registry's validators
// accept, streams charlm's tokens before the result, refuses bad tasks
// with error results, cuts a task at its deadline, survives its task
// stream dropping and the gateway restarting, and deregisters on Close
// after finishing the task in flight.
func TestNode(t *testing.T) {
	reg := registrytest.Start(t)
	gw := startGateway(t)
	key, _ := crypto.GenerateKey()
	node := startNode(t, nodeConfig(t, key, reg.Addr, gw.addr))
	addr := crypto.PubkeyToAddress(key.PublicKey)
	if node.Address() != addr {
		t.Fatalf("address %s, want %s", node.Address().Hex(), addr.Hex())
	}
	s := gw.session(t)
	if s.node != addr {
		t.Fatalf("task stream opened for %s, want %s", s.node.Hex(), addr.Hex())
	}

	t.Run("registered", func(t *testing.T) {
		info, ok := reg.Nodes().Get(addr)
		if !ok {
			t.Fatal("the registry does not know the node")
		}
		if info.Role != pb.NodeRole_NODE_ROLE_COMPUTE || info.Status != pb.NodeStatus_NODE_STATUS_AVAILABLE ||
			!slices.Equal(info.Models, []string{"digits", "charlm"}) || !slices.Equal(info.Subnets, []string{"default"}) ||
			info.Slots != 4 || info.Accelerator == "" {
			t.Fatalf("registry sees %v", info)
		}
		first := info.LastHeartbeatUnixMs
		waitFor(t, 5*time.Second, func() error {
			info, _ := reg.Nodes().Get(addr)
			if info.LastHeartbeatUnixMs <= first {
				return fmt.Errorf("no heartbeat since %d", first)
			}
			return nil
		})
		got := map[string]int{}
		for _, m := range node.Models() {
			got[m.Name] = m.Slots
		}
		if got["digits"] != 2 || got["charlm"] != 2 || node.Accelerator() != info.Accelerator {
			t.Fatalf("models %v, accelerator %q", node.Models(), node.Accelerator())
		}
	})

	t.Run("digits", func(t *testing.T) {
		input, _, expect := sample(t, "digits", 0)
		id := newID()
		s.send(t, &pb.ComputeTask{RequestId: id, Subnet: "default", Model: "digits", Input: input,
			DeadlineUnixMs: time.Now().Add(30 * time.Second).UnixMilli(), ExpiresAt: uint64(time.Now().Add(10 * time.Minute).Unix())})
		r := gw.result(t, id)
		checkSigned(t, r, addr)
		if !matches(t, r.Result, expect) {
			t.Fatalf("output %s, want %s", r.Result, expect)
		}
		// A validator of the network accepts it as it stands.
		reg.AddModel(&pb.ModelDescriptor{Id: "digits", Name: "digits", Subnet: "default", OutputSchema: []byte(`{"type":"object"}`)})
		if _, err := reg.SignCompletion(context.Background(), &pb.CompletionValidationRequest{
			RequestId: r.RequestId, Subnet: "default", Model: "digits", ComputeNode: r.ComputeNode,
			ResultHash: r.ResultHash, ExecMillis: r.ExecMillis, ComputeSignature: r.Signature, Result: r.Result}); err != nil {
			t.Fatalf("a validator refuses the result: %v", err)
		}
		// The same task again (a gateway retrying after a reconnect) gets
		// the same signed result, not a second one.
		s.send(t, &pb.ComputeTask{RequestId: id, Subnet: "default", Model: "digits", Input: input})
		if again := gw.result(t, id); string(again.Signature) != string(r.Signature) {
			t.Fatal("a repeated task was signed again")
		}
	})

	t.Run("concurrent", func(t *testing.T) {
		input, _, _ := sample(t, "digits", 0)
		text, params, _ := sample(t, "charlm", 0)
		ids := map[string]bool{}
		for i := range 6 {
			id := newID()
			ids[string(id)] = true
			task := &pb.ComputeTask{RequestId: id, Model: "digits", Input: input}
			if i%2 == 1 {
				task = &pb.ComputeTask{RequestId: id, Model: "charlm", Input: text, Params: params}
			}
			s.send(t, task)
		}
		for len(ids) > 0 {
			select {
			case r := <-gw.results:
				if !ids[string(r.RequestId)] {
					t.Fatalf("result for unknown request %x", r.RequestId)
				}
				delete(ids, string(r.RequestId))
				checkSigned(t, r, addr)
			case <-time.After(time.Minute):
				t.Fatalf("%d results missing", len(ids))
			}
		}
	})

	t.Run("charlm streams", func(t *testing.T) {
		input, params, expect := sample(t, "charlm", 0)
		id := newID()
		s.send(t, &pb.ComputeTask{RequestId: id, Subnet: "default", Model: "charlm", Input: input, Params: params, Stream: true})
		r := gw.result(t, id)
		checkSigned(t, r, addr)
		if !matches(t, r.Result, expect) {
			t.Fatalf("output %q, want %s", r.Result, expect)
		}
		// The node waits for the gateway to take the stream before it
		// submits: every token is there when the result is.
		chunks := gw.tokensOf(common.BytesToHash(id))
		var text strings.Builder
		for i, c := range chunks {
			if c.Index != uint32(i) || c.ComputeNode != r.ComputeNode {
				t.Fatalf("chunk %d: index %d from %s", i, c.Index, c.ComputeNode)
			}
			text.WriteString(c.Text)
		}
		if len(chunks) < 2 || text.String() != string(r.Result) {
			t.Fatalf("%d chunks making %q, result %q", len(chunks), text.String(), r.Result)
		}
		// Without stream, no tokens.
		id = newID()
		s.send(t, &pb.ComputeTask{RequestId: id, Model: "charlm", Input: input, Params: params})
		checkSigned(t, gw.result(t, id), addr)
		if c := gw.tokensOf(common.BytesToHash(id)); len(c) != 0 {
			t.Fatalf("%d chunks for a task that did not ask to stream", len(c))
		}
	})

	t.Run("bad tasks", func(t *testing.T) {
		digits, _, _ := sample(t, "digits", 0)
		tests := []struct {
			name string
			task *pb.ComputeTask
			want string
		}{
			{name: "unknown model", task: &pb.ComputeTask{Model: "gpt-9", Input: digits}, want: `model not served here: "gpt-9" (this node serves digits, charlm)`},
			{name: "short request id", task: &pb.ComputeTask{RequestId: []byte{1, 2, 3}, Model: "digits", Input: digits}, want: "bad task: request id is 3 bytes, want 32"},
			{name: "no request id", task: &pb.ComputeTask{RequestId: []byte{}, Model: "digits", Input: digits}, want: "bad task: request id is 0 bytes"},
			{name: "other subnet", task: &pb.ComputeTask{Subnet: "elsewhere", Model: "digits", Input: digits}, want: `subnet not served here: "elsewhere"`},
			{name: "oversized input", task: &pb.ComputeTask{Model: "charlm", Input: make([]byte, 1<<20+1)}, want: "bad task: input of 1048577 bytes exceeds the limit of 1048576"},
			{name: "params not an object", task: &pb.ComputeTask{Model: "charlm", Input: []byte("The fox"), Params: []byte(`[1]`)}, want: "bad task: params are not a JSON object"},
			{name: "input refused by the model", task: &pb.ComputeTask{Model: "digits", Input: []byte(`{"pixels": [1, 2, 3]}`)}, want: "invalid model input: "},
			{name: "params refused by the model", task: &pb.ComputeTask{Model: "charlm", Input: []byte("The fox"), Params: []byte(`{"max_tokens": -1}`)}, want: "invalid model input: "},
			{name: "deadline passed", task: &pb.ComputeTask{Model: "digits", Input: digits, DeadlineUnixMs: time.Now().Add(-time.Second).UnixMilli()}, want: "task expired: its deadline passed"},
			{name: "payment expired", task: &pb.ComputeTask{Model: "digits", Input: digits, ExpiresAt: uint64(time.Now().Add(-time.Minute).Unix())}, want: "task expired: its payment expired"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if tt.task.RequestId == nil {
					tt.task.RequestId = newID()
				}
				s.send(t, tt.task)
				checkFailed(t, gw.result(t, tt.task.RequestId), tt.want)
			})
		}
		// The node still serves.
		id := newID()
		s.send(t, &pb.ComputeTask{RequestId: id, Model: "digits", Input: digits})
		checkSigned(t, gw.result(t, id), addr)
	})

	t.Run("deadline", func(t *testing.T) {
		// The longest charlm generation, timed uncut, then given a
		// quarter of that time: it is cut, with the tokens it streamed.
		params := []byte(`{"max_tokens": 1024}`)
		id := newID()
		start := time.Now()
		s.send(t, &pb.ComputeTask{RequestId: id, Model: "charlm", Input: []byte("The fox "), Params: params})
		full := gw.result(t, id)
		took := time.Since(start)
		checkSigned(t, full, addr)
		if len(full.Result) != 1024 {
			t.Fatalf("uncut output of %d bytes", len(full.Result))
		}
		id = newID()
		start = time.Now()
		deadline := start.Add(took / 4)
		s.send(t, &pb.ComputeTask{RequestId: id, Model: "charlm", Input: []byte("The fox "), Params: params, Stream: true, DeadlineUnixMs: deadline.UnixMilli()})
		r := gw.result(t, id)
		checkFailed(t, r, "deadline exceeded: cut after")
		if late := time.Since(deadline); late > 2*time.Second {
			t.Fatalf("result %s after the deadline", late)
		}
		if n := len(gw.tokensOf(common.BytesToHash(id))); n >= 1024 {
			t.Fatalf("%d tokens streamed: not cut", n)
		}
		t.Logf("1024 tokens in %s; with %s it was cut: %s", took.Round(time.Millisecond), (took / 4).Round(time.Millisecond), r.Error)
		// The worker serves again.
		input, p, _ := sample(t, "charlm", 1)
		id = newID()
		s.send(t, &pb.ComputeTask{RequestId: id, Model: "charlm", Input: input, Params: p})
		checkSigned(t, gw.result(t, id), addr)
	})

	t.Run("reconnect", func(t *testing.T) {
		digits, _, _ := sample(t, "digits", 0)
		// The gateway ends the stream: the node opens another.
		close(s.drop)
		s = gw.session(t)
		id := newID()
		s.send(t, &pb.ComputeTask{RequestId: id, Model: "digits", Input: digits})
		checkSigned(t, gw.result(t, id), addr)
		// The gateway dies and comes back on its address.
		before := node.Streams()
		gw.stop()
		gw.serve(t, gw.addr)
		s = gw.session(t)
		if node.Streams() <= before {
			t.Fatalf("streams opened %d, %d before the restart", node.Streams(), before)
		}
		id = newID()
		s.send(t, &pb.ComputeTask{RequestId: id, Model: "digits", Input: digits})
		checkSigned(t, gw.result(t, id), addr)
	})

	t.Run("close", func(t *testing.T) {
		// A task in flight at Close is finished and returned, then the
		// node is gone from the registry and its stream closed.
		id := newID()
		s.send(t, &pb.ComputeTask{RequestId: id, Model: "charlm", Input: []byte("The fox "), Params: []byte(`{"max_tokens": 1024}`)})
		waitFor(t, 10*time.Second, func() error {
			if node.Load() == 0 {
				return errors.New("the task did not start")
			}
			return nil
		})
		if err := node.Close(); err != nil {
			t.Fatal(err)
		}
		select {
		case r := <-gw.results:
			checkSigned(t, r, addr)
		default:
			t.Fatal("Close returned before the task in flight was returned")
		}
		if _, ok := reg.Nodes().Get(addr); ok {
			t.Fatal("the registry still lists the node after Close")
		}
		select {
		case <-s.ended:
		case <-time.After(5 * time.Second):
			t.Fatal("the task stream is still open after Close")
		}
		if err := node.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
	})
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
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestConfigValidate(t *testing.T) {
	key, _ := crypto.GenerateKey()
	good := func() compute.Config {
		return compute.Config{Key: key, Domain: domain, RegistryAddr: "127.0.0.1:1", GatewayAddr: "127.0.0.1:2", Models: []string{"m"}}
	}
	if err := (&compute.Config{}).Validate(); err == nil {
		t.Fatal("the zero config validates")
	}
	tests := []struct {
		name   string
		change func(*compute.Config)
		want   string // "": valid
	}{
		{name: "minimal", change: func(*compute.Config) {}},
		{name: "no key", change: func(c *compute.Config) { c.Key = nil }, want: "no node key"},
		{name: "no domain", change: func(c *compute.Config) { c.Domain = chain.Domain{} }, want: "no EIP-712 domain"},
		{name: "no registry", change: func(c *compute.Config) { c.RegistryAddr = "" }, want: "no registry address"},
		{name: "no gateway", change: func(c *compute.Config) { c.GatewayAddr = "" }, want: "no gateway address"},
		{name: "no models", change: func(c *compute.Config) { c.Models = nil }, want: "no model bundles"},
		{name: "unknown profile", change: func(c *compute.Config) { c.Sandbox = "lax" }, want: `unknown profile "lax"`},
		{name: "negative slots", change: func(c *compute.Config) { c.Slots = -1 }, want: "slots is negative"},
		{name: "negative timeout", change: func(c *compute.Config) { c.TaskTimeout = -time.Second }, want: "task timeout is negative"},
		{name: "backoff upside down", change: func(c *compute.Config) { c.ReconnectMin, c.ReconnectMax = time.Minute, time.Second }, want: "reconnect min 1m0s above max 1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good()
			tt.change(&c)
			err := c.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("valid config refused: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

// TestStartRefuses: a node that cannot serve does not start, says why,
// and leaves no worker or scratch directory behind.
func TestStartRefuses(t *testing.T) {
	key, _ := crypto.GenerateKey()
	store := workertest.Store()
	tests := []struct {
		name   string
		change func(*compute.Config)
		want   string
		wait   time.Duration // for Start; default 20s
	}{
		{name: "missing bundle", change: func(c *compute.Config) { c.Models = []string{filepath.Join(t.TempDir(), "nope")} }, want: "invalid model manifest"},
		{name: "model twice", change: func(c *compute.Config) { c.Models = []string{c.Models[0], c.Models[0]} }, want: "model digits given twice"},
		{name: "registry unreachable", change: func(c *compute.Config) { c.RegistryAddr = "127.0.0.1:1" }, want: "register at 127.0.0.1:1: context deadline exceeded", wait: 8 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := nodeConfig(t, key, "127.0.0.1:1", "127.0.0.1:2")
			cfg.Models, cfg.Slots = []string{filepath.Join(store.Root, "digits")}, 1
			tt.change(&cfg)
			ctx, cancel := context.WithTimeout(context.Background(), cmp.Or(tt.wait, 20*time.Second))
			defer cancel()
			n, err := compute.Start(ctx, cfg)
			if err == nil {
				n.Close()
				t.Fatal("started")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
			if left, _ := os.ReadDir(cfg.ScratchDir); len(left) != 0 {
				t.Fatalf("left behind in the scratch dir: %v", left)
			}
		})
	}
}
