package sandbox_test

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/ncn-network/ncn/sandbox"
	"github.com/ncn-network/ncn/sandbox/sandboxtest"
)

// debianPython is the interpreter the model worker runs on; Debian's
// numpy and torch packages install for it.
const debianPython = "/usr/bin/python3"

// TestPythonRuns runs the model worker's stack (Python, numpy, torch with
// threads) under the strict profile: the allowlist must be wide enough for
// real work, not just for escape attempts.
func TestPythonRuns(t *testing.T) {
	sandboxtest.Require(t)
	if err := exec.Command(debianPython, "-c", "import numpy, torch").Run(); err != nil {
		sandboxtest.SkipUnlessCI(t, fmt.Sprintf("%s lacks numpy or torch (%v): make deps installs python3-numpy and python3-torch", debianPython, err))
	}
	f := newFixture(t)
	script := `
import os, threading, numpy as np, torch
torch.set_num_threads(2)
a = torch.randn(256, 256)
b = (a @ a.T).sum().item()
t = threading.Thread(target=lambda: None); t.start(); t.join()
open(os.path.join(os.environ["SCRATCH"], "out.txt"), "w").write("ok")
print("pid", os.getpid(), "numpy", np.__version__, "torch", torch.__version__, "sum-finite", b == b)
`
	var out, stderr bytes.Buffer
	proc, err := sandbox.Start(context.Background(), f.policy, sandbox.Cmd{
		Path: debianPython, Args: []string{"python3", "-c", script},
		Env:    []string{"SCRATCH=" + f.scratch, "HOME=" + f.scratch, "TMPDIR=" + f.scratch, "OMP_NUM_THREADS=2"},
		Stdout: &out, Stderr: &stderr,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := proc.Wait(); err != nil {
		t.Fatalf("python under the sandbox: %v\nstderr:\n%s", err, stderr.String())
	}
	assertNoneLeft(t, f.policy.UID)
	if !strings.Contains(out.String(), "pid 1 ") || !strings.Contains(out.String(), "sum-finite True") {
		t.Fatalf("unexpected output %q (stderr %s)", out.String(), stderr.String())
	}
	t.Logf("%s", strings.TrimSpace(out.String()))
}
