package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/host/api/pb"
)

// The escrow's events the gateway looks for.
const (
	evInitiated = "InferenceRequestInitiated"
	evCompleted = "InferenceRequestCompleted"
	evRefunded  = "InferenceRequestRefunded"
)

// expiryGrace is how long past a request's expiry by the clock the
// watcher waits for the chain's clock to pass it too.
const expiryGrace = 30 * time.Second

// paymentWatch follows the requests that can still be paid: validated
// ones waiting for their deposit, and cancelled ones whose client might
// pay anyway. Safe for concurrent use.
type paymentWatch struct {
	mu       sync.Mutex
	awaiting map[common.Hash]uint64 // validated request -> expiry (unix seconds)
	late     map[common.Hash]uint64 // ended unpaid after validation -> expiry: a deposit still made is refunded
	next     uint64                 // the first block whose payment events are not read yet
}

func (w *paymentWatch) await(id common.Hash, expires uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.awaiting == nil {
		w.awaiting = map[common.Hash]uint64{}
	}
	w.awaiting[id] = expires
}

// forget stops waiting for a request's payment; it reports whether it
// was waiting.
func (w *paymentWatch) forget(id common.Hash) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	_, ok := w.awaiting[id]
	delete(w.awaiting, id)
	return ok
}

func (w *paymentWatch) lateWatch(id common.Hash, expires uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.late == nil {
		w.late = map[common.Hash]uint64{}
	}
	w.late[id] = expires
}

func (w *paymentWatch) snapshot() (awaiting, late map[common.Hash]uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return maps.Clone(w.awaiting), maps.Clone(w.late)
}

// confirm is ConfirmPayment.
func (d *Daemon) confirm(ctx context.Context, req *pb.ConfirmPaymentRequest) (*pb.InferenceTaskStatus, error) {
	id, err := hexID(req.RequestId)
	if err != nil {
		return nil, err
	}
	var hint common.Hash
	if req.TxHash != "" {
		if len(strings.TrimPrefix(req.TxHash, "0x")) != 64 {
			return nil, fmt.Errorf("%w: tx_hash %q is not a transaction hash", ErrBadRequest, req.TxHash)
		}
		hint = common.HexToHash(req.TxHash)
	}
	rec, err := d.get(id)
	if err != nil {
		return nil, err
	}
	switch {
	case rec.State == StateValidated:
		next, err := d.paid(ctx, rec, hint)
		if errors.Is(err, errNoDeposit) && hint != (common.Hash{}) {
			// Not mined yet: the task may start while it is.
			var mined bool
			if mined, err = d.speculate(ctx, rec, hint); err != nil {
				return nil, err
			}
			if !mined {
				return d.status(rec), nil
			}
			if next, err = d.paid(ctx, rec, hint); errors.Is(err, errNoDeposit) {
				return d.status(rec), nil
			}
		}
		if err != nil {
			return nil, err
		}
		rec = next
	case rec.State == StateQuoted:
		return nil, fmt.Errorf("%w: request %s is not validated yet: wait for SubmitInferenceTask to answer", ErrWrongState, id.Hex())
	case rec.State.Terminal() && !rec.Reached(StatePaid):
		return nil, fmt.Errorf("%w: request %s is %s and cannot be paid (a deposit made anyway is refunded)", ErrWrongState, id.Hex(), rec.State)
	}
	return d.status(rec), nil
}

// paid checks the escrow holds the deposit of a validated request, moves
// it to paid with the initiate transaction, and dispatches it. A request
// another caller moved first comes back as it is now.
func (d *Daemon) paid(ctx context.Context, rec Record, hint common.Hash) (Record, error) {
	st, err := d.contracts.Request(ctx, rec.ID)
	if err != nil {
		return rec, fmt.Errorf("%w: read the escrow: %v", ErrUnavailable, err)
	}
	if st.Status == chain.StatusNone {
		return rec, fmt.Errorf("%w: %w for request %s yet: pay with the payment instructions (approve the token, initiateInferenceRequest), then confirm",
			ErrNotPaid, errNoDeposit, rec.ID.Hex())
	}
	if err := d.checkDeposit(rec, st); err != nil {
		d.log.Error("deposit does not match the request", "request_id", rec.ID.Hex(), "err", err)
		return rec, err
	}
	tx, err := d.eventTx(ctx, evInitiated, rec.ID, hint)
	if err != nil {
		return rec, err
	}
	next, err := d.transition(rec.ID, StateValidated, StatePaid, func(r *Record) error { r.InitiateTx = tx; return nil })
	if errors.Is(err, ErrConflict) {
		return d.get(rec.ID)
	}
	if err != nil {
		return rec, err
	}
	d.watch.forget(rec.ID)
	d.log.Info("request paid", "request_id", rec.ID.Hex(), "tx", tx.Hex())
	if st.Status != chain.StatusPending {
		d.spawn(rec.ID) // refunded or expired meanwhile: the driver ends it
		return next, nil
	}
	if out, err := d.dispatch(next); err == nil {
		return out, nil
	}
	d.spawn(rec.ID) // the driver retries
	return d.get(rec.ID)
}

// checkDeposit compares the escrow's record of a request with the ledger's.
func (d *Daemon) checkDeposit(rec Record, st chain.RequestState) error {
	if st.Client != rec.Client {
		return fmt.Errorf("%w: request %s was paid by %s, not by client %s", ErrNotPaid, rec.ID.Hex(), st.Client.Hex(), rec.Client.Hex())
	}
	if st.Status != chain.StatusPending {
		return nil // the tree is cleared once a request ends
	}
	want := []string{rec.Quote.Compute, rec.Quote.Gateway, rec.Quote.Validators, rec.Quote.Treasury}
	got := []*big.Int{st.Tree.ComputeAmount, st.Tree.GatewayAmount, st.Tree.ValidatorAmount, st.Tree.TreasuryAmount}
	for i := range want {
		if got[i] == nil || got[i].String() != want[i] {
			return fmt.Errorf("%w: the escrow's tree for %s differs from the quote", ErrNotPaid, rec.ID.Hex())
		}
	}
	if st.Tree.Gateway != d.addr || st.Tree.ComputeNode != rec.ComputeNode || st.ExpiresAt != rec.Quote.ExpiresAt {
		return fmt.Errorf("%w: the escrow's request %s names another gateway, compute node or expiry", ErrNotPaid, rec.ID.Hex())
	}
	return nil
}

// fromBlock is where a request's events start: the chain's head when it
// was made.
func (d *Daemon) fromBlock(id common.Hash) uint64 {
	b, err := d.ledger.Payload(id, partTask)
	if err != nil {
		return 0
	}
	var t taskData
	if json.Unmarshal(b, &t) != nil {
		return 0
	}
	return t.FromBlock
}

// eventTx finds the transaction that emitted the escrow's event for a
// request: hint if its receipt has it, else by the logs.
func (d *Daemon) eventTx(ctx context.Context, event string, id, hint common.Hash) (common.Hash, error) {
	topic := d.payABI.GetABI().Events[event].ID
	has := func(l *types.Log) bool {
		return l.Address == d.cfg.Contracts.Payment && len(l.Topics) > 1 && l.Topics[0] == topic && l.Topics[1] == id
	}
	if hint != (common.Hash{}) {
		if r, err := d.backend.TransactionReceipt(ctx, hint); err == nil {
			for _, l := range r.Logs {
				if has(l) {
					return hint, nil
				}
			}
		}
	}
	logs, err := d.backend.FilterLogs(ctx, ethereum.FilterQuery{
		FromBlock: new(big.Int).SetUint64(d.fromBlock(id)), Addresses: []common.Address{d.cfg.Contracts.Payment},
		Topics: [][]common.Hash{{topic}, {id}},
	})
	if err != nil {
		return common.Hash{}, fmt.Errorf("%w: read the escrow's %s events: %v", ErrUnavailable, event, err)
	}
	for i := len(logs) - 1; i >= 0; i-- {
		if !logs[i].Removed && has(&logs[i]) {
			return logs[i].TxHash, nil
		}
	}
	return common.Hash{}, fmt.Errorf("%w: no %s event for request %s on chain", ErrUnavailable, event, id.Hex())
}

// poll is the gateway's clock: payments made without a ConfirmPayment,
// unpaid requests expiring, tasks past their deadline, late payments of
// cancelled requests, old quotes.
func (d *Daemon) poll() {
	var swept time.Time
	for d.sleep(d.cfg.PollInterval) {
		now := time.Now()
		if now.Sub(swept) >= sweepInterval {
			d.sweepLedger()
			swept = now
		}
		d.quotes.purge(now)
		d.watchPayments(now)
		d.purgeSpeculations(now)
		for _, t := range d.compute.overdue(now) {
			d.timeout(common.BytesToHash(t.RequestId))
		}
	}
}

// sweepInterval is how often the ledger forgets old idempotency keys, old
// requests' payloads and older requests.
const sweepInterval = time.Hour

// sweepLedger unbinds expired idempotency keys, drops the payloads of
// requests ended longer ago than the key TTL and the records of those
// ended longer ago than the retention.
func (d *Daemon) sweepLedger() {
	keys, sweepErr := d.ledger.Sweep()
	if sweepErr != nil {
		d.log.Error("ledger sweep", "err", sweepErr)
	}
	pruned, err := d.ledger.Prune()
	if err != nil {
		d.log.Error("ledger prune", "err", err)
	}
	forgotten := 0
	if sweepErr == nil { // else keys may still point at records Forget would drop
		if forgotten, err = d.ledger.Forget(); err != nil {
			d.log.Error("ledger forget", "err", err)
		}
	}
	if keys > 0 || pruned > 0 || forgotten > 0 {
		d.log.Info("ledger swept", "idempotency_keys", keys, "requests_pruned", pruned, "requests_forgotten", forgotten)
	}
}

// watchPayments reads the escrow's new initiate events naming this
// gateway and moves the requests they pay; and expires, or refunds late,
// the requests that can no longer be paid.
func (d *Daemon) watchPayments(now time.Time) {
	ctx, cancel := context.WithTimeout(d.ctx, 30*time.Second)
	defer cancel()
	awaiting, late := d.watch.snapshot()
	if len(awaiting) == 0 && len(late) == 0 {
		return
	}
	head, err := d.backend.HeaderByNumber(ctx, nil)
	if err != nil {
		d.log.Warn("payment watcher: chain head", "err", err)
		return
	}
	d.watch.mu.Lock()
	from := d.watch.next
	d.watch.mu.Unlock()
	if from == 0 { // first look since start: from the oldest request waiting
		from = head.Number.Uint64()
		for id := range awaiting {
			if b := d.fromBlock(id); b < from {
				from = b
			}
		}
	}
	if from <= head.Number.Uint64() {
		topic := d.payABI.GetABI().Events[evInitiated].ID
		logs, err := d.backend.FilterLogs(ctx, ethereum.FilterQuery{
			FromBlock: new(big.Int).SetUint64(from), ToBlock: head.Number, Addresses: []common.Address{d.cfg.Contracts.Payment},
			Topics: [][]common.Hash{{topic}, nil, nil, {common.BytesToHash(d.addr[:])}},
		})
		if err != nil {
			d.log.Warn("payment watcher: events", "err", err)
			return
		}
		next := head.Number.Uint64() + 1
		for _, l := range logs {
			if len(l.Topics) < 2 || l.Removed {
				continue
			}
			id := l.Topics[1]
			if _, ok := awaiting[id]; !ok {
				continue
			}
			delete(awaiting, id)
			if rec, err := d.ledger.Get(id); err == nil && rec.State == StateValidated {
				if _, err := d.paid(ctx, rec, l.TxHash); err != nil {
					d.log.Warn("payment watcher", "request_id", id.Hex(), "err", err)
					next = min(next, l.BlockNumber) // read it again next time
				}
			}
		}
		d.watch.mu.Lock()
		d.watch.next = next
		d.watch.mu.Unlock()
	}
	for id, exp := range awaiting {
		// The escrow takes a deposit only before the expiry, by the time
		// of the block it lands in: past it on chain, or well past it by
		// the clock (a new block is never older than the clock), no
		// deposit can come any more.
		if head.Time < exp && now.Before(time.Unix(int64(exp), 0).Add(expiryGrace)) {
			continue
		}
		rec, err := d.ledger.Get(id)
		if err != nil || rec.State != StateValidated {
			d.watch.forget(id)
			continue
		}
		st, err := d.contracts.Request(ctx, id)
		switch {
		case err != nil:
			continue
		case st.Status != chain.StatusNone: // paid after all, missed by the events
			if _, err := d.paid(ctx, rec, common.Hash{}); err != nil {
				d.log.Warn("payment watcher", "request_id", id.Hex(), "err", err)
			}
		default:
			d.compute.release(rec.ComputeNode, id)
			d.watch.forget(id)
			if _, err := d.transition(id, StateValidated, StateExpiredUnpaid, func(r *Record) error {
				r.LastError = "the quote expired without a payment"
				return nil
			}); err != nil && !errors.Is(err, ErrConflict) {
				d.log.Error("expire", "request_id", id.Hex(), "err", err)
			}
		}
	}
	for id, exp := range late {
		st, err := d.contracts.Request(ctx, id)
		switch {
		case err != nil:
		case st.Status == chain.StatusPending:
			// Paid after it was cancelled: nothing will be computed, so
			// the deposit goes back now rather than at expiry.
			d.log.Info("refunding a payment made after the request ended", "request_id", id.Hex())
			if _, err := d.sendRefund(ctx, id); err != nil {
				d.log.Warn("late refund", "request_id", id.Hex(), "err", err)
			}
		case st.Status != chain.StatusNone || head.Time >= exp:
			d.watch.mu.Lock()
			delete(d.watch.late, id)
			d.watch.mu.Unlock()
		}
	}
}
