package registry

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ipfs/go-cid"

	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/p2p"
)

// Finder finds the compute nodes that provide a subnet or model key in the
// DHT (*p2p.Node).
type Finder interface {
	FindNodes(ctx context.Context, key cid.Cid, limit int) ([]p2p.Found, error)
}

// dhtTimeout bounds the DHT lookup of one DiscoverNodes call.
const dhtTimeout = 2 * time.Second

// Discover lists the nodes matching the filter: this node's table (nodes
// heartbeating here or gossiped to it), by address; then, when asked for
// unavailable nodes too and a Finder is set, the compute nodes the DHT
// knows for the subnet or model that the table lacks. Those come with
// status UNSPECIFIED: their signed descriptor is all that is known, not
// their liveness, and validators sign only for nodes they see heartbeat.
func (r *Node) Discover(ctx context.Context, req *pb.DiscoverNodesRequest) ([]*pb.NodeInfo, error) {
	f := Filter{Role: req.Role, Subnet: req.Subnet, Model: req.Model, IncludeUnavailable: req.IncludeUnavailable}
	out := r.nodes.List(f)
	for _, n := range out {
		n.Reputation = r.ledger.Score(common.HexToAddress(n.Address))
	}
	wantCompute := req.Role == pb.NodeRole_NODE_ROLE_UNSPECIFIED || req.Role == pb.NodeRole_NODE_ROLE_COMPUTE
	if r.finder == nil || !req.IncludeUnavailable || !wantCompute || (req.Subnet == "" && req.Model == "") {
		return out, nil
	}
	key := p2p.SubnetCID(p2p.Hash(ID32(req.Subnet)))
	if req.Subnet == "" {
		key = p2p.ModelCID(p2p.Hash(ID32(req.Model)))
	}
	ctx, cancel := context.WithTimeout(ctx, dhtTimeout)
	defer cancel()
	found, err := r.finder.FindNodes(ctx, key, 0)
	if err != nil && len(found) == 0 {
		r.cfg.Logger.Info("DHT discovery", "subnet", req.Subnet, "model", req.Model, "err", err)
		return out, nil
	}
	for _, fd := range found {
		d := fd.Node
		if d == nil || !slices.Contains(d.Roles, p2p.RoleCompute) {
			continue
		}
		addr := lower(d.Address)
		if slices.ContainsFunc(out, func(n *pb.NodeInfo) bool { return n.Address == addr }) {
			continue
		}
		if req.Model != "" && req.Subnet != "" && !slices.Contains(d.Models, p2p.Hash(ID32(req.Model))) {
			continue
		}
		out = append(out, nodeInfoOf(d, r.ledger.Score(d.Address)))
	}
	return out, nil
}

// nodeInfoOf is a DHT descriptor as the API lists nodes: subnets and
// models by their 32-byte ids (ID32 of the names), liveness unknown.
func nodeInfoOf(d *p2p.NodeDescriptor, reputation uint32) *pb.NodeInfo {
	n := &pb.NodeInfo{Address: lower(d.Address), Role: pb.NodeRole_NODE_ROLE_COMPUTE, Endpoints: d.Endpoints,
		Reputation: reputation, Status: pb.NodeStatus_NODE_STATUS_UNSPECIFIED}
	for _, s := range d.Subnets {
		n.Subnets = append(n.Subnets, "0x"+s.String())
	}
	for _, m := range d.Models {
		n.Models = append(n.Models, "0x"+m.String())
	}
	var acc []string
	for _, a := range d.Accelerators {
		if a.Model != "" {
			acc = append(acc, fmt.Sprintf("%dx %s", a.Count, a.Model))
		} else {
			acc = append(acc, fmt.Sprintf("%dx %s", a.Count, a.Kind))
		}
	}
	n.Accelerator = strings.Join(acc, ", ")
	return n
}
