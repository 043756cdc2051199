package p2p

import (
	"crypto/ecdsa"
	"encoding/hex"
	"fmt"
	"math/big"
	"strconv"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// Hash is a 32-byte identifier: a subnet or model id (keccak256, see
// SubnetID and ModelID) or a content hash (sha256 of a plugin or blob). Its
// text form is 64 lowercase hex digits without 0x.
type Hash [32]byte

func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// MarshalText implements encoding.TextMarshaler.
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; it accepts only the
// canonical form (64 lowercase hex digits), so a descriptor has one text.
func (h *Hash) UnmarshalText(b []byte) error {
	p, err := ParseHash(string(b))
	if err != nil {
		return err
	}
	*h = p
	return nil
}

// ParseHash parses the canonical text form of a Hash.
func ParseHash(s string) (Hash, error) {
	var h Hash
	if len(s) != 64 {
		return h, fmt.Errorf("hash %q: want 64 hex digits: %w", s, ErrMalformed)
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil || hex.EncodeToString(h[:]) != s {
		return h, fmt.Errorf("hash %q: not lowercase hex: %w", s, ErrMalformed)
	}
	return h, nil
}

// SubnetID derives a subnet's id from its owner and name:
// keccak256("ncn/subnet" || owner || name). The id is self-certifying: a
// subnet record is accepted only when signed by the owner it was derived
// from, so nobody else can write a subnet's metadata.
func SubnetID(owner common.Address, name string) Hash {
	return Hash(crypto.Keccak256Hash([]byte("ncn/subnet"), owner[:], []byte(name)))
}

// ModelID derives a model's id from its publisher and name, like SubnetID
// (domain "ncn/model").
func ModelID(owner common.Address, name string) Hash {
	return Hash(crypto.Keccak256Hash([]byte("ncn/model"), owner[:], []byte(name)))
}

// SigLen is the length of a signature: r || s || v, v = 27 or 28.
const SigLen = 65

var secp256k1HalfN = new(big.Int).Rsh(crypto.S256().Params().N, 1)

// personalHash is the EIP-191 personal_sign hash of a 32-byte digest:
// keccak256("\x19Ethereum Signed Message:\n32" || digest). Signing the
// digest of the canonical bytes (not the bytes) keeps the message a wallet
// shows short, and the prefix keeps a record from ever being a valid
// transaction or EIP-712 signature.
func personalHash(digest []byte) []byte {
	return crypto.Keccak256([]byte("\x19Ethereum Signed Message:\n"+strconv.Itoa(len(digest))), digest)
}

// sign returns the 65-byte personal_sign signature of digest, v = 27/28.
func sign(key *ecdsa.PrivateKey, digest []byte) ([SigLen]byte, error) {
	var out [SigLen]byte
	sig, err := crypto.Sign(personalHash(digest), key)
	if err != nil {
		return out, fmt.Errorf("sign: %w", err)
	}
	copy(out[:], sig)
	out[64] += 27
	return out, nil
}

// recoverSigner returns the address whose key made sig over digest. It
// enforces v = 27/28 and low s, so a signature has exactly one valid form.
func recoverSigner(digest []byte, sig [SigLen]byte) (common.Address, error) {
	v := sig[64]
	if v != 27 && v != 28 {
		return common.Address{}, fmt.Errorf("v = %d: %w", v, ErrBadSignature)
	}
	r := new(big.Int).SetBytes(sig[:32])
	s := new(big.Int).SetBytes(sig[32:64])
	if !crypto.ValidateSignatureValues(v-27, r, s, true) || s.Cmp(secp256k1HalfN) > 0 {
		return common.Address{}, fmt.Errorf("r/s out of range or high s: %w", ErrBadSignature)
	}
	raw := sig
	raw[64] -= 27
	pub, err := crypto.SigToPub(personalHash(digest), raw[:])
	if err != nil {
		return common.Address{}, fmt.Errorf("recover: %v: %w", err, ErrBadSignature)
	}
	return crypto.PubkeyToAddress(*pub), nil
}
