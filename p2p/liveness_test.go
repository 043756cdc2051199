package p2p_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/multiformats/go-multiaddr"
	"github.com/ncn-network/ncn/p2p"
	"github.com/ncn-network/ncn/p2p/p2ptest"
)

func fastLiveness(_ int, cfg *p2p.Config) {
	cfg.PingInterval = 300 * time.Millisecond
	cfg.PingTimeout = 500 * time.Millisecond
	cfg.RedialInterval = 300 * time.Millisecond
}

// TestDeadPeerNoticed: a peer behind a link that goes silent (no FIN,
// no RST: a cable pulled, a host frozen) is dropped by its peer's pings in
// seconds, not after the transports' 30-40 s, and stays dropped while
// redials into the dead link fail.
func TestDeadPeerNoticed(t *testing.T) {
	victim, err := p2p.New(p2p.Config{Key: p2ptest.Key(t), ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}})
	if err != nil {
		t.Fatal(err)
	}
	defer victim.Close()
	port, _ := victim.Host().Addrs()[0].ValueForProtocol(multiaddr.P_TCP)
	link := p2ptest.NewLink(t, "127.0.0.1:"+port)
	behind := fmt.Sprintf("/ip4/127.0.0.1/tcp/%d/p2p/%s", link.Addr().Port, victim.ID())

	cfg := p2p.Config{Key: p2ptest.Key(t), ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}, Bootstrap: []string{behind}}
	fastLiveness(0, &cfg)
	watcher, err := p2p.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer watcher.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go watcher.Run(ctx)
	p2ptest.WaitFor(t, 20*time.Second, "connected through the link", func() bool {
		return watcher.Host().Network().Connectedness(victim.ID()) == network.Connected
	})

	link.Cut()
	start := time.Now()
	// The victim may also have dialled the watcher directly (its DHT
	// does), and that path still works: what must go is the connection
	// over the dead link.
	linkPort := fmt.Sprint(link.Addr().Port)
	p2ptest.WaitFor(t, 60*time.Second, "the connection over the dead link is dropped", func() bool {
		for _, c := range watcher.Host().Network().ConnsToPeer(victim.ID()) {
			if p, _ := c.RemoteMultiaddr().ValueForProtocol(multiaddr.P_TCP); p == linkPort {
				return false
			}
		}
		return true
	})
	t.Logf("connection over the silent link dropped after %s (ping every 300 ms, timeout 500 ms, 2 failures)", time.Since(start).Round(time.Millisecond))

	link.Heal()
	p2ptest.WaitFor(t, 30*time.Second, "reconnected after the link heals", func() bool {
		return watcher.Host().Network().Connectedness(victim.ID()) == network.Connected
	})
	t.Logf("reconnected %s after the cut began (redial every 300 ms)", time.Since(start).Round(time.Millisecond))
}

// TestRedialAfterRestart: a bootstrap peer that restarts (same identity,
// same addresses) is reconnected by every node within a few redial ticks,
// and the DHT works through it again.
func TestRedialAfterRestart(t *testing.T) {
	net := p2ptest.Start(t, 7, fastLiveness)
	net.WaitRoutingTables(5, 30*time.Second)
	old := net.Nodes[0]
	key, _ := old.Host().Peerstore().PrivKey(old.ID()), 0
	var addrs []string
	for _, a := range old.Host().Addrs() {
		addrs = append(addrs, a.String())
	}
	id := old.ID()
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	net.WaitFor(10*time.Second, "peers notice the restart", func() bool {
		for _, n := range net.Nodes[1:] {
			if n.Host().Network().Connectedness(id) == network.Connected {
				return false
			}
		}
		return true
	})
	// Give the others' dials time to fail and back off, as after a real
	// outage, then come back.
	time.Sleep(time.Second)
	cfg := net.Config(0)
	cfg.Identity, cfg.ListenAddrs = key, addrs
	cfg.Bootstrap = nil
	cfg.RedialInterval, cfg.PingInterval, cfg.PingTimeout = 300*time.Millisecond, 300*time.Millisecond, 500*time.Millisecond
	start := time.Now()
	back := net.Add(cfg)
	if back.ID() != id {
		t.Fatalf("restarted with id %s, want %s", back.ID(), id)
	}
	net.WaitFor(30*time.Second, "everyone reconnects to the restarted bootstrap peer", func() bool {
		return len(back.Peers()) >= len(net.Nodes)-2
	})
	t.Logf("restarted bootstrap peer reconnected by %d peers after %s (redial every 300 ms)", len(back.Peers()), time.Since(start).Round(time.Millisecond))

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	net.WaitFor(20*time.Second, "restarted node's routing table refills", func() bool { return back.RoutingTableSize() >= 4 })
	owner := p2p.NewSigner(p2ptest.Key(t))
	rec, _ := owner.Descriptor(&p2p.SubnetMetadata{Owner: owner.Address(), Name: "after-restart"}, 0)
	if err := net.Nodes[3].Put(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if _, _, err := back.GetSubnet(ctx, p2p.SubnetID(owner.Address(), "after-restart")); err != nil {
		t.Fatalf("restarted node cannot read the DHT: %v", err)
	}
}
