package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/rpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ncn-network/ncn/abi"
	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/chain/bindings/payment"
	"github.com/ncn-network/ncn/host/api/pb"
)

// maxBackoff caps the wait between two tries of a step.
const maxBackoff = 15 * time.Second

// spawn starts the request's driver unless one is running; a running one
// looks at the request once more before it stops, so no change is missed.
func (d *Daemon) spawn(id common.Hash) {
	d.drivers.Lock()
	defer d.drivers.Unlock()
	if d.ctx.Err() != nil {
		return // closing: the next start resumes the request
	}
	if d.running[id] {
		d.again[id] = true
		return
	}
	d.running[id] = true
	d.wg.Add(1)
	go d.drive(id)
}

func (d *Daemon) drive(id common.Hash) {
	defer d.wg.Done()
	for {
		d.advance(id)
		d.drivers.Lock()
		if d.again[id] && d.ctx.Err() == nil {
			delete(d.again, id)
			d.drivers.Unlock()
			continue
		}
		delete(d.running, id)
		delete(d.again, id)
		d.drivers.Unlock()
		return
	}
}

// advance takes a request as far as the gateway can alone: dispatch,
// completion validation, settlement, refund. It returns when the request
// waits for someone else (the client's payment, the compute node's
// result), is terminal, or the daemon closes. A step that fails for a
// reason that may pass is tried again with backoff; past Config.Retries
// tries the request is failed and refunded (a refund is tried until it
// succeeds).
func (d *Daemon) advance(id common.Hash) {
	backoff := d.cfg.RetryBackoff
	for d.ctx.Err() == nil {
		rec, err := d.ledger.Get(id)
		if err != nil {
			d.log.Error("driver", "request_id", id.Hex(), "err", err)
			return
		}
		var step func(context.Context, Record) error
		switch rec.State {
		case StatePaid:
			step = d.stepPaid
		case StateComputed:
			step = d.stepComputed
		case StateCompletionValidated:
			step = d.stepSettle
		case StateFailed:
			step = d.stepRefund
		default:
			return
		}
		ctx, cancel := context.WithTimeout(d.ctx, 2*time.Minute)
		err = step(ctx, rec)
		cancel()
		switch {
		case err == nil:
			backoff = d.cfg.RetryBackoff
			continue
		case errors.Is(err, ErrConflict):
			continue // moved meanwhile: look again
		case d.ctx.Err() != nil:
			return
		}
		d.log.Warn("request step failed", "request_id", id.Hex(), "state", rec.State, "err", err)
		if d.countTry(rec, err) {
			continue
		}
		if !d.sleep(backoff) {
			return
		}
		backoff = min(backoff*2, maxBackoff)
	}
}

// countTry records a failed try of the request's current step; past the
// retry limit it fails the request (true). A refund is never given up on.
func (d *Daemon) countTry(rec Record, cause error) bool {
	tries := rec.Attempts[rec.State] + 1
	if rec.State != StateFailed && int(tries) >= d.cfg.Retries {
		d.fail(rec, fmt.Errorf("gave up after %d tries: %w", tries, cause))
		return true
	}
	if _, err := d.ledger.Update(rec.ID, rec.State, func(r *Record) error {
		if r.Attempts == nil {
			r.Attempts = map[State]uint32{}
		}
		r.Attempts[rec.State] = tries
		r.LastError = cause.Error()
		return nil
	}); err != nil && !errors.Is(err, ErrConflict) {
		d.log.Error("count try", "request_id", rec.ID.Hex(), "err", err)
	}
	return false
}

// fail moves a paid request to failed (a refund follows) and frees its
// compute slot.
func (d *Daemon) fail(rec Record, why error) {
	d.compute.release(rec.ComputeNode, rec.ID)
	if _, err := d.transition(rec.ID, rec.State, StateFailed, func(r *Record) error {
		r.LastError = why.Error()
		return nil
	}); err != nil && !errors.Is(err, ErrConflict) {
		d.log.Error("fail", "request_id", rec.ID.Hex(), "err", err)
	}
	d.log.Info("request failed, refunding", "request_id", rec.ID.Hex(), "why", why)
	d.spawn(rec.ID)
}

// settleBy is the time past which the gateway stops trying to settle a
// request and refunds it: the escrow refuses settlement at the expiry.
func (d *Daemon) settleBy(rec Record) time.Time {
	return time.Unix(int64(rec.Quote.ExpiresAt), 0).Add(-d.cfg.SettleMargin)
}

func (d *Daemon) taskData(id common.Hash) (taskData, error) {
	var t taskData
	b, err := d.ledger.Payload(id, partTask)
	if err != nil {
		return t, err
	}
	if err := json.Unmarshal(b, &t); err != nil {
		return t, fmt.Errorf("%w: task of %x: %v", ErrCorrupt, id[:8], err)
	}
	return t, nil
}

// stepPaid dispatches a paid request, once the escrow still holds it.
func (d *Daemon) stepPaid(ctx context.Context, rec Record) error {
	st, err := d.contracts.Request(ctx, rec.ID)
	if err != nil {
		return fmt.Errorf("%w: read the escrow: %v", ErrUnavailable, err)
	}
	if st.Status != chain.StatusPending {
		d.fail(rec, fmt.Errorf("the escrow's request is %s, not pending", st.Status))
		return nil
	}
	_, err = d.dispatch(rec)
	return err
}

// dispatch moves a paid request to dispatched and gives its task to the
// reserved compute node, with a deadline that leaves time to settle.
func (d *Daemon) dispatch(rec Record) (Record, error) {
	if out, ok, err := d.adopt(rec); ok || err != nil {
		return out, err
	}
	td, err := d.taskData(rec.ID)
	if err != nil {
		return rec, err
	}
	now := time.Now()
	deadline := d.taskDeadline(rec, now)
	if !deadline.After(now) {
		d.fail(rec, errors.New("paid too close to its expiry to compute and settle"))
		return d.get(rec.ID)
	}
	if rec, err = d.toDispatched(rec.ID); err != nil {
		return rec, err
	}
	d.compute.assign(rec.ComputeNode, computeTask(rec, td, deadline))
	d.log.Info("request dispatched", "request_id", rec.ID.Hex(), "node", rec.ComputeNode.Hex())
	return rec, nil
}

// toDispatched moves a paid request to dispatched, counting the attempt.
func (d *Daemon) toDispatched(id common.Hash) (Record, error) {
	return d.transition(id, StatePaid, StateDispatched, func(r *Record) error {
		if r.Attempts == nil {
			r.Attempts = map[State]uint32{}
		}
		r.Attempts[StateDispatched]++
		return nil
	})
}

// taskDeadline is when a task given now must be done: a task's time,
// less what it would leave too little of to settle.
func (d *Daemon) taskDeadline(rec Record, now time.Time) time.Time {
	deadline := now.Add(d.cfg.TaskTimeout)
	if by := d.settleBy(rec); by.Before(deadline) {
		deadline = by
	}
	return deadline
}

func computeTask(rec Record, td taskData, deadline time.Time) *pb.ComputeTask {
	return &pb.ComputeTask{
		RequestId: rec.ID.Bytes(), Subnet: rec.Subnet, Model: rec.Model, Input: td.Input, Params: td.Params,
		DeadlineUnixMs: deadline.UnixMilli(), ExpiresAt: rec.Quote.ExpiresAt, Stream: td.Stream,
	}
}

// timeout fails a dispatched request whose node sent no result by the
// task's deadline.
func (d *Daemon) timeout(id common.Hash) {
	rec, err := d.ledger.Get(id)
	if err != nil {
		return
	}
	if rec.State != StateDispatched {
		if sp := d.specs.get(id); sp != nil {
			// A speculation's: the request still holds the node, and is
			// dispatched again once paid.
			d.compute.finish(rec.ComputeNode, id)
			return
		}
		d.compute.release(rec.ComputeNode, id)
		return
	}
	d.fail(rec, fmt.Errorf("compute node %s sent no result by the task's deadline", rec.ComputeNode.Hex()))
}

// stepComputed runs the postprocess plugin on a result and gathers the
// completion quorum. Validators refusing the result fail the request; a
// registry that does not answer is tried again.
func (d *Daemon) stepComputed(ctx context.Context, rec Record) error {
	if time.Now().After(d.settleBy(rec)) {
		d.fail(rec, errors.New("too close to the request's expiry to validate and settle"))
		return nil
	}
	var res resultData
	b, err := d.ledger.Payload(rec.ID, partResult)
	if err == nil {
		err = json.Unmarshal(b, &res)
	}
	if err != nil {
		return fmt.Errorf("result of %s: %w", rec.ID.Hex(), err)
	}
	output, err := d.postprocess(ctx, rec, res.Result)
	if err != nil {
		if errors.Is(err, ErrInputRefused) {
			d.fail(rec, err)
			return nil
		}
		return err
	}
	if err := d.ledger.PutPayload(rec.ID, partOutput, output); err != nil {
		return err
	}
	cv, err := d.reg.RequestCompletionValidation(ctx, &pb.CompletionValidationRequest{
		RequestId: rec.ID.Bytes(), Subnet: rec.Subnet, Model: rec.Model, ComputeNode: lower(rec.ComputeNode),
		ResultHash: rec.ResultHash.Bytes(), ExecMillis: res.ExecMillis, ComputeSignature: res.Signature, Result: res.Result,
		ExpiresAt: rec.Quote.ExpiresAt,
	})
	if err != nil {
		switch status.Code(err) {
		case codes.Aborted, codes.FailedPrecondition, codes.InvalidArgument, codes.PermissionDenied:
			d.fail(rec, fmt.Errorf("completion validation: %w", remote(err)))
			return nil
		}
		return fmt.Errorf("%w: completion validation: %v", ErrUnavailable, err)
	}
	var cd completionData
	for _, s := range cv.Signatures {
		cd.Signatures = append(cd.Signatures, s.Signature)
	}
	b, _ = json.Marshal(cd)
	if err := d.ledger.PutPayload(rec.ID, partCompletion, b); err != nil {
		return err
	}
	_, err = d.transition(rec.ID, StateComputed, StateCompletionValidated, nil)
	return err
}

// postprocess runs the subnet's postprocess plugin, if it has one, on a
// result. The plugin refusing it is ErrInputRefused.
func (d *Daemon) postprocess(ctx context.Context, rec Record, result []byte) ([]byte, error) {
	if _, err := d.subnet(ctx, rec.Subnet); err != nil {
		return nil, err
	}
	h, err := d.subnets.Acquire(rec.Subnet)
	if err != nil {
		return nil, fmt.Errorf("%w: subnet %s: %v", ErrSubnetNotReady, rec.Subnet, err)
	}
	defer h.Release()
	p, err := h.Plugin(abi.KindPostprocess)
	if err != nil {
		return result, nil
	}
	out, _, err := p.Postprocess(ctx, &abi.PostprocessInput{Version: abi.Version, Model: rec.Model, Output: result, Params: h.Params()})
	if err != nil {
		return nil, fmt.Errorf("%w: postprocess plugin: %v", ErrInputRefused, err)
	}
	return out.Output, nil
}

// stepSettle sends completeInferenceRequest and waits for it: the tree
// pays out. A settlement the chain already has is recorded as it is.
func (d *Daemon) stepSettle(ctx context.Context, rec Record) error {
	st, err := d.contracts.Request(ctx, rec.ID)
	if err != nil {
		return fmt.Errorf("%w: read the escrow: %v", ErrUnavailable, err)
	}
	switch st.Status {
	case chain.StatusCompleted:
		return d.settled(ctx, rec, StateCompletionValidated)
	case chain.StatusExpired, chain.StatusFailed:
		d.fail(rec, fmt.Errorf("the escrow already refunded the request (%s)", st.Status))
		return nil
	case chain.StatusNone:
		return fmt.Errorf("the escrow does not know paid request %s", rec.ID.Hex())
	}
	head, err := d.backend.HeaderByNumber(ctx, nil)
	if err != nil {
		return fmt.Errorf("%w: chain head: %v", ErrUnavailable, err)
	}
	if time.Now().After(d.settleBy(rec)) || head.Time+2 >= rec.Quote.ExpiresAt {
		d.fail(rec, errors.New("not settled before the request's expiry"))
		return nil
	}
	if err := d.awaitFinal(ctx, rec, head.Number.Uint64()); err != nil {
		return err
	}
	var res resultData
	var cd completionData
	b, err := d.ledger.Payload(rec.ID, partResult)
	if err == nil {
		err = json.Unmarshal(b, &res)
	}
	if err == nil {
		if b, err = d.ledger.Payload(rec.ID, partCompletion); err == nil {
			err = json.Unmarshal(b, &cd)
		}
	}
	if err != nil {
		return fmt.Errorf("settlement data of %s: %w", rec.ID.Hex(), err)
	}
	c := payment.InferencePaymentCompletion{RequestId: rec.ID, ResultHash: rec.ResultHash, ExecMillis: res.ExecMillis,
		ComputeSig: res.Signature, ValidatorSigs: cd.Signatures}
	var sent settleSent
	if _, alone := d.settleAlone.Load(rec.ID); alone {
		sent = d.settler.alone(ctx, c)
	} else {
		sent = d.settler.submit(ctx, c)
	}
	if sent.err != nil {
		return fmt.Errorf("completeInferenceRequest: %w", sent.err)
	}
	tx := sent.p.Tx.Hash()
	if rec, err = d.ledger.Update(rec.ID, StateCompletionValidated, func(r *Record) error { r.CompleteTx = tx; return nil }); err != nil {
		return err
	}
	if _, err := sent.p.Wait(ctx); err != nil {
		if sent.batched {
			// The batch failed on chain as a whole: this request's next
			// try goes alone, so one bad settlement cannot hold others.
			d.settleAlone.Store(rec.ID, true)
		}
		return fmt.Errorf("completeInferenceRequest %s: %w", tx.Hex(), err)
	}
	d.settleAlone.Delete(rec.ID)
	// Our completeInferenceRequest succeeded: it is the settlement, no
	// need to look for its event.
	return d.recordSettled(rec, StateCompletionValidated, tx)
}

// awaitFinal waits until the request's deposit is final by the gateway's
// rule (DaemonConfig.Finality), head the chain's head now.
func (d *Daemon) awaitFinal(ctx context.Context, rec Record, head uint64) error {
	if d.cfg.Finality == 0 {
		return nil // mined: the escrow holds it, which the caller read
	}
	tx := rec.InitiateTx
	if tx == (common.Hash{}) {
		var err error
		if tx, err = d.eventTx(ctx, evInitiated, rec.ID, tx); err != nil {
			return err
		}
	}
	r, err := d.backend.TransactionReceipt(ctx, tx)
	if err != nil {
		return fmt.Errorf("%w: receipt of the initiate %s: %v", ErrUnavailable, tx.Hex(), err)
	}
	for {
		var final uint64
		if d.cfg.Finality == FinalityFinalized {
			h, err := d.backend.HeaderByNumber(ctx, big.NewInt(int64(rpc.FinalizedBlockNumber)))
			if err != nil {
				return fmt.Errorf("%w: the chain's finalized block: %v", ErrUnavailable, err)
			}
			final = h.Number.Uint64()
		} else {
			final = head - min(head, uint64(d.cfg.Finality))
		}
		if r.BlockNumber.Uint64() <= final {
			return nil
		}
		if !d.sleepCtx(ctx, d.cfg.PollInterval) {
			return fmt.Errorf("%w: the initiate of %s (block %d) is not final yet (final: %d)", ErrUnavailable, rec.ID.Hex(), r.BlockNumber, final)
		}
		if head, err = d.backend.BlockNumber(ctx); err != nil {
			return fmt.Errorf("%w: chain head: %v", ErrUnavailable, err)
		}
	}
}

// settled records a settlement the chain has, from state from.
func (d *Daemon) settled(ctx context.Context, rec Record, from State) error {
	tx := rec.CompleteTx
	if found, err := d.eventTx(ctx, evCompleted, rec.ID, tx); err == nil {
		tx = found
	} else if tx == (common.Hash{}) {
		return err
	}
	return d.recordSettled(rec, from, tx)
}

// recordSettled moves rec from state from to settled by transaction tx.
func (d *Daemon) recordSettled(rec Record, from State, tx common.Hash) error {
	if _, err := d.transition(rec.ID, from, StateSettled, func(r *Record) error { r.CompleteTx = tx; return nil }); err != nil {
		return err
	}
	d.compute.release(rec.ComputeNode, rec.ID)
	d.log.Info("request settled", "request_id", rec.ID.Hex(), "tx", tx.Hex())
	return nil
}

// stepRefund refunds a failed request: markRequestFailed while the
// escrow holds it; an escrow that refunded it already (expiry) or settled
// it after all (a settlement sent before the failure) is recorded as it
// is.
func (d *Daemon) stepRefund(ctx context.Context, rec Record) error {
	st, err := d.contracts.Request(ctx, rec.ID)
	if err != nil {
		return fmt.Errorf("%w: read the escrow: %v", ErrUnavailable, err)
	}
	switch st.Status {
	case chain.StatusCompleted:
		return d.settled(ctx, rec, StateFailed)
	case chain.StatusFailed, chain.StatusExpired:
		tx := rec.RefundTx
		if found, err := d.eventTx(ctx, evRefunded, rec.ID, tx); err == nil {
			tx = found
		}
		_, err := d.transition(rec.ID, StateFailed, StateRefunded, func(r *Record) error { r.RefundTx = tx; return nil })
		if err == nil {
			d.log.Info("request refunded", "request_id", rec.ID.Hex(), "tx", tx.Hex())
		}
		return err
	case chain.StatusNone:
		return fmt.Errorf("the escrow does not know paid request %s", rec.ID.Hex())
	}
	_, err = d.sendRefund(ctx, rec.ID, func(tx common.Hash) error {
		_, err := d.ledger.Update(rec.ID, StateFailed, func(r *Record) error { r.RefundTx = tx; return nil })
		return err
	})
	return err // the next look finds the escrow refunded
}

// sendRefund sends markRequestFailed for a request and waits for it.
// note, if not nil, records the transaction before the wait.
func (d *Daemon) sendRefund(ctx context.Context, id common.Hash, note ...func(common.Hash) error) (common.Hash, error) {
	p, err := d.sender.Submit(ctx, chain.Call{To: &d.cfg.Contracts.Payment, Data: d.payABI.PackMarkRequestFailed(id)})
	if err != nil {
		return common.Hash{}, fmt.Errorf("markRequestFailed: %w", err)
	}
	tx := p.Tx.Hash()
	for _, n := range note {
		if err := n(tx); err != nil {
			return tx, err
		}
	}
	if _, err := p.Wait(ctx); err != nil {
		return tx, fmt.Errorf("markRequestFailed %s: %w", tx.Hex(), err)
	}
	return tx, nil
}
