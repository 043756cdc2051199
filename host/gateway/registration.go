package gateway

import (
	"context"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/host/registry"
)

// registrationTries bounds the first registration, made at start: a
// registry started a moment ago may not answer yet.
const registrationTries = 5

// register registers the gateway at the registry as role GATEWAY and
// returns the heartbeat interval to keep. The sequence number is the time
// in milliseconds, so a restarted gateway's registration is newer.
func (d *Daemon) register(ctx context.Context, advertise string) (time.Duration, error) {
	info := &pb.NodeInfo{Role: pb.NodeRole_NODE_ROLE_GATEWAY, Endpoints: []string{advertise}, Subnets: d.cfg.Subnets}
	var err error
	for try := range registrationTries {
		if try > 0 {
			select {
			case <-ctx.Done():
				return 0, ctx.Err()
			case <-time.After(time.Duration(try) * 200 * time.Millisecond):
			}
		}
		var req *pb.RegisterNodeRequest
		if req, err = registry.SignRegistration(d.cfg.Key, info, uint64(time.Now().UnixMilli())); err != nil {
			return 0, err
		}
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		var resp *pb.RegisterNodeResponse
		resp, err = d.reg.RegisterNode(cctx, req)
		cancel()
		if err == nil {
			interval := d.cfg.HeartbeatInterval
			if interval == 0 {
				interval = time.Duration(resp.HeartbeatIntervalMs) * time.Millisecond
			}
			if interval <= 0 {
				interval = 10 * time.Second
			}
			return interval, nil
		}
		if c := status.Code(err); c == codes.InvalidArgument || c == codes.PermissionDenied {
			return 0, err
		}
	}
	return 0, err
}

// heartbeat keeps the gateway alive at the registry until the daemon
// closes, registering again when the registry forgot it.
func (d *Daemon) heartbeat(advertise string, interval time.Duration) {
	for d.sleep(interval) {
		req, err := registry.SignHeartbeat(d.cfg.Key, time.Now(), 0)
		if err != nil {
			d.log.Error("sign heartbeat", "err", err)
			continue
		}
		ctx, cancel := context.WithTimeout(d.ctx, 5*time.Second)
		_, err = d.reg.UpdateNodeHeartbeat(ctx, req)
		cancel()
		switch {
		case err == nil:
		case status.Code(err) == codes.NotFound:
			if _, err := d.register(d.ctx, advertise); err != nil {
				d.log.Warn("register again", "err", err)
			}
		case d.ctx.Err() == nil:
			d.log.Warn("heartbeat", "err", err)
		}
	}
}
