package chain

import (
	"context"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/ncn-network/ncn/chain/bindings/registry"
)

// Offense is a slashable offense; the contract fixes each one's penalty.
type Offense uint8

// Offenses of the validation design, with their penalties.
const (
	OffenseInvalidSignature       Offense = iota // 50%
	OffenseCollusion                             // 100%
	OffenseApprovingInvalidResult                // 30%
	OffenseProlongedDowntime                     // 10%
	OffenseFrontRunning                          // 50%
	OffenseEquivocation                          // 100%, by proof
)

// Validators submits ValidatorRegistry transactions from one key.
type Validators struct {
	*Contracts
	sender *Sender
}

// NewValidators returns a registry client sending from s.
func NewValidators(c *Contracts, s *Sender) *Validators { return &Validators{Contracts: c, sender: s} }

// Register approves and stakes amount, registering the sender as a validator.
func (v *Validators) Register(ctx context.Context, stake *big.Int) (*types.Receipt, error) {
	if _, err := v.sender.Send(ctx, Call{To: &v.Token, Data: v.token.PackApprove(v.Registry, stake)}); err != nil {
		return nil, fmt.Errorf("approve stake: %w", err)
	}
	r, err := v.sender.Send(ctx, Call{To: &v.Registry, Data: v.registry.PackRegisterValidator(stake)})
	if err != nil {
		return nil, fmt.Errorf("register validator %s: %w", v.sender.From(), err)
	}
	return r, nil
}

// RequestUnstake moves amount of the sender's stake to the unstaking queue.
func (v *Validators) RequestUnstake(ctx context.Context, amount *big.Int) (*types.Receipt, error) {
	return v.sender.Send(ctx, Call{To: &v.Registry, Data: v.registry.PackRequestUnstake(amount)})
}

// Withdraw withdraws the sender's unstaked tokens after the delay.
func (v *Validators) Withdraw(ctx context.Context) (*types.Receipt, error) {
	return v.sender.Send(ctx, Call{To: &v.Registry, Data: v.registry.PackWithdraw()})
}

// Slash penalises validator for offense (the sender must own the registry).
func (v *Validators) Slash(ctx context.Context, validator common.Address, offense Offense) (*types.Receipt, error) {
	return v.sender.Send(ctx, Call{To: &v.Registry, Data: v.registry.PackSlash(validator, uint8(offense))})
}

// SignedCompletion is a Completion with its signature: equivocation evidence.
type SignedCompletion struct {
	Message   Completion
	Signature []byte
}

// SlashForEquivocation submits proof that validator signed two different
// results for one request.
func (v *Validators) SlashForEquivocation(ctx context.Context, validator common.Address, a, b SignedCompletion) (*types.Receipt, error) {
	if a.Message.RequestID != b.Message.RequestID {
		return nil, fmt.Errorf("equivocation evidence: request ids differ (%s, %s)", a.Message.RequestID, b.Message.RequestID)
	}
	conv := func(s SignedCompletion) registry.ValidatorRegistrySignedCompletion {
		return registry.ValidatorRegistrySignedCompletion{
			ResultHash: s.Message.ResultHash, ComputeNode: s.Message.ComputeNode,
			ExecMillis: s.Message.ExecMillis, Signature: s.Signature,
		}
	}
	data := v.registry.PackSlashForEquivocation(validator, a.Message.RequestID, conv(a), conv(b))
	return v.sender.Send(ctx, Call{To: &v.Registry, Data: data})
}
