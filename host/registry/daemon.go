package registry

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"

	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/host/ops"
	"github.com/ncn-network/ncn/p2p"
	"github.com/ncn-network/ncn/plugins"
	"github.com/ncn-network/ncn/plugins/builtin"
)

// DaemonConfig is a whole registry node as `ncn registry` runs it.
type DaemonConfig struct {
	Key     *ecdsa.PrivateKey // validator key (required)
	DataDir string            // state: p2p identity, registry.db, model files, plugin store, compile cache (required)

	RPCURL    string          // chain JSON-RPC endpoint (required)
	Contracts chain.Addresses // deployed contracts (required)

	GRPCListen string // default ":50050"
	// MetricsListen serves /metrics, /healthz and /readyz; "" serves none.
	// MetricsFallback, if set, is listened on instead when MetricsListen
	// is taken (for a default port several nodes on a machine share).
	MetricsListen, MetricsFallback string
	GRPCAdvertise                  string // what other nodes dial; default the listener's address, 127.0.0.1 for a wildcard host

	P2PListen   []string // default p2p.DefaultListenAddrs (port 8828, TCP and QUIC)
	P2PAnnounce []string
	Bootstrap   []string // multiaddrs of peers to join through
	P2PPrefix   string   // default "/ncn"

	Subnets []string // subnets served with the builtin plugins until their owners set others; default ["default"]

	Registry Config // quorum, heartbeats, limits; Key, Domain, Subnets and Stakes are filled here
	Logger   *slog.Logger
}

// Daemon is a running registry node.
type Daemon struct {
	Node     *Node
	P2P      *p2p.Node
	GRPCAddr string // the gRPC listener's address
	// MetricsAddr is the operator endpoint's address ("" without one).
	MetricsAddr string
	ops         *ops.Server

	grpc      *grpc.Server
	backend   chain.Backend
	rt        *plugins.Runtime
	store     *plugins.Store
	subnets   *plugins.Subnets
	cancel    context.CancelFunc
	bootstrap bool // peers were named: readiness wants one
	served    chan error
	p2pDone   chan error
}

// Start assembles and starts a registry node: chain, plugins, p2p, gRPC.
func Start(ctx context.Context, cfg DaemonConfig) (d *Daemon, err error) {
	if cfg.Key == nil || cfg.DataDir == "" || cfg.RPCURL == "" {
		return nil, errors.New("registry: key, data dir and chain RPC URL are required")
	}
	if err := cfg.Contracts.Validate(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.GRPCListen == "" {
		cfg.GRPCListen = ":50050"
	}
	if len(cfg.Subnets) == 0 {
		cfg.Subnets = []string{"default"}
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, err
	}
	d = &Daemon{served: make(chan error, 1), p2pDone: make(chan error, 1), bootstrap: len(cfg.Bootstrap) > 0}
	// "return nil, err" sets d to nil before deferred calls run: release
	// through a copy.
	started := d
	defer func() {
		if err != nil {
			started.Close()
		}
	}()
	if d.backend, err = chain.Dial(ctx, cfg.RPCURL); err != nil {
		return nil, err
	}
	contracts, err := chain.Bind(d.backend, cfg.Contracts)
	if err != nil {
		return nil, err
	}
	domain, err := contracts.Domain(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the chain's EIP-712 domain: %w", err)
	}
	if d.rt, err = plugins.NewRuntime(plugins.Config{CacheDir: filepath.Join(cfg.DataDir, "cache")}); err != nil {
		return nil, err
	}
	if d.store, err = plugins.OpenStore(filepath.Join(cfg.DataDir, "plugins.db")); err != nil {
		return nil, err
	}
	// The builtins ship inside this binary, unsigned: they are trusted code.
	d.subnets = plugins.NewSubnets(d.rt, d.store, plugins.LoadOptions{SkipSignature: true})
	for _, s := range cfg.Subnets {
		set, err := builtin.Install(d.store, s)
		if err != nil {
			return nil, err
		}
		if _, err := d.subnets.Activate(ctx, set); err != nil {
			return nil, fmt.Errorf("activate builtin plugins for subnet %s: %w", s, err)
		}
	}
	sender, err := chain.NewSender(ctx, d.backend, cfg.Key, chain.SenderConfig{Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	rc := cfg.Registry
	rc.Slasher = chain.NewValidators(contracts, sender)
	rc.Key, rc.Domain, rc.Subnets, rc.Stakes, rc.Logger = cfg.Key, domain, d.subnets, contracts, cfg.Logger
	rc.Store, rc.Runtime = d.store, d.rt
	rc.StatePath = filepath.Join(cfg.DataDir, "registry.db")
	reg := ops.NewRegistry()
	rc.Metrics = reg
	if d.Node, err = New(rc); err != nil {
		return nil, err
	}

	ln, err := net.Listen("tcp", cfg.GRPCListen)
	if err != nil {
		return nil, fmt.Errorf("grpc listen %s: %w", cfg.GRPCListen, err)
	}
	d.GRPCAddr = ln.Addr().String()
	advertise := cfg.GRPCAdvertise
	if advertise == "" {
		advertise = d.GRPCAddr
		if host, port, err := net.SplitHostPort(advertise); err == nil && (host == "" || net.ParseIP(host).IsUnspecified()) {
			advertise = net.JoinHostPort("127.0.0.1", port)
		}
	}
	d.grpc = grpc.NewServer(grpc.MaxRecvMsgSize(32 << 20))
	d.Node.Register(d.grpc)
	hs := health.NewServer()
	healthpb.RegisterHealthServer(d.grpc, hs)
	reflection.Register(d.grpc)

	if d.P2P, err = p2p.New(p2p.Config{
		Key: cfg.Key, IdentityPath: filepath.Join(cfg.DataDir, "p2p.key"),
		ListenAddrs: cfg.P2PListen, AnnounceAddrs: cfg.P2PAnnounce, Bootstrap: cfg.Bootstrap,
		ProtocolPrefix: cfg.P2PPrefix, Mode: p2p.ModeServer, Logger: cfg.Logger,
		Blobs: d.Node.PluginBlobs(),
	}); err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	d.cancel = cancel
	go func() { d.p2pDone <- d.P2P.Run(runCtx) }()
	if err := d.Node.Replicate(runCtx, d.P2P, ReplicateConfig{Endpoint: advertise, Finder: d.P2P}); err != nil {
		return nil, err
	}
	if _, err := d.P2P.AdvertiseValidator(runCtx, &p2p.ValidatorDescriptor{Endpoints: []string{advertise}}); err != nil {
		// Alone in the network, there is no DHT server to store it yet;
		// gossip carries the registration anyway.
		cfg.Logger.Info("validator descriptor not stored in the DHT yet", "err", err)
	}
	go func() { d.served <- d.grpc.Serve(ln) }()
	if cfg.MetricsListen != "" {
		ln, fellBack, err := ops.Listen(cfg.MetricsListen, cfg.MetricsFallback)
		if err != nil {
			return nil, fmt.Errorf("metrics listen %s: %w", cfg.MetricsListen, err)
		}
		if fellBack {
			cfg.Logger.Warn("metrics port taken (another node on this machine?): serving on the fallback address instead",
				"wanted", cfg.MetricsListen, "serving", ln.Addr().String())
		}
		d.ops = ops.ServeListener(ln, reg, d.ready)
		d.MetricsAddr = d.ops.Addr
	}
	return d, nil
}

// ready is the readiness check: the chain answers with the validator set,
// and the node has a peer unless it is alone by configuration.
func (d *Daemon) ready(ctx context.Context) error {
	if _, _, err := d.Node.stakes(ctx); err != nil {
		return fmt.Errorf("validator set: %w", err)
	}
	if d.bootstrap && len(d.P2P.Peers()) == 0 {
		return errors.New("no p2p peers yet")
	}
	return nil
}

// Wait blocks until ctx ends or a server fails.
func (d *Daemon) Wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return nil
	case err := <-d.served:
		return fmt.Errorf("grpc server: %w", err)
	case err := <-d.p2pDone:
		return fmt.Errorf("p2p node: %w", err)
	}
}

// Close stops serving (letting calls in flight finish, briefly) and
// releases everything.
func (d *Daemon) Close() error {
	if d.ops != nil {
		_ = d.ops.Close()
	}
	if d.grpc != nil {
		stopped := make(chan struct{})
		go func() { d.grpc.GracefulStop(); close(stopped) }()
		select {
		case <-stopped:
		case <-time.After(5 * time.Second):
			d.grpc.Stop()
		}
	}
	if d.cancel != nil {
		d.cancel()
	}
	var errs []error
	if d.Node != nil {
		errs = append(errs, d.Node.Close())
	}
	if d.P2P != nil {
		errs = append(errs, d.P2P.Close())
	}
	if d.subnets != nil {
		errs = append(errs, d.subnets.Close())
	}
	if d.store != nil {
		errs = append(errs, d.store.Close())
	}
	if d.rt != nil {
		errs = append(errs, d.rt.Close())
	}
	if d.backend != nil {
		errs = append(errs, d.backend.Close())
	}
	return errors.Join(errs...)
}
