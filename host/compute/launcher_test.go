package compute_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ncn-network/ncn/gpu/worker"
	"github.com/ncn-network/ncn/gpu/worker/workertest"
	"github.com/ncn-network/ncn/host/compute"
	"github.com/ncn-network/ncn/sandbox"
	"github.com/ncn-network/ncn/sandbox/sandboxtest"
)

func sandboxed(uid int) compute.SandboxLauncher {
	l, _, err := compute.NewSandboxLauncher(sandbox.ProfileStrict, sandbox.Policy{UID: uid, GID: uid, Limits: sandbox.Limits{Memory: 1 << 30}})
	if err != nil {
		panic(err) // sandboxtest.Require checked the profile
	}
	return l
}

func newPool(tb testing.TB, cfg worker.Config) *worker.Pool {
	tb.Helper()
	// The sandbox uid must be able to enter the scratch root.
	if err := os.Chmod(cfg.ScratchRoot, 0o755); err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p, err := worker.New(ctx, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { p.Close() })
	return p
}

// TestSandboxedWorkers runs the shipped models in the strict sandbox
// through the pool: the digits classifier answers its recorded samples,
// the text model streams, and every thread of a worker (torch starts
// several) is under the seccomp filter with no_new_privs, as PID 1.
func TestSandboxedWorkers(t *testing.T) {
	sandboxtest.Require(t)
	for _, model := range []string{"digits", "charlm"} {
		t.Run(model, func(t *testing.T) {
			cfg := workertest.Config(t, model)
			uid := 310000 + os.Getpid()%1000
			if model == "charlm" {
				uid++
				cfg.Threads = 2 // torch's own threads must be confined too
			}
			cfg.Launcher = sandboxed(uid)
			p := newPool(t, cfg)
			for i, s := range p.Bundle().Manifest.Samples {
				var chunks int
				req := worker.Request{Input: sampleInput(t, s.Input), Params: s.Params}
				res, err := p.Infer(context.Background(), req, func([]byte) { chunks++ })
				if err != nil {
					t.Fatalf("sample %d: %v", i, err)
				}
				if !matches(t, res.Output, s.Expect) {
					t.Fatalf("sample %d: output %s, want %s", i, res.Output, s.Expect)
				}
				if model == "charlm" && chunks < 2 {
					t.Fatalf("sample %d streamed %d chunks, want several", i, chunks)
				}
			}
			checkThreads(t, uid)
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			if pids := pidsOf(uid); len(pids) > 0 {
				t.Fatalf("processes %v of the sandbox uid survived Close", pids)
			}
		})
	}
}

// sampleInput turns a manifest sample's input (a JSON value, or a string
// for text input) into request bytes.
func sampleInput(t *testing.T, in json.RawMessage) []byte {
	var s string
	if json.Unmarshal(in, &s) == nil {
		return []byte(s)
	}
	return in
}

// matches reports whether out contains expect: the exact text, or every
// field of a JSON object.
func matches(t *testing.T, out []byte, expect json.RawMessage) bool {
	var text string
	if json.Unmarshal(expect, &text) == nil {
		return string(out) == text
	}
	var want, got map[string]any
	if json.Unmarshal(expect, &want) != nil || json.Unmarshal(out, &got) != nil {
		return false
	}
	for k, v := range want {
		a, _ := json.Marshal(v)
		b, _ := json.Marshal(got[k])
		if string(a) != string(b) {
			return false
		}
	}
	return true
}

// checkThreads reads /proc for every thread of every process running as
// uid: seccomp mode 2, no_new_privs, no capabilities, and the worker is
// PID 1 of its namespace.
func checkThreads(t *testing.T, uid int) {
	t.Helper()
	pids := pidsOf(uid)
	if len(pids) == 0 {
		t.Fatal("no worker process found")
	}
	threads := 0
	for _, pid := range pids {
		tasks, _ := os.ReadDir(filepath.Join("/proc", pid, "task"))
		for _, task := range tasks {
			st := status(filepath.Join("/proc", pid, "task", task.Name(), "status"))
			threads++
			if st["Seccomp"] != "2" || st["NoNewPrivs"] != "1" || st["CapEff"] != "0000000000000000" {
				t.Errorf("worker %s thread %s: Seccomp %s NoNewPrivs %s CapEff %s", pid, task.Name(), st["Seccomp"], st["NoNewPrivs"], st["CapEff"])
			}
		}
		if ns := strings.Fields(status(filepath.Join("/proc", pid, "status"))["NSpid"]); len(ns) != 2 || ns[1] != "1" {
			t.Errorf("worker %s: NSpid %v, want PID 1 inside its namespace", pid, ns)
		}
	}
	t.Logf("%d worker process(es), %d threads, all confined", len(pids), threads)
}

func status(path string) map[string]string {
	b, _ := os.ReadFile(path)
	st := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			st[k] = strings.TrimSpace(v)
		}
	}
	return st
}

// pidsOf lists live (non-zombie) processes running as uid.
func pidsOf(uid int) []string {
	var out []string
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		st := status(filepath.Join("/proc", e.Name(), "status"))
		if f := strings.Fields(st["Uid"]); len(f) > 0 && f[0] == strconv.Itoa(uid) && !strings.HasPrefix(st["State"], "Z") {
			out = append(out, e.Name())
		}
	}
	return out
}

// BenchmarkWorkerRoundTrip: the warm digits round trip through a
// sandboxed worker and through the same worker unsandboxed, alternating
// in one run; reports both medians and their ratio (goal <= 1.05).
func BenchmarkWorkerRoundTrip(b *testing.B) {
	sandboxtest.Require(b)
	bareCfg := workertest.Config(b, "digits")
	boxCfg := workertest.Config(b, "digits")
	boxCfg.Launcher = sandboxed(320000 + os.Getpid()%1000)
	for _, c := range []*worker.Config{&bareCfg, &boxCfg} {
		c.MaxRequests, c.QueueTimeout = 1<<30, time.Minute
	}
	bare, box := newPool(b, bareCfg), newPool(b, boxCfg)
	req := worker.Request{Input: sampleInput(nil, bare.Bundle().Manifest.Samples[0].Input)}
	once := func(p *worker.Pool) time.Duration {
		t0 := time.Now()
		if _, err := p.Infer(context.Background(), req, nil); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	for range 20 { // warm both
		once(bare)
		once(box)
	}
	var tb, ts []time.Duration
	b.ResetTimer()
	for b.Loop() {
		tb = append(tb, once(bare))
		ts = append(ts, once(box))
	}
	mb, ms := median(tb), median(ts)
	b.ReportMetric(float64(mb.Microseconds()), "bare-p50-us")
	b.ReportMetric(float64(ms.Microseconds()), "sandboxed-p50-us")
	b.ReportMetric(float64(ms)/float64(mb), "ratio")
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s[len(s)/2]
}
