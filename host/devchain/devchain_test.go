package devchain

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"math/big"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/ncn-network/ncn/chain"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr bool
	}{
		{name: "zero value", cfg: Config{}},
		{name: "one validator", cfg: Config{Validators: 1}},
		{name: "max validators", cfg: Config{Validators: MaxValidators}},
		{name: "negative", cfg: Config{Validators: -1}, wantErr: true},
		{name: "too many", cfg: Config{Validators: MaxValidators + 1}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.cfg.Validate(); (err != nil) != tt.wantErr {
				t.Fatalf("Validate() = %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

func TestStartPortInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c, err := Start(context.Background(), Config{HTTPAddr: l.Addr().String()})
	if err == nil {
		c.Close()
		t.Fatal("Start on a port in use succeeded")
	}
	if !strings.Contains(err.Error(), "address already in use") {
		t.Errorf("Start: %v, want address already in use", err)
	}
}

func TestStartExport(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var progress bytes.Buffer
	c, err := Start(ctx, Config{Validators: 3, Progress: &progress})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	if !strings.Contains(progress.String(), "staking 3 validators") {
		t.Errorf("progress lacks the staking step:\n%s", progress.String())
	}

	keyAddr := func(k *ecdsa.PrivateKey) common.Address { return crypto.PubkeyToAddress(k.PublicKey) }
	roles := map[string]int{"owner": chain.DevKeyOwner, "treasury": chain.DevKeyTreasury, "gateway": chain.DevKeyGateway, "compute": chain.DevKeyCompute,
		"client": chain.DevKeyClient, "validator-1": chain.DevKeyValidator, "validator-2": chain.DevKeyValidator + 1, "validator-3": chain.DevKeyValidator + 2}
	for _, a := range c.Accounts() {
		i, ok := roles[a.Role]
		if !ok {
			t.Errorf("unexpected role %q", a.Role)
			continue
		}
		if want := keyAddr(chain.DevKey(i)); a.Addr != want {
			t.Errorf("%s is %s, want dev key %d (%s)", a.Role, a.Addr, i, want)
		}
	}

	for _, v := range c.Validators {
		active, err := c.Contracts.IsActiveValidator(ctx, v.Addr)
		if err != nil || !active {
			t.Errorf("%s active = %v, %v; want true", v.Role, active, err)
		}
		assertBalance(ctx, t, c, v.Role, v.Addr, chain.Tokens(ValidatorTokens-StakeTokens))
	}
	assertBalance(ctx, t, c, "client", c.Client.Addr, chain.Tokens(ClientTokens))

	dir := filepath.Join(t.TempDir(), "data")
	m, err := c.Export(dir)
	if err != nil {
		t.Fatalf("Export: %v", err)
	}
	read, err := ReadManifest(filepath.Join(dir, ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	if read.ChainID != chain.DevChainID || read.RPCURL != "" || read.Contracts != c.Contracts.Addresses {
		t.Errorf("manifest = %+v, want chain %d, no RPC URL, contracts %+v", read, chain.DevChainID, c.Contracts.Addresses)
	}
	if len(read.Accounts) != len(roles) || len(m.Accounts) != len(roles) {
		t.Fatalf("manifest has %d accounts (returned %d), want %d", len(read.Accounts), len(m.Accounts), len(roles))
	}
	for _, a := range read.Accounts {
		if filepath.Dir(a.Keystore) != filepath.Join(dir, KeystoreDir) {
			t.Errorf("%s keystore %s is not in %s", a.Role, a.Keystore, filepath.Join(dir, KeystoreDir))
		}
		k, err := chain.LoadKey(a.Keystore, "")
		if err != nil {
			t.Errorf("%s: %v", a.Role, err)
			continue
		}
		if keyAddr(k) != a.Address || keyAddr(chain.DevKey(roles[a.Role])) != a.Address {
			t.Errorf("%s keystore holds %s, manifest says %s", a.Role, keyAddr(k), a.Address)
		}
	}
	if _, ok := read.Account("validator-3"); !ok {
		t.Error("manifest has no validator-3")
	}

	var summary bytes.Buffer
	if err := m.WriteSummary(&summary); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"(in-process only)", c.Contracts.Payment.Hex(), m.Accounts[0].Keystore} {
		if !strings.Contains(summary.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, summary.String())
		}
	}
}

func assertBalance(ctx context.Context, t *testing.T, c *Chain, name string, a common.Address, want *big.Int) {
	t.Helper()
	got, err := c.Contracts.BalanceOf(ctx, a)
	if err != nil {
		t.Fatalf("balance of %s: %v", name, err)
	}
	if got.Cmp(want) != 0 {
		t.Errorf("%s holds %s tokens, want %s", name, FormatTokens(got), FormatTokens(want))
	}
}
