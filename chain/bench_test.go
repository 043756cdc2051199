package chain_test

import (
	"context"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/chain/chaintest"
)

// openPayments initiates n payments from the client, pipelined, and returns
// them with their settlements (3 completion signers).
func openPayments(tb testing.TB, env *chaintest.Env, n int) ([]chain.Payment, []chain.Settlement) {
	tb.Helper()
	ctx := context.Background()
	ps := make([]chain.Payment, n)
	pipeline(tb, n, func(i int) (*chain.Pending, error) {
		p := env.NewPayment(tb, 1_000_000+int64(i), 3600)
		env.SignPayment(tb, &p, env.Client.Addr, env.Quorum()...)
		ps[i] = p
		return env.Client.Escrow.SubmitInitiate(ctx, p)
	})
	ss := make([]chain.Settlement, n)
	for i, p := range ps {
		ss[i] = env.Settle(tb, p, common.BigToHash(big.NewInt(int64(i))), env.Quorum()...)
	}
	return ps, ss
}

// pipeline submits n transactions, then waits for all of them.
func pipeline(tb testing.TB, n int, submit func(i int) (*chain.Pending, error)) {
	tb.Helper()
	pending := make([]*chain.Pending, n)
	for i := range pending {
		pt, err := submit(i)
		if err != nil {
			tb.Fatal(err)
		}
		pending[i] = pt
	}
	for _, pt := range pending {
		if _, err := pt.Wait(context.Background()); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkGas reports the gas of each escrow operation (gas/op is per
// request): initiate with 3 Preprocessing signatures, complete with the
// compute signature and 3 Completion signatures, and batch complete at
// batch sizes 1, 10 and 100.
func BenchmarkGas(b *testing.B) {
	env := chaintest.Simulated(b)
	ctx := context.Background()
	if _, err := env.Client.Escrow.Approve(ctx, chain.Tokens(1_000_000)); err != nil {
		b.Fatal(err)
	}
	b.Run("initiate/3sigs", func(b *testing.B) {
		var gas uint64
		for i := 0; i < b.N; i++ {
			p := env.NewPayment(b, 1_000_000, 3600)
			env.SignPayment(b, &p, env.Client.Addr, env.Quorum()...)
			r, err := env.Client.Escrow.Initiate(ctx, p)
			if err != nil {
				b.Fatal(err)
			}
			gas += r.GasUsed
		}
		b.ReportMetric(float64(gas)/float64(b.N), "gas/op")
	})
	b.Run("complete/1+3sigs", func(b *testing.B) {
		b.StopTimer()
		_, ss := openPayments(b, env, b.N)
		b.StartTimer()
		var gas uint64
		for _, s := range ss {
			r, err := env.Gateway.Escrow.Complete(ctx, s)
			if err != nil {
				b.Fatal(err)
			}
			gas += r.GasUsed
		}
		b.ReportMetric(float64(gas)/float64(b.N), "gas/op")
	})
	for _, size := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("batch-complete/%d", size), func(b *testing.B) {
			var gas uint64
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				_, ss := openPayments(b, env, size)
				b.StartTimer()
				r, err := env.Gateway.Escrow.CompleteBatch(ctx, ss)
				if err != nil {
					b.Fatal(err)
				}
				gas += r.GasUsed
			}
			b.ReportMetric(float64(gas)/float64(b.N*size), "gas/op")
		})
	}
}

// BenchmarkSettlementThroughput reports settled requests per second on the
// embedded chain: completes pipelined one per transaction, and in batches
// of 100; and initiates pipelined, for comparison.
func BenchmarkSettlementThroughput(b *testing.B) {
	env := chaintest.Simulated(b)
	ctx := context.Background()
	if _, err := env.Client.Escrow.Approve(ctx, chain.Tokens(1_000_000)); err != nil {
		b.Fatal(err)
	}
	const n = 300
	b.Run("initiate/pipelined", func(b *testing.B) {
		var elapsed time.Duration
		for i := 0; i < b.N; i++ {
			start := time.Now()
			openPayments(b, env, n)
			elapsed += time.Since(start)
		}
		b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "req/s")
	})
	b.Run("complete/single", func(b *testing.B) {
		var elapsed time.Duration
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			_, ss := openPayments(b, env, n)
			b.StartTimer()
			start := time.Now()
			pipeline(b, len(ss), func(i int) (*chain.Pending, error) {
				return env.Gateway.Sender.Submit(ctx, chain.Call{To: &env.C.Payment, Data: completeData(ss[i])})
			})
			elapsed += time.Since(start)
		}
		b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "req/s")
	})
	b.Run("complete/batch-100", func(b *testing.B) {
		var elapsed time.Duration
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			_, ss := openPayments(b, env, n)
			b.StartTimer()
			start := time.Now()
			for j := 0; j < n; j += 100 {
				if _, err := env.Gateway.Escrow.CompleteBatch(ctx, ss[j:j+100]); err != nil {
					b.Fatal(err)
				}
			}
			elapsed += time.Since(start)
		}
		b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "req/s")
	})
}
