package gateway_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/ncn-network/ncn/chain"
)

// TestHTTP: one paid request over the HTTP API — POST, pay on chain
// without ConfirmPayment (the gateway's watcher sees the deposit), GET
// until settled — and the API's limits and errors: a retry with the same
// key, a malformed body, an oversized one, an unknown model, the per-IP
// rate limit with Retry-After, unknown routes and ids; health and
// readiness.
func TestHTTP(t *testing.T) {
	h := newHarness(t)
	cfg := h.gatewayConfig(t.TempDir())
	cfg.HTTPInferencePerMinute = 5
	cfg.MaxBodyBytes = 64 << 10
	d := h.startGateway(t, cfg)
	startCompute(t, h, func() string { return d.GRPCAddr }, answerLabel)
	base := "http://" + d.HTTPAddr
	env := h.env
	client := strings.ToLower(env.Client.Addr.Hex())

	type apiError struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	type sig struct{ Validator, Signature string }
	type status struct {
		RequestID string  `json:"request_id"`
		State     string  `json:"state"`
		Result    *string `json:"result"`
		Error     string  `json:"error"`
		Payment   *struct {
			Tree struct {
				ComputeNode     string `json:"compute_node"`
				ComputeAmount   string `json:"compute_amount"`
				Gateway         string `json:"gateway"`
				GatewayAmount   string `json:"gateway_amount"`
				ValidatorAmount string `json:"validator_amount"`
				TreasuryAmount  string `json:"treasury_amount"`
			} `json:"tree"`
			ExpiresAt  uint64 `json:"expires_at"`
			ConfigHash string `json:"config_hash"`
			SubnetID   string `json:"subnet_id"`
			ModelID    string `json:"model_id"`
			Signatures []sig  `json:"signatures"`
		} `json:"payment"`
	}
	do := func(method, path, body string, header ...string) (int, http.Header, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, b
	}
	wantError := func(what string, code int, gotCode int, body []byte, name, mention string) {
		t.Helper()
		var e apiError
		if gotCode != code || json.Unmarshal(body, &e) != nil || e.Error.Code != name || !strings.Contains(e.Error.Message, mention) {
			t.Errorf("%s: %d %s, want %d %s mentioning %q", what, gotCode, body, code, name, mention)
			return
		}
		t.Logf("%s: %d %s", what, gotCode, e.Error.Message)
	}

	for _, p := range []string{"/health", "/healthz", "/readyz"} {
		if code, _, body := do("GET", p, ""); code != http.StatusOK {
			t.Errorf("GET %s: %d %s", p, code, body)
		}
	}

	body := fmt.Sprintf(`{"subnet":%q,"model":%q,"input":"a picture of a seven","client":%q}`, subnet, model, client)
	code, _, out := do("POST", "/api/v1/inference", body, "Idempotency-Key", "web-1")
	var st status
	if code != http.StatusOK || json.Unmarshal(out, &st) != nil || st.State != "AWAITING_PAYMENT" || st.Payment == nil || len(st.Payment.Signatures) != 3 {
		t.Fatalf("POST: %d %s", code, out)
	}
	code, _, out = do("POST", "/api/v1/inference", body, "Idempotency-Key", "web-1")
	var again status
	if code != http.StatusOK || json.Unmarshal(out, &again) != nil || again.RequestID != st.RequestID {
		t.Fatalf("retry: %d %s", code, out)
	}

	// Pay from the JSON, as a web client would; no confirmation.
	p := st.Payment
	wei := func(s string) *big.Int { v, _ := new(big.Int).SetString(s, 10); return v }
	pay := chain.Payment{RequestID: common.HexToHash(st.RequestID), SubnetID: common.HexToHash(p.SubnetID), ModelID: common.HexToHash(p.ModelID),
		ConfigHash: common.HexToHash(p.ConfigHash), ExpiresAt: p.ExpiresAt,
		Tree: chain.PaymentTree{ComputeNode: common.HexToAddress(p.Tree.ComputeNode), ComputeAmount: wei(p.Tree.ComputeAmount),
			Gateway: common.HexToAddress(p.Tree.Gateway), GatewayAmount: wei(p.Tree.GatewayAmount),
			ValidatorAmount: wei(p.Tree.ValidatorAmount), TreasuryAmount: wei(p.Tree.TreasuryAmount)}}
	for _, s := range p.Signatures {
		b, err := hex.DecodeString(strings.TrimPrefix(s.Signature, "0x"))
		if err != nil {
			t.Fatal(err)
		}
		pay.Signatures = append(pay.Signatures, b)
	}
	if _, err := env.Client.Escrow.Initiate(context.Background(), pay); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, func() error {
		code, _, out := do("GET", "/api/v1/inference/"+st.RequestID, "")
		var got status
		if code != http.StatusOK || json.Unmarshal(out, &got) != nil {
			return fmt.Errorf("GET: %d %s", code, out)
		}
		if got.State != "SETTLED" {
			return fmt.Errorf("state %s %s", got.State, got.Error)
		}
		if got.Result == nil || *got.Result != string(label) {
			t.Fatalf("settled without the result: %s", out)
		}
		return nil
	})

	code, _, out = do("POST", "/api/v1/inference", `{"subnet": "x", "model": `)
	wantError("malformed JSON", http.StatusBadRequest, code, out, "INVALID_ARGUMENT", "not the inference JSON")
	big := fmt.Sprintf(`{"subnet":%q,"model":%q,"input":%q,"client":%q}`, subnet, model, strings.Repeat("x", 70<<10), client)
	code, _, out = do("POST", "/api/v1/inference", big)
	wantError("oversized body", http.StatusRequestEntityTooLarge, code, out, "RESOURCE_EXHAUSTED", "over 65536 bytes")
	code, _, out = do("POST", "/api/v1/inference", strings.Replace(body, model, "gpt-0", 1))
	wantError("unknown model", http.StatusNotFound, code, out, "NOT_FOUND", "no model")
	code, hdr, out := do("POST", "/api/v1/inference", body)
	wantError("rate limit", http.StatusTooManyRequests, code, out, "RESOURCE_EXHAUSTED", "5 inference requests a minute")
	if ra := hdr.Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("429 without Retry-After: %q", ra)
	}
	code, _, out = do("GET", "/api/v1/inference/0x"+strings.Repeat("ab", 32), "")
	wantError("unknown id", http.StatusNotFound, code, out, "NOT_FOUND", "unknown request")
	code, _, out = do("GET", "/api/v1/inference/xyz", "")
	wantError("bad id", http.StatusBadRequest, code, out, "INVALID_ARGUMENT", "32 bytes")
	code, _, out = do("GET", "/v2/nothing", "")
	wantError("unknown route", http.StatusNotFound, code, out, "NOT_FOUND", "POST /api/v1/inference")
}
