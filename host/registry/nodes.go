package registry

import (
	"crypto/ecdsa"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"google.golang.org/protobuf/proto"

	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/host/api/pb"
)

// Limits on what a node may register.
const (
	maxEndpoints   = 8
	maxListEntries = 256
	maxField       = 256
	clockSkew      = 2 * time.Minute // a heartbeat's time may differ this much from ours
)

// registrationDigest is what a node signs to register: EIP-191 over the
// descriptor as the node states it (the registry's own fields cleared) and
// its sequence number.
func registrationDigest(n *pb.NodeInfo, seq uint64) ([]byte, error) {
	c := proto.Clone(n).(*pb.NodeInfo)
	c.Reputation, c.Status, c.LastHeartbeatUnixMs = 0, 0, 0
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(c)
	if err != nil {
		return nil, err
	}
	msg := binary.BigEndian.AppendUint64([]byte("ncn/register/v1\n"), seq)
	return accounts.TextHash(crypto.Keccak256(append(msg, b...))), nil
}

func beatDigest(kind string, addr common.Address, unixMs int64, load uint32) []byte {
	msg := fmt.Appendf(nil, "ncn/%s/v1\n%s\n%d\n%d", kind, strings.ToLower(addr.Hex()), unixMs, load)
	return accounts.TextHash(msg)
}

// SignRegistration is what a compute node or gateway sends to register.
func SignRegistration(key *ecdsa.PrivateKey, n *pb.NodeInfo, seq uint64) (*pb.RegisterNodeRequest, error) {
	n = proto.Clone(n).(*pb.NodeInfo)
	n.Address = strings.ToLower(crypto.PubkeyToAddress(key.PublicKey).Hex())
	d, err := registrationDigest(n, seq)
	if err != nil {
		return nil, err
	}
	sig, err := chain.Sign(key, common.BytesToHash(d))
	if err != nil {
		return nil, err
	}
	return &pb.RegisterNodeRequest{Node: n, Seq: seq, Signature: sig}, nil
}

// SignHeartbeat is a node's heartbeat at t.
func SignHeartbeat(key *ecdsa.PrivateKey, t time.Time, load uint32) (*pb.HeartbeatRequest, error) {
	addr := crypto.PubkeyToAddress(key.PublicKey)
	sig, err := chain.Sign(key, common.BytesToHash(beatDigest("heartbeat", addr, t.UnixMilli(), load)))
	if err != nil {
		return nil, err
	}
	return &pb.HeartbeatRequest{Address: strings.ToLower(addr.Hex()), UnixMs: t.UnixMilli(), LoadPercent: load, Signature: sig}, nil
}

// SignDeregistration is a node's request to be forgotten.
func SignDeregistration(key *ecdsa.PrivateKey, t time.Time) (*pb.DeregisterNodeRequest, error) {
	addr := crypto.PubkeyToAddress(key.PublicKey)
	sig, err := chain.Sign(key, common.BytesToHash(beatDigest("deregister", addr, t.UnixMilli(), 0)))
	if err != nil {
		return nil, err
	}
	return &pb.DeregisterNodeRequest{Address: strings.ToLower(addr.Hex()), UnixMs: t.UnixMilli(), Signature: sig}, nil
}

type nodeEntry struct {
	req      *pb.RegisterNodeRequest // as signed, for re-gossip
	info     *pb.NodeInfo
	seq      uint64
	lastBeat time.Time
	lastMs   int64 // the newest signed heartbeat time, against replays
}

// Nodes is the table of registered compute nodes, gateways and validators
// with their liveness. Safe for concurrent use.
type Nodes struct {
	interval time.Duration
	missed   int
	prune    time.Duration
	now      func() time.Time

	mu sync.Mutex
	m  map[common.Address]*nodeEntry

	// onChange, if set, sees every stored registration (nil: forgotten),
	// called with mu held.
	onChange func(common.Address, *pb.RegisterNodeRequest)
}

// NewNodes returns an empty table using cfg's heartbeat interval, missed
// heartbeats, prune delay and clock (defaults where zero).
func NewNodes(cfg Config) *Nodes {
	cfg = cfg.withDefaults()
	return &Nodes{interval: cfg.HeartbeatInterval, missed: cfg.MissedHeartbeats, prune: cfg.PruneAfter, now: cfg.Now, m: map[common.Address]*nodeEntry{}}
}

// Register checks a signed registration and stores it. A registration
// counts as a heartbeat.
func (n *Nodes) Register(req *pb.RegisterNodeRequest) error {
	info := req.GetNode()
	if info == nil {
		return fmt.Errorf("%w: no node", ErrBadRequest)
	}
	addr, err := parseAddress("node address", info.Address)
	if err != nil {
		return err
	}
	if err := checkNodeInfo(info); err != nil {
		return err
	}
	d, err := registrationDigest(info, req.Seq)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	if err := checkSigner(d, req.Signature, addr); err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if old, ok := n.m[addr]; ok && req.Seq <= old.seq {
		return fmt.Errorf("%w: node %s seq %d, have %d", ErrStale, addr.Hex(), req.Seq, old.seq)
	}
	stored := proto.Clone(info).(*pb.NodeInfo)
	stored.Address = strings.ToLower(addr.Hex())
	n.m[addr] = &nodeEntry{req: proto.Clone(req).(*pb.RegisterNodeRequest), info: stored, seq: req.Seq, lastBeat: n.now()}
	if n.onChange != nil {
		n.onChange(addr, req)
	}
	return nil
}

// restore puts back a registration from the state file, checked like a
// new one; the node is unavailable until it is heard from again.
func (n *Nodes) restore(req *pb.RegisterNodeRequest) error {
	onChange := n.onChange
	n.onChange = nil
	defer func() { n.onChange = onChange }()
	if err := n.Register(req); err != nil {
		return err
	}
	addr := common.HexToAddress(req.Node.Address)
	n.mu.Lock()
	defer n.mu.Unlock()
	n.m[addr].lastBeat = n.now().Add(-n.deadAfter() - time.Millisecond)
	return nil
}

// Heartbeat records a signed heartbeat from a registered node.
func (n *Nodes) Heartbeat(req *pb.HeartbeatRequest) error {
	addr, err := parseAddress("node address", req.Address)
	if err != nil {
		return err
	}
	if req.LoadPercent > 100 {
		return fmt.Errorf("%w: load %d%%", ErrBadRequest, req.LoadPercent)
	}
	now := n.now()
	if t := time.UnixMilli(req.UnixMs); t.Before(now.Add(-clockSkew)) || t.After(now.Add(clockSkew)) {
		return fmt.Errorf("%w: heartbeat time %s is more than %s from ours", ErrBadRequest, t.UTC().Format(time.RFC3339), clockSkew)
	}
	if err := checkSigner(beatDigest("heartbeat", addr, req.UnixMs, req.LoadPercent), req.Signature, addr); err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	e, ok := n.m[addr]
	if !ok {
		return fmt.Errorf("%w: %s (register first)", ErrUnknownNode, addr.Hex())
	}
	if req.UnixMs <= e.lastMs {
		return fmt.Errorf("%w: heartbeat at %d, have %d", ErrStale, req.UnixMs, e.lastMs)
	}
	e.lastMs, e.lastBeat = req.UnixMs, now
	e.info.LoadPercent = req.LoadPercent
	return nil
}

// Deregister forgets a node on its own signed request.
func (n *Nodes) Deregister(req *pb.DeregisterNodeRequest) error {
	addr, err := parseAddress("node address", req.Address)
	if err != nil {
		return err
	}
	if err := checkSigner(beatDigest("deregister", addr, req.UnixMs, 0), req.Signature, addr); err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, ok := n.m[addr]; !ok {
		return fmt.Errorf("%w: %s", ErrUnknownNode, addr.Hex())
	}
	delete(n.m, addr)
	if n.onChange != nil {
		n.onChange(addr, nil)
	}
	return nil
}

// Get returns a copy of the node's descriptor with its current status.
func (n *Nodes) Get(addr common.Address) (*pb.NodeInfo, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	e, ok := n.m[addr]
	if !ok {
		return nil, false
	}
	return n.view(e), true
}

// Filter selects nodes for List.
type Filter struct {
	Role               pb.NodeRole // unspecified: any
	Subnet, Model      string      // "": any
	IncludeUnavailable bool
}

// List returns the matching nodes, ordered by address.
func (n *Nodes) List(f Filter) []*pb.NodeInfo {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []*pb.NodeInfo
	for _, e := range n.m {
		v := n.view(e)
		switch {
		case f.Role != pb.NodeRole_NODE_ROLE_UNSPECIFIED && v.Role != f.Role,
			f.Subnet != "" && !slices.Contains(v.Subnets, f.Subnet),
			f.Model != "" && !slices.Contains(v.Models, f.Model),
			!f.IncludeUnavailable && v.Status != pb.NodeStatus_NODE_STATUS_AVAILABLE:
			continue
		}
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b *pb.NodeInfo) int { return strings.Compare(a.Address, b.Address) })
	return out
}

// Registrations returns every stored registration as its node signed it.
func (n *Nodes) Registrations() []*pb.RegisterNodeRequest {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([]*pb.RegisterNodeRequest, 0, len(n.m))
	for _, e := range n.m {
		out = append(out, proto.Clone(e.req).(*pb.RegisterNodeRequest))
	}
	return out
}

// Prune forgets nodes unavailable for longer than PruneAfter.
func (n *Nodes) Prune() int {
	cut := n.now().Add(-n.deadAfter() - n.prune)
	n.mu.Lock()
	defer n.mu.Unlock()
	k := 0
	for a, e := range n.m {
		if e.lastBeat.Before(cut) {
			delete(n.m, a)
			if n.onChange != nil {
				n.onChange(a, nil)
			}
			k++
		}
	}
	return k
}

func (n *Nodes) deadAfter() time.Duration { return time.Duration(n.missed) * n.interval }

func (n *Nodes) view(e *nodeEntry) *pb.NodeInfo {
	v := proto.Clone(e.info).(*pb.NodeInfo)
	v.LastHeartbeatUnixMs = e.lastBeat.UnixMilli()
	v.Status = pb.NodeStatus_NODE_STATUS_AVAILABLE
	if n.now().Sub(e.lastBeat) > n.deadAfter() {
		v.Status = pb.NodeStatus_NODE_STATUS_UNAVAILABLE
	}
	return v
}

func checkNodeInfo(info *pb.NodeInfo) error {
	if info.Role == pb.NodeRole_NODE_ROLE_UNSPECIFIED || pb.NodeRole_name[int32(info.Role)] == "" {
		return fmt.Errorf("%w: node role %v", ErrBadRequest, info.Role)
	}
	if len(info.Endpoints) > maxEndpoints || len(info.Subnets) > maxListEntries || len(info.Models) > maxListEntries {
		return fmt.Errorf("%w: too many endpoints, subnets or models", ErrBadRequest)
	}
	for _, s := range slices.Concat(info.Endpoints, info.Subnets, info.Models, []string{info.Accelerator, info.PricePerSecondWei}) {
		if len(s) > maxField {
			return fmt.Errorf("%w: field longer than %d bytes", ErrBadRequest, maxField)
		}
	}
	if info.LoadPercent > 100 {
		return fmt.Errorf("%w: load %d%%", ErrBadRequest, info.LoadPercent)
	}
	return nil
}

// checkSigner recovers the signer of digest and requires want.
func checkSigner(digest []byte, sig []byte, want common.Address) error {
	got, err := chain.Recover(common.BytesToHash(digest), sig)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	if got != want {
		return fmt.Errorf("%w: signed by %s, not %s", ErrBadSignature, got.Hex(), want.Hex())
	}
	return nil
}

func parseAddress(what, s string) (common.Address, error) {
	if !common.IsHexAddress(s) || !strings.HasPrefix(s, "0x") {
		return common.Address{}, fmt.Errorf("%w: %s %q is not a 0x-prefixed address", ErrBadRequest, what, s)
	}
	return common.HexToAddress(s), nil
}
