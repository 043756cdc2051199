package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/ncn-network/ncn/chain"
)

// runKeys runs `ncn args...` in process with the environment vars and
// stdin (nil: none).
func runKeys(t *testing.T, vars map[string]string, stdin io.Reader, args ...string) pluginResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	e := env{stdin: stdin, stdout: &stdout, stderr: &stderr, getenv: func(k string) string { return vars[k] }}
	code := run(ctx, args, e)
	return pluginResult{code, stdout.String(), stderr.String()}
}

// decodeKey is the {"address", "path"} a keys command printed with --json.
func decodeKey(t *testing.T, r pluginResult) chain.KeystoreFile {
	t.Helper()
	var k chain.KeystoreFile
	if err := json.Unmarshal([]byte(r.stdout), &k); err != nil || k.Path == "" {
		t.Fatalf("not a key as JSON (%v):\n%s\nstderr:\n%s", err, r.stdout, r.stderr)
	}
	return k
}

// TestKeysUsage checks help and bad command lines; no key is written.
func TestKeysUsage(t *testing.T) {
	dir := t.TempDir()
	empty := writeFile(t, filepath.Join(dir, "empty.txt"), "\n")
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout []string
		wantStderr []string
	}{
		{name: "group help", args: []string{"keys", "--help"}, wantCode: exitOK,
			wantStdout: []string{"ncn keys <command>", "new", "list", "import", "address"}},
		{name: "top help", args: []string{"--help"}, wantCode: exitOK, wantStdout: []string{"keys new", "keys address"}},
		{name: "new help", args: []string{"keys", "new", "--help"}, wantCode: exitOK,
			wantStdout: []string{"Usage: ncn keys new", "Examples:", "NCN_KEYSTORE", "NCN_PASSWORD_FILE", "~/.ncn/keystore",
				"-keystore", "-password-file", "-light", "-insecure-empty-password", "-json"}},
		{name: "list help", args: []string{"keys", "list", "-h"}, wantCode: exitOK,
			wantStdout: []string{"Usage: ncn keys list", "sorted", "stderr", "-keystore", "-json"}},
		{name: "import help", args: []string{"help", "keys", "import"}, wantCode: exitOK,
			wantStdout: []string{"Usage: ncn keys import [flags] HEXFILE", "already holds", "-password-file", "-keystore"}},
		{name: "address help", args: []string{"keys", "address", "--help"}, wantCode: exitOK,
			wantStdout: []string{"Usage: ncn keys address [flags] KEYFILE", "without a passphrase", "-password-file"}},
		{name: "address without file", args: []string{"keys", "address"}, wantCode: exitUsage,
			wantStderr: []string{"missing the key file KEYFILE", "ncn keys address --help"}},
		{name: "address two files", args: []string{"keys", "address", "a", "b"}, wantCode: exitUsage,
			wantStderr: []string{`unexpected argument "b"`}},
		{name: "import without file", args: []string{"keys", "import", "--keystore", dir}, wantCode: exitUsage,
			wantStderr: []string{"missing the hex key file HEXFILE"}},
		{name: "list stray argument", args: []string{"keys", "list", "now"}, wantCode: exitUsage,
			wantStderr: []string{`unexpected argument "now"`}},
		{name: "unknown subcommand", args: []string{"keys", "export"}, wantCode: exitUsage,
			wantStderr: []string{`unknown command "keys export"`}},
		{name: "new empty passphrase", args: []string{"keys", "new", "--keystore", dir}, wantCode: exitUsage,
			wantStderr: []string{"refusing an empty passphrase", "--insecure-empty-password", "ncn keys new --help"}},
		{name: "new empty password file", args: []string{"keys", "new", "--keystore", dir, "--password-file", empty}, wantCode: exitUsage,
			wantStderr: []string{"refusing an empty passphrase"}},
		{name: "new missing password file", args: []string{"keys", "new", "--keystore", dir, "--password-file", filepath.Join(dir, "nope")},
			wantCode: exitError, wantStderr: []string{"read password file", "nope"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runKeys(t, nil, nil, tt.args...).check(t, tt.wantCode, tt.wantStdout, tt.wantStderr)
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("a refused command wrote to the keystore: %v", entries)
	}
}

// TestKeysRoundTrip creates a key, reads its address back without and with
// the passphrase, lists it beside a file that is not a key, and loads it
// through a command that signs.
func TestKeysRoundTrip(t *testing.T) {
	dir := t.TempDir()
	ks := filepath.Join(dir, "keystore")
	pw := writeFile(t, filepath.Join(dir, "pw.txt"), "correct horse\n")
	wrong := writeFile(t, filepath.Join(dir, "wrong.txt"), "battery staple\n")

	r := runKeys(t, nil, nil, "keys", "new", "--keystore", ks, "--password-file", pw, "--light", "--json")
	r.check(t, exitOK, nil, nil)
	k := decodeKey(t, r)
	if filepath.Dir(k.Path) != ks {
		t.Errorf("key written to %s, want it in %s", k.Path, ks)
	}
	if fi, err := os.Stat(k.Path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("keystore file: %v, mode %v; want 0600", err, fi.Mode())
	}
	key, err := chain.LoadKey(k.Path, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if got := crypto.PubkeyToAddress(key.PublicKey); got != k.Address {
		t.Fatalf("printed address %s, key in the file is %s", k.Address, got)
	}
	addr := k.Address.Hex()

	runKeys(t, nil, nil, "keys", "address", k.Path).check(t, exitOK, []string{addr + "\n"}, nil)
	runKeys(t, nil, nil, "keys", "address", k.Path, "--password-file", pw).check(t, exitOK, []string{addr}, nil)
	runKeys(t, nil, nil, "keys", "address", "--password-file", wrong, k.Path).
		check(t, exitError, nil, []string{"ncn keys address: decrypt keystore " + k.Path, "could not decrypt", wrong})

	// The text form, a second key from $NCN_KEYSTORE and $NCN_PASSWORD_FILE.
	vars := map[string]string{"NCN_KEYSTORE": ks, "NCN_PASSWORD_FILE": pw}
	r = runKeys(t, vars, nil, "keys", "new", "--light")
	r.check(t, exitOK, []string{"address  0x", "path     " + ks}, nil)
	if _, err := chain.LoadKey(strings.TrimSpace(strings.SplitN(r.stdout, "path", 2)[1]), "correct horse"); err != nil {
		t.Errorf("the key from $NCN_PASSWORD_FILE: %v", err)
	}

	writeFile(t, filepath.Join(ks, "notes.txt"), "not a key\n")
	writeFile(t, filepath.Join(ks, "other.json"), `{"address": "0x1234"}`)
	writeFile(t, filepath.Join(ks, ".hidden"), "ignored\n")
	r = runKeys(t, vars, nil, "keys", "list")
	r.check(t, exitOK, []string{addr + "  " + k.Path}, []string{
		"skipping " + filepath.Join(ks, "notes.txt") + ": not a keystore file",
		"skipping " + filepath.Join(ks, "other.json") + ": not a keystore file",
	})
	var paths []string
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		_, path, _ := strings.Cut(line, "  ")
		paths = append(paths, path)
	}
	if len(paths) != 2 || !slices.IsSorted(paths) {
		t.Errorf("want two keys sorted by path:\n%s", r.stdout)
	}
	if strings.Contains(r.stderr, ".hidden") {
		t.Errorf("hidden file reported:\n%s", r.stderr)
	}
	r = runKeys(t, vars, nil, "keys", "list", "--json")
	var listed []chain.KeystoreFile
	if err := json.Unmarshal([]byte(r.stdout), &listed); err != nil || len(listed) != 2 || listed[0].Path > listed[1].Path {
		t.Errorf("list --json (%v):\n%s", err, r.stdout)
	}
	runKeys(t, nil, nil, "keys", "list", "--keystore", filepath.Join(dir, "none"), "--json").check(t, exitOK, []string{"[]"}, nil)

	// The shared --key loading: a wrong or missing password names the file
	// and where the password came from, before any chain or registry is asked.
	runKeys(t, nil, nil, "chain", "deploy", "--rpc", "http://127.0.0.1:1", "--key", k.Path, "--password-file", wrong).
		check(t, exitError, nil, []string{"ncn chain deploy: decrypt keystore " + k.Path, "could not decrypt", "first line of " + wrong + ", given by --password-file"})
	runKeys(t, nil, nil, "chain", "deploy", "--rpc", "http://127.0.0.1:1", "--key", k.Path).
		check(t, exitError, nil, []string{"decrypt keystore " + k.Path, "the empty password"})
	runKeys(t, map[string]string{"NCN_PASSWORD_FILE": wrong}, nil, "subnet", "create", "--registry", "127.0.0.1:1", "--key", k.Path, "--name", "x").
		check(t, exitError, nil, []string{"ncn subnet create: decrypt keystore " + k.Path, "given by $NCN_PASSWORD_FILE"})
}

// TestKeysPassphrase covers where a new key's passphrase comes from
// besides a file: stdin when it is not a terminal, or none when allowed.
func TestKeysPassphrase(t *testing.T) {
	home := t.TempDir()
	r := runKeys(t, map[string]string{"HOME": home}, strings.NewReader("from stdin\r\n"), "keys", "new", "--light", "--json")
	r.check(t, exitOK, nil, nil)
	k := decodeKey(t, r)
	if filepath.Dir(k.Path) != filepath.Join(home, ".ncn", "keystore") {
		t.Errorf("default keystore: key at %s", k.Path)
	}
	if _, err := chain.LoadKey(k.Path, "from stdin"); err != nil {
		t.Errorf("passphrase from stdin: %v", err)
	}

	r = runKeys(t, map[string]string{"HOME": home}, nil, "keys", "new", "--light", "--insecure-empty-password", "--json")
	r.check(t, exitOK, nil, nil)
	if _, err := chain.LoadKey(decodeKey(t, r).Path, ""); err != nil {
		t.Errorf("empty passphrase: %v", err)
	}
	runKeys(t, nil, strings.NewReader("\n"), "keys", "new", "--keystore", home).check(t, exitUsage, nil, []string{"refusing an empty passphrase"})
	runKeys(t, nil, nil, "keys", "list").check(t, exitError, nil, []string{"HOME is not set"})
}

// TestKeysImport imports a hex key, refuses it a second time, and refuses
// files that are not hex keys.
func TestKeysImport(t *testing.T) {
	dir := t.TempDir()
	ks := filepath.Join(dir, "keystore")
	pw := writeFile(t, filepath.Join(dir, "pw.txt"), "s3cret\n")
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	want := crypto.PubkeyToAddress(key.PublicKey)
	hexFile := writeFile(t, filepath.Join(dir, "owner.hex"), "0x"+hex.EncodeToString(crypto.FromECDSA(key))+"\n")

	r := runKeys(t, nil, nil, "keys", "import", "--keystore", ks, "--password-file", pw, "--light", "--json", hexFile)
	r.check(t, exitOK, nil, nil)
	k := decodeKey(t, r)
	if k.Address != want {
		t.Fatalf("imported as %s, want %s", k.Address, want)
	}
	got, err := chain.LoadKey(k.Path, "s3cret")
	if err != nil || !got.Equal(key) {
		t.Fatalf("the imported keystore does not hold the key: %v", err)
	}
	runKeys(t, nil, nil, "keys", "address", hexFile).check(t, exitOK, []string{want.Hex()}, nil)

	// Import once more, with the hex key without 0x: refused, nothing asked.
	bare := writeFile(t, filepath.Join(dir, "bare.hex"), hex.EncodeToString(crypto.FromECDSA(key)))
	runKeys(t, nil, nil, "keys", "import", "--keystore", ks, bare).
		check(t, exitError, nil, []string{"key " + want.Hex() + " is already in the keystore: " + k.Path})

	notHex := writeFile(t, filepath.Join(dir, "notes.txt"), "hello\n")
	notKeystore := writeFile(t, filepath.Join(dir, "x.json"), `{"hello": "world"}`)
	tests := []struct {
		name       string
		args       []string
		wantStderr []string
	}{
		{"import a keystore file", []string{"keys", "import", "--keystore", ks, k.Path}, []string{k.Path + " is already a keystore file: copy it into " + ks}},
		{"import not hex", []string{"keys", "import", "--keystore", ks, notHex}, []string{"key " + notHex + ": not a hex private key"}},
		{"import missing file", []string{"keys", "import", "--keystore", ks, filepath.Join(dir, "nope")}, []string{"read key " + filepath.Join(dir, "nope")}},
		{"address not a key", []string{"keys", "address", notHex}, []string{"key " + notHex + ": neither a keystore file nor a hex private key"}},
		{"address not a keystore", []string{"keys", "address", notKeystore}, []string{notKeystore + ": not a keystore file"}},
		{"address missing file", []string{"keys", "address", filepath.Join(dir, "nope")}, []string{"read key " + filepath.Join(dir, "nope")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runKeys(t, nil, nil, tt.args...).check(t, exitError, nil, tt.wantStderr)
		})
	}
	if files, _, _ := chain.ReadKeystoreDir(ks); len(files) != 1 {
		t.Errorf("keystore holds %d keys after the refused imports, want 1", len(files))
	}

	// A keystore whose address field was changed: the address alone reads
	// the field; unlocking shows the mismatch.
	other, _ := crypto.GenerateKey()
	raw, err := os.ReadFile(k.Path)
	if err != nil {
		t.Fatal(err)
	}
	forged := strings.Replace(string(raw), strings.ToLower(want.Hex()[2:]), strings.ToLower(crypto.PubkeyToAddress(other.PublicKey).Hex()[2:]), 1)
	forgedPath := writeFile(t, filepath.Join(dir, "forged.json"), forged)
	runKeys(t, nil, nil, "keys", "address", "--password-file", pw, forgedPath).
		check(t, exitError, nil, []string{"the address field says " + crypto.PubkeyToAddress(other.PublicKey).Hex(), "encrypted key is " + want.Hex()})
}
