package chain_test

import (
	"context"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/chain/chaintest"
)

// TestContracts runs the contract suite on the embedded chain and on a real
// geth --dev over JSON-RPC.
func TestContracts(t *testing.T) {
	t.Run("simulated", func(t *testing.T) { contractSuite(t, chaintest.Simulated(t)) })
	t.Run("geth", func(t *testing.T) { contractSuite(t, chaintest.Geth(t)) })
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// wantRevert checks that err is the contract's custom error `name`.
func wantRevert(t *testing.T, err error, name string) {
	t.Helper()
	if !chain.IsRevert(err, name) {
		t.Fatalf("want revert %s, got %v", name, err)
	}
}

func mustOK(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// paid initiates p from client (approving first) and returns it.
func paid(t *testing.T, env *chaintest.Env, client *chaintest.Account, p chain.Payment) chain.Payment {
	t.Helper()
	ctx := ctxT(t)
	env.SignPayment(t, &p, client.Addr, env.Quorum()...)
	_, err := client.Escrow.Approve(ctx, p.Tree.Total())
	mustOK(t, err)
	_, err = client.Escrow.Initiate(ctx, p)
	mustOK(t, err)
	return p
}

func balances(t *testing.T, env *chaintest.Env, addrs ...common.Address) []*big.Int {
	t.Helper()
	out := make([]*big.Int, len(addrs))
	for i, a := range addrs {
		b, err := env.C.BalanceOf(ctxT(t), a)
		mustOK(t, err)
		out[i] = b
	}
	return out
}

func contractSuite(t *testing.T, env *chaintest.Env) {
	t.Run("happy path pays the tree", func(t *testing.T) {
		ctx := ctxT(t)
		v := env.Quorum()
		watch := []common.Address{env.Client.Addr, env.Compute.Addr, env.Gateway.Addr, env.Treasury.Addr, v[0].Addr, v[1].Addr, v[2].Addr, env.C.Payment}
		before := balances(t, env, watch...)
		p := paid(t, env, env.Client, env.NewPayment(t, 1_000_003, 600))
		st, err := env.C.Request(ctx, p.RequestID)
		mustOK(t, err)
		if st.Status != chain.StatusPending || st.Client != env.Client.Addr {
			t.Fatalf("after initiate: %+v", st)
		}
		_, err = env.Gateway.Escrow.Complete(ctx, env.Settle(t, p, common.HexToHash("0xbeef"), v...))
		mustOK(t, err)
		after := balances(t, env, watch...)
		tr := p.Tree
		share := new(big.Int).Div(tr.ValidatorAmount, big.NewInt(3))
		dust := new(big.Int).Sub(tr.ValidatorAmount, new(big.Int).Mul(share, big.NewInt(3)))
		want := []*big.Int{
			new(big.Int).Neg(tr.Total()), tr.ComputeAmount, tr.GatewayAmount,
			new(big.Int).Add(tr.TreasuryAmount, dust), share, share, share, new(big.Int),
		}
		for i := range watch {
			got := new(big.Int).Sub(after[i], before[i])
			if got.Cmp(want[i]) != 0 {
				t.Errorf("balance change of %s: got %s want %s", watch[i], got, want[i])
			}
		}
		st, err = env.C.Request(ctx, p.RequestID)
		mustOK(t, err)
		if st.Status != chain.StatusCompleted {
			t.Fatalf("status %s, want completed", st.Status)
		}
	})
}

var _ = errors.Is
