package devnet_test

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/chain/bindings/payment"
	"github.com/ncn-network/ncn/gpu/worker"
	"github.com/ncn-network/ncn/gpu/worker/workertest"
	"github.com/ncn-network/ncn/host/client"
	"github.com/ncn-network/ncn/host/compute"
	"github.com/ncn-network/ncn/host/devchain"
	"github.com/ncn-network/ncn/host/devnet"
	"github.com/ncn-network/ncn/host/gateway"
	"github.com/ncn-network/ncn/sandbox"
)

// BenchmarkDevnetPaidRequests runs paid requests through a devnet of real
// processes (chain, 5 registry nodes, gateway, 2 compute nodes serving the
// trivial echo model and both shipped models, strict sandbox when root), benchInFlight in flight: a
// sustained load, CPU-bound on 2 cores, each model in turn. It reports
// settled requests/s (per model, and over both),
// end-to-end and per-stage latency, the CPU time the network's processes
// spent per settled request (all, and per role), and that CPU time over
// the request's mandatory cryptography (10 signatures and 10 recoveries),
// timed in the same run.
func BenchmarkDevnetPaidRequests(b *testing.B) {
	ctx := context.Background()
	n := startBenchNet(b, b.TempDir())
	defer n.Close()
	if _, err := n.Pay(ctx, benchInFlight, benchInFlight); err != nil { // warm: workers, caches, connections, gas shapes
		b.Fatal(err)
	}
	roles := map[string][]*devnet.Proc{"chain": {n.Chain}, "registries": n.Registries, "gateway": {n.Gateway}, "compute": n.Computes}
	before := map[string]time.Duration{}
	for r, ps := range roles {
		before[r] = cpu(ps)
	}
	reqs, err := n.SampleRequests()
	if err != nil {
		b.Fatal(err)
	}
	all0 := cpu(n.Procs())
	// Each model alone in turn (echo, the trivial one; digits, ~0.2 ms a
	// run in its worker; charlm ~6 ms), b.N in all.
	r := &devnet.Report{Stages: map[string][]time.Duration{}}
	b.ResetTimer()
	for i, req := range reqs {
		count := b.N / len(reqs)
		if i == 0 {
			count += b.N % len(reqs)
		}
		m, err := n.PayRequests(ctx, []client.Request{req}, count, benchInFlight)
		if err != nil {
			b.Fatal(err)
		}
		if err := m.Check(); err != nil || m.Completed != count {
			b.Fatalf("%s: %d of %d settled: %v %v", req.Model, m.Completed, count, err, m.Errors)
		}
		b.ReportMetric(float64(m.Completed)/m.Elapsed.Seconds(), req.Model+"-settled/s")
		b.ReportMetric(ms(pctl(m.Latencies, 50)), req.Model+"-p50-ms")
		b.ReportMetric(ms(pctl(m.Latencies, 99)), req.Model+"-p99-ms")
		r.Completed += m.Completed
		r.Elapsed += m.Elapsed
		r.Latencies = append(r.Latencies, m.Latencies...)
		for k, v := range m.Stages {
			r.Stages[k] = append(r.Stages[k], v...)
		}
	}
	b.StopTimer()
	perReq := func(d time.Duration) float64 { return ms(d / time.Duration(r.Completed)) }
	all := perReq(cpu(n.Procs()) - all0)
	b.ReportMetric(float64(r.Completed)/r.Elapsed.Seconds(), "settled/s")
	b.ReportMetric(ms(pctl(r.Latencies, 50)), "p50-ms")
	b.ReportMetric(ms(pctl(r.Latencies, 99)), "p99-ms")
	for _, st := range []string{"submit", "pay", "result"} {
		b.ReportMetric(ms(pctl(r.Stages[st], 50)), st+"-p50-ms")
		b.ReportMetric(ms(pctl(r.Stages[st], 99)), st+"-p99-ms")
	}
	b.ReportMetric(all, "cpu-ms/req")
	for role, ps := range roles {
		b.ReportMetric(perReq(cpu(ps)-before[role]), role+"-cpu-ms/req")
	}
	floor := cryptoFloor(b)
	b.ReportMetric(ms(floor), "crypto-floor-ms")
	b.ReportMetric(all/ms(floor), "cpu/floor")

	// The chain alone, same run: the same transactions (an initiate with 3
	// validator signatures per request, and completes — the compute
	// node's and 3 Completion signatures per request — in batches of 64),
	// signed ahead and sent as fast as it takes them. The gateway stops
	// first: its key sends the completes.
	if err := n.Gateway.Stop(20 * time.Second); err != nil {
		b.Fatal(err)
	}
	pairs := chainPairsPerSecond(b, n, min(b.N, 1000))
	b.ReportMetric(pairs, "chain-alone-pairs/s")
	b.ReportMetric(float64(r.Completed)/r.Elapsed.Seconds()/pairs, "devnet/chain")
}

// chainPairsPerSecond has the devnet's chain take k requests' initiates
// and completes straight from their accounts, pipelined (all initiates,
// then all completes, batched), and returns requests per second.
func chainPairsPerSecond(b *testing.B, n *devnet.Net, k int) float64 {
	ctx := context.Background()
	c, err := n.DialChain(ctx)
	if err != nil {
		b.Fatal(err)
	}
	dom, err := c.Domain(ctx)
	if err != nil {
		b.Fatal(err)
	}
	escrow := func(role string) *chain.Escrow {
		e, err := n.Escrow(ctx, c, role)
		if err != nil {
			b.Fatal(err)
		}
		return e
	}
	key := func(role string) *ecdsa.PrivateKey {
		a, ok := n.Manifest.Account(role)
		if !ok {
			b.Fatalf("no %s account", role)
		}
		k, err := chain.LoadKey(a.Keystore, "")
		if err != nil {
			b.Fatal(err)
		}
		return k
	}
	client, gateway := escrow("client"), escrow("gateway")
	if _, err := client.Approve(ctx, new(big.Int).Lsh(big.NewInt(1), 200)); err != nil {
		b.Fatal(err)
	}
	compute := key("compute")
	quorum := []*ecdsa.PrivateKey{key("validator-1"), key("validator-2"), key("validator-3")}
	head, err := c.Backend().HeaderByNumber(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	payABI := payment.NewInferencePayment()
	ps := make([]chain.Payment, k)
	completes := make([]payment.InferencePaymentCompletion, k)
	for i := range ps {
		p := chain.Payment{RequestID: crypto.Keccak256Hash([]byte("chain-alone"), big.NewInt(int64(i)).Bytes(), head.Hash().Bytes()),
			SubnetID: common.HexToHash("0x5b"), ModelID: common.HexToHash("0x6d"), ConfigHash: common.HexToHash("0xc0"),
			ExpiresAt: head.Time + 3600,
			Tree:      chain.DefaultSplit(big.NewInt(1_000_000), crypto.PubkeyToAddress(compute.PublicKey), gateway.Sender().From())}
		if p.Signatures, err = dom.SignAll(p.Message(client.Sender().From()).StructHash(), quorum...); err != nil {
			b.Fatal(err)
		}
		ps[i] = p
		cr := chain.ComputeResult{RequestID: p.RequestID, ResultHash: common.Hash{1}, ComputeNode: p.Tree.ComputeNode, ExecMillis: 5}
		computeSig, err := chain.Sign(compute, dom.Digest(cr.StructHash()))
		if err != nil {
			b.Fatal(err)
		}
		sigs, err := dom.SignAll(chain.Completion(cr).StructHash(), quorum...)
		if err != nil {
			b.Fatal(err)
		}
		completes[i] = payment.InferencePaymentCompletion{RequestId: p.RequestID, ResultHash: cr.ResultHash, ExecMillis: cr.ExecMillis,
			ComputeSig: computeSig, ValidatorSigs: sigs}
	}
	start := time.Now()
	wait := func(pending []*chain.Pending) {
		for _, p := range pending {
			if _, err := p.Wait(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	// Submitted from 16 goroutines: a Sender checks each call (eth_call)
	// outside its nonce lock, so the chain, not one round trip at a time,
	// sets the pace.
	submit := func(k int, send func(i int) (*chain.Pending, error)) []*chain.Pending {
		pending := make([]*chain.Pending, k)
		errs := make([]error, k)
		var wg sync.WaitGroup
		next := make(chan int)
		for range 16 {
			wg.Go(func() {
				for i := range next {
					pending[i], errs[i] = send(i)
				}
			})
		}
		for i := range k {
			next <- i
		}
		close(next)
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			b.Fatal(err)
		}
		return pending
	}
	wait(submit(k, func(i int) (*chain.Pending, error) { return client.SubmitInitiate(ctx, ps[i]) }))
	// The completes in batches, as the gateway sends them under load
	// (its largest: the chain's best case).
	to := c.Addresses.Payment
	batches := (k + settleBatch - 1) / settleBatch
	wait(submit(batches, func(i int) (*chain.Pending, error) {
		batch := completes[i*settleBatch : min(k, (i+1)*settleBatch)]
		return gateway.Sender().Submit(ctx, chain.Call{To: &to, Data: payABI.PackCompleteInferenceRequests(batch)})
	}))
	return float64(k) / time.Since(start).Seconds()
}

// benchModels are the bundles the benchmarks serve: the trivial echo model
// (no weights, no arithmetic: what the host costs around any model) and
// both shipped models.
func benchModels() []string {
	return append([]string{filepath.Join(repoRoot(), "gpu", "worker", "testdata", "echo")}, models()...)
}

// startBenchNet starts a devnet in dir serving benchModels, in the strict
// sandbox when root (none otherwise), the gateway with gatewayArgs.
func startBenchNet(b *testing.B, dir string, gatewayArgs ...string) *devnet.Net {
	mode := "strict"
	if os.Geteuid() != 0 {
		mode = "none"
	}
	n, err := devnet.Start(context.Background(), devnet.Config{Bin: ncnBinary(b), DataDir: dir, Sandbox: mode,
		Models: benchModels(), GatewayArgs: gatewayArgs})
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// benchInFlight is how many paid requests the benchmark keeps in flight:
// enough to keep the 2 cores busy (at 64 a run is bound by latency: two
// blocks a request, a block a second under load).
const benchInFlight = 192

// settleBatch is the gateway's largest settlement batch (settleBatchMax).
const settleBatch = 64

// cryptoFloor is the time of a paid request's mandatory cryptography on
// this machine now: 10 secp256k1 signatures and 10 recoveries (the
// quote, 2 quorums of 3, the result, 2 transactions and what the chain
// recovers of them).
func cryptoFloor(b *testing.B) time.Duration {
	key, err := crypto.GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	const rounds = 200
	start := time.Now()
	for i := range rounds {
		h := crypto.Keccak256Hash([]byte{byte(i), byte(i >> 8)})
		for range 10 {
			sig, err := crypto.Sign(h[:], key)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := crypto.Ecrecover(h[:], sig); err != nil {
				b.Fatal(err)
			}
		}
	}
	return time.Since(start) / rounds
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func pctl(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	for i := range s { // insertion sort: a few hundred values
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s[min(len(s)-1, len(s)*p/100)]
}

// cpu is the user+system CPU time so far of processes and everything
// below them (the compute nodes' sandboxed workers), from /proc.
func cpu(procs []*devnet.Proc) time.Duration {
	stats := procStats()
	var total time.Duration
	for _, p := range procs {
		total += subtree(stats, p.Cmd.Process.Pid)
	}
	return total
}

type stat struct {
	ppid int
	cpu  time.Duration
}

func procStats() map[int]stat {
	out := map[int]stat{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// After the command name (which may hold spaces): state, ppid, ...,
		// utime (14th field of the line) and stime (15th).
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
		if len(f) < 13 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		ut, _ := strconv.Atoi(f[11])
		st, _ := strconv.Atoi(f[12])
		out[pid] = stat{ppid: ppid, cpu: time.Duration(ut+st) * time.Second / 100} // USER_HZ
	}
	return out
}

func subtree(stats map[int]stat, pid int) time.Duration {
	total := stats[pid].cpu
	for c, s := range stats {
		if s.ppid == pid {
			total += subtree(stats, c)
		}
	}
	return total
}

// BenchmarkDevnetLatency runs paid requests one at a time through the
// devnet, b.N for each benchmark model, and the same model inputs through a
// sandboxed worker called directly, in the same run. Per model it reports
// end-to-end latency; the host's part of it (hostpath: end to end less
// the two waits for the chain, payment and settlement, read from the
// gateway's ledger); the gateway's part (gateway: the host's less the
// compute node's turn, dispatched to computed), p50 and p99; the compute
// node's overhead over the model's own run; the direct worker's round
// trip and the host path over it. The gateway does not dispatch before
// payment here (--no-speculation), so each stage is timed alone.
func BenchmarkDevnetLatency(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	n := startBenchNet(b, dir, "--no-speculation")
	defer n.Close()
	reqs, err := n.SampleRequests()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := n.Pay(ctx, 2*len(reqs), 1); err != nil { // warm
		b.Fatal(err)
	}
	runs := map[string]*devnet.Report{}
	b.ResetTimer()
	for _, req := range reqs {
		// Each model starts with the chain's clock lead whole, so that
		// neither runs while blocks come a second apart: between blocks
		// a lone request finds every process idle, and paid for it in
		// wake-ups (digits' gateway p50 34 ms then, 15 ms hot).
		b.StopTimer()
		waitClockLead(b, n)
		b.StartTimer()
		r, err := n.PayRequests(ctx, []client.Request{req}, b.N, 1)
		if err != nil {
			b.Fatal(err)
		}
		if err := r.Check(); err != nil || r.Completed != b.N {
			b.Fatalf("%s: %d of %d settled: %v %v", req.Model, r.Completed, b.N, err, r.Errors)
		}
		runs[req.Model] = r
	}
	b.StopTimer()
	if err := n.Gateway.Stop(20 * time.Second); err != nil { // it holds the ledger
		b.Fatal(err)
	}
	ledger, err := gateway.Open(gateway.Config{Path: filepath.Join(dir, "gateway", "gateway.db")})
	if err != nil {
		b.Fatal(err)
	}
	defer ledger.Close()
	for _, req := range reqs {
		var total, host, gw, node, exec, pre, post []time.Duration
		for _, out := range runs[req.Model].Settled {
			rec, err := ledger.Get(out.Payment.RequestID)
			if err != nil {
				b.Fatal(err)
			}
			at := map[gateway.State]time.Time{}
			for _, s := range rec.History {
				at[s.State] = s.At
			}
			payWait := at[gateway.StatePaid].Sub(at[gateway.StateValidated])
			settleWait := at[gateway.StateSettled].Sub(at[gateway.StateCompletionValidated])
			turn := at[gateway.StateComputed].Sub(at[gateway.StateDispatched])
			ran := time.Duration(out.Status.ExecMillis) * time.Millisecond
			t := out.Stages["total"]
			total, host = append(total, t), append(host, t-payWait-settleWait)
			gw, node, exec = append(gw, t-payWait-settleWait-turn), append(node, max(0, turn-ran)), append(exec, ran)
			pre = append(pre, at[gateway.StateValidated].Sub(at[gateway.StateQuoted]))
			post = append(post, at[gateway.StateCompletionValidated].Sub(at[gateway.StateComputed]))
		}
		direct := directWorker(b, req)
		m := req.Model + "-"
		b.ReportMetric(ms(pctl(total, 50)), m+"e2e-p50-ms")
		b.ReportMetric(ms(pctl(host, 50)), m+"hostpath-p50-ms")
		b.ReportMetric(ms(pctl(gw, 50)), m+"gateway-p50-ms")
		b.ReportMetric(ms(pctl(gw, 99)), m+"gateway-p99-ms")
		b.ReportMetric(ms(pctl(node, 50)), m+"node-overhead-p50-ms")
		b.ReportMetric(ms(pctl(runs[req.Model].Stages["submit"], 50)), m+"submit-p50-ms")
		b.ReportMetric(ms(pctl(pre, 50)), m+"preprocessing-quorum-p50-ms")
		b.ReportMetric(ms(pctl(post, 50)), m+"completion-p50-ms")
		b.ReportMetric(ms(pctl(exec, 50)), m+"model-p50-ms")
		b.ReportMetric(ms(direct), m+"direct-worker-p50-ms")
		b.ReportMetric(float64(pctl(host, 50))/float64(direct), m+"hostpath/direct")
	}
}

// waitClockLead waits until the devnet chain's clock is back to the wall
// clock's (its lead, devchain.ClockLead, spent by the blocks sealed at
// once before).
func waitClockLead(b *testing.B, n *devnet.Net) {
	ctx := context.Background()
	c, err := n.DialChain(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Backend().Close()
	for deadline := time.Now().Add(2 * devchain.ClockLead); time.Now().Before(deadline); time.Sleep(time.Second) {
		h, err := c.Backend().HeaderByNumber(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		if int64(h.Time) <= time.Now().Unix() {
			return
		}
	}
	b.Fatal("the chain's clock stayed ahead of the wall clock")
}

// directWorker is the p50 round trip of req's input through a warm worker
// of its model called in process: sandboxed (strict) when root, as the
// devnet's compute nodes run it.
func directWorker(b *testing.B, req client.Request) time.Duration {
	cfg := workertest.Config(b, req.Model)
	for _, dir := range benchModels() {
		if filepath.Base(dir) == req.Model {
			cfg.Bundle = dir
		}
	}
	cfg.MaxRequests, cfg.QueueTimeout = 1<<30, time.Minute
	if os.Geteuid() == 0 {
		uid := 330000 + os.Getpid()%1000
		l, _, err := compute.NewSandboxLauncher(sandbox.ProfileStrict, sandbox.Policy{UID: uid, GID: uid, Limits: sandbox.Limits{Memory: 1 << 30}})
		if err != nil {
			b.Fatal(err)
		}
		cfg.Launcher = l
		if err := os.Chmod(cfg.ScratchRoot, 0o755); err != nil { // the sandbox uid enters it
			b.Fatal(err)
		}
	}
	start, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p, err := worker.New(start, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	wr := worker.Request{Input: req.Input, Params: req.Params}
	var ds []time.Duration
	for i := range b.N + 10 {
		t0 := time.Now()
		if _, err := p.Infer(context.Background(), wr, nil); err != nil {
			b.Fatal(err)
		}
		if i >= 10 { // the first ten warm it
			ds = append(ds, time.Since(t0))
		}
	}
	return pctl(ds, 50)
}
