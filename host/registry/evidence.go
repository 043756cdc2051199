package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/p2p"
)

// Slasher submits equivocation proofs to the ValidatorRegistry contract
// (*chain.Validators).
type Slasher interface {
	SlashForEquivocation(ctx context.Context, validator common.Address, a, b chain.SignedCompletion) (*types.Receipt, error)
}

// Evidence is two Completion signatures by one validator for one request
// with different results: proof it signed whatever it was shown.
type Evidence struct {
	Validator common.Address         `json:"validator"`
	A, B      chain.SignedCompletion `json:"-"`
	AJSON     signedCompletionJSON   `json:"a"`
	BJSON     signedCompletionJSON   `json:"b"`
}

type signedCompletionJSON struct {
	Message   chain.Completion `json:"message"`
	Signature []byte           `json:"signature"`
}

// witness remembers the first Completion signature of each validator for
// each request it sees, from its own quorums and from gossip, for
// witnessMargin past the longest quote (Config.MaxQuoteTTL): a request
// expires at most that long after its quote, so by then it is settled or
// refundable and a second signature pays nobody. At 60 requests/s that is
// about 100 MB of signatures (5 a request) at 15 minutes; it was an hour.
type witness struct {
	mu   sync.Mutex
	seen map[[2]common.Hash]witnessed // (request, validator as hash)
	done map[common.Address]bool      // validators already proven
	// valid checks that a signature is the validator's. Gossiped
	// signatures are kept unchecked and checked only when they matter —
	// two results for one request, or a validator asking about its own —
	// which spares every registry a recovery per signature it hears of.
	valid func(v common.Address, s chain.SignedCompletion) bool
}

// witnessed is one validator's first signature for a request, kept small
// (a registry holds one per validator per request for the whole
// retention): the request id is the map key's.
type witnessed struct {
	result     common.Hash
	node       common.Address
	execMillis uint64
	sig        [crypto.SignatureLength]byte
	at         int64 // unix nanoseconds
	checked    bool  // the signature is known to be the validator's
}

func newWitnessed(s chain.SignedCompletion, at int64, checked bool) witnessed {
	x := witnessed{result: s.Message.ResultHash, node: s.Message.ComputeNode, execMillis: s.Message.ExecMillis, at: at, checked: checked}
	copy(x.sig[:], s.Signature)
	return x
}

// signed is the signature as it was heard, for request.
func (x witnessed) signed(request common.Hash) chain.SignedCompletion {
	return chain.SignedCompletion{
		Message:   chain.Completion{RequestID: request, ResultHash: x.result, ComputeNode: x.node, ExecMillis: x.execMillis},
		Signature: bytes.Clone(x.sig[:]),
	}
}

func (x witnessed) same(m chain.Completion) bool {
	return x.result == m.ResultHash && x.node == m.ComputeNode && x.execMillis == m.ExecMillis
}

const witnessMargin = 5 * time.Minute // clocks' skew, the chain's finality

func newWitness(valid func(v common.Address, s chain.SignedCompletion) bool) *witness {
	return &witness{seen: map[[2]common.Hash]witnessed{}, done: map[common.Address]bool{}, valid: valid}
}

// observe records v's signature s (checked: already known to be v's); if
// v signed another result for the same request before, it returns the
// evidence, once per validator. A signature that is not v's is never
// evidence.
func (w *witness) observe(v common.Address, s chain.SignedCompletion, now time.Time, checked bool) (*Evidence, bool) {
	if len(s.Signature) != crypto.SignatureLength {
		return nil, false // never anyone's
	}
	id := s.Message.RequestID
	k := [2]common.Hash{id, common.BytesToHash(v[:])}
	at := now.UnixNano()
	w.mu.Lock()
	defer w.mu.Unlock()
	prev, ok := w.seen[k]
	if !ok {
		w.seen[k] = newWitnessed(s, at, checked)
		return nil, false
	}
	if prev.same(s.Message) {
		// Signing is deterministic: other bytes for the same message mean
		// one of the two is forged. Keep the one that is v's.
		if !prev.checked && (checked || !bytes.Equal(prev.sig[:], s.Signature)) && !w.valid(v, prev.signed(id)) {
			w.seen[k] = newWitnessed(s, at, checked)
		} else if checked && !prev.checked {
			prev.checked = true
			w.seen[k] = prev
		}
		return nil, false
	}
	if w.done[v] || (!checked && !w.valid(v, s)) {
		return nil, false
	}
	if !prev.checked && !w.valid(v, prev.signed(id)) {
		w.seen[k] = newWitnessed(s, at, true) // the first was forged
		return nil, false
	}
	w.done[v] = true
	return &Evidence{Validator: v, A: prev.signed(id), B: s}, true
}

// prune forgets signatures seen before cutoff and returns how many.
func (w *witness) prune(cutoff time.Time) int {
	c := cutoff.UnixNano()
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for k, s := range w.seen {
		if s.at < c {
			delete(w.seen, k)
			n++
		}
	}
	return n
}

// get returns v's recorded signature for a request, checked.
func (w *witness) get(request common.Hash, v common.Address) (chain.SignedCompletion, bool) {
	k := [2]common.Hash{request, common.BytesToHash(v[:])}
	w.mu.Lock()
	defer w.mu.Unlock()
	s, ok := w.seen[k]
	if !ok {
		return chain.SignedCompletion{}, false
	}
	if !s.checked {
		if !w.valid(v, s.signed(request)) {
			delete(w.seen, k) // forged: as if never heard
			return chain.SignedCompletion{}, false
		}
		s.checked = true
		w.seen[k] = s
	}
	return s.signed(request), true
}

// verify checks that both signatures are v's over different results for
// the same request.
func (e *Evidence) verify(d chain.Domain) error {
	if e.A.Message.RequestID != e.B.Message.RequestID || e.A.Message == e.B.Message {
		return fmt.Errorf("%w: not two results for one request", ErrBadRequest)
	}
	for _, s := range []chain.SignedCompletion{e.A, e.B} {
		if err := checkSigner(d.Digest(s.Message.StructHash()).Bytes(), s.Signature, e.Validator); err != nil {
			return err
		}
	}
	return nil
}

// observeCompletion feeds a completion signature to the witness and acts on
// evidence: the validator's reputation takes the slashing penalty, the
// evidence is gossiped, and, if this node found it and has a Slasher, it is
// submitted on chain.
func (r *Node) observeCompletion(v common.Address, s chain.SignedCompletion, checked bool) {
	e, found := r.witness.observe(v, s, r.cfg.Now(), checked)
	if !found {
		return
	}
	r.cfg.Logger.Warn("equivocation: a validator signed two results for one request",
		"validator", v.Hex(), "request", s.Message.RequestID.Hex())
	r.punish(e)
	e.AJSON, e.BJSON = signedCompletionJSON{e.A.Message, e.A.Signature}, signedCompletionJSON{e.B.Message, e.B.Signature}
	r.gossipJSON(p2p.TopicEvidence, e)
	if r.cfg.Slasher != nil {
		r.bg.Add(1)
		go func() {
			defer r.bg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), r.cfg.QuorumTimeout*10)
			defer cancel()
			if _, err := r.cfg.Slasher.SlashForEquivocation(ctx, e.Validator, e.A, e.B); err != nil {
				r.cfg.Logger.Warn("equivocation proof not accepted on chain", "validator", e.Validator.Hex(), "err", err)
			}
		}()
	}
}

func (r *Node) punish(e *Evidence) {
	r.ledger.Add(Event{Node: e.Validator, RequestID: e.A.Message.RequestID, Outcome: Slashed, AtMillis: 0})
}

// applyEvidence takes gossiped evidence: verified, it costs the validator
// its reputation here too (the finder submits it on chain).
func (r *Node) applyEvidence(payload []byte) error {
	var e Evidence
	if err := json.Unmarshal(payload, &e); err != nil {
		return err
	}
	e.A, e.B = chain.SignedCompletion{Message: e.AJSON.Message, Signature: e.AJSON.Signature}, chain.SignedCompletion{Message: e.BJSON.Message, Signature: e.BJSON.Signature}
	if err := e.verify(r.cfg.Domain); err != nil {
		return err
	}
	r.witness.observe(e.Validator, e.A, r.cfg.Now(), true)
	r.witness.observe(e.Validator, e.B, r.cfg.Now(), true)
	r.punish(&e)
	return nil
}
