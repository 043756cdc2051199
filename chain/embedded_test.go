package chain_test

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/ncn-network/ncn/chain"
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
