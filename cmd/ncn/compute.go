package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/gpu"
	"github.com/ncn-network/ncn/gpu/worker"
	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/host/compute"
	"github.com/ncn-network/ncn/host/compute/modelcache"
)

const computeHelp = `
Run a compute node: it starts warm model workers inside the sandbox (one
process per slot per model), registers with a registry node (role compute,
its subnets, models, slots and accelerator), heartbeats to it with its
load, and keeps a task stream open to its gateway, reconnecting when it
drops. Each task runs on a free worker within its deadline (and
--task-timeout); a text model's tokens are streamed to the gateway as they
come; the result is hashed (keccak256) and signed by the node's key as an
EIP-712 ComputeResult in the chain's domain. A task it cannot run (unknown
model, malformed, too large, expired, refused by the model) gets an error
result instead.

--model-path names model bundle directories (a manifest.json and the files
it lists), comma-separated; a model's id on the network is its manifest's
name. The shipped bundles are gpu/worker/models/digits and
gpu/worker/models/charlm. --model ID instead fetches a model the subnet's
owner registered, by hash, from the registry network (every byte checked
against the manifest its descriptor names) into --model-cache, which keeps
bundles within --model-cache-budget, the least recently used going first,
and drops those unused for --model-cache-ttl. A subnet owner adds a model
with 'ncn subnet model add'.

Workers run under the sandbox profile --sandbox (else $SANDBOX_MODE, else
strict): strict refuses to start when the kernel lacks a layer, naming it;
permissive drops the missing layers and says which; none runs models with
rlimits only (development; never for untrusted models). 'ncn sandbox check'
shows what this machine supports. The chain (--devchain, or --rpc with
--contracts) gives the domain results are signed in.

Operators scrape Prometheus metrics (compute_tasks_total by model and
outcome, compute_task_duration_seconds by model, compute_tokens_streamed_total,
compute_tasks_in_progress, compute_worker_slots and compute_workers_busy by
model...) at /metrics on --metrics-listen-addr, beside /healthz, /readyz
(ready while the task stream to the gateway is open) and /debug/pprof.
When the default metrics port is taken (another node on this machine) the
node serves them on a free loopback port instead, says so in its log and
prints where; an address given with the flag must be free.

On start it prints its address, each model with its slots and device, the
accelerator, the metrics address, then "ready". Ctrl-C (or SIGTERM) stops it cleanly: it
deregisters, finishes the tasks in flight (up to --drain-timeout) and
prints "stopped" on stderr. Task lines are logged to stderr with their
request_id.

Environment: REGISTRY_GRPC_ADDR for --registry, GATEWAY_ADDR for --gateway,
MODEL_PATH for --model-path, SANDBOX_MODE for --sandbox, RPC_URL for --rpc,
NCN_PASSWORD_FILE for --password-file, NCN_NVML_LIBRARY for --nvml-library.

Example (against ncn chain serve --datadir dev, a registry and a gateway):
  ncn compute --devchain dev/devchain.json --key dev/keystore/compute.json \
      --registry 127.0.0.1:50050 --gateway 127.0.0.1:50051 \
      --model-path gpu/worker/models/digits,gpu/worker/models/charlm --slots 2
  MODEL_PATH=/srv/models/digits SANDBOX_MODE=strict REGISTRY_GRPC_ADDR=10.0.0.5:50050 \
      GATEWAY_ADDR=10.0.0.6:50051 RPC_URL=http://10.0.0.2:8545 \
      ncn compute --key compute.json --password-file pw.txt --contracts addresses.json`

func runCompute(ctx context.Context, e env, args []string) error {
	f := newFlags("compute", "--key FILE (--devchain FILE | --rpc URL --contracts FILE) --registry ADDR --gateway ADDR --model-path DIRS [flags]", computeHelp)
	nodeKey := newKeyFlags(f, "compute node", passwordFileEnv)
	chainOpts := newChainFlags(f)
	registryAddr := f.String("registry", e.getenv("REGISTRY_GRPC_ADDR"), "registry node gRPC `address` (default $REGISTRY_GRPC_ADDR)")
	gatewayAddr := f.String("gateway", e.getenv("GATEWAY_ADDR"), "gateway gRPC `address` (default $GATEWAY_ADDR)")
	modelPath := f.String("model-path", e.getenv("MODEL_PATH"), "model bundle `dirs`, comma-separated (default $MODEL_PATH)")
	var fromRegistry pathList
	f.Var(&fromRegistry, "model", "model `id` to fetch from the registry network by hash, for the first --subnet (repeatable)")
	modelCache := f.String("model-cache", "", "`directory` of fetched model bundles (default $XDG_CACHE_HOME/ncn/models, else ~/.cache/ncn/models)")
	modelBudget := f.String("model-cache-budget", "20GiB", "most disk the fetched bundles may take; the least recently used one not in use goes first")
	modelTTL := f.Duration("model-cache-ttl", 30*24*time.Hour, "how long a fetched bundle no node has asked for stays on disk (0: until the budget needs the room)")
	modelFetchTimeout := f.Duration("model-fetch-timeout", time.Hour, "longest the fetch of --model bundles may take, progress printed on stderr")
	var subnets pathList
	f.Var(&subnets, "subnet", "subnet `id` served (repeatable; default \"default\")")
	slots := f.Int("slots", 1, "warm workers per model, each running one task at a time")
	threads := f.Int("threads", 1, "compute threads per worker")
	sandboxMode := f.String("sandbox", "", "sandbox `profile`: strict, permissive or none (default $SANDBOX_MODE, else strict)")
	heartbeat := f.Duration("heartbeat", 0, "heartbeat interval (default: the one the registry asks for)")
	taskTimeout := f.Duration("task-timeout", 2*time.Minute, "longest a task may run, whatever its own deadline")
	drainTimeout := f.Duration("drain-timeout", 30*time.Second, "on stop, how long tasks in flight may finish before they are cut")
	maxInput := f.String("max-input", "1MiB", "largest task input (bytes, or with KiB, MiB suffix)")
	price := f.String("price-per-second-wei", "", "price registered with the node, wei per second (optional)")
	scratch := f.String("scratch-dir", "", "`directory` for the workers' scratch space (default the system's temporary directory)")
	nvmlLibrary := f.String("nvml-library", e.getenv("NCN_NVML_LIBRARY"), "NVML shared library `file` (default $NCN_NVML_LIBRARY, else libnvidia-ml.so.1)")
	logLevel := f.String("log-level", "info", "log `level` on stderr: debug, info, warn or error")
	logJSON := f.Bool("log-json", false, "log JSON lines instead of text")
	metricsListen := f.String("metrics-listen-addr", ":9466", "`address` of /metrics (Prometheus), /healthz, /readyz and /debug/pprof; empty: none")
	if err := f.parse(e, args); err != nil {
		return err
	}
	if err := nodeKey.check(); err != nil {
		return err
	}
	rpcURL, addrs, err := chainOpts.resolve(f, e)
	if err != nil {
		return err
	}
	var models []string
	for _, m := range strings.Split(*modelPath, ",") {
		if m = strings.TrimSpace(m); m != "" {
			models = append(models, m)
		}
	}
	profile, perr := profileFromEnv(e, *sandboxMode)
	var level slog.Level
	input, ierr := parseBytes(*maxInput)
	switch {
	case *registryAddr == "":
		return f.usagef("--registry is required (or set REGISTRY_GRPC_ADDR): the registry node's gRPC address")
	case *gatewayAddr == "":
		return f.usagef("--gateway is required (or set GATEWAY_ADDR): the gateway's gRPC address")
	case len(models) == 0 && len(fromRegistry) == 0:
		return f.usagef("--model-path (or MODEL_PATH) or --model is required: model bundle directories, or model ids to fetch from the registry")
	case perr != nil:
		return f.usagef("--sandbox: %v", perr)
	case *slots < 1 || *threads < 1:
		return f.usagef("--slots and --threads must be at least 1")
	case *heartbeat < 0 || *taskTimeout <= 0 || *drainTimeout < 0:
		return f.usagef("--heartbeat and --drain-timeout must not be negative, --task-timeout must be positive")
	case ierr != nil || input == 0 || input > 1<<30:
		return f.usagef("--max-input: %q is not a size between 1 byte and 1GiB", *maxInput)
	case level.UnmarshalText([]byte(*logLevel)) != nil:
		return f.usagef("--log-level: %q is not debug, info, warn or error", *logLevel)
	}
	key, err := nodeKey.load(e)
	if err != nil {
		return err
	}
	if len(fromRegistry) > 0 {
		budget, berr := parseBytes(*modelBudget)
		if berr != nil {
			return f.usagef("--model-cache-budget: %q is not a size", *modelBudget)
		}
		subnet := "default"
		if len(subnets) > 0 {
			subnet = subnets[0]
		}
		ctx, cancel := context.WithTimeout(ctx, *modelFetchTimeout)
		dirs, release, err := fetchModels(ctx, *registryAddr, subnet, fromRegistry, *modelCache, int64(budget), *modelTTL, e)
		cancel()
		if err != nil {
			return err
		}
		defer release()
		models = append(models, dirs...)
	}
	domain, err := chainDomain(ctx, rpcURL, addrs)
	if err != nil {
		return err
	}
	opts := &slog.HandlerOptions{Level: level}
	var logger *slog.Logger
	if *logJSON {
		logger = slog.New(slog.NewJSONHandler(e.stderr, opts))
	} else {
		logger = slog.New(slog.NewTextHandler(e.stderr, opts))
	}
	n, err := compute.Start(ctx, compute.Config{
		Key: key, Domain: domain, RegistryAddr: *registryAddr, GatewayAddr: *gatewayAddr,
		Subnets: subnets, Models: models, Slots: *slots, PricePerSecondWei: *price,
		Sandbox: profile, GPU: gpu.Config{LibraryPath: *nvmlLibrary},
		Worker:     worker.Config{Threads: *threads},
		ScratchDir: *scratch, HeartbeatInterval: *heartbeat, TaskTimeout: *taskTimeout,
		DrainTimeout: *drainTimeout, MaxInput: int(input), Logger: logger,
		MetricsListen: *metricsListen, MetricsFallback: defaultFallback(f, "metrics-listen-addr"),
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "address: %s\n", strings.ToLower(n.Address().Hex()))
	for _, m := range n.Models() {
		fmt.Fprintf(e.stdout, "model: %s %s, %d slots, %s\n", m.Name, m.Version, m.Slots, m.Device)
	}
	fmt.Fprintf(e.stdout, "accelerator: %s\n", n.Accelerator())
	if a := n.MetricsAddr(); a != "" {
		fmt.Fprintf(e.stdout, "metrics: http://%s/metrics\n", a)
	}
	fmt.Fprintln(e.stdout, "ready")
	werr := n.Wait(ctx)
	cerr := n.Close()
	if werr != nil {
		return werr
	}
	if cerr != nil {
		return fmt.Errorf("shutdown: %w", cerr)
	}
	fmt.Fprintln(e.stderr, "ncn compute: stopped")
	return nil
}

// chainDomain reads the network's EIP-712 domain (chain id and payment
// contract) from the chain.
func chainDomain(ctx context.Context, rpcURL string, addrs chain.Addresses) (chain.Domain, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	b, err := chain.Dial(ctx, rpcURL)
	if err != nil {
		return chain.Domain{}, err
	}
	defer b.Close()
	c, err := chain.Bind(b, addrs)
	if err != nil {
		return chain.Domain{}, err
	}
	d, err := c.Domain(ctx)
	if err != nil {
		return chain.Domain{}, fmt.Errorf("read the chain's EIP-712 domain: %w", err)
	}
	return d, nil
}

// fetchModels gets model bundles by id from the registry network into the
// cache and returns their directories, held until release.
func fetchModels(ctx context.Context, registryAddr, subnet string, ids []string, dir string, budget int64, ttl time.Duration, e env) ([]string, func(), error) {
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return nil, nil, fmt.Errorf("model cache: %w (give --model-cache)", err)
		}
		dir = filepath.Join(base, "ncn", "models")
	}
	conn, err := grpc.NewClient(registryAddr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(64<<20)))
	if err != nil {
		return nil, nil, err
	}
	defer conn.Close()
	cache, err := modelcache.New(dir, budget, pb.NewP2PRegistryServiceClient(conn))
	if err != nil {
		return nil, nil, err
	}
	var dirs []string
	var releases []func()
	release := func() {
		for _, r := range releases {
			r()
		}
	}
	cache.TTL = ttl
	var lastWait time.Time
	cache.Waiting = func(model, file string, why error) {
		if time.Since(lastWait) >= 10*time.Second {
			lastWait = time.Now()
			fmt.Fprintf(e.stderr, "ncn compute: model %s: %s: waiting (%s)\n", model, file, status.Convert(why).Message())
		}
	}
	var last time.Time
	cache.Progress = func(model, file string, have, size int64) {
		if have == size || time.Since(last) >= 5*time.Second {
			last = time.Now()
			fmt.Fprintf(e.stderr, "ncn compute: model %s: %s %s of %s\n", model, file, byteSize(have), byteSize(size))
		}
	}
	for _, id := range ids {
		b, rel, err := cache.Get(ctx, subnet, id)
		if err != nil {
			release()
			return nil, nil, fmt.Errorf("model %s: %w", id, err)
		}
		releases = append(releases, rel)
		dirs = append(dirs, b.Dir)
		fmt.Fprintf(e.stderr, "ncn compute: model %s: bundle %s at %s\n", id, b.Digest[:12], b.Dir)
	}
	return dirs, release, nil
}
