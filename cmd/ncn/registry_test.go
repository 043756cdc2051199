package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/ncn-network/ncn/abi"
	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/host/devchain"
	"github.com/ncn-network/ncn/host/registry"
	"github.com/ncn-network/ncn/host/registry/registrytest"
	"github.com/ncn-network/ncn/plugins"
	"github.com/ncn-network/ncn/plugins/builtin"
)

// registryProc is one `ncn registry` process.
type registryProc struct {
	cmd      *exec.Cmd
	grpc     string
	p2p      string
	addr     string
	metrics  string // http://host:port/metrics
	done     chan error
	stderr   *strings.Builder
	stdout   *strings.Builder
	conn     *grpc.ClientConn
	registry pb.P2PRegistryServiceClient
}

// regOpts places a registry process: in a network namespace, on an
// address; the zero value is loopback in this namespace.
type regOpts struct {
	netns   string
	ip      string
	datadir string // default a new temporary directory
	extra   []string
}

func startRegistry(t *testing.T, bin string, m devchain.Manifest, manifestPath string, i int, bootstrap string, opts ...regOpts) *registryProc {
	t.Helper()
	var o regOpts
	if len(opts) > 0 {
		o = opts[0]
	}
	ip := o.ip
	if ip == "" {
		ip = "127.0.0.1"
	}
	acct, ok := m.Account(fmt.Sprintf("validator-%d", i+1))
	if !ok {
		t.Fatalf("devchain has no validator-%d", i+1)
	}
	if o.datadir == "" {
		o.datadir = filepath.Join(t.TempDir(), "r")
	}
	args := []string{"registry", "--devchain", manifestPath, "--key", acct.Keystore, "--datadir", o.datadir,
		"--grpc-listen-addr", ip + ":0", "--metrics-listen-addr", ip + ":0", "--p2p-listen-addr", "/ip4/" + ip + "/tcp/0", "--heartbeat", "2s", "--p2p-prefix", "/ncn-test"} // 6 s to unavailable: room for a loaded machine
	if bootstrap != "" {
		args = append(args, "--bootstrap", bootstrap)
	}
	args = append(args, o.extra...)
	cmd := exec.Command(bin, args...)
	if o.netns != "" {
		// ip netns exec execs ncn in place: the pid is ncn's.
		cmd = exec.Command("ip", append([]string{"netns", "exec", o.netns, bin}, args...)...)
	}
	cmd.Env = envWithout("RPC_URL")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	r := &registryProc{cmd: cmd, done: make(chan error, 1), stderr: &strings.Builder{}, stdout: &strings.Builder{}}
	cmd.Stderr = r.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			r.stdout.WriteString(line + "\n")
			k, v, _ := strings.Cut(line, ": ")
			switch {
			case k == "grpc":
				r.grpc = v
			case k == "p2p" && r.p2p == "":
				r.p2p = v
			case k == "validator":
				r.addr = v
			case k == "metrics":
				r.metrics = v
			case line == "ready":
				close(ready)
			}
		}
		_, _ = io.Copy(io.Discard, out)
		r.done <- cmd.Wait()
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	select {
	case <-ready:
	case err := <-r.done:
		t.Fatalf("registry %d exited before ready: %v\n%s%s", i, err, r.stdout, r.stderr)
	case <-time.After(time.Minute):
		t.Fatalf("registry %d not ready\n%s%s", i, r.stdout, r.stderr)
	}
	r.conn, err = grpc.NewClient(r.grpc, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.conn.Close() })
	r.registry = pb.NewP2PRegistryServiceClient(r.conn)
	return r
}

func (r *registryProc) discover(ctx context.Context, role pb.NodeRole) ([]*pb.NodeInfo, error) {
	s, err := r.registry.DiscoverNodes(ctx, &pb.DiscoverNodesRequest{Role: role})
	if err != nil {
		return nil, err
	}
	var out []*pb.NodeInfo
	for {
		n, err := s.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
}

// TestRegistryNetwork runs seven `ncn registry` processes over a served
// chain, joined over libp2p on loopback: a compute node and a gateway
// registered at one node are discovered at every other; a preprocessing
// quorum (3 of 5) forms at any node, and still forms with two registry
// processes killed; reputation ends the same on every node; SIGINT stops
// a node cleanly.
func TestRegistryNetwork(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs eight processes")
	}
	bin := ncnBinary(t)
	dir := t.TempDir()
	startServe(t, bin, dir, 7)
	manifestPath := filepath.Join(dir, devchain.ManifestFile)
	m, err := devchain.ReadManifest(manifestPath)
	if err != nil {
		t.Fatal(err)
	}
	const n = 7
	dir1 := filepath.Join(t.TempDir(), "r1")
	nodes := []*registryProc{startRegistry(t, bin, m, manifestPath, 0, "", regOpts{datadir: dir1})}
	for i := 1; i < n; i++ {
		nodes = append(nodes, startRegistry(t, bin, m, manifestPath, i, nodes[0].p2p))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	compute, gateway, client := devKey(t, m, "compute"), devKey(t, m, "gateway"), devKey(t, m, "client")
	register(ctx, t, nodes[0], compute, &pb.NodeInfo{Role: pb.NodeRole_NODE_ROLE_COMPUTE, Subnets: []string{"default"}, Models: []string{"digits"}, Endpoints: []string{"127.0.0.1:1"}})
	register(ctx, t, nodes[0], gateway, &pb.NodeInfo{Role: pb.NodeRole_NODE_ROLE_GATEWAY, Endpoints: []string{"127.0.0.1:2"}})
	// Keep the compute node and gateway alive from their registration on.
	stopBeats := heartbeat(ctx, t, nodes[0], compute, gateway)
	defer stopBeats()
	// Every node learns of every validator and both nodes by gossip.
	start := time.Now()
	waitFor(t, 30*time.Second, func() error {
		for i := range nodes {
			if err := sees(ctx, nodes, i, n+2); err != nil {
				return err
			}
		}
		return nil
	})
	t.Logf("all %d registry nodes see %d nodes after %s", n, n+2, time.Since(start).Round(time.Millisecond))

	quote := quoter(t, m, compute, gateway, client)
	for i := range 4 {
		v, err := nodes[(i*3)%n].registry.RequestPreprocessingValidation(ctx, quote())
		if err != nil {
			t.Fatalf("quorum %d: %v", i, err)
		}
		if len(v.Signatures) != 3 {
			t.Fatalf("quorum %d: %d signatures", i, len(v.Signatures))
		}
	}
	subnetOwnerAcrossTheNetwork(t, m, nodes)
	scrape(t, nodes[(3*3)%n], `consensus_reached_total{kind="preprocessing"} 1`, "validators_total 7", "validators_active ", "average_reputation ", "quorum_duration_seconds_bucket")

	// Two registry processes die; the rest still reach 3 of 5.
	for _, i := range []int{2, 5} {
		nodes[i].cmd.Process.Kill()
		<-nodes[i].done
	}
	for i := range 3 {
		if _, err := nodes[[]int{0, 3, 6}[i]].registry.RequestPreprocessingValidation(ctx, quote()); err != nil {
			t.Fatalf("with two nodes down, quorum %d: %v", i, err)
		}
	}
	// Reputation, replicated by gossip, is the same on every live node.
	waitFor(t, 30*time.Second, func() error {
		var first map[string]uint32
		for _, i := range []int{0, 1, 3, 4, 6} {
			vs, err := nodes[i].discover(ctx, pb.NodeRole_NODE_ROLE_VALIDATOR)
			if err != nil {
				return err
			}
			scores := map[string]uint32{}
			for _, v := range vs {
				scores[v.Address] = v.Reputation
			}
			if first == nil {
				first = scores
				continue
			}
			for a, s := range first {
				if scores[a] != s {
					return fmt.Errorf("node %d scores %s at %d, node 0 at %d", i, a, scores[a], s)
				}
			}
		}
		return nil
	})
	// SIGINT: a clean stop. Started again on its data dir, the node keeps
	// its peer id (others' --bootstrap stays valid) and its view of the
	// network, before any gossip reaches it.
	nodes[0].cmd.Process.Signal(syscall.SIGINT)
	select {
	case err := <-nodes[0].done:
		if err != nil || !strings.Contains(nodes[0].stderr.String(), "stopped") {
			t.Fatalf("SIGINT: %v\n%s", err, nodes[0].stderr)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("registry did not stop on SIGINT")
	}
	again := startRegistry(t, bin, m, manifestPath, 0, nodes[1].p2p, regOpts{datadir: dir1})
	if peerID(again.p2p) != peerID(nodes[0].p2p) {
		t.Errorf("peer id changed across a restart: %s, was %s", again.p2p, nodes[0].p2p)
	}
	s, err := again.registry.DiscoverNodes(ctx, &pb.DiscoverNodesRequest{IncludeUnavailable: true})
	if err != nil {
		t.Fatal(err)
	}
	known := 0
	for {
		if _, err := s.Recv(); err != nil {
			break
		}
		known++
	}
	if known < n+2 {
		t.Errorf("after a restart the node knows %d nodes, want %d from its state file", known, n+2)
	}
}

// subnetOwnerAcrossTheNetwork: the subnet owner's command line against a
// real `ncn registry` process — create, upload a plugin (its self-tests
// run there), activate it — and every registry node serves the new config
// hash within seconds, the plugin fetched by hash from a peer.
func subnetOwnerAcrossTheNetwork(t *testing.T, m devchain.Manifest, nodes []*registryProc) {
	t.Helper()
	owner, _ := m.Account("owner")
	key := owner.Keystore
	at := func(i int) []string { return []string{"--registry", nodes[i].grpc} }
	res := runSubnet(t, append([]string{"create", "--key", key, "--name", "demo", "--param", "base_wei=1000", "--json"}, at(1)...)...)
	res.check(t, exitOK, []string{`"configHash"`}, nil)
	var created struct {
		Subnet struct{ ID, ConfigHash string } `json:"subnet"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &created); err != nil {
		t.Fatalf("create --json: %v\n%s", err, res.stdout)
	}
	id := created.Subnet.ID
	showAll := func(want string) time.Duration {
		t.Helper()
		start := time.Now()
		waitFor(t, 30*time.Second, func() error {
			for i, n := range nodes {
				r := runSubnet(t, append([]string{"show", "--json", id}, "--registry", n.grpc)...)
				if r.code != exitOK || !strings.Contains(r.stdout, want) {
					return fmt.Errorf("node %d: %s%s", i, r.stdout, r.stderr)
				}
			}
			return nil
		})
		return time.Since(start)
	}
	showAll(created.Subnet.ConfigHash)

	dir := t.TempDir()
	ownerKey, err := chain.LoadKey(key, "")
	if err != nil {
		t.Fatal(err)
	}
	wasm, man := registrytest.PriceVariant(t, ownerKey, "demo-price")
	mb, _ := json.Marshal(man)
	writeFile(t, filepath.Join(dir, "price.manifest.json"), string(mb))
	plugin := writeFile(t, filepath.Join(dir, "price.wasm"), string(wasm))
	runSubnet(t, append([]string{"plugin", "upload", "--subnet", id, plugin}, at(1)...)...).
		check(t, exitOK, []string{"self-tests  1 passed"}, nil)
	res = runSubnet(t, append([]string{"plugin", "activate", "--key", key, "--subnet", id, "--plugin", man.SHA256, "--json"}, at(1)...)...)
	res.check(t, exitOK, []string{man.SHA256}, nil)
	var act struct {
		Subnet struct{ ConfigHash string } `json:"subnet"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &act); err != nil || act.Subnet.ConfigHash == "" || act.Subnet.ConfigHash == created.Subnet.ConfigHash {
		t.Fatalf("activate --json: %v\n%s", err, res.stdout)
	}
	took := showAll(act.Subnet.ConfigHash)
	t.Logf("subnet %s: activation at node 1 served by all %d registry processes within %s", id, len(nodes), took.Round(time.Millisecond))
	runSubnet(t, append([]string{"show", id}, at(4)...)...).check(t, exitOK, []string{"demo-price", man.SHA256, act.Subnet.ConfigHash}, nil)
}

// scrape checks a registry process's operator endpoints: /readyz ready,
// /healthz ok, and /metrics with every one of want.
func scrape(t *testing.T, r *registryProc, want ...string) {
	t.Helper()
	get := func(path string) (int, string) {
		resp, err := http.Get(strings.TrimSuffix(r.metrics, "/metrics") + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/readyz"); code != http.StatusOK {
		t.Errorf("/readyz: %d %s", code, body)
	}
	if code, _ := get("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz: %d", code)
	}
	code, body := get("/metrics")
	for _, w := range want {
		if code != http.StatusOK || !strings.Contains(body, w) {
			t.Errorf("/metrics lacks %q", w)
		}
	}
}

// peerID is the /p2p/<id> part of a multiaddr.
func peerID(addr string) string {
	_, id, _ := strings.Cut(addr, "/p2p/")
	return id
}

type keyed struct {
	key  *ecdsa.PrivateKey
	addr common.Address
}

// devKey is the key of the dev chain's account for role.
func devKey(t *testing.T, m devchain.Manifest, role string) *keyed {
	t.Helper()
	a, _ := m.Account(role)
	k, err := chain.LoadKey(a.Keystore, "")
	if err != nil {
		t.Fatal(err)
	}
	return &keyed{k, a.Address}
}

// register registers a node at r, signed by its key k, at sequence 1.
func register(ctx context.Context, t *testing.T, r *registryProc, k *keyed, info *pb.NodeInfo) {
	t.Helper()
	req, err := registry.SignRegistration(k.key, info, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.registry.RegisterNode(ctx, req); err != nil {
		t.Fatal(err)
	}
}

// sees checks that node i of nodes discovers want nodes of every role.
func sees(ctx context.Context, nodes []*registryProc, i, want int) error {
	all, err := nodes[i].discover(ctx, pb.NodeRole_NODE_ROLE_UNSPECIFIED)
	if err != nil {
		return err
	}
	if len(all) != want {
		return fmt.Errorf("node %d sees %d nodes, want %d", i, len(all), want)
	}
	return nil
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return b
}

// heartbeat keeps nodes alive at r until the returned stop is called.
func heartbeat(ctx context.Context, t *testing.T, r *registryProc, ks ...*keyed) func() {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				for _, k := range ks {
					hb, err := registry.SignHeartbeat(k.key, time.Now(), 0)
					if err == nil {
						_, err = r.registry.UpdateNodeHeartbeat(ctx, hb)
					}
					if err != nil && ctx.Err() == nil {
						t.Logf("heartbeat of %s: %v", k.addr.Hex(), err)
					}
				}
			}
		}
	}()
	return cancel
}

// quoter prices requests with the builtin price plugin, as a gateway of
// subnet "default" would.
func quoter(t *testing.T, m devchain.Manifest, compute, gateway, client *keyed) func() *pb.PreprocessingValidationRequest {
	t.Helper()
	rt, err := plugins.NewRuntime(plugins.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	store, err := plugins.OpenStore(filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	set, err := builtin.Install(store, "default")
	if err != nil {
		t.Fatal(err)
	}
	subnets := plugins.NewSubnets(rt, store, plugins.LoadOptions{SkipSignature: true})
	t.Cleanup(func() { subnets.Close() })
	if _, err := subnets.Activate(context.Background(), set); err != nil {
		t.Fatal(err)
	}
	lower := func(a common.Address) string { return strings.ToLower(a.Hex()) }
	return func() *pb.PreprocessingValidationRequest {
		h, err := subnets.Acquire("default")
		if err != nil {
			t.Fatal(err)
		}
		defer h.Release()
		p, _ := h.Plugin(abi.KindPrice)
		in := abi.PriceInput{Version: abi.Version, Subnet: "default", Model: "digits", InputTokens: 64, OutputTokens: 1, EstimatedMillis: 100, Params: h.Params()}
		out, _, err := p.Price(context.Background(), &in)
		if err != nil {
			t.Fatal(err)
		}
		pi, _ := json.Marshal(abi.PriceInput{InputTokens: 64, OutputTokens: 1, EstimatedMillis: 100})
		cfg, _ := hex.DecodeString(h.ConfigHash())
		id := common.BytesToHash(randomBytes(32))
		return &pb.PreprocessingValidationRequest{RequestId: id[:], Client: lower(client.addr), Gateway: lower(gateway.addr), ComputeNode: lower(compute.addr),
			Subnet: "default", Model: "digits", ConfigHash: cfg, ExpiresAt: uint64(time.Now().Add(5 * time.Minute).Unix()), PriceInput: pi,
			Tree: &pb.PaymentTree{ComputeNode: lower(compute.addr), ComputeAmount: out.Compute, Gateway: lower(gateway.addr), GatewayAmount: out.Gateway,
				ValidatorAmount: out.Validators, TreasuryAmount: out.Treasury}}
	}
}

func waitFor(t *testing.T, d time.Duration, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(d)
	var err error
	for time.Now().Before(deadline) {
		if err = cond(); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("after %s: %v", d, err)
}
