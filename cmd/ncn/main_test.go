package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/chain/chaintest"
	"github.com/ncn-network/ncn/host/devchain"
)

// TestRun checks the command line in process: help, dispatch, and exit
// codes for bad command lines.
func TestRun(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		wantCode   int
		wantStdout []string
		wantStderr []string
	}{
		{name: "help", args: []string{"--help"}, wantCode: exitOK,
			wantStdout: []string{"chain serve", "chain deploy", "chain demo", "Commands:"}},
		{name: "help word", args: []string{"help"}, wantCode: exitOK, wantStdout: []string{"chain deploy"}},
		{name: "no command", args: nil, wantCode: exitUsage, wantStderr: []string{"no command given", "ncn --help"}},
		{name: "unknown command", args: []string{"frobnicate"}, wantCode: exitUsage,
			wantStderr: []string{`unknown command "frobnicate"`}},
		{name: "group help", args: []string{"chain", "--help"}, wantCode: exitOK,
			wantStdout: []string{"ncn chain <command>", "serve", "deploy", "demo"}},
		{name: "group without subcommand", args: []string{"chain"}, wantCode: exitUsage,
			wantStderr: []string{"missing subcommand"}},
		{name: "unknown subcommand", args: []string{"chain", "mine"}, wantCode: exitUsage,
			wantStderr: []string{`unknown command "chain mine"`, "ncn chain --help"}},
		{name: "serve help", args: []string{"chain", "serve", "--help"}, wantCode: exitOK,
			wantStdout: []string{"Usage: ncn chain serve", "Examples:", "-rpc-addr", "-datadir", "-validators", "-json", "ready"}},
		{name: "help for a command", args: []string{"help", "chain", "deploy"}, wantCode: exitOK,
			wantStdout: []string{"Usage: ncn chain deploy", "RPC_URL", "-password-file", "-min-stake-tokens"}},
		{name: "demo help", args: []string{"chain", "demo", "-h"}, wantCode: exitOK,
			wantStdout: []string{"Usage: ncn chain demo", "-requests", "conservation"}},
		{name: "unknown flag", args: []string{"chain", "serve", "--mine-faster"}, wantCode: exitUsage,
			wantStderr: []string{"ncn chain serve:", "mine-faster", "ncn chain serve --help"}},
		{name: "stray argument", args: []string{"chain", "demo", "now"}, wantCode: exitUsage,
			wantStderr: []string{`unexpected argument "now"`}},
		{name: "deploy without rpc", args: []string{"chain", "deploy", "--key", "k"}, wantCode: exitUsage,
			wantStderr: []string{"--rpc is required"}},
		{name: "deploy without key", args: []string{"chain", "deploy"}, env: map[string]string{"RPC_URL": "http://127.0.0.1:1"},
			wantCode: exitUsage, wantStderr: []string{"--key is required"}},
		{name: "deploy bad owner", args: []string{"chain", "deploy", "--rpc", "http://x", "--key", "k", "--owner", "bob"},
			wantCode: exitUsage, wantStderr: []string{`--owner: "bob" is not an address`}},
		{name: "deploy quorum above signers", args: []string{"chain", "deploy", "--rpc", "http://x", "--key", "k", "--quorum", "6"},
			wantCode: exitUsage, wantStderr: []string{"quorum 6 exceeds max signers 5"}},
		{name: "deploy missing key file", args: []string{"chain", "deploy", "--rpc", "http://x", "--key", "/nonexistent/key"},
			wantCode: exitError, wantStderr: []string{"ncn chain deploy: read key /nonexistent/key"}},
		{name: "serve zero validators", args: []string{"chain", "serve", "--validators", "0"}, wantCode: exitUsage,
			wantStderr: []string{"--validators must be between 1 and"}},
		{name: "demo zero requests", args: []string{"chain", "demo", "--requests", "0"}, wantCode: exitUsage,
			wantStderr: []string{"--requests must be at least 1"}},
		{name: "registry bad model file cap", args: []string{"registry", "--max-model-file", "lots"}, wantCode: exitUsage,
			wantStderr: []string{`--max-model-file: "lots" is not a size`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			e := env{stdout: &stdout, stderr: &stderr, getenv: func(k string) string { return tt.env[k] }}
			code := run(context.Background(), tt.args, e)
			if code != tt.wantCode {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, stdout.String(), stderr.String())
			}
			for _, s := range tt.wantStdout {
				if !strings.Contains(stdout.String(), s) {
					t.Errorf("stdout lacks %q:\n%s", s, stdout.String())
				}
			}
			for _, s := range tt.wantStderr {
				if !strings.Contains(stderr.String(), s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr.String())
				}
			}
		})
	}
}

// TestChainDemo runs `ncn chain demo` in process and checks that it
// settles, refunds and reports conservation.
func TestChainDemo(t *testing.T) {
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	code := run(ctx, []string{"chain", "demo", "--requests", "2"}, env{stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }})
	if code != exitOK {
		t.Fatalf("exit code %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	for _, s := range []string{"conservation: ok", "2 completed, 1 refunded", "client", "escrow", "total supply"} {
		if !strings.Contains(stdout.String(), s) {
			t.Errorf("stdout lacks %q:\n%s", s, stdout.String())
		}
	}
	for _, s := range []string{"deploying", "staking", "request 1/2 settled in", "request 2/2 settled in"} {
		if !strings.Contains(stderr.String(), s) {
			t.Errorf("stderr lacks %q:\n%s", s, stderr.String())
		}
	}
}

// The ncn binary, built once for every test that runs it and removed by
// TestMain.
var (
	binOnce sync.Once
	binPath string
	binErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

func ncnBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ncn-test-bin-")
		if err != nil {
			binErr = err
			return
		}
		bin := filepath.Join(dir, "ncn")
		if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
			os.RemoveAll(dir)
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		binPath = bin
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// TestBinary builds ncn and runs it as other programs will: a development
// chain served over JSON-RPC, contracts deployed to it and to a real geth.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := ncnBinary(t)

	t.Run("help", func(t *testing.T) {
		r := runBinary(t, bin, "--help")
		if r.code != exitOK || !strings.Contains(r.stdout, "chain serve") || !strings.Contains(r.stdout, "chain deploy") {
			t.Errorf("ncn --help: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})

	t.Run("deploy without rpc", func(t *testing.T) {
		r := runBinary(t, bin, "chain", "deploy", "--key", "key.json")
		if r.code != exitUsage || !strings.Contains(r.stderr, "--rpc is required") || r.stdout != "" {
			t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, exitUsage, r.stdout, r.stderr)
		}
	})

	t.Run("sandbox", func(t *testing.T) {
		r := runBinary(t, bin, "sandbox", "run")
		if r.code != exitUsage || !strings.Contains(r.stderr, "no command given") {
			t.Errorf("sandbox run without a command: exit %d\n%s", r.code, r.stderr)
		}
		r = runBinary(t, bin, "sandbox", "check", "--profile", "lax")
		if r.code != exitUsage || !strings.Contains(r.stderr, "unknown profile") {
			t.Errorf("sandbox check --profile lax: exit %d\n%s", r.code, r.stderr)
		}
		if os.Getuid() != 0 {
			t.Skip("the sandbox needs root here (cgroups); CI runs as root")
		}
		r = runBinary(t, bin, "sandbox", "check")
		if r.code != exitOK || !strings.Contains(r.stdout, "profile strict: ok") || !strings.Contains(r.stdout, "landlock") {
			t.Fatalf("sandbox check: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		scratch := filepath.Join(t.TempDir(), "scratch")
		if err := os.Mkdir(scratch, 0o777); err != nil {
			t.Fatal(err)
		}
		os.Chmod(filepath.Dir(scratch), 0o755)
		os.Chown(scratch, 65534, 65534)
		r = runBinary(t, bin, "sandbox", "run", "--rw", scratch, "--", "/bin/sh", "-c",
			"echo $$ > "+scratch+"/pid; cat /etc/shadow; exit 7")
		pid, _ := os.ReadFile(filepath.Join(scratch, "pid"))
		if r.code != 7 || strings.TrimSpace(string(pid)) != "1" || !strings.Contains(r.stderr, "No such file") {
			t.Errorf("sandbox run: exit %d (want the command's 7), pid %q (want 1)\n%s", r.code, pid, r.stderr)
		}
	})

	t.Run("serve and deploy", func(t *testing.T) {
		datadir := t.TempDir()
		url := startServe(t, bin, datadir, 3)
		m, err := devchain.ReadManifest(filepath.Join(datadir, devchain.ManifestFile))
		if err != nil {
			t.Fatal(err)
		}
		if m.RPCURL != url {
			t.Errorf("devchain.json says %q, serve printed %q", m.RPCURL, url)
		}
		if m.ChainID != chain.DevChainID {
			t.Errorf("chain id %d, want %d", m.ChainID, chain.DevChainID)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		b, err := chain.Dial(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		assertCode(ctx, t, b, m.Contracts)

		owner, ok := m.Account("owner")
		if !ok {
			t.Fatalf("devchain.json has no owner: %+v", m.Accounts)
		}
		addrs := deploy(t, bin, "--rpc", url, "--key", owner.Keystore)
		assertCode(ctx, t, b, addrs)
		if addrs == m.Contracts {
			t.Error("deploy returned the addresses serve deployed")
		}
	})

	t.Run("deploy to geth", func(t *testing.T) {
		geth := chaintest.GethBinary()
		if geth == "" {
			if os.Getenv("CI") != "" {
				t.Fatal("geth not found: run `make deps`")
			}
			t.Skip("geth not found (run `make deps` to build it)")
		}
		url := chaintest.StartGeth(t, geth)
		keyFile := filepath.Join(t.TempDir(), "deployer.hex")
		if err := os.WriteFile(keyFile, []byte(hex.EncodeToString(crypto.FromECDSA(chain.DevKey(0)))+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		owner := crypto.PubkeyToAddress(chain.DevKey(1).PublicKey)
		addrs := deploy(t, bin, "--rpc", url, "--key", keyFile, "--owner", owner.Hex(), "--quorum", "2", "--max-signers", "4")
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		b, err := chain.Dial(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		assertCode(ctx, t, b, addrs)
		c, err := chain.Bind(b, addrs)
		if err != nil {
			t.Fatal(err)
		}
		if m, n, err := c.Quorum(ctx); err != nil || m != 2 || n != 4 {
			t.Errorf("quorum = %d of %d (%v), want 2 of 4", m, n, err)
		}
	})
}

type result struct {
	code           int
	stdout, stderr string
}

// runBinary runs bin with args (and without RPC_URL) to completion.
func runBinary(t *testing.T, bin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = envWithout("RPC_URL")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("run %s: %v", strings.Join(args, " "), err)
	}
	return result{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
}

// deploy runs `ncn chain deploy` and decodes the addresses it prints.
func deploy(t *testing.T, bin string, args ...string) chain.Addresses {
	t.Helper()
	r := runBinary(t, bin, append([]string{"chain", "deploy"}, args...)...)
	if r.code != exitOK {
		t.Fatalf("ncn chain deploy: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	var a chain.Addresses
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		t.Fatalf("deploy output is not the addresses JSON: %v\n%s", err, r.stdout)
	}
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	if a.Token == a.Registry || a.Token == a.Payment || a.Registry == a.Payment {
		t.Errorf("addresses are not distinct: %+v", a)
	}
	if !strings.Contains(r.stderr, "deployed in") {
		t.Errorf("no progress on stderr:\n%s", r.stderr)
	}
	return a
}

func assertCode(ctx context.Context, t *testing.T, b chain.Backend, a chain.Addresses) {
	t.Helper()
	for name, addr := range map[string]common.Address{"token": a.Token, "registry": a.Registry, "payment": a.Payment} {
		code, err := b.CodeAt(ctx, addr, nil)
		if err != nil {
			t.Fatalf("code of %s: %v", name, err)
		}
		if len(code) == 0 {
			t.Errorf("no code at %s %s", name, addr)
		}
	}
}

// startServe runs `ncn chain serve` on a free port, waits for "ready" and
// returns the RPC URL it printed. The process is interrupted when the test
// ends and must exit cleanly.
func startServe(t *testing.T, bin, datadir string, validators int) string {
	t.Helper()
	cmd := exec.Command(bin, "chain", "serve", "--rpc-addr", "127.0.0.1:0", "--datadir", datadir, "--validators", strconv.Itoa(validators))
	cmd.Env = envWithout("RPC_URL")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	type ready struct {
		url string
		out string
	}
	readyc := make(chan ready, 1)
	go func() {
		var out strings.Builder
		var url string
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			out.WriteString(line + "\n")
			if f := strings.Fields(line); len(f) == 2 && f[0] == "rpc" {
				url = f[1]
			}
			if line == "ready" {
				readyc <- ready{url, out.String()}
				io.Copy(io.Discard, stdout)
				return
			}
		}
		readyc <- ready{"", out.String()}
	}()
	exited := make(chan error, 1)
	var r ready
	select {
	case r = <-readyc:
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		t.Fatalf("serve not ready within a minute\nstderr:\n%s", stderr.String())
	}
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("serve did not exit cleanly on SIGINT: %v\nstderr:\n%s", err, stderr.String())
			}
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			t.Errorf("serve did not exit within 20s of SIGINT")
		}
	})
	if r.url == "" || strings.HasSuffix(r.url, ":0") {
		t.Fatalf("serve printed no usable RPC URL:\n%s\nstderr:\n%s", r.out, stderr.String())
	}
	for _, s := range []string{"token", "inferencePayment", "validator-3", filepath.Join(datadir, devchain.KeystoreDir)} {
		if !strings.Contains(r.out, s) {
			t.Errorf("serve output lacks %q:\n%s", s, r.out)
		}
	}
	return r.url
}

func envWithout(name string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}
