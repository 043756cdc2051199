package p2p

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	pubsub "github.com/libp2p/go-libp2p-pubsub"
	pb "github.com/libp2p/go-libp2p-pubsub/pb"
	"github.com/libp2p/go-libp2p/core/peer"
)

// The gossip topics of the network, by short name. Node methods take the
// short name; the wire name is "<ProtocolPrefix>/<name>/1" (TopicName).
const (
	TopicHeartbeat  = "heartbeat"  // node liveness, relayed by registry nodes
	TopicMempool    = "mempool"    // pending validations, so any registry node can answer
	TopicReputation = "reputation" // reputation changes
	TopicActivation = "activation" // plugin and subnet activations
	TopicEvidence   = "evidence"   // equivocation evidence
)

// Topics lists the network's topics.
var Topics = []string{TopicHeartbeat, TopicMempool, TopicReputation, TopicActivation, TopicEvidence}

// TopicValidator judges a message on a topic after the node has checked
// its envelope: size, layout, topic, age and signature (signer is the
// recovered address). Return nil to accept and forward it, an error
// wrapping ErrIgnore to drop it without blaming the peer that forwarded it
// (a message this node cannot judge yet, or a duplicate by content), any
// other error to reject it, which lowers the forwarding peer's score.
// Called concurrently; it must be quick and must not publish.
type TopicValidator func(ctx context.Context, from peer.ID, signer common.Address, m *Message) error

// Delivery is one accepted message.
type Delivery struct {
	Message *Message
	Signer  common.Address
	// From is the peer that forwarded it (not necessarily its author:
	// the author is Signer).
	From peer.ID
	// Local: published by this node.
	Local bool
}

type topic struct {
	t      *pubsub.Topic
	cancel pubsub.RelayCancelFunc
}

func (t *topic) close() {
	if t.cancel != nil {
		t.cancel()
	}
	_ = t.t.Close()
}

// TopicName is the pubsub topic, and the Topic field of its messages, for
// a short name.
func (n *Node) TopicName(name string) string {
	return n.cfg.ProtocolPrefix + "/" + name + "/1"
}

// topicScore is the per-topic part of peer scoring. Only two signals are
// used: first deliveries (a small reward, capped) and invalid messages (a
// heavy, slowly decaying penalty). Mesh delivery-rate penalties are off
// because the traffic is bursty: a quiet heartbeat topic must not mark a
// mesh as failing.
func topicScore() *pubsub.TopicScoreParams {
	return &pubsub.TopicScoreParams{
		TopicWeight:                     1,
		TimeInMeshWeight:                0.01,
		TimeInMeshQuantum:               time.Second,
		TimeInMeshCap:                   100,
		FirstMessageDeliveriesWeight:    1,
		FirstMessageDeliveriesDecay:     0.5,
		FirstMessageDeliveriesCap:       50,
		InvalidMessageDeliveriesWeight:  -100,
		InvalidMessageDeliveriesDecay:   0.99,
		MeshMessageDeliveriesWeight:     0,
		MeshMessageDeliveriesDecay:      0.5,
		MeshFailurePenaltyWeight:        0,
		MeshFailurePenaltyDecay:         0.5,
		MeshMessageDeliveriesCap:        1,
		MeshMessageDeliveriesThreshold:  1,
		MeshMessageDeliveriesWindow:     10 * time.Millisecond,
		MeshMessageDeliveriesActivation: time.Minute,
	}
}

func (n *Node) startPubSub() error {
	score := &pubsub.PeerScoreParams{
		Topics:        map[string]*pubsub.TopicScoreParams{},
		TopicScoreCap: 100,
		// Stake, not IP addresses, is the Sybil defence here, and several
		// operators' nodes may share a NAT or a datacenter address.
		AppSpecificScore:          func(peer.ID) float64 { return 0 },
		AppSpecificWeight:         1,
		IPColocationFactorWeight:  0,
		BehaviourPenaltyWeight:    -10,
		BehaviourPenaltyDecay:     0.99,
		BehaviourPenaltyThreshold: 6,
		DecayInterval:             time.Second,
		DecayToZero:               0.01,
		RetainScore:               10 * time.Minute,
	}
	for _, name := range Topics {
		score.Topics[n.TopicName(name)] = topicScore()
	}
	thresholds := &pubsub.PeerScoreThresholds{
		GossipThreshold:             -100,
		PublishThreshold:            -500,
		GraylistThreshold:           -1000,
		AcceptPXThreshold:           10,
		OpportunisticGraftThreshold: 5,
	}
	ps, err := pubsub.NewGossipSub(n.ctx, n.host,
		pubsub.WithPeerScore(score, thresholds),
		// Our envelope carries the author's Ethereum signature; a second,
		// libp2p-key signature would only cost time.
		pubsub.WithNoAuthor(),
		pubsub.WithMessageSignaturePolicy(pubsub.StrictNoSign),
		// Content-addressed ids: the same envelope relayed by two peers, or
		// published twice, is one message.
		pubsub.WithMessageIdFn(func(m *pb.Message) string {
			sum := sha256.Sum256(m.Data)
			return string(sum[:])
		}),
		pubsub.WithSeenMessagesTTL(n.cfg.MaxMessageAge+n.cfg.ClockSkew),
		pubsub.WithMaxMessageSize(n.cfg.MaxMessageSize+1024),
		pubsub.WithPeerOutboundQueueSize(n.cfg.QueueSize),
		pubsub.WithValidateQueueSize(n.cfg.QueueSize),
		pubsub.WithValidateThrottle(n.cfg.QueueSize),
		pubsub.WithPeerExchange(n.cfg.Mode == ModeServer),
		pubsub.WithLogger(n.log),
	)
	if err != nil {
		return fmt.Errorf("p2p gossipsub: %w", err)
	}
	n.ps = ps
	return nil
}

// Join joins a topic by short name with the consumer's validator; nil
// accepts every message whose envelope is valid. A node that joins a topic
// validates and forwards its messages even if nobody subscribes locally.
// Joining twice fails.
func (n *Node) Join(name string, validate TopicValidator) error {
	full := n.TopicName(name)
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return ErrClosed
	}
	if _, ok := n.topics[full]; ok {
		return fmt.Errorf("join %s: already joined", full)
	}
	v := func(ctx context.Context, from peer.ID, pm *pubsub.Message) pubsub.ValidationResult {
		var self bool
		if pm.ReceivedFrom == n.host.ID() { // published here (pm.Local is only for WithLocalPublication)
			_, self = n.ownMessages.LoadAndDelete(crypto.Keccak256Hash(pm.Data))
		}
		m, signer, err := n.checkMessage(full, pm.Data, self)
		if err == nil && validate != nil {
			err = validate(ctx, from, signer, m)
		}
		switch {
		case err == nil:
			pm.ValidatorData = &Delivery{Message: m, Signer: signer, From: pm.ReceivedFrom, Local: pm.Local}
			return pubsub.ValidationAccept
		case errors.Is(err, ErrIgnore), errors.Is(err, ErrExpired):
			return pubsub.ValidationIgnore
		default:
			n.log.Debug("gossip message rejected", "topic", full, "from", from, "err", err)
			return pubsub.ValidationReject
		}
	}
	if err := n.ps.RegisterTopicValidator(full, v, pubsub.WithValidatorTimeout(5*time.Second)); err != nil {
		return fmt.Errorf("join %s: %w", full, err)
	}
	t, err := n.ps.Join(full)
	if err != nil {
		_ = n.ps.UnregisterTopicValidator(full)
		return fmt.Errorf("join %s: %w", full, err)
	}
	if !slices.Contains(Topics, name) {
		_ = t.SetScoreParams(topicScore())
	}
	cancel, err := t.Relay()
	if err != nil {
		_ = t.Close()
		return fmt.Errorf("join %s: %w", full, err)
	}
	n.topics[full] = &topic{t: t, cancel: cancel}
	return nil
}

// checkMessage checks the envelope of data arriving on topic full.
func (n *Node) checkMessage(full string, data []byte, self bool) (*Message, common.Address, error) {
	if len(data) > n.cfg.MaxMessageSize {
		return nil, common.Address{}, fmt.Errorf("message of %d bytes, limit %d: %w", len(data), n.cfg.MaxMessageSize, ErrTooLarge)
	}
	m, err := UnmarshalMessage(data)
	if err != nil {
		return nil, common.Address{}, err
	}
	if m.Topic != full {
		return nil, common.Address{}, fmt.Errorf("message for %s on %s: %w", m.Topic, full, ErrMalformed)
	}
	now := time.Now()
	if m.Issued.After(now.Add(n.cfg.ClockSkew)) {
		return nil, common.Address{}, fmt.Errorf("message on %s: %w", full, ErrFuture)
	}
	if now.Sub(m.Issued) > n.cfg.MaxMessageAge {
		return nil, common.Address{}, fmt.Errorf("message on %s issued %s ago: %w", full, now.Sub(m.Issued).Round(time.Millisecond), ErrExpired)
	}
	if self {
		return m, n.signer.Address(), nil
	}
	signer, err := m.Signer()
	if err != nil {
		return nil, common.Address{}, err
	}
	return m, signer, nil
}

func (n *Node) topic(name string) (*pubsub.Topic, error) {
	full := n.TopicName(name)
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil, ErrClosed
	}
	t, ok := n.topics[full]
	if !ok {
		return nil, fmt.Errorf("topic %s: %w", full, ErrUnknownTopic)
	}
	return t.t, nil
}

// Publish signs payload with Config.Key and publishes it on the joined
// topic name. The local validator runs first, so a message this node
// would reject is refused here with its error.
func (n *Node) Publish(ctx context.Context, name string, payload []byte) error {
	if n.signer == nil {
		return ErrNoKey
	}
	m, err := n.signer.Message(n.TopicName(name), payload)
	if err != nil {
		return err
	}
	t, err := n.topic(name)
	if err != nil {
		return err
	}
	b, err := m.Marshal()
	if err != nil {
		return err
	}
	// The local validator need not recover a signature made here a
	// moment ago (a recovery per message was a tenth of a busy
	// validator's time).
	h := crypto.Keccak256Hash(b)
	n.ownMessages.Store(h, struct{}{})
	defer n.ownMessages.Delete(h)
	if err := t.Publish(ctx, b); err != nil {
		return fmt.Errorf("publish on %s: %w", t.String(), err)
	}
	return nil
}

// PublishMessage publishes an already signed message (m.Topic must be
// TopicName(name)), e.g. one a client signed.
func (n *Node) PublishMessage(ctx context.Context, name string, m *Message) error {
	t, err := n.topic(name)
	if err != nil {
		return err
	}
	b, err := m.Marshal()
	if err != nil {
		return err
	}
	if err := t.Publish(ctx, b); err != nil {
		return fmt.Errorf("publish on %s: %w", t.String(), err)
	}
	return nil
}

// Subscription delivers the accepted messages of one topic, in arrival
// order, including this node's own. Its buffer is Config.QueueSize
// messages; a consumer slower than that loses messages.
type Subscription struct {
	sub *pubsub.Subscription
}

// Subscribe subscribes to a joined topic.
func (n *Node) Subscribe(name string) (*Subscription, error) {
	t, err := n.topic(name)
	if err != nil {
		return nil, err
	}
	s, err := t.Subscribe(pubsub.WithBufferSize(n.cfg.QueueSize))
	if err != nil {
		return nil, fmt.Errorf("subscribe %s: %w", t.String(), err)
	}
	return &Subscription{sub: s}, nil
}

// Next blocks for the next message; it fails when ctx ends or the
// subscription or node is closed.
func (s *Subscription) Next(ctx context.Context) (*Delivery, error) {
	pm, err := s.sub.Next(ctx)
	if err != nil {
		return nil, err
	}
	d, ok := pm.ValidatorData.(*Delivery)
	if !ok {
		return nil, fmt.Errorf("message without validation: %w", ErrMalformed)
	}
	return d, nil
}

// Cancel ends the subscription.
func (s *Subscription) Cancel() { s.sub.Cancel() }

// TopicPeers are the peers known to be on a topic (for tests and
// readiness checks: a topic with no peers delivers to nobody).
func (n *Node) TopicPeers(name string) []peer.ID {
	t, err := n.topic(name)
	if err != nil {
		return nil
	}
	return t.ListPeers()
}
