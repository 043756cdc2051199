package gateway_test

import (
	"bytes"
	"context"
	"math/big"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"google.golang.org/grpc/codes"

	"github.com/ncn-network/ncn/chain"
	paybind "github.com/ncn-network/ncn/chain/bindings/payment"
	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/host/gateway"
	"github.com/ncn-network/ncn/host/ops/opstest"
)

// TestSpeculativeDispatch: a task starts once the client's initiate is in
// the chain's pool (the chain holds its blocks here), its result waits
// unseen until the payment is mined, and the request then settles with
// that result without running the task again. Transactions that do not
// pay for the request — unknown, not the escrow's, the request's initiate
// sent by someone else — start nothing.
func TestSpeculativeDispatch(t *testing.T) {
	h := newHarness(t)
	cfg := h.gatewayConfig(t.TempDir())
	cfg.MetricsListen = "127.0.0.1:0"
	d := h.startGateway(t, cfg)
	node := startCompute(t, h, func() string { return d.GRPCAddr }, answerLabel)
	c := gatewayClients(t, d.GRPCAddr)
	ctx := context.Background()
	env := h.env
	st := submitPicture(t, c, env.Client.Addr, "speculate-1")
	pay := payment(t, st.Payment)
	confirm := func(tx common.Hash) (*pb.InferenceTaskStatus, error) {
		return c.ConfirmPayment(ctx, &pb.ConfirmPaymentRequest{RequestId: st.RequestId, TxHash: tx.Hex()})
	}

	release := env.Embedded.Hold()
	defer release()
	_, err := confirm(common.HexToHash("0x1234"))
	code(t, "unknown transaction", err, codes.FailedPrecondition, "does not know transaction")
	// Pending transactions that are not this request's initiate: a token
	// transfer (to the client itself), and the initiate sent from another
	// account (the signatures are the client's: it would fail; Gas skips
	// the sender's check).
	transfer, err := env.Client.Sender.Submit(ctx, env.C.TransferCall(env.Client.Addr, common.Big1))
	if err != nil {
		t.Fatal(err)
	}
	_, err = confirm(transfer.Tx.Hash())
	code(t, "a token transfer", err, codes.FailedPrecondition, "not a call of the escrow")
	foreign, err := env.Client2.Sender.Submit(ctx, chain.Call{To: &env.C.Payment, Gas: 1_000_000, Data: initiateData(t, pay)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = confirm(foreign.Tx.Hash())
	code(t, "initiate from another account", err, codes.FailedPrecondition, "not from the request's client")
	if got := node.received(); len(got) != 0 {
		t.Fatalf("the compute node got %d tasks for payments that do not pay", len(got))
	}

	// The client's own initiate, pending: the task runs now.
	p, err := env.Client.Escrow.SubmitInitiate(ctx, pay)
	if err != nil {
		t.Fatal(err)
	}
	s, err := confirm(p.Tx.Hash())
	if err != nil {
		t.Fatal(err)
	}
	if s.State != pb.TaskState_TASK_STATE_AWAITING_PAYMENT || len(s.Result) != 0 {
		t.Fatalf("confirmed before mined: %v", s)
	}
	waitFor(t, 10*time.Second, func() error {
		if len(node.received()) != 1 {
			return errString("no task at the compute node")
		}
		return nil
	})
	// Its answer stays in the gateway, not shown: nothing is paid yet.
	time.Sleep(200 * time.Millisecond)
	s, err = c.GetTaskStatus(ctx, &pb.TaskRef{RequestId: st.RequestId})
	if err != nil || s.State != pb.TaskState_TASK_STATE_AWAITING_PAYMENT || len(s.Result) != 0 {
		t.Fatalf("status before the payment is mined: %v, %v", s, err)
	}

	release()
	if _, err := p.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	// Only the gateway's payment watcher learns of it here: the client
	// does not confirm again.
	final := waitState(t, c, st.RequestId, pb.TaskState_TASK_STATE_SETTLED)
	if !bytes.Equal(final.Result, label) || final.InitiateTx != p.Tx.Hash().Hex() {
		t.Fatalf("settled: %v", final)
	}
	if got := node.received(); len(got) != 1 {
		t.Errorf("the compute node ran the task %d times, want once", len(got))
	}
	opstest.Scrape(t, d.MetricsAddr).Want(t, map[string]float64{
		`gateway_speculations_total{outcome=started}`: 1,
		`gateway_speculations_total{outcome=used}`:    1,
		`payments_completed_total`:                    1,
	})
}

// submitPicture submits a digits request for client under key and
// returns it validated, awaiting payment.
func submitPicture(t *testing.T, c clients, client common.Address, key string) *pb.InferenceTaskStatus {
	t.Helper()
	st, err := c.SubmitInferenceTask(context.Background(), &pb.InferenceRequest{Client: strings.ToLower(client.Hex()), Subnet: subnet,
		Model: model, Input: []byte("a picture"), IdempotencyKey: key})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

type errString string

func (e errString) Error() string { return string(e) }

// initiateData is the calldata of the escrow's initiate for p.
func initiateData(t *testing.T, p chain.Payment) []byte {
	t.Helper()
	return paybind.NewInferencePayment().PackInitiateInferenceRequest(
		paybind.InferencePaymentRequestParams{RequestId: p.RequestID, SubnetId: p.SubnetID, ModelId: p.ModelID, ConfigHash: p.ConfigHash, ExpiresAt: p.ExpiresAt},
		paybind.InferencePaymentPaymentTree{ComputeNode: p.Tree.ComputeNode, ComputeAmount: p.Tree.ComputeAmount, Gateway: p.Tree.Gateway,
			GatewayAmount: p.Tree.GatewayAmount, ValidatorAmount: p.Tree.ValidatorAmount, TreasuryAmount: p.Tree.TreasuryAmount},
		p.Signatures)
}

// TestSettlesOnlyWhenFinal: with a finality of 2 blocks, a computed and
// validated request waits for two blocks on top of its payment before
// the gateway settles it.
func TestSettlesOnlyWhenFinal(t *testing.T) {
	h := newHarness(t)
	cfg := h.gatewayConfig(t.TempDir())
	cfg.Finality = 2
	d := h.startGateway(t, cfg)
	startCompute(t, h, func() string { return d.GRPCAddr }, answerLabel)
	c := gatewayClients(t, d.GRPCAddr)
	ctx := context.Background()
	env := h.env
	st := submitPicture(t, c, env.Client.Addr, "final-1")
	r, err := env.Client.Escrow.Initiate(ctx, payment(t, st.Payment))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ConfirmPayment(ctx, &pb.ConfirmPaymentRequest{RequestId: st.RequestId, TxHash: r.TxHash.Hex()}); err != nil {
		t.Fatal(err)
	}
	waitState(t, c, st.RequestId, pb.TaskState_TASK_STATE_COMPLETION_VALIDATED)
	time.Sleep(3 * cfg.PollInterval)
	if s, err := c.GetTaskStatus(ctx, &pb.TaskRef{RequestId: st.RequestId}); err != nil || s.State != pb.TaskState_TASK_STATE_COMPLETION_VALIDATED {
		t.Fatalf("settled before its payment had 2 blocks on top: %v, %v", s, err)
	}
	for range 2 { // two blocks
		if _, err := env.Client.Sender.Send(ctx, env.C.TransferCall(env.Client.Addr, common.Big1)); err != nil {
			t.Fatal(err)
		}
	}
	waitState(t, c, st.RequestId, pb.TaskState_TASK_STATE_SETTLED)
}

// TestSpeculationForgottenOnRestart: a gateway stopped while a task runs
// before its payment is mined forgets it (it was never recorded); started
// again, it dispatches the request once the payment lands, and the
// request settles once, charged once.
func TestSpeculationForgottenOnRestart(t *testing.T) {
	h := newHarness(t)
	cfg := h.gatewayConfig(t.TempDir())
	d1, err := gateway.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d1.Close() })
	var addr atomic.Value
	addr.Store(d1.GRPCAddr)
	node := startCompute(t, h, func() string { return addr.Load().(string) }, answerLabel)
	c := gatewayClients(t, d1.GRPCAddr)
	ctx := context.Background()
	env := h.env
	st := submitPicture(t, c, env.Client.Addr, "restart-1")
	release := env.Embedded.Hold()
	defer release()
	p, err := env.Client.Escrow.SubmitInitiate(ctx, payment(t, st.Payment))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ConfirmPayment(ctx, &pb.ConfirmPaymentRequest{RequestId: st.RequestId, TxHash: p.Tx.Hash().Hex()}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, func() error {
		if len(node.received()) != 1 {
			return errString("no task at the compute node")
		}
		return nil
	})
	if err := d1.Close(); err != nil {
		t.Fatal(err)
	}
	d2 := h.startGateway(t, cfg)
	addr.Store(d2.GRPCAddr)
	release()
	if _, err := p.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	c2 := gatewayClients(t, d2.GRPCAddr)
	if final := waitState(t, c2, st.RequestId, pb.TaskState_TASK_STATE_SETTLED); !bytes.Equal(final.Result, label) {
		t.Fatalf("settled: %v", final)
	}
	if got := len(node.received()); got != 2 {
		t.Errorf("the compute node got the task %d times, want twice (before the payment, and after the restart)", got)
	}
}

// minedDuringCheck is the chain with one interleaving forced: the first
// dry run of an initiate once armed waits until the held block with the
// payment is sealed, as when a block lands between the gateway's pool
// lookup and its dry run.
type minedDuringCheck struct {
	chain.Backend
	armed atomic.Pointer[func()]
}

func (b *minedDuringCheck) CallContract(ctx context.Context, msg ethereum.CallMsg, block *big.Int) ([]byte, error) {
	if _, ok := chain.InitiatedRequest(msg.Data); ok {
		if f := b.armed.Swap(nil); f != nil {
			(*f)()
		}
	}
	return b.Backend.CallContract(ctx, msg, block)
}

// TestSpeculationMinedMeanwhile: a payment mined between the gateway's
// pool lookup and its dry run (which then reverts: the request exists) is
// taken as paid, not refused as a payment that would fail.
func TestSpeculationMinedMeanwhile(t *testing.T) {
	h := newHarness(t)
	cfg := h.gatewayConfig(t.TempDir())
	backend := &minedDuringCheck{Backend: cfg.Backend}
	cfg.Backend = backend
	d := h.startGateway(t, cfg)
	startCompute(t, h, func() string { return d.GRPCAddr }, answerLabel)
	c := gatewayClients(t, d.GRPCAddr)
	ctx := context.Background()
	st := submitPicture(t, c, h.env.Client.Addr, "mined-meanwhile")

	release := h.env.Embedded.Hold()
	defer release()
	p, err := h.env.Client.Escrow.SubmitInitiate(ctx, payment(t, st.Payment))
	if err != nil {
		t.Fatal(err)
	}
	seal := func() {
		release()
		if _, err := p.Wait(ctx); err != nil {
			t.Error(err)
		}
	}
	backend.armed.Store(&seal)
	if _, err := c.ConfirmPayment(ctx, &pb.ConfirmPaymentRequest{RequestId: st.RequestId, TxHash: p.Tx.Hash().Hex()}); err != nil {
		t.Fatalf("confirm of a payment mined during the check: %v", err)
	}
	if backend.armed.Load() != nil {
		t.Fatal("the dry run did not happen while the payment was pending")
	}
	final := waitState(t, c, st.RequestId, pb.TaskState_TASK_STATE_SETTLED)
	if !bytes.Equal(final.Result, label) {
		t.Fatalf("settled: %v", final)
	}
}
