package abi

import (
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strings"
)

// Limits on documents, checked by Validate on both sides of the boundary.
const (
	MaxCandidates   = 1024
	MaxIDLen        = 128
	MaxCapabilities = 32
	MaxStringLen    = 255
	MaxParams       = 64
)

// Purpose of a selection: what the candidates are.
const (
	PurposeCompute   = "compute"
	PurposeValidator = "validator"
)

// Candidate is one node a select plugin may rank.
type Candidate struct {
	ID           string   `json:"id"`                     // node id (address or peer id), unique in the input
	Stake        uint64   `json:"stake"`                  // whole tokens staked
	Reputation   uint32   `json:"reputation"`             // 0..100
	SuccessBps   uint32   `json:"successBps"`             // success rate in basis points, 0..10000
	LatencyMs    uint32   `json:"latencyMs"`              // recent median latency
	Load         uint32   `json:"load"`                   // busy slots in percent, 0..100
	Price        string   `json:"price,omitempty"`        // the node's asking price in wei, decimal
	Capabilities []string `json:"capabilities,omitempty"` // e.g. "gpu", "model:digits"
}

// SelectInput asks a select plugin to rank candidates.
type SelectInput struct {
	Version int `json:"version"`
	// Strategy names the ranking, for modules that export several
	// ("random", "reputation", "stake", "performance", "weighted").
	Strategy string `json:"strategy"`
	Purpose  string `json:"purpose"` // PurposeCompute or PurposeValidator
	// Seed is derived from the request id: the only randomness a plugin
	// may use, so that every node computes the same ranking.
	Seed Seed `json:"seed"`
	// Count is how many to return; 0 ranks all.
	Count      int         `json:"count"`
	Candidates []Candidate `json:"candidates"`
}

// SelectOutput is the ranking: candidate ids, best first, no repeats, each
// from the input.
type SelectOutput struct {
	Version int      `json:"version"`
	IDs     []string `json:"ids"`
}

// PriceInput is what a price plugin prices.
type PriceInput struct {
	Version         int               `json:"version"`
	Subnet          string            `json:"subnet"`
	Model           string            `json:"model"`
	InputTokens     uint64            `json:"inputTokens"`
	OutputTokens    uint64            `json:"outputTokens"`
	EstimatedMillis uint64            `json:"estimatedMillis"`
	Params          map[string]string `json:"params,omitempty"` // the subnet's pricing parameters
}

// PriceOutput is a payment tree in wei, decimal strings. The host sums it
// into the fee.
type PriceOutput struct {
	Version    int    `json:"version"`
	Compute    string `json:"compute"`
	Gateway    string `json:"gateway"`
	Validators string `json:"validators"`
	Treasury   string `json:"treasury"`
}

// PreprocessInput is a request's input before it is dispatched.
type PreprocessInput struct {
	Version int               `json:"version"`
	Model   string            `json:"model"`
	Input   []byte            `json:"input"` // base64 in JSON
	Params  map[string]string `json:"params,omitempty"`
}

// PreprocessOutput accepts (possibly transformed) or rejects the input.
type PreprocessOutput struct {
	Version int    `json:"version"`
	Accept  bool   `json:"accept"`
	Input   []byte `json:"input,omitempty"`  // the input to dispatch, when accepted
	Reason  string `json:"reason,omitempty"` // why not, when rejected
}

// PostprocessInput is a result before it goes back to the client.
type PostprocessInput struct {
	Version int               `json:"version"`
	Model   string            `json:"model"`
	Output  []byte            `json:"output"`
	Params  map[string]string `json:"params,omitempty"`
}

// PostprocessOutput is the transformed result.
type PostprocessOutput struct {
	Version int    `json:"version"`
	Output  []byte `json:"output"`
}

// Seed is 32 bytes derived from a request id; hex in JSON.
type Seed [32]byte

// MarshalJSON writes the seed as 0x-prefixed hex.
func (s Seed) MarshalJSON() ([]byte, error) {
	return json.Marshal(fmt.Sprintf("0x%x", s[:]))
}

// UnmarshalJSON reads 0x-prefixed hex of 32 bytes.
func (s *Seed) UnmarshalJSON(b []byte) error {
	var str string
	if err := json.Unmarshal(b, &str); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	str = strings.TrimPrefix(str, "0x")
	if len(str) != 64 {
		return fmt.Errorf("seed: want 32 bytes of hex, got %d characters", len(str))
	}
	for i := 0; i < 32; i++ {
		hi, ok1 := unhex(str[2*i])
		lo, ok2 := unhex(str[2*i+1])
		if !ok1 || !ok2 {
			return fmt.Errorf("seed: bad hex %q", str[2*i:2*i+2])
		}
		s[i] = hi<<4 | lo
	}
	return nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// Uint64 is the seed's first 8 bytes, big-endian: a ready PRNG seed.
func (s Seed) Uint64() uint64 {
	var v uint64
	for _, b := range s[:8] {
		v = v<<8 | uint64(b)
	}
	return v
}

// Validate checks a select input's shape and limits.
func (in *SelectInput) Validate() error {
	if in.Version != Version {
		return Errorf(CodeUnsupportedVersion, "select input version %d, want %d", in.Version, Version)
	}
	if in.Purpose != PurposeCompute && in.Purpose != PurposeValidator {
		return Errorf(CodeInvalidInput, "purpose %q, want %q or %q", in.Purpose, PurposeCompute, PurposeValidator)
	}
	if len(in.Strategy) > MaxStringLen {
		return Errorf(CodeInvalidInput, "strategy longer than %d bytes", MaxStringLen)
	}
	if in.Count < 0 || in.Count > MaxCandidates {
		return Errorf(CodeInvalidInput, "count %d out of range 0..%d", in.Count, MaxCandidates)
	}
	if len(in.Candidates) > MaxCandidates {
		return Errorf(CodeInvalidInput, "%d candidates, at most %d", len(in.Candidates), MaxCandidates)
	}
	for i, c := range in.Candidates {
		switch {
		case c.ID == "" || len(c.ID) > MaxIDLen:
			return Errorf(CodeInvalidInput, "candidate %d: id must be 1..%d bytes", i, MaxIDLen)
		case c.Reputation > 100 || c.Load > 100 || c.SuccessBps > 10000:
			return Errorf(CodeInvalidInput, "candidate %q: reputation/load/successBps out of range", c.ID)
		case len(c.Capabilities) > MaxCapabilities:
			return Errorf(CodeInvalidInput, "candidate %q: more than %d capabilities", c.ID, MaxCapabilities)
		case c.Price != "" && (!isDecimal(c.Price) || len(c.Price) > 78):
			return Errorf(CodeInvalidInput, "candidate %q: price %q is not a decimal amount", c.ID, c.Price)
		}
		for _, cp := range c.Capabilities {
			if cp == "" || len(cp) > MaxStringLen {
				return Errorf(CodeInvalidInput, "candidate %q: bad capability", c.ID)
			}
		}
	}
	// Duplicates by sorting a copy of the ids: no map, cheap in WebAssembly.
	ids := make([]string, len(in.Candidates))
	for i, c := range in.Candidates {
		ids[i] = c.ID
	}
	slices.Sort(ids)
	for i := 1; i < len(ids); i++ {
		if ids[i] == ids[i-1] {
			return Errorf(CodeInvalidInput, "duplicate candidate id %q", ids[i])
		}
	}
	return nil
}

// Check validates a ranking against the input it answers: known ids, no
// repeats, no more than asked for.
func (out *SelectOutput) Check(in *SelectInput) error {
	if out.Version != Version {
		return Errorf(CodeBadOutput, "select output version %d, want %d", out.Version, Version)
	}
	want := len(in.Candidates)
	if in.Count > 0 && in.Count < want {
		want = in.Count
	}
	if len(out.IDs) > want {
		return Errorf(CodeBadOutput, "%d ids, at most %d", len(out.IDs), want)
	}
	known := make(map[string]bool, len(in.Candidates))
	for _, c := range in.Candidates {
		known[c.ID] = true
	}
	seen := make(map[string]bool, len(out.IDs))
	for _, id := range out.IDs {
		if !known[id] {
			return Errorf(CodeBadOutput, "unknown id %q", id)
		}
		if seen[id] {
			return Errorf(CodeBadOutput, "id %q ranked twice", id)
		}
		seen[id] = true
	}
	return nil
}

// Validate checks a price input.
func (in *PriceInput) Validate() error {
	if in.Version != Version {
		return Errorf(CodeUnsupportedVersion, "price input version %d, want %d", in.Version, Version)
	}
	if in.Subnet == "" || in.Model == "" || len(in.Subnet) > MaxStringLen || len(in.Model) > MaxStringLen {
		return Errorf(CodeInvalidInput, "subnet and model must be 1..%d bytes", MaxStringLen)
	}
	if len(in.Params) > MaxParams {
		return Errorf(CodeInvalidInput, "more than %d params", MaxParams)
	}
	return nil
}

// Amounts parses the tree; every amount must be a non-negative decimal.
func (out *PriceOutput) Amounts() (compute, gateway, validators, treasury *big.Int, err error) {
	if out.Version != Version {
		return nil, nil, nil, nil, Errorf(CodeBadOutput, "price output version %d, want %d", out.Version, Version)
	}
	parse := func(name, s string) (*big.Int, error) {
		if !isDecimal(s) || len(s) > 78 {
			return nil, Errorf(CodeBadOutput, "%s amount %q is not a decimal of at most 78 digits", name, s)
		}
		v, _ := new(big.Int).SetString(s, 10)
		return v, nil
	}
	if compute, err = parse("compute", out.Compute); err != nil {
		return
	}
	if gateway, err = parse("gateway", out.Gateway); err != nil {
		return
	}
	if validators, err = parse("validators", out.Validators); err != nil {
		return
	}
	treasury, err = parse("treasury", out.Treasury)
	return
}

func isDecimal(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) == 1 || s[0] != '0'
}
