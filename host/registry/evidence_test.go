package registry

import (
	"bytes"
	"crypto/ecdsa"
	"math/big"
	"runtime"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/ncn-network/ncn/chain"
)

// TestWitnessChecksOnlyWhatMatters: gossiped signatures are kept unchecked
// and checked only when they matter. A forged signature never becomes
// evidence, never makes a validator refuse its own work (get), and does
// not hide the real one heard after it; two real signatures over
// different results are evidence, once.
func TestWitnessChecksOnlyWhatMatters(t *testing.T) {
	dom := chain.Domain{ChainID: big.NewInt(1337), Contract: common.Address{1}}
	key, _ := crypto.GenerateKey()
	forger, _ := crypto.GenerateKey()
	v := crypto.PubkeyToAddress(key.PublicKey)
	checks := 0
	w := newWitness(func(v common.Address, s chain.SignedCompletion) bool {
		checks++
		return checkSigner(dom.Digest(s.Message.StructHash()).Bytes(), s.Signature, v) == nil
	})
	now := time.Now()
	req := common.Hash{7}
	signed := func(k *ecdsa.PrivateKey, result byte) chain.SignedCompletion {
		m := chain.Completion{RequestID: req, ResultHash: common.Hash{result}, ComputeNode: common.Address{9}, ExecMillis: 5}
		sig, err := chain.Sign(k, dom.Digest(m.StructHash()))
		if err != nil {
			t.Fatal(err)
		}
		return chain.SignedCompletion{Message: m, Signature: sig}
	}

	// Heard once each: nothing is checked.
	w.observe(v, signed(forger, 1), now, false)
	if checks != 0 {
		t.Fatalf("%d signatures checked on first hearing", checks)
	}
	// A forged signature for v is not v's: v may still sign result 2.
	if s, ok := w.get(req, v); ok {
		t.Fatalf("get returned a forged signature: %x", s.Message.ResultHash)
	}
	// The real one, unchecked, then another real result: evidence.
	w.observe(v, signed(key, 2), now, false)
	if e, found := w.observe(v, signed(forger, 3), now, false); found {
		t.Fatalf("a forged second result is evidence: %+v", e)
	}
	e, found := w.observe(v, signed(key, 4), now, false)
	if !found || e.A.Message.ResultHash != (common.Hash{2}) || e.B.Message.ResultHash != (common.Hash{4}) {
		t.Fatalf("two real results: %+v, %v", e, found)
	}
	if err := e.verify(dom); err != nil {
		t.Fatal(err)
	}
	if _, again := w.observe(v, signed(key, 5), now, true); again {
		t.Error("evidence twice for one validator")
	}

	// A forged copy heard first does not hide the real signature of the
	// same result.
	w2 := newWitness(w.valid)
	real := signed(key, 1)
	fake := real
	fake.Signature = signed(forger, 1).Signature
	w2.observe(v, fake, now, false)
	w2.observe(v, real, now, false)
	if s, ok := w2.get(req, v); !ok || string(s.Signature) != string(real.Signature) {
		t.Fatalf("get after a forged then a real copy: %v", ok)
	}
	if _, found := w2.observe(v, signed(key, 2), now, false); !found {
		t.Error("the real first signature was lost to a forged copy: no evidence")
	}

	// A signature of the wrong length is nobody's: not kept.
	w3 := newWitness(w.valid)
	short := signed(key, 1)
	short.Signature = short.Signature[:64]
	w3.observe(v, short, now, false)
	if _, ok := w3.get(req, v); ok || len(w3.seen) != 0 {
		t.Fatal("a 64-byte signature was kept")
	}
	// Pruning forgets what was heard before the cutoff, only that.
	w3.observe(v, signed(key, 1), now, true)
	if w3.prune(now) != 0 || w3.prune(now.Add(time.Nanosecond)) != 1 || len(w3.seen) != 0 {
		t.Fatal("prune")
	}
}

// BenchmarkWitnessMemory reports the heap a registry's witness holds per
// signature it keeps (5 a request, for MaxQuoteTTL + witnessMargin).
func BenchmarkWitnessMemory(b *testing.B) {
	key, _ := crypto.GenerateKey()
	sig, _ := chain.Sign(key, common.Hash{1})
	vals := make([]common.Address, 5)
	for i := range vals {
		vals[i] = common.Address{byte(i + 1)}
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	w := newWitness(nil)
	now := time.Now()
	for i := range b.N {
		m := chain.Completion{RequestID: common.BigToHash(big.NewInt(int64(i))), ResultHash: common.Hash{2}, ComputeNode: common.Address{9}, ExecMillis: 5}
		w.observe(vals[i%5], chain.SignedCompletion{Message: m, Signature: bytes.Clone(sig)}, now, true)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(b.N), "heap-B/signature")
	runtime.KeepAlive(w)
}
