package chain

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rpc"
)

// Retry is the backoff policy for transient chain errors (connection
// refused or reset, timeouts, a full pool). The zero value means defaults.
type Retry struct {
	// Attempts is how many times a call is tried in all (default 8).
	Attempts int
	// Initial is the first backoff (default 100ms); each next one doubles.
	Initial time.Duration
	// Max caps one backoff (default 5s).
	Max time.Duration
}

func (r Retry) withDefaults() Retry {
	if r.Attempts <= 0 {
		r.Attempts = 8
	}
	if r.Initial <= 0 {
		r.Initial = 100 * time.Millisecond
	}
	if r.Max <= 0 {
		r.Max = 5 * time.Second
	}
	return r
}

// do runs f until it succeeds, fails permanently, or attempts run out.
func (r Retry) do(ctx context.Context, f func() error) error {
	r = r.withDefaults()
	wait := r.Initial
	var err error
	for i := 0; i < r.Attempts; i++ {
		if err = f(); err == nil || !isTransient(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last error: %v)", ctx.Err(), err)
		case <-time.After(wait):
		}
		wait = min(wait*2, r.Max)
	}
	return fmt.Errorf("gave up after %d attempts: %w", r.Attempts, err)
}

// isTransient reports errors worth retrying: the node was unreachable or
// busy, not a verdict on the transaction.
func isTransient(err error) bool {
	if err == nil {
		return false
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var he rpc.HTTPError
	if errors.As(err, &he) && (he.StatusCode == 429 || he.StatusCode >= 500) {
		return true
	}
	msg := strings.ToLower(err.Error())
	for _, s := range []string{"connection refused", "connection reset", "txpool is full", "too many requests", "i/o timeout", "broken pipe", "indexing is in progress"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// Sender signs and submits transactions from one key. It tracks the nonce
// itself (one in flight per nonce, never two transactions for one nonce)
// and resends the same signed transaction on transient errors, so a retry
// can never submit twice. Safe for concurrent use.
type Sender struct {
	backend Backend
	key     *ecdsa.PrivateKey
	from    common.Address
	signer  types.Signer
	retry   Retry
	log     *slog.Logger
	errABIs []*abi.ABI

	mu        sync.Mutex // held from nonce assignment until the pool accepts
	nonce     uint64
	haveNonce bool

	feeMu       sync.Mutex
	feeAt       time.Time // when tip and feeCap were read; reused for feeTTL
	tip, feeCap *big.Int

	gasMu sync.Mutex
	gas   map[callShape]uint64 // gas limits estimated for calls of a shape

	heads *headWatch // what waiters for receipts wake on
}

// callShape is what a call's gas mostly depends on: the contract, the
// function and the calldata's length (signature counts, batch sizes).
type callShape struct {
	to       common.Address
	selector [4]byte
	size     int
}

// shapeOf is c's shape, and false for a deployment or a plain transfer
// (estimated every time).
func shapeOf(c Call) (callShape, bool) {
	if c.To == nil || len(c.Data) < 4 {
		return callShape{}, false
	}
	return callShape{to: *c.To, selector: [4]byte(c.Data[:4]), size: len(c.Data)}, true
}

// feeTTL is how long a fee reading is reused: two RPCs fewer per
// transaction under load, and the fee cap's 2x base fee headroom covers
// the drift.
const feeTTL = time.Second

// SenderConfig configures a Sender. Zero values mean defaults.
type SenderConfig struct {
	Retry  Retry
	Logger *slog.Logger
}

// NewSender returns a Sender for key on backend.
func NewSender(ctx context.Context, backend Backend, key *ecdsa.PrivateKey, cfg SenderConfig) (*Sender, error) {
	id, err := backend.ChainID(ctx)
	if err != nil {
		return nil, fmt.Errorf("chain id: %w", err)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Sender{
		backend: backend,
		key:     key,
		from:    crypto.PubkeyToAddress(key.PublicKey),
		signer:  types.LatestSignerForChainID(id),
		retry:   cfg.Retry,
		log:     log,
		errABIs: contractABIs(),
		heads:   newHeadWatch(backend.BlockNumber),
	}, nil
}

// From is the sending address.
func (s *Sender) From() common.Address { return s.from }

// Call describes a transaction: to (nil to deploy), calldata, value.
type Call struct {
	To    *common.Address
	Data  []byte
	Value *big.Int
	// Gas, when set, skips estimation (and its revert check).
	Gas uint64
}

// Pending is a transaction the pool accepted. Safe for concurrent use.
type Pending struct {
	Tx     *types.Transaction
	sender *Sender

	mu     sync.Mutex
	shared *sharedWait    // the wait in progress, if any
	final  bool           // mined: rcpt and err are the outcome
	rcpt   *types.Receipt //
	err    error          //
}

// sharedWait is one wait for a receipt that every caller of Wait joins:
// a batch of settlements waits on one transaction, and a receipt lookup
// decodes the block's receipts, so a waiter each cost the chain a
// lookup each per block.
type sharedWait struct {
	done      chan struct{}
	cancel    context.CancelFunc
	waiters   int
	rcpt      *types.Receipt
	err       error
	abandoned bool // stopped because every waiter left: not an outcome
}

// Wait waits until the transaction is mined and returns its receipt; a
// receipt with failed status is returned with ErrTxFailed. Concurrent
// callers share one wait; each may leave with its own ctx.
func (p *Pending) Wait(ctx context.Context) (*types.Receipt, error) {
	for {
		p.mu.Lock()
		if p.final {
			p.mu.Unlock()
			return p.rcpt, p.err
		}
		if p.shared == nil {
			p.shared = p.startWait()
		}
		w := p.shared
		w.waiters++
		p.mu.Unlock()
		select {
		case <-w.done:
			p.mu.Lock()
			w.waiters--
			p.mu.Unlock()
			if w.abandoned {
				continue // those before us left and stopped it: wait anew
			}
			return w.rcpt, w.err
		case <-ctx.Done():
			p.mu.Lock()
			if w.waiters--; w.waiters == 0 {
				w.cancel()
			}
			p.mu.Unlock()
			return nil, fmt.Errorf("wait for %s: %w", p.Tx.Hash(), ctx.Err())
		}
	}
}

// startWait starts the shared wait; p.mu is held.
func (p *Pending) startWait() *sharedWait {
	wctx, cancel := context.WithCancel(context.Background())
	w := &sharedWait{done: make(chan struct{}), cancel: cancel}
	go func() {
		r, err := p.sender.wait(wctx, p.Tx)
		p.mu.Lock()
		w.rcpt, w.err = r, err
		w.abandoned = err != nil && wctx.Err() != nil
		if err == nil || errors.Is(err, ErrTxFailed) {
			p.final, p.rcpt, p.err = true, r, err
		}
		if p.shared == w {
			p.shared = nil // a transient failure is not kept: the next Wait looks again
		}
		p.mu.Unlock()
		cancel()
		close(w.done)
	}()
	return w
}

// Send submits c and waits for its receipt.
func (s *Sender) Send(ctx context.Context, c Call) (*types.Receipt, error) {
	p, err := s.Submit(ctx, c)
	if err != nil {
		return nil, err
	}
	return p.Wait(ctx)
}

// Submit estimates gas (a revert is returned decoded, and nothing is sent),
// signs with the next nonce and hands the transaction to the node. It
// returns once the node has accepted it.
func (s *Sender) Submit(ctx context.Context, c Call) (*Pending, error) {
	value := c.Value
	if value == nil {
		value = new(big.Int)
	}
	gas := c.Gas
	if gas == 0 {
		var err error
		if gas, err = s.gasFor(ctx, c, value); err != nil {
			return nil, err
		}
	}
	tip, feeCap, err := s.fees(ctx)
	if err != nil {
		return nil, err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.haveNonce {
		if err := s.syncNonce(ctx); err != nil {
			return nil, err
		}
	}
	for resynced := false; ; resynced = true {
		tx, err := types.SignNewTx(s.key, s.signer, &types.DynamicFeeTx{
			Nonce: s.nonce, To: c.To, Data: c.Data, Value: value, Gas: gas, GasTipCap: tip, GasFeeCap: feeCap,
		})
		if err != nil {
			return nil, fmt.Errorf("sign transaction: %w", err)
		}
		err = s.retry.do(ctx, func() error { return s.backend.SendTransaction(ctx, tx) })
		switch {
		case err == nil, isAlreadyKnown(err):
			s.nonce++
			return &Pending{Tx: tx, sender: s}, nil
		case isNonceTooLow(err) && !resynced:
			// Someone else used this key, or an earlier send landed although
			// its answer was lost: learn the real nonce and sign again.
			if err := s.syncNonce(ctx); err != nil {
				return nil, err
			}
			continue
		default:
			// Nothing took this nonce; the next transaction reuses it.
			return nil, fmt.Errorf("send transaction: %w", err)
		}
	}
}

// gasFor is the gas limit for c, and its revert checked before anything
// is sent (returned decoded). The first call of a shape is estimated —
// several executions on the node — and later ones of that shape take its
// limit after one eth_call: under load estimation was the chain's largest
// cost. The limit has headroom (half again) for what varies within a
// shape: storage written for the first time, state moving before
// inclusion; unused gas is not charged.
func (s *Sender) gasFor(ctx context.Context, c Call, value *big.Int) (uint64, error) {
	msg := ethereum.CallMsg{From: s.from, To: c.To, Data: c.Data, Value: value}
	shape, ok := shapeOf(c)
	if ok {
		s.gasMu.Lock()
		gas, known := s.gas[shape]
		s.gasMu.Unlock()
		if known {
			call := msg
			call.Gas = gas
			err := s.retry.do(ctx, func() error {
				_, err := s.backend.CallContract(ctx, call, nil)
				return err
			})
			if err == nil {
				return gas, nil
			}
			// A revert, or more gas than the shape's limit (storage
			// written for the first time...): estimation tells which,
			// and returns a revert decoded.
		}
	}
	var gas uint64
	err := s.retry.do(ctx, func() error {
		g, err := s.backend.EstimateGas(ctx, msg)
		gas = g
		return err
	})
	if err != nil {
		return 0, s.decodeRevert(err)
	}
	if !ok {
		return gas + gas/5, nil // headroom: state may move between estimate and inclusion
	}
	gas += gas / 2
	s.gasMu.Lock()
	if s.gas == nil {
		s.gas = map[callShape]uint64{}
	}
	s.gas[shape] = max(s.gas[shape], gas)
	s.gasMu.Unlock()
	return gas, nil
}

func (s *Sender) syncNonce(ctx context.Context) error {
	return s.retry.do(ctx, func() error {
		n, err := s.backend.PendingNonceAt(ctx, s.from)
		if err != nil {
			return fmt.Errorf("pending nonce of %s: %w", s.from, err)
		}
		s.nonce, s.haveNonce = n, true
		return nil
	})
}

// fees picks an EIP-1559 tip and fee cap: the node's tip suggestion and
// twice the head's base fee, so a transaction survives base fee growth.
func (s *Sender) fees(ctx context.Context) (tip, feeCap *big.Int, err error) {
	s.feeMu.Lock()
	defer s.feeMu.Unlock()
	if s.tip != nil && time.Since(s.feeAt) < feeTTL {
		return s.tip, s.feeCap, nil
	}
	err = s.retry.do(ctx, func() error {
		t, err := s.backend.SuggestGasTipCap(ctx)
		if err != nil {
			return fmt.Errorf("suggest tip: %w", err)
		}
		head, err := s.backend.HeaderByNumber(ctx, nil)
		if err != nil {
			return fmt.Errorf("head: %w", err)
		}
		base := head.BaseFee
		if base == nil {
			base = new(big.Int)
		}
		tip = t
		feeCap = new(big.Int).Add(t, new(big.Int).Mul(base, big.NewInt(2)))
		return nil
	})
	if err == nil {
		s.tip, s.feeCap, s.feeAt = tip, feeCap, time.Now()
	}
	return tip, feeCap, err
}

// wait waits for the receipt — asking once now and once per new block —
// resending the same signed transaction now and then in case the node
// dropped it.
func (s *Sender) wait(ctx context.Context, tx *types.Transaction) (*types.Receipt, error) {
	s.heads.join()
	defer s.heads.leave()
	resend := time.NewTimer(10 * time.Second)
	defer resend.Stop()
	for {
		_, pollErr, moved := s.heads.current()
		if pollErr != nil && !isTransient(pollErr) {
			return nil, fmt.Errorf("wait for %s: head: %w", tx.Hash(), pollErr)
		}
		r, err := s.backend.TransactionReceipt(ctx, tx.Hash())
		if err == nil {
			// geth indexes a block's receipts a moment before it moves the
			// head to that block: wait for the head, so that a call made
			// next on "latest" sees this transaction's effects.
			if r.BlockNumber != nil {
				if err := s.heads.atLeast(ctx, r.BlockNumber.Uint64()); err != nil {
					return nil, fmt.Errorf("wait for head %s: %w", r.BlockNumber, err)
				}
			}
			if r.Status != types.ReceiptStatusSuccessful {
				if r.GasUsed >= tx.Gas() {
					// Out of gas at the limit a shape's estimate gave:
					// estimate that shape again next time.
					if shape, ok := shapeOf(Call{To: tx.To(), Data: tx.Data()}); ok {
						s.gasMu.Lock()
						delete(s.gas, shape)
						s.gasMu.Unlock()
					}
					return r, fmt.Errorf("%w: tx %s in block %d ran out of gas (limit %d)", ErrTxFailed, tx.Hash(), r.BlockNumber, tx.Gas())
				}
				return r, fmt.Errorf("%w: tx %s in block %d", ErrTxFailed, tx.Hash(), r.BlockNumber)
			}
			return r, nil
		}
		if !errors.Is(err, ethereum.NotFound) && !isTransient(err) {
			return nil, fmt.Errorf("receipt of %s: %w", tx.Hash(), err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for %s: %w", tx.Hash(), ctx.Err())
		case <-moved:
		case <-resend.C:
			if err := s.backend.SendTransaction(ctx, tx); err != nil && !isAlreadyKnown(err) && !isNonceTooLow(err) {
				s.log.Warn("rebroadcast failed", "tx", tx.Hash(), "err", err)
			}
			resend.Reset(10 * time.Second)
		}
	}
}

func isAlreadyKnown(err error) bool {
	return err != nil && strings.Contains(strings.ToLower(err.Error()), "already known")
}

func isNonceTooLow(err error) bool {
	return err != nil && strings.Contains(strings.ToLower(err.Error()), "nonce too low")
}

// decodeRevert turns a node's revert error into a *RevertError naming the
// contract's custom error.
func (s *Sender) decodeRevert(err error) error {
	return decodeRevert(s.errABIs, err)
}

// DecodeRevert turns a node's revert error into a *RevertError naming the
// NCN contracts' custom error; other errors come back unchanged.
func DecodeRevert(err error) error { return decodeRevert(contractABIs(), err) }

func decodeRevert(abis []*abi.ABI, err error) error {
	var de rpc.DataError
	if !errors.As(err, &de) {
		return err
	}
	hexData, ok := de.ErrorData().(string)
	if !ok {
		return err
	}
	data := common.FromHex(hexData)
	re := &RevertError{Data: data}
	if len(data) >= 4 {
		for _, a := range abis {
			for name, e := range a.Errors {
				if string(e.ID[:4]) != string(data[:4]) {
					continue
				}
				args, uerr := e.Inputs.Unpack(data[4:])
				if uerr == nil {
					re.Name, re.Args = name, args
					return re
				}
			}
		}
		if reason, uerr := abi.UnpackRevert(data); uerr == nil {
			re.Name, re.Args = "Error", []any{reason}
		}
	}
	return re
}
