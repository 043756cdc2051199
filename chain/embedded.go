package chain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
	"github.com/ethereum/go-ethereum/node"
	"github.com/ethereum/go-ethereum/rpc"
)

// EmbeddedConfig configures the in-process chain. The zero value is an
// in-memory chain with no accounts and no RPC listener.
type EmbeddedConfig struct {
	// Alloc funds accounts at genesis (wei of ether, for gas).
	Alloc types.GenesisAlloc
	// HTTPAddr, when set ("127.0.0.1:8545"), serves JSON-RPC over HTTP so
	// other processes can share the chain. Port 0 picks a free port.
	HTTPAddr string
	// Manual turns off mining on demand: blocks are sealed only by Commit.
	// Tests that need several transactions in one block use it.
	Manual bool
	// MaxClockLead bounds how far the chain's clock may run ahead of the
	// wall clock (plus what AdjustTime added). Block timestamps must rise
	// by at least a second, so a chain sealing on demand under load runs
	// ahead by a second per block (10 minutes after 600 blocks: every
	// quote expired); with a bound, a burst still seals at once and
	// sustained load is sealed at most a block per second, every pending
	// transaction in it. Zero: no bound (unit tests, which do not look at
	// the wall clock).
	MaxClockLead time.Duration
	// Logger receives mining errors; nil discards them.
	Logger *slog.Logger
}

// Embedded is an in-process go-ethereum chain (ethclient/simulated) pinned
// at Osaka. Unless configured Manual, it seals a block as soon as
// transactions are pending; transactions that arrive while a block is being
// sealed go into the next one together, so throughput grows with load.
type Embedded struct {
	*ethclient.Client // the Backend methods: the in-process RPC client's

	sim *simulated.Backend
	rpc *rpc.Client
	url string
	log *slog.Logger

	sealMu sync.Mutex // serialises Commit and AdjustTime: the beacon is not safe for concurrent sealing
	lead   int64      // MaxClockLead in seconds; 0 for none
	ahead  int64      // seconds AdjustTime moved the clock; under sealMu

	cancel context.CancelFunc
	done   chan struct{}
	closed sync.Once
}

// NewEmbedded starts an embedded chain.
func NewEmbedded(cfg EmbeddedConfig) (*Embedded, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	genesis := DevGenesis(cfg.Alloc)
	var (
		sim      *simulated.Backend
		httpHost string
		httpPort int
		err      error
	)
	// Port 0 is resolved to a free port before the node binds it, so another
	// process may take it in between: then try another.
	for attempt := 0; ; attempt++ {
		if cfg.HTTPAddr != "" {
			if httpHost, httpPort, err = splitHostPort(cfg.HTTPAddr); err != nil {
				return nil, fmt.Errorf("embedded chain: http address: %w", err)
			}
		}
		sim, err = newSimulated(genesis, httpHost, httpPort)
		if err == nil {
			break
		}
		if !strings.HasSuffix(cfg.HTTPAddr, ":0") || attempt == 2 {
			return nil, fmt.Errorf("embedded chain: %w", err)
		}
	}
	rc, err := simRPC(sim)
	if err != nil {
		sim.Close()
		return nil, fmt.Errorf("embedded chain: %w", err)
	}
	e := &Embedded{
		sim:    sim,
		rpc:    rc,
		log:    log,
		done:   make(chan struct{}),
		cancel: func() {},
		lead:   int64(cfg.MaxClockLead / time.Second),
	}
	e.Client = ethclient.NewClient(e.rpc)
	if httpHost != "" {
		e.url = fmt.Sprintf("http://%s", net.JoinHostPort(httpHost, strconv.Itoa(httpPort)))
	}
	if cfg.Manual {
		close(e.done)
		return e, nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel = cancel
	ready := make(chan error, 1)
	go e.mine(ctx, ready)
	if err := <-ready; err != nil {
		e.Close()
		return nil, fmt.Errorf("embedded chain: start miner: %w", err)
	}
	return e, nil
}

// newSimulated starts the simulated backend. It panics when its node cannot
// start (for example the HTTP port is taken); that becomes an error here.
func newSimulated(genesis *core.Genesis, httpHost string, httpPort int) (sim *simulated.Backend, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("start node: %v", r)
		}
	}()
	sim = simulated.NewBackend(genesis.Alloc, func(nc *node.Config, ec *ethconfig.Config) {
		ec.Genesis = genesis
		ec.Miner.GasCeil = genesis.GasLimit
		ec.RPCGasCap = 0 // estimation may use a whole block
		ec.TxPool.GlobalSlots = 16384
		ec.TxPool.AccountSlots = 16384
		ec.TxPool.GlobalQueue = 4096
		ec.TxPool.AccountQueue = 4096
		if httpHost != "" {
			nc.HTTPHost = httpHost
			nc.HTTPPort = httpPort
			nc.HTTPModules = []string{"eth", "net", "web3", "txpool"}
			nc.HTTPVirtualHosts = []string{"*"}
		}
	})
	return sim, nil
}

// mine seals a block whenever transactions are pending. Notifications that
// arrive during a seal are coalesced into the next block.
func (e *Embedded) mine(ctx context.Context, ready chan<- error) {
	defer close(e.done)
	txs := make(chan common.Hash, 4096)
	sub, err := e.rpc.EthSubscribe(ctx, txs, "newPendingTransactions")
	ready <- err
	if err != nil {
		return
	}
	defer sub.Unsubscribe()
	for {
		select {
		case <-ctx.Done():
			return
		case err := <-sub.Err():
			if err != nil && ctx.Err() == nil {
				e.log.Error("embedded chain: pending-transaction subscription ended", "err", err)
			}
			return
		case <-txs:
		}
		for {
			// Drain what is queued: all of it goes into this block.
			for drained := false; !drained; {
				select {
				case <-txs:
				default:
					drained = true
				}
			}
			if !e.waitClock(ctx) {
				return
			}
			e.Commit()
			n, err := e.Client.PendingTransactionCount(ctx)
			if err != nil || n == 0 {
				break
			}
		}
	}
}

// waitClock waits until the next block's timestamp (a second after the
// head's) is within the clock lead, and reports false if ctx ended first.
func (e *Embedded) waitClock(ctx context.Context) bool {
	if e.lead <= 0 {
		return true
	}
	head, err := e.Client.HeaderByNumber(ctx, nil)
	if err != nil {
		return ctx.Err() == nil // seal anyway: the beacon handles its own errors
	}
	e.sealMu.Lock()
	ahead := e.ahead
	e.sealMu.Unlock()
	// The block may be sealed once its time, less the lead, has come.
	at := time.Unix(int64(head.Time)+1-ahead-e.lead, 0)
	wait := time.Until(at)
	if wait <= 0 {
		return true
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// URL is the JSON-RPC endpoint, or "" without HTTPAddr.
func (e *Embedded) URL() string { return e.url }

// Commit seals pending transactions into a block now.
func (e *Embedded) Commit() common.Hash {
	e.sealMu.Lock()
	defer e.sealMu.Unlock()
	return e.sim.Commit()
}

// Hold stops sealing until release is called: transactions wait in the
// pool meanwhile, as between two blocks of a slower chain (tests of what
// happens before a transaction is mined). Release before Close.
func (e *Embedded) Hold() (release func()) {
	e.sealMu.Lock()
	var once sync.Once
	return func() { once.Do(e.sealMu.Unlock) }
}

// AdjustTime seals an empty block d after the head block. It fails while
// transactions are pending.
func (e *Embedded) AdjustTime(d time.Duration) error {
	e.sealMu.Lock()
	defer e.sealMu.Unlock()
	// The pool forgets mined transactions asynchronously: give it a moment
	// before calling the chain busy.
	var err error
	for wait := time.Millisecond; wait < time.Second; wait *= 2 {
		if err = e.sim.AdjustTime(d); err == nil {
			e.ahead += int64(d / time.Second)
			return nil
		}
		if !strings.Contains(err.Error(), "non-empty") {
			return err
		}
		time.Sleep(wait)
	}
	return err
}

// Close stops mining and the chain.
func (e *Embedded) Close() error {
	var err error
	e.closed.Do(func() {
		e.cancel()
		<-e.done
		err = e.sim.Close() // also closes the shared RPC client
	})
	return err
}

// RPC is the in-process JSON-RPC client.
func (e *Embedded) RPC() *rpc.Client { return e.rpc }

// simRPC digs the in-process RPC client out of the simulated backend. The
// backend hides it (its client type embeds *ethclient.Client, whose Client
// method the embedded field's own name shadows), but the subscriptions and
// eth_call overrides this package needs are only on the RPC client. The
// embedded field is exported, so reflection reaches it without unsafe.
func simRPC(sim *simulated.Backend) (*rpc.Client, error) {
	v := reflect.ValueOf(sim.Client())
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() == reflect.Struct {
		if f := v.FieldByName("Client"); f.IsValid() && f.CanInterface() {
			if ec, ok := f.Interface().(*ethclient.Client); ok && ec != nil {
				return ec.Client(), nil
			}
		}
	}
	return nil, errors.New("simulated backend no longer exposes its ethclient; update simRPC")
}

// splitHostPort parses "host:port"; port 0 is replaced by a free port, since
// the simulated backend does not report the port it bound.
func splitHostPort(addr string) (string, int, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("bad port %q", portStr)
	}
	if port == 0 {
		l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			return "", 0, err
		}
		port = l.Addr().(*net.TCPAddr).Port
		l.Close()
	}
	return host, port, nil
}
