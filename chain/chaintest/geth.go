package chaintest

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ncn-network/ncn/chain"
)

// GethBinary finds the geth built by `make deps`: $NCN_GETH, then PATH,
// then $GOPATH/bin. It returns "" when there is none.
func GethBinary() string {
	if p := os.Getenv("NCN_GETH"); p != "" {
		return p
	}
	if p, err := exec.LookPath("geth"); err == nil {
		return p
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		home, _ := os.UserHomeDir()
		gopath = filepath.Join(home, "go")
	}
	p := filepath.Join(gopath, "bin", "geth")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return ""
}

// Geth returns an environment on a real `geth --dev` process listening on
// loopback, initialised with the same Osaka-pinned genesis as the embedded
// chain. Without a geth binary the test is skipped, except under CI where
// that is a failure: the suite must run on both chains there.
func Geth(t testing.TB) *Env {
	t.Helper()
	bin := GethBinary()
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("geth not found: run `make deps` (it builds geth at the pinned version)")
		}
		t.Skip("geth not found (run `make deps` to build it); skipping the geth --dev run")
	}
	url := StartGeth(t, bin)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := chain.Dial(ctx, url)
	if err != nil {
		t.Fatalf("dial geth: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return setup(t, "geth", b)
}

// StartGeth runs geth --dev on loopback with the dev genesis and returns its
// HTTP JSON-RPC URL. The process is stopped when the test ends.
func StartGeth(t testing.TB, bin string) string {
	t.Helper()
	dir := t.TempDir()
	genesis, err := json.Marshal(chain.DevGenesis(DevAlloc(allocKeys)))
	if err != nil {
		t.Fatal(err)
	}
	gpath := filepath.Join(dir, "genesis.json")
	pw := filepath.Join(dir, "password")
	for p, data := range map[string][]byte{gpath: genesis, pw: nil} {
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	datadir := filepath.Join(dir, "data")
	if out, err := exec.Command(bin, "init", "--datadir", datadir, gpath).CombinedOutput(); err != nil {
		t.Fatalf("geth init: %v\n%s", err, out)
	}
	port := freePort(t)
	logf, err := os.Create(filepath.Join(dir, "geth.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin,
		"--dev", "--dev.period", "0", "--datadir", datadir, "--password", pw,
		"--http", "--http.addr", "127.0.0.1", "--http.port", strconv.Itoa(port), "--http.api", "eth,net,web3,txpool",
		"--authrpc.addr", "127.0.0.1", "--authrpc.port", strconv.Itoa(freePort(t)),
		"--nodiscover", "--maxpeers", "0", "--port", "0", "--ipcdisable",
		"--miner.gaslimit", strconv.Itoa(chain.DevGasLimit), "--cache", "64", "--verbosity", "2",
	)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start geth: %v", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		logf.Close()
	})
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		b, err := chain.Dial(ctx, url)
		cancel()
		if err == nil {
			b.Close()
			return url
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(logf.Name())
			t.Fatalf("geth exited early:\n%s", tail(string(log), 40))
		default:
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logf.Name())
			t.Fatalf("geth did not answer on %s within 30s: %v\n%s", url, err, tail(string(log), 40))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
