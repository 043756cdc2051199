package registry_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	mathrand "math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"google.golang.org/grpc"

	"github.com/ncn-network/ncn/chain/chaintest"
	"github.com/ncn-network/ncn/gpu/worker"
	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/host/registry"
	"github.com/ncn-network/ncn/host/registry/registrytest"
	"github.com/ncn-network/ncn/p2p"
	"github.com/ncn-network/ncn/p2p/p2ptest"
	"github.com/ncn-network/ncn/plugins"
)

// peerNode is a registry node with a plugin store of its own, on a real
// libp2p host, replicating.
type peerNode struct {
	r       *registry.Node
	p2p     *p2p.Node
	subnets *plugins.Subnets
	addr    string
}

// replicatingNetwork starts registry nodes for the first n staked
// validators of env, each with its own store, state file and libp2p host,
// bootstrapped from the first.
type replicatingNetwork struct {
	t     testing.TB
	env   *chaintest.Env
	nodes []*peerNode
	boot  []string
	cfg   func(*registry.Config) // if set, changes each node's configuration
}

func (nw *replicatingNetwork) add(i int) *peerNode {
	t := nw.t
	t.Helper()
	dir := t.TempDir()
	rt, store := registrytest.PluginStore(t, dir)
	subnets := plugins.NewSubnets(rt, store, plugins.LoadOptions{SkipSignature: true})
	t.Cleanup(func() { subnets.Close() })
	key := nw.env.Validators[i].Key
	cfg := registry.Config{
		Key: key, Domain: nw.env.Domain, Subnets: subnets, Stakes: nw.env.C, Store: store, Runtime: rt,
		StatePath: filepath.Join(dir, "registry.db"), HeartbeatInterval: 300 * time.Millisecond,
	}
	if nw.cfg != nil {
		nw.cfg(&cfg)
	}
	r, err := registry.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.MaxRecvMsgSize(32 << 20))
	r.Register(srv)
	go srv.Serve(ln)
	node, err := p2p.New(p2p.Config{Key: key, ListenAddrs: p2ptest.Loopback, Bootstrap: nw.boot, Blobs: r.PluginBlobs()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = node.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; srv.Stop(); r.Close(); node.Close() })
	if err := r.Replicate(ctx, node, registry.ReplicateConfig{Endpoint: ln.Addr().String(), Reannounce: time.Second, Finder: node}); err != nil {
		t.Fatal(err)
	}
	if len(nw.boot) == 0 {
		nw.boot = node.Addrs()[:1]
	}
	p := &peerNode{r: r, p2p: node, subnets: subnets, addr: ln.Addr().String()}
	nw.nodes = append(nw.nodes, p)
	return p
}

// waitSame waits until every node serves subnet id at config hash want.
func (nw *replicatingNetwork) waitSame(what, id, want string) {
	nw.t.Helper()
	p2ptest.WaitFor(nw.t, 30*time.Second, what, func() bool {
		for _, n := range nw.nodes {
			s, err := n.r.Subnet(id)
			if err != nil || s.ConfigHash != want {
				return false
			}
			h, err := n.subnets.Acquire(id)
			if err != nil {
				return false
			}
			got := h.ConfigHash()
			h.Release()
			if got != want {
				return false
			}
		}
		return true
	})
}

// TestSubnetChangesReplicate: an owner's changes at one registry node —
// creation, parameters, a model, a plugin uploaded there only, its
// activation, a rollback — reach every other node over gossip, the plugin
// fetched by hash from a peer and checked, so every node serves the same
// config hash. A node that joins afterwards catches up from digests, and a
// statement not signed by the owner is refused.
func TestSubnetChangesReplicate(t *testing.T) {
	env := chaintest.Simulated(t)
	nw := &replicatingNetwork{t: t, env: env}
	for i := range 3 {
		nw.add(i)
	}
	p2ptest.WaitFor(t, 30*time.Second, "gossip mesh", func() bool {
		for _, n := range nw.nodes {
			if len(n.p2p.TopicPeers(p2p.TopicActivation)) < len(nw.nodes)-1 {
				return false
			}
		}
		return true
	})
	ctx := context.Background()
	owner, _ := crypto.GenerateKey()
	first := nw.nodes[0].r

	s := must(first.CreateSubnet(ctx, must(registry.SignSubnet(owner, &pb.SubnetMetadata{Name: "replicated", Seq: 1,
		Params: map[string]string{"base_wei": "1000"}}))(t)))(t)
	nw.waitSame("creation everywhere", s.Id, s.ConfigHash)

	s = must(first.UpdateSubnet(ctx, must(registry.SignSubnet(owner, &pb.SubnetMetadata{Name: "replicated", Seq: 2, Validators: 5, Quorum: 3,
		Params: map[string]string{"base_wei": "2000"}}))(t)))(t)
	nw.waitSame("new parameters everywhere", s.Id, s.ConfigHash)
	created := s.ConfigHash

	_, here, _, _ := runtime.Caller(0)
	bundle, err := worker.LoadBundle(filepath.Join(filepath.Dir(here), "..", "..", "gpu", "worker", "models", "digits"))
	if err != nil {
		t.Fatal(err)
	}
	must(first.RegisterModel(ctx, must(registry.SignModel(owner, &pb.ModelDescriptor{Id: "digits", Subnet: s.Id,
		OutputSchema: []byte(`{"type":"object"}`), ManifestSha256: bundle.Digest}, 3))(t)))(t)
	p2ptest.WaitFor(t, 30*time.Second, "model everywhere", func() bool {
		for _, n := range nw.nodes {
			if len(n.r.ListModels(s.Id)) != 1 {
				return false
			}
		}
		return true
	})

	// The bundle's files, uploaded at one node, are served by every other,
	// fetched from it by hash.
	manifest, err := os.ReadFile(filepath.Join(bundle.Dir, worker.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	must(first.UploadModelFile(ctx, &pb.ModelFile{Subnet: s.Id, Model: "digits", Sha256: bundle.Digest, Data: manifest}))(t)
	p2ptest.WaitFor(t, 30*time.Second, "the manifest fetched from a peer", func() bool {
		f, err := nw.nodes[2].r.GetModelFile(ctx, &pb.ModelFileRef{Subnet: s.Id, Model: "digits", Sha256: bundle.Digest})
		return err == nil && string(f.Data) == string(manifest)
	})

	wasm, m := registrytest.PriceVariant(t, owner, "replicated-price")
	mb, _ := json.Marshal(m)
	must(first.UploadPlugin(ctx, &pb.UploadPluginRequest{Subnet: s.Id, Wasm: wasm, Manifest: mb}))(t)
	start := time.Now()
	act := must(first.ActivatePlugins(ctx, must(registry.SignActivation(owner, &pb.SignedActivation{Subnet: s.Id, Seq: 4, Plugins: map[string]string{"price": m.SHA256}}))(t)))(t)
	nw.waitSame("the activated plugin everywhere", s.Id, act.ConfigHash)
	t.Logf("activation served by all %d nodes after %v (plugin fetched by hash)", len(nw.nodes), time.Since(start).Round(time.Millisecond))
	for _, n := range nw.nodes[1:] {
		h := must(n.subnets.Acquire(s.Id))(t)
		p := must(h.Plugin("price"))(t)
		h.Release()
		if p.Manifest().SHA256 != m.SHA256 {
			t.Fatalf("node serves price plugin %s, want %s", p.Manifest().SHA256, m.SHA256)
		}
	}

	// A node that was not there catches up from the others' digests.
	late := nw.add(3)
	nw.waitSame("the late node caught up", s.Id, act.ConfigHash)
	if got := must(late.r.Subnet(s.Id))(t); got.Owner != s.Owner || got.Seq != 4 || got.Validators != 5 || len(late.r.ListModels(s.Id)) != 1 {
		t.Fatalf("late node has %v", got)
	}

	back := must(nw.nodes[2].r.RollbackPlugins(ctx, must(registry.SignActivation(owner, &pb.SignedActivation{Subnet: s.Id, Seq: 5, Back: 1}))(t)))(t)
	if back.ConfigHash != created {
		t.Fatalf("rolled back to %s, want %s", back.ConfigHash, created)
	}
	nw.waitSame("the rollback everywhere", s.Id, created)

	// Someone else's statement about the subnet goes nowhere.
	other, _ := crypto.GenerateKey()
	forged := must(registry.SignActivation(other, &pb.SignedActivation{Subnet: s.Id, Seq: 9, Plugins: map[string]string{"price": m.SHA256}}))(t)
	if _, err := nw.nodes[1].r.ActivatePlugins(ctx, forged); err == nil {
		t.Fatal("a stranger's activation was accepted")
	}
	time.Sleep(2 * time.Second) // digests go round
	nw.waitSame("still the owner's set everywhere", s.Id, created)
}

// TestLargeModelFileReplicates: a model file larger than a gRPC message
// and than a p2p blob held in memory, uploaded in parts at one node, is
// fetched to disk by another from it over the blob protocol, and served
// there range by range. While the fetch runs, the node answers ErrFetching
// with its progress.
func TestLargeModelFileReplicates(t *testing.T) {
	env := chaintest.Simulated(t)
	// Answer at once while fetching, so that the test sees it.
	nw := &replicatingNetwork{t: t, env: env, cfg: func(c *registry.Config) { c.ModelFetchWait = time.Millisecond }}
	for i := range 2 {
		nw.add(i)
	}
	ctx := context.Background()
	owner, _ := crypto.GenerateKey()
	first, second := nw.nodes[0].r, nw.nodes[1].r

	weights := make([]byte, 70<<20) // over p2p.Config.MaxBlobSize's default 64 MiB
	_, _ = mathrand.NewChaCha8([32]byte{1}).Read(weights)
	sha := sha256.Sum256(weights)
	manifest := fmt.Appendf(nil, `{"files":{"weights.bin":"%x"}}`, sha)
	msha := sha256.Sum256(manifest)
	s := must(first.CreateSubnet(ctx, must(registry.SignSubnet(owner, &pb.SubnetMetadata{Name: "large", Seq: 1, Models: []string{"big"}}))(t)))(t)
	must(first.RegisterModel(ctx, must(registry.SignModel(owner, &pb.ModelDescriptor{Id: "big", Subnet: s.Id, ManifestSha256: hex.EncodeToString(msha[:])}, 2))(t)))(t)
	p2ptest.WaitFor(t, 30*time.Second, "the model at the second node", func() bool { return len(second.ListModels(s.Id)) == 1 })

	must(first.UploadModelFile(ctx, &pb.ModelFile{Subnet: s.Id, Model: "big", Sha256: hex.EncodeToString(msha[:]), Data: manifest}))(t)
	for off := 0; off < len(weights); off += 16 << 20 {
		part := weights[off:min(off+16<<20, len(weights))]
		up := must(first.UploadModelFile(ctx, &pb.ModelFile{Subnet: s.Id, Model: "big", Sha256: hex.EncodeToString(sha[:]),
			Data: part, Offset: uint64(off), Size: uint64(len(weights))}))(t)
		if up.Received != uint64(off+len(part)) || up.Complete != (off+len(part) == len(weights)) {
			t.Fatalf("part at %d: %v", off, up)
		}
	}

	ref := &pb.ModelFileRef{Subnet: s.Id, Model: "big", Sha256: hex.EncodeToString(sha[:]), Limit: 16 << 20}
	var got []byte
	var waits int
	p2ptest.WaitFor(t, 60*time.Second, "the file fetched from the first node", func() bool {
		f, err := second.GetModelFile(ctx, ref)
		if errors.Is(err, registry.ErrFetching) {
			waits++
			return false
		}
		if err != nil {
			t.Logf("not yet: %v", err)
			return false
		}
		got = f.Data
		return true
	})
	for uint64(len(got)) < uint64(len(weights)) {
		ref.Offset = uint64(len(got))
		f := must(second.GetModelFile(ctx, ref))(t)
		if f.Size != uint64(len(weights)) || f.Offset != ref.Offset || len(f.Data) == 0 {
			t.Fatalf("range at %d: %d bytes at %d of %d", ref.Offset, len(f.Data), f.Offset, f.Size)
		}
		got = append(got, f.Data...)
	}
	if !bytes.Equal(got, weights) {
		t.Fatal("the second node serves other bytes")
	}
	if waits == 0 {
		t.Fatal("no ErrFetching while the file was on its way")
	}
	t.Logf("fetched %d MiB from a peer (%d answers of ErrFetching meanwhile)", len(weights)>>20, waits)
}
