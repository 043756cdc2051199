package devnet_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
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
	"github.com/ncn-network/ncn/chain/bindings/payment"
	"github.com/ncn-network/ncn/host/api"
	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/host/client"
	"github.com/ncn-network/ncn/host/devnet"
	"github.com/ncn-network/ncn/host/registry/registrytest"
	"github.com/ncn-network/ncn/sandbox"
	"github.com/ncn-network/ncn/sandbox/sandboxtest"
)

// The end-to-end tests: the network as separate processes of the ncn
// binary (the embedded chain, 5 registry/validator nodes, a gateway, 2
// compute nodes running both shipped models in the strict sandbox), hurt
// the way production hurts it — SIGKILL, a hung process (SIGSTOP), a lost
// quorum, a plugin swapped under load, hostile input — and every test
// ends with the token conservation check: the supply unchanged, the
// balance deltas summing to zero, the escrow holding nothing once every
// request has ended, and the client charged exactly the requests that
// settled.
//
// The tests share one devnet where they leave it as they found it (a
// role killed is started again); a test that cannot (the chain's clock
// moved) or that failed retires it, and the next test starts a new one.

// taskTimeout is the shared gateway's --task-timeout: how long a
// dispatched task may take before the request is refunded. Short, so a
// compute node killed for good costs the test seconds, not minutes; long
// enough for a compute node to restart and take its task again.
const taskTimeout = 15 * time.Second

var (
	binOnce sync.Once
	binPath string
	binErr  error

	sharedMu  sync.Mutex
	sharedNet *network
)

func TestMain(m *testing.M) {
	sandbox.InitMain() // BenchmarkDevnetLatency's direct worker starts as this binary's stage two
	code := m.Run()
	sharedMu.Lock()
	if sharedNet != nil {
		sharedNet.close()
	}
	sharedMu.Unlock()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// repoRoot is the repository's top directory.
func repoRoot() string {
	_, here, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(here), "..", "..")
}

// ncnBinary builds the ncn binary once for every test and benchmark.
func ncnBinary(tb testing.TB) string {
	tb.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ncn-e2e-bin-")
		if err != nil {
			binErr = err
			return
		}
		bin := filepath.Join(dir, "ncn")
		if out, err := exec.Command("go", "build", "-o", bin, filepath.Join(repoRoot(), "cmd", "ncn")).CombinedOutput(); err != nil {
			os.RemoveAll(dir)
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		binPath = bin
	})
	if binErr != nil {
		tb.Fatal(binErr)
	}
	return binPath
}

func models() []string {
	m := filepath.Join(repoRoot(), "gpu", "worker", "models")
	return []string{filepath.Join(m, "digits"), filepath.Join(m, "charlm")}
}

// network is a running devnet with the client's side of it: the chain,
// the client's escrow (with a standing allowance, so payments go in
// parallel) and a connection to the gateway.
type network struct {
	*devnet.Net
	dir       string
	keep      bool // leave dir for a person to read (a test failed)
	contracts *chain.Contracts
	escrow    *chain.Escrow // pays from the client account
	addr      string        // the client's address as the API spells it
	key       *ecdsa.PrivateKey
	conn      *grpc.ClientConn
	gw        pb.GatewayClientServiceClient
	client    *client.Client
	digits    client.Request // the digits model's sample
	charlm    client.Request // the charlm model's sample
}

// sharedNetwork returns the devnet the tests share, starting one if none
// runs. A test that fails retires it: the next one starts afresh rather
// than inherit a network in an unknown state.
func sharedNetwork(t *testing.T) *network {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the whole network as processes")
	}
	sandboxtest.Require(t)
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if sharedNet == nil {
		n, err := startNetwork(t)
		if err != nil {
			t.Fatal(err)
		}
		sharedNet = n
	}
	n := sharedNet
	t.Cleanup(func() {
		if t.Failed() {
			n.keep = true
			t.Logf("the devnet's logs are kept in %s", filepath.Join(n.dir, "logs"))
			retire(n)
		}
	})
	return n
}

// retire closes n if it is the shared devnet, so the next test starts
// another.
func retire(n *network) {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if sharedNet == n {
		sharedNet = nil
		n.close()
	}
}

func startNetwork(t *testing.T) (*network, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "ncn-e2e-")
	if err != nil {
		return nil, err
	}
	bin := ncnBinary(t)
	start := time.Now()
	dn, err := devnet.Start(ctx, devnet.Config{Bin: bin, DataDir: dir, Models: models(), Sandbox: "strict",
		GatewayArgs: []string{"--task-timeout", taskTimeout.String()}})
	if err != nil {
		return nil, fmt.Errorf("devnet (logs in %s): %w", filepath.Join(dir, "logs"), err)
	}
	t.Logf("devnet ready in %s (data in %s)", time.Since(start).Round(time.Millisecond), dir)
	n := &network{Net: dn, dir: dir}
	fail := func(err error) (*network, error) {
		n.close()
		return nil, err
	}
	if n.contracts, err = dn.DialChain(ctx); err != nil {
		return fail(err)
	}
	if n.escrow, err = dn.Escrow(ctx, n.contracts, "client"); err != nil {
		return fail(err)
	}
	n.addr = strings.ToLower(n.escrow.Sender().From().Hex())
	if n.key = chain.DevKey(chain.DevKeyClient); crypto.PubkeyToAddress(n.key.PublicKey) != n.escrow.Sender().From() {
		return fail(errors.New("the devnet's client is not the dev client key"))
	}
	if _, err := n.escrow.Approve(ctx, new(big.Int).Lsh(big.NewInt(1), 200)); err != nil {
		return fail(err)
	}
	if err := n.dial(); err != nil {
		return fail(err)
	}
	samples, err := dn.SampleRequests()
	if err != nil {
		return fail(err)
	}
	for _, s := range samples {
		switch s.Model {
		case "digits":
			n.digits = s
		case "charlm":
			n.charlm = s
		}
	}
	if n.digits.Model == "" || n.charlm.Model == "" {
		return fail(fmt.Errorf("the devnet serves %v, not digits and charlm", dn.Models))
	}
	return n, nil
}

// dial (re)connects to the gateway: after it restarted, a fresh
// connection does not wait out the old one's reconnect backoff.
func (n *network) dial() error {
	if n.conn != nil {
		n.conn.Close()
	}
	conn, err := grpc.NewClient(n.GatewayAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	n.conn, n.gw = conn, pb.NewGatewayClientServiceClient(conn)
	n.client = client.New(conn, n.escrow)
	n.client.Approved = true
	return nil
}

func (n *network) close() {
	if n.conn != nil {
		n.conn.Close()
	}
	if n.contracts != nil {
		n.contracts.Backend().Close()
	}
	if n.Net != nil {
		n.Net.Close()
	}
	if !n.keep {
		os.RemoveAll(n.dir)
	}
}

// long is a charlm request that generates 1024 characters, streamed: it
// runs long enough (a few tenths of a second) to be caught mid-task.
func (n *network) long(seed int) client.Request {
	r := n.charlm
	r.Params = fmt.Appendf(nil, `{"max_tokens":1024,"seed":%d}`, seed)
	r.Stream = true
	return r
}

// computeByAddr is the compute node with address a (0x, any case).
func (n *network) computeByAddr(t *testing.T, a string) *devnet.Proc {
	t.Helper()
	for _, p := range n.Computes {
		if strings.EqualFold(p.Out["address"], a) {
			return p
		}
	}
	t.Fatalf("no compute node %s", a)
	return nil
}

// pause stops p (SIGSTOP) until resume is called or the test ends.
func pause(t *testing.T, p *devnet.Proc) (resume func()) {
	t.Helper()
	if err := p.Pause(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	resume = func() {
		once.Do(func() {
			if p.Running() {
				if err := p.Resume(); err != nil {
					t.Error(err)
				}
			}
		})
	}
	t.Cleanup(resume)
	return resume
}

// restart starts p again after it was killed, and waits until the
// gateway has every compute node's task stream again.
func (n *network) restart(ctx context.Context, t *testing.T, p *devnet.Proc, extra ...string) *devnet.Proc {
	t.Helper()
	start := time.Now()
	q, err := n.Restart(ctx, p, extra...)
	if err != nil {
		t.Fatal(err)
	}
	if q == n.Gateway {
		if err := n.dial(); err != nil {
			t.Fatal(err)
		}
	}
	if err := n.WaitGateway(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s started again and the gateway serves every compute node in %s", q.Name, time.Since(start).Round(time.Millisecond))
	return q
}

// killGateway crashes the gateway (SIGKILL).
func (n *network) killGateway(t *testing.T) {
	t.Helper()
	n.Gateway.Kill()
	t.Logf("gateway killed (SIGKILL)")
}

// submitted is a request quoted, submitted and validated: what its
// client pays with.
type submitted struct {
	req   client.Request
	quote *pb.FeeQuote
	id    common.Hash
	node  string // the compute node the gateway reserved
	pay   chain.Payment
}

// submit quotes req and submits it under a new idempotency key; the
// gateway must answer with payment instructions for exactly the quoted
// amount at the quoted config hash.
func (n *network) submit(ctx context.Context, t *testing.T, req client.Request) *submitted {
	t.Helper()
	q, err := n.client.Estimate(ctx, req)
	if err != nil {
		t.Fatalf("estimate: %v", err)
	}
	if req.IdempotencyKey == "" {
		req.IdempotencyKey = fmt.Sprintf("e2e-%s-%d", t.Name(), time.Now().UnixNano())
	}
	st, err := n.gw.SubmitInferenceTask(ctx, &pb.InferenceRequest{QuoteId: q.QuoteId, Client: n.addr, Subnet: req.Subnet, Model: req.Model,
		Input: req.Input, Params: req.Params, IdempotencyKey: req.IdempotencyKey, Stream: req.Stream})
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	if st.State != pb.TaskState_TASK_STATE_AWAITING_PAYMENT {
		t.Fatalf("submit: state %s, want AWAITING_PAYMENT", st.State)
	}
	p, err := client.PaymentOf(st.Payment)
	if err != nil {
		t.Fatal(err)
	}
	if p.Tree.Total().String() != q.Amount || !bytes.Equal(p.ConfigHash[:], q.ConfigHash) {
		t.Fatalf("payment instructions for %s wei at config %x, quoted %s wei at %x", p.Tree.Total(), p.ConfigHash, q.Amount, q.ConfigHash)
	}
	return &submitted{req: req, quote: q, id: p.RequestID, node: st.ComputeNode, pay: p}
}

// payFor deposits s's payment into the escrow from the client.
func (n *network) payFor(ctx context.Context, t *testing.T, s *submitted) {
	t.Helper()
	if _, err := n.escrow.Initiate(ctx, s.pay); err != nil {
		t.Fatalf("pay %x: %v", s.id[:8], err)
	}
}

// confirm tells the gateway s is paid.
func (n *network) confirm(ctx context.Context, t *testing.T, s *submitted) *pb.InferenceTaskStatus {
	t.Helper()
	st, err := n.gw.ConfirmPayment(ctx, &pb.ConfirmPaymentRequest{RequestId: s.id[:]})
	if err != nil {
		t.Fatalf("confirm payment %x: %v", s.id[:8], err)
	}
	return st
}

// waitState polls the gateway's status of id until it is one of want
// (or terminal, which is returned too).
func (n *network) waitState(ctx context.Context, t *testing.T, id common.Hash, within time.Duration, want ...pb.TaskState) *pb.InferenceTaskStatus {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	var last *pb.InferenceTaskStatus
	var lastErr error
	for {
		st, err := n.gw.GetTaskStatus(ctx, &pb.TaskRef{RequestId: id[:]})
		if err == nil {
			last = st
			for _, w := range want {
				if st.State == w {
					return st
				}
			}
			if terminal(st.State) {
				return st
			}
		} else {
			lastErr = err
		}
		select {
		case <-ctx.Done():
			t.Fatalf("request %x: state %s (%v) after %s, want %v", id[:8], last.GetState(), lastErr, within, want)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func terminal(s pb.TaskState) bool {
	switch s {
	case pb.TaskState_TASK_STATE_SETTLED, pb.TaskState_TASK_STATE_REFUNDED, pb.TaskState_TASK_STATE_RELEASED,
		pb.TaskState_TASK_STATE_CANCELLED, pb.TaskState_TASK_STATE_EXPIRED:
		return true
	}
	return false
}

// books follows a test's requests to their end and checks that the
// tokens add up: each paid request ended exactly once, settled (the
// client charged its quoted amount) or refunded (charged nothing), on
// chain and in the gateway's ledger alike.
type books struct {
	n       *network
	b       *devnet.Books
	mu      sync.Mutex
	r       devnet.Report // the counts
	charged *big.Int
}

func (n *network) openBooks(ctx context.Context, t *testing.T) *books {
	t.Helper()
	b, err := n.OpenBooks(ctx, n.contracts)
	if err != nil {
		t.Fatal(err)
	}
	return &books{n: n, b: b, charged: new(big.Int)}
}

// refused counts requests that ended before payment, with no request
// the client could pay.
func (k *books) refused(count int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.r.Requested += count
	k.r.Unpaid += count
}

// end waits for request id (quoted amount) to end at the gateway and
// counts how it ended, checking the chain agrees: settled there is
// completed on chain, refunded is expired or failed, and a request that
// ended unpaid has no deposit. It returns the gateway's final state.
func (k *books) end(ctx context.Context, t *testing.T, id common.Hash, amount string, within time.Duration) pb.TaskState {
	t.Helper()
	st := k.n.waitState(ctx, t, id, within)
	if !terminal(st.State) {
		t.Fatalf("request %x is %s", id[:8], st.State)
	}
	on, err := k.n.contracts.Request(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.r.Requested++
	switch st.State {
	case pb.TaskState_TASK_STATE_SETTLED:
		if on.Status != chain.StatusCompleted {
			t.Errorf("request %x settled at the gateway, %s on chain", id[:8], on.Status)
		}
		v, ok := new(big.Int).SetString(amount, 10)
		if !ok {
			t.Fatalf("amount %q", amount)
		}
		k.charged.Add(k.charged, v)
		k.r.Completed++
	case pb.TaskState_TASK_STATE_REFUNDED:
		if on.Status != chain.StatusExpired && on.Status != chain.StatusFailed {
			t.Errorf("request %x refunded at the gateway, %s on chain", id[:8], on.Status)
		}
		k.r.Refunded++
	default: // released, cancelled, expired unpaid
		if on.Status != chain.StatusNone {
			t.Errorf("request %x ended %s (unpaid) at the gateway, %s on chain", id[:8], st.State, on.Status)
		}
		k.r.Unpaid++
	}
	return st.State
}

// check closes the books: every request accounted for, the conservation
// check, and the client charged exactly what the settled requests were
// quoted.
func (k *books) check(ctx context.Context, t *testing.T) *devnet.Report {
	t.Helper()
	r, err := k.b.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	k.mu.Lock()
	r.Requested, r.Completed, r.Refunded, r.Unpaid, r.Open = k.r.Requested, k.r.Completed, k.r.Refunded, k.r.Unpaid, k.r.Open
	charged := new(big.Int).Set(k.charged)
	k.mu.Unlock()
	var table bytes.Buffer
	r.WriteTable(&table)
	t.Logf("settlement:\n%s", table.String())
	if err := r.Check(); err != nil {
		t.Error(err)
	}
	if d := r.Delta("client"); d == nil || new(big.Int).Neg(d).Cmp(charged) != 0 {
		t.Errorf("the client's balance moved by %s wei; the settled requests were quoted %s wei in all", d, charged)
	}
	return r
}

// wantCode checks a gRPC error's code and that its message says what
// went wrong.
func wantCode(t *testing.T, what string, err error, code codes.Code, says ...string) {
	t.Helper()
	s := status.Convert(err)
	if err == nil || s.Code() != code {
		t.Errorf("%s: %v, want %s", what, err, code)
		return
	}
	for _, w := range says {
		if !strings.Contains(s.Message(), w) {
			t.Errorf("%s: %q does not say %q", what, s.Message(), w)
		}
	}
}

// TestBadInput sends the real gateway process what a careless or hostile
// client sends — an oversized body, malformed JSON, malformed protobuf, an
// unknown model, a forged, superseded or expired quote, an idempotency
// key replayed with other parameters, a payment confirmed that was never
// made — and checks each gets a clear error with the right code, nothing
// is charged, and the gateway still settles a good request afterwards.
func TestBadInput(t *testing.T) {
	n := sharedNetwork(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	k := n.openBooks(ctx, t)
	good := n.digits
	inference := func(body io.Reader, header ...string) (int, string) {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+n.GatewayHTTP+"/api/v1/inference", body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("POST /api/v1/inference: %v", err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	jsonBody := func(v map[string]any) io.Reader {
		b, _ := json.Marshal(v)
		return bytes.NewReader(b)
	}
	goodJSON := func() map[string]any {
		return map[string]any{"subnet": n.Subnet, "model": good.Model, "input": string(good.Input), "client": n.addr}
	}

	t.Run("http", func(t *testing.T) {
		huge := append(append([]byte(`{"subnet":"`+n.Subnet+`","model":"digits","client":"`+n.addr+`","input":"`), bytes.Repeat([]byte("x"), 8<<20+1)...), `"}`...)
		tests := []struct {
			name string
			body io.Reader
			code int
			says []string
		}{
			{"oversized body", bytes.NewReader(huge), http.StatusRequestEntityTooLarge, []string{"RESOURCE_EXHAUSTED", "request body over 8388608 bytes"}},
			{"truncated JSON", strings.NewReader(`{"subnet": "` + n.Subnet + `", "model": `), http.StatusBadRequest, []string{"INVALID_ARGUMENT", "not the inference JSON object"}},
			{"not JSON", strings.NewReader("model=digits&input=7"), http.StatusBadRequest, []string{"INVALID_ARGUMENT", "not the inference JSON object"}},
			{"wrong type", strings.NewReader(`{"subnet": 7}`), http.StatusBadRequest, []string{"INVALID_ARGUMENT", "subnet"}},
			{"unknown field", strings.NewReader(`{"subnet": "x", "amount": "0"}`), http.StatusBadRequest, []string{"INVALID_ARGUMENT", "unknown field"}},
			{"two objects", strings.NewReader(`{"subnet": "x"} {"subnet": "y"}`), http.StatusBadRequest, []string{"INVALID_ARGUMENT", "data after the JSON object"}},
			{"input twice", jsonBody(map[string]any{"subnet": n.Subnet, "model": "digits", "client": n.addr, "input": "a", "input_base64": "YQ=="}), http.StatusBadRequest, []string{"input or input_base64, not both"}},
			{"bad base64", jsonBody(map[string]any{"subnet": n.Subnet, "model": "digits", "client": n.addr, "input_base64": "%%%"}), http.StatusBadRequest, []string{"not base64"}},
			{"unknown model", jsonBody(map[string]any{"subnet": n.Subnet, "model": "gpt-17", "client": n.addr, "input": "hi"}), http.StatusNotFound, []string{"NOT_FOUND", "has no model", "gpt-17"}},
			{"unknown subnet", jsonBody(map[string]any{"subnet": "0x" + strings.Repeat("ab", 32), "model": "digits", "client": n.addr, "input": "hi"}), http.StatusNotFound, []string{"NOT_FOUND"}},
			{"no client", jsonBody(map[string]any{"subnet": n.Subnet, "model": "digits", "input": "hi"}), http.StatusBadRequest, []string{"payer's address is required"}},
			{"params not an object", jsonBody(map[string]any{"subnet": n.Subnet, "model": "digits", "client": n.addr, "input": "hi", "params": []int{1}}), http.StatusBadRequest, []string{"params must be a JSON object"}},
			{"forged quote", jsonBody(map[string]any{"subnet": n.Subnet, "model": "digits", "client": n.addr, "input": string(good.Input), "quote_id": "0123456789abcdef0123456789abcdef"}), http.StatusNotFound, []string{"was not issued by this gateway"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				code, body := inference(tt.body)
				if code != tt.code {
					t.Errorf("status %d, want %d: %s", code, tt.code, body)
				}
				for _, s := range tt.says {
					if !strings.Contains(body, s) {
						t.Errorf("%s does not say %q", body, s)
					}
				}
			})
		}
		code, body := func() (int, string) {
			resp, err := http.Get("http://" + n.GatewayHTTP + "/api/v1/inference/0x1234")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}()
		if code != http.StatusBadRequest || !strings.Contains(body, "32 bytes of hex") {
			t.Errorf("GET a short id: %d %s", code, body)
		}
	})

	t.Run("malformed protobuf", func(t *testing.T) {
		tests := []struct {
			name   string
			method string
			raw    []byte
		}{
			{"truncated string field", pb.GatewayClientService_SubmitInferenceTask_FullMethodName, []byte{0x0a, 0x64, 'x'}},
			{"varint past the end", pb.GatewayClientService_SubmitInferenceTask_FullMethodName, []byte{0x08, 0xff, 0xff, 0xff}},
			{"field number zero", pb.GatewayClientService_EstimateFee_FullMethodName, []byte{0x00, 0x01}},
			{"group end without start", pb.GatewayClientService_ConfirmPayment_FullMethodName, []byte{0x0c}},
			{"junk", pb.GatewayClientService_GetTaskStatus_FullMethodName, bytes.Repeat([]byte{0xff}, 64)},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var out []byte
				err := n.conn.Invoke(ctx, tt.method, tt.raw, &out, grpc.ForceCodec(rawCodec{}))
				// gRPC refuses a message it cannot decode before the gateway
				// sees it.
				wantCode(t, tt.method, err, codes.Internal, "unmarshal")
			})
		}
	})

	t.Run("grpc", func(t *testing.T) {
		req := func(mut func(r *pb.InferenceRequest)) *pb.InferenceRequest {
			r := &pb.InferenceRequest{Client: n.addr, Subnet: n.Subnet, Model: good.Model, Input: good.Input, IdempotencyKey: fmt.Sprintf("bad-%d", time.Now().UnixNano())}
			mut(r)
			return r
		}
		_, err := n.gw.EstimateFee(ctx, &pb.EstimateFeeRequest{Subnet: n.Subnet, Model: "gpt-17", Input: []byte("hi")})
		wantCode(t, "estimate an unknown model", err, codes.NotFound, `has no model "gpt-17"`, "GetSupportedModels")
		_, err = n.gw.EstimateFee(ctx, &pb.EstimateFeeRequest{Subnet: n.Subnet, Model: "charlm", Input: []byte("hi"), Params: []byte(`{"max_tokens":0}`)})
		wantCode(t, "estimate max_tokens 0", err, codes.InvalidArgument, "max_tokens must be a positive integer")

		q, err := n.client.Estimate(ctx, good)
		if err != nil {
			t.Fatal(err)
		}
		qc, err := n.client.Estimate(ctx, n.charlm)
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name string
			req  *pb.InferenceRequest
			code codes.Code
			says []string
		}{
			{"unknown model", req(func(r *pb.InferenceRequest) { r.Model = "gpt-17" }), codes.NotFound, []string{`has no model "gpt-17"`}},
			{"no input", req(func(r *pb.InferenceRequest) { r.Input = nil }), codes.InvalidArgument, []string{"no input"}},
			{"client not an address", req(func(r *pb.InferenceRequest) { r.Client = "alice" }), codes.InvalidArgument, []string{"is not an address"}},
			{"forged quote id", req(func(r *pb.InferenceRequest) { r.QuoteId = "ffffffffffffffffffffffffffffffff" }), codes.NotFound, []string{"was not issued by this gateway", "EstimateFee"}},
			{"quote of another model", req(func(r *pb.InferenceRequest) { r.QuoteId = qc.QuoteId }), codes.InvalidArgument, []string{"is for model charlm"}},
			{"quote of another input", req(func(r *pb.InferenceRequest) { r.QuoteId = q.QuoteId; r.Input = bytes.Repeat(r.Input, 3) }), codes.InvalidArgument, []string{"differ from the quoted ones"}},
			{"quote for another client", req(func(r *pb.InferenceRequest) {
				r.QuoteId = q.QuoteId
				r.Client = "0x000000000000000000000000000000000000dead"
			}), codes.InvalidArgument, []string{"was made for client"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := n.gw.SubmitInferenceTask(ctx, tt.req)
				wantCode(t, tt.name, err, tt.code, tt.says...)
			})
		}
		k.refused(len(tests))

		_, err = n.gw.ConfirmPayment(ctx, &pb.ConfirmPaymentRequest{RequestId: make([]byte, 31)})
		wantCode(t, "confirm a short id", err, codes.InvalidArgument, "32")
		_, err = n.gw.GetTaskStatus(ctx, &pb.TaskRef{RequestId: bytes.Repeat([]byte{7}, 32)})
		wantCode(t, "status of an unknown request", err, codes.NotFound, "unknown request")
	})

	t.Run("idempotency key replayed", func(t *testing.T) {
		key := fmt.Sprintf("replayed-%d", time.Now().UnixNano())
		r := good
		r.IdempotencyKey = key
		s := n.submit(ctx, t, r)
		// The same call again is the same request, not a second one.
		st, err := n.gw.SubmitInferenceTask(ctx, &pb.InferenceRequest{Client: n.addr, Subnet: n.Subnet, Model: r.Model, Input: r.Input, IdempotencyKey: key})
		if err != nil || !bytes.Equal(st.RequestId, s.id[:]) {
			t.Errorf("the same submission again: %v, request %x, want %x", err, st.GetRequestId(), s.id)
		}
		// The key with other parameters is refused, over gRPC and HTTP.
		_, err = n.gw.SubmitInferenceTask(ctx, &pb.InferenceRequest{Client: n.addr, Subnet: n.Subnet, Model: r.Model, Input: append([]byte(" "), r.Input...), IdempotencyKey: key})
		wantCode(t, "other input under the key", err, codes.InvalidArgument, "was used for a request with other parameters", "use a new key")
		_, err = n.gw.SubmitInferenceTask(ctx, &pb.InferenceRequest{Client: n.addr, Subnet: n.Subnet, Model: "charlm", Input: []byte("The fox "), IdempotencyKey: key})
		wantCode(t, "another model under the key", err, codes.InvalidArgument, "other parameters")
		other := goodJSON()
		other["input"] = " " + string(r.Input)
		code, body := inference(jsonBody(other), "Idempotency-Key", key)
		if code != http.StatusBadRequest || !strings.Contains(body, "other parameters") {
			t.Errorf("HTTP, other input under the key: %d %s", code, body)
		}
		// Confirming a payment never made is refused; the escrow is read,
		// not trusted.
		_, err = n.gw.ConfirmPayment(ctx, &pb.ConfirmPaymentRequest{RequestId: s.id[:]})
		wantCode(t, "confirm without paying", err, codes.FailedPrecondition, "holds no deposit")
		// Only the client cancels: an id is no secret (validators gossip
		// it), so a bare or a stranger's reference is refused.
		_, err = n.gw.CancelTask(ctx, &pb.TaskRef{RequestId: s.id[:]})
		wantCode(t, "cancel without a signature", err, codes.PermissionDenied, "cancel-task must be signed")
		stranger, _ := crypto.GenerateKey()
		foreign, err := api.SignTaskRef(stranger, api.KindCancelTask, s.id, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		_, err = n.gw.CancelTask(ctx, foreign)
		wantCode(t, "cancel signed by a stranger", err, codes.PermissionDenied, "not the request's client")
		if _, err := n.gw.CancelTask(ctx, n.cancelRef(t, s.id)); err != nil {
			t.Fatal(err)
		}
		k.end(ctx, t, s.id, s.quote.Amount, 10*time.Second)
		k.refused(3)
	})

	t.Run("expired and superseded quotes", func(t *testing.T) {
		before, err := n.client.Estimate(ctx, good) // from the gateway before it restarts
		if err != nil {
			t.Fatal(err)
		}
		n.Gateway.Stop(20 * time.Second)
		n.restart(ctx, t, n.Gateway, "--quote-ttl", "2s")
		defer func() {
			n.Gateway.Stop(20 * time.Second)
			n.restart(ctx, t, n.Gateway)
		}()
		_, err = n.gw.SubmitInferenceTask(ctx, &pb.InferenceRequest{QuoteId: before.QuoteId, Client: n.addr, Subnet: n.Subnet, Model: good.Model, Input: good.Input, IdempotencyKey: "before-restart"})
		wantCode(t, "a quote of the gateway before it restarted", err, codes.NotFound, "before it restarted")
		q, err := n.client.Estimate(ctx, good)
		if err != nil {
			t.Fatal(err)
		}
		if exp := time.Unix(int64(q.ExpiresAt), 0); time.Until(exp) > 3*time.Second {
			t.Fatalf("quote expires at %s, with --quote-ttl 2s", exp)
		}
		time.Sleep(time.Until(time.Unix(int64(q.ExpiresAt)+1, 0)))
		_, err = n.gw.SubmitInferenceTask(ctx, &pb.InferenceRequest{QuoteId: q.QuoteId, Client: n.addr, Subnet: n.Subnet, Model: good.Model, Input: good.Input, IdempotencyKey: "expired"})
		wantCode(t, "an expired quote", err, codes.FailedPrecondition, "quote expired", "ask EstimateFee for a new one")
		k.refused(2)
	})

	// The gateway took all that and still settles a good request.
	out, err := n.client.Infer(ctx, good, nil)
	if err != nil {
		t.Fatalf("a good request after the bad ones: %v", err)
	}
	k.end(ctx, t, out.Payment.RequestID, out.Quote.Amount, 10*time.Second)
	r := k.check(ctx, t)
	if r.Completed != 1 || r.Refunded != 0 {
		t.Errorf("%d settled, %d refunded: want the one good request settled", r.Completed, r.Refunded)
	}
}

// cancelRef is the client's signed reference to cancel request id.
func (n *network) cancelRef(t *testing.T, id common.Hash) *pb.TaskRef {
	t.Helper()
	ref, err := api.SignTaskRef(n.key, api.KindCancelTask, id, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

// rawCodec sends bytes as they are: a malformed protobuf message.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return v.([]byte), nil }
func (rawCodec) Unmarshal(data []byte, v any) error {
	*(v.(*[]byte)) = append([]byte(nil), data...)
	return nil
}
func (rawCodec) Name() string { return "proto" }

// runNCN runs the ncn binary (a subnet owner's command) and returns its
// stdout.
func runNCN(ctx context.Context, t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, ncnBinary(t), args...)
	cmd.Env = append(os.Environ(), "NCN_PASSWORD_FILE=", "REGISTRY_GRPC_ADDR=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("ncn %s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// TestPriceSwapUnderLoad: while paid requests run, the subnet's owner
// activates a new price plugin (the same formula under another hash) and
// then raises the base price (new parameters, so the plugins are
// activated again). Every request is charged exactly what it was quoted,
// at the config hash it was quoted at; a request validated before a swap
// and paid after settles at its old price; a quote made before a swap and
// submitted after is refused before payment; nothing else fails.
func TestPriceSwapUnderLoad(t *testing.T) {
	n := sharedNetwork(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	k := n.openBooks(ctx, t)
	owner, _ := n.Manifest.Account("owner")
	ownerKey, err := chain.LoadKey(owner.Keystore, "")
	if err != nil {
		t.Fatal(err)
	}
	req := n.digits
	quote := func() *pb.FeeQuote {
		q, err := n.client.Estimate(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	// waitConfig waits until the gateway quotes at a config other than old.
	waitConfig := func(old []byte) *pb.FeeQuote {
		start := time.Now()
		for {
			q := quote()
			if !bytes.Equal(q.ConfigHash, old) {
				t.Logf("the gateway quotes at config %x, %s after the change", q.ConfigHash, time.Since(start).Round(time.Millisecond))
				return q
			}
			if time.Since(start) > 30*time.Second {
				t.Fatalf("the gateway still quotes at config %x 30s after the change", old)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	// The load: requests paid one after another by 3 clients at once,
	// until stop.
	type result struct {
		quote *pb.FeeQuote
		out   *client.Outcome
		err   error
	}
	var (
		mu      sync.Mutex
		results []result
		wg      sync.WaitGroup
	)
	stop := make(chan struct{})
	stopLoad := sync.OnceFunc(func() { close(stop); wg.Wait() })
	defer stopLoad()
	for range 3 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				out, err := n.client.Infer(ctx, req, nil)
				mu.Lock()
				results = append(results, result{out: out, err: err})
				mu.Unlock()
				if err != nil {
					time.Sleep(100 * time.Millisecond) // a client refused does not hammer
				}
			}
		})
	}

	q0 := quote()
	preValidated := n.submit(ctx, t, req) // validated at config 0, paid after the swap
	preQuoted := quote()                  // quoted at config 0, submitted after the swap

	// Swap 1: a new price plugin, the same prices.
	dir := t.TempDir()
	wasm, man := registrytest.PriceVariant(t, ownerKey, "e2e-price")
	mb, _ := json.Marshal(man)
	os.WriteFile(filepath.Join(dir, "price.manifest.json"), mb, 0o644)
	plugin := filepath.Join(dir, "price.wasm")
	os.WriteFile(plugin, wasm, 0o644)
	reg := []string{"--registry", n.RegistryAddr}
	runNCN(ctx, t, append([]string{"subnet", "plugin", "upload", "--subnet", n.Subnet, plugin}, reg...)...)
	runNCN(ctx, t, append([]string{"subnet", "plugin", "activate", "--key", owner.Keystore, "--subnet", n.Subnet, "--plugin", man.SHA256}, reg...)...)
	q1 := waitConfig(q0.ConfigHash)
	if q1.Amount != q0.Amount {
		t.Errorf("the variant prices %s wei, the builtin %s: it should price identically", q1.Amount, q0.Amount)
	}

	// The request validated before the swap is paid now: it settles at
	// the price and config it was quoted.
	n.payFor(ctx, t, preValidated)
	n.confirm(ctx, t, preValidated)
	if st := k.end(ctx, t, preValidated.id, preValidated.quote.Amount, 20*time.Second); st != pb.TaskState_TASK_STATE_SETTLED {
		t.Errorf("a request validated before the swap and paid after it ended %s", st)
	}
	// The quote made before the swap is refused before payment.
	_, err = n.gw.SubmitInferenceTask(ctx, &pb.InferenceRequest{QuoteId: preQuoted.QuoteId, Client: n.addr, Subnet: n.Subnet, Model: req.Model, Input: req.Input, IdempotencyKey: "pre-swap-quote"})
	wantCode(t, "a quote from before the swap", err, codes.FailedPrecondition, "superseded", "ask EstimateFee for a new one")
	k.refused(1)

	// Swap 2: the base price tripled.
	runNCN(ctx, t, append([]string{"subnet", "update", "--key", owner.Keystore, "--param", "base=3000000000000000", n.Subnet}, reg...)...)
	q2 := waitConfig(q1.ConfigHash)
	if q2.Amount == q1.Amount {
		t.Errorf("the price is still %s wei with base tripled", q2.Amount)
	}
	// Let the load run a little at the new price.
	for deadline := time.Now().Add(20 * time.Second); ; {
		mu.Lock()
		atNew := 0
		for _, r := range results {
			if r.err == nil && r.out.Quote.Amount == q2.Amount {
				atNew++
			}
		}
		mu.Unlock()
		if atNew >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d requests settled at the new price in 20s", atNew)
		}
		time.Sleep(100 * time.Millisecond)
	}
	stopLoad()

	prices := map[string]int{}
	refusals := 0
	reasons := map[string]int{}
	for _, r := range results {
		if r.out == nil || r.out.Payment.RequestID == (common.Hash{}) {
			// Refused before payment: the validators or the gateway saw
			// the quote's config superseded. Nothing may have been paid.
			refusals++
			c := status.Code(r.err)
			msg := fmt.Sprint(r.err)
			why, _, _ := strings.Cut(status.Convert(errors.Unwrap(r.err)).Message(), "; 0x") // one validator's word stands for all
			if strings.Contains(msg, "is not subnet") {
				why += "; validators: the quote's config hash is not the subnet's current one"
			}
			reasons[fmt.Sprintf("%s: %s", c, why)]++
			if !strings.Contains(msg, "config") && !strings.Contains(msg, "superseded") {
				t.Errorf("a request refused for another reason than the swap (%s): %v", c, r.err)
			}
			continue
		}
		p := r.out.Payment
		if p.Tree.Total().String() != r.out.Quote.Amount || !bytes.Equal(p.ConfigHash[:], r.out.Quote.ConfigHash) {
			t.Errorf("request %x: paid %s wei at config %x, quoted %s at %x", p.RequestID[:8], p.Tree.Total(), p.ConfigHash, r.out.Quote.Amount, r.out.Quote.ConfigHash)
		}
		if st := k.end(ctx, t, p.RequestID, r.out.Quote.Amount, 30*time.Second); st == pb.TaskState_TASK_STATE_SETTLED {
			prices[r.out.Quote.Amount]++
		} else {
			t.Errorf("request %x ended %s: %v", p.RequestID[:8], st, r.err)
		}
	}
	k.refused(refusals)
	t.Logf("%d requests under load: settled at each price %v; %d refused before payment across the swaps", len(results), prices, refusals)
	for why, count := range reasons {
		t.Logf("  %d refused: %s", count, why)
	}
	if prices[q0.Amount] == 0 || prices[q2.Amount] == 0 {
		t.Errorf("settled at each price %v: want some at the old price %s and some at the new %s", prices, q0.Amount, q2.Amount)
	}
	k.check(ctx, t)
}

// TestComputeKilledMidTask kills compute nodes (SIGKILL) while they run a
// paid task. The payment tree names one node, so a paid task is never
// moved to another: a node started again takes its task again and the
// request settles; a node that stays down has its request refunded at
// the task's deadline. Either way exactly once — never both, never
// neither — and meanwhile new requests go to the node that is up.
func TestComputeKilledMidTask(t *testing.T) {
	n := sharedNetwork(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	k := n.openBooks(ctx, t)

	// killAtFirstToken pays for a long streamed request and kills its
	// compute node as the first output token reaches the client: the
	// node is mid-task for certain.
	killAtFirstToken := func(seed int) (*submitted, *devnet.Proc) {
		t.Helper()
		s := n.submit(ctx, t, n.long(seed))
		node := n.computeByAddr(t, s.node)
		sub, err := n.gw.SubscribeToTaskUpdates(ctx, &pb.TaskRef{RequestId: s.id[:]})
		if err != nil {
			t.Fatal(err)
		}
		n.payFor(ctx, t, s)
		n.confirm(ctx, t, s)
		for {
			u, err := sub.Recv()
			if err != nil {
				t.Fatalf("request %x ended before its first token: %v", s.id[:8], err)
			}
			if u.Token != "" {
				break
			}
			if terminal(u.State) || u.State == pb.TaskState_TASK_STATE_COMPUTED {
				t.Fatalf("request %x is %s before its first token", s.id[:8], u.State)
			}
		}
		workers := descendants(node.Cmd.Process.Pid)
		node.Kill()
		t.Logf("%s killed mid-task (request %x)", node.Name, s.id[:8])
		// Its sandboxed workers go down with it.
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			var alive []int
			for _, pid := range workers {
				if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
					alive = append(alive, pid)
				}
			}
			if len(alive) == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("%d of the %d processes under %s outlived it by 5s: %v", len(alive), len(workers), node.Name, alive)
				break
			}
		}
		return s, node
	}

	// A: its node stays down.
	down, downNode := killAtFirstToken(1)
	downAt := time.Now()
	// B: the other node, killed mid-task and started again at once.
	back, backNode := killAtFirstToken(2)
	if backNode == downNode {
		t.Fatalf("request %x was given to %s, which is down", back.id[:8], downNode.Name)
	}
	n.restart(ctx, t, backNode)
	if st := k.end(ctx, t, back.id, back.quote.Amount, taskTimeout+10*time.Second); st != pb.TaskState_TASK_STATE_SETTLED {
		t.Errorf("request %x, its node killed mid-task and started again: %s, want settled (the node takes its task again)", back.id[:8], st)
	}
	// New requests go to the node that is up.
	for i := range 2 {
		out, err := n.client.Infer(ctx, n.digits, nil)
		if err != nil {
			t.Fatalf("request %d with %s down: %v", i, downNode.Name, err)
		}
		if strings.EqualFold(out.Status.ComputeNode, downNode.Out["address"]) {
			t.Errorf("request %x was given to %s, which is down", out.Payment.RequestID[:8], downNode.Name)
		}
		k.end(ctx, t, out.Payment.RequestID, out.Quote.Amount, 10*time.Second)
	}
	st := k.end(ctx, t, down.id, down.quote.Amount, taskTimeout+10*time.Second)
	if st != pb.TaskState_TASK_STATE_REFUNDED {
		t.Errorf("request %x, its node killed mid-task for good: %s, want refunded", down.id[:8], st)
	}
	t.Logf("request %x refunded %s after its node was killed", down.id[:8], time.Since(downAt).Round(time.Millisecond))
	n.restart(ctx, t, downNode)
	k.check(ctx, t)
}

// TestGatewayKilled kills the gateway (SIGKILL) with a request at each
// state of its life and starts it again on its data directory: each
// request ends exactly once — settled, or refunded, or (never paid)
// released — and the client is charged only for those that settled. A
// state is held for the kill by hanging (SIGSTOP) the process the next
// step waits for, and observed through GetTaskStatus first.
func TestGatewayKilled(t *testing.T) {
	n := sharedNetwork(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	k := n.openBooks(ctx, t)
	registry1 := n.Registries[0] // the gateway's and the compute nodes' registry
	const within = 20 * time.Second

	t.Run("quoted", func(t *testing.T) {
		// The preprocessing quorum cannot form while the other validators
		// hang: the request stays quoted.
		var resumes []func()
		for _, r := range n.Registries[1:] {
			resumes = append(resumes, pause(t, r))
		}
		r := n.digits
		r.IdempotencyKey = fmt.Sprintf("quoted-%d", time.Now().UnixNano())
		in := &pb.InferenceRequest{Client: n.addr, Subnet: n.Subnet, Model: r.Model, Input: r.Input, IdempotencyKey: r.IdempotencyKey}
		answers := make(chan *pb.InferenceTaskStatus, 2)
		call := func() {
			if st, err := n.gw.SubmitInferenceTask(ctx, in); err == nil {
				answers <- st
			}
		}
		go call()
		time.Sleep(300 * time.Millisecond)
		go call() // the same key: answers with the request as the ledger has it
		var st *pb.InferenceTaskStatus
		select {
		case st = <-answers:
		case <-time.After(5 * time.Second):
			t.Fatal("no answer to a submission retried during preprocessing validation")
		}
		if st.State != pb.TaskState_TASK_STATE_QUOTED {
			t.Fatalf("request %x is %s, want QUOTED", st.RequestId, st.State)
		}
		id := common.BytesToHash(st.RequestId)
		n.killGateway(t)
		for _, resume := range resumes {
			resume()
		}
		n.restart(ctx, t, n.Gateway)
		if st := k.end(ctx, t, id, "0", within); st != pb.TaskState_TASK_STATE_RELEASED {
			t.Errorf("a request quoted when the gateway died: %s, want released", st)
		}
		// Its key still names it: the client learns it ended, and pays nothing.
		again, err := n.gw.SubmitInferenceTask(ctx, in)
		if err != nil || !bytes.Equal(again.RequestId, id[:]) || again.State != pb.TaskState_TASK_STATE_RELEASED {
			t.Errorf("the key after the restart: %v %v, want request %x released", again, err, id[:8])
		}
	})

	t.Run("validated", func(t *testing.T) {
		s := n.submit(ctx, t, n.digits)
		n.killGateway(t)
		n.restart(ctx, t, n.Gateway)
		// A retry with the key finds the request and its payment
		// instructions again.
		st, err := n.gw.SubmitInferenceTask(ctx, &pb.InferenceRequest{Client: n.addr, Subnet: n.Subnet, Model: s.req.Model, Input: s.req.Input, IdempotencyKey: s.req.IdempotencyKey})
		if err != nil || !bytes.Equal(st.RequestId, s.id[:]) || st.State != pb.TaskState_TASK_STATE_AWAITING_PAYMENT || st.Payment == nil {
			t.Fatalf("the key after the restart: %v %v, want request %x awaiting payment", st, err, s.id[:8])
		}
		n.payFor(ctx, t, s)
		n.confirm(ctx, t, s)
		if st := k.end(ctx, t, s.id, s.quote.Amount, within); st != pb.TaskState_TASK_STATE_SETTLED {
			t.Errorf("ended %s, want settled", st)
		}
	})

	t.Run("paid, not confirmed", func(t *testing.T) {
		s := n.submit(ctx, t, n.digits)
		n.payFor(ctx, t, s)
		n.killGateway(t)
		n.restart(ctx, t, n.Gateway)
		// No ConfirmPayment: the restarted gateway finds the deposit.
		if st := k.end(ctx, t, s.id, s.quote.Amount, within); st != pb.TaskState_TASK_STATE_SETTLED {
			t.Errorf("ended %s, want settled", st)
		}
	})

	t.Run("dispatched", func(t *testing.T) {
		s := n.submit(ctx, t, n.digits)
		resume := pause(t, n.computeByAddr(t, s.node))
		n.payFor(ctx, t, s)
		n.confirm(ctx, t, s)
		n.waitState(ctx, t, s.id, within, pb.TaskState_TASK_STATE_DISPATCHED)
		n.killGateway(t)
		resume()
		n.restart(ctx, t, n.Gateway)
		if st := k.end(ctx, t, s.id, s.quote.Amount, within); st != pb.TaskState_TASK_STATE_SETTLED {
			t.Errorf("ended %s, want settled", st)
		}
	})

	t.Run("computed", func(t *testing.T) {
		s := n.submit(ctx, t, n.digits)
		resume := pause(t, registry1) // the completion quorum waits for it
		n.payFor(ctx, t, s)
		n.confirm(ctx, t, s)
		if st := n.waitState(ctx, t, s.id, within, pb.TaskState_TASK_STATE_COMPUTED); st.State != pb.TaskState_TASK_STATE_COMPUTED {
			t.Fatalf("state %s, want COMPUTED", st.State)
		}
		n.killGateway(t)
		resume()
		n.restart(ctx, t, n.Gateway)
		if st := k.end(ctx, t, s.id, s.quote.Amount, within); st != pb.TaskState_TASK_STATE_SETTLED {
			t.Errorf("ended %s, want settled", st)
		}
	})

	t.Run("completion validated", func(t *testing.T) {
		s := n.submit(ctx, t, n.digits)
		resumeRegistry := pause(t, registry1)
		n.payFor(ctx, t, s)
		n.confirm(ctx, t, s)
		n.waitState(ctx, t, s.id, within, pb.TaskState_TASK_STATE_COMPUTED)
		// The settlement waits for the chain: hang it, then let the
		// completion quorum form.
		resumeChain := pause(t, n.Chain)
		resumeRegistry()
		if st := n.waitState(ctx, t, s.id, within, pb.TaskState_TASK_STATE_COMPLETION_VALIDATED); st.State != pb.TaskState_TASK_STATE_COMPLETION_VALIDATED {
			t.Fatalf("state %s, want COMPLETION_VALIDATED", st.State)
		}
		n.killGateway(t)
		resumeChain()
		n.restart(ctx, t, n.Gateway)
		if st := k.end(ctx, t, s.id, s.quote.Amount, within); st != pb.TaskState_TASK_STATE_SETTLED {
			t.Errorf("ended %s, want settled", st)
		}
	})

	t.Run("failed, refund not sent", func(t *testing.T) {
		s := n.submit(ctx, t, n.digits)
		resumeNode := pause(t, n.computeByAddr(t, s.node))
		n.payFor(ctx, t, s)
		n.confirm(ctx, t, s)
		n.waitState(ctx, t, s.id, within, pb.TaskState_TASK_STATE_DISPATCHED)
		// The client gives up on it; the refund waits for the chain.
		resumeChain := pause(t, n.Chain)
		st, err := n.gw.CancelTask(ctx, n.cancelRef(t, s.id))
		if err != nil || st.State != pb.TaskState_TASK_STATE_FAILED {
			t.Fatalf("cancel a dispatched request: %v %v, want FAILED", st, err)
		}
		n.killGateway(t)
		resumeChain()
		resumeNode()
		n.restart(ctx, t, n.Gateway)
		if st := k.end(ctx, t, s.id, s.quote.Amount, within); st != pb.TaskState_TASK_STATE_REFUNDED {
			t.Errorf("ended %s, want refunded", st)
		}
	})

	if t.Failed() {
		return
	}
	// The gateway settles new requests as before.
	out, err := n.client.Infer(ctx, n.digits, nil)
	if err != nil {
		t.Fatal(err)
	}
	k.end(ctx, t, out.Payment.RequestID, out.Quote.Amount, within)
	k.check(ctx, t)
}

// TestValidatorQuorumLost kills 3 of the 5 registry/validator nodes: a
// submission then fails with a consensus error that says so, before
// payment — the client's balance does not move — first while the dead
// validators are still listed (they do not answer), then once they are
// not (too few to pick). Started again, they form the quorum again.
//
// It keeps the validation rounds the dead validators miss few: each
// costs them reputation, and one below the registry's minimum is never
// picked again (TestValidatorsRejoinAfterOutage).
func TestValidatorQuorumLost(t *testing.T) {
	n := sharedNetwork(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	k := n.openBooks(ctx, t)
	dead := n.Registries[2:]
	killed := time.Now()
	for _, r := range dead {
		r.Kill()
	}
	t.Logf("killed %d of %d registry nodes", len(dead), len(n.Registries))

	out, err := n.client.Infer(ctx, n.digits, nil)
	if err == nil || (out != nil && out.Payment.RequestID != (common.Hash{})) {
		t.Fatalf("a request with 2 of 5 validators: %v, paid %v", err, out != nil)
	}
	s := status.Convert(errors.Unwrap(err))
	switch {
	case s.Code() == codes.Aborted:
		// The dead validators were asked and did not answer.
		for _, w := range []string{"preprocessing validation", "consensus failure: fewer than M validators signed", "2 of 5 signed, 3 needed", "nothing was charged"} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v does not say %q", err, w)
			}
		}
	case s.Code() == codes.Unavailable && strings.Contains(err.Error(), "fewer active validators than the quorum needs"):
		// Already dropped from the list.
	default:
		t.Errorf("a request with 2 of 5 validators: %v (%s), want a consensus error", err, s.Code())
	}
	t.Logf("with 3 validators down: %v", err)
	k.refused(1)

	// Once the registry has stopped listing them, too few are left to
	// pick: the submission is refused without asking anyone.
	for listed := 5; listed > 2; {
		if listed, err = validatorsListed(ctx, n.RegistryAddr); err != nil {
			t.Fatal(err)
		}
		if time.Since(killed) > 30*time.Second {
			t.Fatalf("the registry still lists %d validators 30s after 3 died", listed)
		}
		time.Sleep(200 * time.Millisecond)
	}
	_, err = n.gw.SubmitInferenceTask(ctx, &pb.InferenceRequest{Client: n.addr, Subnet: n.Subnet, Model: n.digits.Model, Input: n.digits.Input, IdempotencyKey: fmt.Sprintf("quorum-%d", time.Now().UnixNano())})
	wantCode(t, "submission with 2 validators left", err, codes.Unavailable, "fewer active validators than the quorum needs", "2 eligible, quorum 3", "nothing was charged")
	t.Logf("%s after the kill: %v", time.Since(killed).Round(time.Millisecond), err)
	k.refused(1)

	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, len(dead))
	for i, r := range dead {
		wg.Go(func() { _, errs[i] = n.Restart(ctx, r) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if err := n.WaitValidators(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("3 registry nodes started again; every node lists 5 validators after %s", time.Since(start).Round(time.Millisecond))
	// The coordinator may still be backing off from its failed
	// connections to them (see TestValidatorsRejoinAfterOutage): a few
	// tries, apart.
	for try := 1; ; try++ {
		out, err = n.client.Infer(ctx, n.digits, nil)
		if err == nil {
			t.Logf("with the quorum back: settled at try %d, %s after the restart", try, time.Since(start).Round(time.Millisecond))
			break
		}
		paid := out != nil && out.Payment.RequestID != (common.Hash{})
		if paid || try == 4 {
			t.Fatalf("with the quorum back, try %d: %v (paid %v)", try, err, paid)
		}
		t.Logf("with the quorum back, try %d: %v", try, err)
		k.refused(1)
		time.Sleep(2 * time.Second)
	}
	k.end(ctx, t, out.Payment.RequestID, out.Quote.Amount, 10*time.Second)
	r := k.check(ctx, t)
	if r.Completed != 1 {
		t.Errorf("%d settled", r.Completed)
	}
}

// descendants are the processes below pid (a compute node's sandboxed
// workers), from /proc.
func descendants(pid int) []int {
	stats := procStats()
	var out []int
	var walk func(int)
	walk = func(p int) {
		for c, st := range stats {
			if st.ppid == p {
				out = append(out, c)
				walk(c)
			}
		}
	}
	walk(pid)
	return out
}

// validatorsListed is how many available validators the registry at addr
// lists.
func validatorsListed(ctx context.Context, addr string) (int, error) {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	s, err := pb.NewP2PRegistryServiceClient(conn).DiscoverNodes(ctx, &pb.DiscoverNodesRequest{Role: pb.NodeRole_NODE_ROLE_VALIDATOR})
	if err != nil {
		return 0, err
	}
	count := 0
	for {
		if _, err := s.Recv(); err == io.EOF {
			return count, nil
		} else if err != nil {
			return 0, err
		}
		count++
	}
}

// TestExpiredRequestRefunded: a paid request whose dispatch never
// completes — its compute node hangs and the gateway dies — stays in
// escrow until it expires on chain; then anyone may refund it
// (handleExpiredRequest), the payer gets the deposit back once, and a
// second refund is refused. The gateway, started again, records the
// refund and moves no token. The chain's clock is moved forward
// (evm_increaseTime on the devnet's embedded chain), so this test retires
// the devnet it ran on.
func TestExpiredRequestRefunded(t *testing.T) {
	n := sharedNetwork(t)
	defer retire(n)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	k := n.openBooks(ctx, t)
	s := n.submit(ctx, t, n.digits)
	resume := pause(t, n.computeByAddr(t, s.node))
	n.payFor(ctx, t, s)
	n.confirm(ctx, t, s)
	n.waitState(ctx, t, s.id, 10*time.Second, pb.TaskState_TASK_STATE_DISPATCHED)
	n.killGateway(t)

	anyone, err := n.Escrow(ctx, n.contracts, "treasury")
	if err != nil {
		t.Fatal(err)
	}
	balance := func() *big.Int {
		b, err := n.contracts.BalanceOf(ctx, n.escrow.Sender().From())
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	before := balance()
	if _, err := anyone.RefundExpired(ctx, s.id); !chain.IsRevert(err, "RequestNotExpired") {
		t.Fatalf("refund before the expiry: %v, want RequestNotExpired", err)
	}
	head, err := n.contracts.Backend().HeaderByNumber(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	now, err := n.AdjustTime(ctx, time.Duration(s.pay.ExpiresAt-head.Time+1)*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("chain clock moved %ds forward, past the request's expiry %d", now-head.Time, s.pay.ExpiresAt)
	if _, err := anyone.RefundExpired(ctx, s.id); err != nil {
		t.Fatalf("refund after the expiry: %v", err)
	}
	if on, err := n.contracts.Request(ctx, s.id); err != nil || on.Status != chain.StatusExpired {
		t.Fatalf("on chain after the refund: %v %v, want expired", on.Status, err)
	}
	amount, _ := new(big.Int).SetString(s.quote.Amount, 10)
	if got := new(big.Int).Sub(balance(), before); got.Cmp(amount) != 0 {
		t.Errorf("the refund paid the client %s wei, it had paid %s", got, amount)
	}
	// A second refund, by someone else, is refused by the escrow.
	other, err := n.Escrow(ctx, n.contracts, "validator-5")
	if err != nil {
		t.Fatal(err)
	}
	_, err = other.Sender().Send(ctx, chain.Call{To: &n.Manifest.Contracts.Payment, Data: payment.NewInferencePayment().PackHandleExpiredRequest(s.id)})
	if !chain.IsRevert(err, "RequestNotPending") {
		t.Errorf("a second refund: %v, want RequestNotPending", err)
	}
	if got := new(big.Int).Sub(balance(), before); got.Cmp(amount) != 0 {
		t.Errorf("after a second refund the client got %s wei back, it had paid %s", got, amount)
	}

	// The gateway, back, finds the request refunded and moves nothing.
	resume()
	n.restart(ctx, t, n.Gateway)
	if st := k.end(ctx, t, s.id, s.quote.Amount, 30*time.Second); st != pb.TaskState_TASK_STATE_REFUNDED {
		t.Errorf("the gateway ended the expired request %s, want refunded", st)
	}
	k.check(ctx, t)
}

// TestValidatorsRejoinAfterOutage: 3 of the 5 validators go down for a
// few seconds while clients keep submitting (the network refuses each
// submission cleanly), and come back; the network settles requests again
// at once (timeouts no longer exclude a validator for good, and the
// coordinator redials a returning validator within a second).
func TestValidatorsRejoinAfterOutage(t *testing.T) {
	n := sharedNetwork(t)
	defer retire(n) // the validators taken down may never be picked again
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dead := n.Registries[2:]
	for _, r := range dead {
		r.Kill()
	}
	// Clients retry, 8 rounds, each refused before payment.
	for i := range 8 {
		_, err := n.gw.SubmitInferenceTask(ctx, &pb.InferenceRequest{Client: n.addr, Subnet: n.Subnet, Model: n.digits.Model, Input: n.digits.Input, IdempotencyKey: fmt.Sprintf("outage-%d-%d", i, time.Now().UnixNano())})
		if err == nil {
			t.Fatal("a submission with 3 of 5 validators down was validated")
		}
		time.Sleep(300 * time.Millisecond)
	}
	for _, r := range dead {
		if _, err := n.Restart(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := n.WaitValidators(ctx); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for {
		out, err := n.client.Infer(ctx, n.digits, nil)
		if err == nil {
			t.Logf("settled %s after the validators came back (request %x)", time.Since(start).Round(time.Millisecond), out.Payment.RequestID[:8])
			return
		}
		if time.Since(start) > time.Minute {
			t.Fatalf("a minute after all 5 validators came back, requests still fail: %v", err)
		}
		time.Sleep(3 * time.Second)
	}
}
