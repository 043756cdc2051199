package p2p_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/libp2p/go-libp2p"
	dht "github.com/libp2p/go-libp2p-kad-dht"
	record "github.com/libp2p/go-libp2p-record"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/ncn-network/ncn/p2p"
	"github.com/ncn-network/ncn/p2p/p2ptest"
)

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// TestNetwork runs one network of 8 real hosts on loopback through the
// whole surface: routing tables, records (good and bad), discovery.
func TestNetwork(t *testing.T) {
	net := p2ptest.Start(t, 8)
	net.WaitRoutingTables(len(net.Nodes)-2, 30*time.Second)

	t.Run("routing tables fill", func(t *testing.T) {
		for i, n := range net.Nodes {
			t.Logf("node %d: %d peers in routing table, %d connected", i, n.RoutingTableSize(), len(n.Peers()))
		}
	})

	owner := p2p.NewSigner(p2ptest.Key(t))
	subnet := &p2p.SubnetMetadata{Owner: owner.Address(), Name: "text-gen", ConfigHash: p2p.Hash{7}}
	subnetID := p2p.SubnetID(owner.Address(), "text-gen")
	model := &p2p.ModelDescriptor{Owner: owner.Address(), Name: "charlm", SHA256: p2p.Hash{9}, Subnets: []p2p.Hash{subnetID}}
	modelID := p2p.ModelID(owner.Address(), "charlm")

	t.Run("records replicate", func(t *testing.T) {
		ctx := ctxT(t, 30*time.Second)
		rec, err := owner.Descriptor(subnet, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := net.Nodes[2].Put(ctx, rec); err != nil {
			t.Fatal(err)
		}
		mrec, _ := owner.Descriptor(model, 0)
		if err := net.Nodes[3].Put(ctx, mrec); err != nil {
			t.Fatal(err)
		}
		for i, n := range net.Nodes {
			got, _, err := n.GetSubnet(ctx, subnetID)
			if err != nil || got.ConfigHash != subnet.ConfigHash {
				t.Fatalf("node %d: subnet %+v, %v", i, got, err)
			}
			if m, _, err := n.GetModel(ctx, modelID); err != nil || m.SHA256 != model.SHA256 {
				t.Fatalf("node %d: model %+v, %v", i, m, err)
			}
		}
		// An update with a higher seq replaces it everywhere.
		subnet.ConfigHash = p2p.Hash{8}
		rec2, _ := owner.Descriptor(subnet, 0)
		if err := net.Nodes[5].Put(ctx, rec2); err != nil {
			t.Fatal(err)
		}
		for i, n := range net.Nodes {
			got, _, err := n.GetSubnet(ctx, subnetID)
			if err != nil || got.ConfigHash != (p2p.Hash{8}) {
				t.Fatalf("node %d after update: %+v, %v", i, got, err)
			}
		}
		// Putting the older version again is refused.
		if err := net.Nodes[5].Put(ctx, rec); !errors.Is(err, p2p.ErrStale) {
			t.Fatalf("re-put of old version: %v, want ErrStale", err)
		}
	})

	t.Run("bad records rejected by the network", func(t *testing.T) {
		ctx := ctxT(t, 60*time.Second)
		evil := startEvil(t, net)
		victim := p2p.NewSigner(p2ptest.Key(t))
		attacker := p2p.NewSigner(p2ptest.Key(t))

		// A current record for the victim, which the stale one must not replace.
		cur := &p2p.NodeDescriptor{Address: victim.Address(), PeerID: net.Nodes[0].ID().String(), Roles: []p2p.Role{p2p.RoleGateway}, Endpoints: []string{"old"}}
		staleRec, _ := victim.Descriptor(cur, time.Hour)
		cur.Endpoints = []string{"new"}
		newRec, _ := victim.Descriptor(cur, time.Hour)
		if err := net.Nodes[1].Put(ctx, newRec); err != nil {
			t.Fatal(err)
		}

		unsigned, _ := victim.Descriptor(&p2p.NodeDescriptor{Address: attacker.Address(), PeerID: testPeer, Roles: []p2p.Role{p2p.RoleCompute}}, time.Hour)
		unsigned.Sig = [p2p.SigLen]byte{}
		forged, _ := attacker.Descriptor(&p2p.NodeDescriptor{Address: common.Address{0xf0}, PeerID: testPeer, Roles: []p2p.Role{p2p.RoleCompute}}, time.Hour)
		big, _ := attacker.Descriptor(&p2p.NodeDescriptor{Address: attacker.Address(), PeerID: testPeer, Roles: []p2p.Role{p2p.RoleCompute},
			Endpoints: []string{string(bytes.Repeat([]byte("e"), p2p.DefaultMaxRecordSize))}}, time.Hour)

		for _, c := range []struct {
			name string
			rec  *p2p.Record
		}{
			{"unsigned", unsigned},
			{"forged", forged},
			{"oversized", big},
			{"stale", staleRec},
		} {
			t.Run(c.name, func(t *testing.T) {
				b, _ := c.rec.Marshal()
				// The evil node's DHT accepts anything and pushes it to the
				// closest peers; honest nodes must refuse to store or return it.
				_ = evil.PutValue(ctx, c.rec.DHTKey(), b)
				for i, n := range net.Nodes {
					got, err := n.Get(ctx, c.rec.Namespace, c.rec.Key)
					if c.name == "stale" {
						if err != nil || got.Seq != newRec.Seq {
							t.Fatalf("node %d: got %v, %v; want the newer record", i, got, err)
						}
						continue
					}
					if err == nil {
						t.Fatalf("node %d returned a %s record", i, c.name)
					}
				}
			})
		}
	})

	t.Run("discovery of a subnet's compute nodes", func(t *testing.T) {
		ctx := ctxT(t, 60*time.Second)
		// Three compute nodes join as DHT clients and advertise.
		var compute []*p2p.Node
		for i := 0; i < 3; i++ {
			cfg := net.Config(0)
			cfg.Mode = p2p.ModeClient
			compute = append(compute, net.Add(cfg))
		}
		// A node advertises once it has joined: its routing table holds the
		// servers its provider records go to.
		net.WaitFor(20*time.Second, "compute nodes joined", func() bool {
			for _, c := range compute {
				if c.RoutingTableSize() < 6 {
					return false
				}
			}
			return true
		})
		for i, c := range compute {
			models := []p2p.Hash{modelID}
			if i == 2 {
				models = nil
			}
			_, err := c.AdvertiseNode(ctx, &p2p.NodeDescriptor{Roles: []p2p.Role{p2p.RoleCompute}, Subnets: []p2p.Hash{subnetID}, Models: models,
				Accelerators: []p2p.Accelerator{{Kind: "cpu", Count: 2}}, Endpoints: []string{fmt.Sprintf("grpc://127.0.0.1:%d", 6000+i)}})
			if err != nil {
				t.Fatalf("advertise %d: %v", i, err)
			}
		}
		want := func(n int) []common.Address {
			var out []common.Address
			for _, c := range compute[:n] {
				out = append(out, c.Signer().Address())
			}
			slices.SortFunc(out, func(a, b common.Address) int { return bytes.Compare(a[:], b[:]) })
			return out
		}
		for i, n := range net.Nodes[:8] {
			// A lookup on a loaded machine may miss a provider whose
			// answer is late; the next one finds it.
			var found []p2p.Found
			for try := 1; ; try++ {
				var err error
				if found, err = n.FindNodes(ctx, p2p.SubnetCID(subnetID), 0); err != nil {
					t.Fatal(err)
				}
				if slices.Equal(addrs(found), want(3)) || try == 3 {
					break
				}
				t.Logf("node %d, lookup %d: %d of 3 compute nodes", i, try, len(found))
			}
			if got := addrs(found); !slices.Equal(got, want(3)) {
				provs, _ := n.FindProviders(ctx, p2p.SubnetCID(subnetID), 0)
				for _, p := range provs {
					_, err := n.FetchDescriptor(ctx, p, p2p.NamespaceNode)
					t.Logf("provider %s addrs %v: %v", p.ID, p.Addrs, err)
				}
				t.Fatalf("node %d: subnet nodes %v, want %v", i, got, want(3))
			}
			byModel, err := n.FindNodes(ctx, p2p.ModelCID(modelID), 0)
			if err != nil {
				t.Fatal(err)
			}
			if got := addrs(byModel); !slices.Equal(got, want(2)) {
				t.Fatalf("node %d: model nodes %v, want %v", i, got, want(2))
			}
		}
		// And by address, from the DHT.
		d, _, err := net.Nodes[4].GetNode(ctx, compute[0].Signer().Address())
		if err != nil || d.PeerID != compute[0].ID().String() {
			t.Fatalf("GetNode: %+v, %v", d, err)
		}
	})

	t.Run("validators", func(t *testing.T) {
		ctx := ctxT(t, 30*time.Second)
		for _, n := range net.Nodes[:5] {
			if _, err := n.AdvertiseValidator(ctx, &p2p.ValidatorDescriptor{Endpoints: []string{"grpc://127.0.0.1:50050"}}); err != nil {
				t.Fatal(err)
			}
		}
		found, err := net.Nodes[7].FindValidators(ctx, 0)
		if err != nil || len(found) != 5 {
			t.Fatalf("FindValidators: %d, %v", len(found), err)
		}
	})
}

func addrs(found []p2p.Found) []common.Address {
	var out []common.Address
	for _, f := range found {
		out = append(out, f.Node.Address)
	}
	slices.SortFunc(out, func(a, b common.Address) int { return bytes.Compare(a[:], b[:]) })
	return out
}

// acceptAll is the evil node's validator: it stores and forwards anything.
type acceptAll struct{}

func (acceptAll) Validate(string, []byte) error        { return nil }
func (acceptAll) Select(string, [][]byte) (int, error) { return 0, nil }

// startEvil starts a bare libp2p host with a DHT on our protocol that
// accepts every record, connected to the network.
func startEvil(t *testing.T, net *p2ptest.Network) *dht.IpfsDHT {
	h, err := libp2p.New(libp2p.ListenAddrStrings(p2ptest.Loopback...), libp2p.DisableRelay(), libp2p.DisableMetrics())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	nsval := record.NamespacedValidator{}
	for _, ns := range p2p.Namespaces {
		nsval[ns.String()] = acceptAll{}
	}
	d, err := dht.New(h, dht.Mode(dht.ModeServer), dht.ProtocolPrefix("/ncn"), dht.Validator(nsval))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	ctx := ctxT(t, 20*time.Second)
	for _, n := range net.Nodes[:2] {
		if err := h.Connect(ctx, peer.AddrInfo{ID: n.ID(), Addrs: n.Host().Addrs()}); err != nil {
			t.Fatal(err)
		}
	}
	<-d.RefreshRoutingTable()
	return d
}

// TestGossip: every node of 8 receives what one publishes; the topic
// validator's rejections stop a message at the first hop; a burst of 1000
// arrives whole.
func TestGossip(t *testing.T) {
	net := p2ptest.Start(t, 8)
	net.WaitRoutingTables(len(net.Nodes)-2, 30*time.Second)
	bad := []byte("bad")
	subs := make([]*p2p.Subscription, len(net.Nodes))
	for i, n := range net.Nodes {
		err := n.Join(p2p.TopicMempool, func(_ context.Context, _ peer.ID, _ common.Address, m *p2p.Message) error {
			if bytes.HasPrefix(m.Payload, bad) {
				return errors.New("bad entry")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if subs[i], err = n.Subscribe(p2p.TopicMempool); err != nil {
			t.Fatal(err)
		}
	}
	net.WaitFor(30*time.Second, "topic meshes", func() bool {
		for _, n := range net.Nodes {
			if len(n.TopicPeers(p2p.TopicMempool)) < 2 {
				return false
			}
		}
		return true
	})
	ctx := ctxT(t, 120*time.Second)

	t.Run("delivery and validation", func(t *testing.T) {
		// A bad message, signed, published by a node whose own validator
		// would refuse it: it is refused locally.
		if err := net.Nodes[0].Publish(ctx, p2p.TopicMempool, []byte("bad: local")); err == nil {
			t.Fatal("publishing a message the local validator rejects succeeded")
		}
		// A forwarded one injected by raw pubsub would be rejected by the
		// first receiver; the good message after it must be the first thing
		// every node sees.
		if err := net.Nodes[3].Publish(ctx, p2p.TopicMempool, []byte("good 1")); err != nil {
			t.Fatal(err)
		}
		for i, s := range subs {
			d, err := s.Next(ctx)
			if err != nil {
				t.Fatalf("node %d: %v", i, err)
			}
			if string(d.Message.Payload) != "good 1" || d.Signer != net.Nodes[3].Signer().Address() {
				t.Fatalf("node %d got %q from %s", i, d.Message.Payload, d.Signer)
			}
		}
		// The same envelope published again is a duplicate and not delivered.
		m, _ := net.Nodes[3].Signer().Message(net.Nodes[3].TopicName(p2p.TopicMempool), []byte("dup"))
		for range 2 {
			_ = net.Nodes[3].PublishMessage(ctx, p2p.TopicMempool, m)
		}
		// A message for another topic, wrongly signed, or too old is refused.
		other, _ := net.Nodes[3].Signer().Message(net.Nodes[3].TopicName(p2p.TopicEvidence), []byte("wrong topic"))
		if err := net.Nodes[3].PublishMessage(ctx, p2p.TopicMempool, other); err == nil {
			t.Fatal("message signed for another topic was published")
		}
		old, _ := net.Nodes[3].Signer().Message(net.Nodes[3].TopicName(p2p.TopicMempool), []byte("old"))
		old.Issued = time.Now().Add(-time.Hour)
		_ = old.Sign(net.Keys[3])
		if err := net.Nodes[3].PublishMessage(ctx, p2p.TopicMempool, old); err == nil {
			t.Fatal("a message an hour old was published")
		}
		forged, _ := net.Nodes[3].Signer().Message(net.Nodes[3].TopicName(p2p.TopicMempool), []byte("forged"))
		forged.Payload = []byte("bad forged")
		_ = net.Nodes[3].PublishMessage(ctx, p2p.TopicMempool, forged)
		if err := net.Nodes[4].Publish(ctx, p2p.TopicMempool, []byte("end")); err != nil {
			t.Fatal(err)
		}
		// Messages of different publishers may arrive in any order: read
		// until both the duplicate and the end marker are in.
		for i, s := range subs {
			var got []string
			for !slices.Contains(got, "end") || !slices.Contains(got, "dup") {
				d, err := s.Next(ctx)
				if err != nil {
					t.Fatalf("node %d: %v", i, err)
				}
				got = append(got, string(d.Message.Payload))
			}
			if n := countOf(got, "dup"); n != 1 || slices.ContainsFunc(got, func(s string) bool { return bytes.HasPrefix([]byte(s), bad) }) {
				t.Fatalf("node %d got %q: want one dup and no bad message", i, got)
			}
		}
	})

	t.Run("burst of 1000", func(t *testing.T) {
		const burst = 1000
		go func() {
			for i := range burst {
				if err := net.Nodes[1].Publish(ctx, p2p.TopicMempool, fmt.Appendf(nil, "burst %d", i)); err != nil {
					t.Errorf("publish %d: %v", i, err)
					return
				}
			}
		}()
		var wg sync.WaitGroup
		counts := make([]int, len(subs))
		for i, s := range subs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				seen := map[string]bool{}
				defer func() { counts[i] = len(seen) }() // also what arrived before a timeout
				for len(seen) < burst {
					d, err := s.Next(ctx)
					if err != nil {
						return
					}
					seen[string(d.Message.Payload)] = true
				}
			}()
		}
		wg.Wait()
		for i, c := range counts {
			if c != burst {
				t.Errorf("node %d received %d of %d", i, c, burst)
			}
		}
	})
}

func countOf(s []string, v string) (n int) {
	for _, x := range s {
		if x == v {
			n++
		}
	}
	return n
}

// TestBlobFetch: a blob is fetched by hash past a provider that serves
// corrupt bytes; with only corrupt providers the fetch fails with ErrCorrupt.
func TestBlobFetch(t *testing.T) {
	stores := make([]*p2ptest.Blobs, 7)
	net := p2ptest.Start(t, 7, func(i int, cfg *p2p.Config) {
		stores[i] = &p2ptest.Blobs{}
		cfg.Blobs = stores[i]
	})
	net.WaitRoutingTables(4, 30*time.Second)
	ctx := ctxT(t, 60*time.Second)

	wasm := bytes.Repeat([]byte("\x00asm plugin "), 10000)
	sha := p2p.Hash(sha256.Sum256(wasm))
	corrupt := append(bytes.Clone(wasm[:len(wasm)-1]), 'X')

	stores[2].Put(sha, corrupt)
	if err := net.Nodes[2].Provide(ctx, p2p.BlobCID(sha)); err != nil {
		t.Fatal(err)
	}
	if _, err := net.Nodes[6].FetchBlob(ctx, sha); !errors.Is(err, p2p.ErrCorrupt) {
		t.Fatalf("fetch with only a corrupt provider: %v, want ErrCorrupt", err)
	}
	stores[4].Put(sha, wasm)
	if err := net.Nodes[4].Provide(ctx, p2p.BlobCID(sha)); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 5, 6} {
		got, err := net.Nodes[i].FetchBlob(ctx, sha)
		if err != nil || !bytes.Equal(got, wasm) {
			t.Fatalf("node %d: %d bytes, %v", i, len(got), err)
		}
	}
	if _, err := net.Nodes[0].FetchBlob(ctx, p2p.Hash{1}); !errors.Is(err, p2p.ErrNotFound) {
		t.Fatalf("fetch of an unknown blob: %v, want ErrNotFound", err)
	}

	// To a file: it resumes after the bytes already there, starts again
	// when those are not the blob's, and respects the size cap.
	dir := t.TempDir()
	path := filepath.Join(dir, "blob")
	var first int64 = -1
	progress := func(have, size int64) {
		if first < 0 {
			first = have
		}
		if size != int64(len(wasm)) || have > size {
			t.Errorf("progress %d of %d", have, size)
		}
	}
	fetchFile := func(prefix []byte, maxSize int64) error {
		t.Helper()
		first = -1
		if err := os.WriteFile(path, prefix, 0o644); err != nil {
			t.Fatal(err)
		}
		return net.Nodes[5].FetchBlobFile(ctx, sha, path, maxSize, progress)
	}
	for _, c := range []struct {
		name   string
		prefix []byte
		from   int64 // the offset the transfer starts from at last
	}{
		{"empty", nil, 0},
		{"the blob's start", wasm[:40000], 40000},
		{"all of it", wasm, int64(len(wasm))},
		{"other bytes", bytes.Repeat([]byte("x"), 40000), 0},
		{"longer than the blob", bytes.Repeat([]byte("x"), len(wasm)+1), 0},
	} {
		if err := fetchFile(c.prefix, 1<<20); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got, _ := os.ReadFile(path); !bytes.Equal(got, wasm) {
			t.Fatalf("%s: the file holds %d other bytes", c.name, len(got))
		}
		if c.from > 0 && first != c.from {
			t.Fatalf("%s: the transfer started at %d, want %d", c.name, first, c.from)
		}
	}
	if err := fetchFile(nil, int64(len(wasm)-1)); !errors.Is(err, p2p.ErrTooLarge) {
		t.Fatalf("over the size cap: %v, want ErrTooLarge", err)
	}
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	sha2 := p2p.Hash(sha256.Sum256(corrupt))
	stores[2].Put(sha2, wasm) // a provider serving other bytes under sha2
	if err := net.Nodes[2].Provide(ctx, p2p.BlobCID(sha2)); err != nil {
		t.Fatal(err)
	}
	if err := net.Nodes[5].FetchBlobFile(ctx, sha2, path, 1<<20, nil); !errors.Is(err, p2p.ErrCorrupt) {
		t.Fatalf("from a corrupt provider: %v, want ErrCorrupt", err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() != 0 {
		t.Fatalf("corrupt bytes left at the path: %v %v", fi.Size(), err)
	}

	// A peer that speaks only blob/1.0.0 (an older node) still serves it.
	old := net.Nodes[3]
	old.Host().RemoveStreamHandler(protocol.ID("/ncn/blob/2.0.0"))
	stores[3].Put(sha, wasm)
	p2ptest.WaitFor(t, 10*time.Second, "node 6 learning that node 3 dropped blob/2.0.0 (identify push)", func() bool {
		ps, err := net.Nodes[6].Host().Peerstore().SupportsProtocols(old.Host().ID(), protocol.ID("/ncn/blob/2.0.0"))
		return err == nil && len(ps) == 0
	})
	got, err := net.Nodes[6].FetchBlobFrom(ctx, peer.AddrInfo{ID: old.Host().ID(), Addrs: old.Host().Addrs()}, sha)
	if err != nil || !bytes.Equal(got, wasm) {
		t.Fatalf("from a blob/1.0.0 peer: %d bytes, %v", len(got), err)
	}
}
