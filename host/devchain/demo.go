package devchain

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/ncn-network/ncn/chain"
)

// Demo parameters: every request pays DemoAmountTokens, expires DemoTTL
// seconds after the head block; the refunded one expires after DemoShortTTL.
const (
	DemoAmountTokens = 1
	DemoTTL          = 600
	DemoShortTTL     = 30
	demoExecMillis   = 42
)

// DemoConfig configures Demo. The zero value runs one request.
type DemoConfig struct {
	// Requests to pay for and settle (default 1); one more is paid and
	// refunded after it expires.
	Requests int
	// Validators to stake (0 means DefaultValidators; at least the quorum).
	Validators int
	// Logger receives the chain's logs; nil discards them.
	Logger *slog.Logger
	// Progress receives one line per step; nil discards them.
	Progress io.Writer
}

// Validate checks the configuration.
func (c DemoConfig) Validate() error {
	if c.Requests < 0 {
		return fmt.Errorf("requests: %d is negative", c.Requests)
	}
	return Config{Validators: c.Validators}.Validate()
}

// EscrowRow is the name of the payment contract's row in a DemoReport.
const EscrowRow = "escrow"

// BalanceRow is one tracked account's token balance before and after.
type BalanceRow struct {
	Name          string
	Addr          common.Address
	Before, After *big.Int
}

// Delta is After - Before.
func (r BalanceRow) Delta() *big.Int { return new(big.Int).Sub(r.After, r.Before) }

// DemoReport is what a demo run did to the chain.
type DemoReport struct {
	// Rows are the client, compute, gateway, treasury, each validator and
	// the escrow (payment) contract (named EscrowRow); together they hold every token a
	// request can move.
	Rows []BalanceRow
	// SupplyBefore and SupplyAfter are the token's total supply.
	SupplyBefore, SupplyAfter *big.Int
	// Requested is how many requests were to be settled; Completed and
	// Refunded count the requests the contract reports in those states.
	Requested, Completed, Refunded int
	// Settled is each settled request's time from approve to settlement.
	Settled []time.Duration
}

// Check is the conservation check: total supply unchanged, the tracked
// balances' deltas sum to zero, nothing left in escrow, and every request
// completed and the expiring one refunded.
func (r *DemoReport) Check() error {
	var errs []error
	if r.SupplyBefore == nil || r.SupplyAfter == nil || r.SupplyBefore.Cmp(r.SupplyAfter) != 0 {
		errs = append(errs, fmt.Errorf("total supply changed: %v -> %v", r.SupplyBefore, r.SupplyAfter))
	}
	sum := new(big.Int)
	for _, row := range r.Rows {
		sum.Add(sum, row.Delta())
	}
	if sum.Sign() != 0 {
		errs = append(errs, fmt.Errorf("balance deltas sum to %s wei, want 0", sum))
	}
	escrowed := false
	for _, row := range r.Rows {
		if row.Name != EscrowRow {
			continue
		}
		escrowed = true
		if row.After.Sign() != 0 {
			errs = append(errs, fmt.Errorf("escrow contract holds %s wei after the run", row.After))
		}
	}
	if !escrowed {
		errs = append(errs, errors.New("escrow contract balance not tracked"))
	}
	if r.Completed != r.Requested {
		errs = append(errs, fmt.Errorf("%d of %d requests completed", r.Completed, r.Requested))
	}
	if r.Refunded != 1 {
		errs = append(errs, fmt.Errorf("%d requests refunded, want 1", r.Refunded))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("conservation check failed: %w", err)
	}
	return nil
}

// WriteTable prints the balances before and after with their deltas (in
// tokens), the request counts and the conservation check's verdict. It
// returns only write errors; the verdict itself is Check.
func (r *DemoReport) WriteTable(w io.Writer) error {
	if err := WriteBalances(w, r.Rows, r.SupplyBefore, r.SupplyAfter); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nrequests: %d completed, %d refunded after expiry", r.Completed, r.Refunded)
	if len(r.Settled) > 0 {
		var total time.Duration
		for _, d := range r.Settled {
			total += d
		}
		fmt.Fprintf(w, " (settlement: %s average)", (total / time.Duration(len(r.Settled))).Round(time.Millisecond))
	}
	fmt.Fprintln(w)
	if err := r.Check(); err != nil {
		_, werr := fmt.Fprintf(w, "conservation: FAILED: %v\n", err)
		return werr
	}
	_, err := fmt.Fprintln(w, "conservation: ok (total supply unchanged, deltas sum to 0, escrow empty)")
	return err
}

// WriteBalances prints tracked balances before and after with their deltas
// (in tokens), their sum and the total supply.
func WriteBalances(w io.Writer, rows []BalanceRow, supplyBefore, supplyAfter *big.Int) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	// Numbers align right; the labels are padded to one width so they read
	// left-aligned.
	const sumLabel, supplyLabel = "sum of deltas", "total supply"
	width := len(sumLabel)
	for _, row := range rows {
		width = max(width, len(row.Name))
	}
	label := func(s string) string { return fmt.Sprintf("%-*s", width, s) }
	fmt.Fprintf(tw, "%s\taddress\tbefore (NCN)\tafter (NCN)\tdelta (NCN)\t\n", label("account"))
	sum := new(big.Int)
	for _, row := range rows {
		d := row.Delta()
		sum.Add(sum, d)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", label(row.Name), row.Addr.Hex(),
			FormatTokens(row.Before), FormatTokens(row.After), signed(d))
	}
	fmt.Fprintf(tw, "%s\t\t\t\t%s\t\n", label(sumLabel), signed(sum))
	fmt.Fprintf(tw, "%s\t\t%s\t%s\t%s\t\n", label(supplyLabel), FormatTokens(supplyBefore), FormatTokens(supplyAfter),
		signed(new(big.Int).Sub(orZero(supplyAfter), orZero(supplyBefore))))
	return tw.Flush()
}

// Demo runs the escrow end to end on a fresh in-process chain: for each
// request the client approves and pays a 1 NCN tree (80/10/5/5) signed by a
// quorum of validators, the compute node signs its result, a quorum signs
// the completion and the gateway settles; then one more payment expires and
// is refunded. The report says what moved. An error means the run itself
// failed; conservation is the report's Check.
func Demo(ctx context.Context, cfg DemoConfig) (*DemoReport, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("demo config: %w", err)
	}
	if cfg.Requests == 0 {
		cfg.Requests = 1
	}
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	progress := func(format string, args ...any) { fmt.Fprintf(cfg.Progress, format+"\n", args...) }

	c, err := Start(ctx, Config{Validators: cfg.Validators, Logger: cfg.Logger, Progress: cfg.Progress})
	if err != nil {
		return nil, err
	}
	defer c.Close()
	m, _, err := c.Contracts.Quorum(ctx)
	if err != nil {
		return nil, fmt.Errorf("read quorum: %w", err)
	}
	if int(m) > len(c.Validators) {
		return nil, fmt.Errorf("%d validators cannot make a quorum of %d", len(c.Validators), m)
	}

	rep := &DemoReport{Requested: cfg.Requests}
	tracked := c.tracked()
	if rep.SupplyBefore, err = c.Contracts.TotalSupply(ctx); err != nil {
		return nil, fmt.Errorf("read total supply: %w", err)
	}
	before, err := c.balances(ctx, tracked)
	if err != nil {
		return nil, err
	}

	var ids []common.Hash
	for i := range cfg.Requests {
		start := time.Now()
		signers := c.quorum(i, int(m))
		p, err := c.pay(ctx, i, DemoTTL, signers)
		if err != nil {
			return nil, fmt.Errorf("request %d: %w", i+1, err)
		}
		if err := c.settle(ctx, p, i, signers); err != nil {
			return nil, fmt.Errorf("request %d: %w", i+1, err)
		}
		d := time.Since(start)
		rep.Settled = append(rep.Settled, d)
		ids = append(ids, p.RequestID)
		progress("request %d/%d settled in %dms", i+1, cfg.Requests, d.Milliseconds())
	}

	refundID, err := c.expireAndRefund(ctx, cfg.Requests, c.quorum(cfg.Requests, int(m)), progress)
	if err != nil {
		return nil, err
	}

	for _, id := range ids {
		st, err := c.Contracts.Request(ctx, id)
		if err != nil {
			return nil, err
		}
		if st.Status == chain.StatusCompleted {
			rep.Completed++
		}
	}
	if st, err := c.Contracts.Request(ctx, refundID); err != nil {
		return nil, err
	} else if st.Status == chain.StatusExpired {
		rep.Refunded++
	}

	after, err := c.balances(ctx, tracked)
	if err != nil {
		return nil, err
	}
	for i, a := range tracked {
		rep.Rows = append(rep.Rows, BalanceRow{Name: a.name, Addr: a.addr, Before: before[i], After: after[i]})
	}
	if rep.SupplyAfter, err = c.Contracts.TotalSupply(ctx); err != nil {
		return nil, fmt.Errorf("read total supply: %w", err)
	}
	return rep, nil
}

type trackedAccount struct {
	name string
	addr common.Address
}

// tracked lists every holder a request can move tokens between; the escrow
// contract is last.
func (c *Chain) tracked() []trackedAccount {
	out := []trackedAccount{
		{"client", c.Client.Addr}, {"compute", c.Compute.Addr}, {"gateway", c.Gateway.Addr}, {"treasury", c.Treasury.Addr},
	}
	for _, v := range c.Validators {
		out = append(out, trackedAccount{v.Role, v.Addr})
	}
	return append(out, trackedAccount{EscrowRow, c.Contracts.Payment})
}

func (c *Chain) balances(ctx context.Context, accounts []trackedAccount) ([]*big.Int, error) {
	out := make([]*big.Int, len(accounts))
	for i, a := range accounts {
		b, err := c.Contracts.BalanceOf(ctx, a.addr)
		if err != nil {
			return nil, fmt.Errorf("balance of %s: %w", a.name, err)
		}
		out[i] = b
	}
	return out, nil
}

// quorum is the m validators that sign request i, rotating through the set
// so every validator earns a share.
func (c *Chain) quorum(i, m int) []*Account {
	out := make([]*Account, m)
	for k := range out {
		out[k] = c.Validators[(i+k)%len(c.Validators)]
	}
	return out
}

// pay builds request i's payment expiring ttl seconds after the head block,
// has signers sign it, and pays it into escrow from the client.
func (c *Chain) pay(ctx context.Context, i int, ttl uint64, signers []*Account) (chain.Payment, error) {
	head, err := c.Embedded.HeaderByNumber(ctx, nil)
	if err != nil {
		return chain.Payment{}, fmt.Errorf("read head: %w", err)
	}
	p := chain.Payment{
		RequestID:  crypto.Keccak256Hash(fmt.Appendf(nil, "ncn demo request %d", i)),
		SubnetID:   crypto.Keccak256Hash([]byte("ncn demo subnet")),
		ModelID:    crypto.Keccak256Hash([]byte("ncn demo model")),
		ConfigHash: crypto.Keccak256Hash([]byte("ncn demo config")),
		ExpiresAt:  head.Time + ttl,
		Tree:       chain.DefaultSplit(chain.Tokens(DemoAmountTokens), c.Compute.Addr, c.Gateway.Addr),
	}
	if p.Signatures, err = c.sign(p.Message(c.Client.Addr).StructHash(), signers); err != nil {
		return chain.Payment{}, fmt.Errorf("sign preprocessing: %w", err)
	}
	if _, err := c.Client.Escrow.Approve(ctx, p.Tree.Total()); err != nil {
		return chain.Payment{}, fmt.Errorf("approve: %w", err)
	}
	if _, err := c.Client.Escrow.Initiate(ctx, p); err != nil {
		return chain.Payment{}, fmt.Errorf("initiate: %w", err)
	}
	return p, nil
}

// settle has the compute node sign a result for request i, signers sign
// the completion, and the gateway settle it.
func (c *Chain) settle(ctx context.Context, p chain.Payment, i int, signers []*Account) error {
	result := crypto.Keccak256Hash(fmt.Appendf(nil, "ncn demo result %d", i))
	cr := chain.ComputeResult{RequestID: p.RequestID, ResultHash: result, ComputeNode: c.Compute.Addr, ExecMillis: demoExecMillis}
	computeSig, err := chain.Sign(c.Compute.Key, c.Domain.Digest(cr.StructHash()))
	if err != nil {
		return fmt.Errorf("sign compute result: %w", err)
	}
	sigs, err := c.sign(chain.Completion(cr).StructHash(), signers)
	if err != nil {
		return fmt.Errorf("sign completion: %w", err)
	}
	_, err = c.Gateway.Escrow.Complete(ctx, chain.Settlement{
		RequestID: p.RequestID, ResultHash: result, ExecMillis: demoExecMillis,
		ComputeSig: computeSig, ValidatorSigs: sigs,
	})
	if err != nil {
		return fmt.Errorf("complete: %w", err)
	}
	return nil
}

// expireAndRefund pays request i with a short expiry, moves the chain's
// clock past it and refunds the client.
func (c *Chain) expireAndRefund(ctx context.Context, i int, signers []*Account, progress func(string, ...any)) (common.Hash, error) {
	p, err := c.pay(ctx, i, DemoShortTTL, signers)
	if err != nil {
		return common.Hash{}, fmt.Errorf("expiring request: %w", err)
	}
	progress("request %d paid with a %ds expiry; moving the chain's clock past it...", i+1, DemoShortTTL)
	head, err := c.Embedded.HeaderByNumber(ctx, nil)
	if err != nil {
		return common.Hash{}, fmt.Errorf("read head: %w", err)
	}
	if head.Time < p.ExpiresAt {
		// The refund's block comes after this one, so it lands past expiry.
		if err := c.Embedded.AdjustTime(time.Duration(p.ExpiresAt-head.Time) * time.Second); err != nil {
			return common.Hash{}, fmt.Errorf("advance chain time: %w", err)
		}
	}
	if _, err := c.Client.Escrow.RefundExpired(ctx, p.RequestID); err != nil {
		return common.Hash{}, fmt.Errorf("refund expired request: %w", err)
	}
	progress("request %d refunded after expiry", i+1)
	return p.RequestID, nil
}

// sign has signers sign structHash in the payment domain, in the order the
// contract checks.
func (c *Chain) sign(structHash common.Hash, signers []*Account) ([][]byte, error) {
	keys := make([]*ecdsa.PrivateKey, len(signers))
	for i, s := range signers {
		keys[i] = s.Key
	}
	return c.Domain.SignAll(structHash, keys...)
}

// FormatTokens formats an amount in the token's smallest unit as whole
// tokens with up to 18 decimals, trailing zeros dropped: "1000", "0.8",
// "-0.016666666666666666".
func FormatTokens(wei *big.Int) string {
	if wei == nil {
		return "-"
	}
	neg := wei.Sign() < 0
	q, r := new(big.Int).QuoRem(new(big.Int).Abs(wei), chain.Ether, new(big.Int))
	s := q.String()
	if r.Sign() != 0 {
		s += "." + strings.TrimRight(fmt.Sprintf("%018s", r.String()), "0")
	}
	if neg {
		s = "-" + s
	}
	return s
}

// signed is FormatTokens with a "+" on positive amounts.
func signed(wei *big.Int) string {
	if wei.Sign() > 0 {
		return "+" + FormatTokens(wei)
	}
	return FormatTokens(wei)
}

func orZero(v *big.Int) *big.Int {
	if v == nil {
		return new(big.Int)
	}
	return v
}
