package gateway

import (
	"context"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/chain/bindings/payment"
	"github.com/ncn-network/ncn/chain/chaintest"
)

// TestSettleBatcher on the embedded chain: settlements that come together
// go out in one completeInferenceRequests transaction and all settle; a
// batch holding one the escrow refuses is sent again one by one, so the
// good ones settle and the bad one alone fails; a settlement that comes
// with none in flight goes at once, alone.
func TestSettleBatcher(t *testing.T) {
	env := chaintest.Simulated(t)
	ctx := context.Background()
	if _, err := env.Client.Escrow.Approve(ctx, chain.Tokens(1_000_000)); err != nil {
		t.Fatal(err)
	}
	b := &settleBatcher{ctx: ctx, sender: env.Gateway.Sender, escrow: env.C.Payment, payABI: payment.NewInferencePayment(), timeout: time.Minute}
	paid := func(n int) []payment.InferencePaymentCompletion {
		out := make([]payment.InferencePaymentCompletion, n)
		for i := range out {
			p := env.NewPayment(t, 1_000_000, 3600)
			env.SignPayment(t, &p, env.Client.Addr, env.Quorum()...)
			if _, err := env.Client.Escrow.Initiate(ctx, p); err != nil {
				t.Fatal(err)
			}
			s := env.Settle(t, p, common.BigToHash(big.NewInt(int64(i+1))), env.Quorum()...)
			out[i] = payment.InferencePaymentCompletion{RequestId: s.RequestID, ResultHash: s.ResultHash, ExecMillis: s.ExecMillis,
				ComputeSig: s.ComputeSig, ValidatorSigs: s.ValidatorSigs}
		}
		return out
	}
	together := func(cs []payment.InferencePaymentCompletion) []settleSent {
		b.mu.Lock()
		b.inflight++ // one awaits its block: the next ones wait and batch
		b.mu.Unlock()
		defer func() {
			b.mu.Lock()
			b.inflight--
			b.mu.Unlock()
		}()
		out := make([]settleSent, len(cs))
		var wg sync.WaitGroup
		for i, c := range cs {
			wg.Go(func() { out[i] = b.submit(ctx, c) })
		}
		wg.Wait()
		return out
	}
	status := func(id common.Hash) chain.Status {
		st, err := env.C.Request(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return st.Status
	}

	cs := paid(4)
	sent := together(cs)
	for i, s := range sent {
		if s.err != nil || !s.batched || s.p.Tx.Hash() != sent[0].p.Tx.Hash() {
			t.Fatalf("settlement %d: %v, batched %v: want all four in one transaction", i, s.err, s.batched)
		}
	}
	if _, err := sent[0].p.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	for i, c := range cs {
		if got := status(c.RequestId); got != chain.StatusCompleted {
			t.Fatalf("settlement %d: %s after the batch", i, got)
		}
	}

	cs = paid(3)
	cs[1].ComputeSig = append([]byte(nil), cs[0].ComputeSig...) // another request's signature
	sent = together(cs)
	for i, s := range sent {
		if i == 1 {
			if s.err == nil {
				t.Fatal("the refused settlement was sent")
			}
			continue
		}
		if s.err != nil || s.batched {
			t.Fatalf("settlement %d beside a refused one: %v, batched %v: want it sent alone", i, s.err, s.batched)
		}
		if _, err := s.p.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		if got := status(cs[i].RequestId); got != chain.StatusCompleted {
			t.Fatalf("settlement %d: %s", i, got)
		}
	}
	if got := status(cs[1].RequestId); got != chain.StatusPending {
		t.Fatalf("the refused settlement's request is %s, want still pending", got)
	}

	c := paid(1)[0]
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		b.mu.Lock()
		n := b.inflight
		b.mu.Unlock()
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d settlement transactions still in flight", n)
		}
	}
	start := time.Now()
	one := b.submit(ctx, c)
	if one.err != nil || one.batched {
		t.Fatalf("a lone settlement: %v, batched %v", one.err, one.batched)
	}
	t.Logf("a lone settlement was sent %s after it came (no batch wait)", time.Since(start).Round(time.Millisecond))
}
