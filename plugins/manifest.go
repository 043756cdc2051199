package plugins

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/ncn-network/ncn/abi"
)

// Manifest describes a plugin module and is signed by its owner (the
// subnet owner who uploads it). Capabilities are data here, not code paths.
type Manifest struct {
	Name       string     `json:"name"`
	Version    string     `json:"version"`
	Kinds      []abi.Kind `json:"kinds"`
	ABIVersion int        `json:"abiVersion"`
	// SHA256 of the .wasm as uploaded (before metering), hex: the plugin's
	// content address.
	SHA256 string `json:"sha256"`
	Owner  string `json:"owner"` // 0x address of the signer
	// Binary says the plugin reads and writes the binary forms of select
	// and price (plugins built with sdk-plugins/pdk do); otherwise the host
	// speaks JSON to it.
	Binary    bool       `json:"binary,omitempty"`
	Limits    Limits     `json:"limits"`
	SelfTests []SelfTest `json:"selfTests,omitempty"`
	// Signature is the owner's EIP-191 signature over the manifest's JSON
	// with this field empty, hex.
	Signature string `json:"signature,omitempty"`
}

// Limits a plugin asks for; the runtime caps each at its own maximum.
// Zero means the runtime's default.
type Limits struct {
	Budget         uint64 `json:"budget,omitempty"`         // instructions per call
	MemoryPages    uint32 `json:"memoryPages,omitempty"`    // 64 KiB pages
	MaxOutputBytes int    `json:"maxOutputBytes,omitempty"` // per call
}

// SelfTest is a vector the plugin must pass before it can be activated:
// input and expected output, as JSON documents of the kind.
type SelfTest struct {
	Name   string          `json:"name"`
	Kind   abi.Kind        `json:"kind"`
	Input  json.RawMessage `json:"input"`
	Output json.RawMessage `json:"output"`
}

// ID is name@version.
func (m *Manifest) ID() string { return m.Name + "@" + m.Version }

// HashWasm is the content address of a module: hex sha256.
func HashWasm(wasm []byte) string {
	h := sha256.Sum256(wasm)
	return hex.EncodeToString(h[:])
}

// signingHash is what the owner signs: EIP-191 over keccak256 of the
// manifest's JSON without its signature.
func (m *Manifest) signingHash() ([]byte, error) {
	c := *m
	c.Signature = ""
	b, err := json.Marshal(&c)
	if err != nil {
		return nil, err
	}
	return accounts.TextHash(crypto.Keccak256(b)), nil
}

// Sign sets Owner to key's address and signs the manifest.
func (m *Manifest) Sign(key *ecdsa.PrivateKey) error {
	m.Owner = crypto.PubkeyToAddress(key.PublicKey).Hex()
	h, err := m.signingHash()
	if err != nil {
		return fmt.Errorf("sign manifest: %w", err)
	}
	sig, err := crypto.Sign(h, key)
	if err != nil {
		return fmt.Errorf("sign manifest: %w", err)
	}
	sig[64] += 27
	m.Signature = "0x" + hex.EncodeToString(sig)
	return nil
}

// Check validates the manifest against its module: fields, ABI version,
// kinds, hash and the owner's signature. It returns the owner.
func (m *Manifest) Check(wasm []byte) (common.Address, error) {
	bad := func(format string, args ...any) (common.Address, error) {
		return common.Address{}, fmt.Errorf("%w: %s: %s", ErrBadManifest, m.ID(), fmt.Sprintf(format, args...))
	}
	switch {
	case m.Name == "" || len(m.Name) > 64 || strings.ContainsAny(m.Name, "@/ \t\n"):
		return bad("name must be 1..64 characters without '@', '/' or spaces")
	case m.Version == "" || len(m.Version) > 32 || strings.ContainsAny(m.Version, "@/ \t\n"):
		return bad("version must be 1..32 characters without '@', '/' or spaces")
	case m.ABIVersion != abi.Version:
		return bad("built for ABI version %d; this host speaks version %d", m.ABIVersion, abi.Version)
	case len(m.Kinds) == 0:
		return bad("no kinds")
	case m.SHA256 != HashWasm(wasm):
		return bad("sha256 %s does not match the module (%s)", m.SHA256, HashWasm(wasm))
	case !common.IsHexAddress(m.Owner):
		return bad("owner %q is not an address", m.Owner)
	}
	seen := map[abi.Kind]bool{}
	for _, k := range m.Kinds {
		if !k.Valid() || seen[k] {
			return bad("kind %q unknown or repeated", k)
		}
		seen[k] = true
	}
	for _, st := range m.SelfTests {
		if !seen[st.Kind] {
			return bad("self-test %q is for kind %q, which the plugin does not declare", st.Name, st.Kind)
		}
	}
	sig, err := hex.DecodeString(strings.TrimPrefix(m.Signature, "0x"))
	if err != nil || len(sig) != 65 || (sig[64] != 27 && sig[64] != 28) {
		return common.Address{}, fmt.Errorf("%w: %s: not a 65-byte signature", ErrSignature, m.ID())
	}
	h, err := m.signingHash()
	if err != nil {
		return common.Address{}, fmt.Errorf("%w: %v", ErrBadManifest, err)
	}
	sig[64] -= 27
	pub, err := crypto.SigToPub(h, sig)
	if err != nil {
		return common.Address{}, fmt.Errorf("%w: %s: %v", ErrSignature, m.ID(), err)
	}
	signer := crypto.PubkeyToAddress(*pub)
	if signer != common.HexToAddress(m.Owner) {
		return common.Address{}, fmt.Errorf("%w: %s: signed by %s, owner is %s", ErrSignature, m.ID(), signer, m.Owner)
	}
	return signer, nil
}

// HasKind reports whether the plugin declares k.
func (m *Manifest) HasKind(k abi.Kind) bool {
	for _, x := range m.Kinds {
		if x == k {
			return true
		}
	}
	return false
}
