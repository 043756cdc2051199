package devnet_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/ncn-network/ncn/gpu/worker/workertest"
	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/host/client"
)

// TestModelAddedAndFetched: the subnet's owner adds a model whose weights
// (40 MiB) are larger than a message, with `ncn subnet model add` at
// registry-1. Compute-2, started again against registry-4 with --model
// for it, gets it from there (registry-4 fetching it from its peer over
// p2p), runs it in the strict sandbox, and a paid request to it settles
// with the books balanced. Compute-2 is then started as it was.
func TestModelAddedAndFetched(t *testing.T) {
	n := sharedNetwork(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	k := n.openBooks(ctx, t)

	const name = "bigecho"
	bundle := workertest.BigEcho(t, t.TempDir(), name, 40<<20)
	owner, _ := n.Manifest.Account("owner")
	out, err := exec.CommandContext(ctx, ncnBinary(t), "subnet", "model", "add", "--registry", n.Registries[0].Out["grpc"],
		"--key", owner.Keystore, "--subnet", n.Subnet, bundle.Dir).CombinedOutput()
	t.Logf("$ ncn subnet model add --subnet %s %s\n%s", n.Subnet, bundle.Dir, out)
	for _, want := range []string{"registered " + name, "weights.bin: 40.0 MiB of 40.0 MiB", "bundle    " + bundle.Digest} {
		if err != nil || !strings.Contains(string(out), want) {
			t.Fatalf("model add: %v; output lacks %q", err, want)
		}
	}

	c := n.Computes[1]
	if err := c.Stop(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	c = n.restart(ctx, t, c, "--registry", n.Registries[3].Out["grpc"], "--model", name)
	defer func() { // as it was: against registry-1, the shipped models only
		if err := c.Stop(10 * time.Second); err != nil {
			t.Error(err)
		}
		n.restart(context.Background(), t, c)
	}()
	if log, _ := os.ReadFile(c.Log); !strings.Contains(string(log), "model "+name+": weights.bin 40.0 MiB of 40.0 MiB") {
		t.Errorf("compute-2 did not report fetching the weights (log %s)", c.Log)
	}

	// The gateway learns of the model with its next subnet refresh.
	req := client.Request{Subnet: n.Subnet, Model: name, Input: []byte("ping")}
	var res *client.Outcome
	for deadline := time.Now().Add(30 * time.Second); ; {
		res, err = n.client.Infer(ctx, req, nil)
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	k.end(ctx, t, res.Payment.RequestID, res.Quote.Amount, 10*time.Second)
	if res.Status.State != pb.TaskState_TASK_STATE_SETTLED || string(res.Status.Result) != "echo: ping" {
		t.Fatalf("the request to %s: %s %q", name, res.Status.State, res.Status.Result)
	}
	if !strings.EqualFold(res.Status.ComputeNode, c.Out["address"]) {
		t.Errorf("served by %s, not compute-2 (%s)", res.Status.ComputeNode, c.Out["address"])
	}
	k.check(ctx, t)
}
