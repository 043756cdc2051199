package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/ncn-network/ncn/host/api/pb"
)

// The OpenAI-compatible routes, on the HTTP port, for text models:
// POST /v1/completions, POST /v1/chat/completions (model, prompt or
// messages, max_tokens or max_completion_tokens, temperature, seed,
// stream with Server-Sent Events) and GET /v1/models.
//
// A request is paid on chain by its client before it runs, which no
// OpenAI call can do; so a call works in two rounds, as HTTP's 402
// Payment Required intends:
//
//  1. A call without a request id (header X-NCN-Request-Id, or body
//     field ncn_request_id) makes a request for the payer named by the
//     X-NCN-Client header (or ncn_client) — quoted, validated, a compute
//     node reserved, exactly as POST /api/v1/inference — and answers 402
//     with an OpenAI error object, the request id in X-NCN-Request-Id
//     and, under "ncn", the request's status with its payment
//     instructions (the body of POST /api/v1/inference). Nothing is
//     charged; an unpaid request expires with its quote.
//  2. The client pays (approve or permit, initiateInferenceRequest), then
//     repeats the call with X-NCN-Request-Id. The gateway finds the
//     deposit (ConfirmPayment), waits for the result and answers in
//     OpenAI's shape — a chat.completion or text_completion, or with
//     "stream": true the chunks as they come and "data: [DONE]" — once
//     the request has settled on chain. A request paid through
//     SubmitInferenceTask or POST /api/v1/inference is redeemed the same
//     way. A repeat before the deposit is seen is answered 402 again.
//
// A repeat names the same model (or none) and, if it carries a prompt or
// messages, the same input as the request was made with; it is refused
// otherwise, so a request id is never mistaken for another prompt's
// answer. An Idempotency-Key header makes round 1 idempotent: the same
// call again is the same request, and once it is paid it is answered as
// in round 2. A request that failed after payment is refunded, never
// charged, and the call answers 502 saying why.
//
// The input of a chat call is its messages' text contents joined by
// newlines (roles are not sent: a subnet whose model needs a chat
// template applies it in its preprocess plugin); of a completion, its
// prompt. The model is a model id of a subnet this gateway serves, or
// "subnet/model", or a model id with the X-NCN-Subnet header (or
// ncn_subnet). n and best_of above 1 and logprobs are refused; other
// sampling fields (top_p, stop, penalties...) are ignored. The usage
// reported is what the request was priced for: the price plugin's token
// estimates, not a tokenizer's count.

// oaiRequest is the body of either route; other fields are ignored.
type oaiRequest struct {
	Model               string          `json:"model"`
	Prompt              json.RawMessage `json:"prompt"`
	Messages            []oaiMessage    `json:"messages"`
	MaxTokens           *int64          `json:"max_tokens"`
	MaxCompletionTokens *int64          `json:"max_completion_tokens"`
	Temperature         *float64        `json:"temperature"`
	Seed                *int64          `json:"seed"`
	N                   *int            `json:"n"`
	BestOf              *int            `json:"best_of"`
	Logprobs            json.RawMessage `json:"logprobs"`
	Stream              bool            `json:"stream"`
	StreamOptions       *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`

	NCNRequestID string `json:"ncn_request_id"`
	NCNClient    string `json:"ncn_client"`
	NCNSubnet    string `json:"ncn_subnet"`
}

type oaiMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

// oaiCall is a call of either route, checked.
type oaiCall struct {
	chat    bool
	model   string // as the client named it, echoed in the answer
	subnet  string // resolved; "" when the call names no model
	modelID string
	input   []byte // nil when the call carries no prompt or messages
	params  []byte
	stream  bool
	usage   bool         // stream_options.include_usage
	id      *common.Hash // the request to answer, when named
	client  string
	key     string // Idempotency-Key
}

// Answers in OpenAI's shape.
type (
	oaiResponse struct {
		ID      string      `json:"id"`
		Object  string      `json:"object"`
		Created int64       `json:"created"`
		Model   string      `json:"model"`
		Choices []oaiChoice `json:"choices"`
		Usage   *oaiUsage   `json:"usage,omitempty"`
		NCN     *oaiNCN     `json:"ncn,omitempty"`
	}
	oaiChoice struct {
		Index        int             `json:"index"`
		Message      *oaiOut         `json:"message,omitempty"` // chat, whole
		Delta        *oaiOut         `json:"delta,omitempty"`   // chat, streamed
		Text         *string         `json:"text,omitempty"`    // completions
		Logprobs     json.RawMessage `json:"logprobs"`          // always null
		FinishReason *string         `json:"finish_reason"`
	}
	oaiOut struct {
		Role    string  `json:"role,omitempty"`
		Content *string `json:"content,omitempty"`
	}
	oaiUsage struct {
		PromptTokens     uint64 `json:"prompt_tokens"`
		CompletionTokens uint64 `json:"completion_tokens"`
		TotalTokens      uint64 `json:"total_tokens"`
	}
	// oaiNCN is what the network adds to an answer: the request and how
	// it was settled.
	oaiNCN struct {
		RequestID   string `json:"request_id"`
		State       string `json:"state"`
		Amount      string `json:"amount,omitempty"`
		ComputeNode string `json:"compute_node,omitempty"`
		ResultHash  string `json:"result_hash,omitempty"`
		SettleTx    string `json:"settle_tx,omitempty"`
	}
)

var jsonNull = json.RawMessage("null")

// oaiType is the OpenAI error type of an HTTP status.
func oaiType(status int) string {
	switch {
	case status == http.StatusPaymentRequired:
		return "payment_required"
	case status == http.StatusTooManyRequests:
		return "rate_limit_error"
	case status == http.StatusUnauthorized, status == http.StatusForbidden:
		return "authentication_error"
	case status >= 500:
		return "server_error"
	}
	return "invalid_request_error"
}

// oaiError writes an error as OpenAI's clients read it, with the
// network's detail (a request's status) under "ncn" when there is one.
func oaiError(w http.ResponseWriter, status int, code, msg string, ncn any) {
	body := map[string]any{"error": map[string]any{"message": msg, "type": oaiType(status), "param": nil, "code": code}}
	if ncn != nil {
		body["ncn"] = ncn
	}
	writeJSON(w, status, body)
}

// oaiErr writes a gateway error with the status of its code.
func oaiErr(w http.ResponseWriter, err error) {
	c := codeOf(err)
	oaiError(w, httpStatus(c), strings.ToLower(codeName(c)), err.Error(), nil)
}

// parse checks a call's body and headers.
func (d *Daemon) oaiParse(ctx context.Context, r *http.Request, b *oaiRequest, chat bool) (*oaiCall, error) {
	c := &oaiCall{chat: chat, model: b.Model, stream: b.Stream, usage: b.StreamOptions != nil && b.StreamOptions.IncludeUsage,
		client: first(r.Header.Get("X-NCN-Client"), b.NCNClient), key: r.Header.Get("Idempotency-Key")}
	if s := first(r.Header.Get("X-NCN-Request-Id"), b.NCNRequestID); s != "" {
		id, err := parseID(s)
		if err != nil {
			return nil, err
		}
		c.id = &id
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrBadRequest}, args...)...)
	}
	switch {
	case b.N != nil && *b.N != 1:
		return nil, bad("n = %d: a request has one completion", *b.N)
	case b.BestOf != nil && *b.BestOf != 1:
		return nil, bad("best_of = %d: a request has one completion", *b.BestOf)
	case len(b.Logprobs) > 0 && !slices.Contains([]string{"null", "false", "0"}, string(b.Logprobs)):
		return nil, bad("logprobs are not available")
	}
	if chat {
		if b.Prompt != nil {
			return nil, bad(`a chat completion takes "messages", not "prompt" (POST /v1/completions takes a prompt)`)
		}
		var parts []string
		for i, m := range b.Messages {
			text, err := messageText(m.Content)
			if err != nil {
				return nil, bad("messages[%d]: %v", i, err)
			}
			parts = append(parts, text)
		}
		if len(parts) > 0 {
			c.input = []byte(strings.Join(parts, "\n"))
		}
	} else {
		if b.Messages != nil {
			return nil, bad(`a completion takes "prompt", not "messages" (POST /v1/chat/completions takes messages)`)
		}
		if len(b.Prompt) > 0 && string(b.Prompt) != "null" {
			var s string
			var list []string
			switch {
			case json.Unmarshal(b.Prompt, &s) == nil:
			case json.Unmarshal(b.Prompt, &list) == nil && len(list) == 1:
				s = list[0]
			default:
				return nil, bad("prompt must be a string (or a list of one string)")
			}
			c.input = []byte(s)
		}
	}
	if c.id == nil && len(c.input) == 0 {
		what := "prompt"
		if chat {
			what = "messages"
		}
		return nil, bad("no %s: give it, or X-NCN-Request-Id to answer a request already made", what)
	}
	if c.id == nil && b.Model == "" {
		return nil, bad("no model (GET /v1/models lists them)")
	}
	params := map[string]any{}
	switch n := first64(b.MaxCompletionTokens, b.MaxTokens); {
	case n == nil:
	case *n < 1:
		return nil, bad("max_tokens must be at least 1")
	default:
		params["max_tokens"] = *n
	}
	if b.Temperature != nil {
		if *b.Temperature < 0 || *b.Temperature > 2 {
			return nil, bad("temperature must be between 0 and 2")
		}
		params["temperature"] = *b.Temperature
	}
	if b.Seed != nil {
		params["seed"] = *b.Seed
	}
	if len(params) > 0 {
		c.params, _ = json.Marshal(params) // keys sorted: the same call hashes alike
	}
	if b.Model != "" {
		var err error
		if c.subnet, c.modelID, err = d.oaiModel(ctx, b.Model, first(r.Header.Get("X-NCN-Subnet"), b.NCNSubnet)); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// messageText is a chat message's text: a string, or a list of parts of
// which only text ones are taken (and at least one is needed).
func messageText(raw json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(raw, &parts); err != nil || len(parts) == 0 {
		return "", errors.New("content must be a string or a list of text parts")
	}
	var out []string
	for _, p := range parts {
		if p.Type != "text" {
			return "", fmt.Errorf("content part of type %q: text models take text parts only", p.Type)
		}
		out = append(out, p.Text)
	}
	return strings.Join(out, "\n"), nil
}

func first(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

func first64(v ...*int64) *int64 {
	for _, x := range v {
		if x != nil {
			return x
		}
	}
	return nil
}

// oaiModel resolves a model name: a model id of the subnet named, else
// of the served subnets (exactly one must have it), else "subnet/model".
// It must be a text model.
func (d *Daemon) oaiModel(ctx context.Context, name, subnet string) (string, string, error) {
	subnets := []string{subnet}
	if subnet == "" {
		subnets = d.cfg.Subnets
		if len(subnets) == 0 {
			subnets = d.book.ids()
		}
	}
	var found []string
	var desc *pb.ModelDescriptor
	for _, s := range subnets {
		st, err := d.subnet(ctx, s)
		if err != nil {
			if subnet != "" {
				return "", "", err
			}
			continue
		}
		if m, ok := st.models[name]; ok {
			found, desc = append(found, s), m
		}
	}
	if len(found) == 0 && subnet == "" {
		if s, m, ok := strings.Cut(name, "/"); ok {
			return d.oaiModel(ctx, m, s)
		}
	}
	switch {
	case len(found) == 0 && subnet != "":
		return "", "", fmt.Errorf("%w: subnet %s has no model %q (GET /v1/models lists them)", ErrUnknownModel, subnet, name)
	case len(found) == 0:
		return "", "", fmt.Errorf("%w: no subnet served here has a model %q (GET /v1/models lists them)", ErrUnknownModel, name)
	case len(found) > 1:
		return "", "", fmt.Errorf("%w: model %q is in subnets %s: name one (\"subnet/model\", or the X-NCN-Subnet header)",
			ErrBadRequest, name, strings.Join(found, ", "))
	}
	if !textModel(desc) {
		return "", "", fmt.Errorf("%w: model %s is not a text model (%s): use POST /api/v1/inference", ErrBadRequest, name, modelKind(desc))
	}
	return found[0], name, nil
}

// textModel reports whether a model generates text: its task says so
// (text-generation...), or it names no task and declares no output
// schema — its results are UTF-8 text, as validators check them.
func textModel(m *pb.ModelDescriptor) bool {
	return strings.HasPrefix(m.Task, "text") || (m.Task == "" && len(m.OutputSchema) == 0)
}

// modelKind says what a model is, for an error.
func modelKind(m *pb.ModelDescriptor) string {
	if m.Task != "" {
		return "task " + m.Task
	}
	return "its results are JSON of a declared schema"
}

// oaiModels is GET /v1/models: the text models of the subnets served,
// each by the name the routes take.
func (d *Daemon) oaiModels(w http.ResponseWriter, r *http.Request) {
	ms, err := d.supportedModels(r.Context(), &pb.GetSupportedModelsRequest{})
	if err != nil {
		oaiErr(w, err)
		return
	}
	count := map[string]int{}
	for _, m := range ms.Models {
		count[m.Model.Id]++
	}
	type entry struct {
		ID           string `json:"id"`
		Object       string `json:"object"`
		Created      int64  `json:"created"`
		OwnedBy      string `json:"owned_by"`
		Subnet       string `json:"ncn_subnet"`
		ComputeNodes uint32 `json:"ncn_compute_nodes"`
	}
	data := []entry{}
	for _, m := range ms.Models {
		if !textModel(m.Model) {
			continue
		}
		id := m.Model.Id
		if count[id] > 1 {
			id = m.Subnet + "/" + id
		}
		data = append(data, entry{ID: id, Object: "model", OwnedBy: m.Subnet, Subnet: m.Subnet, ComputeNodes: m.ComputeNodes})
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": data})
}

// oaiServe serves POST /v1/completions (chat false) and
// /v1/chat/completions (chat true).
func (d *Daemon) oaiServe(w http.ResponseWriter, r *http.Request, chat bool) {
	var b oaiRequest
	if e := d.readJSON(w, r, &b, "OpenAI request object", false); e != nil {
		oaiError(w, e.status, strings.ToLower(e.code), e.msg, nil)
		return
	}
	c, err := d.oaiParse(r.Context(), r, &b, chat)
	if err != nil {
		d.metrics.reject(err)
		oaiErr(w, err)
		return
	}
	var id common.Hash
	if c.id == nil {
		// Round 1: make the request.
		fail := func(code int, name, msg string) { oaiError(w, code, "rate_limit_exceeded", msg, nil) }
		if !d.allowHTTP(w, r, fail) {
			return
		}
		if c.client == "" {
			d.metrics.rejected(rejectBadInput)
			oaiError(w, http.StatusBadRequest, "invalid_argument",
				"the payer's address is required to make a request: the X-NCN-Client header (or ncn_client); "+
					"or X-NCN-Request-Id to answer a request already made", nil)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), time.Minute)
		st, err := d.submit(ctx, &pb.InferenceRequest{Client: c.client, Subnet: c.subnet, Model: c.modelID, Input: c.input,
			Params: c.params, Stream: c.stream, IdempotencyKey: c.key})
		cancel()
		if err != nil {
			oaiErr(w, err)
			return
		}
		id = common.BytesToHash(st.RequestId)
	} else {
		id = *c.id
	}
	w.Header().Set("X-NCN-Request-Id", id.Hex())
	rec, err := d.get(id)
	if err != nil {
		oaiErr(w, err)
		return
	}
	log := d.log.With("request_id", id.Hex())
	if c.id != nil {
		if err := d.oaiMatches(rec, c); err != nil {
			d.metrics.reject(err)
			oaiErr(w, err)
			return
		}
	}
	if c.model == "" {
		c.model = rec.Model
		if st, ok := d.book.get(rec.Subnet); ok {
			if m, ok := st.models[rec.Model]; ok && !textModel(m) {
				oaiErr(w, fmt.Errorf("%w: request %s is for model %s, not a text model (%s): GET /api/v1/inference/%s has its result",
					ErrBadRequest, id.Hex(), rec.Model, modelKind(m), id.Hex()))
				return
			}
		}
	}
	// Following the request from before its payment is confirmed, so no
	// streamed token falls between; a paid request ends by its expiry
	// (settled, or refunded soon after).
	ctx, cancel := context.WithDeadline(r.Context(), time.Unix(int64(rec.Quote.ExpiresAt), 0).Add(2*time.Minute))
	defer cancel()
	sub := d.oaiFollow(ctx, id)
	defer sub.close()
	if rec.State == StateValidated {
		_, err := d.confirm(r.Context(), &pb.ConfirmPaymentRequest{RequestId: id.Bytes()})
		switch {
		case errors.Is(err, ErrNotPaid):
			log.Debug("openai call: payment required", "state", rec.State)
			oaiError(w, http.StatusPaymentRequired, "payment_required", fmt.Sprintf(
				"request %s is priced at %s wei and waits for its payment: pay it into the escrow with the instructions under \"ncn\" "+
					"(approve the token, initiateInferenceRequest), then repeat this call with the header X-NCN-Request-Id: %s",
				id.Hex(), rec.Quote.Amount, id.Hex()), statusBody(d.status(rec)))
			return
		case err != nil:
			oaiErr(w, err)
			return
		}
		if rec, err = d.get(id); err != nil {
			oaiErr(w, err)
			return
		}
	}
	switch rec.State {
	case StateQuoted:
		oaiError(w, http.StatusConflict, "failed_precondition", fmt.Sprintf("request %s is being validated: repeat shortly", id.Hex()), nil)
		return
	case StateReleased, StateCancelled, StateExpiredUnpaid:
		oaiError(w, http.StatusGone, "request_ended", fmt.Sprintf("request %s ended unpaid (%s: %s): nothing was charged; make a new request",
			id.Hex(), rec.State, rec.LastError), statusBody(d.status(rec)))
		return
	}
	log.Debug("openai call: answering", "state", rec.State, "stream", c.stream)
	a := d.oaiAnswer(rec, c)
	if c.stream {
		d.oaiStream(w, rec, c, a, sub)
		return
	}
	var final *pb.InferenceTaskStatus
	for u := range sub.updates {
		if u.Status != nil && stateOf(u.State).Terminal() {
			final = u.Status
		}
	}
	switch {
	case final == nil:
		oaiErr(w, fmt.Errorf("request %s: %w (it goes on: GET /api/v1/inference/%s, or repeat this call)", id.Hex(), sub.err, id.Hex()))
	case final.State != pb.TaskState_TASK_STATE_SETTLED:
		oaiError(w, http.StatusBadGateway, "refunded", fmt.Sprintf("request %s failed after payment and was refunded: %s", id.Hex(), final.Error),
			statusBody(final))
	default:
		writeJSON(w, http.StatusOK, a.whole(final))
	}
}

// oaiSub follows a request for an OpenAI call: its updates, then why it
// ended once updates is closed.
type oaiSub struct {
	updates chan *pb.TaskUpdate
	err     error // valid once updates is closed
	stop    context.CancelFunc
}

// oaiFollow subscribes to a request's updates until it ends, ctx ends or
// close.
func (d *Daemon) oaiFollow(ctx context.Context, id common.Hash) *oaiSub {
	ctx, stop := context.WithCancel(ctx)
	s := &oaiSub{updates: make(chan *pb.TaskUpdate, 64), stop: stop}
	go func() {
		defer close(s.updates)
		s.err = d.subscribe(ctx, &pb.TaskRef{RequestId: id.Bytes()}, func(u *pb.TaskUpdate) error {
			select {
			case s.updates <- u:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	return s
}

// close ends the subscription and waits for it.
func (s *oaiSub) close() {
	s.stop()
	for range s.updates {
	}
}

// oaiMatches checks a call naming a request asks for what the request
// was made with: the same model, and the same input if it carries one.
func (d *Daemon) oaiMatches(rec Record, c *oaiCall) error {
	if c.modelID != "" && (c.subnet != rec.Subnet || c.modelID != rec.Model) {
		return fmt.Errorf("%w: request %s is for model %s of subnet %s, not %s", ErrBadRequest, rec.ID.Hex(), rec.Model, rec.Subnet, c.model)
	}
	if c.input == nil {
		return nil
	}
	td, err := d.taskData(rec.ID)
	if err != nil {
		return err
	}
	if td.InputHash != (common.Hash{}) && td.InputHash != crypto.Keccak256Hash(c.input) {
		what := "prompt differs"
		if c.chat {
			what = "messages differ"
		}
		return fmt.Errorf("%w: the %s from request %s's input: repeat the call it was made with, or drop X-NCN-Request-Id to make a new request",
			ErrBadRequest, what, rec.ID.Hex())
	}
	return nil
}

// oaiAnswer builds a call's answers.
type oaiAnswer struct {
	chat    bool
	id      string
	created int64
	model   string
	usage   oaiUsage
	amount  string
}

func (d *Daemon) oaiAnswer(rec Record, c *oaiCall) *oaiAnswer {
	a := &oaiAnswer{chat: c.chat, model: c.model, amount: rec.Quote.Amount, id: "cmpl-" + strings.TrimPrefix(rec.ID.Hex(), "0x")}
	if c.chat {
		a.id = "chatcmpl-" + strings.TrimPrefix(rec.ID.Hex(), "0x")
	}
	if len(rec.History) > 0 {
		a.created = rec.History[0].At.Unix()
	}
	if td, err := d.taskData(rec.ID); err == nil {
		a.usage = oaiUsage{PromptTokens: td.Features.InputTokens, CompletionTokens: td.Features.OutputTokens,
			TotalTokens: td.Features.InputTokens + td.Features.OutputTokens}
	}
	return a
}

func (a *oaiAnswer) object(chunk bool) string {
	switch {
	case a.chat && chunk:
		return "chat.completion.chunk"
	case a.chat:
		return "chat.completion"
	}
	return "text_completion"
}

func (a *oaiAnswer) ncn(st *pb.InferenceTaskStatus) *oaiNCN {
	b := statusBody(st)
	return &oaiNCN{RequestID: b.RequestID, State: b.State, Amount: a.amount, ComputeNode: b.ComputeNode, ResultHash: b.ResultHash, SettleTx: b.SettleTx}
}

// whole is the answer of a settled request, not streamed.
func (a *oaiAnswer) whole(st *pb.InferenceTaskStatus) *oaiResponse {
	text := strings.ToValidUTF8(string(st.Result), "\uFFFD")
	stop := "stop"
	ch := oaiChoice{Logprobs: jsonNull, FinishReason: &stop}
	if a.chat {
		ch.Message = &oaiOut{Role: "assistant", Content: &text}
	} else {
		ch.Text = &text
	}
	u := a.usage
	return &oaiResponse{ID: a.id, Object: a.object(false), Created: a.created, Model: a.model, Choices: []oaiChoice{ch}, Usage: &u, NCN: a.ncn(st)}
}

// chunk is one streamed piece: text, and finish when it is the last.
func (a *oaiAnswer) chunk(text *string, role string, finish *string) *oaiResponse {
	ch := oaiChoice{Logprobs: jsonNull, FinishReason: finish}
	if a.chat {
		ch.Delta = &oaiOut{Role: role, Content: text}
	} else {
		if text == nil {
			empty := ""
			text = &empty
		}
		ch.Text = text
	}
	return &oaiResponse{ID: a.id, Object: a.object(true), Created: a.created, Model: a.model, Choices: []oaiChoice{ch}}
}

// sseKeepalive is how often a stream with nothing to say sends a comment,
// so proxies and clients do not time it out.
const sseKeepalive = 15 * time.Second

// oaiStream answers a paid request as Server-Sent Events: a chunk per
// streamed token, then what the settled result holds beyond them, the
// last chunk (finish_reason stop, and the network's detail), a usage
// chunk if asked, and [DONE]. A request refunded instead ends with an
// error event.
func (d *Daemon) oaiStream(w http.ResponseWriter, rec Record, c *oaiCall, a *oaiAnswer, sub *oaiSub) {
	fl, _ := w.(http.Flusher)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	event := func(v any) {
		b, _ := json.Marshal(v)
		fmt.Fprintf(w, "data: %s\n\n", b)
		if fl != nil {
			fl.Flush()
		}
	}
	if a.chat {
		empty := ""
		event(a.chunk(&empty, "assistant", nil))
	} else if fl != nil {
		fl.Flush()
	}

	tick := time.NewTicker(sseKeepalive)
	defer tick.Stop()
	var streamed strings.Builder
	var final *pb.InferenceTaskStatus
	for final == nil {
		select {
		case u, ok := <-sub.updates:
			if !ok {
				err := sub.err
				if errors.Is(err, context.Canceled) {
					return // the client went away
				}
				code := codeOf(err)
				event(map[string]any{"error": map[string]any{"message": fmt.Sprintf("request %s: %v (it goes on: GET /api/v1/inference/%s)", rec.ID.Hex(), err, rec.ID.Hex()),
					"type": oaiType(httpStatus(code)), "param": nil, "code": strings.ToLower(codeName(code))}})
				fmt.Fprint(w, "data: [DONE]\n\n")
				return
			}
			switch {
			case u.Status == nil && u.Token != "":
				streamed.WriteString(u.Token)
				t := u.Token
				event(a.chunk(&t, "", nil))
			case u.Status != nil && stateOf(u.State).Terminal():
				final = u.Status
			}
		case <-tick.C:
			fmt.Fprint(w, ": keepalive\n\n")
			if fl != nil {
				fl.Flush()
			}
		}
	}
	if final.State != pb.TaskState_TASK_STATE_SETTLED {
		event(map[string]any{"error": map[string]any{"message": fmt.Sprintf("request %s failed after payment and was refunded: %s", rec.ID.Hex(), final.Error),
			"type": "server_error", "param": nil, "code": "refunded"}, "ncn": statusBody(final)})
		fmt.Fprint(w, "data: [DONE]\n\n")
		return
	}
	result := strings.ToValidUTF8(string(final.Result), "\uFFFD")
	if rest, ok := strings.CutPrefix(result, streamed.String()); ok && rest != "" {
		event(a.chunk(&rest, "", nil))
	} else if !ok {
		// The subnet's postprocess plugin changed the output after it was
		// streamed: the settled result is in ncn and GET /api/v1/inference/{id}.
		d.log.Warn("openai stream: the settled result differs from the streamed tokens", "request_id", rec.ID.Hex())
	}
	stopReason := "stop"
	last := a.chunk(nil, "", &stopReason)
	if a.chat {
		last.Choices[0].Delta = &oaiOut{}
	}
	last.NCN = a.ncn(final)
	event(last)
	if c.usage {
		u := a.usage
		event(&oaiResponse{ID: a.id, Object: a.object(true), Created: a.created, Model: a.model, Choices: []oaiChoice{}, Usage: &u})
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
	if fl != nil {
		fl.Flush()
	}
}
