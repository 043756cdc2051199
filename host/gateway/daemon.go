package gateway

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"

	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/chain/bindings/payment"
	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/host/ops"
	"github.com/ncn-network/ncn/plugins"
	"github.com/ncn-network/ncn/plugins/builtin"
)

// DaemonConfig is a whole gateway as `ncn gateway` runs it. (Config is the
// ledger's.) Fields marked required have no default; every other zero
// value takes the default shown.
type DaemonConfig struct {
	// Key is the gateway's key (required): it signs quotes, its
	// registration and heartbeats, and sends the settlement and refund
	// transactions; the payment tree pays the gateway share to it.
	Key *ecdsa.PrivateKey
	// DataDir holds the request ledger (gateway.db), the plugin store
	// (plugins.db) and the plugin compile cache (cache/). Required.
	DataDir string

	// RPCURL is the chain's JSON-RPC endpoint; required unless Backend is
	// set.
	RPCURL string
	// Backend, if set, is an open chain used instead of dialling RPCURL
	// (an in-process chain); the daemon does not close it.
	Backend chain.Backend
	// Contracts is the deployment the gateway settles on (required).
	Contracts chain.Addresses

	// RegistryAddr is a registry node's gRPC address, host:port
	// (required): registration, discovery, validation, subnets, plugins.
	RegistryAddr string

	GRPCListen    string // default ":50051"
	GRPCAdvertise string // what compute nodes and validators are told; default the listener's address, 127.0.0.1 for a wildcard host
	HTTPListen    string // default ":8080"; "off" serves no HTTP

	// WSListen serves the WebSocket API (path /ws: task updates, token
	// streams, submissions; see ws.go); default ":9000", "off" serves
	// none. WSFallback, if set, is listened on instead when WSListen is
	// taken (a default port another node of the machine holds); "" fails
	// Start then.
	WSListen, WSFallback string
	WSConnectionsPerIP   int           // open WebSocket connections per client IP; default 10
	WSMaxMessageBytes    int64         // largest WebSocket message from a client; default MaxBodyBytes
	WSPingInterval       time.Duration // how often a WebSocket client is pinged; it is dropped after two intervals without a pong or message; default 30s

	// MetricsListen serves the operator endpoints — /metrics (Prometheus),
	// /healthz, /readyz, /debug/pprof — on their own listener; "" serves
	// none. MetricsFallback, if set, is listened on instead when
	// MetricsListen is taken (a default port another node of the machine
	// holds); "" fails Start then.
	MetricsListen, MetricsFallback string

	// Subnets are the subnets served. Empty: every subnet the registry
	// knows, each loaded on its first request.
	Subnets []string

	QuoteTTL          time.Duration // how long a quote and a validated request stay payable; default 10m (validators accept at most 10m)
	ReservationTTL    time.Duration // how long an unpaid request holds a compute slot; default 2m
	TaskTimeout       time.Duration // longest a dispatched task may take before it is refunded; default 2m
	SettleMargin      time.Duration // stop trying to settle this long before a request expires, and refund; default 1m
	HeartbeatInterval time.Duration // default: what the registry asks for, else 10s
	SubnetRefresh     time.Duration // how often subnets are re-read from the registry (activations); default 5s
	PollInterval      time.Duration // payment watcher and deadlines; default 1s
	// Finality is how final a deposit must be before its request settles
	// (the tree paid out, the result released): 0, mined — a chain with
	// one sealer (a devnet, geth --dev) does not reorg; N, N blocks on
	// top of it; FinalityFinalized, the chain's finalized block (it must
	// come well within QuoteTTL less SettleMargin, or requests are
	// refunded). Dispatch does not wait for it (speculate.go). Default 0.
	Finality int64
	// NoSpeculation dispatches a task only once its payment is mined,
	// not once the initiate transaction is in the chain's pool.
	NoSpeculation bool
	// Retention is how long an ended request's record stays in the
	// ledger (its result and idempotency key go after 24 hours); later
	// its status is what the escrow says (settled or refunded). Default
	// 30 days.
	Retention    time.Duration
	Retries      int           // tries of a validation, settlement or dispatch before the request is refunded; default 6
	RetryBackoff time.Duration // first backoff between tries, doubling up to 15s; default 500ms

	HTTPInferencePerMinute int   // per client IP; default 100
	GRPCSubmitPerMinute    int   // per client IP; default 1000
	MaxBodyBytes           int64 // largest HTTP request body; default 8 MiB
	MaxInputBytes          int   // largest model input; default 4 MiB
	MaxResultBytes         int   // largest result a compute node may return; default 16 MiB

	Logger *slog.Logger // default slog.Default()
	// Metrics, if set, is the registry the gateway's metrics are
	// registered on (and MetricsListen serves); default a new one of
	// its own (ops.NewRegistry).
	Metrics *prometheus.Registry
}

// FinalityFinalized is DaemonConfig.Finality for the chain's finalized
// block.
const FinalityFinalized = -1

// Validate reports missing or inconsistent fields.
func (c *DaemonConfig) Validate() error {
	var errs []error
	if c.Key == nil {
		errs = append(errs, errors.New("no gateway key"))
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("no data directory"))
	}
	if c.RPCURL == "" && c.Backend == nil {
		errs = append(errs, errors.New("no chain: give an RPC URL"))
	}
	if err := c.Contracts.Validate(); err != nil {
		errs = append(errs, err)
	}
	if c.RegistryAddr == "" {
		errs = append(errs, errors.New("no registry address"))
	}
	if c.QuoteTTL > 10*time.Minute {
		errs = append(errs, fmt.Errorf("quote TTL %s: validators accept at most 10m", c.QuoteTTL))
	}
	for _, d := range []time.Duration{c.QuoteTTL, c.ReservationTTL, c.TaskTimeout, c.SettleMargin, c.HeartbeatInterval, c.SubnetRefresh, c.PollInterval, c.RetryBackoff, c.WSPingInterval} {
		if d < 0 {
			errs = append(errs, errors.New("negative duration"))
			break
		}
	}
	if c.Finality < FinalityFinalized {
		errs = append(errs, fmt.Errorf("finality %d: a block count, or FinalityFinalized", c.Finality))
	}
	if c.Retries < 0 || c.HTTPInferencePerMinute < 0 || c.GRPCSubmitPerMinute < 0 || c.MaxBodyBytes < 0 || c.MaxInputBytes < 0 || c.MaxResultBytes < 0 ||
		c.WSConnectionsPerIP < 0 || c.WSMaxMessageBytes < 0 {
		errs = append(errs, errors.New("negative limit"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("gateway config: %w", err)
	}
	return nil
}

func (c DaemonConfig) withDefaults() DaemonConfig {
	dur := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	num := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	if c.GRPCListen == "" {
		c.GRPCListen = ":50051"
	}
	if c.HTTPListen == "" {
		c.HTTPListen = ":8080"
	}
	if c.WSListen == "" {
		c.WSListen = ":9000"
	}
	dur(&c.QuoteTTL, 10*time.Minute)
	dur(&c.ReservationTTL, 2*time.Minute)
	dur(&c.TaskTimeout, 2*time.Minute)
	dur(&c.SettleMargin, time.Minute)
	dur(&c.SubnetRefresh, 5*time.Second)
	dur(&c.PollInterval, time.Second)
	dur(&c.RetryBackoff, 500*time.Millisecond)
	num(&c.Retries, 6)
	num(&c.HTTPInferencePerMinute, 100)
	num(&c.GRPCSubmitPerMinute, 1000)
	num(&c.WSConnectionsPerIP, 10)
	dur(&c.WSPingInterval, 30*time.Second)
	num(&c.MaxInputBytes, 4<<20)
	num(&c.MaxResultBytes, 16<<20)
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = 8 << 20
	}
	if c.WSMaxMessageBytes == 0 {
		c.WSMaxMessageBytes = c.MaxBodyBytes
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Metrics == nil {
		c.Metrics = ops.NewRegistry()
	}
	return c
}

// Daemon is a running gateway. Its methods are safe for concurrent use.
type Daemon struct {
	GRPCAddr    string // the gRPC listener's address
	HTTPAddr    string // the HTTP listener's address; "" without HTTP
	WSAddr      string // the WebSocket listener's address; "" without one
	MetricsAddr string // the operator endpoints' address; "" without them

	cfg  DaemonConfig
	log  *slog.Logger
	addr common.Address // the gateway's address
	self string         // addr as the API spells it: 0x, lower case

	backend   chain.Backend
	ownChain  bool
	contracts *chain.Contracts
	domain    chain.Domain
	sender    *chain.Sender
	payABI    *payment.InferencePayment
	settler   *settleBatcher
	// settleAlone holds requests whose batch failed on chain: they settle
	// alone (common.Hash -> true).
	settleAlone sync.Map

	ledger  *Ledger
	rt      *plugins.Runtime
	store   *plugins.Store
	subnets *plugins.Subnets
	book    subnetBook

	regConn *grpc.ClientConn
	reg     pb.P2PRegistryServiceClient

	quotes  quoteCache
	compute computeBook
	bus     updateBus
	watch   paymentWatch
	specs   speculations

	headMu sync.Mutex
	head   uint64    // a recent block number (recentHead)
	headAt time.Time // when it was read

	httpLimit, grpcLimit *limiter
	chainLookups         *limiter // status answered from the escrow, all callers together

	promReg *prometheus.Registry
	metrics *metrics
	ops     *ops.Server

	registered chan struct{} // closed once the registry accepted the registration

	drivers sync.Mutex
	running map[common.Hash]bool // a driver goroutine is advancing the request
	again   map[common.Hash]bool // it must look once more before it stops

	grpc   *grpc.Server
	health *health.Server
	http   *http.Server
	ws     *wsServer

	ctx    context.Context // the daemon's life: cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
	served chan error
	closed sync.Once
	cerr   error
}

// Start assembles a gateway — chain, ledger, plugins, registry connection
// — registers it, resumes what its ledger had in flight and serves gRPC
// and HTTP.
func Start(ctx context.Context, cfg DaemonConfig) (_ *Daemon, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, err
	}
	addr := crypto.PubkeyToAddress(cfg.Key.PublicKey)
	d := &Daemon{
		cfg: cfg, log: cfg.Logger.With("gateway", strings.ToLower(addr.Hex())), addr: addr, self: strings.ToLower(addr.Hex()),
		payABI: payment.NewInferencePayment(), registered: make(chan struct{}),
		running: map[common.Hash]bool{}, again: map[common.Hash]bool{}, served: make(chan error, 2),
		httpLimit: newLimiter(cfg.HTTPInferencePerMinute, time.Minute),
		grpcLimit: newLimiter(cfg.GRPCSubmitPerMinute, time.Minute),
		// Status of requests held elsewhere costs a chain read each.
		chainLookups: newLimiter(chainLookupsPerMinute, time.Minute),
	}
	d.promReg = cfg.Metrics
	d.metrics = newMetrics(cfg.Metrics)
	d.ctx, d.cancel = context.WithCancel(context.WithoutCancel(ctx))
	defer func() {
		if err != nil {
			d.Close()
		}
	}()

	if d.backend = cfg.Backend; d.backend == nil {
		if d.backend, err = chain.Dial(ctx, cfg.RPCURL); err != nil {
			return nil, err
		}
		d.ownChain = true
	}
	if d.contracts, err = chain.Bind(d.backend, cfg.Contracts); err != nil {
		return nil, err
	}
	if d.domain, err = d.contracts.Domain(ctx); err != nil {
		return nil, fmt.Errorf("read the chain's EIP-712 domain: %w", err)
	}
	if d.sender, err = chain.NewSender(ctx, d.backend, cfg.Key, chain.SenderConfig{Logger: cfg.Logger}); err != nil {
		return nil, err
	}
	d.settler = &settleBatcher{ctx: d.ctx, sender: d.sender, escrow: cfg.Contracts.Payment, payABI: d.payABI, timeout: time.Minute}
	// Concurrent requests' state changes share a commit and its fsync
	// (a lone one waits a millisecond for company): under load one fsync
	// per write was most of the gateway's time.
	if d.ledger, err = Open(Config{Path: filepath.Join(cfg.DataDir, "gateway.db"), BatchDelay: time.Millisecond, Retention: cfg.Retention}); err != nil {
		return nil, err
	}
	if d.rt, err = plugins.NewRuntime(plugins.Config{CacheDir: filepath.Join(cfg.DataDir, "cache"), Logger: cfg.Logger}); err != nil {
		return nil, err
	}
	if d.store, err = plugins.OpenStore(filepath.Join(cfg.DataDir, "plugins.db")); err != nil {
		return nil, err
	}
	// The builtins ship inside the binary, unsigned; what the registry
	// serves besides is checked against its owner's signature when fetched
	// (subnets.go), so every load may skip the check.
	if _, err := builtin.Install(d.store, "default"); err != nil {
		return nil, err
	}
	d.subnets = plugins.NewSubnets(d.rt, d.store, plugins.LoadOptions{SkipSignature: true})
	d.book.m = map[string]*subnetState{}

	if d.regConn, err = grpc.NewClient(cfg.RegistryAddr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(64<<20), grpc.MaxCallSendMsgSize(64<<20))); err != nil {
		return nil, fmt.Errorf("registry %s: %w", cfg.RegistryAddr, err)
	}
	d.reg = pb.NewP2PRegistryServiceClient(d.regConn)

	gln, err := net.Listen("tcp", cfg.GRPCListen)
	if err != nil {
		return nil, fmt.Errorf("grpc listen %s: %w", cfg.GRPCListen, err)
	}
	d.GRPCAddr = gln.Addr().String()
	var hln, wln net.Listener
	closeListeners := func() {
		for _, ln := range []net.Listener{gln, hln, wln} {
			if ln != nil {
				ln.Close()
			}
		}
	}
	if cfg.HTTPListen != "off" {
		if hln, err = net.Listen("tcp", cfg.HTTPListen); err != nil {
			closeListeners()
			return nil, fmt.Errorf("http listen %s: %w", cfg.HTTPListen, err)
		}
		d.HTTPAddr = hln.Addr().String()
	}
	if cfg.WSListen != "off" {
		var fellBack bool
		if wln, fellBack, err = ops.Listen(cfg.WSListen, cfg.WSFallback); err != nil {
			closeListeners()
			return nil, fmt.Errorf("websocket listen %s: %w", cfg.WSListen, err)
		}
		if fellBack {
			d.log.Warn("websocket port taken (another gateway on this machine?): serving on the fallback address instead",
				"wanted", cfg.WSListen, "serving", wln.Addr().String())
		}
		d.WSAddr = wln.Addr().String()
	}
	advertise := cfg.GRPCAdvertise
	if advertise == "" {
		advertise = d.GRPCAddr
		if host, port, err := net.SplitHostPort(advertise); err == nil && (host == "" || net.ParseIP(host).IsUnspecified()) {
			advertise = net.JoinHostPort("127.0.0.1", port)
		}
	}

	d.grpc = grpc.NewServer(grpc.MaxRecvMsgSize(64<<20), grpc.MaxSendMsgSize(64<<20))
	pb.RegisterGatewayClientServiceServer(d.grpc, &clientService{d: d})
	pb.RegisterGatewayComputeServiceServer(d.grpc, &computeService{d: d})
	d.health = health.NewServer()
	healthpb.RegisterHealthServer(d.grpc, d.health)
	reflection.Register(d.grpc)
	d.health.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)

	// Registered before anything is validated: validators refuse a
	// gateway they do not know.
	interval, err := d.register(ctx, advertise)
	if err != nil {
		closeListeners()
		return nil, fmt.Errorf("register at registry %s: %w", cfg.RegistryAddr, err)
	}
	close(d.registered)
	for _, s := range cfg.Subnets {
		if _, err := d.syncSubnet(ctx, s); err != nil {
			d.log.Warn("subnet not ready", "subnet", s, "err", err)
		}
	}
	d.resume(ctx)

	if cfg.MetricsListen != "" {
		ln, fellBack, err := ops.Listen(cfg.MetricsListen, cfg.MetricsFallback)
		if err != nil {
			closeListeners()
			return nil, fmt.Errorf("metrics listen %s: %w", cfg.MetricsListen, err)
		}
		if fellBack {
			d.log.Warn("metrics port taken (another node on this machine?): serving on the fallback address instead",
				"wanted", cfg.MetricsListen, "serving", ln.Addr().String())
		}
		d.ops = ops.ServeListener(ln, cfg.Metrics, d.ready)
		d.MetricsAddr = ln.Addr().String()
	}
	d.goServe(func() error { return d.grpc.Serve(gln) })
	if hln != nil {
		d.http = &http.Server{Handler: d.httpHandler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
		d.goServe(func() error {
			if err := d.http.Serve(hln); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		})
	}
	if wln != nil {
		d.ws = newWSServer(d)
		d.goServe(func() error {
			if err := d.ws.srv.Serve(wln); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		})
	}
	d.loop(func() { d.heartbeat(advertise, interval) })
	d.loop(d.refreshSubnets)
	d.loop(d.poll)
	d.health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	d.log.Info("gateway started", "grpc", d.GRPCAddr, "http", d.HTTPAddr, "websocket", d.WSAddr, "metrics", d.MetricsAddr, "registry", cfg.RegistryAddr)
	return d, nil
}

// Address is the gateway's address.
func (d *Daemon) Address() common.Address { return d.addr }

// Ledger is the gateway's request ledger, for inspection.
func (d *Daemon) Ledger() *Ledger { return d.ledger }

// Metrics is the registry the gateway's metrics are on.
func (d *Daemon) Metrics() *prometheus.Registry { return d.promReg }

func (d *Daemon) goServe(serve func() error) {
	go func() {
		if err := serve(); err != nil {
			d.served <- err
		}
	}()
}

// loop runs f in a goroutine the daemon waits for on Close.
func (d *Daemon) loop(f func()) {
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		f()
	}()
}

// Wait blocks until ctx ends or a server fails.
func (d *Daemon) Wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return nil
	case err := <-d.served:
		return fmt.Errorf("gateway server: %w", err)
	}
}

// Close stops serving (calls in flight finish, briefly), stops the
// background work — requests stay in their ledger state, and a gateway
// started on the same DataDir resumes them — and releases everything.
func (d *Daemon) Close() error {
	d.closed.Do(func() { d.cerr = d.close() })
	return d.cerr
}

func (d *Daemon) close() error {
	if d.ops != nil {
		_ = d.ops.Close()
	}
	if d.health != nil {
		d.health.Shutdown()
	}
	if d.cancel != nil {
		d.cancel() // ends task streams and subscriptions, so GracefulStop can finish
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
	// No driver starts once the daemon is cancelled (spawn checks under
	// this lock), so the wait below covers every one.
	d.drivers.Lock()
	d.drivers.Unlock() //nolint:staticcheck // a barrier
	var errs []error
	if d.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := d.http.Shutdown(ctx); err != nil {
			d.http.Close()
		}
		cancel()
	}
	if d.ws != nil {
		d.ws.close()
	}
	d.wg.Wait()
	if d.regConn != nil {
		errs = append(errs, d.regConn.Close())
	}
	if d.ledger != nil {
		errs = append(errs, d.ledger.Close())
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
	if d.ownChain && d.backend != nil {
		errs = append(errs, d.backend.Close())
	}
	return errors.Join(errs...)
}

// sleep waits d or until the daemon closes; false if it closed.
func (d *Daemon) sleep(t time.Duration) bool { return d.sleepCtx(d.ctx, t) }

// sleepCtx waits t, or reports false if ctx ends first.
func (d *Daemon) sleepCtx(ctx context.Context, t time.Duration) bool {
	timer := time.NewTimer(t)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}
