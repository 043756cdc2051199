package gateway_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/proto"

	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/host/api"
	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/host/gateway"
)

// label is the digits model's answer in these tests.
var label = []byte(`{"label":7}`)

func answerLabel(*pb.ComputeTask) ([]byte, string) { return label, "" }

// TestPaidRequest: one paid request over gRPC, as DESIGN.md "One paid
// request" has it — quote, submit (preprocess, select, reserve, quorum),
// the client pays into the escrow, confirm, dispatch, a signed result,
// completion quorum, settlement — and the tree's amounts reach every
// party. A retry with the same idempotency key returns the same request;
// the key with other parameters is refused.
func TestPaidRequest(t *testing.T) {
	h := newHarness(t)
	d := h.startGateway(t, h.gatewayConfig(t.TempDir()))
	startCompute(t, h, func() string { return d.GRPCAddr }, answerLabel)
	c := gatewayClients(t, d.GRPCAddr)
	ctx := context.Background()
	env := h.env
	client := strings.ToLower(env.Client.Addr.Hex())
	input := []byte(strings.Repeat("pixel ", 40))

	q, err := c.EstimateFee(ctx, &pb.EstimateFeeRequest{Subnet: subnet, Model: model, Input: input, Client: client})
	if err != nil {
		t.Fatal(err)
	}
	if signer, err := gateway.VerifyQuote(q); err != nil || signer != env.Gateway.Addr {
		t.Fatalf("quote signed by %s, %v", signer.Hex(), err)
	}
	if q.Amount == "" || len(q.ConfigHash) != 32 || q.ExpiresAt < uint64(time.Now().Add(9*time.Minute).Unix()) {
		t.Fatalf("quote %v", q)
	}
	submit := &pb.InferenceRequest{QuoteId: q.QuoteId, Client: client, Subnet: subnet, Model: model, Input: input, IdempotencyKey: "job-1", Stream: true}
	st, err := c.SubmitInferenceTask(ctx, submit)
	if err != nil {
		t.Fatal(err)
	}
	if st.State != pb.TaskState_TASK_STATE_AWAITING_PAYMENT || st.Payment == nil || len(st.Payment.Signatures) != 3 {
		t.Fatalf("submitted: %v", st)
	}
	p := st.Payment
	if p.Amount != q.Amount || p.Escrow != env.C.Payment.Hex() || p.ChainId != env.Domain.ChainID.Uint64() ||
		p.Tree.ComputeNode != strings.ToLower(env.Compute.Addr.Hex()) || p.Tree.Gateway != strings.ToLower(env.Gateway.Addr.Hex()) {
		t.Fatalf("payment instructions %v", p)
	}
	if !slices.IsSortedFunc(p.Signatures, func(a, b *pb.ValidatorSignature) int { return strings.Compare(a.Validator, b.Validator) }) {
		t.Fatalf("signatures not ascending: %v", p.Signatures)
	}

	// A retry is the same request; the key with other input is refused.
	again, err := c.SubmitInferenceTask(ctx, submit)
	if err != nil || !bytes.Equal(again.RequestId, st.RequestId) {
		t.Fatalf("retry: %v, %v", again, err)
	}
	other := proto.Clone(submit).(*pb.InferenceRequest)
	other.Input = []byte("another picture")
	_, err = c.SubmitInferenceTask(ctx, other)
	code(t, "same key, other input", err, codes.InvalidArgument, "idempotency key")

	parties := []common.Address{env.Client.Addr, env.Compute.Addr, env.Gateway.Addr, env.Treasury.Addr, env.C.Payment}
	for _, v := range env.Validators[:5] {
		parties = append(parties, v.Addr)
	}
	before := h.balances(t, parties...)

	updates, err := c.SubscribeToTaskUpdates(ctx, &pb.TaskRef{RequestId: st.RequestId})
	if err != nil {
		t.Fatal(err)
	}
	pay := payment(t, p)
	if _, err := env.Client.Escrow.Initiate(ctx, pay); err != nil {
		t.Fatalf("the escrow refused the gateway's payment instructions: %v", err)
	}
	confirmed, err := c.ConfirmPayment(ctx, &pb.ConfirmPaymentRequest{RequestId: st.RequestId})
	if err != nil {
		t.Fatal(err)
	}
	if confirmed.State != pb.TaskState_TASK_STATE_DISPATCHED && confirmed.State != pb.TaskState_TASK_STATE_PAID {
		t.Fatalf("confirmed: %v", confirmed)
	}
	var seen []pb.TaskState
	var final *pb.InferenceTaskStatus
	var tokens string
	for {
		u, err := updates.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if u.Status != nil {
			seen = append(seen, u.State)
			final = u.Status
		}
		tokens += u.Token
	}
	if tokens != string(label) {
		t.Errorf("streamed tokens %q, want %q", tokens, label)
	}
	want := []pb.TaskState{pb.TaskState_TASK_STATE_AWAITING_PAYMENT, pb.TaskState_TASK_STATE_PAID, pb.TaskState_TASK_STATE_DISPATCHED,
		pb.TaskState_TASK_STATE_COMPUTED, pb.TaskState_TASK_STATE_COMPLETION_VALIDATED, pb.TaskState_TASK_STATE_SETTLED}
	if !slices.Equal(seen, want) {
		t.Fatalf("updates %v, want %v", seen, want)
	}
	if !bytes.Equal(final.Result, label) || final.SettleTx == "" || final.InitiateTx == "" || final.ExecMillis != 12 {
		t.Fatalf("settled status %v", final)
	}

	after := h.balances(t, parties...)
	delta := func(i int) *big.Int { return new(big.Int).Sub(after[i], before[i]) }
	tree := pay.Tree
	if delta(0).Cmp(new(big.Int).Neg(tree.Total())) != 0 {
		t.Errorf("client paid %s, the quote was %s", new(big.Int).Neg(delta(0)), tree.Total())
	}
	if delta(1).Cmp(tree.ComputeAmount) != 0 || delta(2).Cmp(tree.GatewayAmount) != 0 {
		t.Errorf("compute got %s (tree %s), gateway %s (tree %s)", delta(1), tree.ComputeAmount, delta(2), tree.GatewayAmount)
	}
	validators := new(big.Int)
	for i := 5; i < len(parties); i++ {
		validators.Add(validators, delta(i))
	}
	if sum := new(big.Int).Add(validators, delta(3)); sum.Cmp(new(big.Int).Add(tree.ValidatorAmount, tree.TreasuryAmount)) != 0 || validators.Sign() == 0 {
		t.Errorf("validators got %s and the treasury %s; the tree pays %s and %s", validators, delta(3), tree.ValidatorAmount, tree.TreasuryAmount)
	}
	if delta(4).Sign() != 0 {
		t.Errorf("the escrow kept %s", delta(4))
	}

	// Settled, the retry still finds the request and its result.
	again, err = c.SubmitInferenceTask(ctx, submit)
	if err != nil || again.State != pb.TaskState_TASK_STATE_SETTLED || !bytes.Equal(again.Result, label) {
		t.Fatalf("retry after settlement: %v, %v", again, err)
	}
	rec, err := d.Ledger().Get(common.BytesToHash(st.RequestId))
	if err != nil || rec.State != gateway.StateSettled {
		t.Fatalf("ledger: %+v, %v", rec, err)
	}
	if err := d.Ledger().Verify(); err != nil {
		t.Fatal(err)
	}
	conn, err := grpc.NewClient(d.GRPCAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if hs, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{}); err != nil || hs.Status != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("gRPC health: %v, %v", hs, err)
	}
}

// TestRefusals: what a gateway refuses, each with a code and a message a
// person can act on, and with nothing recorded or reserved: no compute
// node, unknown subnet and model, a forged, expired or mismatched quote,
// malformed requests, input the preprocess plugin refuses; and a quorum
// that does not form (ABORTED), after which the request is released and
// its compute slot free again.
func TestRefusals(t *testing.T) {
	h := newHarness(t)
	cfg := h.gatewayConfig(t.TempDir())
	cfg.QuoteTTL = 3 * time.Second
	d := h.startGateway(t, cfg)
	c := gatewayClients(t, d.GRPCAddr)
	ctx := context.Background()
	client := strings.ToLower(h.env.Client.Addr.Hex())
	input := []byte("a picture of a seven")
	req := func(mut func(*pb.InferenceRequest)) *pb.InferenceRequest {
		r := &pb.InferenceRequest{Client: client, Subnet: subnet, Model: model, Input: input}
		if mut != nil {
			mut(r)
		}
		return r
	}

	_, err := c.SubmitInferenceTask(ctx, req(nil))
	code(t, "no compute node connected", err, codes.Unavailable, "task stream")
	_, err = c.EstimateFee(ctx, &pb.EstimateFeeRequest{Subnet: subnet, Model: "llama-9000", Input: input})
	code(t, "unknown model", err, codes.NotFound, "no model \"llama-9000\"")
	_, err = c.EstimateFee(ctx, &pb.EstimateFeeRequest{Subnet: "other", Model: model, Input: input})
	code(t, "unknown subnet", err, codes.NotFound, "serves subnets subnet-a")
	_, err = c.SubmitInferenceTask(ctx, req(func(r *pb.InferenceRequest) { r.QuoteId = "3f2a9c" }))
	code(t, "forged quote", err, codes.NotFound, "not issued by this gateway")
	_, err = c.SubmitInferenceTask(ctx, req(func(r *pb.InferenceRequest) { r.Client = "me" }))
	code(t, "bad client", err, codes.InvalidArgument, "client")
	_, err = c.SubmitInferenceTask(ctx, req(func(r *pb.InferenceRequest) { r.Params = []byte(`[1,2]`) }))
	code(t, "params not an object", err, codes.InvalidArgument, "JSON object")
	_, err = c.SubmitInferenceTask(ctx, req(func(r *pb.InferenceRequest) { r.Params = []byte(`{"max_tokens":-1}`) }))
	code(t, "bad max_tokens", err, codes.InvalidArgument, "max_tokens")
	_, err = c.SubmitInferenceTask(ctx, req(func(r *pb.InferenceRequest) { r.Input = nil }))
	code(t, "no input", err, codes.InvalidArgument, "no input")
	_, err = c.SubmitInferenceTask(ctx, req(func(r *pb.InferenceRequest) { r.Input = make([]byte, 70000) }))
	code(t, "input over the preprocess plugin's limit", err, codes.InvalidArgument, "preprocess plugin refused")
	_, err = c.GetTaskStatus(ctx, &pb.TaskRef{RequestId: []byte{1, 2, 3}})
	code(t, "bad request id", err, codes.InvalidArgument, "32")
	_, err = c.GetTaskStatus(ctx, &pb.TaskRef{RequestId: make([]byte, 32)})
	code(t, "unknown request", err, codes.NotFound, "unknown request")

	q, err := c.EstimateFee(ctx, &pb.EstimateFeeRequest{Subnet: subnet, Model: model, Input: input, Client: client})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.SubmitInferenceTask(ctx, req(func(r *pb.InferenceRequest) { r.QuoteId, r.Input = q.QuoteId, bytes.Repeat(input, 4) }))
	code(t, "quote for other input", err, codes.InvalidArgument, "differ from the quoted")
	_, err = c.SubmitInferenceTask(ctx, req(func(r *pb.InferenceRequest) { r.QuoteId, r.Model = q.QuoteId, "other" }))
	code(t, "quote for another model", err, codes.NotFound, "no model")
	time.Sleep(time.Until(time.Unix(int64(q.ExpiresAt), 0).Add(1100 * time.Millisecond)))
	_, err = c.SubmitInferenceTask(ctx, req(func(r *pb.InferenceRequest) { r.QuoteId = q.QuoteId }))
	code(t, "expired quote", err, codes.FailedPrecondition, "expired")

	// A compute node the other validators have never heard of: they
	// refuse, the quorum does not form. Each failure releases the slot,
	// so more submissions than the node has slots all reach the quorum.
	rogue, _ := crypto.GenerateKey()
	startComputeAs(t, h, rogue, func(r *pb.RegisterNodeRequest) error { return h.nodes[0].Nodes().Register(r) },
		func() string { return d.GRPCAddr }, answerLabel)
	for i := range 5 {
		_, err = c.SubmitInferenceTask(ctx, req(func(r *pb.InferenceRequest) { r.IdempotencyKey = fmt.Sprint("k", i) }))
		code(t, "no quorum", err, codes.Aborted, "is not registered")
	}
	inflight, err := d.Ledger().Recover()
	if err != nil || len(inflight) != 0 {
		t.Fatalf("requests left in flight: %v, %v", inflight, err)
	}
	// The key of a released request finds it, released, with the reason.
	st, err := c.SubmitInferenceTask(ctx, req(func(r *pb.InferenceRequest) { r.IdempotencyKey = "k0" }))
	if err != nil || st.State != pb.TaskState_TASK_STATE_RELEASED || !strings.Contains(st.Error, "not registered") {
		t.Fatalf("retry of a released request: %v, %v", st, err)
	}
	if err := d.Ledger().Verify(); err != nil {
		t.Fatal(err)
	}
}

// TestComputeFailureRefunded: after payment, a compute node that reports
// an error, and one that never answers, each get the request refunded —
// exactly once, the client's balance as before — and nothing is settled.
func TestComputeFailureRefunded(t *testing.T) {
	h := newHarness(t)
	cfg := h.gatewayConfig(t.TempDir())
	cfg.TaskTimeout = 2 * time.Second
	d := h.startGateway(t, cfg)
	silent := make(chan struct{})
	t.Cleanup(func() { close(silent) })
	startCompute(t, h, func() string { return d.GRPCAddr }, func(task *pb.ComputeTask) ([]byte, string) {
		switch string(task.Input) {
		case "silent":
			<-silent
		case "garbage":
			return []byte("not the JSON the model declares"), ""
		}
		return nil, "model crashed: out of memory"
	})
	c := gatewayClients(t, d.GRPCAddr)
	ctx := context.Background()
	env := h.env
	client := strings.ToLower(env.Client.Addr.Hex())
	refundTopic := crypto.Keccak256Hash([]byte("InferenceRequestRefunded(bytes32,address,uint256,uint8)"))

	paid := []gateway.State{gateway.StateQuoted, gateway.StateValidated, gateway.StatePaid, gateway.StateDispatched}
	failed := []gateway.State{gateway.StateFailed, gateway.StateRefunded}
	for _, tc := range []struct {
		name, input, why string
		path             []gateway.State
	}{
		{"compute error", "crash", "model crashed", slices.Concat(paid, failed)},
		{"no answer", "silent", "no result by the task's deadline", slices.Concat(paid, failed)},
		{"result refused by the validators", "garbage", "completion validation: registry: consensus failure",
			slices.Concat(paid, []gateway.State{gateway.StateComputed}, failed)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := c.SubmitInferenceTask(ctx, &pb.InferenceRequest{Client: client, Subnet: subnet, Model: model, Input: []byte(tc.input)})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.ConfirmPayment(ctx, &pb.ConfirmPaymentRequest{RequestId: st.RequestId})
			code(t, "confirm before paying", err, codes.FailedPrecondition, "no deposit")
			before := h.balances(t, env.Client.Addr, env.Compute.Addr)
			pay := payment(t, st.Payment)
			if _, err := env.Client.Escrow.Initiate(ctx, pay); err != nil {
				t.Fatal(err)
			}
			if _, err := c.ConfirmPayment(ctx, &pb.ConfirmPaymentRequest{RequestId: st.RequestId}); err != nil {
				t.Fatal(err)
			}
			end := waitState(t, c, st.RequestId, pb.TaskState_TASK_STATE_REFUNDED)
			if !strings.Contains(end.Error, tc.why) || end.SettleTx == "" || len(end.Result) != 0 {
				t.Fatalf("refunded: %v", end)
			}
			after := h.balances(t, env.Client.Addr, env.Compute.Addr)
			if after[0].Cmp(before[0]) != 0 || after[1].Cmp(before[1]) != 0 {
				t.Fatalf("client %s -> %s, compute %s -> %s: a refund leaves both as they were", before[0], after[0], before[1], after[1])
			}
			logs, err := env.Backend.FilterLogs(ctx, ethereum.FilterQuery{Addresses: []common.Address{env.C.Payment},
				Topics: [][]common.Hash{{refundTopic}, {pay.RequestID}}})
			if err != nil || len(logs) != 1 {
				t.Fatalf("%d refunds of the request, want 1 (%v)", len(logs), err)
			}
			rec, err := d.Ledger().Get(pay.RequestID)
			if err != nil {
				t.Fatal(err)
			}
			var path []gateway.State
			for _, s := range rec.History {
				path = append(path, s.State)
			}
			if !slices.Equal(path, tc.path) {
				t.Fatalf("history %v, want %v", path, tc.path)
			}
			// A result after the refund is refused; so is one from another node.
			late := signResult(env.Compute.Key, env.Domain, pay.RequestID, label, 5)
			_, err = c.SubmitResult(ctx, late)
			code(t, "result after the refund", err, codes.FailedPrecondition, "no result expected")
			forged := signResult(env.Client.Key, env.Domain, pay.RequestID, label, 5)
			_, err = c.SubmitResult(ctx, forged)
			code(t, "result from another node", err, codes.PermissionDenied, "was dispatched to")
		})
	}
	if err := d.Ledger().Verify(); err != nil {
		t.Fatal(err)
	}
}

// TestUnpaidEndings: a request that is never paid ends without a charge —
// cancelled by the client (a deposit made anyway is refunded at once), or
// expired when the escrow can no longer take its payment.
func TestUnpaidEndings(t *testing.T) {
	h := newHarness(t)
	d := h.startGateway(t, h.gatewayConfig(t.TempDir()))
	startCompute(t, h, func() string { return d.GRPCAddr }, answerLabel)
	c := gatewayClients(t, d.GRPCAddr)
	ctx := context.Background()
	env := h.env
	submit := func(input string) *pb.InferenceTaskStatus {
		st, err := c.SubmitInferenceTask(ctx, &pb.InferenceRequest{Client: strings.ToLower(env.Client.Addr.Hex()),
			Subnet: subnet, Model: model, Input: []byte(input)})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	before := h.balances(t, env.Client.Addr)

	st := submit("cancel me")
	_, err := c.CancelTask(ctx, &pb.TaskRef{RequestId: st.RequestId})
	code(t, "cancel without the client's signature", err, codes.PermissionDenied, "cancel-task must be signed")
	ref, err := api.SignTaskRef(env.Client.Key, api.KindCancelTask, common.BytesToHash(st.RequestId), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cancelled, err := c.CancelTask(ctx, ref)
	if err != nil || cancelled.State != pb.TaskState_TASK_STATE_CANCELLED {
		t.Fatalf("cancel: %v, %v", cancelled, err)
	}
	_, err = c.ConfirmPayment(ctx, &pb.ConfirmPaymentRequest{RequestId: st.RequestId})
	code(t, "confirm a cancelled request", err, codes.FailedPrecondition, "cannot be paid")
	// The client still holds valid signatures and pays anyway.
	pay := payment(t, st.Payment)
	if _, err := env.Client.Escrow.Initiate(ctx, pay); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, func() error {
		s, err := env.C.Request(ctx, pay.RequestID)
		if err != nil || s.Status != chain.StatusFailed {
			return fmt.Errorf("escrow status %v, %v: want the late deposit refunded", s.Status, err)
		}
		return nil
	})
	if after := h.balances(t, env.Client.Addr); after[0].Cmp(before[0]) != 0 {
		t.Fatalf("client balance %s, was %s", after[0], before[0])
	}

	st = submit("forget me")
	env.AdvanceTo(t, st.Payment.ExpiresAt) // the chain's clock at the expiry: no deposit can land any more
	end := waitState(t, c, st.RequestId, pb.TaskState_TASK_STATE_EXPIRED)
	if !strings.Contains(end.Error, "expired without a payment") {
		t.Fatalf("expired: %v", end)
	}
	if _, err := env.Client.Escrow.Initiate(ctx, payment(t, st.Payment)); !chain.IsRevert(err, "InvalidExpiry") {
		t.Fatalf("paying an expired request: %v", err)
	}
	if inflight, err := d.Ledger().Recover(); err != nil || len(inflight) != 0 {
		t.Fatalf("in flight: %v, %v", inflight, err)
	}
}

// TestOnlyTheNodeSpeaksForItsTask: while a paid request runs, nobody but
// its compute node may report it failed (which would refund it), stream
// output to its client or read its task — a request id and the node's
// address are public (gossip, the escrow's events). The request then
// settles as the node answers.
func TestOnlyTheNodeSpeaksForItsTask(t *testing.T) {
	h := newHarness(t)
	d := h.startGateway(t, h.gatewayConfig(t.TempDir()))
	release := make(chan struct{})
	startCompute(t, h, func() string { return d.GRPCAddr }, func(*pb.ComputeTask) ([]byte, string) {
		<-release
		return label, ""
	})
	c := gatewayClients(t, d.GRPCAddr)
	ctx := context.Background()
	env := h.env
	st, err := c.SubmitInferenceTask(ctx, &pb.InferenceRequest{Client: strings.ToLower(env.Client.Addr.Hex()), Subnet: subnet, Model: model, Input: []byte("a picture")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Client.Escrow.Initiate(ctx, payment(t, st.Payment)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ConfirmPayment(ctx, &pb.ConfirmPaymentRequest{RequestId: st.RequestId}); err != nil {
		t.Fatal(err)
	}
	waitState(t, c, st.RequestId, pb.TaskState_TASK_STATE_DISPATCHED)
	id := common.BytesToHash(st.RequestId)
	node := strings.ToLower(env.Compute.Addr.Hex())
	stranger, _ := crypto.GenerateKey()

	_, err = c.SubmitResult(ctx, &pb.ComputeResult{RequestId: st.RequestId, ComputeNode: node, Error: "out of memory"})
	code(t, "an unsigned failure report", err, codes.PermissionDenied, "failure report must carry")
	sig, _ := api.SignTaskError(stranger, id, "out of memory")
	_, err = c.SubmitResult(ctx, &pb.ComputeResult{RequestId: st.RequestId, ComputeNode: node, Error: "out of memory", Signature: sig})
	code(t, "a stranger's failure report", err, codes.PermissionDenied, "failure report must carry")

	ts, err := c.StreamTokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_ = ts.Send(&pb.TokenChunk{RequestId: st.RequestId, ComputeNode: node, Text: "spoofed"})
	_, err = ts.CloseAndRecv()
	code(t, "an unsigned token stream", err, codes.PermissionDenied, "stream-tokens must be signed")
	ref, _ := api.SignTaskRef(stranger, api.KindStreamTokens, id, time.Now())
	ts, err = c.StreamTokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_ = ts.Send(&pb.TokenChunk{RequestId: st.RequestId, ComputeNode: node, Text: "spoofed", UnixMs: ref.UnixMs, Signature: ref.Signature})
	_, err = ts.CloseAndRecv()
	code(t, "a stranger's token stream", err, codes.PermissionDenied, "not the request's compute node")

	_, err = c.GetTask(ctx, &pb.TaskRef{RequestId: st.RequestId})
	code(t, "an unsigned GetTask", err, codes.PermissionDenied, "get-task must be signed")
	own, _ := api.SignTaskRef(env.Compute.Key, api.KindGetTask, id, time.Now())
	if task, err := c.GetTask(ctx, own); err != nil || !bytes.Equal(task.RequestId, st.RequestId) {
		t.Fatalf("the node's own GetTask: %v, %v", task, err)
	}

	close(release)
	end := waitState(t, c, st.RequestId, pb.TaskState_TASK_STATE_SETTLED)
	if !bytes.Equal(end.Result, label) {
		t.Fatalf("settled with %q, want %q", end.Result, label)
	}
}
