package chain_test

import (
	"context"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/chain/bindings/payment"
	"github.com/ncn-network/ncn/chain/bindings/registry"
	"github.com/ncn-network/ncn/chain/chaintest"
	"github.com/ncn-network/ncn/chain/internal/testbindings"
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
	t.Run("preprocessing rejections", func(t *testing.T) { preprocessingRejections(t, env) })
	t.Run("replay on another contract", func(t *testing.T) { replayOnAnotherContract(t, env) })
	t.Run("settlement rejections", func(t *testing.T) { settlementRejections(t, env) })
	t.Run("refunds", func(t *testing.T) { refundPaths(t, env) })
	t.Run("expiry boundary", func(t *testing.T) { expiryBoundary(t, env) })
	t.Run("batch and permit", func(t *testing.T) { batchAndPermit(t, env) })
	t.Run("validator registry", func(t *testing.T) { registryRules(t, env) })
	t.Run("reentrancy", func(t *testing.T) { reentrancy(t, env) })
	t.Run("supply conserved", func(t *testing.T) {
		s, err := env.C.TotalSupply(ctxT(t))
		mustOK(t, err)
		if s.Cmp(chain.Tokens(1_000_000_000)) != 0 {
			t.Fatalf("total supply %s", s)
		}
	})
}

var payABI = payment.NewInferencePayment()

// rawInitiate sends initiate straight to the contract, bypassing the
// escrow client's idempotency check, so the contract's own checks are hit.
func rawInitiate(ctx context.Context, from *chaintest.Account, to common.Address, p chain.Payment) error {
	req := payment.InferencePaymentRequestParams{RequestId: p.RequestID, SubnetId: p.SubnetID, ModelId: p.ModelID, ConfigHash: p.ConfigHash, ExpiresAt: p.ExpiresAt}
	tree := payment.InferencePaymentPaymentTree{
		ComputeNode: p.Tree.ComputeNode, ComputeAmount: p.Tree.ComputeAmount, Gateway: p.Tree.Gateway,
		GatewayAmount: p.Tree.GatewayAmount, ValidatorAmount: p.Tree.ValidatorAmount, TreasuryAmount: p.Tree.TreasuryAmount,
	}
	_, err := from.Sender.Send(ctx, chain.Call{To: &to, Data: payABI.PackInitiateInferenceRequest(req, tree, p.Signatures)})
	return err
}

func completeData(s chain.Settlement) []byte {
	return payABI.PackCompleteInferenceRequest(s.RequestID, s.ResultHash, s.ExecMillis, s.ComputeSig, s.ValidatorSigs)
}

func send(ctx context.Context, from *chaintest.Account, to common.Address, data []byte) error {
	_, err := from.Sender.Send(ctx, chain.Call{To: &to, Data: data})
	return err
}

// highS turns a valid signature into its malleable twin: s' = n - s, v flipped.
func highS(sig []byte) []byte {
	out := append([]byte(nil), sig...)
	n := crypto.S256().Params().N
	s := new(big.Int).SetBytes(out[32:64])
	copy(out[32:64], common.LeftPadBytes(new(big.Int).Sub(n, s).Bytes(), 32))
	out[64] ^= 1 // 27 <-> 28
	return out
}

func approve(t *testing.T, a *chaintest.Account, amount *big.Int) {
	t.Helper()
	_, err := a.Escrow.Approve(ctxT(t), amount)
	mustOK(t, err)
}

func status(t *testing.T, env *chaintest.Env, id common.Hash) chain.Status {
	t.Helper()
	st, err := env.C.Request(ctxT(t), id)
	mustOK(t, err)
	return st.Status
}

func preprocessingRejections(t *testing.T, env *chaintest.Env) {
	c := env.Client
	v := env.Validators
	cases := []struct {
		name  string
		build func(t *testing.T) chain.Payment
		want  string
	}{
		{"replay from another chain id", func(t *testing.T) chain.Payment {
			p := env.NewPayment(t, 1000, 600)
			other := chain.Domain{ChainID: big.NewInt(1), Contract: env.C.Payment}
			var sigs []chain.SignerSig
			for _, s := range env.Quorum() {
				sig, _ := chain.Sign(s.Key, other.Digest(p.Message(c.Addr).StructHash()))
				sigs = append(sigs, chain.SignerSig{Signer: s.Addr, Signature: sig})
			}
			p.Signatures = chain.OrderSignatures(sigs)
			return p
		}, "NotActiveValidator"},
		{"fewer than M signatures", func(t *testing.T) chain.Payment {
			p := env.NewPayment(t, 1000, 600)
			env.SignPayment(t, &p, c.Addr, v[0], v[1])
			return p
		}, "WrongSignatureCount"},
		{"more than N signatures", func(t *testing.T) chain.Payment {
			p := env.NewPayment(t, 1000, 600)
			env.SignPayment(t, &p, c.Addr, v[:6]...)
			return p
		}, "WrongSignatureCount"},
		{"duplicate signer counted twice", func(t *testing.T) chain.Payment {
			p := env.NewPayment(t, 1000, 600)
			env.SignPayment(t, &p, c.Addr, v[0], v[1])
			p.Signatures = append(p.Signatures, p.Signatures[1])
			return p
		}, "SignersNotAscending"},
		{"signers out of order", func(t *testing.T) chain.Payment {
			p := env.NewPayment(t, 1000, 600)
			env.SignPayment(t, &p, c.Addr, env.Quorum()...)
			p.Signatures[0], p.Signatures[2] = p.Signatures[2], p.Signatures[0]
			return p
		}, "SignersNotAscending"},
		{"high-s (malleable) signature", func(t *testing.T) chain.Payment {
			p := env.NewPayment(t, 1000, 600)
			env.SignPayment(t, &p, c.Addr, env.Quorum()...)
			p.Signatures[1] = highS(p.Signatures[1])
			return p
		}, "ECDSAInvalidSignatureS"},
		{"signer not registered", func(t *testing.T) chain.Payment {
			p := env.NewPayment(t, 1000, 600)
			stranger, _ := crypto.GenerateKey()
			env.SignPayment(t, &p, c.Addr, v[0], v[1], &chaintest.Account{Key: stranger, Addr: crypto.PubkeyToAddress(stranger.PublicKey)})
			return p
		}, "NotActiveValidator"},
		{"tree changed after signing (same total)", func(t *testing.T) chain.Payment {
			p := env.NewPayment(t, 1000, 600)
			env.SignPayment(t, &p, c.Addr, env.Quorum()...)
			p.Tree.ComputeAmount = new(big.Int).Add(p.Tree.ComputeAmount, big.NewInt(1))
			p.Tree.TreasuryAmount = new(big.Int).Sub(p.Tree.TreasuryAmount, big.NewInt(1))
			return p
		}, "NotActiveValidator"},
		{"signed for another client", func(t *testing.T) chain.Payment {
			p := env.NewPayment(t, 1000, 600)
			env.SignPayment(t, &p, env.Client2.Addr, env.Quorum()...)
			return p
		}, "NotActiveValidator"},
		{"expiry in the past", func(t *testing.T) chain.Payment {
			p := env.NewPayment(t, 1000, 0)
			p.ExpiresAt--
			env.SignPayment(t, &p, c.Addr, env.Quorum()...)
			return p
		}, "InvalidExpiry"},
		{"expiry beyond the max TTL", func(t *testing.T) chain.Payment {
			p := env.NewPayment(t, 1000, 48*3600)
			env.SignPayment(t, &p, c.Addr, env.Quorum()...)
			return p
		}, "InvalidExpiry"},
		{"zero amount", func(t *testing.T) chain.Payment {
			p := env.NewPayment(t, 0, 600)
			env.SignPayment(t, &p, c.Addr, env.Quorum()...)
			return p
		}, "ZeroAmount"},
		{"amount beyond uint96", func(t *testing.T) chain.Payment {
			p := env.NewPayment(t, 1000, 600)
			p.Tree.ComputeAmount = new(big.Int).Lsh(big.NewInt(1), 96)
			env.SignPayment(t, &p, c.Addr, env.Quorum()...)
			return p
		}, "AmountTooLarge"},
	}
	approve(t, c, chain.Tokens(1_000_000))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.build(t)
			wantRevert(t, rawInitiate(ctxT(t), c, env.C.Payment, p), tc.want)
			if got := status(t, env, p.RequestID); got != chain.StatusNone {
				t.Fatalf("rejected payment left status %s", got)
			}
		})
	}
}

func settlementRejections(t *testing.T, env *chaintest.Env) {
	ctx := ctxT(t)
	v := env.Validators
	p := paid(t, env, env.Client, env.NewPayment(t, 5000, 600))
	good := env.Settle(t, p, common.HexToHash("0x01"), env.Quorum()...)
	cases := []struct {
		name string
		from *chaintest.Account
		s    func() chain.Settlement
		want string
	}{
		{"completion by someone other than the gateway", env.Client, func() chain.Settlement { return good }, "NotGateway"},
		{"compute signature over another result", env.Gateway, func() chain.Settlement {
			s := good
			other := env.Settle(t, p, common.HexToHash("0x02"), env.Quorum()...)
			s.ComputeSig = other.ComputeSig
			return s
		}, "BadComputeSignature"},
		{"compute signature by a validator", env.Gateway, func() chain.Settlement {
			s := good
			cr := chain.ComputeResult{RequestID: p.RequestID, ResultHash: s.ResultHash, ComputeNode: env.Compute.Addr, ExecMillis: s.ExecMillis}
			s.ComputeSig, _ = chain.Sign(v[0].Key, env.Domain.Digest(cr.StructHash()))
			return s
		}, "BadComputeSignature"},
		{"fewer than M completion signatures", env.Gateway, func() chain.Settlement {
			return env.Settle(t, p, good.ResultHash, v[0], v[1])
		}, "WrongSignatureCount"},
		{"completion signatures over another result", env.Gateway, func() chain.Settlement {
			s := good
			s.ValidatorSigs = env.Settle(t, p, common.HexToHash("0x02"), env.Quorum()...).ValidatorSigs
			return s
		}, "NotActiveValidator"},
		{"duplicate completion signer", env.Gateway, func() chain.Settlement {
			s := env.Settle(t, p, good.ResultHash, v[0], v[1])
			s.ValidatorSigs = append(s.ValidatorSigs, s.ValidatorSigs[0])
			return s
		}, "SignersNotAscending"},
		{"high-s completion signature", env.Gateway, func() chain.Settlement {
			s := env.Settle(t, p, good.ResultHash, env.Quorum()...)
			s.ValidatorSigs[0] = highS(s.ValidatorSigs[0])
			return s
		}, "ECDSAInvalidSignatureS"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantRevert(t, send(ctx, tc.from, env.C.Payment, completeData(tc.s())), tc.want)
		})
	}
	t.Run("refund before expiry", func(t *testing.T) {
		wantRevert(t, send(ctx, env.Client, env.C.Payment, payABI.PackHandleExpiredRequest(p.RequestID)), "RequestNotExpired")
	})
	t.Run("mark failed by a stranger", func(t *testing.T) {
		wantRevert(t, send(ctx, env.Client, env.C.Payment, payABI.PackMarkRequestFailed(p.RequestID)), "NotGatewayOrOwner")
	})
	if got := status(t, env, p.RequestID); got != chain.StatusPending {
		t.Fatalf("after rejected settlements: status %s, want pending", got)
	}
	t.Run("double complete", func(t *testing.T) {
		_, err := env.Gateway.Escrow.Complete(ctx, good)
		mustOK(t, err)
		r, err := env.Gateway.Escrow.Complete(ctx, good) // the client is idempotent...
		if err != nil || r != nil {
			t.Fatalf("second Complete: receipt %v err %v, want nothing sent", r, err)
		}
		// ...and the contract refuses.
		wantRevert(t, send(ctx, env.Gateway, env.C.Payment, completeData(good)), "RequestNotPending")
		wantRevert(t, send(ctx, env.Gateway, env.C.Payment, payABI.PackMarkRequestFailed(p.RequestID)), "RequestNotPending")
		wantRevert(t, rawInitiate(ctx, env.Client, env.C.Payment, p), "RequestExists")
	})
}

func refundPaths(t *testing.T, env *chaintest.Env) {
	ctx := ctxT(t)
	t.Run("refund of an expired request, once", func(t *testing.T) {
		p := paid(t, env, env.Client, env.NewPayment(t, 7777, 20))
		before := balances(t, env, env.Client.Addr)[0]
		env.AdvanceTo(t, p.ExpiresAt)
		wantRevert(t, send(ctx, env.Gateway, env.C.Payment, completeData(env.Settle(t, p, common.HexToHash("0x03"), env.Quorum()...))), "RequestExpired")
		_, err := env.Client2.Escrow.RefundExpired(ctx, p.RequestID) // anyone may
		mustOK(t, err)
		if got := new(big.Int).Sub(balances(t, env, env.Client.Addr)[0], before); got.Cmp(big.NewInt(7777)) != 0 {
			t.Fatalf("refunded %s, want 7777", got)
		}
		wantRevert(t, send(ctx, env.Client2, env.C.Payment, payABI.PackHandleExpiredRequest(p.RequestID)), "RequestNotPending")
		_, err = env.Gateway.Escrow.Complete(ctx, env.Settle(t, p, common.HexToHash("0x03"), env.Quorum()...))
		if !errors.Is(err, chain.ErrNotPending) {
			t.Fatalf("complete after refund: %v, want ErrNotPending", err)
		}
		wantRevert(t, send(ctx, env.Gateway, env.C.Payment, completeData(env.Settle(t, p, common.HexToHash("0x03"), env.Quorum()...))), "RequestNotPending")
		if got := status(t, env, p.RequestID); got != chain.StatusExpired {
			t.Fatalf("status %s, want expired", got)
		}
	})
	t.Run("mark failed by the gateway and by the owner", func(t *testing.T) {
		for _, who := range []*chaintest.Account{env.Gateway, env.Owner} {
			p := paid(t, env, env.Client, env.NewPayment(t, 100, 600))
			_, err := who.Escrow.MarkFailed(ctx, p.RequestID)
			mustOK(t, err)
			if got := status(t, env, p.RequestID); got != chain.StatusFailed {
				t.Fatalf("status %s, want failed", got)
			}
			wantRevert(t, send(ctx, env.Client, env.C.Payment, payABI.PackHandleExpiredRequest(p.RequestID)), "RequestNotPending")
		}
	})
}

// expiryBoundary checks expiry-1, expiry and expiry+1: exactly one of
// complete and refund succeeds at each, and the real transaction of the
// one that should lands at that exact block time.
func expiryBoundary(t *testing.T, env *chaintest.Env) {
	for _, off := range []int64{-1, 0, 1} {
		t.Run(map[int64]string{-1: "expiry-1", 0: "expiry", 1: "expiry+1"}[off], func(t *testing.T) {
			// geth's dev miner now and then seals an extra empty block, which
			// moves the clock past the boundary under test: then try again
			// with a new request (the embedded chain never needs to).
			for attempt := 1; attempt <= 3; attempt++ {
				if boundaryAttempt(t, env, off) {
					return
				}
				t.Logf("attempt %d: the dev miner sealed an extra block at the boundary; again with a new request", attempt)
			}
			t.Fatal("could not place a transaction at the boundary in three attempts")
		})
	}
}

// boundaryAttempt reports false when the chain's clock moved under it.
func boundaryAttempt(t *testing.T, env *chaintest.Env, off int64) bool {
	ctx := ctxT(t)
	p := paid(t, env, env.Client, env.NewPayment(t, 900, 30))
	at := uint64(int64(p.ExpiresAt) + off)
	if env.AdvanceTo(t, at-1) != at-1 {
		return false
	}
	s := env.Settle(t, p, common.HexToHash("0x04"), env.Quorum()...)
	errComplete := env.CallAt(ctx, env.Gateway.Addr, env.C.Payment, completeData(s), at)
	errRefund := env.CallAt(ctx, env.Client2.Addr, env.C.Payment, payABI.PackHandleExpiredRequest(p.RequestID), at)
	if off < 0 {
		mustOK(t, errComplete)
		wantRevert(t, errRefund, "RequestNotExpired")
	} else {
		wantRevert(t, errComplete, "RequestExpired")
		mustOK(t, errRefund)
	}
	// Now for real: explicit gas skips estimation, which runs at the head's
	// time, one second early.
	from, data, want := env.Gateway, completeData(s), chain.StatusCompleted
	if off >= 0 {
		from, data, want = env.Client2, payABI.PackHandleExpiredRequest(p.RequestID), chain.StatusExpired
	}
	r, err := from.Sender.Send(ctx, chain.Call{To: &env.C.Payment, Data: data, Gas: 500_000})
	if r == nil {
		t.Fatal(err)
	}
	h, herr := env.Backend.HeaderByNumber(ctx, r.BlockNumber)
	mustOK(t, herr)
	if h.Time != at {
		if env.Embedded != nil {
			t.Fatalf("transaction landed at %d, want %d", h.Time, at)
		}
		return false
	}
	mustOK(t, err)
	if got := status(t, env, p.RequestID); got != want {
		t.Fatalf("status %s, want %s", got, want)
	}
	return true
}

func replayOnAnotherContract(t *testing.T, env *chaintest.Env) {
	ctx := ctxT(t)
	// A second payment contract over the same registry: the validators are
	// active there too, so only the signing domain differs.
	r, err := env.Owner.Sender.Send(ctx, chain.Call{Data: append(common.FromHex(payment.InferencePaymentMetaData.Bin),
		payABI.PackConstructor(env.C.Token, env.C.Registry, env.Treasury.Addr, 3, 5, 86400, env.Owner.Addr)...)})
	mustOK(t, err)
	other := r.ContractAddress
	p := env.NewPayment(t, 1000, 600)
	env.SignPayment(t, &p, env.Client.Addr, env.Quorum()...)
	mustOK(t, send(ctx, env.Client, env.C.Token, tokenApprove(other, p.Tree.Total())))
	wantRevert(t, rawInitiate(ctx, env.Client, other, p), "NotActiveValidator")
	// The same signatures are good on the contract they were made for.
	approve(t, env.Client, p.Tree.Total())
	mustOK(t, rawInitiate(ctx, env.Client, env.C.Payment, p))
	t.Run("second use of the request id", func(t *testing.T) {
		approve(t, env.Client, p.Tree.Total())
		wantRevert(t, rawInitiate(ctx, env.Client, env.C.Payment, p), "RequestExists")
		// The escrow client sees it is already paid and sends nothing.
		r, err := env.Client.Escrow.Initiate(ctx, p)
		if err != nil || r != nil {
			t.Fatalf("idempotent initiate: receipt %v err %v", r, err)
		}
		// Another client reusing the id is a conflict.
		q := p
		env.SignPayment(t, &q, env.Client2.Addr, env.Quorum()...)
		if _, err := env.Client2.Escrow.Initiate(ctx, q); !errors.Is(err, chain.ErrConflict) {
			t.Fatalf("initiate by another client: %v, want ErrConflict", err)
		}
	})
}

func tokenApprove(spender common.Address, amount *big.Int) []byte {
	return tokenABI.PackApprove(spender, amount)
}

func batchAndPermit(t *testing.T, env *chaintest.Env) {
	ctx := ctxT(t)
	t.Run("batch complete pays every tree", func(t *testing.T) {
		v := env.Validators
		watch := []common.Address{env.Compute.Addr, env.Gateway.Addr, env.Treasury.Addr, v[0].Addr, v[1].Addr, v[2].Addr, v[3].Addr, env.C.Payment}
		before := balances(t, env, watch...)
		var batch []chain.Settlement
		want := make([]*big.Int, len(watch))
		for i := range want {
			want[i] = new(big.Int)
		}
		for i := 0; i < 4; i++ {
			p := paid(t, env, env.Client, env.NewPayment(t, int64(10_001+i), 600))
			signers := env.Quorum()
			if i%2 == 1 {
				signers = []*chaintest.Account{v[0], v[1], v[2], v[3]}
			}
			batch = append(batch, env.Settle(t, p, common.BigToHash(big.NewInt(int64(i))), signers...))
			k := big.NewInt(int64(len(signers)))
			share := new(big.Int).Div(p.Tree.ValidatorAmount, k)
			dust := new(big.Int).Sub(p.Tree.ValidatorAmount, new(big.Int).Mul(share, k))
			want[0].Add(want[0], p.Tree.ComputeAmount)
			want[1].Add(want[1], p.Tree.GatewayAmount)
			want[2].Add(want[2], new(big.Int).Add(p.Tree.TreasuryAmount, dust))
			for j := range signers {
				want[3+j].Add(want[3+j], share)
			}
		}
		// The first one settles alone; the batch client leaves it out.
		_, err := env.Gateway.Escrow.Complete(ctx, batch[0])
		mustOK(t, err)
		_, err = env.Gateway.Escrow.CompleteBatch(ctx, batch)
		mustOK(t, err)
		after := balances(t, env, watch...)
		for i := range watch {
			if got := new(big.Int).Sub(after[i], before[i]); got.Cmp(want[i]) != 0 {
				t.Errorf("balance change of %s: got %s want %s", watch[i], got, want[i])
			}
		}
		wantRevert(t, send(ctx, env.Gateway, env.C.Payment, payABI.PackCompleteInferenceRequests(nil)), "EmptyBatch")
	})
	t.Run("initiate with permit", func(t *testing.T) {
		p := env.NewPayment(t, 4242, 600)
		env.SignPayment(t, &p, env.Client2.Addr, env.Quorum()...)
		_, err := env.Client2.Escrow.InitiateWithPermit(ctx, p, env.HeadTime(t)+600)
		mustOK(t, err)
		if got := status(t, env, p.RequestID); got != chain.StatusPending {
			t.Fatalf("status %s", got)
		}
	})
	t.Run("only the owner sets the quorum", func(t *testing.T) {
		wantRevert(t, send(ctx, env.Client, env.C.Payment, payABI.PackSetQuorum(1, 1)), "OwnableUnauthorizedAccount")
		wantRevert(t, send(ctx, env.Owner, env.C.Payment, payABI.PackSetQuorum(4, 3)), "InvalidQuorum")
	})
}

var (
	regABI   = registry.NewValidatorRegistry()
	tokenABI = testbindings.NewReentrantToken() // ERC20 surface, same selectors as NCNToken
)

func registryRules(t *testing.T, env *chaintest.Env) {
	ctx := ctxT(t)
	v5, v6 := env.Validators[5], env.Validators[6]
	t.Run("penalties of the validation design", func(t *testing.T) {
		want := map[chain.Offense]int64{
			chain.OffenseInvalidSignature: 5000, chain.OffenseCollusion: 10000, chain.OffenseApprovingInvalidResult: 3000,
			chain.OffenseProlongedDowntime: 1000, chain.OffenseFrontRunning: 5000, chain.OffenseEquivocation: 10000,
		}
		for off, bps := range want {
			out, err := env.Backend.CallContract(ctx, ethereum.CallMsg{To: &env.C.Registry, Data: regABI.PackPenaltyBps(uint8(off))}, nil)
			mustOK(t, err)
			got, err := regABI.UnpackPenaltyBps(out)
			mustOK(t, err)
			if got.Int64() != bps {
				t.Errorf("offense %d: %s bps, want %d", off, got, bps)
			}
		}
	})
	t.Run("slash moves stake to the treasury and deactivates", func(t *testing.T) {
		wantRevert(t, send(ctx, env.Client, env.C.Registry, regABI.PackSlash(v5.Addr, uint8(chain.OffenseCollusion))), "OwnableUnauthorizedAccount")
		before := balances(t, env, env.Treasury.Addr)[0]
		_, err := env.Owner.Validators.Slash(ctx, v5.Addr, chain.OffenseProlongedDowntime)
		mustOK(t, err)
		if got := new(big.Int).Sub(balances(t, env, env.Treasury.Addr)[0], before); got.Cmp(chain.Tokens(100)) != 0 {
			t.Fatalf("treasury got %s, want 100 tokens", got)
		}
		info, err := env.C.Validator(ctx, v5.Addr)
		mustOK(t, err)
		if !info.Jailed || info.Stake.Cmp(chain.Tokens(900)) != 0 {
			t.Fatalf("after slash: %+v", info)
		}
	})
	t.Run("unstake: inactive at once, withdraw after the delay, slashable meanwhile", func(t *testing.T) {
		_, err := v6.Validators.RequestUnstake(ctx, chain.Tokens(1000))
		mustOK(t, err)
		if ok, _ := env.C.IsActiveValidator(ctx, v6.Addr); ok {
			t.Fatal("unstaking validator still active")
		}
		wantRevert(t, send(ctx, v6, env.C.Registry, regABI.PackWithdraw()), "UnstakeLocked")
		_, err = env.Owner.Validators.Slash(ctx, v6.Addr, chain.OffenseInvalidSignature)
		mustOK(t, err)
		info, err := env.C.Validator(ctx, v6.Addr)
		mustOK(t, err)
		env.AdvanceTo(t, info.UnstakeAvailableAt)
		before := balances(t, env, v6.Addr)[0]
		_, err = v6.Validators.Withdraw(ctx)
		mustOK(t, err)
		if got := new(big.Int).Sub(balances(t, env, v6.Addr)[0], before); got.Cmp(chain.Tokens(500)) != 0 {
			t.Fatalf("withdrew %s, want 500 tokens (half slashed)", got)
		}
		wantRevert(t, send(ctx, v6, env.C.Registry, regABI.PackWithdraw()), "NothingToWithdraw")
	})
	t.Run("slashed and unstaked validators cannot sign", func(t *testing.T) {
		approve(t, env.Client, chain.Tokens(1))
		for _, bad := range []*chaintest.Account{v5, v6} {
			p := env.NewPayment(t, 1000, 600)
			env.SignPayment(t, &p, env.Client.Addr, env.Validators[0], env.Validators[1], bad)
			wantRevert(t, rawInitiate(ctx, env.Client, env.C.Payment, p), "NotActiveValidator")
		}
	})
	t.Run("equivocation is slashed by anyone with proof, once", func(t *testing.T) {
		id := chaintest.RandomID()
		sign := func(who *chaintest.Account, result common.Hash) chain.SignedCompletion {
			m := chain.Completion{RequestID: id, ResultHash: result, ComputeNode: env.Compute.Addr, ExecMillis: 7}
			sig, err := chain.Sign(who.Key, env.Domain.Digest(m.StructHash()))
			mustOK(t, err)
			return chain.SignedCompletion{Message: m, Signature: sig}
		}
		a, b := sign(v5, common.HexToHash("0xaa")), sign(v5, common.HexToHash("0xbb"))
		wantRevert(t, sendErr(env.Client2.Validators.SlashForEquivocation(ctx, v5.Addr, a, a)), "NotEquivocation")
		wantRevert(t, sendErr(env.Client2.Validators.SlashForEquivocation(ctx, v5.Addr, a, sign(v6, common.HexToHash("0xbb")))), "WrongSigner")
		before := balances(t, env, env.Treasury.Addr)[0]
		_, err := env.Client2.Validators.SlashForEquivocation(ctx, v5.Addr, a, b)
		mustOK(t, err)
		if got := new(big.Int).Sub(balances(t, env, env.Treasury.Addr)[0], before); got.Cmp(chain.Tokens(900)) != 0 {
			t.Fatalf("treasury got %s, want the whole 900 tokens", got)
		}
		wantRevert(t, sendErr(env.Client2.Validators.SlashForEquivocation(ctx, v5.Addr, b, a)), "EvidenceAlreadyUsed")
	})
}

func sendErr[T any](_ T, err error) error { return err }

// reentrancy attacks complete and refund through a hostile token that calls
// back into the payment contract while being paid out.
func reentrancy(t *testing.T, env *chaintest.Env) {
	ctx := ctxT(t)
	owner := env.Owner
	deploy := func(bin string, args []byte) common.Address {
		r, err := owner.Sender.Send(ctx, chain.Call{Data: append(common.FromHex(bin), args...)})
		mustOK(t, err)
		return r.ContractAddress
	}
	tok := deploy(testbindings.ReentrantTokenMetaData.Bin, tokenABI.PackConstructor(owner.Addr, chain.Tokens(1_000_000)))
	reg := deploy(registry.ValidatorRegistryMetaData.Bin, regABI.PackConstructor(tok, env.Treasury.Addr, chain.Tokens(1000), 60, owner.Addr))
	pay := deploy(payment.InferencePaymentMetaData.Bin, payABI.PackConstructor(tok, reg, env.Treasury.Addr, 3, 5, 86400, owner.Addr))
	mustOK(t, send(ctx, owner, reg, regABI.PackSetPaymentContract(pay)))
	for _, v := range env.Quorum() {
		mustOK(t, send(ctx, owner, tok, tokenABI.PackTransfer(v.Addr, chain.Tokens(1000))))
		mustOK(t, send(ctx, v, tok, tokenABI.PackApprove(reg, chain.Tokens(1000))))
		mustOK(t, send(ctx, v, reg, regABI.PackRegisterValidator(chain.Tokens(1000))))
	}
	mustOK(t, send(ctx, owner, tok, tokenABI.PackTransfer(env.Client.Addr, chain.Tokens(1000))))
	mustOK(t, send(ctx, env.Client, tok, tokenABI.PackApprove(pay, chain.Tokens(1000))))
	dom := chain.Domain{ChainID: env.Domain.ChainID, Contract: pay}
	sign := func(h common.Hash, signers ...*chaintest.Account) [][]byte {
		var sigs []chain.SignerSig
		for _, s := range signers {
			sig, err := chain.Sign(s.Key, dom.Digest(h))
			mustOK(t, err)
			sigs = append(sigs, chain.SignerSig{Signer: s.Addr, Signature: sig})
		}
		return chain.OrderSignatures(sigs)
	}
	newPaid := func(ttl uint64) chain.Payment {
		p := env.NewPayment(t, 1_000_000, ttl)
		p.Signatures = sign(p.Message(env.Client.Addr).StructHash(), env.Quorum()...)
		mustOK(t, rawInitiate(ctx, env.Client, pay, p))
		return p
	}
	read := func(data []byte) []byte {
		out, err := env.Backend.CallContract(ctx, ethereum.CallMsg{To: &tok, Data: data}, nil)
		mustOK(t, err)
		return out
	}
	balance := func(a common.Address) *big.Int {
		b, err := tokenABI.UnpackBalanceOf(read(tokenABI.PackBalanceOf(a)))
		mustOK(t, err)
		return b
	}
	checkBlocked := func(t *testing.T, attempts uint64) {
		n, _ := tokenABI.UnpackAttempts(read(tokenABI.PackAttempts()))
		ok, _ := tokenABI.UnpackReentrySucceeded(read(tokenABI.PackReentrySucceeded()))
		data, _ := tokenABI.UnpackReentryRevertData(read(tokenABI.PackReentryRevertData()))
		if n.Uint64() != attempts || ok {
			t.Fatalf("reentry attempts %s succeeded %v", n, ok)
		}
		if !chain.IsRevert(chain.DecodeRevert(revertData(data)), "ReentrancyGuardReentrantCall") {
			t.Fatalf("reentry failed with %x, want ReentrancyGuardReentrantCall", data)
		}
	}

	t.Run("on complete", func(t *testing.T) {
		p := newPaid(600)
		cr := chain.ComputeResult{RequestID: p.RequestID, ResultHash: common.HexToHash("0x11"), ComputeNode: env.Compute.Addr, ExecMillis: 5}
		computeSig, err := chain.Sign(env.Compute.Key, dom.Digest(cr.StructHash()))
		mustOK(t, err)
		s := chain.Settlement{RequestID: p.RequestID, ResultHash: cr.ResultHash, ExecMillis: 5, ComputeSig: computeSig,
			ValidatorSigs: sign(chain.Completion(cr).StructHash(), env.Quorum()...)}
		mustOK(t, send(ctx, owner, tok, tokenABI.PackArm(pay, completeData(s))))
		before := balance(env.Compute.Addr)
		mustOK(t, send(ctx, env.Gateway, pay, completeData(s)))
		checkBlocked(t, 1)
		if got := new(big.Int).Sub(balance(env.Compute.Addr), before); got.Cmp(p.Tree.ComputeAmount) != 0 {
			t.Fatalf("compute paid %s, want %s once", got, p.Tree.ComputeAmount)
		}
		if b := balance(pay); b.Sign() != 0 {
			t.Fatalf("escrow holds %s after settlement", b)
		}
	})
	t.Run("on refund", func(t *testing.T) {
		p := newPaid(20)
		mustOK(t, send(ctx, owner, tok, tokenABI.PackArm(pay, payABI.PackHandleExpiredRequest(p.RequestID))))
		env.AdvanceTo(t, p.ExpiresAt)
		before := balance(env.Client.Addr)
		mustOK(t, send(ctx, env.Client2, pay, payABI.PackHandleExpiredRequest(p.RequestID)))
		checkBlocked(t, 2)
		if got := new(big.Int).Sub(balance(env.Client.Addr), before); got.Cmp(p.Tree.Total()) != 0 {
			t.Fatalf("refunded %s, want %s once", got, p.Tree.Total())
		}
	})
}

// revertData wraps raw revert bytes as a node error would carry them.
type revertData []byte

func (r revertData) Error() string          { return "execution reverted" }
func (r revertData) ErrorData() interface{} { return "0x" + common.Bytes2Hex(r) }
