package chain

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/ncn-network/ncn/chain/bindings/payment"
	"github.com/ncn-network/ncn/chain/bindings/registry"
	"github.com/ncn-network/ncn/chain/bindings/token"
)

// Addresses of one deployment of the NCN contracts.
type Addresses struct {
	Token    common.Address `json:"token"`
	Registry common.Address `json:"validatorRegistry"`
	Payment  common.Address `json:"inferencePayment"`
}

// MarshalJSON writes checksummed (EIP-55) addresses, as people copy them.
func (a Addresses) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]string{
		"token": a.Token.Hex(), "validatorRegistry": a.Registry.Hex(), "inferencePayment": a.Payment.Hex(),
	})
}

// Validate checks that every address is set.
func (a Addresses) Validate() error {
	if a.Token == (common.Address{}) || a.Registry == (common.Address{}) || a.Payment == (common.Address{}) {
		return errors.New("contract addresses: token, validatorRegistry and inferencePayment must all be set")
	}
	return nil
}

// Ether is 10^18, the token's (and ether's) unit scale.
var Ether = big.NewInt(1_000_000_000_000_000_000)

// Tokens returns n whole tokens in the smallest unit.
func Tokens(n int64) *big.Int { return new(big.Int).Mul(big.NewInt(n), Ether) }

// DeployConfig configures a deployment. Zero values take the defaults noted.
type DeployConfig struct {
	// Owner administers the registry and the payment contract (default: the deployer).
	Owner common.Address
	// Treasury receives the treasury share and slashed stake (default: Owner).
	Treasury common.Address
	// TokenHolder receives the whole token supply (default: the deployer).
	TokenHolder common.Address
	// TokenSupply in the smallest unit (default 10^9 tokens).
	TokenSupply *big.Int
	// MinStake a validator needs (default 1000 tokens).
	MinStake *big.Int
	// UnstakeDelay before unstaked tokens can be withdrawn (default 7 days).
	UnstakeDelay time.Duration
	// Quorum is M, signatures needed (default 3); MaxSigners is N (default 5).
	Quorum, MaxSigners uint8
	// MaxRequestTTL is the longest escrow time of a request (default 24h).
	MaxRequestTTL time.Duration
}

func (c DeployConfig) withDefaults(deployer common.Address) DeployConfig {
	if c.Owner == (common.Address{}) {
		c.Owner = deployer
	}
	if c.Treasury == (common.Address{}) {
		c.Treasury = c.Owner
	}
	if c.TokenHolder == (common.Address{}) {
		c.TokenHolder = deployer
	}
	if c.TokenSupply == nil {
		c.TokenSupply = Tokens(1_000_000_000)
	}
	if c.MinStake == nil {
		c.MinStake = Tokens(1000)
	}
	if c.UnstakeDelay == 0 {
		c.UnstakeDelay = 7 * 24 * time.Hour
	}
	if c.Quorum == 0 {
		c.Quorum = 3
	}
	if c.MaxSigners == 0 {
		c.MaxSigners = 5
	}
	if c.MaxRequestTTL == 0 {
		c.MaxRequestTTL = 24 * time.Hour
	}
	return c
}

// Validate checks the configuration a deployment would use.
func (c DeployConfig) Validate() error {
	c = c.withDefaults(common.Address{1})
	if c.Quorum > c.MaxSigners {
		return fmt.Errorf("quorum %d exceeds max signers %d", c.Quorum, c.MaxSigners)
	}
	if c.TokenSupply.Sign() <= 0 || c.MinStake.Sign() < 0 {
		return errors.New("token supply must be positive and min stake not negative")
	}
	if c.UnstakeDelay < 0 || c.MaxRequestTTL < time.Second {
		return errors.New("unstake delay must not be negative and max request TTL at least 1s")
	}
	return nil
}

// Deploy deploys the token, the validator registry and the payment contract
// from s, and binds the registry to the payment contract's signing domain.
func Deploy(ctx context.Context, s *Sender, cfg DeployConfig) (Addresses, error) {
	if err := cfg.Validate(); err != nil {
		return Addresses{}, fmt.Errorf("deploy: %w", err)
	}
	cfg = cfg.withDefaults(s.From())
	var a Addresses
	deploy := func(name string, meta string, args []byte) (common.Address, error) {
		code := append(common.FromHex(meta), args...)
		r, err := s.Send(ctx, Call{Data: code})
		if err != nil {
			return common.Address{}, fmt.Errorf("deploy %s: %w", name, err)
		}
		return r.ContractAddress, nil
	}
	var err error
	if a.Token, err = deploy("NCNToken", token.NCNTokenMetaData.Bin,
		token.NewNCNToken().PackConstructor(cfg.TokenHolder, cfg.TokenSupply)); err != nil {
		return a, err
	}
	// The registry is owned by the deployer until it is bound to the payment
	// contract, then handed to the configured owner.
	if a.Registry, err = deploy("ValidatorRegistry", registry.ValidatorRegistryMetaData.Bin,
		registry.NewValidatorRegistry().PackConstructor(a.Token, cfg.Treasury, cfg.MinStake,
			uint64(cfg.UnstakeDelay/time.Second), s.From())); err != nil {
		return a, err
	}
	if a.Payment, err = deploy("InferencePayment", payment.InferencePaymentMetaData.Bin,
		payment.NewInferencePayment().PackConstructor(a.Token, a.Registry, cfg.Treasury, cfg.Quorum,
			cfg.MaxSigners, uint64(cfg.MaxRequestTTL/time.Second), cfg.Owner)); err != nil {
		return a, err
	}
	reg := registry.NewValidatorRegistry()
	if _, err := s.Send(ctx, Call{To: &a.Registry, Data: reg.PackSetPaymentContract(a.Payment)}); err != nil {
		return a, fmt.Errorf("bind registry to payment contract: %w", err)
	}
	if cfg.Owner != s.From() {
		if _, err := s.Send(ctx, Call{To: &a.Registry, Data: reg.PackTransferOwnership(cfg.Owner)}); err != nil {
			return a, fmt.Errorf("hand registry to owner: %w", err)
		}
	}
	return a, nil
}

// Contracts is a deployment bound to a backend, for reads. Writes go
// through Escrow and Validators, which add a Sender.
type Contracts struct {
	Addresses
	backend  Backend
	token    *token.NCNToken
	registry *registry.ValidatorRegistry
	payment  *payment.InferencePayment
	errABIs  []*abi.ABI
}

// Bind binds a deployment on backend.
func Bind(backend Backend, a Addresses) (*Contracts, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	return &Contracts{
		Addresses: a,
		backend:   backend,
		token:     token.NewNCNToken(),
		registry:  registry.NewValidatorRegistry(),
		payment:   payment.NewInferencePayment(),
		errABIs:   contractABIs(),
	}, nil
}

// Backend is the chain these contracts are on.
func (c *Contracts) Backend() Backend { return c.backend }

// Domain is the EIP-712 domain of the payment contract.
func (c *Contracts) Domain(ctx context.Context) (Domain, error) {
	id, err := c.backend.ChainID(ctx)
	if err != nil {
		return Domain{}, fmt.Errorf("chain id: %w", err)
	}
	return Domain{ChainID: id, Contract: c.Payment}, nil
}

// view runs a read-only call and unpacks its result.
func view[T any](ctx context.Context, c *Contracts, to common.Address, data []byte, unpack func([]byte) (T, error)) (T, error) {
	var zero T
	var out []byte
	err := Retry{}.do(ctx, func() error {
		var err error
		out, err = c.backend.CallContract(ctx, ethereum.CallMsg{To: &to, Data: data}, nil)
		return err
	})
	if err != nil {
		return zero, decodeRevert(c.errABIs, err)
	}
	return unpack(out)
}

// BalanceOf is the token balance of a.
func (c *Contracts) BalanceOf(ctx context.Context, a common.Address) (*big.Int, error) {
	return view(ctx, c, c.Token, c.token.PackBalanceOf(a), c.token.UnpackBalanceOf)
}

// TotalSupply is the token's total supply.
func (c *Contracts) TotalSupply(ctx context.Context) (*big.Int, error) {
	return view(ctx, c, c.Token, c.token.PackTotalSupply(), c.token.UnpackTotalSupply)
}

// Transfer sends amount of the token from s to `to` and waits for it.
func (c *Contracts) Transfer(ctx context.Context, s *Sender, to common.Address, amount *big.Int) (*types.Receipt, error) {
	return s.Send(ctx, c.TransferCall(to, amount))
}

// TransferCall is a token transfer to submit without waiting (Sender.Submit).
func (c *Contracts) TransferCall(to common.Address, amount *big.Int) Call {
	return Call{To: &c.Token, Data: c.token.PackTransfer(to, amount)}
}

// Status of an escrowed request, as the contract records it.
type Status uint8

// Request statuses; every request that was ever Pending ends in exactly one
// of Completed, Expired or Failed.
const (
	StatusNone Status = iota
	StatusPending
	StatusCompleted
	StatusExpired // refunded by handleExpiredRequest
	StatusFailed  // refunded by markRequestFailed
)

func (s Status) String() string {
	switch s {
	case StatusNone:
		return "none"
	case StatusPending:
		return "pending"
	case StatusCompleted:
		return "completed"
	case StatusExpired:
		return "expired"
	case StatusFailed:
		return "failed"
	}
	return fmt.Sprintf("status(%d)", uint8(s))
}

// RequestState is a request as stored on chain. The tree's amounts are
// cleared once the request ends.
type RequestState struct {
	Status    Status
	Client    common.Address
	ExpiresAt uint64
	Tree      PaymentTree
}

// Request reads a request's state.
func (c *Contracts) Request(ctx context.Context, id common.Hash) (RequestState, error) {
	r, err := view(ctx, c, c.Payment, c.payment.PackGetRequest(id), c.payment.UnpackGetRequest)
	if err != nil {
		return RequestState{}, fmt.Errorf("read request %s: %w", id, err)
	}
	return RequestState{
		Status: Status(r.Status), Client: r.Client, ExpiresAt: r.ExpiresAt,
		Tree: PaymentTree{
			ComputeNode: r.ComputeNode, ComputeAmount: r.ComputeAmount,
			Gateway: r.Gateway, GatewayAmount: r.GatewayAmount,
			ValidatorAmount: r.ValidatorAmount, TreasuryAmount: r.TreasuryAmount,
		},
	}, nil
}

// IsActiveValidator reports whether v may sign now.
func (c *Contracts) IsActiveValidator(ctx context.Context, v common.Address) (bool, error) {
	return view(ctx, c, c.Registry, c.registry.PackIsActiveValidator(v), c.registry.UnpackIsActiveValidator)
}

// ActiveValidators is the active set with stakes, in registration order.
func (c *Contracts) ActiveValidators(ctx context.Context) ([]common.Address, []*big.Int, error) {
	out, err := view(ctx, c, c.Registry, c.registry.PackActiveValidators(), c.registry.UnpackActiveValidators)
	return out.Addrs, out.Stakes, err
}

// ValidatorInfo is a validator's record in the registry.
type ValidatorInfo struct {
	Stake, Unstaking   *big.Int
	UnstakeAvailableAt uint64
	Registered, Jailed bool
	Leaving            bool
}

// Validator reads v's registry record.
func (c *Contracts) Validator(ctx context.Context, v common.Address) (ValidatorInfo, error) {
	r, err := view(ctx, c, c.Registry, c.registry.PackGetValidator(v), c.registry.UnpackGetValidator)
	if err != nil {
		return ValidatorInfo{}, fmt.Errorf("read validator %s: %w", v, err)
	}
	return ValidatorInfo{Stake: r.Stake, Unstaking: r.Unstaking, UnstakeAvailableAt: r.UnstakeAvailableAt,
		Registered: r.Registered, Jailed: r.Jailed, Leaving: r.Leaving}, nil
}

// Quorum is (M, N): signatures needed and accepted at most.
func (c *Contracts) Quorum(ctx context.Context) (m, n uint8, err error) {
	if m, err = view(ctx, c, c.Payment, c.payment.PackQuorum(), c.payment.UnpackQuorum); err != nil {
		return 0, 0, err
	}
	n, err = view(ctx, c, c.Payment, c.payment.PackMaxSigners(), c.payment.UnpackMaxSigners)
	return m, n, err
}

func contractABIs() []*abi.ABI {
	var out []*abi.ABI
	for _, m := range []*struct{ parse func() (*abi.ABI, error) }{
		{payment.InferencePaymentMetaData.ParseABI},
		{registry.ValidatorRegistryMetaData.ParseABI},
		{token.NCNTokenMetaData.ParseABI},
	} {
		if a, err := m.parse(); err == nil {
			out = append(out, a)
		}
	}
	return out
}
