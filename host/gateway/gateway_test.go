package gateway_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

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
	submit := &pb.InferenceRequest{QuoteId: q.QuoteId, Client: client, Subnet: subnet, Model: model, Input: input, IdempotencyKey: "job-1"}
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
}
