package devnet_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/ncn-network/ncn/host/devnet"
)

// BenchmarkDevnetPaidRequests runs paid requests through a devnet of real
// processes (chain, 5 registry nodes, gateway, 2 compute nodes serving both
// shipped models, strict sandbox when root), benchInFlight in flight: a
// sustained load, CPU-bound on 2 cores. It reports settled requests/s,
// end-to-end and per-stage latency, the CPU time the network's processes
// spent per settled request (all, and per role), and that CPU time over
// the request's mandatory cryptography (10 signatures and 10 recoveries),
// timed in the same run.
func BenchmarkDevnetPaidRequests(b *testing.B) {
	bin := ncnBinary(b)
	mode := "strict"
	if os.Geteuid() != 0 {
		mode = "none"
	}
	ctx := context.Background()
	n, err := devnet.Start(ctx, devnet.Config{Bin: bin, DataDir: b.TempDir(), Sandbox: mode,
		Models: models()})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close()
	if _, err := n.Pay(ctx, benchInFlight, benchInFlight); err != nil { // warm: workers, caches, connections, gas shapes
		b.Fatal(err)
	}
	roles := map[string][]*devnet.Proc{"chain": {n.Chain}, "registries": n.Registries, "gateway": {n.Gateway}, "compute": n.Computes}
	before := map[string]time.Duration{}
	for r, ps := range roles {
		before[r] = cpu(ps)
	}
	all0 := cpu(n.Procs())
	b.ResetTimer()
	r, err := n.Pay(ctx, b.N, benchInFlight)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if err := r.Check(); err != nil || r.Completed != b.N {
		b.Fatalf("%d of %d settled: %v %v", r.Completed, b.N, err, r.Errors)
	}
	perReq := func(d time.Duration) float64 { return ms(d / time.Duration(r.Completed)) }
	all := perReq(cpu(n.Procs()) - all0)
	b.ReportMetric(float64(r.Completed)/r.Elapsed.Seconds(), "settled/s")
	b.ReportMetric(ms(pctl(r.Latencies, 50)), "p50-ms")
	b.ReportMetric(ms(pctl(r.Latencies, 99)), "p99-ms")
	for _, st := range []string{"submit", "pay", "result"} {
		b.ReportMetric(ms(pctl(r.Stages[st], 50)), st+"-p50-ms")
	}
	b.ReportMetric(all, "cpu-ms/req")
	for role, ps := range roles {
		b.ReportMetric(perReq(cpu(ps)-before[role]), role+"-cpu-ms/req")
	}
	floor := cryptoFloor(b)
	b.ReportMetric(ms(floor), "crypto-floor-ms")
	b.ReportMetric(all/ms(floor), "cpu/floor")
}

// benchInFlight is how many paid requests the benchmark keeps in flight.
const benchInFlight = 64

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
