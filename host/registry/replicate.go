package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"
	"google.golang.org/protobuf/proto"

	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/p2p"
)

// What a heartbeat-topic message carries: its first byte says which
// signed request follows.
const (
	msgRegister   byte = 1
	msgHeartbeat  byte = 2
	msgDeregister byte = 3
)

// reputationMsg is one coordinator's scoring of one request.
type reputationMsg struct {
	RequestID common.Hash `json:"requestId"`
	AtMillis  int64       `json:"atMillis"`
	Nodes     []string    `json:"nodes"`
	Outcomes  []Outcome   `json:"outcomes"`
}

// mempoolMsg is one mempool entry.
type mempoolMsg struct {
	Kind      EntryKind   `json:"kind"`
	RequestID common.Hash `json:"requestId"`
	Data      []byte      `json:"data,omitempty"`
	CreatedMs int64       `json:"createdMs"`
}

// Network is what replication needs of the p2p layer (*p2p.Node).
type Network interface {
	Join(name string, validate p2p.TopicValidator) error
	Subscribe(name string) (*p2p.Subscription, error)
	Publish(ctx context.Context, name string, payload []byte) error
	// FetchBlob, FetchBlobFile and Provide move plugins and model files
	// by hash between registry nodes.
	FetchBlob(ctx context.Context, hash p2p.Hash) ([]byte, error)
	FetchBlobFile(ctx context.Context, hash p2p.Hash, path string, maxSize int64, progress func(have, size int64)) error
	Provide(ctx context.Context, c cid.Cid) error
}

// ReplicateConfig says how this node takes part in the network.
type ReplicateConfig struct {
	// Endpoint is this node's ValidatorService address as others dial it
	// (host:port); required.
	Endpoint string
	// Reannounce is how often this node republishes every registration it
	// holds and a digest of every subnet's statements, so that a node that
	// joined late or was cut off catches up; default 3 × HeartbeatInterval.
	Reannounce time.Duration
	// Finder, when set, adds the DHT's compute nodes to DiscoverNodes
	// answers that include unavailable nodes.
	Finder Finder
}

// Replicate joins the registry topics on net and keeps this node's view
// in step with the network: every node's signed registrations, heartbeats
// and deregistrations, reputation scorings and mempool entries. It
// registers this node as a validator, heartbeats for it, and republishes
// what it knows. It returns once the topics are joined; the work stops
// when ctx ends or the node closes.
func (r *Node) Replicate(ctx context.Context, net Network, cfg ReplicateConfig) error {
	if cfg.Endpoint == "" {
		return errors.New("replicate: no endpoint")
	}
	if cfg.Reannounce == 0 {
		cfg.Reannounce = 3 * r.cfg.HeartbeatInterval
	}
	topics := map[string]p2p.TopicValidator{
		p2p.TopicHeartbeat:  r.validateBeat,
		p2p.TopicReputation: r.validateFromValidator,
		p2p.TopicMempool:    r.validateFromValidator,
		p2p.TopicEvidence:   nil, // anyone may prove equivocation; the proof checks itself
		p2p.TopicActivation: r.validateActivation,
	}
	subs := map[string]*p2p.Subscription{}
	for name, v := range topics {
		if err := net.Join(name, v); err != nil {
			return fmt.Errorf("join %s: %w", name, err)
		}
		sub, err := net.Subscribe(name)
		if err != nil {
			return fmt.Errorf("subscribe %s: %w", name, err)
		}
		subs[name] = sub
	}
	ctx, cancel := context.WithCancel(ctx)
	r.stopRepl = cancel
	r.net, r.replCtx, r.finder = net, ctx, cfg.Finder
	r.publish = func(topic string, payload []byte) {
		if err := net.Publish(ctx, topic, payload); err != nil && ctx.Err() == nil {
			r.cfg.Logger.Warn("gossip publish failed", "topic", topic, "err", err)
		}
	}
	r.batcher = newGossipBatcher(r.publish)
	for name, sub := range subs {
		r.bg.Add(1)
		go func() {
			defer r.bg.Done()
			r.consume(ctx, name, sub)
		}()
	}
	self, err := SignRegistration(r.cfg.Key, &pb.NodeInfo{Role: pb.NodeRole_NODE_ROLE_VALIDATOR, Endpoints: []string{cfg.Endpoint}}, uint64(r.cfg.Now().UnixNano()))
	if err != nil {
		return err
	}
	if err := r.nodes.Register(self); err != nil {
		return err
	}
	r.bg.Add(1)
	go func() {
		defer r.bg.Done()
		r.announce(ctx, cfg.Reannounce)
	}()
	r.provideStored()
	return nil
}

// announce heartbeats for this node and republishes every registration.
func (r *Node) announce(ctx context.Context, every time.Duration) {
	beat := time.NewTicker(r.cfg.HeartbeatInterval)
	defer beat.Stop()
	all := time.NewTicker(every)
	defer all.Stop()
	r.republish()
	for {
		select {
		case <-ctx.Done():
			return
		case <-beat.C:
			hb, err := SignHeartbeat(r.cfg.Key, r.cfg.Now(), 0)
			if err == nil {
				if err := r.nodes.Heartbeat(hb); err == nil {
					r.gossip(p2p.TopicHeartbeat, msgHeartbeat, hb)
				}
			}
		case <-all.C:
			r.republish()
		}
	}
}

func (r *Node) republish() {
	for _, req := range r.nodes.Registrations() {
		r.gossip(p2p.TopicHeartbeat, msgRegister, req)
	}
	r.gossipDigests()
}

// gossip publishes a signed request on a topic, if replicating.
func (r *Node) gossip(topic string, kind byte, m proto.Message) {
	if r.publish == nil {
		return
	}
	b, err := proto.Marshal(m)
	if err != nil {
		return
	}
	r.publish(topic, append([]byte{kind}, b...))
}

func (r *Node) gossipJSON(topic string, v any) {
	if r.publish == nil {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	switch topic {
	case p2p.TopicReputation, p2p.TopicMempool:
		r.batcher.add(topic, b)
	default:
		r.publish(topic, b)
	}
}

// validateBeat accepts heartbeat-topic messages that decode; the node
// signatures inside are checked when applied (a registration re-gossiped
// by a registry node is still signed by the node it describes).
func (r *Node) validateBeat(_ context.Context, _ peer.ID, _ common.Address, m *p2p.Message) error {
	return decodeKind("heartbeat", m.Payload, map[byte]func() proto.Message{
		msgRegister:   func() proto.Message { return &pb.RegisterNodeRequest{} },
		msgHeartbeat:  func() proto.Message { return &pb.HeartbeatRequest{} },
		msgDeregister: func() proto.Message { return &pb.DeregisterNodeRequest{} },
	})
}

// decodeKind checks that a topic's message decodes as the kind its first
// byte names.
func decodeKind(topic string, payload []byte, kinds map[byte]func() proto.Message) error {
	if len(payload) < 1 {
		return fmt.Errorf("empty %s message", topic)
	}
	dst, ok := kinds[payload[0]]
	if !ok {
		return fmt.Errorf("unknown %s message kind %d", topic, payload[0])
	}
	return proto.Unmarshal(payload[1:], dst())
}

// validateFromValidator accepts reputation and mempool messages only from
// staked validators: anyone else's claims about validators are noise.
func (r *Node) validateFromValidator(ctx context.Context, _ peer.ID, signer common.Address, _ *p2p.Message) error {
	addrs, _, err := r.stakes(ctx)
	if err != nil {
		return fmt.Errorf("%w: cannot read the validator set: %v", p2p.ErrIgnore, err)
	}
	if !slices.Contains(addrs, signer) {
		return fmt.Errorf("signer %s is not a staked validator", signer.Hex())
	}
	return nil
}

// validateActivation accepts activation-topic messages that decode, from
// staked validators (the registry nodes that relay owners' statements);
// the owner's signatures inside are checked when applied.
func (r *Node) validateActivation(ctx context.Context, from peer.ID, signer common.Address, m *p2p.Message) error {
	err := decodeKind("activation", m.Payload, map[byte]func() proto.Message{
		msgStatements: func() proto.Message { return &pb.SubnetLog{} },
		msgDigest:     func() proto.Message { return &pb.SubnetDigest{} },
	})
	if err != nil {
		return err
	}
	return r.validateFromValidator(ctx, from, signer, m)
}

// applyActivation takes a subnet message from signer.
func (r *Node) applyActivation(ctx context.Context, signer common.Address, payload []byte) error {
	switch payload[0] {
	case msgStatements:
		var l pb.SubnetLog
		if err := proto.Unmarshal(payload[1:], &l); err != nil {
			return err
		}
		_, err := r.applyLog(ctx, &l)
		return err
	case msgDigest:
		var d pb.SubnetDigest
		if err := proto.Unmarshal(payload[1:], &d); err != nil {
			return err
		}
		return r.onDigest(ctx, signer, &d)
	}
	return fmt.Errorf("%w: activation message kind %d", ErrBadRequest, payload[0])
}

// consume applies what arrives on a topic until ctx ends.
func (r *Node) consume(ctx context.Context, name string, sub *p2p.Subscription) {
	for {
		d, err := sub.Next(ctx)
		if err != nil {
			return
		}
		if d.Local {
			continue
		}
		if name == p2p.TopicActivation {
			if err := r.applyActivation(ctx, d.Signer, d.Message.Payload); err != nil && ctx.Err() == nil {
				r.cfg.Logger.Warn("subnet change not applied", "signer", d.Signer.Hex(), "err", err)
			}
			continue
		}
		if err := r.apply(name, d.Message.Payload); err != nil && !errors.Is(err, ErrStale) {
			r.cfg.Logger.Debug("gossip not applied", "topic", name, "signer", d.Signer.Hex(), "err", err)
		}
	}
}

func (r *Node) apply(topic string, payload []byte) error {
	if len(payload) == 0 {
		return fmt.Errorf("%w: empty message", ErrBadRequest)
	}
	switch topic {
	case p2p.TopicHeartbeat:
		switch payload[0] {
		case msgRegister:
			var req pb.RegisterNodeRequest
			if err := proto.Unmarshal(payload[1:], &req); err != nil {
				return err
			}
			return r.nodes.Register(&req)
		case msgHeartbeat:
			var req pb.HeartbeatRequest
			if err := proto.Unmarshal(payload[1:], &req); err != nil {
				return err
			}
			return r.nodes.Heartbeat(&req)
		case msgDeregister:
			var req pb.DeregisterNodeRequest
			if err := proto.Unmarshal(payload[1:], &req); err != nil {
				return err
			}
			return r.nodes.Deregister(&req)
		}
	case p2p.TopicReputation, p2p.TopicMempool:
		msgs, err := unbatch(payload)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrBadRequest, err)
		}
		var errs []error
		for _, m := range msgs {
			if err := r.applyOne(topic, m); err != nil {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	case p2p.TopicEvidence:
		return r.applyEvidence(payload)
	}
	return nil
}

// applyOne applies one reputation scoring or mempool entry.
func (r *Node) applyOne(topic string, payload []byte) error {
	switch topic {
	case p2p.TopicReputation:
		var m reputationMsg
		if err := json.Unmarshal(payload, &m); err != nil {
			return err
		}
		if len(m.Nodes) != len(m.Outcomes) || len(m.Nodes) > 64 {
			return fmt.Errorf("%w: reputation message shape", ErrBadRequest)
		}
		if m.AtMillis <= 0 || m.AtMillis > r.cfg.Now().Add(maxEventSkew).UnixMilli() {
			return fmt.Errorf("%w: reputation event stamped %d, not between 0 and a minute from now", ErrBadRequest, m.AtMillis)
		}
		for i, n := range m.Nodes {
			addr, err := parseAddress("node", n)
			if err != nil {
				return err
			}
			switch m.Outcomes[i] {
			case Success, FailedValidation, Timeout:
			default: // Slashed too: a slash travels as evidence, which every node checks
				return fmt.Errorf("%w: outcome %d", ErrBadRequest, m.Outcomes[i])
			}
			r.ledger.Add(Event{Node: addr, RequestID: m.RequestID, Outcome: m.Outcomes[i], AtMillis: m.AtMillis})
		}
	case p2p.TopicMempool:
		var m mempoolMsg
		if err := json.Unmarshal(payload, &m); err != nil {
			return err
		}
		if m.Kind.TTL() == 0 || len(m.Data) > 4<<10 {
			return fmt.Errorf("%w: mempool entry", ErrBadRequest)
		}
		r.mempool.Put(Entry{Kind: m.Kind, RequestID: m.RequestID, Data: m.Data, Created: time.UnixMilli(m.CreatedMs)})
		if m.Kind == KindCompletion {
			r.witnessCompletion(m.Data)
		}
	}
	return nil
}

// completionRecord is a completion quorum's signatures, gossiped as a
// mempool entry so every node's witness sees every validator's results.
type completionRecord struct {
	Message chain.Completion `json:"message"`
	Signers []string         `json:"signers"`
	Sigs    [][]byte         `json:"sigs"`
}

func (r *Node) gossipCompletion(msg chain.Completion, got []answer) {
	rec := completionRecord{Message: msg}
	for _, a := range got {
		if a.sig != nil {
			rec.Signers, rec.Sigs = append(rec.Signers, lower(a.c.addr)), append(rec.Sigs, a.sig)
		}
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return
	}
	now := r.cfg.Now()
	r.mempool.Put(Entry{Kind: KindCompletion, RequestID: msg.RequestID, Data: b, Created: now})
	r.gossipJSON(p2p.TopicMempool, mempoolMsg{Kind: KindCompletion, RequestID: msg.RequestID, Data: b, CreatedMs: now.UnixMilli()})
}

// witnessCompletion shows the signatures of a gossiped completion record
// to the witness, unchecked: it checks them only if they matter.
func (r *Node) witnessCompletion(data []byte) {
	var rec completionRecord
	if json.Unmarshal(data, &rec) != nil || len(rec.Signers) != len(rec.Sigs) {
		return
	}
	for i, s := range rec.Signers {
		addr, err := parseAddress("signer", s)
		if err != nil {
			continue
		}
		r.observeCompletion(addr, chain.SignedCompletion{Message: rec.Message, Signature: rec.Sigs[i]}, false)
	}
}

// lower is an address as the API spells it.
func lower(a common.Address) string { return strings.ToLower(a.Hex()) }
