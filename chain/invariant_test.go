package chain_test

import (
	"context"
	"flag"
	"math/big"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/chain/chaintest"
)

var (
	invariantOps  = flag.Int("invariant.ops", 2000, "random operations in TestEscrowInvariants")
	invariantSeed = flag.Uint64("invariant.seed", 0, "seed of TestEscrowInvariants (0: from the clock, printed)")
)

type modelRequest struct {
	status    chain.Status
	client    *chaintest.Account
	payment   chain.Payment
	signers   []*chaintest.Account
	expiresAt uint64
}

// TestEscrowInvariants drives thousands of random initiate / complete /
// refund / mark-failed / expire / slash operations, predicting each
// outcome from a model, and checks after every step that outcome matches
// and periodically that: total supply is conserved; the escrow holds
// exactly the sum of open deposits; every request is in exactly the
// model's one state and terminal states never change; no settlement pays
// out more (or less) than its deposit.
func TestEscrowInvariants(t *testing.T) {
	seed := *invariantSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (rerun with -invariant.seed=%d)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 0x6e636e))
	env := chaintest.Simulated(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	// Keep the chain's clock far ahead of the wall clock, so the next block
	// is always head+1 and outcomes near expiry are predictable.
	mustOK(t, env.Embedded.AdjustTime(1000*time.Second))
	supply, err := env.C.TotalSupply(ctx)
	mustOK(t, err)
	clients := []*chaintest.Account{env.Client, env.Client2}
	for _, c := range clients {
		approve(t, c, chain.Tokens(1_000_000))
	}
	pool := env.Validators[:5]
	active := map[common.Address]bool{}
	for _, v := range pool {
		active[v.Addr] = true
	}
	everyone := []common.Address{env.Owner.Addr, env.Treasury.Addr, env.Gateway.Addr, env.Compute.Addr, env.Client.Addr, env.Client2.Addr, env.C.Registry, env.C.Payment}
	for _, v := range env.Validators {
		everyone = append(everyone, v.Addr)
	}
	var reqs []*modelRequest
	escrowed := new(big.Int)
	counts := map[string]int{}

	// Mostly active signers; now and then any three of the pool, slashed or not.
	pickSigners := func() []*chaintest.Account {
		candidates := pool
		if rng.IntN(10) != 0 {
			candidates = nil
			for _, v := range pool {
				if active[v.Addr] {
					candidates = append(candidates, v)
				}
			}
		}
		perm := rng.Perm(len(candidates))
		return []*chaintest.Account{candidates[perm[0]], candidates[perm[1]], candidates[perm[2]]}
	}
	allActive := func(vs []*chaintest.Account) bool {
		for _, v := range vs {
			if !active[v.Addr] {
				return false
			}
		}
		return true
	}
	// nearBoundary: estimation runs at head time, inclusion at head+1; skip
	// the one second where they disagree.
	nearBoundary := func(r *modelRequest) bool {
		h := env.HeadTime(t)
		return h+2 >= r.expiresAt && h <= r.expiresAt+1
	}
	check := func(op string, predicted bool, err error) {
		t.Helper()
		if predicted != (err == nil) {
			t.Fatalf("%s: predicted success=%v, got err=%v (seed %d)", op, predicted, err, seed)
		}
		if predicted {
			counts[op]++
		} else {
			counts[op+" refused"]++
		}
	}

	for i := 0; i < *invariantOps; i++ {
		switch op := rng.IntN(100); {
		case op < 35: // initiate
			c := clients[rng.IntN(len(clients))]
			p := env.NewPayment(t, 1+rng.Int64N(1_000_000), 10+rng.Uint64N(120))
			signers := pickSigners()
			env.SignPayment(t, &p, c.Addr, signers...)
			ok := allActive(signers)
			if rng.IntN(10) == 0 { // a bad signature set: out of order
				p.Signatures[0], p.Signatures[1] = p.Signatures[1], p.Signatures[0]
				ok = false
			}
			_, err := c.Escrow.Initiate(ctx, p)
			check("initiate", ok, err)
			if ok {
				reqs = append(reqs, &modelRequest{status: chain.StatusPending, client: c, payment: p, signers: signers, expiresAt: p.ExpiresAt})
				escrowed.Add(escrowed, p.Tree.Total())
			}
		case op < 60 && len(reqs) > 0: // complete, mostly an open request
			r := reqs[rng.IntN(len(reqs))]
			for try := 0; try < 5 && r.status != chain.StatusPending; try++ {
				r = reqs[rng.IntN(len(reqs))]
			}
			if nearBoundary(r) {
				continue
			}
			from := env.Gateway
			if rng.IntN(5) == 0 {
				from = env.Client
			}
			signers := pickSigners()
			s := env.Settle(t, r.payment, common.BigToHash(big.NewInt(int64(i))), signers...)
			ok := r.status == chain.StatusPending && from == env.Gateway && env.HeadTime(t)+1 < r.expiresAt && allActive(signers)
			before := balances(t, env, everyone...)
			rcpt, err := from.Sender.Send(ctx, chain.Call{To: &env.C.Payment, Data: completeData(s)})
			check("complete", ok, err)
			if ok {
				checkPayout(t, env, r, rcpt, everyone, before)
				r.status = chain.StatusCompleted
				escrowed.Sub(escrowed, r.payment.Tree.Total())
			}
		case op < 72 && len(reqs) > 0: // refund after expiry, by anyone
			r := reqs[rng.IntN(len(reqs))]
			if nearBoundary(r) {
				continue
			}
			ok := r.status == chain.StatusPending && env.HeadTime(t)+1 >= r.expiresAt
			err := send(ctx, env.Client2, env.C.Payment, payABI.PackHandleExpiredRequest(r.payment.RequestID))
			check("refund", ok, err)
			if ok {
				r.status = chain.StatusExpired
				escrowed.Sub(escrowed, r.payment.Tree.Total())
			}
		case op < 80 && len(reqs) > 0: // mark failed
			r := reqs[rng.IntN(len(reqs))]
			from := env.Gateway
			if rng.IntN(4) == 0 {
				from = env.Client2
			}
			ok := r.status == chain.StatusPending && from == env.Gateway
			err := send(ctx, from, env.C.Payment, payABI.PackMarkRequestFailed(r.payment.RequestID))
			check("mark failed", ok, err)
			if ok {
				r.status = chain.StatusFailed
				escrowed.Sub(escrowed, r.payment.Tree.Total())
			}
		case op < 99: // time passes
			mustOK(t, env.Embedded.AdjustTime(time.Duration(1+rng.IntN(10))*time.Second))
			counts["advance time"]++
		default: // late in the run, slash one of two validators of the pool, once each
			v := pool[3+rng.IntN(2)]
			if !active[v.Addr] || i < *invariantOps/2 {
				continue
			}
			_, err := env.Owner.Validators.Slash(ctx, v.Addr, chain.OffenseProlongedDowntime)
			check("slash", true, err)
			active[v.Addr] = false
		}
		if i%100 == 99 || i == *invariantOps-1 {
			checkInvariants(t, env, supply, escrowed, everyone, reqs)
		}
	}
	t.Logf("operations: %v", counts)
}

// checkPayout: the settlement's event pays out exactly the deposit, and the
// balances moved by exactly that.
func checkPayout(t *testing.T, env *chaintest.Env, r *modelRequest, rcpt *types.Receipt, everyone []common.Address, before []*big.Int) {
	t.Helper()
	deposit := r.payment.Tree.Total()
	found := false
	for _, l := range rcpt.Logs {
		ev, err := payABI.UnpackInferenceRequestCompletedEvent(l)
		if err != nil {
			continue
		}
		found = true
		paid := new(big.Int).Add(ev.ComputeAmount, ev.GatewayAmount)
		paid.Add(paid, new(big.Int).Mul(ev.ValidatorShare, ev.Signers))
		paid.Add(paid, ev.TreasuryAmount)
		if paid.Cmp(deposit) != 0 {
			t.Fatalf("request %s paid out %s of a %s deposit", r.payment.RequestID, paid, deposit)
		}
	}
	if !found {
		t.Fatal("no InferenceRequestCompleted event")
	}
	after := balances(t, env, everyone...)
	out := new(big.Int)
	for i := range everyone {
		if everyone[i] == env.C.Payment {
			if d := new(big.Int).Sub(before[i], after[i]); d.Cmp(deposit) != 0 {
				t.Fatalf("escrow released %s for a %s deposit", d, deposit)
			}
			continue
		}
		out.Add(out, new(big.Int).Sub(after[i], before[i]))
	}
	if out.Cmp(deposit) != 0 {
		t.Fatalf("recipients gained %s for a %s deposit", out, deposit)
	}
}

func checkInvariants(t *testing.T, env *chaintest.Env, supply, escrowed *big.Int, everyone []common.Address, reqs []*modelRequest) {
	t.Helper()
	ctx := ctxT(t)
	s, err := env.C.TotalSupply(ctx)
	mustOK(t, err)
	if s.Cmp(supply) != 0 {
		t.Fatalf("total supply %s, was %s", s, supply)
	}
	sum := new(big.Int)
	for i, b := range balances(t, env, everyone...) {
		sum.Add(sum, b)
		if everyone[i] == env.C.Payment && b.Cmp(escrowed) != 0 {
			t.Fatalf("escrow holds %s, open deposits sum to %s", b, escrowed)
		}
	}
	if sum.Cmp(supply) != 0 {
		t.Fatalf("balances sum to %s, supply is %s: tokens went somewhere unknown", sum, supply)
	}
	for _, r := range reqs {
		if got := status(t, env, r.payment.RequestID); got != r.status {
			t.Fatalf("request %s: on chain %s, model %s", r.payment.RequestID, got, r.status)
		}
	}
}
