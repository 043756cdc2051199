package gateway_test

import (
	"context"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ncn-network/ncn/host/api"
	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/host/gateway"
	"github.com/ncn-network/ncn/host/ops/opstest"
)

// TestMetrics: a gateway's /metrics on its own listener count what it
// did — three requests paid (two settled, one refunded after a compute
// error), their amounts summed exactly, the distribution time and every
// stage timed; refusals by reason (no compute node, bad input, rate
// limited, consensus failure); nothing left in flight — and /healthz and
// /readyz answer there.
func TestMetrics(t *testing.T) {
	h := newHarness(t)
	cfg := h.gatewayConfig(t.TempDir())
	cfg.MetricsListen = "127.0.0.1:0"
	cfg.HTTPInferencePerMinute = 1
	d := h.startGateway(t, cfg)
	if d.MetricsAddr == "" {
		t.Fatal("no metrics address")
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get("http://" + d.MetricsAddr + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", p, resp.StatusCode)
		}
	}
	c := gatewayClients(t, d.GRPCAddr)
	ctx := context.Background()
	env := h.env
	client := strings.ToLower(env.Client.Addr.Hex())
	req := func(input string) *pb.InferenceRequest {
		return &pb.InferenceRequest{Client: client, Subnet: subnet, Model: model, Input: []byte(input)}
	}

	_, err := c.SubmitInferenceTask(ctx, req("before any compute node"))
	code(t, "no compute node", err, codes.Unavailable, "task stream")
	startCompute(t, h, func() string { return d.GRPCAddr }, func(task *pb.ComputeTask) ([]byte, string) {
		if string(task.Input) == "crash" {
			return nil, "model crashed"
		}
		return label, ""
	})
	bad := req("x")
	bad.Model = "gpt-0"
	_, err = c.SubmitInferenceTask(ctx, bad)
	code(t, "unknown model", err, codes.NotFound, "no model")
	for range 2 { // malformed, then over the HTTP limit of 1 a minute
		resp, err := http.Post("http://"+d.HTTPAddr+"/api/v1/inference", "application/json", strings.NewReader(`{"subnet":`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}

	sum := new(big.Int)
	for _, tc := range []struct {
		input string
		end   pb.TaskState
	}{{"one", pb.TaskState_TASK_STATE_SETTLED}, {"crash", pb.TaskState_TASK_STATE_REFUNDED}, {"two", pb.TaskState_TASK_STATE_SETTLED}} {
		st, err := c.SubmitInferenceTask(ctx, req(tc.input))
		if err != nil {
			t.Fatal(err)
		}
		amount, _ := new(big.Int).SetString(st.Payment.Amount, 10)
		sum.Add(sum, amount)
		if _, err := env.Client.Escrow.Initiate(ctx, payment(t, st.Payment)); err != nil {
			t.Fatal(err)
		}
		if _, err := c.ConfirmPayment(ctx, &pb.ConfirmPaymentRequest{RequestId: st.RequestId}); err != nil {
			t.Fatal(err)
		}
		waitState(t, c, st.RequestId, tc.end)
	}
	if !sum.IsInt64() || sum.Int64() > 1<<53 {
		t.Fatalf("amounts sum to %s: too large to compare exactly", sum)
	}

	// A compute node the validators do not know: when it is chosen the
	// quorum does not form; when the real one is, the request is
	// cancelled unpaid.
	rogue, _ := crypto.GenerateKey()
	startComputeAs(t, h, rogue, func(r *pb.RegisterNodeRequest) error { return h.nodes[0].Nodes().Register(r) },
		func() string { return d.GRPCAddr }, answerLabel)
	refused, cancelled := 0, 0
	for i := 0; refused == 0 && i < 20; i++ {
		st, err := c.SubmitInferenceTask(ctx, req(fmt.Sprint("picture ", i)))
		if status.Code(err) == codes.Aborted {
			refused++
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		ref, err := api.SignTaskRef(env.Client.Key, api.KindCancelTask, common.BytesToHash(st.RequestId), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.CancelTask(ctx, ref); err != nil {
			t.Fatal(err)
		}
		cancelled++
	}
	if refused == 0 {
		t.Fatal("the rogue compute node was never chosen in 20 submissions")
	}

	fams := opstest.Scrape(t, d.MetricsAddr)
	want := map[string]float64{
		"payments_initiated_total":                                                3,
		"payments_completed_total":                                                2,
		"payments_refunded_total":                                                 1,
		"payment_amount_wei_total":                                                float64(sum.Int64()),
		"payment_distribution_time_ms":                                            2,
		"gateway_stage_duration_seconds{stage=quote}":                             float64(4 + refused + cancelled), // the one refused for no compute node was priced first
		"gateway_stage_duration_seconds{stage=submit}":                            float64(3 + cancelled),
		"gateway_stage_duration_seconds{stage=preprocessing}":                     float64(3 + cancelled),
		"gateway_stage_duration_seconds{stage=payment_wait}":                      3,
		"gateway_stage_duration_seconds{stage=dispatch}":                          3,
		"gateway_stage_duration_seconds{stage=compute}":                           2,
		"gateway_stage_duration_seconds{stage=completion}":                        2,
		"gateway_stage_duration_seconds{stage=settlement}":                        2,
		"gateway_requests_total{outcome=settled}":                                 2,
		"gateway_requests_total{outcome=refunded}":                                1,
		"gateway_requests_total{outcome=released}":                                float64(refused),
		"gateway_requests_total{outcome=cancelled}":                               float64(cancelled),
		"gateway_rejections_total{reason=no_compute_node}":                        1,
		"gateway_rejections_total{reason=bad_input}":                              2,
		"gateway_rejections_total{reason=rate_limited}":                           1,
		"gateway_rejections_total{reason=consensus_failure}":                      float64(refused),
		"gateway_rejections_total{reason=other}":                                  0,
		"gateway_requests_in_flight{state=" + gateway.StateQuoted.String() + "}":  0,
		"gateway_requests_in_flight{state=" + gateway.StatePaid.String() + "}":    0,
		"gateway_requests_in_flight{state=" + gateway.StateFailed.String() + "}":  0,
		"gateway_requests_in_flight{state=" + gateway.StateSettled.String() + "}": -1, // terminal: no series
	}
	fams.Want(t, want)
	if t.Failed() {
		t.Logf("amount %s; refused %d, cancelled %d", sum, refused, cancelled)
	}
}
