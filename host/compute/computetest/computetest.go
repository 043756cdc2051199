// Package computetest runs the gateway's side of GatewayComputeService on
// loopback for the tests of compute nodes (host/compute, `ncn compute`):
// it checks a node's signed task stream request as a gateway does, hands
// each open stream to the test to send tasks on, and collects the results
// and streamed tokens the node returns; and it checks a result as the
// network's validators do.
package computetest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/host/api"
	"github.com/ncn-network/ncn/host/api/pb"
)

// Gateway serves GatewayComputeService (task stream, results, tokens) on
// 127.0.0.1. Its methods are safe for concurrent use.
type Gateway struct {
	pb.UnimplementedGatewayComputeServiceServer
	Addr string // host:port; kept across Restart

	sessions chan *Session
	results  chan *pb.ComputeResult

	mu       sync.Mutex
	tokens   map[common.Hash][]*pb.TokenChunk
	returned map[string]bool // request ids Result returned
	srv      *grpc.Server
}

// Session is one open task stream of a compute node.
type Session struct {
	Node  common.Address // the node that signed the stream request
	tasks chan *pb.ComputeTask
	drop  chan struct{}
	once  sync.Once
	ended chan struct{}
}

// StartGateway starts a gateway; it stops when the test ends.
func StartGateway(t testing.TB) *Gateway {
	t.Helper()
	g := &Gateway{sessions: make(chan *Session, 16), results: make(chan *pb.ComputeResult, 64), tokens: map[common.Hash][]*pb.TokenChunk{}, returned: map[string]bool{}}
	g.serve(t, "127.0.0.1:0")
	t.Cleanup(g.Stop)
	return g
}

func (g *Gateway) serve(t testing.TB, addr string) {
	t.Helper()
	var ln net.Listener
	var err error
	for range 50 { // a restarted gateway's port may take a moment to free
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	pb.RegisterGatewayComputeServiceServer(srv, g)
	go srv.Serve(ln)
	g.mu.Lock()
	g.Addr, g.srv = ln.Addr().String(), srv
	g.mu.Unlock()
}

// Stop kills the server and every stream, as a crashed gateway.
func (g *Gateway) Stop() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.srv.Stop()
}

// Restart stops the gateway and serves again on its address.
func (g *Gateway) Restart(t testing.TB) {
	t.Helper()
	g.Stop()
	g.serve(t, g.Addr)
}

// ReceiveTask checks the request's signature and time as a gateway does
// (api.VerifyReceiveTask), then sends the tasks the test gives the
// session until the test drops it or the node goes away.
func (g *Gateway) ReceiveTask(req *pb.ReceiveTaskRequest, stream grpc.ServerStreamingServer[pb.ComputeTask]) error {
	addr, err := api.VerifyReceiveTask(req, time.Now())
	if err != nil {
		return status.Error(codes.PermissionDenied, err.Error())
	}
	if err := stream.SendHeader(metadata.MD{}); err != nil { // the stream is taken, as a gateway says
		return err
	}
	s := &Session{Node: addr, tasks: make(chan *pb.ComputeTask), drop: make(chan struct{}), ended: make(chan struct{})}
	defer close(s.ended)
	g.sessions <- s
	for {
		select {
		case task := <-s.tasks:
			if err := stream.Send(task); err != nil {
				return err
			}
		case <-s.drop:
			return status.Error(codes.Unavailable, "gateway dropped the stream")
		case <-stream.Context().Done():
			return nil
		}
	}
}

// SubmitResult takes a result.
func (g *Gateway) SubmitResult(_ context.Context, r *pb.ComputeResult) (*pb.SubmitResultResponse, error) {
	g.results <- r
	return &pb.SubmitResultResponse{}, nil
}

// StreamTokens records a task's tokens.
func (g *Gateway) StreamTokens(stream grpc.ClientStreamingServer[pb.TokenChunk, pb.StreamTokensResponse]) error {
	for {
		c, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return stream.SendAndClose(&pb.StreamTokensResponse{})
		}
		if err != nil {
			return err
		}
		g.mu.Lock()
		id := common.BytesToHash(c.RequestId)
		g.tokens[id] = append(g.tokens[id], c)
		g.mu.Unlock()
	}
}

// Tokens returns the chunks streamed so far for request id.
func (g *Gateway) Tokens(id common.Hash) []*pb.TokenChunk {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.tokens[id])
}

// Session waits up to a minute for the next task stream a node opens.
func (g *Gateway) Session(t testing.TB) *Session {
	t.Helper()
	select {
	case s := <-g.sessions:
		return s
	case <-time.After(time.Minute):
		t.Fatal("no compute node opened a task stream")
		return nil
	}
}

// Results are the results as they arrive.
func (g *Gateway) Results() <-chan *pb.ComputeResult { return g.results }

// Result waits up to a minute for the result of request id. A repeat of
// a result it returned before is skipped: a node sends a result again when
// the gateway's answer was lost (as when it restarts), which a gateway
// accepts. Any other result fails the test.
func (g *Gateway) Result(t testing.TB, id []byte) *pb.ComputeResult {
	t.Helper()
	timeout := time.After(time.Minute)
	for {
		select {
		case r := <-g.results:
			g.mu.Lock()
			seen := g.returned[string(r.RequestId)]
			if string(r.RequestId) == string(id) {
				g.returned[string(id)] = true
			}
			g.mu.Unlock()
			switch {
			case string(r.RequestId) == string(id):
				return r
			case seen:
				continue
			}
			t.Fatalf("result for %x, want %x", r.RequestId, id)
		case <-timeout:
			t.Fatalf("no result for %x", id)
		}
		return nil
	}
}

// Send dispatches a task on the session.
func (s *Session) Send(t testing.TB, task *pb.ComputeTask) {
	t.Helper()
	select {
	case s.tasks <- task:
	case <-s.ended:
		t.Fatal("the task stream ended before the task was sent")
	case <-time.After(10 * time.Second):
		t.Fatal("task not taken")
	}
}

// Drop ends the stream from the gateway's side.
func (s *Session) Drop() { s.once.Do(func() { close(s.drop) }) }

// Ended is closed once the stream is over.
func (s *Session) Ended() <-chan struct{} { return s.ended }

// CheckResult checks a successful result as validators do: no error,
// the hash keccak256 of the output, an execution time, and a signature by
// node over the EIP-712 ComputeResult in domain.
func CheckResult(r *pb.ComputeResult, node common.Address, domain chain.Domain) error {
	switch {
	case r.Error != "":
		return fmt.Errorf("result error: %s", r.Error)
	case len(r.ResultHash) != 32 || common.BytesToHash(r.ResultHash) != crypto.Keccak256Hash(r.Result):
		return fmt.Errorf("result hash %x, keccak256 of the result is %s", r.ResultHash, crypto.Keccak256Hash(r.Result))
	case r.ComputeNode != strings.ToLower(node.Hex()):
		return fmt.Errorf("compute node %s, want %s", r.ComputeNode, node.Hex())
	case r.ExecMillis == 0:
		return errors.New("exec millis 0")
	}
	cr := chain.ComputeResult{RequestID: common.BytesToHash(r.RequestId), ResultHash: common.BytesToHash(r.ResultHash),
		ComputeNode: node, ExecMillis: r.ExecMillis}
	signer, err := chain.Recover(domain.Digest(cr.StructHash()), r.Signature)
	if err != nil || signer != node {
		return fmt.Errorf("signature recovers to %s (%v), want %s", signer.Hex(), err, node.Hex())
	}
	return nil
}

// NewRequestID is a random 32-byte request id.
func NewRequestID() []byte {
	k, _ := crypto.GenerateKey()
	return crypto.FromECDSA(k)
}
