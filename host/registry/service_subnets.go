package registry

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ncn-network/ncn/host/api/pb"
)

// subnetError is grpcError for the subnet, model and plugin calls, which
// add their own errors.
func subnetError(err error) error {
	var code codes.Code
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrExists):
		code = codes.AlreadyExists
	case errors.Is(err, ErrUnknownPlugin), errors.Is(err, ErrUnknownModel):
		code = codes.NotFound
	case errors.Is(err, ErrPluginRefused), errors.Is(err, ErrNoPluginStore), errors.Is(err, ErrPartOrder):
		code = codes.FailedPrecondition
	case errors.Is(err, ErrBusy):
		code = codes.ResourceExhausted
	case errors.Is(err, ErrFetching):
		code = codes.Unavailable
	default:
		return grpcError(err)
	}
	return status.Error(code, err.Error())
}

func (s *registryService) CreateSubnet(ctx context.Context, req *pb.SignedSubnet) (*pb.SubnetMetadata, error) {
	v, err := s.r.CreateSubnet(ctx, req)
	return v, subnetError(err)
}

func (s *registryService) UpdateSubnet(ctx context.Context, req *pb.SignedSubnet) (*pb.SubnetMetadata, error) {
	v, err := s.r.UpdateSubnet(ctx, req)
	return v, subnetError(err)
}

func (s *registryService) GetSubnet(_ context.Context, req *pb.GetSubnetRequest) (*pb.SubnetMetadata, error) {
	v, err := s.r.Subnet(req.Id)
	return v, subnetError(err)
}

func (s *registryService) ListSubnets(_ context.Context, req *pb.ListSubnetsRequest) (*pb.ListSubnetsResponse, error) {
	v, err := s.r.ListSubnets(req.Owner)
	if err != nil {
		return nil, subnetError(err)
	}
	return &pb.ListSubnetsResponse{Subnets: v}, nil
}

func (s *registryService) RegisterModel(ctx context.Context, req *pb.SignedModel) (*pb.ModelDescriptor, error) {
	v, err := s.r.RegisterModel(ctx, req)
	return v, subnetError(err)
}

func (s *registryService) ListModels(_ context.Context, req *pb.ListModelsRequest) (*pb.ListModelsResponse, error) {
	return &pb.ListModelsResponse{Models: s.r.ListModels(req.Subnet)}, nil
}

func (s *registryService) UploadPlugin(ctx context.Context, req *pb.UploadPluginRequest) (*pb.PluginInfo, error) {
	v, err := s.r.UploadPlugin(ctx, req)
	return v, subnetError(err)
}

func (s *registryService) ActivatePlugins(ctx context.Context, req *pb.SignedActivation) (*pb.SubnetMetadata, error) {
	v, err := s.r.ActivatePlugins(ctx, req)
	return v, subnetError(err)
}

func (s *registryService) RollbackPlugins(ctx context.Context, req *pb.SignedActivation) (*pb.SubnetMetadata, error) {
	v, err := s.r.RollbackPlugins(ctx, req)
	return v, subnetError(err)
}

func (s *registryService) ListPlugins(_ context.Context, req *pb.ListPluginsRequest) (*pb.ListPluginsResponse, error) {
	v, err := s.r.ListPlugins(req.Subnet)
	if err != nil {
		return nil, subnetError(err)
	}
	return &pb.ListPluginsResponse{Plugins: v}, nil
}

func (s *registryService) GetPlugin(_ context.Context, req *pb.GetPluginRequest) (*pb.PluginBlob, error) {
	b, err := s.r.Plugin(req.Sha256)
	return b, subnetError(err)
}

func (s *registryService) UploadModelFile(ctx context.Context, f *pb.ModelFile) (*pb.ModelFileUpload, error) {
	ref, err := s.r.UploadModelFile(ctx, f)
	return ref, subnetError(err)
}

func (s *registryService) GetModelFile(ctx context.Context, ref *pb.ModelFileRef) (*pb.ModelFile, error) {
	f, err := s.r.GetModelFile(ctx, ref)
	return f, subnetError(err)
}
