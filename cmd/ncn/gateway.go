package main

import (
	"context"
	"crypto/ecdsa"
	"flag"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/ncn-network/ncn/host/gateway"
)

const gatewayHelp = `
Run a gateway: clients ask it for quotes and submit paid inference
requests; compute nodes open their task streams to it and return signed
results. It serves:

  gRPC       --grpc-listen-addr     GatewayClientService (clients), GatewayComputeService
                                    (compute nodes), health, reflection
  HTTP       --http-listen-addr     POST /api/v1/inference, GET /api/v1/inference/{id},
                                    /health, /healthz, /readyz; OpenAI-compatible
                                    POST /v1/completions, POST /v1/chat/completions
                                    (stream: Server-Sent Events), GET /v1/models
  WebSocket  --ws-listen-addr       ws://ADDR/ws: submit, subscribe to a request's state
                                    changes and streamed tokens, confirm, status
  metrics    --metrics-listen-addr  /metrics, /healthz, /readyz, /debug/pprof

The OpenAI routes serve text models. A request is paid on chain before it
runs, so a call without the X-NCN-Request-Id header makes a request for the
payer named by X-NCN-Client and answers 402 Payment Required with the
request id and its payment instructions; once paid, the same call with
X-NCN-Request-Id answers the settled result (streamed if asked).

It registers with a registry node (--registry) as a gateway and
heartbeats; loads each subnet's plugins as the registry serves them
(checking the owner's signature and that its config hash is the
registry's); prices requests with the subnet's price plugin and signs the
quote; chooses and reserves a compute node with its select plugin; gathers
the validators' preprocessing signatures the client pays with; checks the
deposit in the escrow, dispatches the task, gathers the completion
signatures and settles on chain — or refunds a paid request it cannot
complete. Every step of every request is written to DATADIR/gateway.db
before it is acted on: a gateway restarted on the same --datadir resumes
or refunds what it had in flight.

The gateway key pays gas for settlements and refunds and receives the
gateway share: --key FILE (a keystore or hex key file), else
$GATEWAY_PRIVATE_KEY (the key as hex).

Its metrics carry the network's names (payments_initiated_total,
payments_completed_total, payments_refunded_total, payment_amount_wei_total,
payment_distribution_time_ms) and its own (gateway_stage_duration_seconds
by stage, gateway_requests_total by outcome, gateway_rejections_total by
reason...). When the default metrics or WebSocket port is taken (another
node on this machine) the gateway serves it on a free loopback port
instead, says so in its log and prints where; an address given with the
flag must be free. Logs go to stderr, JSON lines with --log-json; every
line about a request carries its request_id.

On start it prints its gRPC, HTTP, WebSocket and metrics addresses and its
address, then "ready". Ctrl-C (or SIGTERM) stops it cleanly; requests in
flight stay in the ledger for the next start.

Environment: GATEWAY_PRIVATE_KEY for --key, RPC_URL for --rpc,
REGISTRY_GRPC_ADDR for --registry, GATEWAY_ADDR for --grpc-advertise-addr,
NCN_PASSWORD_FILE for --password-file.

Example (against ncn chain serve --datadir dev and a registry):
  ncn gateway --devchain dev/devchain.json --key dev/keystore/gateway.json \
      --registry 127.0.0.1:50050 --subnet default
  GATEWAY_PRIVATE_KEY=... RPC_URL=http://10.0.0.2:8545 REGISTRY_GRPC_ADDR=10.0.0.5:50050 \
      ncn gateway --contracts addresses.json --datadir /var/lib/ncn-gateway`

func runGateway(ctx context.Context, e env, args []string) error {
	f := newFlags("gateway", "(--key FILE | $GATEWAY_PRIVATE_KEY) (--devchain FILE | --rpc URL --contracts FILE) --registry ADDR [flags]", gatewayHelp)
	gwKey := newKeyFlags(f, "gateway", passwordFileEnv)
	chainOpts := newChainFlags(f)
	registryAddr := f.String("registry", e.getenv("REGISTRY_GRPC_ADDR"), "registry node gRPC `address` (default $REGISTRY_GRPC_ADDR)")
	datadir := f.String("datadir", "ncn-gateway", "state `directory`: the request ledger, the plugin store and compile cache")
	grpcListen := f.String("grpc-listen-addr", ":50051", "gRPC listen `address`")
	grpcAdvertise := f.String("grpc-advertise-addr", e.getenv("GATEWAY_ADDR"), "gRPC `address` registered for others to dial (default $GATEWAY_ADDR, else the listen address; 127.0.0.1 for a wildcard host)")
	httpListen := f.String("http-listen-addr", ":8080", "HTTP listen `address`; \"off\" serves no HTTP")
	wsListen := f.String("ws-listen-addr", ":9000", "WebSocket listen `address` (path /ws); \"off\" serves none")
	wsConns := f.Int("ws-connections", 10, "open WebSocket connections per client IP")
	metricsListen := f.String("metrics-listen-addr", ":9465", "`address` of /metrics (Prometheus), /healthz, /readyz and /debug/pprof; empty: none")
	var subnets pathList
	f.Var(&subnets, "subnet", "subnet `id` served (repeatable; default every subnet the registry knows, loaded on first use)")
	quoteTTL := f.Duration("quote-ttl", 10*time.Minute, "how long a quote, and a validated request, stays payable (at most 10m)")
	taskTimeout := f.Duration("task-timeout", 2*time.Minute, "longest a compute node may take before the request is refunded")
	heartbeat := f.Duration("heartbeat", 0, "heartbeat interval (default: the one the registry asks for)")
	httpRate := f.Int("http-rate", 100, "HTTP inference requests a minute per client IP")
	grpcRate := f.Int("grpc-rate", 1000, "gRPC submissions a minute per client IP")
	finality := f.String("finality", "", "how final a payment must be before its request settles: `mined`, a block count N (N blocks on top), "+
		"or finalized (the chain's finalized block; it must come well within --quote-ttl). Default: mined with --devchain (one sealer: no reorgs), else finalized")
	noSpeculation := f.Bool("no-speculation", false, "dispatch a task only once its payment is mined (default: once the client's initiate is in the chain's pool and checked)")
	maxBody := f.String("max-body", "8MiB", "largest HTTP request body (bytes, or with KiB, MiB suffix)")
	retention := f.Duration("retention", 30*24*time.Hour, "how long an ended request's record stays in the ledger (results and idempotency keys go after 24h); at least 24h")
	logLevel := f.String("log-level", "info", "log `level` on stderr: debug, info, warn or error")
	logJSON := f.Bool("log-json", false, "log JSON lines instead of text")
	if err := f.parse(e, args); err != nil {
		return err
	}
	hexKey := e.getenv("GATEWAY_PRIVATE_KEY")
	if *gwKey.file == "" && hexKey == "" {
		return f.usagef("the gateway key is required: --key FILE, or GATEWAY_PRIVATE_KEY (hex)")
	}
	rpcURL, addrs, err := chainOpts.resolve(f, e)
	if err != nil {
		return err
	}
	body, berr := parseBytes(*maxBody)
	if *finality == "" {
		*finality = "finalized"
		if *chainOpts.devchain != "" {
			*finality = "mined"
		}
	}
	final, ferr := parseFinality(*finality)
	var level slog.Level
	switch {
	case *registryAddr == "":
		return f.usagef("--registry is required (or set REGISTRY_GRPC_ADDR): a registry node's gRPC address")
	case *quoteTTL <= 0 || *quoteTTL > 10*time.Minute:
		return f.usagef("--quote-ttl must be positive and at most 10m (validators refuse longer)")
	case *taskTimeout <= 0 || *heartbeat < 0:
		return f.usagef("--task-timeout must be positive, --heartbeat not negative")
	case *httpRate < 1 || *grpcRate < 1:
		return f.usagef("--http-rate and --grpc-rate must be at least 1")
	case *wsConns < 1:
		return f.usagef("--ws-connections must be at least 1")
	case *wsListen == "":
		return f.usagef("--ws-listen-addr: give an address, or \"off\" for no WebSocket")
	case ferr != nil:
		return f.usagef("--finality: %v", ferr)
	case *retention < 24*time.Hour:
		return f.usagef("--retention must be at least 24h, the idempotency keys' lifetime")
	case berr != nil || body == 0 || body > 1<<30:
		return f.usagef("--max-body: %q is not a size between 1 byte and 1GiB", *maxBody)
	case level.UnmarshalText([]byte(*logLevel)) != nil:
		return f.usagef("--log-level: %q is not debug, info, warn or error", *logLevel)
	}
	var key *ecdsa.PrivateKey
	if *gwKey.file != "" {
		if key, err = gwKey.load(e); err != nil {
			return err
		}
	} else if key, err = crypto.HexToECDSA(strings.TrimPrefix(strings.TrimSpace(hexKey), "0x")); err != nil {
		return fmt.Errorf("GATEWAY_PRIVATE_KEY is not a hex private key: %w", err)
	}
	opts := &slog.HandlerOptions{Level: level}
	logger := slog.New(slog.NewTextHandler(e.stderr, opts))
	if *logJSON {
		logger = slog.New(slog.NewJSONHandler(e.stderr, opts))
	}
	d, err := gateway.Start(ctx, gateway.DaemonConfig{
		Key: key, DataDir: *datadir, RPCURL: rpcURL, Contracts: addrs, RegistryAddr: *registryAddr,
		GRPCListen: *grpcListen, GRPCAdvertise: *grpcAdvertise, HTTPListen: *httpListen, Subnets: subnets,
		MetricsListen: *metricsListen, MetricsFallback: defaultFallback(f, "metrics-listen-addr"),
		WSListen: *wsListen, WSFallback: defaultFallback(f, "ws-listen-addr"), WSConnectionsPerIP: *wsConns,
		QuoteTTL: *quoteTTL, TaskTimeout: *taskTimeout, HeartbeatInterval: *heartbeat,
		HTTPInferencePerMinute: *httpRate, GRPCSubmitPerMinute: *grpcRate, MaxBodyBytes: int64(body),
		Finality: final, NoSpeculation: *noSpeculation, Retention: *retention, Logger: logger,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "grpc: %s\n", d.GRPCAddr)
	if d.HTTPAddr != "" {
		fmt.Fprintf(e.stdout, "http: %s\n", d.HTTPAddr)
	}
	if d.WSAddr != "" {
		fmt.Fprintf(e.stdout, "websocket: ws://%s/ws\n", d.WSAddr)
	}
	if d.MetricsAddr != "" {
		fmt.Fprintf(e.stdout, "metrics: http://%s/metrics\n", d.MetricsAddr)
	}
	fmt.Fprintf(e.stdout, "gateway: %s\n", strings.ToLower(d.Address().Hex()))
	fmt.Fprintln(e.stdout, "ready")
	werr := d.Wait(ctx)
	cerr := d.Close()
	if werr != nil {
		return werr
	}
	if cerr != nil {
		return fmt.Errorf("shutdown: %w", cerr)
	}
	fmt.Fprintln(e.stderr, "ncn gateway: stopped")
	return nil
}

// parseFinality reads --finality: mined, finalized or a block count.
func parseFinality(s string) (int64, error) {
	switch s {
	case "mined":
		return 0, nil
	case "finalized":
		return gateway.FinalityFinalized, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > 1<<20 {
		return 0, fmt.Errorf("%q is not mined, finalized or a block count", s)
	}
	return n, nil
}

// defaultFallback is the address a listener flag falls back to when the
// port it defaults to is taken: a free loopback port, so that several
// nodes on one machine (a devnet, tests) start without naming every
// port. An address the operator gave must be free: "" (no fallback).
func defaultFallback(f *flags, name string) string {
	set := false
	f.Visit(func(fl *flag.Flag) { set = set || fl.Name == name })
	if set {
		return ""
	}
	return "127.0.0.1:0"
}
