package chain

import (
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ethereum/go-ethereum/accounts/keystore"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// LoadKey reads a private key from a file: a geth keystore (JSON, unlocked
// with password) or a file holding the key as hex.
func LoadKey(path, password string) (*ecdsa.PrivateKey, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read key %s: %w", path, err)
	}
	text := strings.TrimSpace(string(raw))
	if strings.HasPrefix(text, "{") {
		k, err := keystore.DecryptKey(raw, password)
		if err != nil {
			return nil, fmt.Errorf("decrypt keystore %s: %w", path, err)
		}
		return k.PrivateKey, nil
	}
	k, err := crypto.HexToECDSA(strings.TrimPrefix(text, "0x"))
	if err != nil {
		return nil, fmt.Errorf("key %s: neither a keystore file nor a hex private key: %w", path, err)
	}
	return k, nil
}

// ReadPassword reads a password file: its first line, without the line end.
// An empty path means an empty password.
func ReadPassword(path string) (string, error) {
	if path == "" {
		return "", nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read password file: %w", err)
	}
	line, _, _ := strings.Cut(string(raw), "\n")
	return strings.TrimRight(line, "\r"), nil
}

// WriteKeystore encrypts key into a geth keystore file in dir and returns
// its path. light uses the fast scrypt parameters meant for development keys.
func WriteKeystore(dir string, key *ecdsa.PrivateKey, password string, light bool) (string, error) {
	n, p := keystore.StandardScryptN, keystore.StandardScryptP
	if light {
		n, p = keystore.LightScryptN, keystore.LightScryptP
	}
	addr := crypto.PubkeyToAddress(key.PublicKey)
	blob, err := keystore.EncryptKey(&keystore.Key{Address: addr, PrivateKey: key, Id: keyID(addr)}, password, n, p)
	if err != nil {
		return "", fmt.Errorf("encrypt key: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("keystore directory: %w", err)
	}
	path := filepath.Join(dir, "UTC--ncn--"+strings.ToLower(addr.Hex()[2:])+".json")
	if err := os.WriteFile(path, blob, 0o600); err != nil {
		return "", fmt.Errorf("write keystore: %w", err)
	}
	return path, nil
}

// keyID derives a stable keystore id from the address, so rewriting a dev
// key gives the same file.
func keyID(addr common.Address) [16]byte {
	var id [16]byte
	copy(id[:], crypto.Keccak256(addr[:]))
	id[6] = (id[6] & 0x0f) | 0x40 // UUID v4 layout, as keystore readers expect
	id[8] = (id[8] & 0x3f) | 0x80
	return id
}

// Dev key indexes of the development roles, shared by `ncn chain serve`,
// the demo and the test environments. Validator i (from 0) is
// DevKey(DevKeyValidator+i).
const (
	DevKeyOwner     = 0
	DevKeyTreasury  = 1
	DevKeyGateway   = 2
	DevKeyCompute   = 3
	DevKeyClient    = 4
	DevKeyClient2   = 5
	DevKeyTicker    = 6 // sends empty transactions to move a chain's clock
	DevKeyValidator = 10
)

// DevKey is the i-th development key: derived from a public seed, so it is
// the same on every machine and must never hold anything of value.
func DevKey(i int) *ecdsa.PrivateKey {
	seed := crypto.Keccak256([]byte(fmt.Sprintf("ncn devnet key %d", i)))
	k, err := crypto.ToECDSA(seed)
	if err != nil {
		// A keccak output is a valid secp256k1 scalar with overwhelming
		// probability; the seeds used are checked by a test.
		panic(fmt.Sprintf("dev key %d: %v", i, err))
	}
	return k
}

// KeystoreAddress reads the address field of a keystore file without
// decrypting it.
func KeystoreAddress(path string) (common.Address, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return common.Address{}, err
	}
	var v struct {
		Address string `json:"address"`
	}
	if err := json.Unmarshal(raw, &v); err != nil || !common.IsHexAddress(v.Address) {
		return common.Address{}, errors.New("not a keystore file with an address")
	}
	return common.HexToAddress(v.Address), nil
}
