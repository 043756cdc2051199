package p2p

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p"
	dht "github.com/libp2p/go-libp2p-kad-dht"
	pubsub "github.com/libp2p/go-libp2p-pubsub"
	record "github.com/libp2p/go-libp2p-record"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/event"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	rcmgr "github.com/libp2p/go-libp2p/p2p/host/resource-manager"
	"github.com/libp2p/go-libp2p/p2p/net/connmgr"
	"github.com/libp2p/go-libp2p/p2p/net/swarm"
	"github.com/libp2p/go-libp2p/p2p/protocol/ping"
	quic "github.com/libp2p/go-libp2p/p2p/transport/quic"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	ma "github.com/multiformats/go-multiaddr"
)

// Node is one member of the network: a libp2p host with the private DHT,
// gossipsub and the blob and descriptor protocols. New starts listening
// and serving; Run dials the bootstrap peers and keeps the node connected
// and its records alive until its context ends; Close releases everything.
// All methods are safe for concurrent use.
type Node struct {
	cfg       Config
	log       *slog.Logger
	host      host.Host
	dht       *dht.IpfsDHT
	ps        *pubsub.PubSub
	validator *Validator
	signer    *Signer // nil without Config.Key
	bootstrap []peer.AddrInfo

	// ctx lives from New to Close: pubsub and the DHT's own loops run in it.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu          sync.Mutex
	closed      bool
	topics      map[string]*topic     // by full topic name
	published   map[string]*Record    // DHT key -> record kept alive by Run
	provided    map[cid.Cid]struct{}  // kept alive by Run
	descriptors map[Namespace]*Record // served on the descriptor protocol
	pingFails   map[peer.ID]int       // consecutive ping failures

	ownMessages sync.Map // keccak256 of messages Publish signed -> struct{}, while they are published
}

// New builds and starts a node: it listens on cfg.ListenAddrs and answers
// DHT, gossip, blob and descriptor requests at once. It dials nobody until
// Run.
func New(cfg Config) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("p2p config: %w", err)
	}
	cfg = cfg.withDefaults()
	bootstrap, _ := parseBootstrap(cfg.Bootstrap)

	priv := cfg.Identity
	if priv == nil && cfg.IdentityPath != "" {
		k, err := LoadIdentity(cfg.IdentityPath)
		if err != nil {
			return nil, err
		}
		priv = k
	}
	if priv == nil {
		k, _, err := crypto.GenerateEd25519Key(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("p2p identity: %w", err)
		}
		priv = k
	}

	n := &Node{
		cfg: cfg, log: cfg.Logger, bootstrap: bootstrap,
		validator: &Validator{MaxSize: cfg.MaxRecordSize, ClockSkew: cfg.ClockSkew, Plugins: cfg.PluginVerifier},
		topics:    map[string]*topic{}, published: map[string]*Record{}, provided: map[cid.Cid]struct{}{},
		descriptors: map[Namespace]*Record{}, pingFails: map[peer.ID]int{},
	}
	if cfg.Key != nil {
		n.signer = NewSigner(cfg.Key)
	}
	n.ctx, n.cancel = context.WithCancel(context.Background())

	h, err := n.newHost(priv)
	if err != nil {
		n.cancel()
		return nil, err
	}
	n.host = h
	if err := n.startServices(); err != nil {
		n.Close()
		return nil, err
	}
	n.log.Info("p2p node started", "peer", h.ID(), "addrs", h.Addrs(), "mode", cfg.Mode, "bootstrap", len(bootstrap))
	return n, nil
}

// resourceLimits are libp2p's default scaled limits (per system, transient,
// service, protocol, peer, connection and stream scopes) scaled to
// MaxMemory and MaxFileDescriptors, plus the blob and descriptor
// protocols: at most 64 inbound blob streams in all, 4 per peer, and 256
// descriptor streams, 8 per peer, because a blob stream may carry
// MaxBlobSize bytes.
func (n *Node) resourceLimits() rcmgr.ConcreteLimitConfig {
	limits := rcmgr.DefaultLimits
	libp2p.SetDefaultServiceLimits(&limits)
	for _, p := range []protocol.ID{n.blobProtocol(), n.blobProtocolV1()} {
		limits.AddProtocolLimit(p, rcmgr.BaseLimit{StreamsInbound: 64, StreamsOutbound: 64, Streams: 128, Memory: 64 << 20}, rcmgr.BaseLimitIncrease{})
		limits.AddProtocolPeerLimit(p, rcmgr.BaseLimit{StreamsInbound: 4, StreamsOutbound: 4, Streams: 8, Memory: 16 << 20}, rcmgr.BaseLimitIncrease{})
	}
	limits.AddProtocolLimit(n.descProtocol(), rcmgr.BaseLimit{StreamsInbound: 256, StreamsOutbound: 256, Streams: 512, Memory: 16 << 20}, rcmgr.BaseLimitIncrease{})
	limits.AddProtocolPeerLimit(n.descProtocol(), rcmgr.BaseLimit{StreamsInbound: 8, StreamsOutbound: 8, Streams: 16, Memory: 1 << 20}, rcmgr.BaseLimitIncrease{})
	return limits.Scale(n.cfg.MaxMemory, n.cfg.MaxFileDescriptors)
}

func (n *Node) newHost(priv crypto.PrivKey) (host.Host, error) {
	rm, err := rcmgr.NewResourceManager(rcmgr.NewFixedLimiter(n.resourceLimits()), rcmgr.WithMetricsDisabled())
	if err != nil {
		return nil, fmt.Errorf("p2p resource manager: %w", err)
	}
	cm, err := connmgr.NewConnManager(n.cfg.ConnLow, n.cfg.ConnHigh, connmgr.WithGracePeriod(n.cfg.ConnGrace))
	if err != nil {
		return nil, fmt.Errorf("p2p connection manager: %w", err)
	}
	opts := []libp2p.Option{
		libp2p.Identity(priv),
		libp2p.ListenAddrStrings(n.cfg.ListenAddrs...),
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.Transport(quic.NewTransport),
		libp2p.ResourceManager(rm),
		libp2p.ConnectionManager(cm),
		libp2p.DisableRelay(),
		// Metrics would register with Prometheus' global registry; the host
		// exports its own.
		libp2p.DisableMetrics(),
		libp2p.UserAgent("ncn"),
		libp2p.Ping(true),
	}
	// Reachability is stated, not probed: AutoNAT then never asks peers to
	// dial us back, and a registry node is reachable by the operator's word.
	if n.cfg.Mode == ModeServer {
		opts = append(opts, libp2p.ForceReachabilityPublic())
	} else {
		opts = append(opts, libp2p.ForceReachabilityPrivate())
	}
	if len(n.cfg.AnnounceAddrs) > 0 {
		var announce []ma.Multiaddr
		for _, s := range n.cfg.AnnounceAddrs {
			announce = append(announce, ma.StringCast(s))
		}
		opts = append(opts, libp2p.AddrsFactory(func([]ma.Multiaddr) []ma.Multiaddr { return announce }))
	}
	h, err := libp2p.New(opts...)
	if err != nil {
		rm.Close()
		return nil, fmt.Errorf("p2p host: %w", err)
	}
	return h, nil
}

func (n *Node) startServices() error {
	nsval := record.NamespacedValidator{}
	for _, ns := range Namespaces {
		nsval[ns.String()] = n.validator
	}
	mode := dht.ModeServer
	if n.cfg.Mode == ModeClient {
		mode = dht.ModeClient
	}
	d, err := dht.New(n.host,
		dht.Mode(mode),
		dht.ProtocolPrefix(protocol.ID(n.cfg.ProtocolPrefix)),
		dht.Validator(nsval),
		dht.BootstrapPeers(n.bootstrap...),
	)
	if err != nil {
		return fmt.Errorf("p2p dht: %w", err)
	}
	n.dht = d
	if err := n.startPubSub(); err != nil {
		return err
	}
	for _, b := range n.bootstrap {
		n.host.Peerstore().AddAddrs(b.ID, b.Addrs, time.Hour*24*365)
		n.host.ConnManager().Protect(b.ID, "ncn-bootstrap")
	}
	sub, err := n.host.EventBus().Subscribe(new(event.EvtPeerConnectednessChanged))
	if err != nil {
		return fmt.Errorf("p2p events: %w", err)
	}
	n.wg.Add(1)
	go n.watchPeers(sub)
	n.host.SetStreamHandler(n.blobProtocol(), n.serveBlob)
	n.host.SetStreamHandler(n.blobProtocolV1(), n.serveBlob)
	n.host.SetStreamHandler(n.descProtocol(), n.serveDescriptor)
	return nil
}

// Host is the libp2p host, for what this package does not wrap: its
// event bus (event.EvtPeerConnectednessChanged tells a registry when a
// peer comes and goes), its peerstore, extra protocols.
func (n *Node) Host() host.Host { return n.host }

// ID is the node's peer id.
func (n *Node) ID() peer.ID { return n.host.ID() }

// Address is the Ethereum address of Config.Key (zero without one).
func (n *Node) Address() (a [20]byte) {
	if n.signer != nil {
		a = n.signer.Address()
	}
	return a
}

// Addrs are the node's dialable multiaddrs with /p2p/<id>, the form other
// nodes take as Config.Bootstrap.
func (n *Node) Addrs() []string {
	addrs, _ := peer.AddrInfoToP2pAddrs(&peer.AddrInfo{ID: n.host.ID(), Addrs: n.host.Addrs()})
	out := make([]string, len(addrs))
	for i, a := range addrs {
		out[i] = a.String()
	}
	return out
}

// Peers are the peers with an open connection.
func (n *Node) Peers() []peer.ID { return n.host.Network().Peers() }

// RoutingTableSize is the number of DHT servers in the routing table.
func (n *Node) RoutingTableSize() int { return n.dht.RoutingTable().Size() }

// Validator is the record validator the node's DHT uses, for checking
// records that arrive by other paths (a signed descriptor in a gRPC call).
func (n *Node) Validator() *Validator { return n.validator }

// Signer is the signer of Config.Key, nil without one.
func (n *Node) Signer() *Signer { return n.signer }

// Run connects to the bootstrap peers, then until ctx ends: re-dials
// disconnected bootstrap peers (RedialInterval), pings every peer and
// drops the dead (PingInterval), republishes records (RepublishInterval)
// and re-provides keys (ReprovideInterval). It returns nil when ctx ends,
// ErrClosed if the node is closed first.
func (n *Node) Run(ctx context.Context) error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return ErrClosed
	}
	n.wg.Add(1)
	n.mu.Unlock()
	defer n.wg.Done()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-n.ctx.Done():
			cancel()
		case <-ctx.Done():
		}
	}()

	n.redial(ctx)
	redial := time.NewTicker(n.cfg.RedialInterval)
	defer redial.Stop()
	pingT := time.NewTicker(n.cfg.PingInterval)
	defer pingT.Stop()
	republish := time.NewTicker(n.cfg.RepublishInterval)
	defer republish.Stop()
	reprovide := time.NewTicker(n.cfg.ReprovideInterval)
	defer reprovide.Stop()
	for {
		select {
		case <-ctx.Done():
			if n.ctx.Err() != nil {
				return ErrClosed
			}
			return nil
		case <-redial.C:
			n.redial(ctx)
		case <-pingT.C:
			n.pingAll(ctx)
		case <-republish.C:
			n.republish(ctx)
		case <-reprovide.C:
			n.reprovide(ctx)
		}
	}
}

// Connect dials the bootstrap peers now, returning how many are connected;
// Run does this at its start and every RedialInterval.
func (n *Node) Connect(ctx context.Context) int { return n.redial(ctx) }

// redial dials every bootstrap peer that is not connected. The swarm's
// dial backoff is cleared first: it grows to minutes after failures, and
// a healed link should be used at the next tick.
func (n *Node) redial(ctx context.Context) int {
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		connected int
		fresh     bool
	)
	for _, b := range n.bootstrap {
		if b.ID == n.host.ID() {
			continue
		}
		if n.host.Network().Connectedness(b.ID) == network.Connected {
			mu.Lock() // the dials started before count under it too
			connected++
			mu.Unlock()
			continue
		}
		wg.Add(1)
		go func(b peer.AddrInfo) {
			defer wg.Done()
			if sw, ok := n.host.Network().(*swarm.Swarm); ok {
				sw.Backoff().Clear(b.ID)
			}
			dctx, cancel := context.WithTimeout(ctx, max(n.cfg.RedialInterval, 5*time.Second))
			defer cancel()
			if err := n.host.Connect(dctx, b); err != nil {
				n.log.Debug("bootstrap dial failed", "peer", b.ID, "err", err)
				return
			}
			n.log.Info("connected to bootstrap peer", "peer", b.ID)
			mu.Lock()
			connected++
			fresh = true
			mu.Unlock()
		}(b)
	}
	wg.Wait()
	if fresh {
		// A (re)joined node learns the rest of the network now rather than
		// at the DHT's next 10-minute refresh.
		n.dht.RefreshRoutingTable()
	}
	return connected
}

// pingAll pings every connected peer at once and closes the connections
// of a peer that failed PingFailures times in a row.
func (n *Node) pingAll(ctx context.Context) {
	peers := n.host.Network().Peers()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for _, p := range peers {
		wg.Add(1)
		sem <- struct{}{}
		go func(p peer.ID) {
			defer wg.Done()
			defer func() { <-sem }()
			pctx, cancel := context.WithTimeout(ctx, n.cfg.PingTimeout)
			defer cancel()
			// ping.Ping closes its channel without a result when the context
			// ends first, which is exactly the dead-peer case.
			res, ok := <-ping.Ping(pctx, n.host, p)
			if !ok {
				res.Error = fmt.Errorf("no pong within %s", n.cfg.PingTimeout)
			}
			n.mu.Lock()
			if res.Error == nil {
				delete(n.pingFails, p)
				n.mu.Unlock()
				return
			}
			n.pingFails[p]++
			dead := n.pingFails[p] >= n.cfg.PingFailures
			if dead {
				delete(n.pingFails, p)
			}
			n.mu.Unlock()
			if dead && ctx.Err() == nil {
				n.log.Info("peer stopped answering pings; disconnecting", "peer", p, "err", res.Error)
				_ = n.host.Network().ClosePeer(p)
				n.dht.RoutingTable().RemovePeer(p)
			}
		}(p)
	}
	wg.Wait()
	n.mu.Lock()
	for p := range n.pingFails {
		if n.host.Network().Connectedness(p) != network.Connected {
			delete(n.pingFails, p)
		}
	}
	n.mu.Unlock()
}

// watchPeers drops a DHT server from the routing table as soon as it
// disconnects and cannot be dialled back within PingTimeout. The DHT
// itself keeps a vanished peer until a query to it fails, and every lookup
// that meets it waits for a dial timeout first: on QUIC, a closed UDP port
// answers nothing, so each such dial costs seconds.
func (n *Node) watchPeers(sub event.Subscription) {
	defer n.wg.Done()
	defer sub.Close()
	for {
		select {
		case <-n.ctx.Done():
			return
		case e, ok := <-sub.Out():
			if !ok {
				return
			}
			ev := e.(event.EvtPeerConnectednessChanged)
			if ev.Connectedness != network.NotConnected || n.dht.RoutingTable().Find(ev.Peer) == "" {
				continue
			}
			n.wg.Add(1)
			go func(p peer.ID) {
				defer n.wg.Done()
				ctx, cancel := context.WithTimeout(n.ctx, n.cfg.PingTimeout)
				defer cancel()
				if err := n.host.Connect(ctx, peer.AddrInfo{ID: p}); err != nil && n.ctx.Err() == nil {
					n.dht.RoutingTable().RemovePeer(p)
					n.log.Info("peer gone; removed from routing table", "peer", p, "err", err)
				}
			}(ev.Peer)
		}
	}
}

// Close stops Run, leaves every topic and shuts the DHT and host down.
func (n *Node) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	topics := n.topics
	n.topics = map[string]*topic{}
	n.mu.Unlock()
	n.cancel()
	n.wg.Wait()
	var errs []error
	for _, t := range topics {
		t.close()
	}
	if n.dht != nil {
		errs = append(errs, n.dht.Close())
	}
	if n.host != nil {
		errs = append(errs, n.host.Close())
	}
	return errors.Join(errs...)
}

func (n *Node) blobProtocol() protocol.ID {
	return protocol.ID(n.cfg.ProtocolPrefix + "/blob/2.0.0")
}

// blobProtocolV1 is the blob protocol before offsets: still served, and
// spoken to a peer that knows no other, so nodes of both versions fetch
// plugins from each other during an upgrade.
func (n *Node) blobProtocolV1() protocol.ID {
	return protocol.ID(n.cfg.ProtocolPrefix + "/blob/1.0.0")
}

func (n *Node) descProtocol() protocol.ID {
	return protocol.ID(n.cfg.ProtocolPrefix + "/descriptor/1.0.0")
}
