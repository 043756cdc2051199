package devchain

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/ethereum/go-ethereum/rpc"
)

// ClockNamespace is the JSON-RPC namespace of the clock controls
// ServeClock serves: evm_increaseTime and evm_mine, as Hardhat and Anvil
// name them on their development chains.
const ClockNamespace = "evm"

// ServeClock serves the embedded chain's clock controls over JSON-RPC
// (HTTP) at addr ("127.0.0.1:0" picks a free port) until Close, and
// returns their URL, which Export also writes into the manifest:
//
//   - evm_increaseTime(seconds) seals an empty block that many seconds
//     after the head block and returns the new head's time (unix
//     seconds); it fails while transactions are pending.
//   - evm_mine() seals the pending transactions into a block now.
//
// Tests use it to let requests expire on chain without waiting; the
// chain's time never goes back, so whatever is quoted afterwards must
// expire after the new head. The controls are a listener of their own:
// the chain's JSON-RPC endpoint serves go-ethereum's methods only. A chain
// set up by Attach runs elsewhere and has no clock to serve.
func (c *Chain) ServeClock(addr string) (string, error) {
	if c.Embedded == nil {
		return "", errors.New("dev chain clock: the chain runs elsewhere (Attach): its clock is its own")
	}
	if c.clock != nil {
		return "", errors.New("dev chain clock: already served")
	}
	srv := rpc.NewServer()
	if err := srv.RegisterName(ClockNamespace, &clockAPI{c: c}); err != nil {
		return "", fmt.Errorf("dev chain clock: %w", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		srv.Stop()
		return "", fmt.Errorf("dev chain clock: %w", err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	c.clock = func() error {
		err := hs.Close()
		srv.Stop()
		return err
	}
	c.clockURL = "http://" + ln.Addr().String()
	return c.clockURL, nil
}

// clockAPI is the evm namespace.
type clockAPI struct{ c *Chain }

// IncreaseTime is evm_increaseTime.
func (a *clockAPI) IncreaseTime(ctx context.Context, seconds uint64) (uint64, error) {
	if seconds == 0 || seconds > uint64(100*365*24*time.Hour/time.Second) {
		return 0, fmt.Errorf("seconds must be between 1 and 100 years, not %d", seconds)
	}
	if err := a.c.Embedded.AdjustTime(time.Duration(seconds) * time.Second); err != nil {
		return 0, err
	}
	h, err := a.c.Embedded.HeaderByNumber(ctx, nil)
	if err != nil {
		return 0, err
	}
	return h.Time, nil
}

// Mine is evm_mine.
func (a *clockAPI) Mine() {
	a.c.Embedded.Commit()
}
