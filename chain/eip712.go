package chain

import (
	"bytes"
	"crypto/ecdsa"
	"fmt"
	"math/big"
	"sort"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// Domain name and version of every NCN signature. The chain id and the
// InferencePayment address complete the domain, so a signature is valid on
// exactly one chain and one contract.
const (
	DomainName    = "NCN"
	DomainVersion = "2"
)

// EIP-712 type strings, identical to InferencePayment.sol.
const (
	PaymentTreeType   = "PaymentTree(address computeNode,uint256 computeAmount,address gateway,uint256 gatewayAmount,uint256 validatorAmount,uint256 treasuryAmount)"
	PreprocessingType = "Preprocessing(bytes32 requestId,address client,address gateway,address computeNode,bytes32 subnetId,bytes32 modelId,uint256 amount,bytes32 treeHash,bytes32 configHash,uint64 expiresAt)"
	ComputeResultType = "ComputeResult(bytes32 requestId,bytes32 resultHash,address computeNode,uint64 execMillis)"
	CompletionType    = "Completion(bytes32 requestId,bytes32 resultHash,address computeNode,uint64 execMillis)"
	domainType        = "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
)

var (
	paymentTreeTypeHash   = crypto.Keccak256Hash([]byte(PaymentTreeType))
	preprocessingTypeHash = crypto.Keccak256Hash([]byte(PreprocessingType))
	computeResultTypeHash = crypto.Keccak256Hash([]byte(ComputeResultType))
	completionTypeHash    = crypto.Keccak256Hash([]byte(CompletionType))
	domainTypeHash        = crypto.Keccak256Hash([]byte(domainType))
	// secp256k1 group order / 2: signatures with a larger s are malleable.
	secp256k1HalfN = new(big.Int).Rsh(crypto.S256().Params().N, 1)
)

// Domain is the EIP-712 domain of one InferencePayment deployment.
type Domain struct {
	ChainID  *big.Int
	Contract common.Address
}

// Separator is the EIP-712 domain separator.
func (d Domain) Separator() common.Hash {
	return crypto.Keccak256Hash(
		domainTypeHash[:],
		crypto.Keccak256([]byte(DomainName)),
		crypto.Keccak256([]byte(DomainVersion)),
		word(d.ChainID),
		common.LeftPadBytes(d.Contract[:], 32),
	)
}

// Digest is the EIP-712 digest of a struct hash in this domain: what is signed.
func (d Domain) Digest(structHash common.Hash) common.Hash {
	sep := d.Separator()
	return crypto.Keccak256Hash([]byte{0x19, 0x01}, sep[:], structHash[:])
}

// PaymentTree is who a request pays and how much (wei of the token). The
// amounts sum to the deposit.
type PaymentTree struct {
	ComputeNode     common.Address `json:"computeNode"`
	ComputeAmount   *big.Int       `json:"computeAmount"`
	Gateway         common.Address `json:"gateway"`
	GatewayAmount   *big.Int       `json:"gatewayAmount"`
	ValidatorAmount *big.Int       `json:"validatorAmount"` // split among completion signers
	TreasuryAmount  *big.Int       `json:"treasuryAmount"`  // plus the split's rounding dust
}

// DefaultSplit splits total 80/10/5/5 between the compute node, the
// gateway, the validators and the treasury, the treasury taking the
// rounding remainder. Subnets price with their own plugins; this is the
// network default, used by development tools.
func DefaultSplit(total *big.Int, computeNode, gateway common.Address) PaymentTree {
	pct := func(n int64) *big.Int {
		return new(big.Int).Div(new(big.Int).Mul(total, big.NewInt(n)), big.NewInt(100))
	}
	t := PaymentTree{
		ComputeNode: computeNode, ComputeAmount: pct(80),
		Gateway: gateway, GatewayAmount: pct(10),
		ValidatorAmount: pct(5),
	}
	t.TreasuryAmount = new(big.Int).Sub(total, new(big.Int).Add(new(big.Int).Add(t.ComputeAmount, t.GatewayAmount), t.ValidatorAmount))
	return t
}

// Total is the deposit the tree pays out.
func (t PaymentTree) Total() *big.Int {
	sum := new(big.Int)
	for _, a := range []*big.Int{t.ComputeAmount, t.GatewayAmount, t.ValidatorAmount, t.TreasuryAmount} {
		if a != nil {
			sum.Add(sum, a)
		}
	}
	return sum
}

// Hash is the EIP-712 struct hash of the tree, the Preprocessing treeHash.
func (t PaymentTree) Hash() common.Hash {
	return crypto.Keccak256Hash(
		paymentTreeTypeHash[:],
		addrWord(t.ComputeNode), word(t.ComputeAmount),
		addrWord(t.Gateway), word(t.GatewayAmount),
		word(t.ValidatorAmount), word(t.TreasuryAmount),
	)
}

// Preprocessing is what validators sign before payment: this client pays this
// amount, split by this tree, for this request at this config.
type Preprocessing struct {
	RequestID   common.Hash    `json:"requestId"`
	Client      common.Address `json:"client"`
	Gateway     common.Address `json:"gateway"`
	ComputeNode common.Address `json:"computeNode"`
	SubnetID    common.Hash    `json:"subnetId"`
	ModelID     common.Hash    `json:"modelId"`
	Amount      *big.Int       `json:"amount"`
	TreeHash    common.Hash    `json:"treeHash"`
	ConfigHash  common.Hash    `json:"configHash"`
	ExpiresAt   uint64         `json:"expiresAt"` // unix seconds
}

// StructHash is the EIP-712 hashStruct of the message.
func (m Preprocessing) StructHash() common.Hash {
	return crypto.Keccak256Hash(
		preprocessingTypeHash[:],
		m.RequestID[:], addrWord(m.Client), addrWord(m.Gateway), addrWord(m.ComputeNode),
		m.SubnetID[:], m.ModelID[:], word(m.Amount), m.TreeHash[:], m.ConfigHash[:],
		word(new(big.Int).SetUint64(m.ExpiresAt)),
	)
}

// ComputeResult is what a compute node signs over its result.
type ComputeResult struct {
	RequestID   common.Hash    `json:"requestId"`
	ResultHash  common.Hash    `json:"resultHash"`
	ComputeNode common.Address `json:"computeNode"`
	ExecMillis  uint64         `json:"execMillis"`
}

// StructHash is the EIP-712 hashStruct of the message.
func (m ComputeResult) StructHash() common.Hash {
	return resultStructHash(computeResultTypeHash, m.RequestID, m.ResultHash, m.ComputeNode, m.ExecMillis)
}

// Completion is what validators sign after checking a result.
type Completion struct {
	RequestID   common.Hash    `json:"requestId"`
	ResultHash  common.Hash    `json:"resultHash"`
	ComputeNode common.Address `json:"computeNode"`
	ExecMillis  uint64         `json:"execMillis"`
}

// StructHash is the EIP-712 hashStruct of the message.
func (m Completion) StructHash() common.Hash {
	return resultStructHash(completionTypeHash, m.RequestID, m.ResultHash, m.ComputeNode, m.ExecMillis)
}

func resultStructHash(typeHash, requestID, resultHash common.Hash, node common.Address, execMillis uint64) common.Hash {
	return crypto.Keccak256Hash(typeHash[:], requestID[:], resultHash[:], addrWord(node),
		word(new(big.Int).SetUint64(execMillis)))
}

// Sign signs an EIP-712 digest: 65 bytes r||s||v with v = 27/28 and low s,
// the form OpenZeppelin's ECDSA accepts.
func Sign(key *ecdsa.PrivateKey, digest common.Hash) ([]byte, error) {
	sig, err := crypto.Sign(digest[:], key) // go-ethereum always produces low s
	if err != nil {
		return nil, fmt.Errorf("sign digest: %w", err)
	}
	sig[64] += 27
	return sig, nil
}

// Recover returns the signer of digest, rejecting what the contracts reject:
// a length other than 65, v other than 27/28, and high s.
func Recover(digest common.Hash, sig []byte) (common.Address, error) {
	if len(sig) != 65 {
		return common.Address{}, fmt.Errorf("%w: length %d, want 65", ErrBadSignature, len(sig))
	}
	v := sig[64]
	if v != 27 && v != 28 {
		return common.Address{}, fmt.Errorf("%w: v = %d, want 27 or 28", ErrBadSignature, v)
	}
	s := new(big.Int).SetBytes(sig[32:64])
	if s.Sign() == 0 || s.Cmp(secp256k1HalfN) > 0 {
		return common.Address{}, fmt.Errorf("%w: s is not in the lower half order", ErrBadSignature)
	}
	rs := make([]byte, 65)
	copy(rs, sig)
	rs[64] = v - 27
	pub, err := crypto.SigToPub(digest[:], rs)
	if err != nil {
		return common.Address{}, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	return crypto.PubkeyToAddress(*pub), nil
}

// SignAll has each key sign structHash in this domain and returns the
// signatures ordered by ascending signer, as the contract checks them.
func (d Domain) SignAll(structHash common.Hash, keys ...*ecdsa.PrivateKey) ([][]byte, error) {
	digest := d.Digest(structHash)
	sigs := make([]SignerSig, len(keys))
	for i, k := range keys {
		sig, err := Sign(k, digest)
		if err != nil {
			return nil, err
		}
		sigs[i] = SignerSig{Signer: crypto.PubkeyToAddress(k.PublicKey), Signature: sig}
	}
	return OrderSignatures(sigs), nil
}

// SignerSig is a signature with the address that made it.
type SignerSig struct {
	Signer    common.Address
	Signature []byte
}

// OrderSignatures returns the signatures ordered by strictly ascending
// signer address, the order the contract checks in one pass. A signer that
// appears twice is kept once.
func OrderSignatures(sigs []SignerSig) [][]byte {
	sorted := append([]SignerSig(nil), sigs...)
	sort.Slice(sorted, func(i, j int) bool { return bytes.Compare(sorted[i].Signer[:], sorted[j].Signer[:]) < 0 })
	out := make([][]byte, 0, len(sorted))
	for i, s := range sorted {
		if i > 0 && s.Signer == sorted[i-1].Signer {
			continue
		}
		out = append(out, s.Signature)
	}
	return out
}

// word is the 32-byte big-endian ABI encoding of a uint256 (nil is zero).
func word(v *big.Int) []byte {
	if v == nil {
		return make([]byte, 32)
	}
	return common.LeftPadBytes(v.Bytes(), 32)
}

func addrWord(a common.Address) []byte { return common.LeftPadBytes(a[:], 32) }
