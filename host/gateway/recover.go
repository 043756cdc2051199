package gateway

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
)

// resume resumes what the ledger had in flight when the gateway stopped:
// a request not yet validated is released (its client never got
// signatures to pay with); a validated one waits for its payment again; a
// dispatched one is given to its compute node again (it answers each
// request once, and the gateway takes the first signed result); every
// other paid one is driven on to settled or refunded.
func (d *Daemon) resume(ctx context.Context) {
	recs, err := d.ledger.Recover()
	if err != nil {
		d.log.Error("ledger recovery: some requests could not be read", "err", err)
	}
	d.metrics.resumed(recs)
	if len(recs) > 0 {
		d.log.Info("resuming requests in flight", "count", len(recs))
	}
	for _, rec := range recs {
		switch rec.State {
		case StateQuoted:
			d.release(rec, StateQuoted, errors.New("the gateway restarted before the request was validated"))
		case StateValidated:
			d.compute.reserve(rec.ComputeNode, rec.ID, 1<<30, time.Now().Add(d.cfg.ReservationTTL))
			d.watch.await(rec.ID, rec.Quote.ExpiresAt)
		case StateDispatched:
			td, err := d.taskData(rec.ID)
			if err != nil {
				d.fail(rec, err)
				continue
			}
			deadline := rec.Since().Add(d.cfg.TaskTimeout)
			if by := d.settleBy(rec); by.Before(deadline) {
				deadline = by
			}
			d.compute.assign(rec.ComputeNode, computeTask(rec, td, deadline))
		default:
			d.spawn(rec.ID)
		}
	}
}

// lower is an address as the API spells it.
func lower(a common.Address) string { return strings.ToLower(a.Hex()) }
