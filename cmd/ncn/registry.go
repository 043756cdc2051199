package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ncn-network/ncn/host/registry"
)

func runRegistry(ctx context.Context, e env, args []string) error {
	f := newFlags("registry", "--key FILE (--devchain FILE | --rpc URL --contracts FILE) [flags]", `
Run a registry/validator node: it joins the registry network over libp2p
(a private Kademlia DHT and gossip, dialling only the --bootstrap peers you
name), keeps the network's view of nodes, subnets and reputation, and signs,
as one of M of N validators, the price before payment and the result after
it. Gateways and compute nodes talk to it over gRPC (P2PRegistryService);
other registry nodes ask it to sign over the same port (ValidatorService).

The validator key (--key, a geth keystore file) must be staked in the
ValidatorRegistry contract to be chosen. State lives in --datadir: the libp2p
identity (p2p.key, so the peer id and bootstrap addresses survive restarts),
the plugin store and the compile cache.

On start it prints its gRPC address, its p2p addresses (give them to other
nodes' --bootstrap) and its validator address, then "ready". Ctrl-C stops it
cleanly.

Environment: RPC_URL for --rpc, NCN_PASSWORD_FILE for --password-file.

Example (three nodes on one machine, against ncn chain serve --datadir dev):
  ncn registry --devchain dev/devchain.json --key dev/keystore/validator-1.json \
      --datadir r1 --grpc-listen-addr 127.0.0.1:50050 --p2p-listen-addr /ip4/127.0.0.1/tcp/8828
  ncn registry --devchain dev/devchain.json --key dev/keystore/validator-2.json \
      --datadir r2 --grpc-listen-addr 127.0.0.1:50052 --p2p-listen-addr /ip4/127.0.0.1/tcp/8830 \
      --bootstrap /ip4/127.0.0.1/tcp/8828/p2p/<peer id printed by the first>`)
	validatorKey := newKeyFlags(f, "validator", passwordFileEnv)
	chainOpts := newChainFlags(f)
	datadir := f.String("datadir", "ncn-registry", "state `directory`")
	grpcListen := f.String("grpc-listen-addr", ":50050", "gRPC listen `address`")
	metricsListen := f.String("metrics-listen-addr", ":9464", "`address` of /metrics (Prometheus), /healthz and /readyz; empty: none")
	grpcAdvertise := f.String("grpc-advertise-addr", "", "gRPC `address` other nodes dial (default the listen address; 127.0.0.1 for a wildcard host)")
	var p2pListen, announce, bootstrap, subnets pathList
	f.Var(&p2pListen, "p2p-listen-addr", "libp2p listen `multiaddr` (repeatable; default TCP and QUIC on port 8828)")
	f.Var(&announce, "p2p-announce-addr", "`multiaddr` to advertise instead of the listen addresses (repeatable)")
	f.Var(&bootstrap, "bootstrap", "peer `multiaddr` ending in /p2p/<id> to join through (repeatable); never a public peer")
	prefix := f.String("p2p-prefix", "/ncn", "protocol prefix that separates this network from others (a devnet uses its own)")
	f.Var(&subnets, "subnet", "subnet `id` served with the builtin plugins (repeatable; default \"default\")")
	validators := f.Int("validators", 5, "N: validators asked per request")
	quorum := f.Int("quorum", 3, "M: signatures needed")
	heartbeat := f.Duration("heartbeat", 10*time.Second, "heartbeat interval expected of nodes (3 missed: unavailable)")
	maxModelFile := f.String("max-model-file", "32GiB", "largest model file this node takes, uploaded or fetched from peers (kept in DATADIR/modelfiles)")
	if err := f.parse(e, args); err != nil {
		return err
	}
	modelFileMax, err := parseBytes(*maxModelFile)
	if err != nil || modelFileMax == 0 || modelFileMax > 1<<50 {
		return f.usagef("--max-model-file: %q is not a size between 1 byte and 1PiB", *maxModelFile)
	}
	if err := validatorKey.check(); err != nil {
		return err
	}
	rpcURL, addrs, err := chainOpts.resolve(f, e)
	if err != nil {
		return err
	}
	key, err := validatorKey.load(e)
	if err != nil {
		return err
	}
	d, err := registry.Start(ctx, registry.DaemonConfig{
		Key: key, DataDir: *datadir, RPCURL: rpcURL, Contracts: addrs,
		GRPCListen: *grpcListen, GRPCAdvertise: *grpcAdvertise, MetricsListen: *metricsListen, MetricsFallback: defaultFallback(f, "metrics-listen-addr"),
		P2PListen: p2pListen, P2PAnnounce: announce, Bootstrap: bootstrap, P2PPrefix: *prefix,
		Subnets:  subnets,
		Registry: registry.Config{Validators: *validators, Quorum: *quorum, HeartbeatInterval: *heartbeat, MaxModelFile: int64(modelFileMax)},
		Logger:   e.logger(),
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "grpc: %s\n", d.GRPCAddr)
	if d.MetricsAddr != "" {
		fmt.Fprintf(e.stdout, "metrics: http://%s/metrics\n", d.MetricsAddr)
	}
	for _, a := range d.P2P.Addrs() {
		fmt.Fprintf(e.stdout, "p2p: %s\n", a)
	}
	fmt.Fprintf(e.stdout, "validator: %s\n", strings.ToLower(d.Node.Address().Hex()))
	fmt.Fprintln(e.stdout, "ready")
	werr := d.Wait(ctx)
	cerr := d.Close()
	if werr != nil {
		return werr
	}
	if cerr != nil {
		return fmt.Errorf("shutdown: %w", cerr)
	}
	fmt.Fprintln(e.stderr, "ncn registry: stopped")
	return nil
}
