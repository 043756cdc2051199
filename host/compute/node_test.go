package compute_test

import (
	"cmp"
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/gpu/worker"
	"github.com/ncn-network/ncn/gpu/worker/workertest"
	"github.com/ncn-network/ncn/host/api"
	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/host/compute"
	"github.com/ncn-network/ncn/host/compute/computetest"
	"github.com/ncn-network/ncn/host/ops/opstest"
	"github.com/ncn-network/ncn/host/registry/registrytest"
	"github.com/ncn-network/ncn/sandbox"
	"github.com/ncn-network/ncn/sandbox/sandboxtest"
)

// domain is registrytest's: the registry's validators check results in it.
var domain = chain.Domain{ChainID: big.NewInt(1337), Contract: common.Address{1}}

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

// checkSigned checks a successful result as validators do.
func checkSigned(t *testing.T, r *pb.ComputeResult, node common.Address) {
	t.Helper()
	if err := computetest.CheckResult(r, node, domain); err != nil {
		t.Fatal(err)
	}
}

// checkFailed checks an error result: the error says want, and there is
// neither output nor signature.
func checkFailed(t *testing.T, r *pb.ComputeResult, want string) {
	t.Helper()
	if !strings.Contains(r.Error, want) {
		t.Fatalf("result error %q, want it to say %q", r.Error, want)
	}
	if len(r.Result) != 0 || len(r.ResultHash) != 0 {
		t.Fatalf("a failed result carries output %q, hash %x", r.Result, r.ResultHash)
	}
	// Signed by the node: a failure report refunds the client.
	if signer, err := api.TaskErrorSigner(common.BytesToHash(r.RequestId), r.Error, r.Signature); err != nil || signer != common.HexToAddress(r.ComputeNode) {
		t.Fatalf("the failure report is signed by %s (%v), not the node %s", signer.Hex(), err, r.ComputeNode)
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
	gw := computetest.StartGateway(t)
	key, _ := crypto.GenerateKey()
	cfg := nodeConfig(t, key, reg.Addr, gw.Addr)
	cfg.MetricsListen = "127.0.0.1:0"
	node := startNode(t, cfg)
	addr := crypto.PubkeyToAddress(key.PublicKey)
	if node.Address() != addr {
		t.Fatalf("address %s, want %s", node.Address().Hex(), addr.Hex())
	}
	s := gw.Session(t)
	if s.Node != addr {
		t.Fatalf("task stream opened for %s, want %s", s.Node.Hex(), addr.Hex())
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
		id := computetest.NewRequestID()
		s.Send(t, &pb.ComputeTask{RequestId: id, Subnet: "default", Model: "digits", Input: input,
			DeadlineUnixMs: time.Now().Add(30 * time.Second).UnixMilli(), ExpiresAt: uint64(time.Now().Add(10 * time.Minute).Unix())})
		r := gw.Result(t, id)
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
		s.Send(t, &pb.ComputeTask{RequestId: id, Subnet: "default", Model: "digits", Input: input})
		if again := gw.Result(t, id); string(again.Signature) != string(r.Signature) {
			t.Fatal("a repeated task was signed again")
		}
	})

	t.Run("concurrent", func(t *testing.T) {
		input, _, _ := sample(t, "digits", 0)
		text, params, _ := sample(t, "charlm", 0)
		ids := map[string]bool{}
		for i := range 6 {
			id := computetest.NewRequestID()
			ids[string(id)] = true
			task := &pb.ComputeTask{RequestId: id, Model: "digits", Input: input}
			if i%2 == 1 {
				task = &pb.ComputeTask{RequestId: id, Model: "charlm", Input: text, Params: params}
			}
			s.Send(t, task)
		}
		for len(ids) > 0 {
			select {
			case r := <-gw.Results():
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
		id := computetest.NewRequestID()
		s.Send(t, &pb.ComputeTask{RequestId: id, Subnet: "default", Model: "charlm", Input: input, Params: params, Stream: true})
		r := gw.Result(t, id)
		checkSigned(t, r, addr)
		if !matches(t, r.Result, expect) {
			t.Fatalf("output %q, want %s", r.Result, expect)
		}
		// The node waits for the gateway to take the stream before it
		// submits: every token is there when the result is.
		chunks := gw.Tokens(common.BytesToHash(id))
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
		// The first chunk proves the node: a gateway relays no one else's.
		first := chunks[0]
		if signer, err := api.VerifyTaskRef(api.KindStreamTokens, &pb.TaskRef{RequestId: first.RequestId, UnixMs: first.UnixMs, Signature: first.Signature}, time.Now()); err != nil || signer != addr {
			t.Fatalf("the first chunk is signed by %s (%v), want the node %s", signer.Hex(), err, addr.Hex())
		}
		// Without stream, no tokens.
		id = computetest.NewRequestID()
		s.Send(t, &pb.ComputeTask{RequestId: id, Model: "charlm", Input: input, Params: params})
		checkSigned(t, gw.Result(t, id), addr)
		if c := gw.Tokens(common.BytesToHash(id)); len(c) != 0 {
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
					tt.task.RequestId = computetest.NewRequestID()
				}
				s.Send(t, tt.task)
				checkFailed(t, gw.Result(t, tt.task.RequestId), tt.want)
			})
		}
		// The node still serves.
		id := computetest.NewRequestID()
		s.Send(t, &pb.ComputeTask{RequestId: id, Model: "digits", Input: digits})
		checkSigned(t, gw.Result(t, id), addr)
	})

	t.Run("metrics", func(t *testing.T) {
		// What the subtests above did, counted: tasks by model and
		// outcome, run times of those that reached a worker, the
		// streamed charlm sample's 40 tokens, slots; and ready.
		resp, err := http.Get("http://" + node.MetricsAddr() + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("/readyz: %d with the task stream open", resp.StatusCode)
		}
		opstest.Scrape(t, node.MetricsAddr()).Want(t, map[string]float64{
			"compute_tasks_total{model=digits,outcome=ok}":             5,
			"compute_tasks_total{model=digits,outcome=repeated}":       1,
			"compute_tasks_total{model=digits,outcome=bad_task}":       2,
			"compute_tasks_total{model=digits,outcome=unknown_subnet}": 1,
			"compute_tasks_total{model=digits,outcome=invalid_input}":  1,
			"compute_tasks_total{model=digits,outcome=expired}":        2,
			"compute_tasks_total{model=charlm,outcome=ok}":             5,
			"compute_tasks_total{model=charlm,outcome=bad_task}":       2,
			"compute_tasks_total{model=charlm,outcome=invalid_input}":  1,
			"compute_tasks_total{model=,outcome=unknown_model}":        1,
			"compute_task_duration_seconds{model=digits}":              6,
			"compute_task_duration_seconds{model=charlm}":              6,
			"compute_tokens_streamed_total{model=charlm}":              40,
			"compute_worker_slots{model=digits}":                       2,
			"compute_worker_slots{model=charlm}":                       2,
			"compute_workers_busy{model=digits}":                       0,
			"compute_tasks_in_progress":                                0,
			"compute_task_stream_connected":                            1,
			"compute_worker_crashes_total{model=charlm}":               0,
		})
	})

	t.Run("deadline", func(t *testing.T) {
		// The longest charlm generation, timed uncut, then given a
		// quarter of that time: it is cut, with the tokens it streamed.
		params := []byte(`{"max_tokens": 1024}`)
		id := computetest.NewRequestID()
		start := time.Now()
		s.Send(t, &pb.ComputeTask{RequestId: id, Model: "charlm", Input: []byte("The fox "), Params: params})
		full := gw.Result(t, id)
		took := time.Since(start)
		checkSigned(t, full, addr)
		if len(full.Result) != 1024 {
			t.Fatalf("uncut output of %d bytes", len(full.Result))
		}
		id = computetest.NewRequestID()
		start = time.Now()
		deadline := start.Add(took / 4)
		s.Send(t, &pb.ComputeTask{RequestId: id, Model: "charlm", Input: []byte("The fox "), Params: params, Stream: true, DeadlineUnixMs: deadline.UnixMilli()})
		r := gw.Result(t, id)
		checkFailed(t, r, "deadline exceeded: cut after")
		if late := time.Since(deadline); late > 2*time.Second {
			t.Fatalf("result %s after the deadline", late)
		}
		if n := len(gw.Tokens(common.BytesToHash(id))); n >= 1024 {
			t.Fatalf("%d tokens streamed: not cut", n)
		}
		t.Logf("1024 tokens in %s; with %s it was cut: %s", took.Round(time.Millisecond), (took / 4).Round(time.Millisecond), r.Error)
		// The worker serves again.
		input, p, _ := sample(t, "charlm", 1)
		id = computetest.NewRequestID()
		s.Send(t, &pb.ComputeTask{RequestId: id, Model: "charlm", Input: input, Params: p})
		checkSigned(t, gw.Result(t, id), addr)
	})

	t.Run("reconnect", func(t *testing.T) {
		digits, _, _ := sample(t, "digits", 0)
		// The gateway ends the stream: the node opens another.
		s.Drop()
		s = gw.Session(t)
		id := computetest.NewRequestID()
		s.Send(t, &pb.ComputeTask{RequestId: id, Model: "digits", Input: digits})
		checkSigned(t, gw.Result(t, id), addr)
		// The gateway dies and comes back on its address.
		before := node.Streams()
		gw.Restart(t)
		s = gw.Session(t)
		if node.Streams() <= before {
			t.Fatalf("streams opened %d, %d before the restart", node.Streams(), before)
		}
		id = computetest.NewRequestID()
		s.Send(t, &pb.ComputeTask{RequestId: id, Model: "digits", Input: digits})
		checkSigned(t, gw.Result(t, id), addr)
	})

	t.Run("close", func(t *testing.T) {
		// A task in flight at Close is finished and returned, then the
		// node is gone from the registry and its stream closed.
		id := computetest.NewRequestID()
		s.Send(t, &pb.ComputeTask{RequestId: id, Model: "charlm", Input: []byte("The fox "), Params: []byte(`{"max_tokens": 1024}`)})
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
		case r := <-gw.Results():
			checkSigned(t, r, addr)
		default:
			t.Fatal("Close returned before the task in flight was returned")
		}
		if _, ok := reg.Nodes().Get(addr); ok {
			t.Fatal("the registry still lists the node after Close")
		}
		select {
		case <-s.Ended():
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
