package gateway

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/host/api/pb"
)

// A speculation is a task dispatched before its payment is mined (the
// issue's optimistic dispatch): the client's initiate transaction is in
// the chain's pool, pays for this request from the client's account, and
// runs without a revert on the chain's state now; the compute node starts
// at once instead of a block or two later.
//
// Nothing of it is recorded: the request stays validated in the ledger
// until the deposit is on chain, and the result waits here, in memory,
// until then (adopt). A crash forgets it, and the request is dispatched
// again once paid. A result reaches the client only once its request
// settles, as for every request, so a payment that never lands costs the
// compute node its work and no one anything else. Streaming requests are
// not speculated: their tokens would reach the client unpaid.
type speculation struct {
	mu      sync.Mutex // held across adoption, so a result is offered before or after it, never during
	node    common.Address
	tx      common.Hash
	at      time.Time
	result  *pb.ComputeResult // the node's answer, once in
	failed  bool              // the node reported a failure: run it again once paid
	adopted bool              // the request was paid and took this over
}

// speculations is the gateway's running speculations. Safe for concurrent
// use.
type speculations struct {
	mu sync.Mutex
	m  map[common.Hash]*speculation
}

// start records a speculation for id unless one exists.
func (s *speculations) start(id common.Hash, sp *speculation) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[common.Hash]*speculation{}
	}
	if _, ok := s.m[id]; ok {
		return false
	}
	s.m[id] = sp
	return true
}

func (s *speculations) get(id common.Hash) *speculation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[id]
}

func (s *speculations) drop(id common.Hash) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
}

// older lists the speculations started before t.
func (s *speculations) older(t time.Time) []common.Hash {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []common.Hash
	for id, sp := range s.m {
		if sp.at.Before(t) {
			out = append(out, id)
		}
	}
	return out
}

// errNoDeposit: the escrow holds nothing for the request yet.
var errNoDeposit = errors.New("the escrow holds no deposit")

// speculate dispatches a validated request whose initiate transaction tx
// is in the chain's pool, after checking that transaction pays for it. A
// request that cannot be speculated (streaming, or already running) is
// left to wait for its payment, without an error. mined reports that tx
// was mined meanwhile: the escrow is worth reading again.
func (d *Daemon) speculate(ctx context.Context, rec Record, tx common.Hash) (mined bool, err error) {
	if d.cfg.NoSpeculation || d.specs.get(rec.ID) != nil {
		return false, nil
	}
	td, err := d.taskData(rec.ID)
	if err != nil || td.Stream {
		return false, err
	}
	t, pending, err := d.backend.TransactionByHash(ctx, tx)
	switch {
	case errors.Is(err, ethereum.NotFound):
		return false, fmt.Errorf("%w: the chain's node does not know transaction %s", ErrNotPaid, tx.Hex())
	case err != nil:
		return false, fmt.Errorf("%w: look up transaction %s: %v", ErrUnavailable, tx.Hex(), err)
	case !pending:
		return true, nil
	}
	if err := d.checkInitiate(ctx, rec, t); err != nil {
		// Mined between the lookup and the dry run (which then fails: the
		// request exists): not the client's fault, and now paid.
		if _, pending, lerr := d.backend.TransactionByHash(ctx, tx); lerr == nil && !pending {
			return true, nil
		}
		return false, err
	}
	now := time.Now()
	deadline := d.taskDeadline(rec, now)
	if !deadline.After(now) {
		return false, nil
	}
	if !d.specs.start(rec.ID, &speculation{node: rec.ComputeNode, tx: tx, at: now}) {
		return false, nil
	}
	d.compute.assign(rec.ComputeNode, computeTask(rec, td, deadline))
	d.metrics.speculated()
	d.log.Info("request dispatched before its payment is mined", "request_id", rec.ID.Hex(), "node", rec.ComputeNode.Hex(), "tx", tx.Hex())
	return false, nil
}

// checkInitiate checks that t is the client's initiate of rec and that
// the escrow would take it now: the validators' signatures it carries
// cover the request's tree, gateway, compute node and expiry, so a call
// that succeeds pays exactly what was quoted.
func (d *Daemon) checkInitiate(ctx context.Context, rec Record, t *types.Transaction) error {
	if t.To() == nil || *t.To() != d.cfg.Contracts.Payment {
		return fmt.Errorf("%w: transaction %s is not a call of the escrow %s", ErrNotPaid, t.Hash().Hex(), d.cfg.Contracts.Payment.Hex())
	}
	if id, ok := chain.InitiatedRequest(t.Data()); !ok || id != rec.ID {
		return fmt.Errorf("%w: transaction %s does not initiate request %s", ErrNotPaid, t.Hash().Hex(), rec.ID.Hex())
	}
	from, err := types.Sender(types.LatestSignerForChainID(d.domain.ChainID), t)
	if err != nil || from != rec.Client {
		return fmt.Errorf("%w: transaction %s is not from the request's client %s", ErrNotPaid, t.Hash().Hex(), rec.Client.Hex())
	}
	_, err = d.backend.CallContract(ctx, ethereum.CallMsg{From: from, To: t.To(), Gas: t.Gas(), Value: t.Value(), Data: t.Data()}, nil)
	if err != nil {
		return fmt.Errorf("%w: transaction %s would fail now: %v", ErrNotPaid, t.Hash().Hex(), chain.DecodeRevert(err))
	}
	return nil
}

// offerResult gives a speculation its node's answer, already checked; it
// reports false when id has no speculation waiting for one (none, or
// adopted: the record has moved on).
func (d *Daemon) offerResult(id common.Hash, r *pb.ComputeResult) bool {
	sp := d.specs.get(id)
	if sp == nil {
		return false
	}
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if sp.adopted {
		return false
	}
	if r.Error != "" {
		sp.failed = true
	} else {
		sp.result = r
	}
	d.compute.finish(sp.node, id) // the node is free for another task; the request still holds it
	return true
}

// adopt takes over a paid request's speculation, if it has one: the
// request is dispatched without sending the task again, and computed at
// once when the node has answered. ok is false when there was none.
func (d *Daemon) adopt(rec Record) (out Record, ok bool, err error) {
	sp := d.specs.get(rec.ID)
	if sp == nil {
		return rec, false, nil
	}
	defer d.specs.drop(rec.ID)
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if sp.adopted || sp.failed {
		return rec, false, nil // a failure is run again, as a paid task
	}
	if _, running := d.compute.task(sp.node, rec.ID); !running && sp.result == nil {
		return rec, false, nil // timed out or released: dispatch it again
	}
	sp.adopted = true
	out, err = d.toDispatched(rec.ID)
	if err != nil || sp.result == nil {
		return out, err == nil, err // still running: its result comes to a dispatched request
	}
	d.metrics.speculationUsed()
	if err := d.computed(out, sp.result); err != nil {
		return out, true, err
	}
	out, err = d.get(rec.ID)
	return out, true, err
}

// purgeSpeculations forgets speculations whose payment did not come within
// a task's time: the request has ended unpaid, or the node is long done.
func (d *Daemon) purgeSpeculations(now time.Time) {
	for _, id := range d.specs.older(now.Add(-d.cfg.TaskTimeout)) {
		if rec, err := d.ledger.Get(id); err == nil && rec.State == StateValidated {
			continue // still payable: its result is worth keeping
		}
		d.specs.drop(id)
	}
}
