package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/ncn-network/ncn/host/registry/registrytest"
)

// runSubnet runs `ncn subnet args...` in process.
func runSubnet(t *testing.T, args ...string) pluginResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	e := env{stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}
	code := run(ctx, append([]string{"subnet"}, args...), e)
	return pluginResult{code, stdout.String(), stderr.String()}
}

// TestSubnetUsage checks help and bad command lines; no registry is asked.
func TestSubnetUsage(t *testing.T) {
	sha := strings.Repeat("ab", 32)
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout []string
		wantStderr []string
	}{
		{name: "group help", args: []string{"--help"}, wantCode: exitOK,
			wantStdout: []string{"create", "update", "show", "list", "plugin upload", "plugin activate", "plugin rollback", "plugin list", "model add", "model push"}},
		{name: "model add help", args: []string{"model", "add", "--help"}, wantCode: exitOK,
			wantStdout: []string{"Usage: ncn subnet model add", "resumes", "ncn compute --subnet ID --model ID", "(default 24h0m0s)"}},
		{name: "model add without subnet", args: []string{"model", "add", "--key", "k", "dir"}, wantCode: exitUsage,
			wantStderr: []string{"--subnet is required"}},
		{name: "model add without bundle", args: []string{"model", "add", "--key", "k", "--subnet", "0x1"}, wantCode: exitUsage,
			wantStderr: []string{"missing the model BUNDLE_DIR"}},
		{name: "model add without key", args: []string{"model", "add", "--subnet", "0x1", "dir"}, wantCode: exitUsage,
			wantStderr: []string{"--key is required"}},
		{name: "model push two bundles", args: []string{"model", "push", "--subnet", "0x1", "a", "b"}, wantCode: exitUsage,
			wantStderr: []string{`unexpected argument "b"`}},
		{name: "create help", args: []string{"create", "--help"}, wantCode: exitOK,
			wantStdout: []string{"Usage: ncn subnet create", "Examples:", "keccak256(owner", "-registry", "-key", "-password-file", "-json", "-param"}},
		{name: "activate help", args: []string{"plugin", "activate", "-h"}, wantCode: exitOK,
			wantStdout: []string{"Usage: ncn subnet plugin activate", "KIND=SHA256", "config hash"}},
		{name: "create without key", args: []string{"create", "--name", "x"}, wantCode: exitUsage,
			wantStderr: []string{"--key is required", "ncn subnet create --help"}},
		{name: "create without name", args: []string{"create", "--key", "k"}, wantCode: exitUsage,
			wantStderr: []string{"--name is required"}},
		{name: "create bad param", args: []string{"create", "--key", "k", "--name", "x", "--param", "base"}, wantCode: exitUsage,
			wantStderr: []string{`"base" is not KEY=VALUE`}},
		{name: "create quorum above N", args: []string{"create", "--key", "k", "--name", "x", "--validators", "3", "--quorum", "4"}, wantCode: exitUsage,
			wantStderr: []string{"0 < quorum <= validators"}},
		{name: "create bad plugin", args: []string{"create", "--key", "k", "--name", "x", "--plugin", "price=zz"}, wantCode: exitUsage,
			wantStderr: []string{`--plugin "price=zz"`, "64-hex-digit"}},
		{name: "create bare plugin", args: []string{"create", "--key", "k", "--name", "x", "--plugin", sha}, wantCode: exitUsage,
			wantStderr: []string{"name the kind"}},
		{name: "show without subnet", args: []string{"show"}, wantCode: exitUsage,
			wantStderr: []string{"missing the SUBNET id"}},
		{name: "show two subnets", args: []string{"show", "a", "b"}, wantCode: exitUsage,
			wantStderr: []string{`unexpected argument "b"`}},
		{name: "update without key", args: []string{"update", "0x1"}, wantCode: exitUsage,
			wantStderr: []string{"--key is required"}},
		{name: "list bad owner", args: []string{"list", "--owner", "bob"}, wantCode: exitUsage,
			wantStderr: []string{`--owner "bob" is not an address`}},
		{name: "upload without subnet", args: []string{"plugin", "upload", "p.wasm"}, wantCode: exitUsage,
			wantStderr: []string{"--subnet is required"}},
		{name: "upload without module", args: []string{"plugin", "upload", "--subnet", "0x1"}, wantCode: exitUsage,
			wantStderr: []string{"missing the plugin module"}},
		{name: "activate without plugin", args: []string{"plugin", "activate", "--key", "k", "--subnet", "0x1"}, wantCode: exitUsage,
			wantStderr: []string{"--plugin is required"}},
		{name: "activate unknown kind", args: []string{"plugin", "activate", "--key", "k", "--subnet", "0x1", "--plugin", "rank=" + sha}, wantCode: exitUsage,
			wantStderr: []string{`unknown kind "rank"`}},
		{name: "rollback zero", args: []string{"plugin", "rollback", "--key", "k", "--subnet", "0x1", "--back", "0"}, wantCode: exitUsage,
			wantStderr: []string{"--back must be at least 1"}},
		{name: "empty registry", args: []string{"list", "--registry", ""}, wantCode: exitUsage,
			wantStderr: []string{"--registry must not be empty"}},
		{name: "missing key file", args: []string{"create", "--key", "/nonexistent/key", "--name", "x"}, wantCode: exitError,
			wantStderr: []string{"ncn subnet create: read key /nonexistent/key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runSubnet(t, tt.args...).check(t, tt.wantCode, tt.wantStdout, tt.wantStderr)
		})
	}
}

// TestSubnetSession is an owner's session against an in-process registry
// node: create, upload (a failing plugin refused, then a good one),
// activate by hash, show, a stranger refused, rollback, list.
func TestSubnetSession(t *testing.T) {
	n := registrytest.Start(t)
	dir := t.TempDir()
	owner, _ := crypto.GenerateKey()
	stranger, _ := crypto.GenerateKey()
	ownerKey := writeFile(t, filepath.Join(dir, "owner.hex"), hex.EncodeToString(crypto.FromECDSA(owner)))
	strangerKey := writeFile(t, filepath.Join(dir, "stranger.hex"), hex.EncodeToString(crypto.FromECDSA(stranger)))
	ownerAddr := strings.ToLower(crypto.PubkeyToAddress(owner.PublicKey).Hex())
	reg := []string{"--registry", n.Addr}

	res := runSubnet(t, append([]string{"create", "--key", ownerKey, "--name", "vision", "--param", "base=1000", "--json"}, reg...)...)
	res.check(t, exitOK, []string{`"subnet"`, `"plugins"`}, nil)
	var created struct {
		Subnet struct {
			ID         string `json:"id"`
			ConfigHash string `json:"configHash"`
		} `json:"subnet"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &created); err != nil || created.Subnet.ID == "" {
		t.Fatalf("create --json: %v\n%s", err, res.stdout)
	}
	id := created.Subnet.ID
	t.Logf("$ ncn subnet create --key owner.hex --name vision --param base=1000\n%s", runSubnet(t, append([]string{"show", id}, reg...)...).stdout)
	runSubnet(t, append([]string{"create", "--key", ownerKey, "--name", "vision"}, reg...)...).
		check(t, exitError, nil, []string{"already exists", "(AlreadyExists)"})

	writePlugin := func(name, want string) string {
		wasm, m := registrytest.FixedPrice(t, owner, want)
		mb, _ := json.Marshal(m)
		writeFile(t, filepath.Join(dir, name+".manifest.json"), string(mb))
		return writeFile(t, filepath.Join(dir, name+".wasm"), string(wasm))
	}
	runSubnet(t, append([]string{"plugin", "upload", "--subnet", id, writePlugin("broken", "5")}, reg...)...).
		check(t, exitError, nil, []string{"self-test failed", `"fixed price"`, "(FailedPrecondition)"})
	res = runSubnet(t, append([]string{"plugin", "upload", "--subnet", id, writePlugin("price", "1")}, reg...)...)
	res.check(t, exitOK, []string{"uploaded    fixed-price@1.0.0", "self-tests  1 passed", "ncn subnet plugin activate"}, nil)
	t.Logf("$ ncn subnet plugin upload --subnet %s price.wasm\n%s", id, res.stdout)
	sha := strings.Fields(strings.Split(res.stdout, "\n")[1])[1]

	runSubnet(t, append([]string{"plugin", "activate", "--key", strangerKey, "--subnet", id, "--plugin", sha}, reg...)...).
		check(t, exitError, nil, []string{"belongs to " + ownerAddr, "(PermissionDenied)"})
	res = runSubnet(t, append([]string{"plugin", "activate", "--key", ownerKey, "--subnet", id, "--plugin", sha}, reg...)...)
	res.check(t, exitOK, []string{"config hash " + created.Subnet.ConfigHash + " -> ", "price", "fixed-price", "1.0.0", sha, ownerAddr}, nil)
	t.Logf("$ ncn subnet plugin activate --key owner.hex --subnet %s --plugin %s\n%s", id, sha, res.stdout)
	res = runSubnet(t, append([]string{"show", id}, reg...)...)
	res.check(t, exitOK, []string{"owner        " + ownerAddr, "seq          2", "base=1000", "config hash", "select", "ncn-selection", "builtin"}, nil)
	if strings.Contains(res.stdout, created.Subnet.ConfigHash) {
		t.Errorf("show still prints the old config hash:\n%s", res.stdout)
	}
	t.Logf("$ ncn subnet show %s\n%s", id, res.stdout)

	runSubnet(t, append([]string{"update", "--key", strangerKey, "--param", "base=1", id}, reg...)...).
		check(t, exitError, nil, []string{"is not the owner of subnet " + id, "owner " + ownerAddr})
	runSubnet(t, append([]string{"update", "--key", ownerKey, "--param", "base=2000", "--model", "digits", id}, reg...)...).
		check(t, exitOK, []string{"base=2000", "models       digits", "seq          3"}, nil)
	runSubnet(t, append([]string{"show", "0x" + strings.Repeat("00", 32)}, reg...)...).
		check(t, exitError, nil, []string{"unknown subnet", "(NotFound)"})
	runSubnet(t, append([]string{"plugin", "rollback", "--key", ownerKey, "--subnet", id, "--back", "9"}, reg...)...).
		check(t, exitError, nil, []string{"earlier plugin sets", "(InvalidArgument)"})
	runSubnet(t, append([]string{"plugin", "rollback", "--key", ownerKey, "--subnet", id, "--back", "2"}, reg...)...).
		check(t, exitOK, []string{"config hash", created.Subnet.ConfigHash + "\n", "ncn-defaults"}, nil)
	runSubnet(t, append([]string{"list", "--owner", ownerAddr}, reg...)...).
		check(t, exitOK, []string{"ID", id, "vision", ownerAddr}, nil)
	runSubnet(t, append([]string{"plugin", "list"}, reg...)...).
		check(t, exitOK, []string{"fixed-price", "ncn-defaults", "ncn-selection", sha}, nil)
	runSubnet(t, append([]string{"list"}, "--registry", "127.0.0.1:1", "--timeout", "5s")...).
		check(t, exitError, nil, []string{"registry 127.0.0.1:1 unreachable"})
}
