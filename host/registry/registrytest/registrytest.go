// Package registrytest runs a registry node for the tests of what talks
// to one (the subnet owner's command line, gateways): a real node on
// loopback gRPC with a plugin store, the builtin plugins and a state file,
// but no chain; and a signed test plugin to upload to it.
package registrytest

import (
	"context"
	"crypto/ecdsa"
	"encoding/binary"
	"encoding/json"
	"math/big"
	"net"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/ncn-network/ncn/abi"
	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/host/registry"
	"github.com/ncn-network/ncn/plugins"
	"github.com/ncn-network/ncn/plugins/builtin"
	"github.com/ncn-network/ncn/plugins/pluginstest"
)

// Node is a registry node serving P2PRegistryService on 127.0.0.1.
type Node struct {
	*registry.Node
	Addr    string // host:port
	Subnets *plugins.Subnets
	Store   *plugins.Store

	dir  string
	rt   *plugins.Runtime
	stop func()
}

// noStake is a chain without staked validators: the node serves the
// subnet, model and plugin calls, and refuses quorums.
type noStake struct{}

func (noStake) ActiveValidators(context.Context) ([]common.Address, []*big.Int, error) {
	return nil, nil, nil
}

// Start starts a node; it stops when the test ends.
func Start(t testing.TB) *Node {
	t.Helper()
	dir := t.TempDir()
	rt, store := PluginStore(t, dir)
	return start(t, dir, rt, store)
}

// PluginStore is a plugin runtime (compilation cache in dir) and store
// (dir/plugins.db) as a registry node keeps them, closed when the test
// ends.
func PluginStore(t testing.TB, dir string) (*plugins.Runtime, *plugins.Store) {
	t.Helper()
	rt, err := plugins.NewRuntime(plugins.Config{CacheDir: filepath.Join(dir, "cache")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	store, err := plugins.OpenStore(filepath.Join(dir, "plugins.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return rt, store
}

// Restart stops n and starts a node on its state file and plugin store,
// as a restarted process would: its subnets, models and active plugins
// come back from them.
func (n *Node) Restart(t testing.TB) *Node {
	t.Helper()
	n.stop()
	return start(t, n.dir, n.rt, n.Store)
}

func start(t testing.TB, dir string, rt *plugins.Runtime, store *plugins.Store) *Node {
	t.Helper()
	// As the daemon: the builtins ship unsigned; uploads are checked
	// against their owner's signature on the way in.
	subnets := plugins.NewSubnets(rt, store, plugins.LoadOptions{SkipSignature: true})
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	r, err := registry.New(registry.Config{
		Key: key, Domain: chain.Domain{ChainID: big.NewInt(1337), Contract: common.Address{1}},
		Subnets: subnets, Stakes: noStake{}, Store: store, Runtime: rt,
		StatePath: filepath.Join(dir, "registry.db"),
	})
	if err != nil {
		subnets.Close()
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.MaxRecvMsgSize(32 << 20))
	r.Register(srv)
	go srv.Serve(ln)
	var once sync.Once
	stop := func() { once.Do(func() { srv.Stop(); r.Close(); subnets.Close() }) }
	t.Cleanup(stop)
	return &Node{Node: r, Addr: ln.Addr().String(), Subnets: subnets, Store: store, dir: dir, rt: rt, stop: stop}
}

// Client is a P2PRegistryService client of n, closed when the test ends,
// taking messages up to 64 MiB each way (plugins, model file parts).
func (n *Node) Client(t testing.TB) pb.P2PRegistryServiceClient {
	t.Helper()
	conn, err := grpc.NewClient(n.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(64<<20), grpc.MaxCallSendMsgSize(64<<20)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return pb.NewP2PRegistryServiceClient(conn)
}

// FixedPrice is a price plugin that prices every request at 1, 2, 3 and
// 4 wei (compute, gateway, validators, treasury): plugins/testdata/hostile,
// built as a plugin author builds it, with a manifest signed by key whose
// one self-test vector expects compute amount want. With want "1" it
// passes its self-test; with anything else it fails it.
func FixedPrice(t testing.TB, key *ecdsa.PrivateKey, want string) ([]byte, plugins.Manifest) {
	t.Helper()
	wasm := pluginstest.Build(t, "plugins/testdata/hostile")
	in, _ := json.Marshal(abi.PriceInput{Version: abi.Version, Subnet: "test", Model: "m", InputTokens: 1})
	out, _ := json.Marshal(abi.PriceOutput{Version: abi.Version, Compute: want, Gateway: "2", Validators: "3", Treasury: "4"})
	m := plugins.Manifest{Name: "fixed-price", Version: "1.0.0", Kinds: []abi.Kind{abi.KindPrice}, ABIVersion: abi.Version,
		SHA256: plugins.HashWasm(wasm), Binary: true,
		SelfTests: []plugins.SelfTest{{Name: "fixed price", Kind: abi.KindPrice, Input: in, Output: out}}}
	if err := m.Sign(key); err != nil {
		t.Fatal(err)
	}
	return wasm, m
}

// PriceVariant is the builtin price plugin as a plugin of its own, named
// name and signed by key: the builtin defaults module with a custom
// section naming it appended (a valid module, the same code, another
// sha256), declaring only the price kind, with the builtin's price
// self-tests. It loads in milliseconds, so tests can upload and activate
// it on many nodes; activating it changes a subnet's config hash and not
// its prices.
func PriceVariant(t testing.TB, key *ecdsa.PrivateKey, name string) ([]byte, plugins.Manifest) {
	t.Helper()
	wasm, m, err := builtin.Defaults()
	if err != nil {
		t.Fatal(err)
	}
	wasm = append(slices.Clone(wasm), customSection("ncn-test", []byte(name))...)
	tests := m.SelfTests[:0:0]
	for _, st := range m.SelfTests {
		if st.Kind == abi.KindPrice {
			tests = append(tests, st)
		}
	}
	v := plugins.Manifest{Name: name, Version: "1.0.0", Kinds: []abi.Kind{abi.KindPrice}, ABIVersion: abi.Version,
		SHA256: plugins.HashWasm(wasm), Binary: m.Binary, Limits: m.Limits, SelfTests: tests}
	if err := v.Sign(key); err != nil {
		t.Fatal(err)
	}
	return wasm, v
}

// customSection encodes a WebAssembly custom section (id 0).
func customSection(name string, payload []byte) []byte {
	body := binary.AppendUvarint(nil, uint64(len(name)))
	body = append(append(body, name...), payload...)
	return append(binary.AppendUvarint([]byte{0}, uint64(len(body))), body...)
}
