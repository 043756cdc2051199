package main

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"io"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/gpu/worker/workertest"
	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/host/compute/computetest"
	"github.com/ncn-network/ncn/host/devchain"
	"github.com/ncn-network/ncn/host/ops/opstest"
	"github.com/ncn-network/ncn/host/registry/registrytest"
	"github.com/ncn-network/ncn/sandbox/sandboxtest"
)

// TestComputeUsage checks `ncn compute --help` and the command lines it
// refuses before it loads a key or dials anything.
func TestComputeUsage(t *testing.T) {
	dir := t.TempDir()
	contracts := writeFile(t, filepath.Join(dir, "contracts.json"),
		`{"token": "0x0000000000000000000000000000000000000001", "validatorRegistry": "0x0000000000000000000000000000000000000002", "inferencePayment": "0x0000000000000000000000000000000000000003"}`)
	key, _ := crypto.GenerateKey()
	hexKey := writeFile(t, filepath.Join(dir, "key.hex"), "0x"+hex.EncodeToString(crypto.FromECDSA(key)))
	chainArgs := []string{"--rpc", "http://127.0.0.1:1", "--contracts", contracts}
	full := func(extra ...string) []string {
		return slices.Concat([]string{"compute", "--key", hexKey}, chainArgs,
			[]string{"--registry", "127.0.0.1:1", "--gateway", "127.0.0.1:2", "--model-path", "m"}, extra)
	}
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		wantCode   int
		wantStdout []string
		wantStderr []string
	}{
		{name: "help", args: []string{"compute", "--help"}, wantCode: exitOK,
			wantStdout: []string{"Usage: ncn compute --key FILE", "Example", "ready", "stopped",
				"REGISTRY_GRPC_ADDR", "GATEWAY_ADDR", "MODEL_PATH", "SANDBOX_MODE", "RPC_URL", "NCN_PASSWORD_FILE",
				"-registry", "-gateway", "-model-path", "-slots", "-sandbox", "-subnet", "-task-timeout", "-devchain", "-contracts", "-password-file"}},
		{name: "listed", args: []string{"--help"}, wantCode: exitOK, wantStdout: []string{"compute ", "run a compute node"}},
		{name: "no key", args: []string{"compute"}, wantCode: exitUsage,
			wantStderr: []string{"ncn compute: --key is required: the compute node key file", "ncn compute --help"}},
		{name: "no chain", args: []string{"compute", "--key", hexKey}, wantCode: exitUsage,
			wantStderr: []string{"the chain is required: --devchain FILE, or --rpc URL"}},
		{name: "no registry", args: slices.Concat([]string{"compute", "--key", hexKey}, chainArgs), wantCode: exitUsage,
			wantStderr: []string{"--registry is required (or set REGISTRY_GRPC_ADDR)"}},
		{name: "no gateway", args: slices.Concat([]string{"compute", "--key", hexKey}, chainArgs), env: map[string]string{"REGISTRY_GRPC_ADDR": "127.0.0.1:1"},
			wantCode: exitUsage, wantStderr: []string{"--gateway is required (or set GATEWAY_ADDR)"}},
		{name: "no models", args: slices.Concat([]string{"compute", "--key", hexKey}, chainArgs),
			env:      map[string]string{"REGISTRY_GRPC_ADDR": "127.0.0.1:1", "GATEWAY_ADDR": "127.0.0.1:2", "MODEL_PATH": " , "},
			wantCode: exitUsage, wantStderr: []string{"--model-path (or MODEL_PATH) or --model is required"}},
		{name: "unknown profile", args: full("--sandbox", "lax"), wantCode: exitUsage,
			wantStderr: []string{`--sandbox: sandbox: unknown profile "lax" (known: strict, permissive, none)`}},
		{name: "unknown profile from the environment", args: full(), env: map[string]string{"SANDBOX_MODE": "off"}, wantCode: exitUsage,
			wantStderr: []string{`unknown profile "off"`}},
		{name: "no slots", args: full("--slots", "0"), wantCode: exitUsage, wantStderr: []string{"--slots and --threads must be at least 1"}},
		{name: "zero task timeout", args: full("--task-timeout", "0s"), wantCode: exitUsage, wantStderr: []string{"--task-timeout must be positive"}},
		{name: "decimal size", args: full("--max-input", "1MB"), wantCode: exitUsage, wantStderr: []string{`--max-input: "1MB" is not a size`}},
		{name: "log level", args: full("--log-level", "loud"), wantCode: exitUsage, wantStderr: []string{`--log-level: "loud" is not`}},
		{name: "stray argument", args: full("now"), wantCode: exitUsage, wantStderr: []string{`unexpected argument "now"`}},
		{name: "both chains", args: full("--devchain", "dev.json"), wantCode: exitUsage, wantStderr: []string{"give either --devchain or --rpc with --contracts"}},
		{name: "missing key file", args: slices.Concat([]string{"compute", "--key", filepath.Join(dir, "nope")}, chainArgs,
			[]string{"--registry", "a:1", "--gateway", "b:2", "--model-path", "m"}),
			wantCode: exitError, wantStderr: []string{"ncn compute: read key", "nope"}},
		{name: "chain unreachable", args: full(), wantCode: exitError,
			wantStderr: []string{"ncn compute: ", "127.0.0.1:1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runKeys(t, tt.env, nil, tt.args...).check(t, tt.wantCode, tt.wantStdout, tt.wantStderr)
		})
	}
}

// TestComputeBinary runs `ncn compute` as an operator does, with the
// digits model, against a served chain, a registry node and a gateway:
// it prints its address, model and "ready", is seen by the registry,
// answers a task with a result signed in the chain's domain, and on
// SIGINT deregisters and prints "stopped".
func TestComputeBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs a chain and a compute node")
	}
	workertest.RequirePython(t)
	profile := "none"
	if os.Getuid() == 0 || os.Getenv("CI") != "" {
		sandboxtest.Require(t)
		profile = "strict"
	}
	bin := ncnBinary(t)
	dir := t.TempDir()
	startServe(t, bin, dir, 3)
	manifestPath := filepath.Join(dir, devchain.ManifestFile)
	m, err := devchain.ReadManifest(manifestPath)
	if err != nil {
		t.Fatal(err)
	}
	acct, _ := m.Account("compute")
	reg := registrytest.Start(t)
	gw := computetest.StartGateway(t)
	digits := filepath.Join(workertest.Store().Root, "digits")

	cmd := exec.Command(bin, "compute", "--devchain", manifestPath, "--key", acct.Keystore,
		"--registry", reg.Addr, "--gateway", gw.Addr, "--model-path", digits, "--sandbox", profile,
		"--heartbeat", "500ms", "--scratch-dir", t.TempDir(), "--metrics-listen-addr", "127.0.0.1:0")
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); !slices.Contains([]string{"RPC_URL", "MODEL_PATH", "SANDBOX_MODE", "NCN_PASSWORD_FILE", "REGISTRY_GRPC_ADDR", "GATEWAY_ADDR"}, name) {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	lines := make(chan []string, 1)
	go func() {
		var got []string
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if got = append(got, sc.Text()); sc.Text() == "ready" {
				break
			}
		}
		lines <- got
		io.Copy(io.Discard, out)
	}()
	exited := make(chan error, 1)
	var printed []string
	select {
	case printed = <-lines:
	case <-time.After(2 * time.Minute):
		t.Fatalf("not ready\nstderr:\n%s", stderr.String())
	}
	go func() { exited <- cmd.Wait() }()
	want := []string{"address: " + strings.ToLower(acct.Address.Hex()), "model: digits 1.0.0, 1 slots, cpu"}
	for _, w := range want {
		if !slices.Contains(printed, w) {
			t.Fatalf("stdout lacks %q:\n%s\nstderr:\n%s", w, strings.Join(printed, "\n"), stderr.String())
		}
	}
	if printed[len(printed)-1] != "ready" {
		t.Fatalf("no ready line:\n%s\nstderr:\n%s", strings.Join(printed, "\n"), stderr.String())
	}

	info, ok := reg.Nodes().Get(acct.Address)
	if !ok || info.Status != pb.NodeStatus_NODE_STATUS_AVAILABLE || !slices.Equal(info.Models, []string{"digits"}) || info.Slots != 1 {
		t.Fatalf("the registry sees %v", info)
	}
	s := gw.Session(t)
	b, err := workertest.Store().Open("digits")
	if err != nil {
		t.Fatal(err)
	}
	id := computetest.NewRequestID()
	s.Send(t, &pb.ComputeTask{RequestId: id, Subnet: "default", Model: "digits", Input: b.Manifest.Samples[0].Input,
		DeadlineUnixMs: time.Now().Add(30 * time.Second).UnixMilli()})
	r := gw.Result(t, id)
	domain := chain.Domain{ChainID: new(big.Int).SetUint64(m.ChainID), Contract: m.Contracts.Payment}
	if err := computetest.CheckResult(r, acct.Address, domain); err != nil {
		t.Fatalf("%v\nstderr:\n%s", err, stderr.String())
	}
	var output struct{ Label int }
	if err := json.Unmarshal(r.Result, &output); err != nil || output.Label != 0 {
		t.Fatalf("output %s", r.Result)
	}

	// Its metrics, printed before "ready", count the task.
	var metricsAddr string
	for _, l := range printed {
		if a, ok := strings.CutPrefix(l, "metrics: http://"); ok {
			metricsAddr = strings.TrimSuffix(a, "/metrics")
		}
	}
	if metricsAddr == "" {
		t.Fatalf("no metrics line:\n%s", strings.Join(printed, "\n"))
	}
	opstest.Scrape(t, metricsAddr).Want(t, map[string]float64{
		"compute_tasks_total{model=digits,outcome=ok}": 1, "compute_task_duration_seconds{model=digits}": 1,
		"compute_worker_slots{model=digits}": 1, "compute_task_stream_connected": 1,
	})

	cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit on SIGINT: %v\nstderr:\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("still running 30s after SIGINT\nstderr:\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), "ncn compute: stopped") {
		t.Fatalf("stderr lacks the stopped line:\n%s", stderr.String())
	}
	if _, ok := reg.Nodes().Get(acct.Address); ok {
		t.Fatal("the registry still lists the node after it stopped")
	}
}
