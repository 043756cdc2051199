package gateway_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/host/ops/opstest"
)

// oaiBody is an answer of the OpenAI-compatible routes: a completion, a
// chunk, or an error.
type oaiBody struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	Model   string `json:"model"`
	Choices []struct {
		Index   int `json:"index"`
		Message *struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		} `json:"message"`
		Delta *struct {
			Role    string  `json:"role"`
			Content *string `json:"content"`
		} `json:"delta"`
		Text         *string `json:"text"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
		TotalTokens      int `json:"total_tokens"`
	} `json:"usage"`
	NCN *struct {
		RequestID string `json:"request_id"`
		State     string `json:"state"`
		Amount    string `json:"amount"`
		SettleTx  string `json:"settle_tx"`
		Payment   *struct {
			Amount     string `json:"amount"`
			Signatures []any  `json:"signatures"`
		} `json:"payment"`
	} `json:"ncn"`
	Error *struct {
		Message string `json:"message"`
		Type    string `json:"type"`
		Code    string `json:"code"`
	} `json:"error"`
}

// TestOpenAI: the OpenAI-compatible routes for a text model. A chat
// completion made without a request id is answered 402 with the payment
// instructions; paid on chain and called again with X-NCN-Request-Id it
// answers the settled result. A streamed completion comes as SSE chunks
// of the streamed tokens, the last with finish_reason and the settlement,
// a usage chunk and [DONE]. A request paid through gRPC is answered,
// streamed, through the chat route; an Idempotency-Key makes the same
// call the same request, answered once paid. /v1/models lists the text
// model. Bad calls get OpenAI error objects that say what to do; the
// payment metrics count the four requests paid.
func TestOpenAI(t *testing.T) {
	h := newHarness(t)
	h.addTextModel()
	cfg := h.gatewayConfig(t.TempDir())
	cfg.MaxBodyBytes = 64 << 10
	cfg.MetricsListen = "127.0.0.1:0"
	d := h.startGateway(t, cfg)
	story := "once upon a time there was a fox"
	startTextCompute(t, h, func() string { return d.GRPCAddr }, func(task *pb.ComputeTask) ([]byte, string) {
		if string(task.Input) == "Slow and steady" {
			// Long enough for the call to be following the request even
			// if the payment watcher dispatched it before the call came.
			time.Sleep(300 * time.Millisecond)
		}
		if task.Model == textModel {
			return []byte(story), ""
		}
		return label, ""
	})
	ctx := context.Background()
	c := gatewayClients(t, d.GRPCAddr)
	env := h.env
	client := strings.ToLower(env.Client.Addr.Hex())
	base := "http://" + d.HTTPAddr

	post := func(path, body string, header ...string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest("POST", base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	decode := func(b []byte) oaiBody {
		t.Helper()
		var o oaiBody
		if err := json.Unmarshal(b, &o); err != nil {
			t.Fatalf("not JSON: %s", b)
		}
		return o
	}
	paid := new(big.Int)
	pay := func(id common.Hash) {
		t.Helper()
		st, err := c.GetTaskStatus(ctx, &pb.TaskRef{RequestId: id.Bytes()})
		if err != nil {
			t.Fatal(err)
		}
		amount, _ := new(big.Int).SetString(st.Payment.Amount, 10)
		paid.Add(paid, amount)
		if _, err := env.Client.Escrow.Initiate(ctx, payment(t, st.Payment)); err != nil {
			t.Fatal(err)
		}
	}
	// payment402 checks a 402 and returns the request it names.
	payment402 := func(what string, resp *http.Response, b []byte) common.Hash {
		t.Helper()
		o := decode(b)
		rid := resp.Header.Get("X-NCN-Request-Id")
		if resp.StatusCode != http.StatusPaymentRequired || o.Error == nil || o.Error.Type != "payment_required" ||
			!strings.Contains(o.Error.Message, "X-NCN-Request-Id: "+rid) || o.NCN == nil || o.NCN.RequestID != rid ||
			o.NCN.State != "AWAITING_PAYMENT" || o.NCN.Payment == nil || len(o.NCN.Payment.Signatures) != 3 {
			t.Fatalf("%s: %d %s", what, resp.StatusCode, b)
		}
		t.Logf("%s: 402 %s", what, o.Error.Message)
		return common.HexToHash(rid)
	}

	// A chat completion, not streamed.
	chat := `{"model": "charlm", "messages": [{"role": "user", "content": "The fox "}], "max_tokens": 16, "temperature": 0}`
	resp, b := post("/v1/chat/completions", chat, "X-NCN-Client", client)
	id := payment402("chat, unpaid", resp, b)
	resp, b = post("/v1/chat/completions", chat, "X-NCN-Request-Id", id.Hex())
	payment402("chat, repeated before paying", resp, b)
	pay(id)
	resp, b = post("/v1/chat/completions", chat, "X-NCN-Request-Id", id.Hex())
	o := decode(b)
	if resp.StatusCode != http.StatusOK || o.Object != "chat.completion" || o.ID != "chatcmpl-"+id.Hex()[2:] || o.Model != "charlm" ||
		len(o.Choices) != 1 || o.Choices[0].Message == nil || o.Choices[0].Message.Role != "assistant" ||
		o.Choices[0].Message.Content != story || *o.Choices[0].FinishReason != "stop" || o.Usage == nil ||
		o.Usage.PromptTokens != 2 || o.Usage.CompletionTokens != 16 || o.Usage.TotalTokens != 18 ||
		o.NCN.State != "SETTLED" || o.NCN.SettleTx == "" || o.Created == 0 {
		t.Fatalf("chat: %d %s", resp.StatusCode, b)
	}

	// sse reads a streamed answer's events up to [DONE].
	sse := func(what string, resp *http.Response) []oaiBody {
		t.Helper()
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
			b, _ := io.ReadAll(resp.Body)
			t.Fatalf("%s: %d %s", what, resp.StatusCode, b)
		}
		var out []oaiBody
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "" || strings.HasPrefix(line, ":"):
			case line == "data: [DONE]":
				return out
			case strings.HasPrefix(line, "data: "):
				out = append(out, decode([]byte(strings.TrimPrefix(line, "data: "))))
			default:
				t.Fatalf("%s: not an SSE line: %q", what, line)
			}
		}
		t.Fatalf("%s: no [DONE] after %d events", what, len(out))
		return nil
	}
	stream := func(path, body string, header ...string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}

	// A streamed completion: its tokens as chunks, then the last chunk
	// and the usage.
	completion := `{"model": "charlm", "prompt": "Slow and steady", "max_tokens": 32, "stream": true, "stream_options": {"include_usage": true}}`
	resp, b = post("/v1/completions", completion, "X-NCN-Client", client)
	id = payment402("streamed completion, unpaid", resp, b)
	pay(id)
	events := sse("streamed completion", stream("/v1/completions", completion, "X-NCN-Request-Id", id.Hex()))
	var text strings.Builder
	pieces := 0
	for _, e := range events[:len(events)-2] {
		if e.Object != "text_completion" || e.ID != "cmpl-"+id.Hex()[2:] || len(e.Choices) != 1 || e.Choices[0].Text == nil || e.Choices[0].FinishReason != nil {
			t.Fatalf("chunk %+v", e)
		}
		if *e.Choices[0].Text != "" {
			pieces++
		}
		text.WriteString(*e.Choices[0].Text)
	}
	last, usage := events[len(events)-2], events[len(events)-1]
	if text.String() != story || pieces < 2 || last.Choices[0].FinishReason == nil || *last.Choices[0].FinishReason != "stop" ||
		last.NCN == nil || last.NCN.State != "SETTLED" || usage.Usage == nil || usage.Usage.CompletionTokens != 32 || len(usage.Choices) != 0 {
		t.Fatalf("streamed %q in %d pieces; last %+v, usage %+v", text.String(), pieces, last, usage)
	}

	// A request paid through gRPC, answered streamed through the chat
	// route: it did not ask to stream, so its text comes in one chunk.
	st, err := c.SubmitInferenceTask(ctx, &pb.InferenceRequest{Client: client, Subnet: subnet, Model: textModel, Input: []byte("Once")})
	if err != nil {
		t.Fatal(err)
	}
	id = common.BytesToHash(st.RequestId)
	pay(id)
	if _, err := c.ConfirmPayment(ctx, &pb.ConfirmPaymentRequest{RequestId: st.RequestId}); err != nil {
		t.Fatal(err)
	}
	events = sse("chat of a gRPC request", stream("/v1/chat/completions",
		`{"model": "charlm", "messages": [{"role": "user", "content": [{"type": "text", "text": "Once"}]}], "stream": true}`,
		"X-NCN-Request-Id", id.Hex()))
	text.Reset()
	for _, e := range events {
		if e.Object != "chat.completion.chunk" || len(e.Choices) != 1 || e.Choices[0].Delta == nil {
			t.Fatalf("chunk %+v", e)
		}
		if c := e.Choices[0].Delta.Content; c != nil {
			text.WriteString(*c)
		}
	}
	if events[0].Choices[0].Delta.Role != "assistant" || text.String() != story || *events[len(events)-1].Choices[0].FinishReason != "stop" {
		t.Fatalf("chat of a gRPC request: %q, %+v", text.String(), events)
	}

	// An Idempotency-Key: the same call is the same request, answered
	// once it is paid.
	keyed := `{"model": "subnet-a/charlm", "prompt": ["Tortoise"], "ncn_client": "` + client + `"}`
	resp, b = post("/v1/completions", keyed, "Idempotency-Key", "oai-1")
	id = payment402("keyed, unpaid", resp, b)
	pay(id)
	resp, b = post("/v1/completions", keyed, "Idempotency-Key", "oai-1")
	if o := decode(b); resp.StatusCode != http.StatusOK || resp.Header.Get("X-NCN-Request-Id") != id.Hex() || *o.Choices[0].Text != story {
		t.Fatalf("keyed, paid: %d %s", resp.StatusCode, b)
	}

	// The models.
	res, err := http.Get(base + "/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	var models struct {
		Object string `json:"object"`
		Data   []struct {
			ID     string `json:"id"`
			Object string `json:"object"`
		} `json:"data"`
	}
	if json.Unmarshal(b, &models) != nil || models.Object != "list" || len(models.Data) != 1 || models.Data[0].ID != textModel {
		t.Fatalf("/v1/models: %s", b)
	}

	// Bad calls.
	settled := id.Hex()
	for _, tc := range []struct {
		name, path, body string
		header           []string
		status           int
		typ, mention     string
	}{
		{"malformed JSON", "/v1/chat/completions", `{"model": "charlm", "messages": [`, nil, 400, "invalid_request_error", "not the OpenAI request object"},
		{"oversized body", "/v1/completions", fmt.Sprintf(`{"model": "charlm", "prompt": %q}`, strings.Repeat("x", 70<<10)), nil, 413, "invalid_request_error", "over 65536 bytes"},
		{"unknown request id", "/v1/completions", `{"model": "charlm", "prompt": "x"}`, []string{"X-NCN-Request-Id", "0x" + strings.Repeat("ab", 32)}, 404, "invalid_request_error", "unknown request"},
		{"malformed request id", "/v1/completions", `{"model": "charlm", "prompt": "x"}`, []string{"X-NCN-Request-Id", "42"}, 400, "invalid_request_error", "32 bytes of hex"},
		{"unknown model", "/v1/completions", `{"model": "gpt-9", "prompt": "x", "ncn_client": "` + client + `"}`, nil, 404, "invalid_request_error", `no subnet served here has a model "gpt-9"`},
		{"not a text model", "/v1/completions", `{"model": "digits", "prompt": "x", "ncn_client": "` + client + `"}`, nil, 400, "invalid_request_error", "not a text model"},
		{"no payer", "/v1/completions", `{"model": "charlm", "prompt": "x"}`, nil, 400, "invalid_request_error", "payer's address is required"},
		{"no prompt", "/v1/completions", `{"model": "charlm", "ncn_client": "` + client + `"}`, nil, 400, "invalid_request_error", "no prompt"},
		{"other prompt for a request", "/v1/completions", `{"model": "charlm", "prompt": "Hare"}`, []string{"X-NCN-Request-Id", settled}, 400, "invalid_request_error", "prompt differs from request"},
		{"other model for a request", "/v1/completions", `{"model": "digits", "prompt": "Tortoise"}`, []string{"X-NCN-Request-Id", settled}, 400, "invalid_request_error", "not a text model"},
		{"n = 2", "/v1/chat/completions", `{"model": "charlm", "messages": [{"role": "user", "content": "x"}], "n": 2}`, nil, 400, "invalid_request_error", "one completion"},
		{"prompt to chat", "/v1/chat/completions", `{"model": "charlm", "prompt": "x"}`, nil, 400, "invalid_request_error", `takes "messages"`},
		{"image part", "/v1/chat/completions", `{"model": "charlm", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]}`, nil, 400, "invalid_request_error", "text parts only"},
		{"max_tokens 0", "/v1/completions", `{"model": "charlm", "prompt": "x", "max_tokens": 0}`, nil, 400, "invalid_request_error", "max_tokens"},
	} {
		resp, b := post(tc.path, tc.body, tc.header...)
		o := decode(b)
		if resp.StatusCode != tc.status || o.Error == nil || o.Error.Type != tc.typ || !strings.Contains(o.Error.Message, tc.mention) {
			t.Errorf("%s: %d %s, want %d %s mentioning %q", tc.name, resp.StatusCode, b, tc.status, tc.typ, tc.mention)
			continue
		}
		t.Logf("%s: %d %s", tc.name, resp.StatusCode, o.Error.Message)
	}

	if !paid.IsInt64() {
		t.Fatalf("paid %s", paid)
	}
	opstest.Scrape(t, d.MetricsAddr).Want(t, map[string]float64{
		"payments_initiated_total": 4, "payments_completed_total": 4, "payments_refunded_total": 0,
		"payment_amount_wei_total": float64(paid.Int64()),
	})
}
