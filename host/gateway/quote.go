package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"google.golang.org/protobuf/proto"

	"github.com/ncn-network/ncn/abi"
	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/plugins"
)

// Limits on a request's fields, besides the configured input size.
const (
	maxParamsBytes = 64 << 10 // the request's params JSON, as validators limit it
	maxQuotes      = 100_000  // quotes remembered at once
)

// QuoteDigest is what a gateway signs over a quote: EIP-191 over
// keccak256 of "ncn/quote/v1\n" and the quote's deterministic protobuf
// encoding with the signature cleared.
func QuoteDigest(q *pb.FeeQuote) (common.Hash, error) {
	c := proto.Clone(q).(*pb.FeeQuote)
	c.Signature = nil
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(c)
	if err != nil {
		return common.Hash{}, err
	}
	return common.BytesToHash(accounts.TextHash(crypto.Keccak256([]byte("ncn/quote/v1\n"), b))), nil
}

// VerifyQuote returns the gateway that signed q, and checks it is the one
// q names.
func VerifyQuote(q *pb.FeeQuote) (common.Address, error) {
	h, err := QuoteDigest(q)
	if err != nil {
		return common.Address{}, err
	}
	signer, err := chain.Recover(h, q.Signature)
	if err != nil {
		return common.Address{}, err
	}
	if !common.IsHexAddress(q.Gateway) || common.HexToAddress(q.Gateway) != signer {
		return signer, fmt.Errorf("quote names gateway %s but is signed by %s", q.Gateway, strings.ToLower(signer.Hex()))
	}
	return signer, nil
}

// quoted is a quote the gateway issued, with what it was priced from.
type quoted struct {
	quote    *pb.FeeQuote
	features abi.PriceInput // the request's features only: what validators are sent
	client   string         // the payer it was asked for, "" for anyone
	expires  time.Time
}

// quoteCache remembers issued quotes until a while after they expire, so
// an expired quote is told apart from an unknown one.
type quoteCache struct {
	mu sync.Mutex
	m  map[string]*quoted
}

func (c *quoteCache) put(q *quoted) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]*quoted{}
	}
	if len(c.m) >= maxQuotes {
		c.purgeLocked(time.Now())
		if len(c.m) >= maxQuotes {
			return fmt.Errorf("%w: %d quotes outstanding", ErrRateLimited, len(c.m))
		}
	}
	c.m[q.quote.QuoteId] = q
	return nil
}

func (c *quoteCache) get(id string) (*quoted, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	q, ok := c.m[id]
	return q, ok
}

// purge forgets quotes expired for longer than their lifetime.
func (c *quoteCache) purge(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.purgeLocked(now)
}

func (c *quoteCache) purgeLocked(now time.Time) {
	for id, q := range c.m {
		if now.After(q.expires.Add(10 * time.Minute)) {
			delete(c.m, id)
		}
	}
}

// parseParams checks a request's params: empty, or a JSON object of at
// most maxParamsBytes, as validators check them.
func parseParams(b []byte) (map[string]json.RawMessage, error) {
	if len(b) == 0 {
		return nil, nil
	}
	var obj map[string]json.RawMessage
	if len(b) > maxParamsBytes || json.Unmarshal(b, &obj) != nil || obj == nil {
		return nil, fmt.Errorf("%w: params must be a JSON object of at most %d bytes", ErrBadRequest, maxParamsBytes)
	}
	return obj, nil
}

// features are what a request is priced from, the part of abi.PriceInput
// that validators take from the gateway (they set the subnet, model and
// parameters themselves): input tokens estimated as a quarter of the input
// bytes, rounded up; output tokens from the request's max_tokens (default
// 1); the estimated time from the subnet's estimated_millis parameter
// (default 0).
func features(subnetParams map[string]string, input []byte, params map[string]json.RawMessage) (abi.PriceInput, error) {
	in := abi.PriceInput{InputTokens: (uint64(len(input)) + 3) / 4, OutputTokens: 1}
	if raw, ok := params["max_tokens"]; ok {
		n, err := strconv.ParseUint(string(raw), 10, 32)
		if err != nil || n == 0 {
			return in, fmt.Errorf("%w: max_tokens must be a positive integer, got %s", ErrBadRequest, raw)
		}
		in.OutputTokens = n
	}
	if s := subnetParams["estimated_millis"]; s != "" {
		if n, err := strconv.ParseUint(s, 10, 32); err == nil {
			in.EstimatedMillis = n
		}
	}
	return in, nil
}

// priceJSON is the price input validators are sent: the features only.
func priceJSON(f abi.PriceInput) []byte {
	b, _ := json.Marshal(abi.PriceInput{InputTokens: f.InputTokens, OutputTokens: f.OutputTokens, EstimatedMillis: f.EstimatedMillis})
	return b
}

// quoteRequest is what a quote is asked for.
type quoteRequest struct {
	subnet, model, client string
	input, params         []byte
}

// quote prices a request with the subnet's price plugin, as validators
// will rerun it, and signs the quote.
func (d *Daemon) quote(ctx context.Context, r quoteRequest) (*quoted, error) {
	start := time.Now()
	if r.client != "" && !common.IsHexAddress(r.client) {
		return nil, fmt.Errorf("%w: client %q is not an address", ErrBadRequest, r.client)
	}
	if len(r.input) > d.cfg.MaxInputBytes {
		return nil, fmt.Errorf("%w: input of %d bytes, the limit is %d", ErrBadRequest, len(r.input), d.cfg.MaxInputBytes)
	}
	params, err := parseParams(r.params)
	if err != nil {
		return nil, err
	}
	if r.model == "" {
		return nil, fmt.Errorf("%w: no model", ErrBadRequest)
	}
	st, h, err := d.acquire(ctx, r.subnet)
	if err != nil {
		return nil, err
	}
	defer h.Release()
	if _, ok := st.models[r.model]; !ok {
		return nil, fmt.Errorf("%w: subnet %s has no model %q (GetSupportedModels lists them)", ErrUnknownModel, r.subnet, r.model)
	}
	f, err := features(h.Params(), r.input, params)
	if err != nil {
		return nil, err
	}
	out, err := price(ctx, h, r.subnet, r.model, f)
	if err != nil {
		return nil, err
	}
	c, g, v, t, err := out.Amounts()
	if err != nil {
		return nil, fmt.Errorf("%w: price plugin of subnet %s: %v", ErrSubnetNotReady, r.subnet, err)
	}
	total := new(big.Int).Add(c, g)
	total.Add(total, v).Add(total, t)
	if total.Sign() == 0 {
		return nil, fmt.Errorf("%w: the price plugin of subnet %s prices this request at zero", ErrSubnetNotReady, r.subnet)
	}
	cfg, _ := hex.DecodeString(h.ConfigHash())
	var idb [16]byte
	rand.Read(idb[:])
	expires := time.Now().Add(d.cfg.QuoteTTL)
	q := &pb.FeeQuote{
		QuoteId: hex.EncodeToString(idb[:]), Subnet: r.subnet, Model: r.model, Amount: total.String(),
		Tree:       &pb.PaymentTree{ComputeAmount: c.String(), GatewayAmount: g.String(), ValidatorAmount: v.String(), TreasuryAmount: t.String()},
		ConfigHash: cfg, ExpiresAt: uint64(expires.Unix()), Gateway: d.self,
	}
	digest, err := QuoteDigest(q)
	if err != nil {
		return nil, err
	}
	if q.Signature, err = chain.Sign(d.cfg.Key, digest); err != nil {
		return nil, err
	}
	e := &quoted{quote: q, features: f, client: strings.ToLower(r.client), expires: expires}
	if err := d.quotes.put(e); err != nil {
		return nil, err
	}
	d.metrics.observe(stageQuote, start)
	return e, nil
}

// price runs the subnet's price plugin on f as a validator does.
func price(ctx context.Context, h *plugins.Handle, subnet, model string, f abi.PriceInput) (*abi.PriceOutput, error) {
	p, err := h.Plugin(abi.KindPrice)
	if err != nil {
		return nil, fmt.Errorf("%w: subnet %s has no price plugin: %v", ErrSubnetNotReady, subnet, err)
	}
	in := f
	in.Version, in.Subnet, in.Model, in.Params = abi.Version, subnet, model, h.Params()
	out, _, err := p.Price(ctx, &in)
	if err != nil {
		return nil, fmt.Errorf("%w: price plugin of subnet %s: %v", ErrSubnetNotReady, subnet, err)
	}
	return out, nil
}

// checkQuote finds a quote a submission names and checks it still holds
// for what is submitted, priced at the config hash in force.
func (d *Daemon) checkQuote(id string, r quoteRequest, f abi.PriceInput, configHash string) (*quoted, error) {
	q, ok := d.quotes.get(id)
	if !ok {
		return nil, fmt.Errorf("%w: %q was not issued by this gateway, or before it restarted: ask EstimateFee for a new one", ErrUnknownQuote, id)
	}
	switch {
	case time.Now().After(q.expires):
		return nil, fmt.Errorf("%w: quote %s expired at %s: ask EstimateFee for a new one", ErrQuoteExpired, id, q.expires.UTC().Format(time.RFC3339))
	case q.quote.Subnet != r.subnet || q.quote.Model != r.model:
		return nil, fmt.Errorf("%w: quote %s is for model %s in subnet %s", ErrBadRequest, id, q.quote.Model, q.quote.Subnet)
	case q.client != "" && q.client != strings.ToLower(r.client):
		return nil, fmt.Errorf("%w: quote %s was made for client %s", ErrBadRequest, id, q.client)
	case q.features.InputTokens != f.InputTokens || q.features.OutputTokens != f.OutputTokens || q.features.EstimatedMillis != f.EstimatedMillis:
		return nil, fmt.Errorf("%w: the input or params differ from the quoted ones (%d input and %d output tokens quoted, %d and %d submitted): quote them again",
			ErrBadRequest, q.features.InputTokens, q.features.OutputTokens, f.InputTokens, f.OutputTokens)
	case hex.EncodeToString(q.quote.ConfigHash) != configHash:
		return nil, fmt.Errorf("%w: quote %s was priced at config %x, subnet %s is now at %s: ask EstimateFee for a new one",
			ErrStaleQuote, id, q.quote.ConfigHash, r.subnet, configHash)
	}
	return q, nil
}
