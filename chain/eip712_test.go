package chain_test

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"os"
	"strconv"
	"testing"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/math"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/signer/core/apitypes"

	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/chain/bindings/payment"
	"github.com/ncn-network/ncn/chain/chaintest"
)

var update = flag.Bool("update", false, "rewrite testdata/eip712_vectors.json")

const vectorsPath = "testdata/eip712_vectors.json"

// vectorFile is the language-neutral form of the signing vectors: every
// value a string (hex or decimal), so any implementation can read it.
type vectorFile struct {
	Comment         string            `json:"comment"`
	Domain          map[string]string `json:"domain"`
	DomainSeparator string            `json:"domainSeparator"`
	Vectors         []vector          `json:"vectors"`
}

type vector struct {
	Name        string            `json:"name"`
	PrimaryType string            `json:"primaryType"`
	Message     map[string]string `json:"message"`
	SignerKey   string            `json:"signerPrivateKey"` // a public dev key: never use it for value
	Signer      string            `json:"signer"`
	StructHash  string            `json:"structHash"`
	Digest      string            `json:"digest"`
	Signature   string            `json:"signature"`
}

// vectorDomain is the domain of the payment contract as chaintest deploys it
// on a fresh embedded chain: dev key 0's third contract.
func vectorDomain() chain.Domain {
	deployer := crypto.PubkeyToAddress(chain.DevKey(0).PublicKey)
	return chain.Domain{ChainID: big.NewInt(chain.DevChainID), Contract: crypto.CreateAddress(deployer, 2)}
}

func sampleMessages() []struct {
	name string
	msg  any
} {
	tree := chain.PaymentTree{
		ComputeNode: common.HexToAddress("0x00000000000000000000000000000000000c0de1"), ComputeAmount: big.NewInt(800_000),
		Gateway: common.HexToAddress("0x000000000000000000000000000000000006a7e0"), GatewayAmount: big.NewInt(100_000),
		ValidatorAmount: big.NewInt(50_001), TreasuryAmount: big.NewInt(49_999),
	}
	id := crypto.Keccak256Hash([]byte("request 1"))
	return []struct {
		name string
		msg  any
	}{
		{"payment tree", tree},
		{"preprocessing", chain.Preprocessing{
			RequestID: id, Client: common.HexToAddress("0x00000000000000000000000000000000000c11e7"),
			Gateway: tree.Gateway, ComputeNode: tree.ComputeNode,
			SubnetID: crypto.Keccak256Hash([]byte("subnet")), ModelID: crypto.Keccak256Hash([]byte("digits")),
			Amount: tree.Total(), TreeHash: tree.Hash(), ConfigHash: crypto.Keccak256Hash([]byte("config")), ExpiresAt: 1_900_000_000,
		}},
		{"compute result", chain.ComputeResult{RequestID: id, ResultHash: crypto.Keccak256Hash([]byte("7")), ComputeNode: tree.ComputeNode, ExecMillis: 1234}},
		{"completion", chain.Completion{RequestID: id, ResultHash: crypto.Keccak256Hash([]byte("7")), ComputeNode: tree.ComputeNode, ExecMillis: 1234}},
		{"completion, max exec millis", chain.Completion{RequestID: common.MaxHash, ResultHash: common.Hash{}, ComputeNode: common.MaxAddress, ExecMillis: ^uint64(0)}},
	}
}

// fields flattens a message into the vector form and apitypes' form.
func fields(m any) (primary string, flat map[string]string, structHash common.Hash) {
	flat = map[string]string{}
	switch m := m.(type) {
	case chain.PaymentTree:
		primary, structHash = "PaymentTree", m.Hash()
		flat["computeNode"], flat["computeAmount"] = m.ComputeNode.Hex(), m.ComputeAmount.String()
		flat["gateway"], flat["gatewayAmount"] = m.Gateway.Hex(), m.GatewayAmount.String()
		flat["validatorAmount"], flat["treasuryAmount"] = m.ValidatorAmount.String(), m.TreasuryAmount.String()
	case chain.Preprocessing:
		primary, structHash = "Preprocessing", m.StructHash()
		flat["requestId"], flat["client"], flat["gateway"], flat["computeNode"] = m.RequestID.Hex(), m.Client.Hex(), m.Gateway.Hex(), m.ComputeNode.Hex()
		flat["subnetId"], flat["modelId"], flat["amount"], flat["treeHash"] = m.SubnetID.Hex(), m.ModelID.Hex(), m.Amount.String(), m.TreeHash.Hex()
		flat["configHash"], flat["expiresAt"] = m.ConfigHash.Hex(), strconv.FormatUint(m.ExpiresAt, 10)
	case chain.ComputeResult:
		primary, structHash = "ComputeResult", m.StructHash()
		flat["requestId"], flat["resultHash"], flat["computeNode"], flat["execMillis"] = m.RequestID.Hex(), m.ResultHash.Hex(), m.ComputeNode.Hex(), strconv.FormatUint(m.ExecMillis, 10)
	case chain.Completion:
		primary, structHash = "Completion", m.StructHash()
		flat["requestId"], flat["resultHash"], flat["computeNode"], flat["execMillis"] = m.RequestID.Hex(), m.ResultHash.Hex(), m.ComputeNode.Hex(), strconv.FormatUint(m.ExecMillis, 10)
	default:
		panic(fmt.Sprintf("unknown message %T", m))
	}
	return primary, flat, structHash
}

func buildVectors(t *testing.T) vectorFile {
	dom := vectorDomain()
	f := vectorFile{
		Comment: "EIP-712 vectors of the NCN signed messages. Every implementation (Go host, Solidity, plugins, SDKs) must reproduce structHash, digest and signature. Regenerate: go test ./chain -run TestEIP712Vectors -update",
		Domain: map[string]string{"name": chain.DomainName, "version": chain.DomainVersion,
			"chainId": dom.ChainID.String(), "verifyingContract": dom.Contract.Hex()},
		DomainSeparator: dom.Separator().Hex(),
	}
	for i, s := range sampleMessages() {
		primary, flat, sh := fields(s.msg)
		key := chain.DevKey(10 + i)
		digest := dom.Digest(sh)
		sig, err := chain.Sign(key, digest)
		mustOK(t, err)
		f.Vectors = append(f.Vectors, vector{
			Name: s.name, PrimaryType: primary, Message: flat,
			SignerKey: "0x" + common.Bytes2Hex(crypto.FromECDSA(key)), Signer: crypto.PubkeyToAddress(key.PublicKey).Hex(),
			StructHash: sh.Hex(), Digest: digest.Hex(), Signature: "0x" + common.Bytes2Hex(sig),
		})
	}
	return f
}

// TestEIP712Vectors checks the Go encoding against the committed vectors
// and against go-ethereum's independent EIP-712 implementation (apitypes).
func TestEIP712Vectors(t *testing.T) {
	got := buildVectors(t)
	if *update {
		b, _ := json.MarshalIndent(got, "", "  ")
		mustOK(t, os.WriteFile(vectorsPath, append(b, '\n'), 0o644))
	}
	raw, err := os.ReadFile(vectorsPath)
	mustOK(t, err)
	var want vectorFile
	mustOK(t, json.Unmarshal(raw, &want))
	if got.DomainSeparator != want.DomainSeparator {
		t.Fatalf("domain separator %s, vectors say %s", got.DomainSeparator, want.DomainSeparator)
	}
	if len(got.Vectors) != len(want.Vectors) {
		t.Fatalf("%d vectors, file has %d", len(got.Vectors), len(want.Vectors))
	}
	types := apitypes.Types{
		"EIP712Domain":  {{Name: "name", Type: "string"}, {Name: "version", Type: "string"}, {Name: "chainId", Type: "uint256"}, {Name: "verifyingContract", Type: "address"}},
		"PaymentTree":   {{Name: "computeNode", Type: "address"}, {Name: "computeAmount", Type: "uint256"}, {Name: "gateway", Type: "address"}, {Name: "gatewayAmount", Type: "uint256"}, {Name: "validatorAmount", Type: "uint256"}, {Name: "treasuryAmount", Type: "uint256"}},
		"Preprocessing": {{Name: "requestId", Type: "bytes32"}, {Name: "client", Type: "address"}, {Name: "gateway", Type: "address"}, {Name: "computeNode", Type: "address"}, {Name: "subnetId", Type: "bytes32"}, {Name: "modelId", Type: "bytes32"}, {Name: "amount", Type: "uint256"}, {Name: "treeHash", Type: "bytes32"}, {Name: "configHash", Type: "bytes32"}, {Name: "expiresAt", Type: "uint64"}},
		"ComputeResult": {{Name: "requestId", Type: "bytes32"}, {Name: "resultHash", Type: "bytes32"}, {Name: "computeNode", Type: "address"}, {Name: "execMillis", Type: "uint64"}},
		"Completion":    {{Name: "requestId", Type: "bytes32"}, {Name: "resultHash", Type: "bytes32"}, {Name: "computeNode", Type: "address"}, {Name: "execMillis", Type: "uint64"}},
	}
	for i, w := range want.Vectors {
		g := got.Vectors[i]
		t.Run(w.Name, func(t *testing.T) {
			if g.StructHash != w.StructHash || g.Digest != w.Digest || g.Signature != w.Signature || g.Signer != w.Signer {
				t.Fatalf("got %+v\nwant %+v", g, w)
			}
			msg := apitypes.TypedDataMessage{}
			for k, v := range w.Message {
				msg[k] = v
			}
			chainID := math.HexOrDecimal256(*big.NewInt(chain.DevChainID))
			td := apitypes.TypedData{Types: types, PrimaryType: w.PrimaryType, Message: msg,
				Domain: apitypes.TypedDataDomain{Name: chain.DomainName, Version: chain.DomainVersion, ChainId: &chainID, VerifyingContract: want.Domain["verifyingContract"]}}
			digest, _, err := apitypes.TypedDataAndHash(td)
			mustOK(t, err)
			if common.BytesToHash(digest).Hex() != w.Digest {
				t.Fatalf("apitypes digest %x, vector %s", digest, w.Digest)
			}
			signer, err := chain.Recover(common.HexToHash(w.Digest), common.FromHex(w.Signature))
			mustOK(t, err)
			if signer.Hex() != w.Signer {
				t.Fatalf("recovered %s, want %s", signer, w.Signer)
			}
		})
	}
}

func treeArg(t chain.PaymentTree) payment.InferencePaymentPaymentTree {
	return payment.InferencePaymentPaymentTree{ComputeNode: t.ComputeNode, ComputeAmount: t.ComputeAmount, Gateway: t.Gateway,
		GatewayAmount: t.GatewayAmount, ValidatorAmount: t.ValidatorAmount, TreasuryAmount: t.TreasuryAmount}
}

func reqArg(m chain.Preprocessing) payment.InferencePaymentRequestParams {
	return payment.InferencePaymentRequestParams{RequestId: m.RequestID, SubnetId: m.SubnetID, ModelId: m.ModelID, ConfigHash: m.ConfigHash, ExpiresAt: m.ExpiresAt}
}

// TestEIP712VectorsOnChain checks that the contract hashes every vector
// exactly as Go does.
func TestEIP712VectorsOnChain(t *testing.T) {
	env := chaintest.Simulated(t)
	if env.Domain.Contract != vectorDomain().Contract {
		t.Fatalf("payment contract at %s, vectors assume %s", env.Domain.Contract, vectorDomain().Contract)
	}
	ctx := ctxT(t)
	call := func(data []byte) common.Hash {
		out, err := env.Backend.CallContract(ctx, ethereum.CallMsg{To: &env.C.Payment, Data: data}, nil)
		mustOK(t, err)
		return common.BytesToHash(out)
	}
	dom := vectorDomain()
	if got := call(payABI.PackDomainSeparator()); got != dom.Separator() {
		t.Fatalf("on-chain domain separator %s, Go %s", got, dom.Separator())
	}
	for _, s := range sampleMessages() {
		t.Run(s.name, func(t *testing.T) {
			var got, want common.Hash
			switch m := s.msg.(type) {
			case chain.PaymentTree:
				got, want = call(payABI.PackPaymentTreeHash(treeArg(m))), m.Hash()
			case chain.Preprocessing:
				// The contract derives amount and treeHash from the tree and
				// takes the client as an argument: rebuild them from the sample tree.
				tree := sampleMessages()[0].msg.(chain.PaymentTree)
				got = call(payABI.PackPreprocessingDigest(reqArg(m), m.Client, treeArg(tree)))
				want = dom.Digest(m.StructHash())
			case chain.ComputeResult:
				got, want = call(payABI.PackComputeResultDigest(m.RequestID, m.ResultHash, m.ComputeNode, m.ExecMillis)), dom.Digest(m.StructHash())
			case chain.Completion:
				got, want = call(payABI.PackCompletionDigest(m.RequestID, m.ResultHash, m.ComputeNode, m.ExecMillis)), dom.Digest(m.StructHash())
			}
			if got != want {
				t.Fatalf("on chain %s, Go %s", got, want)
			}
		})
	}
}

func TestRecoverRejectsWhatTheContractRejects(t *testing.T) {
	key := chain.DevKey(1)
	digest := crypto.Keccak256Hash([]byte("m"))
	sig, err := chain.Sign(key, digest)
	mustOK(t, err)
	if a, err := chain.Recover(digest, sig); err != nil || a != crypto.PubkeyToAddress(key.PublicKey) {
		t.Fatalf("good signature: %s %v", a, err)
	}
	vLow := append([]byte(nil), sig...)
	vLow[64] -= 27
	for _, tc := range []struct {
		name string
		sig  []byte
	}{
		{"short", sig[:64]},
		{"long", append(append([]byte(nil), sig...), 0)},
		{"v = 0/1", vLow},
		{"high s", highS(sig)},
		{"zero s", append(append(append([]byte(nil), sig[:32]...), make([]byte, 32)...), sig[64])},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := chain.Recover(digest, tc.sig); !errors.Is(err, chain.ErrBadSignature) {
				t.Fatalf("got %v, want ErrBadSignature", err)
			}
		})
	}
}

func TestOrderSignaturesDropsDuplicates(t *testing.T) {
	var sigs []chain.SignerSig
	for _, i := range []int{3, 1, 2, 1} {
		a := crypto.PubkeyToAddress(chain.DevKey(i).PublicKey)
		sigs = append(sigs, chain.SignerSig{Signer: a, Signature: a[:]})
	}
	out := chain.OrderSignatures(sigs)
	if len(out) != 3 {
		t.Fatalf("%d signatures, want 3", len(out))
	}
	for i := 1; i < len(out); i++ {
		if string(out[i-1]) >= string(out[i]) {
			t.Fatal("not strictly ascending")
		}
	}
}

// TestInitiatedRequest: the request id is read from both initiate calls,
// and nothing from other calldata.
func TestInitiatedRequest(t *testing.T) {
	pay := payment.NewInferencePayment()
	id := common.HexToHash("0xabc1")
	req := payment.InferencePaymentRequestParams{RequestId: id, SubnetId: common.Hash{1}, ModelId: common.Hash{2}, ConfigHash: common.Hash{3}, ExpiresAt: 9}
	tree := payment.InferencePaymentPaymentTree{ComputeAmount: big.NewInt(1), GatewayAmount: big.NewInt(2), ValidatorAmount: big.NewInt(3), TreasuryAmount: big.NewInt(4)}
	sigs := [][]byte{make([]byte, 65)}
	plain := pay.PackInitiateInferenceRequest(req, tree, sigs)
	permit := pay.PackInitiateWithPermit(req, tree, sigs, big.NewInt(99), 27, [32]byte{1}, [32]byte{2})
	for name, data := range map[string][]byte{"initiate": plain, "with permit": permit} {
		if got, ok := chain.InitiatedRequest(data); !ok || got != id {
			t.Errorf("%s: %s, %v", name, got.Hex(), ok)
		}
	}
	complete := pay.PackCompleteInferenceRequest(id, common.Hash{}, 1, nil, nil)
	for name, data := range map[string][]byte{"empty": nil, "short": plain[:3], "truncated": plain[:40], "complete": complete,
		"unknown selector": append([]byte{1, 2, 3, 4}, plain[4:]...)} {
		if got, ok := chain.InitiatedRequest(data); ok {
			t.Errorf("%s: read request %s", name, got.Hex())
		}
	}
}
