package main

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ncn-network/ncn/chain/chaintest"
	"github.com/ncn-network/ncn/sandbox/sandboxtest"
)

// TestDevnet runs `ncn devnet --requests N` as a user would: the chain, 5
// registry nodes, a gateway and 2 compute nodes as processes, both shipped
// models in the strict sandbox, N paid requests, the settlement table and
// the conservation check; the command exits 0 only if every request
// settled and no wei is unaccounted for.
func TestDevnet(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole network as processes")
	}
	sandboxtest.Require(t)
	res, dir := runDevnetBinary(t, "--requests", "6")
	for _, want := range []string{"ready", "registry-5", "compute-2", "6 paid and settled, 0 refunded", "conservation: ok", "escrow"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("output lacks %q (logs in %s)", want, dir)
		}
	}
	if !strings.Contains(res.stderr, "stopping") {
		t.Errorf("no clean stop on stderr:\n%s", res.stderr)
	}
}

// TestDevnetOnGeth: the same on a real geth --dev over JSON-RPC (--rpc):
// the contracts deployed there, the validators staked, requests settled.
func TestDevnetOnGeth(t *testing.T) {
	if testing.Short() {
		t.Skip("runs geth and the whole network as processes")
	}
	sandboxtest.Require(t)
	geth := chaintest.GethBinary()
	if geth == "" {
		sandboxtest.SkipUnlessCI(t, "geth not found (run `make deps` to build it)")
	}
	url := chaintest.StartGeth(t, geth)
	res, dir := runDevnetBinary(t, "--requests", "3", "--rpc", url)
	for _, want := range []string{"chain       " + url, "3 paid and settled, 0 refunded", "conservation: ok"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("output lacks %q (logs in %s)", want, dir)
		}
	}
}

// runDevnetBinary runs `ncn devnet args...` with both shipped models in
// the strict sandbox, and fails the test unless it exits 0.
func runDevnetBinary(t *testing.T, args ...string) (result, string) {
	t.Helper()
	bin := ncnBinary(t)
	_, here, _, _ := runtime.Caller(0)
	models := filepath.Join(filepath.Dir(here), "..", "..", "gpu", "worker", "models")
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	args = append([]string{"devnet", "--datadir", dir, "--sandbox", "strict",
		"--model-path", filepath.Join(models, "digits") + "," + filepath.Join(models, "charlm")}, args...)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = envWithout("RPC_URL")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	_ = cmd.Run()
	res := result{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
	t.Logf("$ ncn %s\n%s", strings.Join(args, " "), res.stdout)
	if res.code != exitOK {
		t.Fatalf("devnet exited %d\nstdout:\n%s\nstderr:\n%s\nlogs in %s", res.code, res.stdout, res.stderr, filepath.Join(dir, "logs"))
	}
	return res, dir
}
