package devnet_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ncn-network/ncn/host/devnet"
)

// BenchmarkDevnetPaidRequests runs paid requests through a devnet of real
// processes (chain, 5 registry nodes, gateway, 2 compute nodes serving both
// shipped models, strict sandbox when root), 8 in flight, and reports
// settled requests/s, end-to-end and per-stage latency, and the CPU time
// all the network's processes spent per settled request (the gateway's
// share apart).
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
	if _, err := n.Pay(ctx, 8, 8); err != nil { // warm: workers, caches, connections
		b.Fatal(err)
	}
	cpu0, gw0 := cpu(n.Procs()), cpu([]*devnet.Proc{n.Gateway})
	b.ResetTimer()
	r, err := n.Pay(ctx, b.N, 8)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if err := r.Check(); err != nil || r.Completed != b.N {
		b.Fatalf("%d of %d settled: %v %v", r.Completed, b.N, err, r.Errors)
	}
	cpu1, gw1 := cpu(n.Procs()), cpu([]*devnet.Proc{n.Gateway})
	b.ReportMetric(float64(r.Completed)/r.Elapsed.Seconds(), "settled/s")
	b.ReportMetric(ms(pctl(r.Latencies, 50)), "p50-ms")
	b.ReportMetric(ms(pctl(r.Latencies, 99)), "p99-ms")
	for _, st := range []string{"submit", "pay", "result"} {
		b.ReportMetric(ms(pctl(r.Stages[st], 50)), st+"-p50-ms")
	}
	b.ReportMetric(ms((cpu1-cpu0)/time.Duration(r.Completed)), "cpu-ms/req")
	b.ReportMetric(ms((gw1-gw0)/time.Duration(r.Completed)), "gateway-cpu-ms/req")
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
