package chain

import (
	"bytes"
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
	if isKeystoreJSON(raw) {
		k, err := keystore.DecryptKey(raw, password)
		if err != nil {
			return nil, fmt.Errorf("decrypt keystore %s: %w", path, err)
		}
		return k.PrivateKey, nil
	}
	k, err := parseHexKey(raw)
	if err != nil {
		return nil, fmt.Errorf("key %s: neither a keystore file nor a hex private key: %w", path, err)
	}
	return k, nil
}

// ReadHexKey reads a file holding a private key as hex (with or without
// 0x), as LoadKey does; a keystore file is an error here.
func ReadHexKey(path string) (*ecdsa.PrivateKey, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read key %s: %w", path, err)
	}
	k, err := parseHexKey(raw)
	if err != nil {
		return nil, fmt.Errorf("key %s: not a hex private key: %w", path, err)
	}
	return k, nil
}

// KeyFileAddress is the address of a key file LoadKey reads, found without
// a password: a keystore's address field (not checked against the
// encrypted key: LoadKey and compare for that), or a hex key's address.
func KeyFileAddress(path string) (common.Address, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return common.Address{}, fmt.Errorf("read key %s: %w", path, err)
	}
	if isKeystoreJSON(raw) {
		return keystoreAddress(path, raw)
	}
	k, err := parseHexKey(raw)
	if err != nil {
		return common.Address{}, fmt.Errorf("key %s: neither a keystore file nor a hex private key: %w", path, err)
	}
	return crypto.PubkeyToAddress(k.PublicKey), nil
}

func isKeystoreJSON(raw []byte) bool { return bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) }

func parseHexKey(raw []byte) (*ecdsa.PrivateKey, error) {
	return crypto.HexToECDSA(strings.TrimPrefix(strings.TrimSpace(string(raw)), "0x"))
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
// decrypting it. A file that is not a keystore (JSON with an address and a
// crypto section) is an error naming the file.
func KeystoreAddress(path string) (common.Address, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return common.Address{}, err
	}
	return keystoreAddress(path, raw)
}

func keystoreAddress(path string, raw []byte) (common.Address, error) {
	var v struct {
		Address string          `json:"address"`
		Crypto  json.RawMessage `json:"crypto"` // geth's version 1 files say "Crypto"; encoding/json matches either
	}
	if err := json.Unmarshal(raw, &v); err != nil || !common.IsHexAddress(v.Address) || len(v.Crypto) == 0 {
		return common.Address{}, fmt.Errorf("%s: not a keystore file (JSON with an address and a crypto section)", path)
	}
	return common.HexToAddress(v.Address), nil
}

// KeystoreFile is one key file of a keystore directory.
type KeystoreFile struct {
	Address common.Address `json:"address"`
	Path    string         `json:"path"`
}

// ReadKeystoreDir lists the keystore files in dir, sorted by path, reading
// only their address fields. Files that are not keystores are left out and
// reported in skipped, one error naming each; hidden files, backups ending
// in "~" and directories are ignored, as geth does. A missing dir holds no
// files.
func ReadKeystoreDir(dir string) (files []KeystoreFile, skipped []error, err error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read keystore directory: %w", err)
	}
	for _, ent := range entries { // os.ReadDir sorts by name
		name := ent.Name()
		if strings.HasPrefix(name, ".") || strings.HasSuffix(name, "~") || ent.IsDir() {
			continue
		}
		path := filepath.Join(dir, name)
		addr, err := KeystoreAddress(path)
		if err != nil {
			skipped = append(skipped, err)
			continue
		}
		files = append(files, KeystoreFile{Address: addr, Path: path})
	}
	return files, skipped, nil
}
