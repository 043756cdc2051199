package compute

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/ethereum/go-ethereum/common"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ncn-network/ncn/gpu/worker"
	"github.com/ncn-network/ncn/host/api"
	"github.com/ncn-network/ncn/host/api/pb"
)

// healthyStream is how long a task stream the gateway confirmed must have
// stayed open for the reconnect backoff to start again from its minimum:
// a gateway restarted many times is found again at once, and two nodes
// sharing a key, replacing each other's stream, still back off.
const healthyStream = time.Second

// receiveLoop keeps the task stream to the gateway open until ctx ends,
// reopening it with backoff whenever it drops.
func (n *Node) receiveLoop(ctx context.Context) {
	backoff := n.cfg.ReconnectMin
	for {
		got, confirmed, err := n.receive(ctx)
		if ctx.Err() != nil {
			return
		}
		if got > 0 || (!confirmed.IsZero() && time.Since(confirmed) > healthyStream) {
			backoff = n.cfg.ReconnectMin
		}
		level := slog.LevelWarn
		if permanent(err) {
			level = slog.LevelError // e.g. the gateway refused the signature: the operator must look
		}
		n.log.Log(ctx, level, "task stream ended; reconnecting", "gateway", n.cfg.GatewayAddr, "err", err, "tasks", got, "retry_in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, n.cfg.ReconnectMax)
	}
}

// receive opens one task stream session and hands each task it brings to
// its own goroutine; it returns when the stream ends, with the tasks it
// brought and when the gateway confirmed it (zero: never).
func (n *Node) receive(ctx context.Context) (int, time.Time, error) {
	var confirmed time.Time
	req, err := api.SignReceiveTask(n.cfg.Key, time.Now())
	if err != nil {
		return 0, confirmed, err
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := n.gateway.ReceiveTask(sctx, req)
	if err != nil {
		return 0, confirmed, err
	}
	n.streams.Add(1)
	n.streamOpen.Store(true)
	defer n.streamOpen.Store(false)
	n.log.Debug("task stream open", "gateway", n.cfg.GatewayAddr)
	// The gateway sends its headers once it has taken the stream (a
	// gateway that does not, with its first task); none means it ended
	// the stream at once.
	if md, err := stream.Header(); err == nil && md != nil {
		confirmed = time.Now()
	}
	got := 0
	for {
		t, err := stream.Recv()
		if err != nil {
			return got, confirmed, err
		}
		got++
		n.tasks.Add(1)
		go func() {
			defer n.tasks.Done()
			n.handle(t)
		}()
	}
}

// Streams is the number of task stream sessions opened with the gateway
// so far (reconnects included).
func (n *Node) Streams() int64 { return n.streams.Load() }

// handle runs one task and returns its result to the gateway.
func (n *Node) handle(t *pb.ComputeTask) {
	log := n.log.With("request_id", "0x"+hex.EncodeToString(t.RequestId), "model", t.Model, "subnet", t.Subnet)
	res := n.run(log, t)
	if res == nil {
		return
	}
	n.submit(log, res)
}

// run checks and runs a task. It returns the result to submit: signed, or
// with its error set; nil when there is nothing to send (the same task is
// already running).
func (n *Node) run(log *slog.Logger, t *pb.ComputeTask) *pb.ComputeResult {
	m := n.byName[t.Model]
	var failed error
	repeated := false
	defer func() {
		if repeated {
			n.metrics.repeated(m)
			return
		}
		n.metrics.done(m, failed)
	}()
	fail := func(err error) *pb.ComputeResult {
		log.Warn("task failed", "err", err)
		failed = err
		// Signed: a failure report refunds the client, so the gateway
		// takes it from this node only.
		sig, serr := api.SignTaskError(n.cfg.Key, common.BytesToHash(t.RequestId), err.Error())
		if serr != nil {
			log.Error("sign the failure report", "err", serr)
		}
		return &pb.ComputeResult{RequestId: t.RequestId, ComputeNode: n.addrHex, Error: err.Error(), Signature: sig}
	}
	if len(t.RequestId) != common.HashLength {
		return fail(fmt.Errorf("%w: request id is %d bytes, want %d", ErrBadTask, len(t.RequestId), common.HashLength))
	}
	id := common.BytesToHash(t.RequestId)
	running, done := n.ledger.claim(id)
	switch {
	case running:
		repeated = true
		log.Info("task already running here; ignoring the repeat")
		return nil
	case done != nil:
		repeated = true
		log.Info("task already done here; returning its result again")
		return done
	}
	var res *pb.ComputeResult
	defer func() { n.ledger.finish(id, res) }()

	if m == nil {
		res = fail(fmt.Errorf("%w: %q (this node serves %s)", ErrUnknownModel, t.Model, strings.Join(n.modelNames(), ", ")))
		return res
	}
	if t.Subnet != "" && !slices.Contains(n.cfg.Subnets, t.Subnet) {
		res = fail(fmt.Errorf("%w: %q (this node serves %s)", ErrUnknownSubnet, t.Subnet, strings.Join(n.cfg.Subnets, ", ")))
		return res
	}
	if err := n.checkTask(t); err != nil {
		res = fail(err)
		return res
	}
	now := time.Now()
	deadline := now.Add(n.cfg.TaskTimeout)
	if t.DeadlineUnixMs > 0 {
		if d := time.UnixMilli(t.DeadlineUnixMs); d.Before(deadline) {
			deadline = d
		}
	}
	switch {
	case !deadline.After(now):
		res = fail(fmt.Errorf("%w: its deadline passed %s ago", ErrExpired, now.Sub(deadline).Round(time.Millisecond)))
		return res
	case t.ExpiresAt > 0 && uint64(now.Unix()) >= t.ExpiresAt:
		res = fail(fmt.Errorf("%w: its payment expired at %s", ErrExpired, time.Unix(int64(min(t.ExpiresAt, 1<<62)), 0).UTC().Format(time.RFC3339)))
		return res
	}
	if busy := n.busy.Add(1); busy > int64(n.cfg.MaxTasks) {
		n.busy.Add(-1)
		res = fail(fmt.Errorf("%w: %d tasks in progress", ErrBusy, busy-1))
		return res
	}
	defer n.busy.Add(-1)

	ctx, cancel := context.WithDeadline(n.taskCtx, deadline)
	defer cancel()
	var tokens *tokenStream
	var partial func([]byte)
	if t.Stream && m.text {
		tokens = &tokenStream{n: n, id: t.RequestId, log: log, deadline: deadline, count: n.metrics.tokens.WithLabelValues(m.Name)}
		partial = tokens.add
	}
	log.Debug("task started", "deadline", deadline, "input_bytes", len(t.Input), "stream", tokens != nil)
	start := time.Now()
	out, err := m.pool.Infer(ctx, worker.Request{ID: "0x" + hex.EncodeToString(t.RequestId), Input: t.Input, Params: t.Params, Deadline: deadline}, partial)
	elapsed := time.Since(start)
	n.metrics.ran(m, elapsed)
	if tokens != nil {
		tokens.close()
	}
	if err != nil {
		res = fail(n.taskError(err, elapsed))
		return res
	}
	ms := uint64((elapsed + time.Millisecond - 1) / time.Millisecond)
	signed, err := api.SignResult(n.cfg.Key, n.cfg.Domain, id, out.Output, ms)
	if err != nil {
		res = fail(fmt.Errorf("%w: sign: %v", ErrModelFailed, err))
		return res
	}
	res = signed
	log.Info("task done", "exec_ms", signed.ExecMillis, "result_hash", "0x"+hex.EncodeToString(signed.ResultHash),
		"output_bytes", len(out.Output), "tokens", out.Tokens, "streamed", tokens != nil && tokens.sent > 0)
	return res
}

// checkTask checks a task's sizes and params.
func (n *Node) checkTask(t *pb.ComputeTask) error {
	if len(t.Input) > n.cfg.MaxInput {
		return fmt.Errorf("%w: input of %d bytes exceeds the limit of %d", ErrBadTask, len(t.Input), n.cfg.MaxInput)
	}
	if len(t.Params) > maxParams {
		return fmt.Errorf("%w: params of %d bytes exceed the limit of %d", ErrBadTask, len(t.Params), maxParams)
	}
	if p := bytes.TrimSpace(t.Params); len(p) > 0 {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(p, &obj); err != nil || obj == nil {
			return fmt.Errorf("%w: params are not a JSON object", ErrBadTask)
		}
	}
	return nil
}

// taskError turns a pool error into the error a result carries.
func (n *Node) taskError(err error, elapsed time.Duration) error {
	var me *worker.ModelError
	switch {
	case errors.Is(err, worker.ErrInvalidInput) && errors.As(err, &me):
		return fmt.Errorf("%w: %s", ErrInvalidInput, me.Message)
	case errors.Is(err, worker.ErrInvalidInput):
		return fmt.Errorf("%w: %v", ErrInvalidInput, err)
	case n.taskCtx.Err() != nil, errors.Is(err, worker.ErrClosed):
		return fmt.Errorf("%w: the task was cut after %s", ErrShuttingDown, elapsed.Round(time.Millisecond))
	case errors.Is(err, worker.ErrDeadline), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%w: cut after %s", ErrDeadline, elapsed.Round(time.Millisecond))
	case errors.Is(err, worker.ErrBusy):
		return fmt.Errorf("%w: no worker free", ErrBusy)
	default:
		return fmt.Errorf("%w: %v", ErrModelFailed, err)
	}
}

// submit returns a result to the gateway, retrying while it is
// unreachable for up to SubmitTimeout.
func (n *Node) submit(log *slog.Logger, res *pb.ComputeResult) {
	ctx, cancel := context.WithTimeout(n.submitCtx, n.cfg.SubmitTimeout)
	defer cancel()
	backoff := n.cfg.ReconnectMin
	for {
		_, err := n.gateway.SubmitResult(ctx, res, grpc.WaitForReady(true))
		switch {
		case err == nil:
			log.Debug("result submitted")
			return
		case ctx.Err() != nil:
			log.Error("result not delivered to the gateway", "err", err)
			return
		case status.Code(err) != codes.Unavailable && status.Code(err) != codes.ResourceExhausted:
			log.Warn("the gateway refused the result", "err", err)
			return
		}
		log.Warn("submit result failed; retrying", "err", err, "retry_in", backoff)
		select {
		case <-ctx.Done():
			log.Error("result not delivered to the gateway", "err", err)
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, n.cfg.ReconnectMax)
	}
}

// tokenStream forwards a text model's output to the gateway as it comes,
// one TokenChunk per piece of whole UTF-8 characters. It is opened at the
// first token; if it fails, tokens stop and the result still carries the
// whole output.
type tokenStream struct {
	n        *Node
	id       []byte
	log      *slog.Logger
	deadline time.Time
	count    prometheus.Counter // tokens streamed

	cancel  context.CancelFunc
	stream  grpc.ClientStreamingClient[pb.TokenChunk, pb.StreamTokensResponse]
	pending []byte // an incomplete character held for the next chunk
	sent    uint32
	err     error
}

func (s *tokenStream) add(chunk []byte) {
	if s.err != nil {
		return
	}
	s.count.Inc()
	b := append(s.pending, chunk...)
	k := wholeRunes(b)
	s.pending = append([]byte(nil), b[k:]...)
	if k > 0 {
		s.send(string(b[:k]))
	}
}

func (s *tokenStream) send(text string) {
	if s.stream == nil {
		// The stream outlives the task's deadline a little, so tokens
		// produced just before it still reach the gateway.
		ctx, cancel := context.WithDeadline(s.n.submitCtx, s.deadline.Add(5*time.Second))
		st, err := s.n.gateway.StreamTokens(ctx)
		if err != nil {
			cancel()
			s.fail(err)
			return
		}
		s.stream, s.cancel = st, cancel
	}
	c := &pb.TokenChunk{RequestId: s.id, ComputeNode: s.n.addrHex, Index: s.sent, Text: text}
	if s.sent == 0 {
		ref, err := api.SignTaskRef(s.n.cfg.Key, api.KindStreamTokens, common.BytesToHash(s.id), time.Now())
		if err != nil {
			s.fail(err)
			return
		}
		c.UnixMs, c.Signature = ref.UnixMs, ref.Signature
	}
	err := s.stream.Send(c)
	if err != nil {
		s.fail(err)
		return
	}
	s.sent++
}

func (s *tokenStream) fail(err error) {
	s.err = err
	s.log.Warn("token stream failed; the result still carries the whole output", "err", err, "sent", s.sent)
}

// close flushes what is held and ends the stream, waiting for the gateway
// to take it, so that the tokens arrive before the result.
func (s *tokenStream) close() {
	if len(s.pending) > 0 && s.err == nil {
		s.send(strings.ToValidUTF8(string(s.pending), "\uFFFD"))
	}
	if s.stream == nil {
		return
	}
	defer s.cancel()
	if s.err != nil {
		return
	}
	if _, err := s.stream.CloseAndRecv(); err != nil {
		s.log.Warn("token stream not acknowledged", "err", err, "sent", s.sent)
	}
}

// wholeRunes is the length of the longest prefix of b that does not end
// inside a UTF-8 character.
func wholeRunes(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if utf8.FullRune(b[i:]) {
				return len(b)
			}
			return i
		}
	}
	return len(b)
}

// ledger remembers the tasks running and the signed results of the last
// ones done, so that a task the gateway sends again (after a reconnect)
// is neither run twice at once nor signed twice with another result. It
// keeps at most keep results and maxBytes of their output.
type ledger struct {
	mu       sync.Mutex
	running  map[common.Hash]bool
	done     map[common.Hash]*pb.ComputeResult
	order    []common.Hash // done, oldest first
	bytes    int           // output held in done
	keep     int
	maxBytes int
}

func newLedger(keep, maxBytes int) ledger {
	return ledger{running: map[common.Hash]bool{}, done: map[common.Hash]*pb.ComputeResult{}, keep: keep, maxBytes: maxBytes}
}

// claim marks id running unless it is running already or done.
func (l *ledger) claim(id common.Hash) (running bool, done *pb.ComputeResult) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.running[id] {
		return true, nil
	}
	if r, ok := l.done[id]; ok {
		return false, r
	}
	l.running[id] = true
	return false, nil
}

// finish ends id's run; a signed result is kept to answer repeats. A
// failure is not: the task may be sent again and succeed.
func (l *ledger) finish(id common.Hash, res *pb.ComputeResult) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.running, id)
	if res == nil || res.Error != "" || len(res.Result) > l.maxBytes {
		return
	}
	l.done[id] = res
	l.order = append(l.order, id)
	l.bytes += len(res.Result)
	for len(l.order) > l.keep || l.bytes > l.maxBytes {
		old := l.order[0]
		l.bytes -= len(l.done[old].Result)
		delete(l.done, old)
		l.order = l.order[1:]
	}
}
