package compute

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/keepalive"

	"github.com/ncn-network/ncn/gpu"
	"github.com/ncn-network/ncn/gpu/worker"
	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/host/ops"
	"github.com/ncn-network/ncn/sandbox"
)

// Model is one model a node serves.
type Model struct {
	Name    string // the model's id on the network: its manifest's name
	Version string
	Runtime string // "numpy", "torch"
	Task    string // "image-classification", "text-generation"
	Digest  string // hex SHA-256 of the bundle's manifest.json
	Device  string // "cpu", "cuda:0" (of the GPU its workers see)
	Slots   int
}

// model is a served model and its warm workers.
type model struct {
	Model
	dir   string
	text  bool // streams tokens
	place placement
	pool  *worker.Pool
}

// Node is a running compute node. Its methods are safe for concurrent use.
type Node struct {
	cfg     Config
	addr    common.Address
	addrHex string // lowercase 0x form, as the registry stores it
	log     *slog.Logger
	models  []*model // in Config.Models order
	byName  map[string]*model
	accel   string
	slots   int    // of every model together
	root    string // working directory, removed by Close
	profile sandbox.Profile

	regConn, gwConn *grpc.ClientConn
	registry        pb.P2PRegistryServiceClient
	gateway         pb.GatewayComputeServiceClient

	regMu    sync.Mutex
	seq      uint64        // last registration's
	interval time.Duration // heartbeat period

	busy  atomic.Int64   // tasks admitted and not finished
	tasks sync.WaitGroup // every task goroutine
	// taskCtx is the parent of every task; canceled when Close stops
	// waiting for them. submitCtx bounds result delivery the same way.
	taskCtx, submitCtx       context.Context
	cancelTasks, cancelSubmt context.CancelFunc

	loopCancel context.CancelFunc // heartbeats
	loopDone   chan struct{}
	recvCancel context.CancelFunc // task stream
	recvDone   chan struct{}
	streams    atomic.Int64 // task stream sessions opened
	streamOpen atomic.Bool  // a task stream is open now

	metrics     *metrics
	ops         *ops.Server
	metricsAddr string

	ledger ledger

	fatal     chan error
	closeOnce sync.Once
	closeErr  error
}

// Start loads and warms every model's workers in the sandbox, registers
// the node with the registry (retrying while it is unreachable, until ctx
// ends), and starts heartbeating and taking tasks from the gateway. ctx
// bounds the start only; Close stops the node.
func Start(ctx context.Context, cfg Config) (_ *Node, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	n := &Node{cfg: cfg, addr: crypto.PubkeyToAddress(cfg.Key.PublicKey), byName: map[string]*model{},
		fatal: make(chan error, 1), ledger: newLedger(1024, 64<<20), profile: cfg.Sandbox}
	n.addrHex = strings.ToLower(n.addr.Hex())
	n.log = cfg.Logger.With("node", n.addrHex)
	n.taskCtx, n.cancelTasks = context.WithCancel(context.Background())
	n.submitCtx, n.cancelSubmt = context.WithCancel(context.Background())
	defer func() {
		if err != nil {
			n.release()
		}
	}()

	for _, dir := range cfg.Models {
		b, err := worker.LoadBundle(dir)
		if err != nil {
			return nil, fmt.Errorf("compute: %w", err)
		}
		m := b.Manifest
		if _, dup := n.byName[m.Name]; dup {
			return nil, fmt.Errorf("compute: model %s given twice (%s)", m.Name, b.Dir)
		}
		mod := &model{Model: Model{Name: m.Name, Version: m.Version, Runtime: m.Runtime, Task: m.Task, Digest: b.Digest, Slots: cfg.Slots},
			dir: b.Dir, text: m.Task == "text-generation"}
		n.models = append(n.models, mod)
		n.byName[m.Name] = mod
		n.slots += cfg.Slots
	}

	launcher, dropped, err := NewSandboxLauncher(cfg.Sandbox, sandbox.Policy{UID: cfg.SandboxUID, GID: cfg.SandboxUID, Limits: cfg.SandboxLimits})
	if err != nil {
		return nil, err
	}
	if len(dropped) > 0 {
		n.log.Warn("sandbox profile drops layers this kernel lacks", "profile", cfg.Sandbox, "dropped", dropped)
	}
	if cfg.Sandbox == sandbox.ProfileNone {
		n.log.Warn("models run without a sandbox (profile none): never serve untrusted models like this")
	}

	if err := n.placeModels(ctx); err != nil {
		return nil, err
	}
	if err := n.makeRoot(); err != nil {
		return nil, err
	}
	if err := n.warm(ctx, launcher); err != nil {
		return nil, err
	}
	n.metrics = newMetrics(cfg.Metrics, n)

	opts := append([]grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		// A gateway that vanished without closing the connection is found
		// by pings; every 5 minutes is what a default gRPC server allows.
		grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: 5 * time.Minute, Timeout: 20 * time.Second}),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(cfg.MaxInput+maxParams+(1<<20)), grpc.MaxCallSendMsgSize(64<<20)),
	}, cfg.DialOptions...)
	if n.regConn, err = grpc.NewClient(cfg.RegistryAddr, opts...); err != nil {
		return nil, fmt.Errorf("compute: registry %s: %w", cfg.RegistryAddr, err)
	}
	if n.gwConn, err = grpc.NewClient(cfg.GatewayAddr, opts...); err != nil {
		return nil, fmt.Errorf("compute: gateway %s: %w", cfg.GatewayAddr, err)
	}
	n.registry = pb.NewP2PRegistryServiceClient(n.regConn)
	n.gateway = pb.NewGatewayComputeServiceClient(n.gwConn)

	if err := n.registerAtStart(ctx); err != nil {
		return nil, err
	}

	loopCtx, cancel := context.WithCancel(context.Background())
	n.loopCancel, n.loopDone = cancel, make(chan struct{})
	go func() {
		defer close(n.loopDone)
		n.heartbeats(loopCtx)
	}()
	recvCtx, cancel := context.WithCancel(context.Background())
	n.recvCancel, n.recvDone = cancel, make(chan struct{})
	go func() {
		defer close(n.recvDone)
		n.receiveLoop(recvCtx)
	}()
	if cfg.MetricsListen != "" {
		ln, fellBack, err := ops.Listen(cfg.MetricsListen, cfg.MetricsFallback)
		if err != nil {
			return nil, fmt.Errorf("compute: metrics listen %s: %w", cfg.MetricsListen, err)
		}
		if fellBack {
			n.log.Warn("metrics port taken (another node on this machine?): serving on the fallback address instead",
				"wanted", cfg.MetricsListen, "serving", ln.Addr().String())
		}
		n.ops = ops.ServeListener(ln, cfg.Metrics, n.ready)
		n.metricsAddr = ln.Addr().String()
	}
	n.log.Info("compute node ready", "models", n.modelNames(), "slots", n.slots, "accelerator", n.accel,
		"sandbox", cfg.Sandbox, "registry", cfg.RegistryAddr, "gateway", cfg.GatewayAddr, "heartbeat", n.interval,
		"metrics", n.metricsAddr)
	return n, nil
}

// MetricsAddr is the operator endpoints' address ("" without them).
func (n *Node) MetricsAddr() string { return n.metricsAddr }

// ready is the readiness check: the task stream to the gateway is open.
func (n *Node) ready(context.Context) error {
	if !n.streamOpen.Load() {
		return fmt.Errorf("no task stream open to the gateway %s", n.cfg.GatewayAddr)
	}
	return nil
}

// placeModels takes the accelerator inventory and places each model.
func (n *Node) placeModels(ctx context.Context) error {
	det, err := gpu.Open(n.cfg.GPU, n.log)
	if err != nil {
		return fmt.Errorf("compute: %w", err)
	}
	defer det.Close()
	inv, err := det.Inventory(ctx)
	if err != nil {
		return fmt.Errorf("compute: %w", err)
	}
	n.accel = accelerator(inv)
	runtimes := make([]string, len(n.models))
	for i, m := range n.models {
		runtimes[i] = m.Runtime
	}
	ps, err := place(inv, runtimes)
	if err != nil {
		return fmt.Errorf("compute: %w", err)
	}
	for i, m := range n.models {
		m.place, m.Device = ps[i], ps[i].device
		if ps[i].gpu != "" {
			n.log.Info("model placed on a GPU", "model", m.Name, "gpu", ps[i].gpu)
		}
	}
	return nil
}

// makeRoot makes the node's working directory: a scratch root per model
// and, unless the worker source is given, the worker source unpacked.
// Sandboxed workers run as another uid and must be able to enter them.
func (n *Node) makeRoot() error {
	if err := os.MkdirAll(n.cfg.ScratchDir, 0o755); err != nil {
		return fmt.Errorf("compute: scratch: %w", err)
	}
	root, err := os.MkdirTemp(n.cfg.ScratchDir, "ncn-compute-")
	if err != nil {
		return fmt.Errorf("compute: scratch: %w", err)
	}
	n.root = root
	dirs := []string{root}
	for _, m := range n.models {
		dirs = append(dirs, filepath.Join(root, m.Name))
	}
	if n.cfg.Worker.Source == "" {
		dirs = append(dirs, filepath.Join(root, "src"))
	}
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("compute: scratch: %w", err)
		}
		if err := os.Chmod(d, 0o755); err != nil { // MkdirTemp's 0700, and the umask
			return fmt.Errorf("compute: scratch: %w", err)
		}
	}
	if n.cfg.Worker.Source == "" {
		if n.cfg.Worker.Source, err = worker.WriteSource(filepath.Join(root, "src")); err != nil {
			return fmt.Errorf("compute: %w", err)
		}
	}
	return nil
}

// warm starts every model's pool, the models side by side.
func (n *Node) warm(ctx context.Context, launcher SandboxLauncher) error {
	errs := make([]error, len(n.models))
	var wg sync.WaitGroup
	for i, m := range n.models {
		wc := n.cfg.Worker
		wc.Bundle, wc.Slots, wc.Digest = m.dir, n.cfg.Slots, m.Digest
		l := launcher
		l.Devices = slices.Clone(m.place.devices)
		wc.Launcher = l
		wc.Device = m.place.device
		wc.Env = append(slices.Clone(wc.Env), m.place.env...)
		wc.ScratchRoot = filepath.Join(n.root, m.Name)
		// Tasks wait for a worker up to their own deadline (Infer's ctx).
		wc.QueueTimeout = n.cfg.TaskTimeout
		wc.Logger = n.log
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.pool, errs[i] = worker.New(ctx, wc)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("compute: warm workers: %w", err)
	}
	return nil
}

// Address is the node's address.
func (n *Node) Address() common.Address { return n.addr }

// Accelerator is the accelerator inventory the node registered ("cpu",
// "8x NVIDIA H100 80GB HBM3").
func (n *Node) Accelerator() string { return n.accel }

// Models lists the models served, in Config.Models order.
func (n *Node) Models() []Model {
	out := make([]Model, len(n.models))
	for i, m := range n.models {
		out[i] = m.Model
	}
	return out
}

func (n *Node) modelNames() []string {
	out := make([]string, len(n.models))
	for i, m := range n.models {
		out[i] = m.Name
	}
	return out
}

// Load is the share of the node's worker slots in use, in percent (tasks
// waiting for a worker count too, up to 100).
func (n *Node) Load() uint32 {
	return uint32(min(100, n.busy.Load()*100/int64(max(n.slots, 1))))
}

// Wait blocks until ctx ends (nil) or the node cannot go on: the registry
// refused its registration.
func (n *Node) Wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return nil
	case err := <-n.fatal:
		return err
	}
}

// failed hands Wait an error that stops the node.
func (n *Node) failed(err error) {
	select {
	case n.fatal <- err:
	default:
	}
}

// Close stops the node cleanly: heartbeats stop and the node deregisters,
// the task stream closes, tasks in flight get up to DrainTimeout to finish
// and return their results (then they are cut, with an error result),
// and the workers are shut down. A task cut at the drain timeout may hold
// its worker until the task's own deadline, which Close waits for.
func (n *Node) Close() error {
	n.closeOnce.Do(func() { n.closeErr = n.shutdown() })
	return n.closeErr
}

func (n *Node) shutdown() error {
	if n.ops != nil {
		_ = n.ops.Close()
	}
	if n.loopCancel != nil {
		n.loopCancel()
		<-n.loopDone
	}
	if n.registry != nil {
		n.deregister()
	}
	if n.recvCancel != nil {
		n.recvCancel()
		<-n.recvDone
	}
	done := make(chan struct{})
	go func() {
		n.tasks.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(n.cfg.DrainTimeout):
		n.log.Warn("tasks still running at the drain timeout: cutting them", "tasks", n.busy.Load(), "drain_timeout", n.cfg.DrainTimeout)
		n.cancelTasks()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			n.cancelSubmt()
			<-done
		}
	}
	err := n.release()
	n.log.Info("compute node stopped")
	return err
}

// release closes what Start opened.
func (n *Node) release() error {
	n.cancelTasks()
	n.cancelSubmt()
	var errs []error
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, m := range n.models {
		if m.pool == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := m.pool.Close(); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("close %s workers: %w", m.Name, err))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for _, c := range []*grpc.ClientConn{n.regConn, n.gwConn} {
		if c != nil {
			c.Close()
		}
	}
	if n.root != "" {
		if err := os.RemoveAll(n.root); err != nil {
			errs = append(errs, fmt.Errorf("remove scratch: %w", err))
		}
	}
	return errors.Join(errs...)
}
