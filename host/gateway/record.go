package gateway

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/big"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// Record is everything the ledger keeps about one request. The ledger owns
// ID, IdempotencyKey, ParamsHash, State, History and Version; the gateway
// fills in the rest through Create and the mutate function of Transition
// and Update. Fields the chain or the validators have committed to are
// frozen once they have (see Transition).
type Record struct {
	ID             common.Hash `json:"id"`                       // the request id the escrow knows it by
	IdempotencyKey string      `json:"idempotencyKey,omitempty"` // the client's key, scoped to Client; "" for none
	ParamsHash     common.Hash `json:"paramsHash,omitzero"`      // HashParams of what the client asked for

	Client      common.Address `json:"client"`
	Subnet      string         `json:"subnet"`
	Model       string         `json:"model"`
	Quote       Quote          `json:"quote"`
	ComputeNode common.Address `json:"computeNode,omitzero"` // the reserved node; required from validated on

	InitiateTx common.Hash `json:"initiateTx,omitzero"` // the client's initiateInferenceRequest; required from paid on
	CompleteTx common.Hash `json:"completeTx,omitzero"` // our completeInferenceRequest (the latest sent); required for settled
	RefundTx   common.Hash `json:"refundTx,omitzero"`   // markRequestFailed or handleExpiredRequest
	ResultHash common.Hash `json:"resultHash,omitzero"` // the compute node's signed result hash; required from computed on

	Attempts  map[State]uint32 `json:"attempts,omitempty"`  // tries per stage, counted by the gateway
	LastError string           `json:"lastError,omitempty"` // the latest failure, at most maxError bytes (longer is cut)

	State   State  `json:"state"`
	History []Step `json:"history"` // every state entered, the first quoted, the last State
	Version uint64 `json:"version"` // +1 on every write; at least len(History)
}

// Quote is the price the client was quoted and validators signed: the
// payment tree's amounts as decimal wei (they sum to Amount), the subnet
// configuration it was priced at and when it expires.
type Quote struct {
	ID         string      `json:"id"`
	Amount     string      `json:"amount"`     // the deposit, wei
	Compute    string      `json:"compute"`    // to the compute node, wei
	Gateway    string      `json:"gateway"`    // to the gateway, wei
	Validators string      `json:"validators"` // split among completion signers, wei
	Treasury   string      `json:"treasury"`   // to the treasury, wei
	ConfigHash common.Hash `json:"configHash"`
	ExpiresAt  uint64      `json:"expiresAt"` // unix seconds
}

// Step is one state a request entered, and when.
type Step struct {
	State State     `json:"state"`
	At    time.Time `json:"at"`
}

// Terminal reports whether the request is finished.
func (r *Record) Terminal() bool { return r.State.Terminal() }

// Reached reports whether the request has ever been in s.
func (r *Record) Reached(s State) bool {
	return slices.ContainsFunc(r.History, func(st Step) bool { return st.State == s })
}

// Since is when the request entered its current state.
func (r *Record) Since() time.Time {
	if len(r.History) == 0 {
		return time.Time{}
	}
	return r.History[len(r.History)-1].At
}

// clone copies r deeply, so a mutate function cannot reach the stored copy.
func (r *Record) clone() Record {
	c := *r
	c.Attempts = maps.Clone(r.Attempts)
	c.History = slices.Clone(r.History)
	return c
}

// HashParams hashes what a client asked for (client, subnet, model, input,
// max fee, model parameters, ...) into the ParamsHash an idempotency key is
// bound to. Each part is length-prefixed, so no two different lists of
// parts hash alike; callers must pass the same parts in the same order.
func HashParams(parts ...[]byte) common.Hash {
	var buf []byte
	for _, p := range parts {
		buf = binary.BigEndian.AppendUint64(buf, uint64(len(p)))
		buf = append(buf, p...)
	}
	return crypto.Keccak256Hash(buf)
}

// Limits on stored fields, so a hostile or buggy writer cannot make a
// record unbounded and the decoder can refuse big input early.
const (
	maxText      = 256      // subnet, model, idempotency key, quote id
	maxError     = 1024     // LastError
	maxRecord    = 64 << 10 // encoded record
	maxWeiDigits = 78       // 2^256-1 has 78 decimal digits
	schema       = 1        // version of the record encoding
)

// stored is the encoding of a record: its schema version, then its fields.
type stored struct {
	Schema int `json:"schema"`
	Record
}

// encodeRecord checks r and encodes it as stored (JSON; the package doc
// says why).
func encodeRecord(r *Record) ([]byte, error) {
	if err := check(r); err != nil {
		return nil, err
	}
	b, err := json.Marshal(stored{Schema: schema, Record: *r})
	if err != nil {
		return nil, fmt.Errorf("%w: encode: %v", ErrInvalidRecord, err)
	}
	if len(b) > maxRecord {
		return nil, fmt.Errorf("%w: %d bytes encoded, limit %d", ErrInvalidRecord, len(b), maxRecord)
	}
	return b, nil
}

// decodeRecord parses and checks a stored record. Anything short of a
// record that encodeRecord could have written is an error wrapping
// ErrCorrupt; it never panics.
func decodeRecord(b []byte) (Record, error) {
	if len(b) > maxRecord {
		return Record{}, fmt.Errorf("%w: record of %d bytes, limit %d", ErrCorrupt, len(b), maxRecord)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var s stored
	if err := dec.Decode(&s); err != nil {
		return Record{}, fmt.Errorf("%w: decode record: %v", ErrCorrupt, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Record{}, fmt.Errorf("%w: decode record: data after the record", ErrCorrupt)
	}
	if s.Schema != schema {
		return Record{}, fmt.Errorf("%w: record schema %d, this ledger reads %d", ErrCorrupt, s.Schema, schema)
	}
	if err := check(&s.Record); err != nil {
		return Record{}, fmt.Errorf("%w: record %x: %v", ErrCorrupt, s.ID[:8], err)
	}
	return s.Record, nil
}

// check enforces every rule a stored record obeys: well-formed fields, a
// history that walks the transition graph from quoted to State, and the
// fields each state needs.
func check(r *Record) error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if r.ID == (common.Hash{}) {
		bad("no request id")
	}
	if r.IdempotencyKey != "" && r.ParamsHash == (common.Hash{}) {
		bad("idempotency key without a params hash")
	}
	if r.Client == (common.Address{}) {
		bad("no client address")
	}
	for _, f := range []struct {
		name, v string
		min     int
	}{{"idempotency key", r.IdempotencyKey, 0}, {"subnet", r.Subnet, 1}, {"model", r.Model, 1}, {"quote id", r.Quote.ID, 1}} {
		// Invalid UTF-8 would not survive JSON unchanged: a key would no
		// longer match its own index entry.
		if len(f.v) < f.min || len(f.v) > maxText || !utf8.ValidString(f.v) {
			bad("%s: %d..%d bytes of UTF-8", f.name, f.min, maxText)
		}
	}
	if len(r.LastError) > maxError || !utf8.ValidString(r.LastError) {
		bad("last error: at most %d bytes of UTF-8", maxError)
	}
	if err := checkQuote(&r.Quote); err != nil {
		bad("quote: %v", err)
	}
	for s := range r.Attempts {
		if !s.Valid() {
			bad("attempts of an invalid state %d", uint8(s))
		}
	}
	if !r.State.Valid() {
		bad("invalid state %d", uint8(r.State))
	}
	if err := checkHistory(r); err != nil {
		bad("history: %v", err)
	}
	if r.Version < uint64(len(r.History)) {
		bad("version %d below the %d states entered", r.Version, len(r.History))
	}
	// What each state needs: the chain or the validators refer to it.
	if r.Reached(StateValidated) && r.ComputeNode == (common.Address{}) {
		bad("validated without a compute node")
	}
	if r.Reached(StatePaid) && r.InitiateTx == (common.Hash{}) {
		bad("paid without an initiate transaction")
	}
	if r.Reached(StateComputed) && r.ResultHash == (common.Hash{}) {
		bad("computed without a result hash")
	}
	if r.State == StateSettled {
		if !r.Reached(StateCompletionValidated) {
			bad("settled without completion validation")
		}
		if r.CompleteTx == (common.Hash{}) {
			bad("settled without a complete transaction")
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", ErrInvalidRecord, errors.Join(errs...))
	}
	return nil
}

func checkHistory(r *Record) error {
	if len(r.History) == 0 {
		return errors.New("empty")
	}
	if r.History[0].State != StateQuoted {
		return fmt.Errorf("starts at %s, not quoted", r.History[0].State)
	}
	for i, st := range r.History {
		if st.At.IsZero() {
			return fmt.Errorf("step %d (%s) has no time", i, st.State)
		}
		if i > 0 && !Allowed(r.History[i-1].State, st.State) {
			return fmt.Errorf("step %d: %s → %s is not a transition", i, r.History[i-1].State, st.State)
		}
	}
	if last := r.History[len(r.History)-1].State; last != r.State {
		return fmt.Errorf("ends at %s but the request is %s", last, r.State)
	}
	return nil
}

func checkQuote(q *Quote) error {
	parts := []struct{ name, v string }{
		{"amount", q.Amount}, {"compute", q.Compute}, {"gateway", q.Gateway},
		{"validators", q.Validators}, {"treasury", q.Treasury},
	}
	sum, amount := new(big.Int), new(big.Int)
	for i, p := range parts {
		n, err := parseWei(p.v)
		if err != nil {
			return fmt.Errorf("%s: %v", p.name, err)
		}
		if i == 0 {
			amount = n
		} else {
			sum.Add(sum, n)
		}
	}
	if sum.Cmp(amount) != 0 {
		return fmt.Errorf("the tree pays %s wei, the amount is %s", sum, amount)
	}
	if q.ConfigHash == (common.Hash{}) {
		return errors.New("no config hash")
	}
	if q.ExpiresAt == 0 {
		return errors.New("no expiry")
	}
	return nil
}

// parseWei parses a canonical decimal amount: digits only, no sign, no
// leading zero, below 2^256.
func parseWei(s string) (*big.Int, error) {
	if s == "" || len(s) > maxWeiDigits || (len(s) > 1 && s[0] == '0') ||
		strings.ContainsFunc(s, func(r rune) bool { return r < '0' || r > '9' }) {
		return nil, fmt.Errorf("%q is not a decimal wei amount", s)
	}
	n, _ := new(big.Int).SetString(s, 10)
	if n.BitLen() > 256 {
		return nil, fmt.Errorf("%s does not fit 256 bits", s)
	}
	return n, nil
}

// checkFrozen refuses a mutate that changed what the ledger owns, or what
// the chain or the validators already committed to.
func checkFrozen(before, after *Record) error {
	var changed []string
	same := func(name string, eq bool) {
		if !eq {
			changed = append(changed, name)
		}
	}
	same("id", before.ID == after.ID)
	same("idempotency key", before.IdempotencyKey == after.IdempotencyKey)
	same("params hash", before.ParamsHash == after.ParamsHash)
	same("client", before.Client == after.Client)
	same("subnet", before.Subnet == after.Subnet)
	same("model", before.Model == after.Model)
	same("state", before.State == after.State)
	same("version", before.Version == after.Version)
	same("history", slices.EqualFunc(before.History, after.History, func(a, b Step) bool {
		return a.State == b.State && a.At.Equal(b.At)
	}))
	if before.Reached(StateValidated) { // validators signed the tree and the node
		same("quote", before.Quote == after.Quote)
		same("compute node", before.ComputeNode == after.ComputeNode)
	}
	if before.Reached(StatePaid) {
		same("initiate transaction", before.InitiateTx == after.InitiateTx)
	}
	if before.Reached(StateCompletionValidated) { // validators signed the result
		same("result hash", before.ResultHash == after.ResultHash)
	}
	if len(changed) > 0 {
		return fmt.Errorf("%w: mutate changed %s, fixed in state %s", ErrInvalidRecord, strings.Join(changed, ", "), before.State)
	}
	return nil
}

// cutError bounds an error message to maxError bytes of valid UTF-8.
func cutError(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= maxError {
		return s
	}
	s = s[:maxError]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
