package compute

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/host/registry"
)

// defaultHeartbeat is the period when neither the config nor the registry
// names one.
const defaultHeartbeat = 10 * time.Second

// descriptor is the node as it registers.
func (n *Node) descriptor() *pb.NodeInfo {
	return &pb.NodeInfo{
		Role:              pb.NodeRole_NODE_ROLE_COMPUTE,
		Subnets:           n.cfg.Subnets,
		Models:            n.modelNames(),
		Accelerator:       n.accel,
		PricePerSecondWei: n.cfg.PricePerSecondWei,
		Slots:             uint32(n.slots),
		MaxTasks:          uint32(n.cfg.MaxTasks),
		LoadPercent:       n.Load(),
	}
}

// register sends a signed registration with a sequence number above any
// earlier one (a restarted node's included: it is the clock's) and
// returns the heartbeat interval the registry asks for.
func (n *Node) register(ctx context.Context) (time.Duration, error) {
	n.regMu.Lock()
	n.seq = max(n.seq+1, uint64(time.Now().UnixNano()))
	seq := n.seq
	n.regMu.Unlock()
	req, err := registry.SignRegistration(n.cfg.Key, n.descriptor(), seq)
	if err != nil {
		return 0, err
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	resp, err := n.registry.RegisterNode(cctx, req)
	if err != nil {
		return 0, err
	}
	return time.Duration(resp.HeartbeatIntervalMs) * time.Millisecond, nil
}

// permanent reports whether a registry or gateway refusal will not change
// by retrying the same request.
func permanent(err error) bool {
	switch status.Code(err) {
	case codes.InvalidArgument, codes.PermissionDenied, codes.Unimplemented, codes.Unauthenticated:
		return true
	}
	return false
}

// registerAtStart registers, retrying with backoff while the registry is
// unreachable, and settles the heartbeat period.
func (n *Node) registerAtStart(ctx context.Context) error {
	backoff := n.cfg.ReconnectMin
	for {
		asked, err := n.register(ctx)
		if err == nil {
			n.interval = n.cfg.HeartbeatInterval
			if n.interval == 0 || (asked > 0 && asked < n.interval) {
				n.interval = asked
			}
			if n.interval <= 0 {
				n.interval = defaultHeartbeat
			}
			n.log.Info("registered", "registry", n.cfg.RegistryAddr, "models", n.modelNames(), "subnets", n.cfg.Subnets)
			return nil
		}
		if permanent(err) {
			return fmt.Errorf("compute: registry %s refused the registration: %w", n.cfg.RegistryAddr, err)
		}
		n.log.Warn("cannot register yet; retrying", "registry", n.cfg.RegistryAddr, "err", err, "retry_in", backoff)
		select {
		case <-ctx.Done():
			return fmt.Errorf("compute: register at %s: %w (last error: %w)", n.cfg.RegistryAddr, ctx.Err(), err)
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, n.cfg.ReconnectMax)
	}
}

// heartbeats sends a signed heartbeat with the node's load every
// interval until ctx ends, and registers again when the registry has
// forgotten the node.
func (n *Node) heartbeats(ctx context.Context) {
	t := time.NewTicker(n.interval)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := n.beat(ctx)
		if err != nil && status.Code(err) == codes.NotFound {
			n.log.Warn("the registry forgot this node; registering again", "err", err)
			if _, err = n.register(ctx); err != nil && permanent(err) {
				n.failed(fmt.Errorf("registry %s refused the registration: %w", n.cfg.RegistryAddr, err))
				return
			}
		}
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			failing = true
			n.log.Warn("heartbeat failed", "registry", n.cfg.RegistryAddr, "err", err)
		case failing:
			failing = false
			n.log.Info("heartbeats reach the registry again", "registry", n.cfg.RegistryAddr)
		}
	}
}

func (n *Node) beat(ctx context.Context) error {
	req, err := registry.SignHeartbeat(n.cfg.Key, time.Now(), n.Load())
	if err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, max(n.interval, time.Second))
	defer cancel()
	_, err = n.registry.UpdateNodeHeartbeat(cctx, req)
	return err
}

// deregister asks the registry to forget the node, briefly: a registry
// that cannot be reached lets the node expire instead.
func (n *Node) deregister() {
	req, err := registry.SignDeregistration(n.cfg.Key, time.Now())
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err = n.registry.DeregisterNode(ctx, req)
	}
	if err != nil {
		n.log.Warn("deregister failed; the registry will mark the node unavailable when heartbeats stop", "err", err)
		return
	}
	n.log.Info("deregistered", "registry", n.cfg.RegistryAddr)
}
