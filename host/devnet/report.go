package devnet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/ncn-network/ncn/gpu/worker"
	"github.com/ncn-network/ncn/host/client"
	"github.com/ncn-network/ncn/host/devchain"
)

// Report is what paid requests through a devnet did.
type Report struct {
	Rows                      []devchain.BalanceRow // client, compute nodes, gateway, treasury, validators, escrow
	SupplyBefore, SupplyAfter *big.Int
	Requested                 int
	Completed, Refunded       int // paid requests that ended settled, refunded
	Unpaid                    int // requests that ended before payment (no money moved)
	Open                      int // paid requests neither settled nor refunded when the report was taken
	Errors                    []string
	Latencies                 []time.Duration   // end to end, of settled requests
	Settled                   []*client.Outcome // in the order they settled
	Stages                    map[string][]time.Duration
	Elapsed                   time.Duration // the whole run, for throughput
}

// Check is the conservation check: the total supply unchanged, the
// tracked balances' deltas summing to zero, the escrow holding exactly
// what open requests paid (nothing once all have ended), and every
// request accounted for.
func (r *Report) Check() error {
	var errs []error
	if r.SupplyBefore == nil || r.SupplyAfter == nil || r.SupplyBefore.Cmp(r.SupplyAfter) != 0 {
		errs = append(errs, fmt.Errorf("total supply changed: %v -> %v", r.SupplyBefore, r.SupplyAfter))
	}
	sum := new(big.Int)
	for _, row := range r.Rows {
		sum.Add(sum, row.Delta())
		if row.Name == devchain.EscrowRow && r.Open == 0 && row.Delta().Sign() != 0 {
			errs = append(errs, fmt.Errorf("escrow holds %s wei more than before, with no request open", row.Delta()))
		}
	}
	if sum.Sign() != 0 {
		errs = append(errs, fmt.Errorf("balance deltas sum to %s wei, want 0: wei unaccounted for", sum))
	}
	if n := r.Completed + r.Refunded + r.Unpaid + r.Open; n != r.Requested {
		errs = append(errs, fmt.Errorf("%d requests accounted for of %d", n, r.Requested))
	}
	if r.Open > 0 {
		errs = append(errs, fmt.Errorf("%d paid requests neither settled nor refunded", r.Open))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("conservation check failed: %w", err)
	}
	return nil
}

// Delta is how the balance of the tracked account name ("client",
// "compute-1", "escrow", ...) changed; nil if it is not tracked.
func (r *Report) Delta(name string) *big.Int {
	for _, row := range r.Rows {
		if row.Name == name {
			return row.Delta()
		}
	}
	return nil
}

// WriteTable prints the settlement table and the verdict.
func (r *Report) WriteTable(w io.Writer) error {
	if err := devchain.WriteBalances(w, r.Rows, r.SupplyBefore, r.SupplyAfter); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nrequests: %d paid and settled, %d refunded, %d ended before payment, %d open (of %d)\n",
		r.Completed, r.Refunded, r.Unpaid, r.Open, r.Requested)
	if len(r.Latencies) > 0 {
		fmt.Fprintf(w, "end to end: p50 %s, p99 %s", pct(r.Latencies, 50), pct(r.Latencies, 99))
		if r.Elapsed > 0 {
			fmt.Fprintf(w, "; %.1f settled requests/s", float64(r.Completed)/r.Elapsed.Seconds())
		}
		for _, st := range []string{"quote", "submit", "pay", "result"} {
			if ds := r.Stages[st]; len(ds) > 0 {
				fmt.Fprintf(w, "; %s p50 %s", st, pct(ds, 50))
			}
		}
		fmt.Fprintln(w)
	}
	for _, e := range r.Errors {
		fmt.Fprintf(w, "  %s\n", e)
	}
	if err := r.Check(); err != nil {
		_, werr := fmt.Fprintf(w, "conservation: FAILED: %v\n", err)
		return werr
	}
	_, err := fmt.Fprintln(w, "conservation: ok (total supply unchanged, deltas sum to 0, escrow holds nothing for ended requests)")
	return err
}

func pct(ds []time.Duration, p int) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)].Round(time.Millisecond)
}

// Pay runs count paid requests through the devnet's gateway from the dev
// client account, concurrency at a time, cycling through the models' own
// sample inputs, and reports what moved.
func (n *Net) Pay(ctx context.Context, count, concurrency int) (*Report, error) {
	reqs, err := n.SampleRequests()
	if err != nil {
		return nil, err
	}
	return n.PayRequests(ctx, reqs, count, concurrency)
}

// PayRequests is Pay with the requests to send, in turn.
func (n *Net) PayRequests(ctx context.Context, reqs []client.Request, count, concurrency int) (*Report, error) {
	concurrency = max(1, min(concurrency, count))
	contracts, err := n.DialChain(ctx)
	if err != nil {
		return nil, err
	}
	defer contracts.Backend().Close()
	escrow, err := n.Escrow(ctx, contracts, "client")
	if err != nil {
		return nil, err
	}
	conn, err := grpc.NewClient(n.GatewayAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	c := client.New(conn, escrow)
	books, err := n.OpenBooks(ctx, contracts)
	if err != nil {
		return nil, err
	}
	if concurrency > 1 {
		// Permits from one account are ordered by its token nonce: a
		// standing allowance lets payments go in parallel.
		if _, err := escrow.Approve(ctx, new(big.Int).Lsh(big.NewInt(1), 200)); err != nil {
			return nil, fmt.Errorf("approve: %w", err)
		}
		c.Approved = true
	}
	r := &Report{Requested: count, Stages: map[string][]time.Duration{}}
	start := time.Now()
	var mu sync.Mutex
	next := 0
	var wg sync.WaitGroup
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= count {
					return
				}
				req := reqs[i%len(reqs)]
				out, err := c.Infer(ctx, req, nil)
				mu.Lock()
				r.record(i, req.Model, out, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	r.Elapsed = time.Since(start)
	if concurrency > 1 {
		if _, err := escrow.Approve(ctx, new(big.Int)); err != nil {
			return nil, fmt.Errorf("approve: %w", err)
		}
	}
	after, err := books.Close(ctx)
	if err != nil {
		return nil, err
	}
	r.Rows, r.SupplyBefore, r.SupplyAfter = after.Rows, after.SupplyBefore, after.SupplyAfter
	return r, nil
}

// record counts how one request ended.
func (r *Report) record(i int, model string, out *client.Outcome, err error) {
	paid := out != nil && out.Payment.RequestID != (common.Hash{})
	switch {
	case err == nil:
		r.Completed++
		r.Settled = append(r.Settled, out)
		r.Latencies = append(r.Latencies, out.Stages["total"])
		for k, d := range out.Stages {
			r.Stages[k] = append(r.Stages[k], d)
		}
	case paid && out.Status != nil && client.StateName(out.Status.State) == "refunded":
		r.Refunded++
		r.Errors = append(r.Errors, fmt.Sprintf("request %d (%s) refunded: %v", i+1, model, err))
	case paid:
		r.Open++
		r.Errors = append(r.Errors, fmt.Sprintf("request %d (%s) paid, not ended: %v", i+1, model, err))
	default:
		r.Unpaid++
		r.Errors = append(r.Errors, fmt.Sprintf("request %d (%s) failed before payment: %v", i+1, model, err))
	}
}

// trackedRows are the accounts a paid request can move tokens between.
func (n *Net) trackedRows() []devchain.BalanceRow {
	var rows []devchain.BalanceRow
	add := func(name string, a common.Address) { rows = append(rows, devchain.BalanceRow{Name: name, Addr: a}) }
	for _, role := range []string{"client", "gateway", "treasury"} {
		if a, ok := n.Manifest.Account(role); ok {
			add(role, a.Address)
		}
	}
	for i, c := range n.Computes {
		add(fmt.Sprintf("compute-%d", i+1), common.HexToAddress(c.Out["address"]))
	}
	for _, a := range n.Manifest.Accounts {
		if len(a.Role) > 10 && a.Role[:10] == "validator-" {
			add(a.Role, a.Address)
		}
	}
	add(devchain.EscrowRow, n.Manifest.Contracts.Payment)
	return rows
}

// SampleRequests are one request per model of the subnet, from each
// bundle's first sample.
func (n *Net) SampleRequests() ([]client.Request, error) {
	var out []client.Request
	for _, dir := range n.cfg.Models {
		b, err := worker.LoadBundle(dir)
		if err != nil {
			return nil, err
		}
		m := b.Manifest
		if len(m.Samples) == 0 {
			continue
		}
		s := m.Samples[0]
		input := []byte(s.Input)
		var text string
		if strings.HasPrefix(m.Input.ContentType, "text/plain") && unquote(s.Input, &text) {
			input = []byte(text)
		}
		out = append(out, client.Request{Subnet: n.Subnet, Model: m.Name, Input: input, Params: s.Params})
	}
	if len(out) == 0 {
		return nil, errors.New("devnet: no model has a sample input to send")
	}
	return out, nil
}

// unquote decodes a JSON string.
func unquote(raw json.RawMessage, s *string) bool { return json.Unmarshal(raw, s) == nil }
