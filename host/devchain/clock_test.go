package devchain

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/rpc"
)

// TestServeClock: the clock controls over JSON-RPC move the chain's time
// forward by a block, seal pending transactions, refuse nonsense, and are
// named in the manifest.
func TestServeClock(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := Start(ctx, Config{Validators: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	url, err := c.ServeClock("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ServeClock("127.0.0.1:0"); err == nil {
		t.Error("a second ServeClock succeeded")
	}
	rc, err := rpc.DialContext(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	before, err := c.Embedded.HeaderByNumber(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var now uint64
	if err := rc.CallContext(ctx, &now, "evm_increaseTime", 660); err != nil {
		t.Fatal(err)
	}
	after, err := c.Embedded.HeaderByNumber(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if after.Number.Uint64() != before.Number.Uint64()+1 || after.Time != before.Time+660 || now != after.Time {
		t.Errorf("evm_increaseTime(660): head %d at %d (returned %d), want %d at %d", after.Number, after.Time, now, before.Number.Uint64()+1, before.Time+660)
	}
	if err := rc.CallContext(ctx, nil, "evm_mine"); err != nil {
		t.Errorf("evm_mine: %v", err)
	}
	if err := rc.CallContext(ctx, &now, "evm_increaseTime", 0); err == nil || !strings.Contains(err.Error(), "seconds must be") {
		t.Errorf("evm_increaseTime(0) = %v, want an error", err)
	}
	m, err := c.Export(filepath.Join(t.TempDir(), "chain"))
	if err != nil {
		t.Fatal(err)
	}
	if m.ClockURL != url {
		t.Errorf("manifest clock URL %q, want %q", m.ClockURL, url)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := rc.CallContext(ctx, &now, "evm_increaseTime", 1); err == nil {
		t.Error("the clock still answers after Close")
	}
}
