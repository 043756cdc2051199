package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ncn-network/ncn/host/devnet"
)

func runDevnet(ctx context.Context, e env, args []string) error {
	f := newFlags("devnet", "[--requests N] [flags]", `
Runs the whole network on this machine as separate processes of this
binary: the embedded chain with the contracts deployed and the validators
staked ('ncn chain serve'), 5 registry/validator nodes joined over libp2p
on loopback ('ncn registry'), a gateway ('ncn gateway') and 2 compute nodes
serving the shipped models in the sandbox ('ncn compute'). The dev owner
creates a subnet for the models. It prints every endpoint and a line
"ready", then serves until interrupted (Ctrl-C stops everything cleanly).

With --requests N it pays for N requests through the gateway from the dev
client account (the models' sample inputs, in turn), prints a settlement
table — each party's balance before and after, requests settled and
refunded, latencies — and exits: non-zero if any wei is unaccounted for
or any request did not settle.

Each role logs to DATADIR/logs/<role>.log; DATADIR/chain/devchain.json and
DATADIR/chain/keystore are what 'ncn client' and other tools take.

Examples:
  ncn devnet --requests 20
  ncn devnet --datadir ./dev
  ncn client infer --devchain ./dev/chain/devchain.json --key ./dev/chain/keystore/<client>.json \
    --gateway <gateway grpc> --subnet <subnet> --model charlm --text "the network" --stream
`)
	datadir := f.String("datadir", "", "`directory` for every role's state and logs (default a new temporary directory)")
	requests := f.Int("requests", 0, "pay for `N` requests, print the settlement table, and exit")
	concurrency := f.Int("concurrency", 1, "with --requests: how many requests are in flight at once (more than 1 pays from a standing allowance)")
	validators := f.Int("validators", 5, "registry/validator nodes")
	computes := f.Int("computes", 2, "compute nodes")
	models := f.String("model-path", "", "comma-separated model bundle `directories` (default $MODEL_PATH, else gpu/worker/models/* under the current directory)")
	sandboxMode := f.String("sandbox", "", "compute sandbox profile: strict, permissive or none (default $SANDBOX_MODE, else strict)")
	rpc := f.String("rpc", "", "run on the chain at this JSON-RPC `URL` instead of an embedded one: a geth --dev whose genesis funds the dev keys (chain.DevGenesis); the contracts are deployed there")
	if err := f.parse(e, args); err != nil {
		return err
	}
	if *requests < 0 || *validators < 1 || *computes < 1 || *concurrency < 1 {
		return f.usagef("--requests must be >= 0, --validators, --computes and --concurrency >= 1")
	}
	bundles := splitList(*models)
	if len(bundles) == 0 {
		bundles = splitList(e.getenv("MODEL_PATH"))
	}
	if len(bundles) == 0 {
		found, _ := filepath.Glob(filepath.Join("gpu", "worker", "models", "*", "manifest.json"))
		for _, m := range found {
			bundles = append(bundles, filepath.Dir(m))
		}
	}
	if len(bundles) == 0 {
		return f.usagef("no model bundles: give --model-path or $MODEL_PATH (the repository ships gpu/worker/models/digits and charlm)")
	}
	for i, b := range bundles {
		abs, err := filepath.Abs(b)
		if err != nil {
			return err
		}
		bundles[i] = abs
	}
	mode := *sandboxMode
	if mode == "" {
		mode = e.getenv("SANDBOX_MODE")
	}
	dir := *datadir
	if dir == "" {
		d, err := os.MkdirTemp("", "ncn-devnet-")
		if err != nil {
			return err
		}
		dir = d
	}
	fmt.Fprintf(e.stderr, "ncn devnet: starting in %s\n", dir)
	n, err := devnet.Start(ctx, devnet.Config{DataDir: dir, Validators: *validators, Computes: *computes, Models: bundles, Sandbox: mode, RPCURL: *rpc,
		Progress: func(format string, args ...any) { fmt.Fprintf(e.stderr, "ncn devnet: "+format+"\n", args...) }})
	if err != nil {
		return err
	}
	defer func() {
		fmt.Fprintln(e.stderr, "ncn devnet: stopping")
		if err := n.Close(); err != nil {
			fmt.Fprintf(e.stderr, "ncn devnet: %v\n", err)
		}
	}()
	n.WriteEndpoints(e.stdout)
	fmt.Fprintln(e.stdout, "ready")
	if *requests > 0 {
		fmt.Fprintf(e.stderr, "ncn devnet: paying for %d requests\n", *requests)
		r, err := n.Pay(ctx, *requests, *concurrency)
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout)
		if err := r.WriteTable(e.stdout); err != nil {
			return err
		}
		if err := r.Check(); err != nil {
			return &exitCodeError{code: exitError} // the table says why
		}
		if r.Completed != r.Requested {
			return fmt.Errorf("%d of %d requests settled", r.Completed, r.Requested)
		}
		return nil
	}
	select {
	case <-ctx.Done():
		return nil
	case p := <-n.Exited():
		return fmt.Errorf("%s exited (%v); see %s", p.Name, p.Err(), p.Log)
	}
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
