package main

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/gorilla/websocket"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/host/devchain"
	"github.com/ncn-network/ncn/host/gateway"
	"github.com/ncn-network/ncn/host/ops/opstest"
	"github.com/ncn-network/ncn/host/registry/registrytest"
	"github.com/ncn-network/ncn/plugins/builtin"
)

// TestGatewayUsage checks `ncn gateway --help` and the command lines it
// refuses before it dials anything.
func TestGatewayUsage(t *testing.T) {
	dir := t.TempDir()
	contracts := writeFile(t, filepath.Join(dir, "contracts.json"),
		`{"token": "0x0000000000000000000000000000000000000001", "validatorRegistry": "0x0000000000000000000000000000000000000002", "inferencePayment": "0x0000000000000000000000000000000000000003"}`)
	key, _ := crypto.GenerateKey()
	hexKey := "0x" + hex.EncodeToString(crypto.FromECDSA(key))
	keyFile := writeFile(t, filepath.Join(dir, "key.hex"), hexKey)
	chainArgs := []string{"--rpc", "http://127.0.0.1:1", "--contracts", contracts}
	full := func(extra ...string) []string {
		return slices.Concat([]string{"gateway", "--key", keyFile, "--registry", "127.0.0.1:1", "--datadir", filepath.Join(dir, "gw")}, chainArgs, extra)
	}
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		wantCode   int
		wantStdout []string
		wantStderr []string
	}{
		{name: "help", args: []string{"gateway", "--help"}, wantCode: exitOK,
			wantStdout: []string{"Usage: ncn gateway (--key FILE | $GATEWAY_PRIVATE_KEY)", "Example", "ready",
				"GATEWAY_PRIVATE_KEY", "RPC_URL", "REGISTRY_GRPC_ADDR", "GATEWAY_ADDR", "NCN_PASSWORD_FILE",
				"-registry", "-grpc-listen-addr", "-http-listen-addr", "-ws-listen-addr", "-ws-connections", "-metrics-listen-addr", "payments_initiated_total", "-log-json", "-subnet", "-quote-ttl", "-devchain", "-contracts", "-datadir"}},
		{name: "listed", args: []string{"--help"}, wantCode: exitOK, wantStdout: []string{"gateway ", "run a gateway"}},
		{name: "no key", args: slices.Concat([]string{"gateway"}, chainArgs), wantCode: exitUsage,
			wantStderr: []string{"ncn gateway: the gateway key is required: --key FILE, or GATEWAY_PRIVATE_KEY", "ncn gateway --help"}},
		{name: "no chain", args: []string{"gateway", "--key", keyFile}, wantCode: exitUsage,
			wantStderr: []string{"the chain is required: --devchain FILE, or --rpc URL"}},
		{name: "no registry", args: slices.Concat([]string{"gateway"}, chainArgs), env: map[string]string{"GATEWAY_PRIVATE_KEY": hexKey},
			wantCode: exitUsage, wantStderr: []string{"--registry is required (or set REGISTRY_GRPC_ADDR)"}},
		{name: "quote ttl", args: full("--quote-ttl", "11m"), wantCode: exitUsage, wantStderr: []string{"--quote-ttl must be positive and at most 10m"}},
		{name: "rate", args: full("--http-rate", "0"), wantCode: exitUsage, wantStderr: []string{"--http-rate and --grpc-rate must be at least 1"}},
		{name: "ws connections", args: full("--ws-connections", "0"), wantCode: exitUsage, wantStderr: []string{"--ws-connections must be at least 1"}},
		{name: "ws address", args: full("--ws-listen-addr", ""), wantCode: exitUsage, wantStderr: []string{`--ws-listen-addr: give an address, or "off"`}},
		{name: "finality", args: full("--finality", "safe"), wantCode: exitUsage, wantStderr: []string{`--finality: "safe" is not mined, finalized or a block count`}},
		{name: "retention", args: full("--retention", "1h"), wantCode: exitUsage, wantStderr: []string{"--retention must be at least 24h"}},
		{name: "body size", args: full("--max-body", "8MB"), wantCode: exitUsage, wantStderr: []string{`--max-body: "8MB" is not a size`}},
		{name: "log level", args: full("--log-level", "loud"), wantCode: exitUsage, wantStderr: []string{`--log-level: "loud" is not`}},
		{name: "stray argument", args: full("now"), wantCode: exitUsage, wantStderr: []string{`unexpected argument "now"`}},
		{name: "bad hex key", args: slices.Concat([]string{"gateway", "--registry", "a:1"}, chainArgs), env: map[string]string{"GATEWAY_PRIVATE_KEY": "0xnope"},
			wantCode: exitError, wantStderr: []string{"GATEWAY_PRIVATE_KEY is not a hex private key"}},
		{name: "chain unreachable", args: full(), wantCode: exitError, wantStderr: []string{"ncn gateway: ", "127.0.0.1:1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runKeys(t, tt.env, nil, tt.args...).check(t, tt.wantCode, tt.wantStdout, tt.wantStderr)
		})
	}
}

// TestGatewayBinary runs `ncn gateway` as an operator does, keyed by
// GATEWAY_PRIVATE_KEY, against a served chain and a registry node serving
// subnet "default": it prints its endpoints, its address and "ready",
// registers as a gateway, loads the subnet's plugins (ready), quotes
// over gRPC with a quote it signed, answers HTTP health, and on SIGINT
// prints "stopped" and exits 0.
func TestGatewayBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs a chain and a gateway")
	}
	bin := ncnBinary(t)
	dir := t.TempDir()
	startServe(t, bin, dir, 3)
	manifestPath := filepath.Join(dir, devchain.ManifestFile)
	m, err := devchain.ReadManifest(manifestPath)
	if err != nil {
		t.Fatal(err)
	}
	acct, _ := m.Account("gateway")
	key, err := chain.LoadKey(acct.Keystore, "")
	if err != nil {
		t.Fatal(err)
	}
	reg := registrytest.Start(t)
	set, err := builtin.Install(reg.Store, "default")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Subnets.Activate(context.Background(), set); err != nil {
		t.Fatal(err)
	}
	reg.AddModel(&pb.ModelDescriptor{Id: "digits", Subnet: "default"})

	cmd := exec.Command(bin, "gateway", "--devchain", manifestPath, "--registry", reg.Addr, "--datadir", filepath.Join(dir, "gw"),
		"--grpc-listen-addr", "127.0.0.1:0", "--http-listen-addr", "127.0.0.1:0", "--metrics-listen-addr", "127.0.0.1:0",
		"--ws-listen-addr", "127.0.0.1:0", "--log-json", "--subnet", "default")
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); !slices.Contains([]string{"RPC_URL", "REGISTRY_GRPC_ADDR", "GATEWAY_ADDR", "NCN_PASSWORD_FILE"}, name) {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "GATEWAY_PRIVATE_KEY="+hex.EncodeToString(crypto.FromECDSA(key)))
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
	lines := make(chan map[string]string, 1)
	go func() {
		got := map[string]string{}
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if sc.Text() == "ready" {
				got["ready"] = "yes"
				break
			}
			k, v, _ := strings.Cut(sc.Text(), ": ")
			got[k] = v
		}
		lines <- got
		io.Copy(io.Discard, out)
	}()
	var printed map[string]string
	select {
	case printed = <-lines:
	case <-time.After(time.Minute):
		t.Fatalf("not ready\nstderr:\n%s", stderr.String())
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	if printed["ready"] == "" || printed["grpc"] == "" || printed["http"] == "" || printed["gateway"] != strings.ToLower(acct.Address.Hex()) {
		t.Fatalf("printed %v\nstderr:\n%s", printed, stderr.String())
	}
	if info, ok := reg.Nodes().Get(acct.Address); !ok || info.Role != pb.NodeRole_NODE_ROLE_GATEWAY || info.Endpoints[0] != printed["grpc"] {
		t.Fatalf("the registry sees %v", info)
	}
	metricsAddr := strings.TrimSuffix(strings.TrimPrefix(printed["metrics"], "http://"), "/metrics")
	if metricsAddr == "" || printed["metrics"] != "http://"+metricsAddr+"/metrics" {
		t.Fatalf("printed %v: no metrics line", printed)
	}
	opstest.Scrape(t, metricsAddr).Want(t, map[string]float64{"payments_initiated_total": 0, "payments_completed_total": 0})
	// The WebSocket API answers on the printed address.
	ws, _, err := websocket.DefaultDialer.Dial(printed["websocket"], nil)
	if err != nil {
		t.Fatalf("websocket %q: %v", printed["websocket"], err)
	}
	ws.WriteJSON(map[string]string{"type": "status", "request_id": "0x" + strings.Repeat("00", 32)})
	var wsReply struct {
		Type  string
		Error struct{ Code string }
	}
	if err := ws.ReadJSON(&wsReply); err != nil || wsReply.Type != "error" || wsReply.Error.Code != "NOT_FOUND" {
		t.Fatalf("websocket status of an unknown request: %+v, %v", wsReply, err)
	}
	ws.Close()
	for _, u := range []string{"http://" + printed["http"] + "/health", "http://" + printed["http"] + "/readyz", "http://" + metricsAddr + "/readyz"} {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s\nstderr:\n%s", u, resp.StatusCode, b, stderr.String())
		}
	}
	conn, err := grpc.NewClient(printed["grpc"], grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	q, err := pb.NewGatewayClientServiceClient(conn).EstimateFee(context.Background(),
		&pb.EstimateFeeRequest{Subnet: "default", Model: "digits", Input: []byte("a picture")})
	if err != nil {
		t.Fatalf("quote: %v\nstderr:\n%s", err, stderr.String())
	}
	if signer, err := gateway.VerifyQuote(q); err != nil || signer != acct.Address || q.Amount == "" {
		t.Fatalf("quote %v signed by %s: %v", q, signer.Hex(), err)
	}

	cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit on SIGINT: %v\nstderr:\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("still running 30s after SIGINT\nstderr:\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), "ncn gateway: stopped") {
		t.Fatalf("stderr lacks the stopped line:\n%s", stderr.String())
	}
	// --log-json: every log line is a JSON object.
	for line := range strings.Lines(stderr.String()) {
		if line == "ncn gateway: stopped\n" {
			continue
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(line), &v); err != nil || v["msg"] == nil {
			t.Errorf("not a JSON log line: %q", line)
		}
	}
}

// TestDefaultFallback: a listener flag left at its default may fall back
// to a free loopback port when the default is taken; one the operator
// gave may not.
func TestDefaultFallback(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "127.0.0.1:0"},
		{[]string{"--metrics-listen-addr", ":9465"}, ""},
		{[]string{"--metrics-listen-addr="}, ""},
		{[]string{"--other", "x"}, "127.0.0.1:0"},
	} {
		f := newFlags("test", "", "")
		f.String("metrics-listen-addr", ":9465", "")
		f.String("other", "", "")
		if err := f.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		if got := defaultFallback(f, "metrics-listen-addr"); got != tc.want {
			t.Errorf("%v: fallback %q, want %q", tc.args, got, tc.want)
		}
	}
}
