package gateway

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/ethereum/go-ethereum/common"
	"google.golang.org/grpc/codes"

	"github.com/ncn-network/ncn/host/api/pb"
)

// limiter is a token bucket per caller: rate requests per window, with
// bursts up to rate. Safe for concurrent use.
type limiter struct {
	rate   float64 // tokens per second
	burst  float64
	mu     sync.Mutex
	bucket map[string]*bucket
	swept  time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(n int, per time.Duration) *limiter {
	return &limiter{rate: float64(n) / per.Seconds(), burst: float64(n), bucket: map[string]*bucket{}}
}

// allow takes a token of key's bucket at now, or says how long until one
// is there.
func (l *limiter) allow(key string, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute { // forget callers whose bucket is full again
		for k, b := range l.bucket {
			if b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.burst {
				delete(l.bucket, k)
			}
		}
		l.swept = now
	}
	b, ok := l.bucket[key]
	if !ok {
		b = &bucket{tokens: l.burst, at: now}
		l.bucket[key] = b
	}
	b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	return time.Duration((1 - b.tokens) / l.rate * float64(time.Second)), false
}

// httpStatus is the HTTP status of a gRPC code.
func httpStatus(c codes.Code) int {
	switch c {
	case codes.OK:
		return http.StatusOK
	case codes.InvalidArgument, codes.OutOfRange:
		return http.StatusBadRequest
	case codes.NotFound:
		return http.StatusNotFound
	case codes.AlreadyExists, codes.Aborted, codes.FailedPrecondition:
		return http.StatusConflict
	case codes.PermissionDenied:
		return http.StatusForbidden
	case codes.Unauthenticated:
		return http.StatusUnauthorized
	case codes.ResourceExhausted:
		return http.StatusTooManyRequests
	case codes.Unavailable:
		return http.StatusServiceUnavailable
	case codes.DeadlineExceeded:
		return http.StatusGatewayTimeout
	case codes.Unimplemented:
		return http.StatusNotImplemented
	case codes.Canceled:
		return 499
	}
	return http.StatusInternalServerError
}

// httpInference is the JSON body of POST /api/v1/inference.
type httpInference struct {
	Subnet         string          `json:"subnet"`
	Model          string          `json:"model"`
	Input          *string         `json:"input,omitempty"`        // text input
	InputBase64    string          `json:"input_base64,omitempty"` // or binary input
	Params         json.RawMessage `json:"params,omitempty"`       // a JSON object
	Client         string          `json:"client"`
	QuoteID        string          `json:"quote_id,omitempty"`
	IdempotencyKey string          `json:"idempotency_key,omitempty"` // or the Idempotency-Key header
	Stream         bool            `json:"stream,omitempty"`
}

// httpStatusBody is a request's status as the HTTP API shows it: ids,
// hashes and signatures as 0x hex, amounts as decimal strings.
type httpStatusBody struct {
	RequestID    string       `json:"request_id"`
	State        string       `json:"state"`
	Payment      *httpPayment `json:"payment,omitempty"`
	ComputeNode  string       `json:"compute_node,omitempty"`
	Result       *string      `json:"result,omitempty"`        // the result, when it is UTF-8
	ResultBase64 string       `json:"result_base64,omitempty"` // the result, when it is not
	ResultHash   string       `json:"result_hash,omitempty"`
	ExecMillis   uint64       `json:"exec_millis,omitempty"`
	Error        string       `json:"error,omitempty"`
	InitiateTx   string       `json:"initiate_tx,omitempty"`
	SettleTx     string       `json:"settle_tx,omitempty"`
	UpdatedMs    int64        `json:"updated_unix_ms"`
}

type httpPayment struct {
	RequestID  string          `json:"request_id"`
	Tree       *pb.PaymentTree `json:"tree"`
	Amount     string          `json:"amount"`
	ExpiresAt  uint64          `json:"expires_at"`
	ConfigHash string          `json:"config_hash"`
	SubnetID   string          `json:"subnet_id"`
	ModelID    string          `json:"model_id"`
	Signatures []httpSignature `json:"signatures"`
	Escrow     string          `json:"escrow"`
	Token      string          `json:"token"`
	ChainID    uint64          `json:"chain_id"`
}

type httpSignature struct {
	Validator string `json:"validator"`
	Signature string `json:"signature"`
}

func hex0x(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return "0x" + hex.EncodeToString(b)
}

func statusBody(st *pb.InferenceTaskStatus) *httpStatusBody {
	out := &httpStatusBody{
		RequestID: hex0x(st.RequestId), State: strings.TrimPrefix(st.State.String(), "TASK_STATE_"), ComputeNode: st.ComputeNode,
		ResultHash: hex0x(st.ResultHash), ExecMillis: st.ExecMillis, Error: st.Error, InitiateTx: st.InitiateTx,
		SettleTx: st.SettleTx, UpdatedMs: st.UpdatedUnixMs,
	}
	if len(st.Result) > 0 {
		if utf8.Valid(st.Result) {
			s := string(st.Result)
			out.Result = &s
		} else {
			out.ResultBase64 = base64.StdEncoding.EncodeToString(st.Result)
		}
	}
	if p := st.Payment; p != nil {
		hp := &httpPayment{RequestID: hex0x(p.RequestId), Tree: p.Tree, Amount: p.Amount, ExpiresAt: p.ExpiresAt,
			ConfigHash: hex0x(p.ConfigHash), SubnetID: p.SubnetId, ModelID: p.ModelId, Escrow: p.Escrow, Token: p.Token, ChainID: p.ChainId}
		for _, s := range p.Signatures {
			hp.Signatures = append(hp.Signatures, httpSignature{Validator: s.Validator, Signature: hex0x(s.Signature)})
		}
		out.Payment = hp
	}
	return out
}

// httpHandler serves the HTTP API.
func (d *Daemon) httpHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/inference", d.httpSubmit)
	mux.HandleFunc("GET /api/v1/inference/{id}", d.httpGet)
	mux.HandleFunc("POST /v1/completions", func(w http.ResponseWriter, r *http.Request) { d.oaiServe(w, r, false) })
	mux.HandleFunc("POST /v1/chat/completions", func(w http.ResponseWriter, r *http.Request) { d.oaiServe(w, r, true) })
	mux.HandleFunc("GET /v1/models", d.oaiModels)
	health := func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "gateway": d.self})
	}
	mux.HandleFunc("GET /health", health)
	mux.HandleFunc("GET /healthz", health)
	mux.HandleFunc("GET /readyz", d.httpReady)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("no route %s %s: the API is POST /api/v1/inference, GET /api/v1/inference/{id}, GET /health; "+
			"OpenAI-compatible: POST /v1/completions, POST /v1/chat/completions, GET /v1/models", r.Method, r.URL.Path))
	})
	return mux
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, code int, name, msg string) {
	writeJSON(w, code, map[string]any{"error": map[string]any{"code": name, "message": msg, "status": code}})
}

// writeErr writes a gateway error as JSON with the status of its code.
func writeErr(w http.ResponseWriter, err error) {
	c := codeOf(err)
	writeError(w, httpStatus(c), codeName(c), err.Error())
}

// codeName is a gRPC code's canonical name: NOT_FOUND, DEADLINE_EXCEEDED.
func codeName(c codes.Code) string {
	var b strings.Builder
	for i, r := range c.String() {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
		}
		b.WriteRune(r)
	}
	return strings.ToUpper(b.String())
}

func clientIP(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// allowHTTP takes a token of the client IP's HTTP inference budget, or
// answers 429 with Retry-After through fail and reports false.
func (d *Daemon) allowHTTP(w http.ResponseWriter, r *http.Request, fail func(code int, name, msg string)) bool {
	wait, ok := d.httpLimit.allow(clientIP(r), time.Now())
	if ok {
		return true
	}
	d.metrics.rejected(rejectRateLimited)
	secs := int(math.Ceil(wait.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	fail(http.StatusTooManyRequests, "RESOURCE_EXHAUSTED",
		fmt.Sprintf("more than %d inference requests a minute from your address: retry in %d s", d.cfg.HTTPInferencePerMinute, secs))
	return false
}

// bodyError is a request body refused: the HTTP status, the canonical
// code and what to do.
type bodyError struct {
	status    int
	code, msg string
}

// readJSON decodes a request's body into v, what the route takes: one
// JSON object of at most MaxBodyBytes, and with strict no field v lacks.
// A refusal is counted as bad input.
func (d *Daemon) readJSON(w http.ResponseWriter, r *http.Request, v any, what string, strict bool) *bodyError {
	r.Body = http.MaxBytesReader(w, r.Body, d.cfg.MaxBodyBytes)
	dec := json.NewDecoder(r.Body)
	if strict {
		dec.DisallowUnknownFields()
	}
	var e *bodyError
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			e = &bodyError{http.StatusRequestEntityTooLarge, "RESOURCE_EXHAUSTED", fmt.Sprintf("request body over %d bytes", d.cfg.MaxBodyBytes)}
		} else {
			e = &bodyError{http.StatusBadRequest, "INVALID_ARGUMENT", "the body is not the " + what + ": " + err.Error()}
		}
	} else if dec.More() {
		e = &bodyError{http.StatusBadRequest, "INVALID_ARGUMENT", "data after the JSON object"}
	}
	if e != nil {
		d.metrics.rejected(rejectBadInput)
	}
	return e
}

// request is the submission an inference JSON object asks for;
// idempotencyKey is used when the object names none (the
// Idempotency-Key header).
func (in *httpInference) request(idempotencyKey string) (*pb.InferenceRequest, error) {
	req := &pb.InferenceRequest{QuoteId: in.QuoteID, Client: in.Client, Subnet: in.Subnet, Model: in.Model,
		IdempotencyKey: in.IdempotencyKey, Stream: in.Stream}
	if req.IdempotencyKey == "" {
		req.IdempotencyKey = idempotencyKey
	}
	switch {
	case in.Input != nil && in.InputBase64 != "":
		return nil, fmt.Errorf("%w: give input or input_base64, not both", ErrBadRequest)
	case in.Input != nil:
		req.Input = []byte(*in.Input)
	default:
		b, err := base64.StdEncoding.DecodeString(in.InputBase64)
		if err != nil {
			return nil, fmt.Errorf("%w: input_base64 is not base64: %v", ErrBadRequest, err)
		}
		req.Input = b
	}
	if len(in.Params) > 0 && string(in.Params) != "null" {
		req.Params = in.Params
	}
	return req, nil
}

func (d *Daemon) httpSubmit(w http.ResponseWriter, r *http.Request) {
	fail := func(code int, name, msg string) { writeError(w, code, name, msg) }
	if !d.allowHTTP(w, r, fail) {
		return
	}
	var in httpInference
	if e := d.readJSON(w, r, &in, "inference JSON object", true); e != nil {
		fail(e.status, e.code, e.msg)
		return
	}
	req, err := in.request(r.Header.Get("Idempotency-Key"))
	if err != nil {
		d.metrics.reject(err)
		writeErr(w, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), time.Minute)
	defer cancel()
	st, err := d.submit(ctx, req)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, statusBody(st))
}

func (d *Daemon) httpGet(w http.ResponseWriter, r *http.Request) {
	s := strings.TrimPrefix(r.PathValue("id"), "0x")
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "the request id is 32 bytes of hex")
		return
	}
	st, err := d.getStatus(r.Context(), &pb.TaskRef{RequestId: common.BytesToHash(b).Bytes()})
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, statusBody(st))
}

// httpReady is /readyz on the HTTP port: ready as d.ready says.
func (d *Daemon) httpReady(w http.ResponseWriter, r *http.Request) {
	if err := d.ready(r.Context()); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "not ready", "problems": strings.Split(err.Error(), "\n")})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// ready is the readiness check: the gateway is registered and every
// configured subnet can be quoted.
func (d *Daemon) ready(context.Context) error {
	var problems []error
	select {
	case <-d.registered:
	default:
		problems = append(problems, errors.New("not registered at the registry"))
	}
	for _, s := range d.cfg.Subnets {
		st, ok := d.book.get(s)
		switch {
		case !ok:
			problems = append(problems, errors.New("subnet "+s+" not loaded"))
		case st.err != nil:
			problems = append(problems, st.err)
		}
	}
	return errors.Join(problems...)
}
