package gateway_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/host/gateway"
)

// TestRestartResumes: a gateway stopped (Close) with three requests in
// flight and started again on its data dir resumes each: one validated
// and paid while the gateway was down (the payment watcher finds it), one
// dispatched whose node answers after the restart (the task is given to
// it again), one computed whose completion quorum had not answered. All
// three settle, each exactly once.
func TestRestartResumes(t *testing.T) {
	h := newHarness(t)
	cfg := h.gatewayConfig(t.TempDir())
	d1, err := gateway.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d1.Close() })
	var addr atomic.Value
	addr.Store(d1.GRPCAddr)
	releaseB := make(chan struct{})
	compute := startCompute(t, h, func() string { return addr.Load().(string) }, func(task *pb.ComputeTask) ([]byte, string) {
		if string(task.Input) == "B" {
			<-releaseB
		}
		return label, ""
	})
	c := gatewayClients(t, d1.GRPCAddr)
	ctx := context.Background()
	env := h.env
	client := strings.ToLower(env.Client.Addr.Hex())
	submit := func(input string) *pb.InferenceTaskStatus {
		st, err := c.SubmitInferenceTask(ctx, &pb.InferenceRequest{Client: client, Subnet: subnet, Model: model, Input: []byte(input), IdempotencyKey: input})
		if err != nil || st.State != pb.TaskState_TASK_STATE_AWAITING_PAYMENT {
			t.Fatalf("submit %s: %v, %v", input, st, err)
		}
		return st
	}
	pay := func(st *pb.InferenceTaskStatus) {
		if _, err := env.Client.Escrow.Initiate(ctx, payment(t, st.Payment)); err != nil {
			t.Fatal(err)
		}
	}
	a, b, cc := submit("A"), submit("B"), submit("C")
	releaseCompletions := h.fan.holdCompletions()
	for _, st := range []*pb.InferenceTaskStatus{b, cc} {
		pay(st)
		if _, err := c.ConfirmPayment(ctx, &pb.ConfirmPaymentRequest{RequestId: st.RequestId}); err != nil {
			t.Fatal(err)
		}
	}
	waitState(t, c, cc.RequestId, pb.TaskState_TASK_STATE_COMPUTED)
	waitState(t, c, b.RequestId, pb.TaskState_TASK_STATE_DISPATCHED)
	waitFor(t, 10e9, func() error {
		for _, task := range compute.received() {
			if string(task.Input) == "B" {
				return nil
			}
		}
		return context.DeadlineExceeded
	})
	if err := d1.Close(); err != nil {
		t.Fatal(err)
	}
	releaseCompletions()
	pay(a) // while the gateway is down

	d2 := h.startGateway(t, cfg)
	addr.Store(d2.GRPCAddr)
	close(releaseB)
	c = gatewayClients(t, d2.GRPCAddr)
	completed := crypto.Keccak256Hash([]byte("InferenceRequestCompleted(bytes32,bytes32,address,uint256,uint256,uint256,uint256,uint256)"))
	for name, st := range map[string]*pb.InferenceTaskStatus{"validated": a, "dispatched": b, "computed": cc} {
		end := waitState(t, c, st.RequestId, pb.TaskState_TASK_STATE_SETTLED)
		if string(end.Result) != string(label) {
			t.Errorf("%s: result %q", name, end.Result)
		}
		logs, err := env.Backend.FilterLogs(ctx, ethereum.FilterQuery{Addresses: []common.Address{env.C.Payment},
			Topics: [][]common.Hash{{completed}, {common.BytesToHash(st.RequestId)}}})
		if err != nil || len(logs) != 1 {
			t.Errorf("%s: settled %d times (%v)", name, len(logs), err)
		}
	}
	n := 0
	for _, task := range compute.received() {
		if string(task.Input) == "B" {
			n++
		}
	}
	if n < 2 {
		t.Errorf("the dispatched task reached the node %d times; the restarted gateway gives it again", n)
	}
	if err := d2.Ledger().Verify(); err != nil {
		t.Fatal(err)
	}
}

// TestStatusFromAnotherGateway: while a client's gateway is down, another
// gateway of the network answers for its request from the escrow: paid,
// held by the first gateway (named), and once the first is back and has
// settled it, settled. An id nobody paid for is NOT_FOUND there.
func TestStatusFromAnotherGateway(t *testing.T) {
	h := newHarness(t)
	cfg := h.gatewayConfig(t.TempDir())
	d1 := h.startGateway(t, cfg)
	var addr atomic.Value
	addr.Store(d1.GRPCAddr)
	release := make(chan struct{})
	startCompute(t, h, func() string { return addr.Load().(string) }, func(*pb.ComputeTask) ([]byte, string) {
		<-release
		return label, ""
	})
	c := gatewayClients(t, d1.GRPCAddr)
	ctx := context.Background()
	st := submitPicture(t, c, h.env.Client.Addr, "failover")
	if _, err := h.env.Client.Escrow.Initiate(ctx, payment(t, st.Payment)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ConfirmPayment(ctx, &pb.ConfirmPaymentRequest{RequestId: st.RequestId}); err != nil {
		t.Fatal(err)
	}
	waitState(t, c, st.RequestId, pb.TaskState_TASK_STATE_DISPATCHED)
	if err := d1.Close(); err != nil { // the client's gateway is gone
		t.Fatal(err)
	}

	other := h.gatewayConfig(t.TempDir())
	other.Key, _ = crypto.GenerateKey()
	d2 := h.startGateway(t, other)
	c2 := gatewayClients(t, d2.GRPCAddr)
	got, err := c2.GetTaskStatus(ctx, &pb.TaskRef{RequestId: st.RequestId})
	if err != nil || got.State != pb.TaskState_TASK_STATE_PAID || got.ComputeNode != strings.ToLower(h.env.Compute.Addr.Hex()) ||
		!strings.Contains(got.Error, "for gateway "+strings.ToLower(h.env.Gateway.Addr.Hex())) || !strings.Contains(got.Error, "handleExpiredRequest") {
		t.Fatalf("status at another gateway while the first is down: %v, %v", got, err)
	}
	resp, err := http.Get("http://" + d2.HTTPAddr + "/api/v1/inference/" + common.BytesToHash(st.RequestId).Hex())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "PAID") {
		t.Fatalf("HTTP status at another gateway: %d %s", resp.StatusCode, body)
	}
	_, err = c2.GetTaskStatus(ctx, &pb.TaskRef{RequestId: common.HexToHash("0x1234").Bytes()})
	if status.Code(err) != codes.NotFound || !strings.Contains(err.Error(), "nothing is paid for it on chain") {
		t.Fatalf("an id nobody paid for: %v", err)
	}

	d3 := h.startGateway(t, cfg) // the first gateway, back
	addr.Store(d3.GRPCAddr)
	close(release)
	waitState(t, gatewayClients(t, d3.GRPCAddr), st.RequestId, pb.TaskState_TASK_STATE_SETTLED)
	got = waitState(t, c2, st.RequestId, pb.TaskState_TASK_STATE_SETTLED)
	if len(got.Result) != 0 || !strings.Contains(got.Error, "settled on chain") {
		t.Fatalf("settled, at another gateway: %v", got)
	}
}
