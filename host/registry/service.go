package registry

import (
	"context"
	"errors"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/p2p"
)

// Register adds the registry's gRPC services to s.
func (r *Node) Register(s *grpc.Server) {
	pb.RegisterP2PRegistryServiceServer(s, &registryService{r: r})
	pb.RegisterValidatorServiceServer(s, &validatorService{r: r})
}

// grpcError maps the package's errors to status codes with their message.
func grpcError(err error) error {
	if err == nil {
		return nil
	}
	code := codes.Internal
	switch {
	case errors.Is(err, ErrBadRequest):
		code = codes.InvalidArgument
	case errors.Is(err, ErrBadSignature):
		code = codes.PermissionDenied
	case errors.Is(err, ErrStale):
		code = codes.AlreadyExists
	case errors.Is(err, ErrRefused):
		code = codes.FailedPrecondition
	case errors.Is(err, ErrNoQuorum):
		code = codes.Aborted
	case errors.Is(err, ErrUnknownNode), errors.Is(err, ErrUnknownSubnet):
		code = codes.NotFound
	case errors.Is(err, ErrTooFewValidators):
		code = codes.Unavailable
	case errors.Is(err, context.DeadlineExceeded):
		code = codes.DeadlineExceeded
	case errors.Is(err, context.Canceled):
		code = codes.Canceled
	}
	return status.Error(code, err.Error())
}

type registryService struct {
	pb.UnimplementedP2PRegistryServiceServer // subnet, model and plugin calls: service_subnets.go
	r                                        *Node
}

func (s *registryService) RegisterNode(_ context.Context, req *pb.RegisterNodeRequest) (*pb.RegisterNodeResponse, error) {
	if err := s.r.nodes.Register(req); err != nil {
		return nil, grpcError(err)
	}
	s.r.gossip(p2p.TopicHeartbeat, msgRegister, req)
	return &pb.RegisterNodeResponse{HeartbeatIntervalMs: s.r.cfg.HeartbeatInterval.Milliseconds()}, nil
}

func (s *registryService) UpdateNodeHeartbeat(_ context.Context, req *pb.HeartbeatRequest) (*pb.HeartbeatResponse, error) {
	if err := s.r.nodes.Heartbeat(req); err != nil {
		return nil, grpcError(err)
	}
	s.r.gossip(p2p.TopicHeartbeat, msgHeartbeat, req)
	return &pb.HeartbeatResponse{}, nil
}

func (s *registryService) DeregisterNode(_ context.Context, req *pb.DeregisterNodeRequest) (*pb.DeregisterNodeResponse, error) {
	if err := s.r.nodes.Deregister(req); err != nil {
		return nil, grpcError(err)
	}
	s.r.gossip(p2p.TopicHeartbeat, msgDeregister, req)
	return &pb.DeregisterNodeResponse{}, nil
}

func (s *registryService) DiscoverNodes(req *pb.DiscoverNodesRequest, stream grpc.ServerStreamingServer[pb.NodeInfo]) error {
	nodes, err := s.r.Discover(stream.Context(), req)
	if err != nil {
		return grpcError(err)
	}
	for _, n := range nodes {
		if err := stream.Send(n); err != nil {
			return err
		}
	}
	return nil
}

func (s *registryService) RequestPreprocessingValidation(ctx context.Context, req *pb.PreprocessingValidationRequest) (*pb.PreprocessingValidation, error) {
	start := time.Now()
	v, err := s.r.RequestPreprocessing(ctx, req)
	s.r.metrics.coordinated("preprocessing", start, err)
	return v, grpcError(err)
}

func (s *registryService) RequestCompletionValidation(ctx context.Context, req *pb.CompletionValidationRequest) (*pb.CompletionValidation, error) {
	start := time.Now()
	v, err := s.r.RequestCompletion(ctx, req)
	s.r.metrics.coordinated("completion", start, err)
	return v, grpcError(err)
}

type validatorService struct {
	pb.UnimplementedValidatorServiceServer
	r *Node
}

func (s *validatorService) SignPreprocessing(ctx context.Context, req *pb.PreprocessingValidationRequest) (*pb.ValidatorSignature, error) {
	v, err := s.r.SignPreprocessing(ctx, req)
	s.r.metrics.answered(s.r.metrics.preprocessing, err)
	return v, grpcError(err)
}

func (s *validatorService) SignCompletion(ctx context.Context, req *pb.CompletionValidationRequest) (*pb.ValidatorSignature, error) {
	v, err := s.r.SignCompletion(ctx, req)
	s.r.metrics.answered(s.r.metrics.completion, err)
	return v, grpcError(err)
}

func (s *validatorService) GetSubnetLog(_ context.Context, req *pb.GetSubnetLogRequest) (*pb.SubnetLog, error) {
	l, err := s.r.SubnetLog(req.Subnet)
	return l, grpcError(err)
}
