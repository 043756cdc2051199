package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/gorilla/websocket"

	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/host/ops/opstest"
)

// wsMsg is a message of the gateway's WebSocket API, as a client reads it.
type wsMsg struct {
	Type      string `json:"type"`
	Ref       string `json:"ref"`
	RequestID string `json:"request_id"`
	State     string `json:"state"`
	Final     bool   `json:"final"`
	Token     string `json:"token"`
	Status    *struct {
		State   string  `json:"state"`
		Result  *string `json:"result"`
		Error   string  `json:"error"`
		Payment *struct {
			Amount     string `json:"amount"`
			Signatures []any  `json:"signatures"`
		} `json:"payment"`
	} `json:"status"`
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Status  int    `json:"status"`
	} `json:"error"`
}

// wsClient is a WebSocket client that reads all the time (so it answers
// the gateway's pings), queueing what it reads.
type wsClient struct {
	conn *websocket.Conn
	msgs chan wsMsg
	err  error // why reading ended, once msgs is closed
}

func dialWS(t *testing.T, addr string) *wsClient {
	t.Helper()
	conn, resp, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ws", nil)
	if err != nil {
		t.Fatalf("dial: %v (%v)", err, resp)
	}
	c := &wsClient{conn: conn, msgs: make(chan wsMsg, 1024)}
	go func() {
		defer close(c.msgs)
		for {
			_, b, err := conn.ReadMessage()
			if err != nil {
				c.err = err
				return
			}
			var m wsMsg
			if err := json.Unmarshal(b, &m); err != nil {
				c.err = fmt.Errorf("not JSON: %s", b)
				return
			}
			c.msgs <- m
		}
	}()
	t.Cleanup(func() { conn.Close() })
	return c
}

func (c *wsClient) send(t *testing.T, v any) {
	t.Helper()
	var err error
	if s, ok := v.(string); ok {
		err = c.conn.WriteMessage(websocket.TextMessage, []byte(s))
	} else {
		err = c.conn.WriteJSON(v)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// next is the next message; it fails the test when none comes.
func (c *wsClient) next(t *testing.T) wsMsg {
	t.Helper()
	select {
	case m, ok := <-c.msgs:
		if !ok {
			t.Fatalf("the connection ended: %v", c.err)
		}
		return m
	case <-time.After(30 * time.Second):
		t.Fatal("no message in 30s")
	}
	return wsMsg{}
}

// ended waits for the connection to end and returns why.
func (c *wsClient) ended(t *testing.T, within time.Duration) error {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case _, ok := <-c.msgs:
			if !ok {
				return c.err
			}
		case <-deadline:
			t.Fatalf("the connection is still open after %s", within)
		}
	}
}

// wantError reads the next message and checks it is an error with code
// mentioning mention.
func (c *wsClient) wantError(t *testing.T, what, code, mention string) wsMsg {
	t.Helper()
	m := c.next(t)
	if m.Type != "error" || m.Error == nil || m.Error.Code != code || !strings.Contains(m.Error.Message, mention) {
		t.Fatalf("%s: %+v, want an error %s mentioning %q", what, m, code, mention)
	}
	t.Logf("%s: %s %s", what, m.Error.Code, m.Error.Message)
	return m
}

// TestWebSocket: one paid request of a text model over the WebSocket
// API — submit (answered with the payment instructions and subscribed),
// pay on chain, confirm over the socket, every state change and every
// streamed token, the settled result — and its boundaries: another
// connection subscribing to the settled request gets its final state;
// malformed and unknown messages, unknown and malformed request ids and
// an unknown model get errors on a connection that stays usable; an
// oversized message gets an error and the close code 1009; connections
// over the per-IP limit are refused with 429 before the upgrade; a client
// that stops answering pings is dropped while one that reads stays; a
// clean close; the connection gauge back to zero.
func TestWebSocket(t *testing.T) {
	h := newHarness(t)
	h.addTextModel()
	cfg := h.gatewayConfig(t.TempDir())
	cfg.WSConnectionsPerIP = 3
	cfg.WSMaxMessageBytes = 64 << 10
	cfg.WSPingInterval = 200 * time.Millisecond
	cfg.MetricsListen = "127.0.0.1:0"
	d := h.startGateway(t, cfg)
	story := "once upon a time"
	startTextCompute(t, h, func() string { return d.GRPCAddr }, func(task *pb.ComputeTask) ([]byte, string) {
		if task.Model == textModel {
			return []byte(story), ""
		}
		return label, ""
	})
	ctx := context.Background()
	c := gatewayClients(t, d.GRPCAddr)
	client := strings.ToLower(h.env.Client.Addr.Hex())

	ws := dialWS(t, d.WSAddr)
	ws.send(t, map[string]any{"type": "submit", "ref": "r1", "inference": map[string]any{
		"subnet": subnet, "model": textModel, "input": "The fox ", "client": client, "stream": true, "params": map[string]any{"max_tokens": 16}}})
	sub := ws.next(t)
	if sub.Type != "submitted" || sub.Ref != "r1" || sub.State != "AWAITING_PAYMENT" || sub.Status == nil || sub.Status.Payment == nil ||
		len(sub.Status.Payment.Signatures) != 3 {
		t.Fatalf("submit answered %+v", sub)
	}
	id := common.HexToHash(sub.RequestID)
	st, err := c.GetTaskStatus(ctx, &pb.TaskRef{RequestId: id.Bytes()})
	if err != nil {
		t.Fatal(err)
	}
	pay := payment(t, st.Payment)
	if _, err := h.env.Client.Escrow.Initiate(ctx, pay); err != nil {
		t.Fatal(err)
	}
	ws.send(t, map[string]any{"type": "confirm", "ref": "c1", "request_id": sub.RequestID})
	var states []string
	var tokens string
	var final wsMsg
	confirmed := false
	for final.Type == "" {
		m := ws.next(t)
		switch m.Type {
		case "update":
			if m.RequestID != sub.RequestID || m.Ref != "r1" {
				t.Fatalf("update %+v", m)
			}
			states = append(states, m.State)
			if m.Final {
				final = m
			}
		case "token":
			tokens += m.Token
		case "status":
			confirmed = m.Ref == "c1" && (m.State == "PAID" || m.State == "DISPATCHED" || m.State == "COMPUTED")
		default:
			t.Fatalf("unexpected %+v", m)
		}
	}
	want := []string{"AWAITING_PAYMENT", "PAID", "DISPATCHED", "COMPUTED", "COMPLETION_VALIDATED", "SETTLED"}
	if !slices.Equal(states, want) || tokens != story || !confirmed {
		t.Fatalf("states %v (want %v), tokens %q, confirmed %v", states, want, tokens, confirmed)
	}
	if final.Status == nil || final.Status.Result == nil || *final.Status.Result != story {
		t.Fatalf("final update %+v", final)
	}

	// Another connection: the settled request, at once and final.
	ws2 := dialWS(t, d.WSAddr)
	ws2.send(t, map[string]any{"type": "subscribe", "ref": "s", "request_id": sub.RequestID})
	if m := ws2.next(t); m.Type != "update" || !m.Final || m.State != "SETTLED" || m.Ref != "s" || *m.Status.Result != story {
		t.Fatalf("subscription to a settled request: %+v", m)
	}

	// Bad messages get errors; the connection stays.
	ws2.send(t, `{"type": "subscribe", "request_id": `)
	ws2.wantError(t, "malformed JSON", "INVALID_ARGUMENT", "not a JSON message")
	ws2.send(t, `{"type": "subscribe", "id": "0x01"}`)
	ws2.wantError(t, "unknown field", "INVALID_ARGUMENT", `unknown field "id"`)
	ws2.send(t, map[string]any{"type": "launch"})
	ws2.wantError(t, "unknown type", "INVALID_ARGUMENT", `unknown message type "launch"`)
	ws2.send(t, map[string]any{"type": "subscribe", "ref": "u", "request_id": "0x" + strings.Repeat("ab", 32)})
	if m := ws2.wantError(t, "unknown request", "NOT_FOUND", "unknown request"); m.Ref != "u" {
		t.Errorf("the error lacks its ref: %+v", m)
	}
	ws2.send(t, map[string]any{"type": "status", "request_id": "xyz"})
	ws2.wantError(t, "malformed request id", "INVALID_ARGUMENT", "32 bytes of hex")
	ws2.send(t, map[string]any{"type": "submit", "inference": map[string]any{"subnet": subnet, "model": "gpt-0", "input": "x", "client": client}})
	ws2.wantError(t, "unknown model", "NOT_FOUND", `no model "gpt-0"`)
	ws2.send(t, map[string]any{"type": "submit"})
	ws2.wantError(t, "submit without inference", "INVALID_ARGUMENT", `carries "inference"`)
	ws2.send(t, map[string]any{"type": "unsubscribe", "request_id": sub.RequestID})
	ws2.wantError(t, "unsubscribe when not subscribed", "NOT_FOUND", "not subscribed")
	ws2.send(t, map[string]any{"type": "status", "ref": "st", "request_id": sub.RequestID})
	if m := ws2.next(t); m.Type != "status" || m.State != "SETTLED" || m.Ref != "st" {
		t.Fatalf("status after the errors: %+v", m)
	}

	// An oversized message: an error, then the connection is closed 1009.
	ws3 := dialWS(t, d.WSAddr)
	// The gateway may answer and close while the frame is still being
	// written: the write then fails ("close sent"), and the answer and
	// the close code are what count.
	if err := ws3.conn.WriteJSON(map[string]any{"type": "submit", "inference": map[string]any{"subnet": subnet, "model": textModel,
		"input": strings.Repeat("x", 70<<10), "client": client}}); err != nil && !errors.Is(err, websocket.ErrCloseSent) && !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
		t.Fatal(err)
	}
	ws3.wantError(t, "oversized message", "RESOURCE_EXHAUSTED", "message over 65536 bytes")
	if err := ws3.ended(t, 5*time.Second); !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
		t.Fatalf("closed with %v, want 1009", err)
	}

	// Three connections from this address are the limit: the fourth is
	// refused before the upgrade.
	waitFor(t, 5*time.Second, func() error {
		if n := opstest.Scrape(t, d.MetricsAddr).Value("gateway_websocket_connections"); n != 2 {
			return fmt.Errorf("%v connections open", n)
		}
		return nil
	})
	silent, _, err := websocket.DefaultDialer.Dial("ws://"+d.WSAddr+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	_, resp, err := websocket.DefaultDialer.Dial("ws://"+d.WSAddr+"/ws", nil)
	if !errors.Is(err, websocket.ErrBadHandshake) || resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("a fourth connection: %v, %v", err, resp)
	}
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(body), "3 WebSocket connections from your address") {
		t.Fatalf("429 body %s", body)
	}
	t.Logf("fourth connection: %d %s", resp.StatusCode, strings.TrimSpace(string(body)))

	// A client that never reads answers no ping and is dropped; the one
	// that reads is kept.
	time.Sleep(time.Second) // 5 ping intervals
	silent.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, _, err := silent.ReadMessage(); err != nil {
			t.Logf("silent client: %v", err)
			break
		}
	}
	waitFor(t, 5*time.Second, func() error {
		if n := opstest.Scrape(t, d.MetricsAddr).Value("gateway_websocket_connections"); n != 2 {
			return fmt.Errorf("%v connections open, want the 2 that read", n)
		}
		return nil
	})
	ws2.send(t, map[string]any{"type": "status", "ref": "alive", "request_id": sub.RequestID})
	if m := ws2.next(t); m.Ref != "alive" {
		t.Fatalf("the reading client: %+v", m)
	}

	// Clean closes.
	for _, w := range []*wsClient{ws, ws2} {
		w.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"), time.Now().Add(time.Second))
		if err := w.ended(t, 5*time.Second); !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
			t.Errorf("close answered with %v", err)
		}
	}
	waitFor(t, 5*time.Second, func() error {
		if n := opstest.Scrape(t, d.MetricsAddr).Value("gateway_websocket_connections"); n != 0 {
			return fmt.Errorf("%v connections open", n)
		}
		return nil
	})
}

// TestWebSocketShutdown: a gateway that closes says goodbye (1001) to its
// WebSocket clients, and Close returns.
func TestWebSocketShutdown(t *testing.T) {
	h := newHarness(t)
	d := h.startGateway(t, h.gatewayConfig(t.TempDir()))
	ws := dialWS(t, d.WSAddr)
	ws.send(t, map[string]any{"type": "status", "request_id": "0x" + strings.Repeat("00", 32)})
	ws.wantError(t, "unknown request", "NOT_FOUND", "unknown request")
	done := make(chan error, 1)
	go func() { done <- d.Close() }()
	if err := ws.ended(t, 10*time.Second); !websocket.IsCloseError(err, websocket.CloseGoingAway) {
		t.Fatalf("closed with %v, want 1001", err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return")
	}
}
