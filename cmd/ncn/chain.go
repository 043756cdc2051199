package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/host/devchain"
)

const serveHelp = `
Runs a development chain in this process and serves it over JSON-RPC: the
embedded go-ethereum chain (chain id 1337, a block as soon as a transaction
is pending), the NCN contracts deployed, and dev accounts funded and staked:

  owner        dev key 0     deployed and owns the contracts
  treasury     dev key 1     receives the treasury share
  gateway      dev key 2
  compute      dev key 3
  client       dev key 4     1,000,000 NCN
  validator-N  dev key 9+N   10,000 NCN, 1,000 of it staked

Every account's key is written as a geth keystore file with an empty
password into DATADIR/keystore, and DATADIR/devchain.json describes the
chain: {rpcUrl, chainId, contracts, accounts: [{role, address, keystore}]}.
The chain state itself is in memory and gone when the command exits.

With --clock-addr, tests can move the chain's time forward over JSON-RPC
(evm_increaseTime SECONDS seals an empty block that much later;
evm_mine seals what is pending); the manifest names the URL as clockUrl.

It prints the RPC URL, the contracts and the accounts, then a line "ready",
and serves until interrupted (SIGINT or SIGTERM). Progress goes to stderr.

The dev keys are public. Never send anything of value to them.

Examples:
  ncn chain serve
  ncn chain serve --rpc-addr 127.0.0.1:0 --datadir ./devchain --json
  ncn chain deploy --rpc http://127.0.0.1:8545 --key ./devchain/keystore/UTC--ncn--<owner address>.json
`

func runChainServe(ctx context.Context, e env, args []string) error {
	f := newFlags("chain serve", "[flags]", serveHelp)
	rpcAddr := f.String("rpc-addr", "127.0.0.1:8545", "`host:port` to serve JSON-RPC on (port 0 picks a free port)")
	datadir := f.String("datadir", "", "`dir`ectory for keystore/ and devchain.json (default: a new temporary directory, removed on exit)")
	validators := f.Int("validators", devchain.DefaultValidators, fmt.Sprintf("validators to register and stake (1..%d)", devchain.MaxValidators))
	jsonOut := f.Bool("json", false, "print devchain.json (plus \"datadir\") as one JSON line instead of the summary")
	clockAddr := f.String("clock-addr", "", "`host:port` to serve the chain's clock controls on, for tests (JSON-RPC evm_increaseTime, evm_mine; port 0 picks a free port); default: not served")
	if err := f.parse(e, args); err != nil {
		return err
	}
	if *rpcAddr == "" {
		return f.usagef("--rpc-addr must not be empty")
	}
	if *validators < 1 || *validators > devchain.MaxValidators {
		return f.usagef("--validators must be between 1 and %d, not %d", devchain.MaxValidators, *validators)
	}

	dir := *datadir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "ncn-devchain-")
		if err != nil {
			return fmt.Errorf("create datadir: %w", err)
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	c, err := devchain.Start(ctx, devchain.Config{
		HTTPAddr: *rpcAddr, Validators: *validators, Logger: e.logger(), Progress: e.stderr,
	})
	if err != nil {
		return err
	}
	defer c.Close()
	if *clockAddr != "" {
		if _, err := c.ServeClock(*clockAddr); err != nil {
			return err
		}
	}
	m, err := c.Export(dir)
	if err != nil {
		return err
	}

	if *jsonOut {
		out := struct {
			Datadir string `json:"datadir"`
			devchain.Manifest
		}{dir, m}
		if err := json.NewEncoder(e.stdout).Encode(out); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(e.stdout, "datadir  %s\n", dir)
		if err := m.WriteSummary(e.stdout); err != nil {
			return err
		}
	}
	fmt.Fprintln(e.stdout, "ready")

	<-ctx.Done()
	fmt.Fprintln(e.stderr, "shutting down...")
	if err := c.Close(); err != nil {
		return fmt.Errorf("close chain: %w", err)
	}
	return nil
}

const deployHelp = `
Deploys the NCN contracts (token, validator registry, inference payment) to
the chain at --rpc from the key in --key, binds the registry to the payment
contract, and prints the addresses as JSON on stdout:

  {"token": "0x...", "validatorRegistry": "0x...", "inferencePayment": "0x..."}

The deployer receives the whole token supply. Progress goes to stderr.

--key is a geth keystore file (unlocked with --password-file, empty password
without it) or a file holding the private key as hex.

Environment:
  RPC_URL   default for --rpc

Examples:
  ncn chain deploy --rpc http://127.0.0.1:8545 --key ./devchain/keystore/UTC--ncn--<owner address>.json
  RPC_URL=https://rpc.example.org ncn chain deploy --key deployer.json --password-file pw.txt \
      --owner 0x<multisig> --treasury 0x<treasury> > addresses.json
`

func runChainDeploy(ctx context.Context, e env, args []string) error {
	f := newFlags("chain deploy", "--rpc URL --key FILE [flags]", deployHelp)
	rpcURL := f.String("rpc", e.getenv("RPC_URL"), "JSON-RPC `URL` of the chain (http, ws or ipc path; default $RPC_URL)")
	key := newKeyFlags(f, "deployer", "")
	owner := f.String("owner", "", "`address` that administers the registry and payment contracts (default: the deployer)")
	treasury := f.String("treasury", "", "`address` receiving the treasury share and slashed stake (default: the owner)")
	quorum := f.Uint("quorum", 3, "validator signatures a request needs (M)")
	maxSigners := f.Uint("max-signers", 5, "validator signatures a request accepts at most (N)")
	minStake := f.Int64("min-stake-tokens", 1000, "minimum validator stake, in whole tokens")
	timeout := f.Duration("timeout", 5*time.Minute, "give up when the deployment has not finished by then")
	if err := f.parse(e, args); err != nil {
		return err
	}
	if *rpcURL == "" {
		return f.usagef("--rpc is required (or set RPC_URL)")
	}
	if err := key.check(); err != nil {
		return err
	}
	switch {
	case *quorum < 1 || *quorum > math.MaxUint8:
		return f.usagef("--quorum must be between 1 and %d", math.MaxUint8)
	case *maxSigners < 1 || *maxSigners > math.MaxUint8:
		return f.usagef("--max-signers must be between 1 and %d", math.MaxUint8)
	case *minStake < 0:
		return f.usagef("--min-stake-tokens must not be negative")
	case *timeout <= 0:
		return f.usagef("--timeout must be positive")
	}
	cfg := chain.DeployConfig{
		Quorum:     uint8(*quorum),
		MaxSigners: uint8(*maxSigners),
		MinStake:   chain.Tokens(*minStake),
	}
	for _, a := range []struct {
		flag, value string
		dst         *common.Address
	}{{"owner", *owner, &cfg.Owner}, {"treasury", *treasury, &cfg.Treasury}} {
		if a.value == "" {
			continue
		}
		if !common.IsHexAddress(a.value) {
			return f.usagef("--%s: %q is not an address", a.flag, a.value)
		}
		*a.dst = common.HexToAddress(a.value)
	}
	if err := cfg.Validate(); err != nil {
		return f.usagef("%v", err)
	}

	deployer, err := key.load(e)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	b, err := chain.Dial(ctx, *rpcURL)
	if err != nil {
		return err
	}
	defer b.Close()
	s, err := chain.NewSender(ctx, b, deployer, chain.SenderConfig{Logger: e.logger()})
	if err != nil {
		return fmt.Errorf("sender: %w", err)
	}
	id, err := b.ChainID(ctx)
	if err != nil {
		return fmt.Errorf("chain id: %w", err)
	}
	fmt.Fprintf(e.stderr, "deploying from %s to chain %s at %s...\n", s.From(), id, *rpcURL)
	start := time.Now()
	addrs, err := chain.Deploy(ctx, s, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "deployed in %s\n", time.Since(start).Round(time.Millisecond))
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(addrs)
}

const demoHelp = `
Runs the escrow end to end on a fresh in-process chain (no RPC listener):
deploys the contracts, funds the client, stakes 5 validators, then for each
request the client approves and pays 1 NCN split 80/10/5/5 (compute,
gateway, validators, treasury) with the preprocessing signed by a quorum of
validators; the compute node signs its result, a quorum signs the
completion and the gateway settles. One more payment, expiring 30 seconds
after the head block, is refunded after the chain's clock moves past it.

It prints every party's token balance before and after with the deltas,
and checks conservation: total supply unchanged, deltas summing to zero,
nothing left in escrow. The exit code is 1 when the check fails. Progress
goes to stderr.

Examples:
  ncn chain demo
  ncn chain demo --requests 10
`

func runChainDemo(ctx context.Context, e env, args []string) error {
	f := newFlags("chain demo", "[flags]", demoHelp)
	requests := f.Int("requests", 1, "requests to pay for and settle (the refunded one comes on top)")
	if err := f.parse(e, args); err != nil {
		return err
	}
	if *requests < 1 {
		return f.usagef("--requests must be at least 1, not %d", *requests)
	}
	rep, err := devchain.Demo(ctx, devchain.DemoConfig{Requests: *requests, Logger: e.logger(), Progress: e.stderr})
	if err != nil {
		return err
	}
	if err := rep.WriteTable(e.stdout); err != nil {
		return err
	}
	return rep.Check()
}
