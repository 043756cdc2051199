// Package p2ptest starts networks of real p2p nodes on the loopback
// interface for tests and benchmarks: every node listens on 127.0.0.1 (TCP
// and QUIC, ephemeral ports), bootstraps only from the network's first
// nodes, and never reaches outside the machine.
package p2ptest

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ncn-network/ncn/p2p"
)

// Loopback are listen addresses on 127.0.0.1 with ephemeral ports.
var Loopback = []string{"/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/udp/0/quic-v1"}

// Key returns a fresh Ethereum key.
func Key(tb testing.TB) *ecdsa.PrivateKey {
	tb.Helper()
	k, err := crypto.GenerateKey()
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// Network is a set of running nodes.
type Network struct {
	Nodes []*p2p.Node
	Keys  []*ecdsa.PrivateKey
	// Bootstrap are the addresses of the first nodes, which the others
	// bootstrap from.
	Bootstrap []string

	tb     testing.TB
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Option adjusts node i's Config before it starts.
type Option func(i int, cfg *p2p.Config)

// Start starts n nodes. Nodes 0 and 1 (when n > 2) are the bootstrap
// peers of everyone; each node gets its own Ethereum key and runs until
// the test ends. Start waits until every node is connected to a bootstrap
// peer.
func Start(tb testing.TB, n int, opts ...Option) *Network {
	tb.Helper()
	net := &Network{tb: tb}
	net.ctx, net.cancel = context.WithCancel(context.Background())
	tb.Cleanup(net.Close)
	seeds := 1
	if n > 2 {
		seeds = 2
	}
	for i := 0; i < n; i++ {
		cfg := net.Config(i)
		if i < seeds {
			cfg.Bootstrap = append([]string{}, net.Bootstrap...)
		}
		for _, o := range opts {
			o(i, &cfg)
		}
		node := net.Add(cfg)
		if i < seeds {
			net.Bootstrap = append(net.Bootstrap, node.Addrs()[0])
		}
	}
	// The first seed started before the second existed: tell it.
	if seeds == 2 {
		net.Nodes[0].Host().Peerstore().AddAddrs(net.Nodes[1].ID(), net.Nodes[1].Host().Addrs(), time.Hour)
	}
	net.WaitFor(30*time.Second, "every node connected", func() bool {
		for _, nd := range net.Nodes {
			if len(nd.Peers()) == 0 {
				return false
			}
		}
		return true
	})
	return net
}

// Config is the test configuration of node i: loopback addresses, a new
// Ethereum key, the network's bootstrap peers.
func (net *Network) Config(i int) p2p.Config {
	k := Key(net.tb)
	return p2p.Config{
		Key:         k,
		ListenAddrs: Loopback,
		Bootstrap:   append([]string{}, net.Bootstrap...),
	}
}

// Add starts one more node with cfg and runs it until the network closes.
func (net *Network) Add(cfg p2p.Config) *p2p.Node {
	net.tb.Helper()
	node, err := p2p.New(cfg)
	if err != nil {
		net.tb.Fatalf("node %d: %v", len(net.Nodes), err)
	}
	net.Nodes = append(net.Nodes, node)
	net.Keys = append(net.Keys, cfg.Key)
	net.wg.Add(1)
	go func() {
		defer net.wg.Done()
		_ = node.Run(net.ctx)
	}()
	return node
}

// Close stops and closes every node.
func (net *Network) Close() {
	net.cancel()
	net.wg.Wait()
	for _, n := range net.Nodes {
		_ = n.Close()
	}
}

// WaitFor polls cond every 20 ms until it holds, failing the test after
// timeout. The timeout is a bound on a hang, not a performance claim.
func (net *Network) WaitFor(timeout time.Duration, what string, cond func() bool) {
	net.tb.Helper()
	WaitFor(net.tb, timeout, what, cond)
}

// WaitFor polls cond every 20 ms until it holds, failing after timeout.
func WaitFor(tb testing.TB, timeout time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("gave up after %s waiting for: %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// WaitRoutingTables waits until every server node has at least min peers
// in its routing table.
func (net *Network) WaitRoutingTables(min int, timeout time.Duration) {
	net.tb.Helper()
	net.WaitFor(timeout, fmt.Sprintf("routing tables of %d+ peers", min), func() bool {
		for _, n := range net.Nodes {
			if n.RoutingTableSize() < min {
				return false
			}
		}
		return true
	})
}

// Blobs is an in-memory p2p.BlobStore.
type Blobs struct {
	mu sync.Mutex
	m  map[p2p.Hash][]byte
}

// Put stores b under hash (which need not be its sha256: tests use that
// to make a corrupt provider).
func (s *Blobs) Put(hash p2p.Hash, b []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[p2p.Hash][]byte{}
	}
	s.m[hash] = b
}

// OpenBlob implements p2p.BlobStore.
func (s *Blobs) OpenBlob(hash p2p.Hash) (p2p.Blob, int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.m[hash]
	if !ok {
		return nil, 0, p2p.ErrNotFound
	}
	return p2p.BytesBlob(b), int64(len(b)), nil
}
