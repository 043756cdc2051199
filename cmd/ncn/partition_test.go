package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/host/devchain"
	"github.com/ncn-network/ncn/sandbox/sandboxtest"
)

// netlab is network namespaces this test makes: a hub namespace with a
// bridge, one namespace per node wired to it by a veth pair, and a veth
// from this namespace so the test can reach them. Addresses are in
// 10.231.0.0/24, which exists only inside these namespaces and the test's
// veth; everything is deleted at cleanup.
type netlab struct {
	t      *testing.T
	prefix string
	hub    string
}

func ipcmd(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func newNetlab(t *testing.T) *netlab {
	t.Helper()
	p := fmt.Sprintf("ncnt%d", os.Getpid()%100000)
	l := &netlab{t: t, prefix: p, hub: p + "-hub"}
	ipcmd(t, "netns", "add", l.hub)
	t.Cleanup(func() {
		exec.Command("ip", "link", "del", p+"-h").Run()
		out, _ := exec.Command("ip", "netns", "list").Output()
		for _, line := range strings.Split(string(out), "\n") {
			if f := strings.Fields(line); len(f) > 0 && strings.HasPrefix(f[0], p) {
				exec.Command("ip", "netns", "del", f[0]).Run()
			}
		}
	})
	ipcmd(t, "-n", l.hub, "link", "add", "br0", "type", "bridge")
	ipcmd(t, "-n", l.hub, "addr", "add", "10.231.0.1/24", "dev", "br0")
	ipcmd(t, "-n", l.hub, "link", "set", "br0", "up")
	ipcmd(t, "-n", l.hub, "link", "set", "lo", "up")
	// This namespace's door into the lab.
	ipcmd(t, "link", "add", p+"-h", "type", "veth", "peer", "name", "bh", "netns", l.hub)
	ipcmd(t, "-n", l.hub, "link", "set", "bh", "master", "br0", "up")
	ipcmd(t, "addr", "add", "10.231.0.254/24", "dev", p+"-h")
	ipcmd(t, "link", "set", p+"-h", "up")
	return l
}

// node makes namespace i with address 10.231.0.(10+i) and returns its
// name.
func (l *netlab) node(i int) (ns, ip string) {
	ns, ip = fmt.Sprintf("%s-%d", l.prefix, i), fmt.Sprintf("10.231.0.%d", 10+i)
	ipcmd(l.t, "netns", "add", ns)
	ipcmd(l.t, "-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", fmt.Sprintf("b%d", i), "netns", l.hub)
	ipcmd(l.t, "-n", l.hub, "link", "set", fmt.Sprintf("b%d", i), "master", "br0", "up")
	ipcmd(l.t, "-n", ns, "addr", "add", ip+"/24", "dev", "eth0")
	ipcmd(l.t, "-n", ns, "link", "set", "eth0", "up")
	ipcmd(l.t, "-n", ns, "link", "set", "lo", "up")
	return ns, ip
}

// cut partitions node i from the other nodes (blackhole routes both ways:
// in its namespace to theirs, in theirs to its, while the test and the
// chain still reach it), or heals it.
func (l *netlab) cut(i, of int, on bool) {
	op := "add"
	if !on {
		op = "del"
	}
	for j := range of {
		if j != i {
			ipcmd(l.t, "-n", fmt.Sprintf("%s-%d", l.prefix, i), "route", op, "blackhole", fmt.Sprintf("10.231.0.%d/32", 10+j))
			ipcmd(l.t, "-n", fmt.Sprintf("%s-%d", l.prefix, j), "route", op, "blackhole", fmt.Sprintf("10.231.0.%d/32", 10+i))
		}
	}
}

// TestRegistryPartition: four registry nodes, each in its own network
// namespace behind a bridge, over a chain served in the hub namespace.
// One node is cut off: the other three still reach a 3-of-4 quorum and
// take a new registration it cannot see; when the link heals it re-dials
// and catches up on what it missed.
func TestRegistryPartition(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs processes in network namespaces")
	}
	sandboxtest.RequireRoot(t, "network namespaces")
	bin := ncnBinary(t)
	lab := newNetlab(t)
	dir := t.TempDir()
	serve := exec.Command("ip", "netns", "exec", lab.hub, bin, "chain", "serve", "--rpc-addr", "10.231.0.1:18545", "--datadir", dir, "--validators", "4")
	serve.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := serve.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { serve.Process.Kill(); serve.Wait() })
	sc := bufio.NewScanner(out)
	for sc.Scan() && sc.Text() != "ready" {
	}
	manifestPath := filepath.Join(dir, devchain.ManifestFile)
	m, err := devchain.ReadManifest(manifestPath)
	if err != nil {
		t.Fatal(err)
	}
	const n = 4
	quorum := regOpts{extra: []string{"--validators", "4", "--quorum", "3"}}
	var nodes []*registryProc
	for i := range n {
		o := quorum
		o.netns, o.ip = lab.node(i)
		boot := ""
		if i > 0 {
			boot = nodes[0].p2p
		}
		nodes = append(nodes, startRegistry(t, bin, m, manifestPath, i, boot, o))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	waitFor(t, 30*time.Second, func() error {
		for i := range n {
			if err := sees(ctx, nodes, i, n); err != nil {
				return err
			}
		}
		return nil
	})

	lab.cut(3, n, true)
	t.Log("node 3 cut off")
	compute, gateway, client := devKey(t, m, "compute"), devKey(t, m, "gateway"), devKey(t, m, "client")
	register(ctx, t, nodes[0], compute, &pb.NodeInfo{Role: pb.NodeRole_NODE_ROLE_COMPUTE, Subnets: []string{"default"}, Models: []string{"digits"}})
	register(ctx, t, nodes[0], gateway, &pb.NodeInfo{Role: pb.NodeRole_NODE_ROLE_GATEWAY})
	stop := heartbeat(ctx, t, nodes[0], compute, gateway)
	defer stop()
	waitFor(t, 30*time.Second, func() error {
		for _, i := range []int{0, 1, 2} {
			if err := sees(ctx, nodes, i, n+2); err != nil {
				return err
			}
		}
		return nil
	})
	if err := sees(ctx, nodes, 3, n+2); err == nil {
		t.Fatal("the cut-off node saw the new registrations")
	}
	quote := quoter(t, m, compute, gateway, client)
	if _, err := nodes[1].registry.RequestPreprocessingValidation(ctx, quote()); err != nil {
		t.Fatalf("3 of 4 during the partition: %v", err)
	}

	lab.cut(3, n, false)
	healed := time.Now()
	waitFor(t, 60*time.Second, func() error { return sees(ctx, nodes, 3, n+2) })
	t.Logf("node 3 caught up %s after the link healed", time.Since(healed).Round(time.Millisecond))
}
