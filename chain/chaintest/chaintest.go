// Package chaintest builds chain environments for tests: the embedded chain
// or a real `geth --dev` process on loopback, with the contracts deployed,
// accounts funded and validators staked, plus helpers to sign payments and
// move the chain's clock.
package chaintest

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient/gethclient"

	"github.com/ncn-network/ncn/chain"
)

// Dev key indexes of the roles in a test environment: chain's.
const (
	keyOwner     = chain.DevKeyOwner
	keyTreasury  = chain.DevKeyTreasury
	keyGateway   = chain.DevKeyGateway
	keyCompute   = chain.DevKeyCompute
	keyClient    = chain.DevKeyClient
	keyClient2   = chain.DevKeyClient2
	keyTicker    = chain.DevKeyTicker
	keyValidator = chain.DevKeyValidator // first of NumValidators
)

// NumValidators registered in every environment. The first five are the
// default quorum pool; tests that slash or unstake use the last two.
const NumValidators = 7

// Account is a funded dev account with clients bound to it.
type Account struct {
	Key        *ecdsa.PrivateKey
	Addr       common.Address
	Sender     *chain.Sender
	Escrow     *chain.Escrow
	Validators *chain.Validators
}

// Env is a chain with the NCN contracts deployed and roles funded.
type Env struct {
	Name     string
	Backend  chain.Backend
	Embedded *chain.Embedded // nil on geth
	C        *chain.Contracts
	Domain   chain.Domain

	Owner, Treasury, Gateway, Compute, Client, Client2 *Account
	Validators                                         []*Account

	ticker *Account
	tickMu sync.Mutex
}

// DevAlloc funds dev keys 0..n-1 with 10^6 ether each, for gas.
func DevAlloc(n int) types.GenesisAlloc {
	alloc := types.GenesisAlloc{}
	for i := 0; i < n; i++ {
		alloc[crypto.PubkeyToAddress(chain.DevKey(i).PublicKey)] = types.Account{Balance: chain.Tokens(1_000_000)}
	}
	return alloc
}

// allocKeys is how many dev keys an environment funds.
const allocKeys = keyValidator + NumValidators

// Simulated returns an environment on the embedded chain, closed when the test ends.
func Simulated(t testing.TB) *Env {
	t.Helper()
	e, err := chain.NewEmbedded(chain.EmbeddedConfig{Alloc: DevAlloc(allocKeys)})
	if err != nil {
		t.Fatalf("embedded chain: %v", err)
	}
	t.Cleanup(func() { e.Close() })
	env := setup(t, "simulated", e)
	env.Embedded = e
	return env
}

// setup deploys the contracts on b and funds and stakes the roles.
func setup(t testing.TB, name string, b chain.Backend) *Env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	env := &Env{Name: name, Backend: b}
	owner := newSender(t, b, keyOwner)
	addrs, err := chain.Deploy(ctx, owner, chain.DeployConfig{
		Treasury:     crypto.PubkeyToAddress(chain.DevKey(keyTreasury).PublicKey),
		UnstakeDelay: 20 * time.Second,
	})
	if err != nil {
		t.Fatalf("deploy: %v", err)
	}
	if env.C, err = chain.Bind(b, addrs); err != nil {
		t.Fatal(err)
	}
	if env.Domain, err = env.C.Domain(ctx); err != nil {
		t.Fatal(err)
	}
	env.Owner = env.account(t, keyOwner, owner)
	env.Treasury = env.account(t, keyTreasury, nil)
	env.Gateway = env.account(t, keyGateway, nil)
	env.Compute = env.account(t, keyCompute, nil)
	env.Client = env.account(t, keyClient, nil)
	env.Client2 = env.account(t, keyClient2, nil)
	env.ticker = env.account(t, keyTicker, nil)
	for _, a := range []*Account{env.Client, env.Client2} {
		env.mustTransfer(ctx, t, a.Addr, chain.Tokens(1_000_000))
	}
	for i := 0; i < NumValidators; i++ {
		v := env.account(t, keyValidator+i, nil)
		env.mustTransfer(ctx, t, v.Addr, chain.Tokens(10_000))
		if _, err := v.Validators.Register(ctx, chain.Tokens(1000)); err != nil {
			t.Fatalf("register validator %d: %v", i, err)
		}
		env.Validators = append(env.Validators, v)
	}
	return env
}

func newSender(t testing.TB, b chain.Backend, i int) *chain.Sender {
	t.Helper()
	s, err := chain.NewSender(context.Background(), b, chain.DevKey(i), chain.SenderConfig{})
	if err != nil {
		t.Fatalf("sender %d: %v", i, err)
	}
	return s
}

func (e *Env) account(t testing.TB, i int, s *chain.Sender) *Account {
	if s == nil {
		s = newSender(t, e.Backend, i)
	}
	k := chain.DevKey(i)
	return &Account{
		Key: k, Addr: crypto.PubkeyToAddress(k.PublicKey), Sender: s,
		Escrow: chain.NewEscrow(e.C, s), Validators: chain.NewValidators(e.C, s),
	}
}

func (e *Env) mustTransfer(ctx context.Context, t testing.TB, to common.Address, amount *big.Int) {
	t.Helper()
	if _, err := e.C.Transfer(ctx, e.Owner.Sender, to, amount); err != nil {
		t.Fatalf("fund %s: %v", to, err)
	}
}

// HeadTime is the head block's timestamp: the chain's clock, which runs
// ahead of the wall clock when blocks come faster than one a second.
func (e *Env) HeadTime(t testing.TB) uint64 {
	t.Helper()
	h, err := e.Backend.HeaderByNumber(context.Background(), nil)
	if err != nil {
		t.Fatalf("head: %v", err)
	}
	return h.Time
}

// AdvanceTo moves the head block's time to ts (when the chain is behind
// it and ts is ahead of the wall clock), so the next block is ts+1, and
// returns the head's time after. The embedded chain jumps; geth has no time
// travel, so empty-value transactions are mined until the head gets there.
// geth's dev miner now and then seals an extra empty block, so on geth the
// head may overshoot: callers that need an exact time check the result.
func (e *Env) AdvanceTo(t testing.TB, ts uint64) uint64 {
	t.Helper()
	head := e.HeadTime(t)
	if head >= ts {
		return head
	}
	if e.Embedded != nil {
		if err := e.Embedded.AdjustTime(time.Duration(ts-head) * time.Second); err != nil {
			t.Fatalf("adjust time: %v", err)
		}
		return e.HeadTime(t)
	}
	e.tickMu.Lock()
	defer e.tickMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for {
		for e.HeadTime(t) < ts {
			to := e.ticker.Addr
			if _, err := e.ticker.Sender.Send(ctx, chain.Call{To: &to, Gas: 21000}); err != nil {
				t.Fatalf("tick: %v", err)
			}
		}
		// Let a stray empty block land before reporting where the head is.
		time.Sleep(50 * time.Millisecond)
		if head := e.HeadTime(t); head >= ts {
			return head
		}
	}
}

// CallAt runs a call as if in a block with timestamp ts on top of the head,
// returning the decoded revert, if any. It checks time boundaries exactly,
// which real transactions on a clock-driven chain cannot.
func (e *Env) CallAt(ctx context.Context, from common.Address, to common.Address, data []byte, ts uint64) error {
	g := gethclient.New(e.Backend.RPC())
	t := hexutil.Uint64(ts)
	_, err := g.CallContractWithBlockOverrides(ctx, ethereum.CallMsg{From: from, To: &to, Data: data}, nil, nil,
		gethclient.BlockOverrides{Time: uint64(t)})
	return chain.DecodeRevert(err)
}

// RandomID is a fresh 32-byte id.
func RandomID() common.Hash {
	var h common.Hash
	if _, err := rand.Read(h[:]); err != nil {
		panic(err)
	}
	return h
}

// NewPayment is a payment of total tokens' smallest units from the default
// gateway to the default compute node, split 80/10/5/5, expiring ttl
// seconds after the head block.
func (e *Env) NewPayment(t testing.TB, total int64, ttl uint64) chain.Payment {
	tree := chain.DefaultSplit(big.NewInt(total), e.Compute.Addr, e.Gateway.Addr)
	return chain.Payment{
		RequestID: RandomID(), SubnetID: common.HexToHash("0x5b"), ModelID: common.HexToHash("0x6d"),
		ConfigHash: common.HexToHash("0xc0"), ExpiresAt: e.HeadTime(t) + ttl, Tree: tree,
	}
}

// SignPayment has signers sign p's Preprocessing message for client, in
// ascending signer order.
func (e *Env) SignPayment(t testing.TB, p *chain.Payment, client common.Address, signers ...*Account) {
	t.Helper()
	p.Signatures = e.Sign(t, p.Message(client).StructHash(), signers...)
}

// Sign has signers sign a struct hash in the payment domain, ordered.
func (e *Env) Sign(t testing.TB, structHash common.Hash, signers ...*Account) [][]byte {
	t.Helper()
	keys := make([]*ecdsa.PrivateKey, len(signers))
	for i, s := range signers {
		keys[i] = s.Key
	}
	sigs, err := e.Domain.SignAll(structHash, keys...)
	if err != nil {
		t.Fatal(err)
	}
	return sigs
}

// Settle builds a settlement of p: the compute node's signature and
// signers' Completion signatures over resultHash.
func (e *Env) Settle(t testing.TB, p chain.Payment, resultHash common.Hash, signers ...*Account) chain.Settlement {
	t.Helper()
	const execMillis = 42
	cr := chain.ComputeResult{RequestID: p.RequestID, ResultHash: resultHash, ComputeNode: p.Tree.ComputeNode, ExecMillis: execMillis}
	computeSig, err := chain.Sign(e.Compute.Key, e.Domain.Digest(cr.StructHash()))
	if err != nil {
		t.Fatal(err)
	}
	c := chain.Completion(cr)
	return chain.Settlement{
		RequestID: p.RequestID, ResultHash: resultHash, ExecMillis: execMillis, ComputeSig: computeSig,
		ValidatorSigs: e.Sign(t, c.StructHash(), signers...),
	}
}

// Quorum is the first three validators: a valid default quorum.
func (e *Env) Quorum() []*Account { return e.Validators[:3] }
