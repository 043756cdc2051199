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
	bin := ncnBinary(t)
	_, here, _, _ := runtime.Caller(0)
	models := filepath.Join(filepath.Dir(here), "..", "..", "gpu", "worker", "models")
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "devnet", "--requests", "6", "--datadir", dir, "--sandbox", "strict",
		"--model-path", filepath.Join(models, "digits")+","+filepath.Join(models, "charlm"))
	cmd.Env = envWithout("RPC_URL")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	_ = cmd.Run()
	res := result{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
	t.Logf("$ ncn devnet --requests 6\n%s", res.stdout)
	if res.code != exitOK {
		t.Fatalf("devnet exited %d\nstdout:\n%s\nstderr:\n%s\nlogs in %s", res.code, res.stdout, res.stderr, filepath.Join(dir, "logs"))
	}
	for _, want := range []string{"ready", "registry-5", "compute-2", "6 paid and settled, 0 refunded", "conservation: ok", "escrow"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if !strings.Contains(res.stderr, "stopping") {
		t.Errorf("no clean stop on stderr:\n%s", res.stderr)
	}
}
