package compute

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"

	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/gpu"
	"github.com/ncn-network/ncn/gpu/worker"
	"github.com/ncn-network/ncn/host/ops"
	"github.com/ncn-network/ncn/sandbox"
)

// Config configures a compute node. Fields marked required have no
// default; every other zero value takes the default shown.
type Config struct {
	// Key is the node's key (required): its address is the node's identity
	// in the registry, at the gateway and in the ComputeResults it signs.
	Key *ecdsa.PrivateKey
	// Domain is the network's EIP-712 domain (required), from
	// chain.Contracts.Domain: results are signed in it.
	Domain chain.Domain

	// RegistryAddr is a registry node's gRPC address, host:port
	// (required): the node registers and heartbeats there.
	RegistryAddr string
	// GatewayAddr is the gateway's gRPC address, host:port (required):
	// the node takes tasks from it and returns results to it.
	GatewayAddr string

	// Subnets the node serves; default ["default"]. A task naming another
	// subnet gets an error result (a task naming none is accepted).
	Subnets []string
	// Models are model bundle directories (required, at least one), e.g.
	// gpu/worker/models/digits. A model's id on the network is its
	// manifest's name, which must be unique here.
	Models []string
	// Slots is the number of warm workers per model, each serving one task
	// at a time. Default 1.
	Slots int
	// PricePerSecondWei is registered with the node; "" for none.
	PricePerSecondWei string

	// Sandbox is the profile workers run under: strict (the default, also
	// for ""), permissive or none. Start fails, naming the layer, when
	// the kernel lacks one that strict requires; permissive logs the
	// layers it drops.
	Sandbox sandbox.Profile
	// SandboxLimits bound each worker (memory, processes, CPU seconds...);
	// zero fields take the sandbox's defaults (2 GiB memory...).
	SandboxLimits sandbox.Limits
	// SandboxUID is the host uid (and gid) workers run as; default
	// nobody (65534) when the node runs as root.
	SandboxUID int

	// GPU configures accelerator detection (zero: the system's NVML,
	// falling back to CPU). The inventory is registered; torch models are
	// placed on GPUs when there are any.
	GPU gpu.Config
	// Worker is the template of every model's worker pool: Python,
	// Threads, MaxRequests, Grace, StartTimeout, HealthInterval, MaxFrame,
	// Source. The node sets Bundle, Slots, Launcher, Device, Env,
	// ScratchRoot, QueueTimeout and Logger itself.
	Worker worker.Config
	// ScratchDir is where the node makes its working directory (workers'
	// scratch and the unpacked worker source), removed by Close. Default
	// os.TempDir().
	ScratchDir string

	// HeartbeatInterval is how often the node heartbeats to the registry,
	// with its load. Default (and upper bound) the interval the registry
	// asks for when the node registers.
	HeartbeatInterval time.Duration
	// TaskTimeout bounds every task: the deadline is the earlier of the
	// task's own and this from its arrival. Default 2m.
	TaskTimeout time.Duration
	// MaxInput is the largest task input, bytes; larger ones get an error
	// result. Default 1 MiB. Params are limited to 64 KiB.
	MaxInput int
	// MaxTasks is how many tasks the node holds at once, running or waiting
	// for a worker; more get a busy error result. Default 4 x the slots of
	// every model together.
	MaxTasks int
	// DrainTimeout is how long Close lets tasks in flight finish before it
	// cuts them (they get an error result). Default 30s.
	DrainTimeout time.Duration
	// SubmitTimeout is how long the node retries returning one result to
	// the gateway. Default 30s.
	SubmitTimeout time.Duration
	// ReconnectMin and ReconnectMax bound the backoff between attempts to
	// reopen the task stream (and to reach the registry). Defaults 200ms
	// and 10s.
	ReconnectMin, ReconnectMax time.Duration

	// DialOptions are added to the gRPC client options of both
	// connections (default: plaintext, for loopback and private networks).
	DialOptions []grpc.DialOption
	// Logger receives the node's events; every task line carries its
	// request_id. Default slog.Default().
	Logger *slog.Logger

	// MetricsListen serves the operator endpoints — /metrics (Prometheus),
	// /healthz, /readyz (ready while the task stream to the gateway is
	// open), /debug/pprof — on their own listener; "" serves none.
	// MetricsFallback, if set, is listened on instead when MetricsListen
	// is taken (a default port another node of the machine holds); ""
	// fails Start then.
	MetricsListen, MetricsFallback string
	// Metrics, if set, is the registry the node's metrics are registered
	// on (and MetricsListen serves); default a new one of its own
	// (ops.NewRegistry).
	Metrics *prometheus.Registry
}

// Limit on a task's params, bytes.
const maxParams = 64 << 10

// Validate reports missing or inconsistent fields.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.Key == nil {
		bad("no node key")
	}
	if c.Domain.ChainID == nil || c.Domain.Contract == (common.Address{}) {
		bad("no EIP-712 domain (chain id and payment contract)")
	}
	if c.RegistryAddr == "" {
		bad("no registry address")
	}
	if c.GatewayAddr == "" {
		bad("no gateway address")
	}
	if len(c.Models) == 0 {
		bad("no model bundles")
	}
	if _, err := sandbox.ParseProfile(string(c.Sandbox)); err != nil {
		bad("%v", err)
	}
	for _, f := range []struct {
		name string
		v    int64
	}{{"slots", int64(c.Slots)}, {"max input", int64(c.MaxInput)}, {"max tasks", int64(c.MaxTasks)},
		{"sandbox uid", int64(c.SandboxUID)}, {"heartbeat interval", int64(c.HeartbeatInterval)},
		{"task timeout", int64(c.TaskTimeout)}, {"drain timeout", int64(c.DrainTimeout)},
		{"submit timeout", int64(c.SubmitTimeout)}, {"reconnect min", int64(c.ReconnectMin)},
		{"reconnect max", int64(c.ReconnectMax)}} {
		if f.v < 0 {
			bad("%s is negative", f.name)
		}
	}
	if c.ReconnectMin > 0 && c.ReconnectMax > 0 && c.ReconnectMin > c.ReconnectMax {
		bad("reconnect min %s above max %s", c.ReconnectMin, c.ReconnectMax)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("compute config: %w", err)
	}
	return nil
}

func (c Config) withDefaults() Config {
	defDur := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	if len(c.Subnets) == 0 {
		c.Subnets = []string{"default"}
	}
	if c.Slots == 0 {
		c.Slots = 1
	}
	if c.Sandbox == "" {
		c.Sandbox = sandbox.ProfileStrict
	}
	if c.ScratchDir == "" {
		c.ScratchDir = os.TempDir()
	}
	if c.MaxInput == 0 {
		c.MaxInput = 1 << 20
	}
	if c.MaxTasks == 0 {
		c.MaxTasks = 4 * c.Slots * len(c.Models)
	}
	defDur(&c.TaskTimeout, 2*time.Minute)
	defDur(&c.DrainTimeout, 30*time.Second)
	defDur(&c.SubmitTimeout, 30*time.Second)
	defDur(&c.ReconnectMin, 200*time.Millisecond)
	defDur(&c.ReconnectMax, 10*time.Second)
	if c.ReconnectMin > c.ReconnectMax {
		c.ReconnectMax = c.ReconnectMin
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Metrics == nil {
		c.Metrics = ops.NewRegistry()
	}
	return c
}
