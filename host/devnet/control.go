package devnet

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/rpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/host/devchain"
)

// This file is what tests do to a running devnet: start a role again
// after a crash, move the chain's clock, wait for the network to heal,
// and read the chain.

// listenFlags are the flags a role listens by, and where its output says
// what it bound: Restart listens on the same addresses, so the others
// find the role where they did.
var listenFlags = map[string]func(out map[string]string) string{
	"--grpc-listen-addr": func(o map[string]string) string { return o["grpc"] },
	"--http-listen-addr": func(o map[string]string) string { return o["http"] },
	"--ws-listen-addr": func(o map[string]string) string {
		return strings.TrimSuffix(strings.TrimPrefix(o["websocket"], "ws://"), "/ws")
	},
	"--metrics-listen-addr": func(o map[string]string) string {
		return strings.TrimSuffix(strings.TrimPrefix(o["metrics"], "http://"), "/metrics")
	},
	"--p2p-listen-addr": func(o map[string]string) string { a, _, _ := strings.Cut(o["p2p"], "/p2p/"); return a },
}

// pinned is args with each listen address that asked for any port
// replaced by the one the process got.
func pinned(args []string, out map[string]string) []string {
	args = append([]string(nil), args...)
	for i := 0; i+1 < len(args); i++ {
		bound, ok := listenFlags[args[i]]
		if !ok {
			continue
		}
		if v := args[i+1]; strings.HasSuffix(v, ":0") || strings.HasSuffix(v, "/tcp/0") {
			if b := bound(out); b != "" {
				args[i+1] = b
			}
		}
	}
	return args
}

// slot is where the Net holds p.
func (n *Net) slot(p *Proc) **Proc {
	if n.Gateway == p {
		return &n.Gateway
	}
	for i := range n.Registries {
		if n.Registries[i] == p {
			return &n.Registries[i]
		}
	}
	for i := range n.Computes {
		if n.Computes[i] == p {
			return &n.Computes[i]
		}
	}
	return nil
}

// Restart starts a role that has exited — killed or stopped — again, as
// an operator would after a crash: the same command line on the same
// data directory, listening on the addresses it had, with extra flags
// after the others (a later flag wins: "--quote-ttl", "2s"); extra flags
// of an earlier Restart are not kept. Its log goes on in the same file.
// The new process takes p's place in the Net. The chain cannot be
// restarted: its state is in memory.
func (n *Net) Restart(ctx context.Context, p *Proc, extra ...string) (*Proc, error) {
	if p == n.Chain {
		return nil, errors.New("devnet: the embedded chain keeps its state in memory: it cannot be restarted")
	}
	at := n.slot(p)
	if at == nil {
		return nil, fmt.Errorf("devnet: %s is not a role of this devnet (or was restarted already)", p.Name)
	}
	if p.Running() {
		return nil, fmt.Errorf("devnet: %s is running: Kill or Stop it first", p.Name)
	}
	args := pinned(p.args, p.Out)
	var q *Proc
	for try := 1; ; try++ {
		var err error
		q, err = startProc(ctx, p.Name, p.bin, append(append([]string(nil), args...), extra...), p.env, p.logDir, true)
		if err == nil {
			break
		}
		// The ports were picked by the kernel from the ephemeral range:
		// while the role was down, another process's outgoing connection
		// may have been given one as its local port. It is let go when
		// that connection closes.
		if try == 5 || !strings.Contains(err.Error(), "address already in use") {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(time.Second):
		}
	}
	q.args = args
	*at = q
	return q, nil
}

// AdjustTime moves the embedded chain's clock forward by d (whole
// seconds): an empty block that much after the head is sealed. It returns
// the head's new time. A devnet on a chain run elsewhere (Config.RPCURL)
// cannot move its clock.
func (n *Net) AdjustTime(ctx context.Context, d time.Duration) (uint64, error) {
	if n.Manifest.ClockURL == "" {
		return 0, fmt.Errorf("devnet: the chain at %s serves no clock controls (only the embedded chain does)", n.Manifest.RPCURL)
	}
	rc, err := rpc.DialContext(ctx, n.Manifest.ClockURL)
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	var now uint64
	if err := rc.CallContext(ctx, &now, devchain.ClockNamespace+"_increaseTime", uint64(d/time.Second)); err != nil {
		return 0, fmt.Errorf("devnet: move the chain's clock by %s: %w", d, err)
	}
	return now, nil
}

// running counts the processes of procs that have not exited.
func running(procs []*Proc) int {
	k := 0
	for _, p := range procs {
		if p.Running() {
			k++
		}
	}
	return k
}

// WaitGateway waits until the gateway answers and has a task stream open
// from exactly the compute nodes that run (a paused one counts), for
// every model the devnet started with: after the gateway or a compute node started again, or a
// compute node died.
func (n *Net) WaitGateway(ctx context.Context) error {
	conn, err := grpc.NewClient(n.GatewayAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	gw := pb.NewGatewayClientServiceClient(conn)
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	want := running(n.Computes)
	for {
		var why string
		m, err := gw.GetSupportedModels(ctx, &pb.GetSupportedModelsRequest{Subnet: n.Subnet})
		switch {
		case err != nil:
			why = err.Error()
		case len(m.Models) < len(n.Models):
			why = fmt.Sprintf("%d of %d models served", len(m.Models), len(n.Models))
		default:
			for _, sm := range m.Models {
				if !slices.Contains(n.Models, sm.Model.GetId()) {
					continue // added to the subnet since, served by whichever nodes were asked to
				}
				if int(sm.ComputeNodes) != want {
					why = fmt.Sprintf("model %s has %d of %d compute nodes", sm.Model.GetId(), sm.ComputeNodes, want)
				}
			}
		}
		if why == "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("devnet: gateway %s not ready: %s", n.GatewayAddr, why)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// WaitValidators waits until every registry node that runs sees every
// other one as an available validator: after registry nodes started
// again.
func (n *Net) WaitValidators(ctx context.Context) error {
	want := running(n.Registries)
	for _, r := range n.Registries {
		if !r.Running() {
			continue
		}
		if err := waitNodes(ctx, r.Out["grpc"], pb.NodeRole_NODE_ROLE_VALIDATOR, "", want); err != nil {
			return err
		}
	}
	return nil
}

// DialChain connects to the devnet's chain with its contracts bound; the
// caller closes it (Contracts.Backend().Close()).
func (n *Net) DialChain(ctx context.Context) (*chain.Contracts, error) {
	backend, err := chain.Dial(ctx, n.Manifest.RPCURL)
	if err != nil {
		return nil, err
	}
	c, err := chain.Bind(backend, n.Manifest.Contracts)
	if err != nil {
		backend.Close()
		return nil, err
	}
	return c, nil
}

// Escrow pays from (and refunds to) the dev account of role — "client",
// "treasury", "validator-2", ... — on c.
func (n *Net) Escrow(ctx context.Context, c *chain.Contracts, role string) (*chain.Escrow, error) {
	a, ok := n.Manifest.Account(role)
	if !ok {
		return nil, fmt.Errorf("devnet: the chain has no %s account", role)
	}
	key, err := chain.LoadKey(a.Keystore, "")
	if err != nil {
		return nil, err
	}
	s, err := chain.NewSender(ctx, c.Backend(), key, chain.SenderConfig{})
	if err != nil {
		return nil, err
	}
	return chain.NewEscrow(c, s), nil
}

// Books are the balances of every account a paid request can move
// tokens between, and the token's supply, as read when opened.
type Books struct {
	c      *chain.Contracts
	rows   []devchain.BalanceRow
	supply *big.Int
}

// OpenBooks reads the balances and the supply now.
func (n *Net) OpenBooks(ctx context.Context, c *chain.Contracts) (*Books, error) {
	b := &Books{c: c, rows: n.trackedRows()}
	var err error
	if b.supply, err = c.TotalSupply(ctx); err != nil {
		return nil, err
	}
	for i := range b.rows {
		if b.rows[i].Before, err = c.BalanceOf(ctx, b.rows[i].Addr); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// Close reads the balances and the supply again, into a report whose
// Check is the conservation check once the caller has counted how its
// requests ended (Requested, Completed, Refunded, Unpaid, Open).
func (b *Books) Close(ctx context.Context) (*Report, error) {
	r := &Report{SupplyBefore: b.supply, Stages: map[string][]time.Duration{}}
	var err error
	if r.SupplyAfter, err = b.c.TotalSupply(ctx); err != nil {
		return nil, err
	}
	rows := append([]devchain.BalanceRow(nil), b.rows...)
	for i := range rows {
		if rows[i].After, err = b.c.BalanceOf(ctx, rows[i].Addr); err != nil {
			return nil, err
		}
	}
	r.Rows = rows
	return r, nil
}
