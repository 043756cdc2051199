package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/ncn-network/ncn/host/api/pb"
)

// syncBuffer is a log destination safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestLogsCarryRequestID: with a JSON logger at debug level, every line
// the gateway logs about a request — a settled one and a refunded one —
// carries its id as the request_id attribute, and every line is JSON.
func TestLogsCarryRequestID(t *testing.T) {
	h := newHarness(t)
	cfg := h.gatewayConfig(t.TempDir())
	var logs syncBuffer
	cfg.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	d := h.startGateway(t, cfg)
	startCompute(t, h, func() string { return d.GRPCAddr }, func(task *pb.ComputeTask) ([]byte, string) {
		if string(task.Input) == "crash" {
			return nil, "model crashed"
		}
		return label, ""
	})
	c := gatewayClients(t, d.GRPCAddr)
	ctx := context.Background()
	client := strings.ToLower(h.env.Client.Addr.Hex())
	var ids []string
	for _, tc := range []struct {
		input string
		end   pb.TaskState
	}{{"seven", pb.TaskState_TASK_STATE_SETTLED}, {"crash", pb.TaskState_TASK_STATE_REFUNDED}} {
		st, err := c.SubmitInferenceTask(ctx, &pb.InferenceRequest{Client: client, Subnet: subnet, Model: model, Input: []byte(tc.input)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, common.BytesToHash(st.RequestId).Hex())
		if _, err := h.env.Client.Escrow.Initiate(ctx, payment(t, st.Payment)); err != nil {
			t.Fatal(err)
		}
		waitState(t, c, st.RequestId, tc.end) // paid without ConfirmPayment: the watcher's lines too
	}
	d.Close()

	about := map[string]int{} // lines naming each request
	for line := range strings.Lines(logs.String()) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("not a JSON line: %q", line)
			continue
		}
		msg, _ := rec["msg"].(string)
		rid, _ := rec["request_id"].(string)
		for _, id := range ids {
			if strings.Contains(line, id) || strings.Contains(line, strings.TrimPrefix(id, "0x")[:16]) {
				about[id]++
				if rid != id {
					t.Errorf("a line about %s without it as request_id: %s", id, line)
				}
			}
		}
		if strings.HasPrefix(msg, "request ") && rid == "" {
			t.Errorf("a request line without request_id: %s", line)
		}
	}
	for _, id := range ids {
		if about[id] < 4 {
			t.Errorf("only %d lines about %s:\n%s", about[id], id, logs.String())
		}
	}
}
