package devchain

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/ethereum/go-ethereum/common"

	"github.com/ncn-network/ncn/chain"
)

// ManifestFile is the name of the manifest Export writes into a datadir.
const ManifestFile = "devchain.json"

// KeystoreDir is the folder of a datadir that holds the keystore files.
const KeystoreDir = "keystore"

// Manifest describes a running development chain to other processes: where
// to reach it, the contracts, and a keystore file (empty password) per
// account. It is what Export writes as devchain.json.
type Manifest struct {
	RPCURL    string            `json:"rpcUrl"` // "" when the chain has no RPC listener
	ChainID   uint64            `json:"chainId"`
	Contracts chain.Addresses   `json:"contracts"`
	Accounts  []ManifestAccount `json:"accounts"`
	// ClockURL is where the chain's clock controls are served
	// (Chain.ServeClock: evm_increaseTime, evm_mine); "" when they are not.
	ClockURL string `json:"clockUrl,omitempty"`
}

// ManifestAccount is one dev account in a Manifest.
type ManifestAccount struct {
	Role     string         `json:"role"`
	Address  common.Address `json:"address"`
	Keystore string         `json:"keystore"` // absolute path of its geth keystore file
}

// Account returns the account with role, if there is one.
func (m Manifest) Account(role string) (ManifestAccount, bool) {
	for _, a := range m.Accounts {
		if a.Role == role {
			return a, true
		}
	}
	return ManifestAccount{}, false
}

// Export writes every account's key as a geth keystore file (light scrypt,
// empty password) into dir/keystore and the manifest into dir/devchain.json,
// creating dir if needed, and returns the manifest.
func (c *Chain) Export(dir string) (Manifest, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return Manifest{}, fmt.Errorf("export dev chain: %w", err)
	}
	m := Manifest{RPCURL: c.URL(), ChainID: c.Domain.ChainID.Uint64(), Contracts: c.Contracts.Addresses, ClockURL: c.clockURL}
	for _, a := range c.Accounts() {
		path, err := chain.WriteKeystore(filepath.Join(dir, KeystoreDir), a.Key, "", true)
		if err != nil {
			return Manifest{}, fmt.Errorf("export %s key: %w", a.Role, err)
		}
		m.Accounts = append(m.Accounts, ManifestAccount{Role: a.Role, Address: a.Addr, Keystore: path})
	}
	raw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return Manifest{}, fmt.Errorf("encode manifest: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ManifestFile), append(raw, '\n'), 0o644); err != nil {
		return Manifest{}, fmt.Errorf("write manifest: %w", err)
	}
	return m, nil
}

// ReadManifest reads a devchain.json written by Export.
func ReadManifest(path string) (Manifest, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Manifest{}, fmt.Errorf("read manifest: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return Manifest{}, fmt.Errorf("decode manifest %s: %w", path, err)
	}
	return m, nil
}

// WriteSummary prints the manifest for a person: the RPC URL, the chain id,
// the contracts, and each account's address and keystore file.
func (m Manifest) WriteSummary(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	rpc := m.RPCURL
	if rpc == "" {
		rpc = "(in-process only)"
	}
	fmt.Fprintf(tw, "rpc\t%s\n", rpc)
	if m.ClockURL != "" {
		fmt.Fprintf(tw, "clock\t%s (evm_increaseTime, evm_mine)\n", m.ClockURL)
	}
	fmt.Fprintf(tw, "chain id\t%d\n", m.ChainID)
	fmt.Fprintf(tw, "token\t%s\n", m.Contracts.Token.Hex())
	fmt.Fprintf(tw, "validatorRegistry\t%s\n", m.Contracts.Registry.Hex())
	fmt.Fprintf(tw, "inferencePayment\t%s\n", m.Contracts.Payment.Hex())
	fmt.Fprintf(tw, "\nrole\taddress\tkeystore (password: empty)\n")
	for _, a := range m.Accounts {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", a.Role, a.Address.Hex(), a.Keystore)
	}
	return tw.Flush()
}
