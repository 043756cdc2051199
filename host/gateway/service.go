package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/host/api"
	"github.com/ncn-network/ncn/host/api/pb"
)

// codeOf maps the gateway's errors to gRPC codes. An error that wraps a
// status from the registry keeps its code.
func codeOf(err error) codes.Code {
	switch {
	case errors.Is(err, ErrBadRequest), errors.Is(err, ErrInputRefused):
		return codes.InvalidArgument
	case errors.Is(err, ErrUnknownSubnet), errors.Is(err, ErrUnknownModel), errors.Is(err, ErrUnknownQuote), errors.Is(err, ErrUnknownRequest):
		return codes.NotFound
	case errors.Is(err, ErrQuoteExpired), errors.Is(err, ErrStaleQuote), errors.Is(err, ErrSubnetNotReady),
		errors.Is(err, ErrWrongState), errors.Is(err, ErrNotPaid):
		return codes.FailedPrecondition
	case errors.Is(err, ErrNoComputeNode), errors.Is(err, ErrUnavailable):
		return codes.Unavailable
	case errors.Is(err, ErrForbidden):
		return codes.PermissionDenied
	case errors.Is(err, ErrRateLimited):
		return codes.ResourceExhausted
	case errors.Is(err, ErrConflict):
		return codes.Aborted // the request moved meanwhile (a cancel, a concurrent call): look at it again
	case errors.Is(err, context.DeadlineExceeded):
		return codes.DeadlineExceeded
	case errors.Is(err, context.Canceled):
		return codes.Canceled
	}
	if s, ok := status.FromError(err); ok {
		return s.Code()
	}
	return codes.Internal
}

// remoteError is an error status from another node (the registry): its
// code kept, its message shown as the node wrote it.
type remoteError struct{ s *status.Status }

func (e remoteError) Error() string              { return e.s.Message() }
func (e remoteError) GRPCStatus() *status.Status { return e.s }

// remote turns another node's error status into a remoteError.
func remote(err error) error {
	if s, ok := status.FromError(err); ok {
		return remoteError{s}
	}
	return err
}

func grpcError(err error) error {
	if err == nil {
		return nil
	}
	return status.Error(codeOf(err), err.Error())
}

// peerHost is the caller's IP, for rate limits.
func peerHost(ctx context.Context) string {
	p, ok := peer.FromContext(ctx)
	if !ok || p.Addr == nil {
		return ""
	}
	if host, _, err := net.SplitHostPort(p.Addr.String()); err == nil {
		return host
	}
	return p.Addr.String()
}

// clientService is GatewayClientService.
type clientService struct {
	pb.UnimplementedGatewayClientServiceServer
	d *Daemon
}

func (s *clientService) EstimateFee(ctx context.Context, req *pb.EstimateFeeRequest) (*pb.FeeQuote, error) {
	q, err := s.d.quote(ctx, quoteRequest{subnet: req.Subnet, model: req.Model, client: req.Client, input: req.Input, params: req.Params})
	if err != nil {
		return nil, grpcError(err)
	}
	return q.quote, nil
}

func (s *clientService) SubmitInferenceTask(ctx context.Context, req *pb.InferenceRequest) (*pb.InferenceTaskStatus, error) {
	if wait, ok := s.d.grpcLimit.allow(peerHost(ctx), time.Now()); !ok {
		s.d.metrics.rejected(rejectRateLimited)
		return nil, status.Errorf(codes.ResourceExhausted, "more than %d submissions a minute from your address: retry in %s", s.d.cfg.GRPCSubmitPerMinute, wait.Round(time.Second))
	}
	st, err := s.d.submit(ctx, req)
	return st, grpcError(err)
}

func (s *clientService) ConfirmPayment(ctx context.Context, req *pb.ConfirmPaymentRequest) (*pb.InferenceTaskStatus, error) {
	st, err := s.d.confirm(ctx, req)
	return st, grpcError(err)
}

func (s *clientService) SubscribeToTaskUpdates(ref *pb.TaskRef, stream grpc.ServerStreamingServer[pb.TaskUpdate]) error {
	return grpcError(s.d.subscribe(stream.Context(), ref, stream.Send))
}

func (s *clientService) GetTaskStatus(ctx context.Context, ref *pb.TaskRef) (*pb.InferenceTaskStatus, error) {
	st, err := s.d.getStatus(ctx, ref)
	return st, grpcError(err)
}

func (s *clientService) CancelTask(_ context.Context, ref *pb.TaskRef) (*pb.InferenceTaskStatus, error) {
	st, err := s.d.cancelTask(ref)
	return st, grpcError(err)
}

func (s *clientService) GetSupportedModels(ctx context.Context, req *pb.GetSupportedModelsRequest) (*pb.SupportedModels, error) {
	m, err := s.d.supportedModels(ctx, req)
	return m, grpcError(err)
}

// computeService is GatewayComputeService.
type computeService struct {
	pb.UnimplementedGatewayComputeServiceServer
	d *Daemon
}

// RegisterComputeNode forwards a node's signed registration to the
// registry, which checks it.
func (s *computeService) RegisterComputeNode(ctx context.Context, req *pb.RegisterNodeRequest) (*pb.RegisterNodeResponse, error) {
	if req.GetNode().GetRole() != pb.NodeRole_NODE_ROLE_COMPUTE {
		return nil, status.Error(codes.InvalidArgument, "a gateway forwards compute nodes' registrations only (role COMPUTE)")
	}
	return s.d.reg.RegisterNode(ctx, req)
}

func (s *computeService) UpdateHeartbeat(ctx context.Context, req *pb.HeartbeatRequest) (*pb.HeartbeatResponse, error) {
	return s.d.reg.UpdateNodeHeartbeat(ctx, req)
}

// ReceiveTask checks a node's signed stream request and sends it every
// task dispatched to it while the stream is open. A newer stream of the
// same node replaces this one.
func (s *computeService) ReceiveTask(req *pb.ReceiveTaskRequest, stream grpc.ServerStreamingServer[pb.ComputeTask]) error {
	d := s.d
	addr, err := checkStreamRequest(req, time.Now())
	if err != nil {
		return grpcError(err)
	}
	ts, err := d.compute.connect(addr, req.UnixMs)
	if err != nil {
		return grpcError(err)
	}
	defer d.compute.disconnect(addr, ts)
	// Headers now tell the node its stream is taken (it resets its
	// reconnect backoff on them).
	if err := stream.SendHeader(metadata.MD{}); err != nil {
		return err
	}
	d.log.Info("compute node connected", "node", addr.Hex())
	for {
		for t := d.compute.next(ts); t != nil; t = d.compute.next(ts) {
			if err := stream.Send(t); err != nil {
				return err
			}
		}
		select {
		case <-stream.Context().Done():
			return nil
		case <-d.ctx.Done():
			return status.Error(codes.Unavailable, "the gateway is shutting down: connect again")
		case <-ts.done:
			return status.Error(codes.Aborted, "replaced by a newer task stream of the same node")
		case <-ts.wake:
		}
	}
}

// checkStreamRequest verifies a ReceiveTaskRequest: recent, and signed by
// the key of the address it names (api.VerifyReceiveTask).
func checkStreamRequest(req *pb.ReceiveTaskRequest, now time.Time) (common.Address, error) {
	if !common.IsHexAddress(req.Address) {
		return common.Address{}, fmt.Errorf("%w: address %q", ErrBadRequest, req.Address)
	}
	addr, err := api.VerifyReceiveTask(req, now)
	if err != nil {
		return common.HexToAddress(req.Address), fmt.Errorf("%w: %v", ErrForbidden, err)
	}
	return addr, nil
}

// SubmitResult takes a compute node's result for a request dispatched to
// it: signed by the node (the EIP-712 ComputeResult the escrow checks) and
// hashing to its result hash. A result sent again is accepted once more;
// a second, different one is refused. An error report fails the request,
// which is then refunded.
func (s *computeService) SubmitResult(ctx context.Context, r *pb.ComputeResult) (*pb.SubmitResultResponse, error) {
	return &pb.SubmitResultResponse{}, grpcError(s.d.result(r))
}

func (d *Daemon) result(r *pb.ComputeResult) error {
	id, err := hexID(r.RequestId)
	if err != nil {
		return err
	}
	if !common.IsHexAddress(r.ComputeNode) {
		return fmt.Errorf("%w: compute node %q", ErrBadRequest, r.ComputeNode)
	}
	node := common.HexToAddress(r.ComputeNode)
	rec, err := d.get(id)
	if err != nil {
		return err
	}
	if rec.ComputeNode != node {
		return fmt.Errorf("%w: request %s was dispatched to %s, not %s", ErrForbidden, id.Hex(), lower(rec.ComputeNode), lower(node))
	}
	if err := d.checkResult(id, node, r); err != nil {
		return err
	}
	if (rec.State == StateValidated || rec.State == StatePaid) && d.offerResult(id, r) {
		return nil // a speculation's: kept until the payment lands
	}
	if rec, err = d.get(id); err != nil { // an adoption may have moved it
		return err
	}
	if rec.State != StateDispatched {
		if rec.Reached(StateComputed) && r.Error == "" && bytes.Equal(r.ResultHash, rec.ResultHash[:]) {
			return nil // sent again
		}
		return fmt.Errorf("%w: request %s is %s: no result expected", ErrWrongState, id.Hex(), rec.State)
	}
	if r.Error != "" {
		d.fail(rec, fmt.Errorf("compute node %s reported: %s", lower(node), r.Error))
		return nil
	}
	if err := d.computed(rec, r); err != nil {
		if errors.Is(err, ErrConflict) {
			return d.result(r) // moved meanwhile (a result sent twice at once): answer as it is now
		}
		return err
	}
	return nil
}

// checkResult checks a node's answer is its own: a failure report (which
// refunds the client) signed by it, a result whose hash and ComputeResult
// signature match.
func (d *Daemon) checkResult(id common.Hash, node common.Address, r *pb.ComputeResult) error {
	if r.Error != "" {
		if signer, err := api.TaskErrorSigner(id, r.Error, r.Signature); err != nil || signer != node {
			return fmt.Errorf("%w: a failure report must carry %s's signature of it (api.SignTaskError)", ErrForbidden, lower(node))
		}
		return nil
	}
	if len(r.Result) > d.cfg.MaxResultBytes {
		return fmt.Errorf("%w: result of %d bytes, the limit is %d", ErrBadRequest, len(r.Result), d.cfg.MaxResultBytes)
	}
	h := crypto.Keccak256Hash(r.Result)
	if !bytes.Equal(r.ResultHash, h[:]) {
		return fmt.Errorf("%w: result_hash is not keccak256 of the result (%s)", ErrBadRequest, h.Hex())
	}
	if r.ExecMillis == 0 {
		return fmt.Errorf("%w: exec_millis is zero", ErrBadRequest)
	}
	msg := chain.ComputeResult{RequestID: id, ResultHash: h, ComputeNode: node, ExecMillis: r.ExecMillis}
	if signer, err := chain.Recover(d.domain.Digest(msg.StructHash()), r.Signature); err != nil || signer != node {
		return fmt.Errorf("%w: the result's signature is not %s's ComputeResult signature", ErrForbidden, lower(node))
	}
	return nil
}

// computed records a dispatched request's checked result and moves it on.
func (d *Daemon) computed(rec Record, r *pb.ComputeResult) error {
	b, _ := json.Marshal(resultData{Result: r.Result, ExecMillis: r.ExecMillis, Signature: r.Signature})
	if err := d.ledger.PutPayload(rec.ID, partResult, b); err != nil {
		return err
	}
	h := common.BytesToHash(r.ResultHash)
	if _, err := d.transition(rec.ID, StateDispatched, StateComputed, func(x *Record) error { x.ResultHash = h; return nil }); err != nil {
		return err
	}
	d.compute.release(rec.ComputeNode, rec.ID)
	d.spawn(rec.ID)
	return nil
}

// StreamTokens relays a text model's output chunks to the request's
// subscribers as they come.
func (s *computeService) StreamTokens(stream grpc.ClientStreamingServer[pb.TokenChunk, pb.StreamTokensResponse]) error {
	d := s.d
	var cur common.Hash
	for {
		c, err := stream.Recv()
		if err == io.EOF {
			return stream.SendAndClose(&pb.StreamTokensResponse{})
		}
		if err != nil {
			return err
		}
		id, err := hexID(c.RequestId)
		if err != nil {
			return grpcError(err)
		}
		if id != cur {
			rec, err := d.get(id)
			if err != nil {
				return grpcError(err)
			}
			if rec.State != StateDispatched || !common.IsHexAddress(c.ComputeNode) || common.HexToAddress(c.ComputeNode) != rec.ComputeNode {
				return grpcError(fmt.Errorf("%w: request %s is not dispatched to %s", ErrForbidden, id.Hex(), c.ComputeNode))
			}
			// The node proves itself once per request and stream: the
			// chunks go to the client as the model's output.
			ref := &pb.TaskRef{RequestId: c.RequestId, UnixMs: c.UnixMs, Signature: c.Signature}
			if err := checkTaskRef(api.KindStreamTokens, ref, rec.ComputeNode, "compute node"); err != nil {
				return grpcError(err)
			}
			cur = id
		}
		d.metrics.tokens.Inc()
		d.bus.publish(id, &pb.TaskUpdate{RequestId: id.Bytes(), State: pb.TaskState_TASK_STATE_DISPATCHED, Token: c.Text})
	}
}

// GetTask returns a dispatched request's task, for a node that lost it.
func (s *computeService) GetTask(_ context.Context, ref *pb.TaskRef) (*pb.ComputeTask, error) {
	d := s.d
	id, err := hexID(ref.GetRequestId())
	if err != nil {
		return nil, grpcError(err)
	}
	rec, err := d.get(id)
	if err != nil {
		return nil, grpcError(err)
	}
	if err := checkTaskRef(api.KindGetTask, ref, rec.ComputeNode, "compute node"); err != nil {
		return nil, grpcError(err)
	}
	if rec.State != StateDispatched && d.specs.get(id) == nil {
		return nil, grpcError(fmt.Errorf("%w: request %s is %s, not dispatched", ErrWrongState, id.Hex(), rec.State))
	}
	if t, ok := d.compute.task(rec.ComputeNode, id); ok {
		return t, nil
	}
	return nil, grpcError(fmt.Errorf("%w: request %s has no task here", ErrWrongState, id.Hex()))
}
