// Package devchain runs a development chain: the embedded chain with the NCN
// contracts deployed and dev accounts funded and staked, as `ncn chain serve`
// and the demo use it.
//
// Every account is a chain.DevKey, so addresses are the same on every run
// and every machine. The keys are public: a development chain must never
// hold anything of value.
package devchain

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/ncn-network/ncn/chain"
)

// Funding of the roles, in whole tokens (ether for gas is EtherPerAccount).
const (
	// ClientTokens is the client's token balance after setup.
	ClientTokens = 1_000_000
	// ValidatorTokens is what each validator is sent; StakeTokens of it is staked.
	ValidatorTokens = 10_000
	// StakeTokens is each validator's stake: the registry's default minimum.
	StakeTokens = 1000
	// EtherPerAccount is the genesis ether of every dev account, for gas.
	EtherPerAccount = 1_000_000
)

// DefaultValidators is how many validators Start registers when
// Config.Validators is zero: the default N of the payment contract.
const DefaultValidators = 5

// MaxValidators bounds Config.Validators.
const MaxValidators = 100

// Config configures Start. The zero value is an in-process chain (no RPC
// listener) with DefaultValidators validators and no output.
type Config struct {
	// HTTPAddr, when set ("127.0.0.1:8545"), serves JSON-RPC over HTTP;
	// port 0 picks a free port (Chain.URL reports it).
	HTTPAddr string
	// Validators to register with StakeTokens each (0 means
	// DefaultValidators; at most MaxValidators).
	Validators int
	// Logger receives the chain's and the senders' logs; nil discards them.
	Logger *slog.Logger
	// Progress receives one human-readable line per setup step; nil
	// discards them.
	Progress io.Writer
}

// ClockLead is how far the dev chain's clock may run ahead of the wall
// clock: a burst of up to this many blocks seals at once (the demo's
// requests, a test's setup), sustained load a block a second
// (chain.EmbeddedConfig.MaxClockLead), so quotes and expiries, made by the
// wall clock minutes ahead, mean nearly the same on the chain.
const ClockLead = time.Minute

// Validate checks the configuration.
func (c Config) Validate() error {
	if c.Validators < 0 || c.Validators > MaxValidators {
		return fmt.Errorf("validators: %d is out of range 0..%d", c.Validators, MaxValidators)
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.Validators == 0 {
		c.Validators = DefaultValidators
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	return c
}

// Account is a funded dev account with clients bound to it.
type Account struct {
	// Role is "owner", "treasury", "gateway", "compute", "client" or
	// "validator-N" (N from 1).
	Role       string
	Key        *ecdsa.PrivateKey
	Addr       common.Address
	Sender     *chain.Sender
	Escrow     *chain.Escrow
	Validators *chain.Validators
}

// Chain is a running development chain. Its methods are safe for
// concurrent use; the accounts' Senders are too.
type Chain struct {
	Embedded  *chain.Embedded // nil on a chain Attach set up
	backend   chain.Backend
	url       string
	Contracts *chain.Contracts
	Domain    chain.Domain

	Owner, Treasury, Gateway, Compute, Client *Account
	// Validators are registered and staked, in registration order.
	Validators []*Account

	clock    func() error // stops ServeClock's listener; nil when not served
	clockURL string
}

// Start starts the embedded chain, deploys the contracts from the owner
// (treasury: the treasury account), funds the client and the validators
// with tokens and registers the validators. ctx bounds the setup only; the
// chain runs until Close.
func Start(ctx context.Context, cfg Config) (*Chain, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("dev chain config: %w", err)
	}
	cfg = cfg.withDefaults()
	progress := func(format string, args ...any) { fmt.Fprintf(cfg.Progress, format+"\n", args...) }

	alloc := types.GenesisAlloc{}
	for i := 0; i < chain.DevKeyValidator+cfg.Validators; i++ {
		alloc[crypto.PubkeyToAddress(chain.DevKey(i).PublicKey)] = types.Account{Balance: chain.Tokens(EtherPerAccount)}
	}
	progress("starting embedded chain...")
	e, err := chain.NewEmbedded(chain.EmbeddedConfig{Alloc: alloc, HTTPAddr: cfg.HTTPAddr, MaxClockLead: ClockLead, Logger: cfg.Logger})
	if err != nil {
		return nil, err // it already says "embedded chain: ..."
	}
	c := &Chain{Embedded: e, backend: e, url: e.URL()}
	if err := c.setup(ctx, cfg, progress); err != nil {
		e.Close()
		return nil, err
	}
	return c, nil
}

// Attach does what Start does on a chain that runs elsewhere (a geth
// --dev, say) and is reached at url: the dev keys must hold ether there
// (chain.DevGenesis allocates it). It deploys the contracts, funds and
// stakes; the chain keeps running after Close, which only disconnects.
func Attach(ctx context.Context, url string, cfg Config) (*Chain, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("dev chain config: %w", err)
	}
	cfg = cfg.withDefaults()
	progress := func(format string, args ...any) { fmt.Fprintf(cfg.Progress, format+"\n", args...) }
	b, err := chain.Dial(ctx, url)
	if err != nil {
		return nil, err
	}
	c := &Chain{backend: b, url: url}
	if err := c.setup(ctx, cfg, progress); err != nil {
		b.Close()
		return nil, err
	}
	return c, nil
}

func (c *Chain) setup(ctx context.Context, cfg Config, progress func(string, ...any)) error {
	newAccount := func(role string, i int) (*Account, error) {
		k := chain.DevKey(i)
		s, err := chain.NewSender(ctx, c.backend, k, chain.SenderConfig{Logger: cfg.Logger})
		if err != nil {
			return nil, fmt.Errorf("sender for %s: %w", role, err)
		}
		return &Account{Role: role, Key: k, Addr: s.From(), Sender: s}, nil
	}
	var err error
	if c.Owner, err = newAccount("owner", chain.DevKeyOwner); err != nil {
		return err
	}
	if c.Treasury, err = newAccount("treasury", chain.DevKeyTreasury); err != nil {
		return err
	}
	if c.Gateway, err = newAccount("gateway", chain.DevKeyGateway); err != nil {
		return err
	}
	if c.Compute, err = newAccount("compute", chain.DevKeyCompute); err != nil {
		return err
	}
	if c.Client, err = newAccount("client", chain.DevKeyClient); err != nil {
		return err
	}
	for i := 0; i < cfg.Validators; i++ {
		v, err := newAccount(fmt.Sprintf("validator-%d", i+1), chain.DevKeyValidator+i)
		if err != nil {
			return err
		}
		c.Validators = append(c.Validators, v)
	}

	progress("deploying contracts from %s...", c.Owner.Addr)
	addrs, err := chain.Deploy(ctx, c.Owner.Sender, chain.DeployConfig{
		Treasury: c.Treasury.Addr,
		MinStake: chain.Tokens(StakeTokens),
	})
	if err != nil {
		return fmt.Errorf("deploy contracts: %w", err)
	}
	if c.Contracts, err = chain.Bind(c.backend, addrs); err != nil {
		return fmt.Errorf("bind contracts: %w", err)
	}
	if c.Domain, err = c.Contracts.Domain(ctx); err != nil {
		return fmt.Errorf("signing domain: %w", err)
	}
	for _, a := range c.Accounts() {
		a.Escrow = chain.NewEscrow(c.Contracts, a.Sender)
		a.Validators = chain.NewValidators(c.Contracts, a.Sender)
	}

	progress("funding client and %d validators...", len(c.Validators))
	if err := c.fund(ctx); err != nil {
		return err
	}
	progress("staking %d validators (%d tokens each)...", len(c.Validators), StakeTokens)
	return c.stake(ctx)
}

// fund sends the client and the validators their tokens from the owner,
// submitting every transfer before waiting, so they are mined together.
func (c *Chain) fund(ctx context.Context) error {
	accounts := append([]*Account{c.Client}, c.Validators...)
	pending := make([]*chain.Pending, len(accounts))
	for i, a := range accounts {
		amount := chain.Tokens(ValidatorTokens)
		if a == c.Client {
			amount = chain.Tokens(ClientTokens)
		}
		p, err := c.Owner.Sender.Submit(ctx, c.Contracts.TransferCall(a.Addr, amount))
		if err != nil {
			return fmt.Errorf("fund %s: %w", a.Role, err)
		}
		pending[i] = p
	}
	for i, p := range pending {
		if _, err := p.Wait(ctx); err != nil {
			return fmt.Errorf("fund %s: %w", accounts[i].Role, err)
		}
	}
	return nil
}

// stake registers every validator, each from its own key in parallel.
func (c *Chain) stake(ctx context.Context) error {
	errs := make([]error, len(c.Validators))
	var wg sync.WaitGroup
	for i, v := range c.Validators {
		wg.Go(func() {
			if _, err := v.Validators.Register(ctx, chain.Tokens(StakeTokens)); err != nil {
				errs[i] = fmt.Errorf("stake %s: %w", v.Role, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Accounts are all accounts: owner, treasury, gateway, compute, client,
// then the validators.
func (c *Chain) Accounts() []*Account {
	return append([]*Account{c.Owner, c.Treasury, c.Gateway, c.Compute, c.Client}, c.Validators...)
}

// URL is the JSON-RPC endpoint, or "" without Config.HTTPAddr.
func (c *Chain) URL() string { return c.url }

// Close stops an embedded chain (and its clock controls), or disconnects
// from an attached one.
func (c *Chain) Close() error {
	var err error
	if c.clock != nil {
		err = c.clock()
		c.clock = nil
	}
	return errors.Join(err, c.backend.Close())
}
