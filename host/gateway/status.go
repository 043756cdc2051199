package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"google.golang.org/protobuf/proto"

	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/host/api"
	"github.com/ncn-network/ncn/host/api/pb"
)

// taskStates maps ledger states to the API's.
var taskStates = [numStates]pb.TaskState{
	StateQuoted:              pb.TaskState_TASK_STATE_QUOTED,
	StateValidated:           pb.TaskState_TASK_STATE_AWAITING_PAYMENT,
	StatePaid:                pb.TaskState_TASK_STATE_PAID,
	StateDispatched:          pb.TaskState_TASK_STATE_DISPATCHED,
	StateComputed:            pb.TaskState_TASK_STATE_COMPUTED,
	StateCompletionValidated: pb.TaskState_TASK_STATE_COMPLETION_VALIDATED,
	StateSettled:             pb.TaskState_TASK_STATE_SETTLED,
	StateFailed:              pb.TaskState_TASK_STATE_FAILED,
	StateRefunded:            pb.TaskState_TASK_STATE_REFUNDED,
	StateReleased:            pb.TaskState_TASK_STATE_RELEASED,
	StateCancelled:           pb.TaskState_TASK_STATE_CANCELLED,
	StateExpiredUnpaid:       pb.TaskState_TASK_STATE_EXPIRED,
}

// TaskState is the API's name for a ledger state.
func TaskState(s State) pb.TaskState {
	if !s.Valid() {
		return pb.TaskState_TASK_STATE_UNSPECIFIED
	}
	return taskStates[s]
}

// stateOf is the ledger state of an API state.
func stateOf(t pb.TaskState) State {
	for s, x := range taskStates {
		if x == t && s != 0 {
			return State(s)
		}
	}
	return 0
}

// status is a request as the client sees it: the payment instructions
// while it can be paid, the result once settled (never before: a client
// pays only for a completed request, so it gets the result only then).
func (d *Daemon) status(rec Record) *pb.InferenceTaskStatus {
	st := &pb.InferenceTaskStatus{
		RequestId: rec.ID.Bytes(), State: TaskState(rec.State), Error: rec.LastError,
		UpdatedUnixMs: rec.Since().UnixMilli(),
	}
	if rec.ComputeNode != (common.Address{}) {
		st.ComputeNode = strings.ToLower(rec.ComputeNode.Hex())
	}
	if rec.ResultHash != (common.Hash{}) {
		st.ResultHash = rec.ResultHash.Bytes()
	}
	if rec.InitiateTx != (common.Hash{}) {
		st.InitiateTx = rec.InitiateTx.Hex()
	}
	switch {
	case rec.State == StateSettled && rec.CompleteTx != (common.Hash{}):
		st.SettleTx = rec.CompleteTx.Hex()
	case rec.RefundTx != (common.Hash{}):
		st.SettleTx = rec.RefundTx.Hex()
	}
	if rec.Reached(StateValidated) {
		if b, err := d.ledger.Payload(rec.ID, partPayment); err == nil {
			var p pb.PaymentInstructions
			if proto.Unmarshal(b, &p) == nil {
				st.Payment = &p
			}
		}
	}
	if rec.Reached(StateComputed) {
		if b, err := d.ledger.Payload(rec.ID, partResult); err == nil {
			var r resultData
			if json.Unmarshal(b, &r) == nil {
				st.ExecMillis = r.ExecMillis
			}
		}
	}
	if rec.State == StateSettled {
		if b, err := d.ledger.Payload(rec.ID, partOutput); err == nil {
			st.Result = b
		}
	}
	return st
}

// transition moves a request in the ledger and tells its subscribers.
func (d *Daemon) transition(id common.Hash, from, to State, mutate func(*Record) error) (Record, error) {
	rec, err := d.ledger.Transition(id, from, to, mutate)
	if err != nil {
		return rec, err
	}
	d.metrics.moved(rec, from, to)
	d.log.Debug("request moved", "request_id", id.Hex(), "from", from, "to", to)
	if d.bus.has(id) {
		d.bus.publish(id, &pb.TaskUpdate{RequestId: id.Bytes(), State: TaskState(to), Status: d.status(rec)})
	}
	return rec, nil
}

// getStatus is GetTaskStatus. A request this gateway does not hold
// (another gateway's: the client's gateway crashed, or it asks here
// first) is answered from the escrow, which says whether it is paid,
// settled or refunded.
func (d *Daemon) getStatus(ctx context.Context, ref *pb.TaskRef) (*pb.InferenceTaskStatus, error) {
	id, err := hexID(ref.GetRequestId())
	if err != nil {
		return nil, err
	}
	rec, err := d.get(id)
	if errors.Is(err, ErrUnknownRequest) {
		return d.chainStatus(ctx, id)
	}
	if err != nil {
		return nil, err
	}
	return d.status(rec), nil
}

// chainLookupsPerMinute bounds the status reads answered from the escrow
// (an eth_call each), for all callers together.
const chainLookupsPerMinute = 6000

// chainStatus is the status of a request this gateway does not hold, as
// the escrow has it: PAID while its deposit is held (naming the gateway
// that holds it, and when anyone may refund it), SETTLED or REFUNDED once
// it ended. The result itself is only at the request's gateway.
func (d *Daemon) chainStatus(ctx context.Context, id common.Hash) (*pb.InferenceTaskStatus, error) {
	if wait, ok := d.chainLookups.allow("", time.Now()); !ok {
		return nil, fmt.Errorf("%w: %s is not held by this gateway, and more than %d such lookups a minute reach the chain: retry in %s",
			ErrRateLimited, id.Hex(), chainLookupsPerMinute, wait.Round(time.Second))
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	rs, err := d.contracts.Request(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("%w: %s is not held by this gateway, and the escrow could not be read: %v", ErrUnavailable, id.Hex(), err)
	}
	st := &pb.InferenceTaskStatus{RequestId: id.Bytes()}
	expiry := time.Unix(int64(rs.ExpiresAt), 0).UTC().Format(time.RFC3339)
	switch rs.Status {
	case chain.StatusPending:
		st.State = pb.TaskState_TASK_STATE_PAID
		st.ComputeNode = strings.ToLower(rs.Tree.ComputeNode.Hex())
		st.Error = fmt.Sprintf("not held by this gateway: paid into escrow for gateway %s, which settles or refunds it; from %s anyone can refund it to the client (handleExpiredRequest)",
			strings.ToLower(rs.Tree.Gateway.Hex()), expiry)
	case chain.StatusCompleted:
		st.State = pb.TaskState_TASK_STATE_SETTLED
		st.Error = "not held by this gateway: settled on chain; its result is at the gateway that settled it"
	case chain.StatusExpired, chain.StatusFailed:
		st.State = pb.TaskState_TASK_STATE_REFUNDED
		st.Error = fmt.Sprintf("not held by this gateway: refunded to its client on chain (%s)", rs.Status)
	default:
		return nil, fmt.Errorf("%w: %s: not held by this gateway, and nothing is paid for it on chain", ErrUnknownRequest, id.Hex())
	}
	return st, nil
}

// get reads a request, NotFound as ErrUnknownRequest.
func (d *Daemon) get(id common.Hash) (Record, error) {
	rec, err := d.ledger.Get(id)
	if errors.Is(err, ErrNotFound) {
		return rec, fmt.Errorf("%w: %s", ErrUnknownRequest, id.Hex())
	}
	return rec, err
}

// subscription is one subscriber's queue of updates.
type subscription struct {
	ch     chan *pb.TaskUpdate
	closed bool // dropped for falling behind
}

// subBuffer is how many updates a subscriber may lag before it is dropped.
const subBuffer = 1024

// updateBus fans a request's updates out to its subscribers. Safe for
// concurrent use.
type updateBus struct {
	mu   sync.Mutex
	subs map[common.Hash][]*subscription
}

func (b *updateBus) subscribe(id common.Hash) *subscription {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.subs == nil {
		b.subs = map[common.Hash][]*subscription{}
	}
	s := &subscription{ch: make(chan *pb.TaskUpdate, subBuffer)}
	b.subs[id] = append(b.subs[id], s)
	return s
}

func (b *updateBus) unsubscribe(id common.Hash, s *subscription) {
	b.mu.Lock()
	defer b.mu.Unlock()
	list := b.subs[id]
	for i, x := range list {
		if x == s {
			list = append(list[:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(b.subs, id)
	} else {
		b.subs[id] = list
	}
	if !s.closed {
		s.closed = true
		close(s.ch)
	}
}

func (b *updateBus) has(id common.Hash) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs[id]) > 0
}

// publish queues u for every subscriber of id; one that lags a whole
// buffer behind is dropped (its stream ends) rather than slowing the
// request down.
func (b *updateBus) publish(id common.Hash, u *pb.TaskUpdate) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, s := range b.subs[id] {
		if s.closed {
			continue
		}
		select {
		case s.ch <- u:
		default:
			s.closed = true
			close(s.ch)
		}
	}
}

// subscribe streams a request's updates: its status now, then every state
// change and streamed token, until it is terminal.
func (d *Daemon) subscribe(ctx context.Context, ref *pb.TaskRef, send func(*pb.TaskUpdate) error) error {
	id, err := hexID(ref.GetRequestId())
	if err != nil {
		return err
	}
	s := d.bus.subscribe(id) // before reading the state, so no change falls between
	defer d.bus.unsubscribe(id, s)
	rec, err := d.get(id)
	if err != nil {
		return err
	}
	last := rec.State
	if err := send(&pb.TaskUpdate{RequestId: id.Bytes(), State: TaskState(rec.State), Status: d.status(rec)}); err != nil {
		return err
	}
	for !last.Terminal() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-d.ctx.Done():
			return fmt.Errorf("%w: the gateway is shutting down; subscribe again (here after a restart, or at another gateway for status)", ErrUnavailable)
		case u, ok := <-s.ch:
			if !ok {
				return fmt.Errorf("%w: subscriber fell %d updates behind", ErrRateLimited, subBuffer)
			}
			if u.Status != nil {
				last = stateOf(u.State)
			}
			if err := send(u); err != nil {
				return err
			}
		}
	}
	return nil
}

// cancelTask is CancelTask: an unpaid request is cancelled (a late payment is
// refunded by the payment watcher); a paid one not yet computed is
// refunded. Past compute the result is being settled, and it cannot be.
func (d *Daemon) cancelTask(ref *pb.TaskRef) (*pb.InferenceTaskStatus, error) {
	id, err := hexID(ref.GetRequestId())
	if err != nil {
		return nil, err
	}
	rec, err := d.get(id)
	if err != nil {
		return nil, err
	}
	if err := checkTaskRef(api.KindCancelTask, ref, rec.Client, "client"); err != nil {
		return nil, err
	}
	why := func(r *Record) error { r.LastError = "cancelled by the client"; return nil }
	switch rec.State {
	case StateQuoted, StateValidated:
		if rec, err = d.transition(id, rec.State, StateCancelled, why); err != nil {
			return nil, err
		}
		d.compute.release(rec.ComputeNode, id)
		if d.watch.forget(id) {
			d.watch.lateWatch(id, rec.Quote.ExpiresAt)
		}
	case StatePaid, StateDispatched:
		if rec, err = d.transition(id, rec.State, StateFailed, why); err != nil {
			return nil, err
		}
		d.compute.release(rec.ComputeNode, id)
		d.spawn(id)
	case StateComputed, StateCompletionValidated:
		return nil, fmt.Errorf("%w: request %s is %s: the result is being settled", ErrWrongState, id.Hex(), rec.State)
	}
	return d.status(rec), nil
}

// supportedModels is GetSupportedModels: the models of the subnets served
// (or of one), each with the compute nodes that can take it now.
func (d *Daemon) supportedModels(ctx context.Context, req *pb.GetSupportedModelsRequest) (*pb.SupportedModels, error) {
	ids := d.book.ids()
	if req.Subnet != "" {
		ids = []string{req.Subnet}
	} else {
		for _, s := range d.cfg.Subnets {
			if _, ok := d.book.get(s); !ok {
				ids = append(ids, s)
			}
		}
	}
	out := &pb.SupportedModels{}
	for _, sid := range ids {
		st, err := d.subnet(ctx, sid)
		if err != nil {
			if req.Subnet != "" {
				return nil, err
			}
			continue
		}
		for _, m := range sortedModels(st.models) {
			nodes, err := d.discover(ctx, sid, m.Id)
			if err != nil {
				return nil, err
			}
			n := 0
			for _, x := range nodes {
				if d.compute.connected(common.HexToAddress(x.Address)) {
					n++
				}
			}
			out.Models = append(out.Models, &pb.SupportedModel{Subnet: sid, Model: m, ComputeNodes: uint32(n)})
		}
	}
	return out, nil
}

func sortedModels(m map[string]*pb.ModelDescriptor) []*pb.ModelDescriptor {
	out := slices.Collect(maps.Values(m))
	slices.SortFunc(out, func(a, b *pb.ModelDescriptor) int { return strings.Compare(a.Id, b.Id) })
	return out
}

// checkTaskRef checks that ref is signed for kind by want, the request's
// party named role.
func checkTaskRef(kind string, ref *pb.TaskRef, want common.Address, role string) error {
	signer, err := api.VerifyTaskRef(kind, ref, time.Now())
	if err != nil {
		return fmt.Errorf("%w: %v", ErrForbidden, err)
	}
	if signer != want {
		return fmt.Errorf("%w: %s signed by %s, not the request's %s", ErrForbidden, kind, lower(signer), role)
	}
	return nil
}
