package chain_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/chain/chaintest"
)

func TestEmbeddedServesJSONRPC(t *testing.T) {
	e, err := chain.NewEmbedded(chain.EmbeddedConfig{HTTPAddr: "127.0.0.1:0"})
	mustOK(t, err)
	defer e.Close()
	if !strings.HasPrefix(e.URL(), "http://127.0.0.1:") {
		t.Fatalf("url %q", e.URL())
	}
	b, err := chain.Dial(context.Background(), e.URL())
	mustOK(t, err)
	defer b.Close()
	id, err := b.ChainID(context.Background())
	mustOK(t, err)
	if id.Int64() != chain.DevChainID {
		t.Fatalf("chain id %s", id)
	}
}

func TestEmbeddedBusyPortIsAnError(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	mustOK(t, err)
	defer l.Close()
	e, err := chain.NewEmbedded(chain.EmbeddedConfig{HTTPAddr: l.Addr().String()})
	if err == nil {
		e.Close()
		t.Fatal("started on a busy port")
	}
	if !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("error does not say why: %v", err)
	}
}

func TestEmbeddedRejectsBadAddress(t *testing.T) {
	for _, addr := range []string{"nonsense", "127.0.0.1:99999", "127.0.0.1:x"} {
		if e, err := chain.NewEmbedded(chain.EmbeddedConfig{HTTPAddr: addr}); err == nil {
			e.Close()
			t.Errorf("%q accepted", addr)
		}
	}
}

// TestPendingSharedWait: callers waiting on one transaction share one
// wait; one leaving early does not end the others', and once mined every
// later Wait answers at once. The chain holds its block meanwhile.
func TestPendingSharedWait(t *testing.T) {
	env := chaintest.Simulated(t)
	ctx := context.Background()
	release := env.Embedded.Hold()
	defer release()
	p, err := env.Client.Sender.Submit(ctx, env.C.TransferCall(env.Client.Addr, common.Big1))
	mustOK(t, err)
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := p.Wait(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a waiter that gave up: %v", err)
	}
	got := make(chan error, 5)
	for range 5 {
		go func() {
			r, err := p.Wait(ctx)
			if err == nil && r.TxHash != p.Tx.Hash() {
				err = errors.New("another transaction's receipt")
			}
			got <- err
		}()
	}
	leaving, cancel2 := context.WithCancel(ctx)
	left := make(chan error, 1)
	go func() { _, err := p.Wait(leaving); left <- err }()
	time.Sleep(100 * time.Millisecond)
	cancel2()
	if err := <-left; !errors.Is(err, context.Canceled) {
		t.Fatalf("the waiter that left: %v", err)
	}
	release()
	for range 5 {
		mustOK(t, <-got)
	}
	r, err := p.Wait(short) // short has expired: a mined transaction answers anyway
	if err != nil || r.Status != 1 {
		t.Fatalf("after mined: %v, %v", r, err)
	}
}
