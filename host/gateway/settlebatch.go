package gateway

import (
	"context"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/chain/bindings/payment"
)

// Settlements go to the chain in batches under load: one
// completeInferenceRequests transaction for the requests that completed
// within settleBatchDelay, instead of a transaction each (each costs the
// chain a signature recovery, an eth_call check and a receipt, and the
// gateway as much). A settlement that comes while none of the gateway's
// settlement transactions awaits its block goes at once, alone: light
// load waits for nothing.
const (
	settleBatchDelay = 200 * time.Millisecond
	// settleBatchMax keeps a batch well under a transaction's gas cap
	// (2^24): a settlement takes about 120k gas, and the limit half again.
	settleBatchMax = 64
)

// settleBatcher batches completeInferenceRequest calls. Safe for
// concurrent use.
type settleBatcher struct {
	ctx     context.Context // the daemon's lifetime: a batch outlives its callers' contexts
	sender  *chain.Sender
	escrow  common.Address
	payABI  *payment.InferencePayment
	timeout time.Duration

	mu       sync.Mutex
	queue    []*settleItem
	inflight int // settlement transactions sent and not mined yet
}

type settleItem struct {
	c    payment.InferencePaymentCompletion
	done chan settleSent // buffered: a caller that gave up is not waited for
}

// settleSent is the transaction a settlement went out in.
type settleSent struct {
	p       *chain.Pending
	batched bool // with other settlements
	err     error
}

// submit queues one settlement and returns the transaction it went out
// in, once sent (not mined).
func (b *settleBatcher) submit(ctx context.Context, c payment.InferencePaymentCompletion) settleSent {
	it := &settleItem{c: c, done: make(chan settleSent, 1)}
	b.mu.Lock()
	b.queue = append(b.queue, it)
	switch {
	case len(b.queue) >= settleBatchMax:
		go b.flush()
	case len(b.queue) == 1 && b.inflight == 0:
		go b.flush()
	case len(b.queue) == 1:
		time.AfterFunc(settleBatchDelay, b.flush)
	}
	b.mu.Unlock()
	select {
	case s := <-it.done:
		return s
	case <-ctx.Done():
		return settleSent{err: ctx.Err()}
	}
}

// flush sends what is queued: one settlement alone, several as a batch.
// A batch the chain would refuse (one bad settlement reverts them all) is
// sent again one by one.
func (b *settleBatcher) flush() {
	b.mu.Lock()
	items := b.queue
	b.queue = nil
	b.mu.Unlock()
	if len(items) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(b.ctx, b.timeout)
	defer cancel()
	if len(items) > 1 {
		cs := make([]payment.InferencePaymentCompletion, len(items))
		for i, it := range items {
			cs[i] = it.c
		}
		p, err := b.sender.Submit(ctx, chain.Call{To: &b.escrow, Data: b.payABI.PackCompleteInferenceRequests(cs)})
		if err == nil {
			b.track(p)
			for _, it := range items {
				it.done <- settleSent{p: p, batched: true}
			}
			return
		}
	}
	for _, it := range items {
		s := b.alone(ctx, it.c)
		if s.err == nil {
			b.track(s.p)
		}
		it.done <- s
	}
}

// alone sends one settlement in a transaction of its own.
func (b *settleBatcher) alone(ctx context.Context, c payment.InferencePaymentCompletion) settleSent {
	p, err := b.sender.Submit(ctx, chain.Call{To: &b.escrow,
		Data: b.payABI.PackCompleteInferenceRequest(c.RequestId, c.ResultHash, c.ExecMillis, c.ComputeSig, c.ValidatorSigs)})
	return settleSent{p: p, err: err}
}

// track counts p in flight until it is mined (or given up on).
func (b *settleBatcher) track(p *chain.Pending) {
	b.mu.Lock()
	b.inflight++
	b.mu.Unlock()
	go func() {
		ctx, cancel := context.WithTimeout(b.ctx, b.timeout)
		defer cancel()
		_, _ = p.Wait(ctx)
		b.mu.Lock()
		b.inflight--
		b.mu.Unlock()
	}()
}
