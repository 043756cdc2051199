package devchain

import (
	"bytes"
	"context"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ncn-network/ncn/chain"
)

func TestDemo(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var progress bytes.Buffer
	const requests = 2
	rep, err := Demo(ctx, DemoConfig{Requests: requests, Progress: &progress})
	if err != nil {
		t.Fatalf("Demo: %v\nprogress:\n%s", err, progress.String())
	}
	if err := rep.Check(); err != nil {
		t.Fatal(err)
	}
	if rep.Completed != requests || rep.Refunded != 1 || len(rep.Settled) != requests {
		t.Errorf("completed %d, refunded %d, settled %d; want %d, 1, %d", rep.Completed, rep.Refunded, len(rep.Settled), requests, requests)
	}

	// Each request moves 1 NCN: 80% to compute, 10% to the gateway, and
	// the rest between the validators and the treasury.
	milli := func(n int64) *big.Int { return new(big.Int).Mul(big.NewInt(n), big.NewInt(1e15)) }
	want := map[string]*big.Int{
		"client":  milli(-requests * 1000),
		"compute": milli(requests * 800),
		"gateway": milli(requests * 100),
		EscrowRow: new(big.Int),
	}
	validatorsAndTreasury := new(big.Int)
	for _, row := range rep.Rows {
		if w, ok := want[row.Name]; ok {
			if row.Delta().Cmp(w) != 0 {
				t.Errorf("%s delta = %s, want %s", row.Name, FormatTokens(row.Delta()), FormatTokens(w))
			}
			delete(want, row.Name)
			continue
		}
		validatorsAndTreasury.Add(validatorsAndTreasury, row.Delta())
	}
	if len(want) != 0 {
		t.Errorf("rows missing: %v", want)
	}
	if validatorsAndTreasury.Cmp(milli(requests*100)) != 0 {
		t.Errorf("validators and treasury got %s, want %s", FormatTokens(validatorsAndTreasury), FormatTokens(milli(requests*100)))
	}

	var table bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"conservation: ok", "2 completed, 1 refunded", "validator-5", "escrow"} {
		if !strings.Contains(table.String(), s) {
			t.Errorf("table lacks %q:\n%s", s, table.String())
		}
	}
	for _, s := range []string{"request 2/2 settled in", "refunded after expiry"} {
		if !strings.Contains(progress.String(), s) {
			t.Errorf("progress lacks %q:\n%s", s, progress.String())
		}
	}
}

func TestDemoReportCheck(t *testing.T) {
	tok := chain.Tokens
	ok := func() *DemoReport {
		return &DemoReport{
			Rows: []BalanceRow{
				{Name: "client", Before: tok(10), After: tok(9)},
				{Name: "compute", Before: tok(0), After: tok(1)},
				{Name: EscrowRow, Before: tok(0), After: tok(0)},
			},
			SupplyBefore: tok(100), SupplyAfter: tok(100),
			Requested: 1, Completed: 1, Refunded: 1,
		}
	}
	tests := []struct {
		name    string
		mutate  func(r *DemoReport)
		wantErr string
	}{
		{name: "conserved", mutate: func(*DemoReport) {}},
		{name: "supply changed", mutate: func(r *DemoReport) { r.SupplyAfter = tok(101) }, wantErr: "total supply changed"},
		{name: "tokens appear", mutate: func(r *DemoReport) { r.Rows[1].After = tok(2) }, wantErr: "deltas sum to"},
		{name: "left in escrow", mutate: func(r *DemoReport) {
			r.Rows[0].After = tok(8)
			r.Rows[2].After = tok(1)
		}, wantErr: "escrow contract holds"},
		{name: "escrow untracked", mutate: func(r *DemoReport) { r.Rows = r.Rows[:2] }, wantErr: "not tracked"},
		{name: "request not completed", mutate: func(r *DemoReport) { r.Completed = 0 }, wantErr: "0 of 1 requests completed"},
		{name: "not refunded", mutate: func(r *DemoReport) { r.Refunded = 0 }, wantErr: "refunded, want 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ok()
			tt.mutate(r)
			err := r.Check()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Check() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Check() = %v, want an error containing %q", err, tt.wantErr)
			}
			var table bytes.Buffer
			if err := r.WriteTable(&table); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(table.String(), "conservation: FAILED") {
				t.Errorf("table does not report the failure:\n%s", table.String())
			}
		})
	}
}

func TestFormatTokens(t *testing.T) {
	tests := []struct {
		name string
		wei  *big.Int
		want string
	}{
		{name: "nil", wei: nil, want: "-"},
		{name: "zero", wei: new(big.Int), want: "0"},
		{name: "whole", wei: chain.Tokens(1000), want: "1000"},
		{name: "fraction", wei: big.NewInt(8e17), want: "0.8"},
		{name: "one wei", wei: big.NewInt(1), want: "0.000000000000000001"},
		{name: "negative", wei: new(big.Int).Neg(big.NewInt(15e17)), want: "-1.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormatTokens(tt.wei); got != tt.want {
				t.Errorf("FormatTokens(%v) = %q, want %q", tt.wei, got, tt.want)
			}
		})
	}
}
