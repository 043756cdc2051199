package devnet

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/gpu/worker"
	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/host/devchain"
	"github.com/ncn-network/ncn/host/registry"
)

// Config is a devnet's shape.
type Config struct {
	Bin        string   // the ncn binary (default: this process's)
	DataDir    string   // every role's state and logs (required)
	Validators int      // registry/validator nodes (default 5)
	Computes   int      // compute nodes (default 2)
	Slots      int      // warm workers per model on each compute node (default 2)
	Models     []string // model bundle directories the compute nodes serve (required)
	Sandbox    string   // compute nodes' SANDBOX_MODE: strict, permissive or none (default strict)
	SubnetName string   // the subnet the dev owner creates for the models (default "demo")
	// RPCURL, if set, is a chain to run on instead of an embedded one (a
	// geth --dev whose genesis funds the dev keys): the contracts are
	// deployed there and the validators staked.
	RPCURL string
	// GatewayArgs and ComputeArgs are more flags for the gateway and the
	// compute nodes, after the devnet's own (so the later one wins for
	// a flag given twice): "--task-timeout", "10s".
	GatewayArgs, ComputeArgs []string
	// Progress is told each step; nil: silent.
	Progress func(format string, args ...any)
}

func (c *Config) withDefaults() error {
	if c.DataDir == "" {
		return errors.New("devnet: a data directory is required")
	}
	if len(c.Models) == 0 {
		return errors.New("devnet: no model bundles to serve")
	}
	if c.Bin == "" {
		bin, err := os.Executable()
		if err != nil {
			return err
		}
		c.Bin = bin
	}
	if c.Validators == 0 {
		c.Validators = 5
	}
	if c.Computes == 0 {
		c.Computes = 2
	}
	if c.Slots == 0 {
		c.Slots = 2
	}
	if c.Sandbox == "" {
		c.Sandbox = "strict"
	}
	if c.SubnetName == "" {
		c.SubnetName = "demo"
	}
	if c.Progress == nil {
		c.Progress = func(string, ...any) {}
	}
	return nil
}

// Net is a running devnet.
type Net struct {
	cfg        Config
	Chain      *Proc
	Registries []*Proc
	Gateway    *Proc
	Computes   []*Proc
	Manifest   devchain.Manifest
	ChainFile  string // devchain.json
	Subnet     string // the subnet id serving the models
	Models     []string
	// RegistryAddr and GatewayAddr are gRPC endpoints; GatewayHTTP the
	// gateway's HTTP address, GatewayWS its WebSocket URL.
	RegistryAddr, GatewayAddr, GatewayHTTP, GatewayWS string
}

// Start starts every role, in order, each once the one before is ready.
func Start(ctx context.Context, cfg Config) (n *Net, err error) {
	if err := cfg.withDefaults(); err != nil {
		return nil, err
	}
	logs := filepath.Join(cfg.DataDir, "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		return nil, err
	}
	n = &Net{cfg: cfg, ChainFile: filepath.Join(cfg.DataDir, "chain", devchain.ManifestFile)}
	started := n // a failing return sets n to nil before this runs
	defer func() {
		if err != nil {
			started.Close()
		}
	}()
	start := time.Now()
	if cfg.RPCURL != "" {
		cfg.Progress("chain: %s: deploying the contracts, funding and staking %d validators", cfg.RPCURL, cfg.Validators)
		c, err := devchain.Attach(ctx, cfg.RPCURL, devchain.Config{Validators: cfg.Validators})
		if err != nil {
			return nil, fmt.Errorf("devnet on %s: %w (the dev keys need ether there, as chain.DevGenesis allocates)", cfg.RPCURL, err)
		}
		_, err = c.Export(filepath.Dir(n.ChainFile))
		c.Close()
		if err != nil {
			return nil, err
		}
	} else {
		cfg.Progress("chain: embedded go-ethereum chain, contracts, %d staked validators", cfg.Validators)
		if n.Chain, err = StartProc(ctx, "chain", cfg.Bin, []string{"chain", "serve", "--rpc-addr", "127.0.0.1:0", "--clock-addr", "127.0.0.1:0",
			"--datadir", filepath.Join(cfg.DataDir, "chain"), "--validators", strconv.Itoa(cfg.Validators)}, []string{"RPC_URL="}, logs); err != nil {
			return nil, err
		}
	}
	if n.Manifest, err = devchain.ReadManifest(n.ChainFile); err != nil {
		return nil, err
	}
	for i := range cfg.Validators {
		v, ok := n.Manifest.Account(fmt.Sprintf("validator-%d", i+1))
		if !ok {
			return nil, fmt.Errorf("devnet: the chain has no validator-%d", i+1)
		}
		args := []string{"registry", "--devchain", n.ChainFile, "--key", v.Keystore, "--datadir", filepath.Join(cfg.DataDir, fmt.Sprintf("registry-%d", i+1)),
			"--grpc-listen-addr", "127.0.0.1:0", "--metrics-listen-addr", "127.0.0.1:0", "--p2p-listen-addr", "/ip4/127.0.0.1/tcp/0", "--p2p-prefix", "/ncn-devnet", "--heartbeat", "2s"}
		if i > 0 {
			args = append(args, "--bootstrap", n.Registries[0].Out["p2p"])
		}
		p, err := StartProc(ctx, fmt.Sprintf("registry-%d", i+1), cfg.Bin, args, []string{"NCN_PASSWORD_FILE="}, logs)
		if err != nil {
			return nil, err
		}
		n.Registries = append(n.Registries, p)
		cfg.Progress("registry-%d: grpc %s, validator %s", i+1, p.Out["grpc"], p.Out["validator"])
	}
	n.RegistryAddr = n.Registries[0].Out["grpc"]
	// Quorums need every registry node to know the others.
	for _, r := range n.Registries {
		if err := waitNodes(ctx, r.Out["grpc"], pb.NodeRole_NODE_ROLE_VALIDATOR, "", cfg.Validators); err != nil {
			return nil, err
		}
	}
	cfg.Progress("every registry node sees the %d validators", cfg.Validators)
	if err := n.createSubnet(ctx); err != nil {
		return nil, err
	}
	gw, _ := n.Manifest.Account("gateway")
	// Every client of a devnet calls from loopback, one address: the
	// per-IP limits meant for the Internet (1000 gRPC submissions a
	// minute) would cap the whole devnet at 16 requests/s.
	if n.Gateway, err = StartProc(ctx, "gateway", cfg.Bin, append([]string{"gateway", "--devchain", n.ChainFile, "--key", gw.Keystore,
		"--datadir", filepath.Join(cfg.DataDir, "gateway"), "--registry", n.RegistryAddr,
		"--grpc-listen-addr", "127.0.0.1:0", "--http-listen-addr", "127.0.0.1:0", "--ws-listen-addr", "127.0.0.1:0", "--metrics-listen-addr", "127.0.0.1:0",
		"--grpc-rate", "1000000", "--http-rate", "1000000",
		"--subnet", n.Subnet}, cfg.GatewayArgs...), []string{"NCN_PASSWORD_FILE="}, logs); err != nil {
		return nil, err
	}
	n.GatewayAddr, n.GatewayHTTP, n.GatewayWS = n.Gateway.Out["grpc"], n.Gateway.Out["http"], n.Gateway.Out["websocket"]
	cfg.Progress("gateway: grpc %s, http %s, websocket %s", n.GatewayAddr, n.GatewayHTTP, n.GatewayWS)
	// The compute nodes start together: each spends seconds warming its
	// sandboxed workers.
	keys := make([]string, cfg.Computes)
	for i := range keys {
		if keys[i], err = n.computeKey(i); err != nil {
			return nil, err
		}
	}
	// The compute nodes fetch the models by hash from the registry
	// network, as on separate machines.
	var modelArgs []string
	for _, m := range n.Models {
		modelArgs = append(modelArgs, "--model", m)
	}
	computes := make([]*Proc, cfg.Computes)
	errs := make([]error, cfg.Computes)
	var wg sync.WaitGroup
	for i, key := range keys {
		wg.Go(func() {
			computes[i], errs[i] = StartProc(ctx, fmt.Sprintf("compute-%d", i+1), cfg.Bin, append([]string{"compute", "--devchain", n.ChainFile, "--key", key,
				"--registry", n.RegistryAddr, "--gateway", n.GatewayAddr, "--subnet", n.Subnet, "--model-cache", filepath.Join(cfg.DataDir, fmt.Sprintf("compute-%d", i+1), "models"),
				"--sandbox", cfg.Sandbox, "--heartbeat", "2s", "--slots", strconv.Itoa(cfg.Slots), "--metrics-listen-addr", "127.0.0.1:0"}, append(modelArgs, cfg.ComputeArgs...)...), []string{"NCN_PASSWORD_FILE=", "SANDBOX_MODE=", "MODEL_PATH="}, logs)
		})
	}
	wg.Wait()
	for _, p := range computes {
		if p != nil {
			n.Computes = append(n.Computes, p)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for i, p := range n.Computes {
		cfg.Progress("compute-%d: %s", i+1, p.Out["address"])
	}
	if err := n.waitComputes(ctx); err != nil {
		return nil, err
	}
	cfg.Progress("ready in %s", time.Since(start).Round(time.Millisecond))
	return n, nil
}

// computeKey is compute node i's keystore: the chain's compute account
// for the first, a new key for the others (compute nodes send no
// transactions; they are paid).
func (n *Net) computeKey(i int) (string, error) {
	if i == 0 {
		a, _ := n.Manifest.Account("compute")
		return a.Keystore, nil
	}
	k, err := crypto.GenerateKey()
	if err != nil {
		return "", err
	}
	return chain.WriteKeystore(filepath.Join(n.cfg.DataDir, fmt.Sprintf("compute-%d", i+1)), k, "", true)
}

// createSubnet has the dev owner create the subnet the models run in,
// with the builtin plugins, and register each model with its output
// schema, at the first registry node; the others learn it by gossip.
func (n *Net) createSubnet(ctx context.Context) error {
	owner, _ := n.Manifest.Account("owner")
	key, err := chain.LoadKey(owner.Keystore, "")
	if err != nil {
		return err
	}
	conn, err := grpc.NewClient(n.RegistryAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	rc := pb.NewP2PRegistryServiceClient(conn)
	var bundles []*worker.Bundle
	for _, dir := range n.cfg.Models {
		b, err := worker.LoadBundle(dir)
		if err != nil {
			return fmt.Errorf("model bundle %s: %w", dir, err)
		}
		bundles = append(bundles, b)
		n.Models = append(n.Models, b.Manifest.Name)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	s, err := signedSubnet(key, n.cfg.SubnetName, n.Models)
	if err != nil {
		return err
	}
	created, err := rc.CreateSubnet(ctx, s)
	if err != nil {
		return fmt.Errorf("create subnet %s: %w", n.cfg.SubnetName, err)
	}
	n.Subnet = created.Id
	for i, b := range bundles {
		d := registry.BundleModel(b, n.Subnet)
		sm, err := registry.SignModel(key, d, uint64(2+i))
		if err != nil {
			return err
		}
		if _, err := rc.RegisterModel(ctx, sm); err != nil {
			return fmt.Errorf("register model %s: %w", d.Id, err)
		}
		// The bundle's files, which compute nodes fetch by hash from the
		// registry network (registry-1 has them; the others fetch from it).
		if err := registry.PushBundle(ctx, rc, n.Subnet, b, nil); err != nil {
			return err
		}
	}
	n.cfg.Progress("subnet %s (%s): models %s, config hash %s", n.cfg.SubnetName, n.Subnet, strings.Join(n.Models, ", "), created.ConfigHash)
	// Every registry node serves it before the gateway asks any of them.
	for _, r := range n.Registries {
		if err := waitSubnet(ctx, r.Out["grpc"], n.Subnet, len(bundles)); err != nil {
			return err
		}
	}
	return nil
}

func signedSubnet(key *ecdsa.PrivateKey, name string, models []string) (*pb.SignedSubnet, error) {
	return registry.SignSubnet(key, &pb.SubnetMetadata{Name: name, Seq: 1, Models: models})
}

// waitSubnet waits until the registry at addr has subnet with its models.
func waitSubnet(ctx context.Context, addr, subnet string, models int) error {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	rc := pb.NewP2PRegistryServiceClient(conn)
	for {
		l, err := rc.ListModels(ctx, &pb.ListModelsRequest{Subnet: subnet})
		if err == nil && len(l.Models) == models {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("registry %s does not serve subnet %s yet: %v", addr, subnet, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// waitComputes waits until the registry sees every compute node
// available with its models.
func (n *Net) waitComputes(ctx context.Context) error {
	return waitNodes(ctx, n.RegistryAddr, pb.NodeRole_NODE_ROLE_COMPUTE, n.Subnet, len(n.Computes))
}

// waitNodes waits until the registry at addr sees want available nodes
// of role (in subnet, if not "").
func waitNodes(ctx context.Context, addr string, role pb.NodeRole, subnet string, want int) error {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	rc := pb.NewP2PRegistryServiceClient(conn)
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		s, err := rc.DiscoverNodes(ctx, &pb.DiscoverNodesRequest{Role: role, Subnet: subnet})
		got := 0
		for err == nil {
			if _, err = s.Recv(); err == nil {
				got++
			}
		}
		if got >= want {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("devnet: registry %s sees %d of %d %s nodes", addr, got, want, strings.ToLower(strings.TrimPrefix(role.String(), "NODE_ROLE_")))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Procs is every process, in start order.
func (n *Net) Procs() []*Proc {
	var out []*Proc
	for _, p := range append(append([]*Proc{n.Chain}, n.Registries...), append([]*Proc{n.Gateway}, n.Computes...)...) {
		if p != nil {
			out = append(out, p)
		}
	}
	return out
}

// Exited returns a channel that yields the first process to exit.
func (n *Net) Exited() <-chan *Proc {
	c := make(chan *Proc, 1)
	for _, p := range n.Procs() {
		go func() {
			<-p.Done()
			select {
			case c <- p:
			default:
			}
		}()
	}
	return c
}

// WriteEndpoints prints where everything is, for people and scripts.
func (n *Net) WriteEndpoints(w io.Writer) {
	fmt.Fprintf(w, "chain       %s (chain id %d)\n", n.Manifest.RPCURL, n.Manifest.ChainID)
	fmt.Fprintf(w, "devchain    %s\n", n.ChainFile)
	for i, r := range n.Registries {
		fmt.Fprintf(w, "registry-%d  grpc %s  validator %s\n", i+1, r.Out["grpc"], r.Out["validator"])
	}
	fmt.Fprintf(w, "gateway     grpc %s  http %s  websocket %s\n", n.GatewayAddr, n.GatewayHTTP, n.GatewayWS)
	for i, c := range n.Computes {
		fmt.Fprintf(w, "compute-%d   %s\n", i+1, c.Out["address"])
	}
	fmt.Fprintf(w, "subnet      %s  models %s\n", n.Subnet, strings.Join(n.Models, ", "))
	fmt.Fprintf(w, "logs        %s\n", filepath.Join(n.cfg.DataDir, "logs"))
}

// Close stops every process, the last started first.
func (n *Net) Close() error {
	procs := n.Procs()
	var errs []error
	for i := len(procs) - 1; i >= 0; i-- {
		if err := procs[i].Stop(20 * time.Second); err != nil && !isInterrupt(err) {
			errs = append(errs, fmt.Errorf("%s: %w", procs[i].Name, err))
		}
	}
	return errors.Join(errs...)
}

func isInterrupt(err error) bool {
	var ee interface{ ExitCode() int }
	return errors.As(err, &ee) && (ee.ExitCode() == 0 || ee.ExitCode() == 130 || ee.ExitCode() == -1)
}
