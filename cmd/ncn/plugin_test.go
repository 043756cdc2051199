package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/ncn-network/ncn/abi"
	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/plugins"
)

// pluginResult is one in-process `ncn plugin ...` run.
type pluginResult struct {
	code           int
	stdout, stderr string
}

// runPlugin runs `ncn plugin args...` in process, with cacheDir as
// $NCN_PLUGIN_CACHE so that loads after the first of a module are fast.
func runPlugin(t *testing.T, cacheDir string, args ...string) pluginResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	e := env{stdout: &stdout, stderr: &stderr, getenv: func(k string) string {
		if k == "NCN_PLUGIN_CACHE" {
			return cacheDir
		}
		return ""
	}}
	code := run(ctx, append([]string{"plugin"}, args...), e)
	return pluginResult{code, stdout.String(), stderr.String()}
}

func (r pluginResult) check(t *testing.T, code int, stdout, stderr []string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
	for _, s := range stdout {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("stdout lacks %q:\n%s", s, r.stdout)
		}
	}
	for _, s := range stderr {
		if !strings.Contains(r.stderr, s) {
			t.Errorf("stderr lacks %q:\n%s", s, r.stderr)
		}
	}
}

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestPluginUsage checks help and bad command lines; nothing is built.
func TestPluginUsage(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout []string
		wantStderr []string
	}{
		{name: "group help", args: []string{"--help"}, wantCode: exitOK, wantStdout: []string{"ncn plugin <command>", "build", "sign", "run", "test"}},
		{name: "build help", args: []string{"build", "--help"}, wantCode: exitOK,
			wantStdout: []string{"Usage: ncn plugin build [--out FILE] DIR", "-trimpath", "-buildid=", "//go:wasmexport", "Examples:", "-out"}},
		{name: "sign help", args: []string{"sign", "-h"}, wantCode: exitOK,
			wantStdout: []string{"Usage: ncn plugin sign", "x.manifest.json", "Examples:", "-self-tests", "-password-file", "-binary", "-memory-pages", "NCN_PLUGIN_CACHE"}},
		{name: "run help", args: []string{"run", "--help"}, wantCode: exitOK,
			wantStdout: []string{"Usage: ncn plugin run", "instructions 81234  memory-pages 512", "elapsedMicros", "Examples:", "-kind", "-json", "-raw"}},
		{name: "test help", args: []string{"test", "--help"}, wantCode: exitOK,
			wantStdout: []string{"Usage: ncn plugin test", "passed", "Examples:", "-strategy", "-manifest", "-kinds"}},
		{name: "build without dir", args: []string{"build"}, wantCode: exitUsage,
			wantStderr: []string{"ncn plugin build: missing the plugin's package directory DIR", "ncn plugin build --help"}},
		{name: "build two dirs", args: []string{"build", "a", "b"}, wantCode: exitUsage, wantStderr: []string{`unexpected argument "b"`}},
		{name: "sign unknown kind", args: []string{"sign", "--key", "k", "--name", "n", "--version", "1", "--kinds", "select,teleport", "x.wasm"},
			wantCode: exitUsage, wantStderr: []string{`--kinds: unknown kind "teleport" (the kinds are select, price, preprocess, postprocess)`}},
		{name: "sign flags after the module", args: []string{"sign", "x.wasm", "--key", "k", "--name", "n", "--version", "1", "--kinds", "pricing"},
			wantCode: exitUsage, wantStderr: []string{`unknown kind "pricing"`}},
		{name: "sign without key", args: []string{"sign", "--name", "n", "--version", "1", "--kinds", "price", "x.wasm"},
			wantCode: exitUsage, wantStderr: []string{"--key is required"}},
		{name: "sign without kinds", args: []string{"sign", "--key", "k", "--name", "n", "--version", "1", "x.wasm"},
			wantCode: exitUsage, wantStderr: []string{"--kinds is required (the kinds are select,price,preprocess,postprocess)"}},
		{name: "sign without module", args: []string{"sign", "--key", "k", "--name", "n", "--version", "1", "--kinds", "price"},
			wantCode: exitUsage, wantStderr: []string{"missing the plugin module PLUGIN.wasm"}},
		{name: "run without kind", args: []string{"run", "x.wasm"}, wantCode: exitUsage, wantStderr: []string{"--kind is required"}},
		{name: "run two kinds", args: []string{"run", "--kind", "select,price", "x.wasm"}, wantCode: exitUsage, wantStderr: []string{"--kind takes one kind"}},
		{name: "run unknown kind", args: []string{"run", "x.wasm", "--kind", "rank"}, wantCode: exitUsage, wantStderr: []string{`--kind: unknown kind "rank"`}},
		{name: "run missing module", args: []string{"run", "--kind", "price", "/nonexistent/x.wasm"}, wantCode: exitError,
			wantStderr: []string{"ncn plugin run: read plugin: open /nonexistent/x.wasm"}},
		{name: "test kinds with manifest", args: []string{"test", "--manifest", "m.json", "--kinds", "price", "x.wasm"}, wantCode: exitUsage,
			wantStderr: []string{"--kinds and --binary are for runs without --manifest"}},
		{name: "after --", args: []string{"test", "--", "-x.wasm", "--kinds"}, wantCode: exitUsage, wantStderr: []string{`unexpected argument "--kinds"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runPlugin(t, "", tt.args...).check(t, tt.wantCode, tt.wantStdout, tt.wantStderr)
		})
	}
}

// TestPluginCommands is an author's round trip with the default plugin:
// build, sign, test, run, and the ways each refuses what is wrong.
func TestPluginCommands(t *testing.T) {
	dir, cache := t.TempDir(), t.TempDir()
	wasmPath := filepath.Join(dir, "defaults.wasm")

	r := runPlugin(t, cache, "build", "--out", wasmPath, filepath.Join("..", "..", "sdk-plugins", "examples", "defaults"))
	r.check(t, exitOK, []string{"wrote   " + wasmPath, "kinds   select,price,preprocess,postprocess"}, nil)
	if t.Failed() {
		t.FailNow()
	}
	wasm, err := os.ReadFile(wasmPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.stdout, "sha256  "+plugins.HashWasm(wasm)) || !regexp.MustCompile(`size    \d{6,} bytes`).MatchString(r.stdout) {
		t.Errorf("build output does not describe the module:\n%s", r.stdout)
	}

	keyFile := writeFile(t, filepath.Join(dir, "owner.hex"), hex.EncodeToString(crypto.FromECDSA(chain.DevKey(0)))+"\n")
	owner := crypto.PubkeyToAddress(chain.DevKey(0).PublicKey)
	vectors, err := abi.Vectors()
	if err != nil {
		t.Fatal(err)
	}
	var selfTests []plugins.SelfTest
	for _, v := range vectors {
		if v.Error == "" && (v.Name == "select stake n=5 count=3" || v.Name == "price params") {
			selfTests = append(selfTests, plugins.SelfTest{Name: v.Name, Kind: v.Kind, Input: v.Input, Output: v.Output})
		}
	}
	stJSON, _ := json.Marshal(selfTests)
	selfTestsFile := writeFile(t, filepath.Join(dir, "selftests.json"), string(stJSON))
	manifestPath := filepath.Join(dir, "defaults.manifest.json")

	t.Run("sign", func(t *testing.T) {
		r := runPlugin(t, cache, "sign", "--key", keyFile, "--name", "defaults", "--version", "1.0.0",
			"--kinds", "select,price,preprocess,postprocess", "--binary", "--self-tests", selfTestsFile, "--budget", "80000000", wasmPath)
		r.check(t, exitOK, []string{"wrote       " + manifestPath, "defaults@1.0.0", owner.Hex(), "self-tests  2 passed"}, nil)
		m, err := plugins.ReadManifest(manifestPath)
		if err != nil {
			t.Fatal(err)
		}
		signer, err := m.Check(wasm)
		if err != nil || signer != owner {
			t.Fatalf("manifest check: %v, signer %s, want %s", err, signer, owner)
		}
		if !m.Binary || m.Limits.Budget != 80_000_000 || len(m.SelfTests) != 2 || m.ABIVersion != abi.Version {
			t.Errorf("manifest %+v", m)
		}
	})
	if t.Failed() {
		t.FailNow()
	}

	t.Run("test", func(t *testing.T) {
		r := runPlugin(t, cache, "test", "--manifest", manifestPath, wasmPath)
		summary := regexp.MustCompile(`(?m)^(\d+) passed, 0 failed$`).FindStringSubmatch(r.stdout)
		r.check(t, exitOK, []string{"testing defaults@1.0.0 (signed by " + owner.Hex(), "binary form",
			"PASS  select unknown strategy  (unknown_strategy, as expected)", "PASS  self-test price params  (", "PASS  postprocess filter  ("}, nil)
		if want := len(vectors) + 2; summary == nil || summary[1] != strconv.Itoa(want) {
			t.Errorf("summary is not %q:\n%s", strconv.Itoa(want)+" passed, 0 failed", r.stdout)
		}
	})

	t.Run("test one strategy", func(t *testing.T) {
		r := runPlugin(t, cache, "test", "--kinds", "select", "--strategy", "reputation", wasmPath)
		r.check(t, exitOK, []string{"(unsigned, no manifest; kinds select; JSON form)", "PASS  select reputation n=20 count=3", "6 passed, 0 failed"}, nil)
		if strings.Contains(r.stdout, "select stake") || strings.Contains(r.stdout, "price") {
			t.Errorf("ran vectors of another strategy or kind:\n%s", r.stdout)
		}
	})

	t.Run("test tampered manifest", func(t *testing.T) {
		raw, err := os.ReadFile(manifestPath)
		if err != nil {
			t.Fatal(err)
		}
		tampered := writeFile(t, filepath.Join(dir, "tampered.json"), strings.Replace(string(raw), `"version": "1.0.0"`, `"version": "1.0.1"`, 1))
		r := runPlugin(t, cache, "test", "--manifest", tampered, wasmPath)
		r.check(t, exitError, nil, []string{"ncn plugin test: manifest " + tampered + ": plugin manifest signature invalid", "sign it again"})
		if strings.Contains(r.stdout, "PASS") {
			t.Errorf("vectors ran under a bad signature:\n%s", r.stdout)
		}

		// run only warns about it
		input := writeFile(t, filepath.Join(dir, "price.json"), `{"version":1,"subnet":"demo","model":"digits","inputTokens":64}`)
		r = runPlugin(t, cache, "run", "--kind", "price", "--manifest", tampered, "--input", input, wasmPath)
		r.check(t, exitOK, []string{`"compute":`}, []string{"warning: plugin manifest signature invalid"})
	})

	t.Run("test wrong abi version", func(t *testing.T) {
		raw, _ := os.ReadFile(manifestPath)
		path := writeFile(t, filepath.Join(dir, "abi2.json"), strings.Replace(string(raw), `"abiVersion": 1`, `"abiVersion": 2`, 1))
		runPlugin(t, cache, "test", "--manifest", path, wasmPath).check(t, exitError, nil,
			[]string{"built for ABI version 2; this host speaks version 1"})
	})

	t.Run("run price", func(t *testing.T) {
		input := writeFile(t, filepath.Join(dir, "price.json"), `{"version":1,"subnet":"demo","model":"digits","inputTokens":64,"outputTokens":1}`)
		for _, args := range [][]string{
			{"run", "--kind", "price", "--input", input, wasmPath},
			{"run", "--kind", "price", "--manifest", manifestPath, "--input", input, wasmPath},
		} {
			r := runPlugin(t, cache, args...)
			r.check(t, exitOK, nil, nil)
			var out abi.PriceOutput
			if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
				t.Fatalf("stdout is not a price output: %v\n%s", err, r.stdout)
			}
			if _, _, _, _, err := out.Amounts(); err != nil {
				t.Errorf("price output %s: %v", r.stdout, err)
			}
			if !regexp.MustCompile(`(?m)^instructions [1-9]\d*  memory-pages 512  time \S+$`).MatchString(r.stderr) {
				t.Errorf("no instructions line on stderr:\n%s", r.stderr)
			}
		}
	})

	t.Run("run json", func(t *testing.T) {
		input := writeFile(t, filepath.Join(dir, "price-bin.dat"), string(abi.EncodePriceInput(
			&abi.PriceInput{Version: abi.Version, Subnet: "demo", Model: "digits", InputTokens: 64}, abi.FormBinary)))
		r := runPlugin(t, cache, "run", "--kind", "price", "--json", "--memory-pages", "256", "--input", input, wasmPath)
		r.check(t, exitOK, nil, nil)
		var doc struct {
			Output        abi.PriceOutput `json:"output"`
			Instructions  uint64          `json:"instructions"`
			ElapsedMicros int64           `json:"elapsedMicros"`
			MemoryPages   uint32          `json:"memoryPages"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
			t.Fatalf("--json output: %v\n%s", err, r.stdout)
		}
		if doc.Output.Version != abi.Version || doc.Output.Compute == "" || doc.Instructions == 0 || doc.MemoryPages != 256 {
			t.Errorf("--json output %+v", doc)
		}
	})

	t.Run("run garbage", func(t *testing.T) {
		input := writeFile(t, filepath.Join(dir, "garbage"), "this is not a select input")
		r := runPlugin(t, cache, "run", "--kind", "select", "--input", input, wasmPath)
		r.check(t, exitError, nil, []string{"ncn plugin run:", "invalid_input"})
		if r.stdout != "" {
			t.Errorf("stdout: %s", r.stdout)
		}
		// --raw hands the bytes to the plugin, which must refuse them itself.
		r = runPlugin(t, cache, "run", "--kind", "select", "--raw", "--json", "--input", input, wasmPath)
		r.check(t, exitError, []string{`"code":"invalid_input"`}, []string{"plugin defaults@dev select: invalid_input"})
	})

	t.Run("run out of budget", func(t *testing.T) {
		input := writeFile(t, filepath.Join(dir, "price.json"), `{"version":1,"subnet":"demo","model":"digits","inputTokens":64}`)
		runPlugin(t, cache, "run", "--kind", "price", "--budget", "1000", "--input", input, wasmPath).check(t, exitError, nil,
			[]string{"budget_exhausted: ran past its budget of 1000 instructions"})
	})

	t.Run("sign bad name", func(t *testing.T) {
		runPlugin(t, cache, "sign", "--key", keyFile, "--name", "my plugin", "--version", "1", "--kinds", "price", "--out", filepath.Join(dir, "x.json"), wasmPath).
			check(t, exitUsage, nil, []string{"name must be 1..64 characters"})
	})

	t.Run("sign failing self-test", func(t *testing.T) {
		bad := []plugins.SelfTest{selfTests[1]}
		bad[0].Output = json.RawMessage(`{"version":1,"compute":"1","gateway":"1","validators":"1","treasury":"1"}`)
		b, _ := json.Marshal(bad)
		out := filepath.Join(dir, "failing.manifest.json")
		runPlugin(t, cache, "sign", "--key", keyFile, "--name", "d", "--version", "1", "--kinds", "price", "--self-tests",
			writeFile(t, filepath.Join(dir, "bad-selftests.json"), string(b)), "--out", out, wasmPath).
			check(t, exitError, nil, []string{"not signed: a host would refuse the plugin", "plugin self-test failed"})
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("a manifest was written: %v", err)
		}
	})
}

// TestPluginBuildErrors builds small modules: one that is not a plugin,
// one that does not compile, and one exporting only price, which then
// fails the select and price vectors.
func TestPluginBuildErrors(t *testing.T) {
	dir, cache := t.TempDir(), t.TempDir()
	goMod := "module example.com/tiny\n\ngo 1.22\n"

	lib := filepath.Join(dir, "lib")
	writeFile(t, filepath.Join(lib, "go.mod"), goMod)
	writeFile(t, filepath.Join(lib, "lib.go"), "package lib\n")
	runPlugin(t, cache, "build", lib).check(t, exitError, nil, []string{"not a plugin: it is package lib; a plugin is package main"})

	broken := filepath.Join(dir, "broken")
	writeFile(t, filepath.Join(broken, "go.mod"), goMod)
	writeFile(t, filepath.Join(broken, "main.go"), "package main\n\nfunc main() { undefinedThing() }\n")
	runPlugin(t, cache, "build", broken).check(t, exitError, nil, []string{"build plugin", "main.go:3", "undefined: undefinedThing"})

	tiny := filepath.Join(dir, "tiny")
	writeFile(t, filepath.Join(tiny, "go.mod"), goMod)
	writeFile(t, filepath.Join(tiny, "main.go"), "package main\n\n//go:wasmexport price\nfunc price() int32 { return 0 }\n\nfunc main() {}\n")
	runPlugin(t, cache, "build", tiny).check(t, exitOK, []string{"wrote   " + filepath.Join(tiny, "tiny.wasm"), "kinds   price\n"}, nil)
	wasm := filepath.Join(tiny, "tiny.wasm")

	runPlugin(t, cache, "test", "--kinds", "select,price", wasm).check(t, exitError, nil,
		[]string{"missing_export", `no exported function "select"`, "the module exports price, not select"})
	r := runPlugin(t, cache, "test", wasm)
	r.check(t, exitError, []string{"kinds price;", "FAIL  price defaults: got error plugin tiny@dev price: bad_output", "0 passed, 5 failed"},
		[]string{"ncn plugin test: 5 of 5 failed"})
}
