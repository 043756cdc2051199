package p2p

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
)

// Descriptor payloads are JSON (readable with any tool, extensible by
// adding fields). The signature covers the exact payload bytes, so the
// JSON need not be canonical to be unforgeable; the decoders here accept
// unknown fields so that a node running an older version still accepts a
// newer peer's records. V is the payload's version: a decoder refuses a V
// it does not know.

// DescriptorVersion is the V of every descriptor this package writes.
const DescriptorVersion = 1

// Role is what a node offers: RoleCompute, RoleGateway.
type Role string

// The roles a NodeDescriptor may list.
const (
	RoleCompute Role = "compute"
	RoleGateway Role = "gateway"
)

// Accelerator summarizes one kind of accelerator in a node's inventory.
type Accelerator struct {
	Kind      string `json:"kind"`                 // "cpu", "cuda", ...
	Model     string `json:"model,omitempty"`      // e.g. "NVIDIA A100-SXM4-80GB"
	Count     int    `json:"count"`                // devices (or cores for cpu)
	MemoryMiB uint64 `json:"memory_mib,omitempty"` // per device
}

// Price is what a node asks for one model, in wei, as decimal strings
// (amounts exceed 2^53 and JSON numbers are doubles in many readers).
type Price struct {
	Model      Hash   `json:"model"`
	BaseWei    string `json:"base_wei,omitempty"`
	PerToken   string `json:"per_token_wei,omitempty"`
	PerSecond  string `json:"per_second_wei,omitempty"`
	PerRequest string `json:"per_request_wei,omitempty"`
}

// NodeDescriptor describes a compute or gateway node (NamespaceNode).
// Address is the record key and must be the signer; PeerID binds the
// libp2p identity to that address, so a provider found in the DHT can be
// checked against the descriptor it serves.
type NodeDescriptor struct {
	V            int            `json:"v"`
	Address      common.Address `json:"address"`
	PeerID       string         `json:"peer_id"`
	Roles        []Role         `json:"roles"`
	Endpoints    []string       `json:"endpoints,omitempty"` // e.g. "grpc://10.0.0.5:50051"
	Subnets      []Hash         `json:"subnets,omitempty"`
	Models       []Hash         `json:"models,omitempty"`
	Accelerators []Accelerator  `json:"accelerators,omitempty"`
	Prices       []Price        `json:"prices,omitempty"`
}

// ValidatorDescriptor describes a registry/validator node
// (NamespaceValidator). Stake is not here: it is read from the chain.
type ValidatorDescriptor struct {
	V         int            `json:"v"`
	Address   common.Address `json:"address"`
	PeerID    string         `json:"peer_id"`
	Endpoints []string       `json:"endpoints,omitempty"` // e.g. "grpc://10.0.0.2:50050"
	Subnets   []Hash         `json:"subnets,omitempty"`   // empty: all
}

// PluginRef names one active plugin of a subnet.
type PluginRef struct {
	Kind    string `json:"kind"` // "select", "price", "preprocess", "postprocess"
	Name    string `json:"name"`
	Version string `json:"version"`
	SHA256  Hash   `json:"sha256"` // of the .wasm; also its NamespacePlugin key
}

// SubnetMetadata is a subnet's record (NamespaceSubnet), keyed by
// SubnetID(Owner, Name) and signed by Owner.
type SubnetMetadata struct {
	V           int             `json:"v"`
	Owner       common.Address  `json:"owner"`
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Plugins     []PluginRef     `json:"plugins,omitempty"`
	ConfigHash  Hash            `json:"config_hash"`
	Params      json.RawMessage `json:"params,omitempty"` // opaque to p2p; hashed into ConfigHash by the host
}

// ModelDescriptor is a model's record (NamespaceModel), keyed by
// ModelID(Owner, Name) and signed by Owner.
type ModelDescriptor struct {
	V       int             `json:"v"`
	Owner   common.Address  `json:"owner"`
	Name    string          `json:"name"`
	Version string          `json:"version,omitempty"`
	Format  string          `json:"format,omitempty"` // e.g. "onnx", "safetensors"
	SHA256  Hash            `json:"sha256"`           // of the model file; fetch it as a blob
	Size    int64           `json:"size,omitempty"`   // bytes
	Subnets []Hash          `json:"subnets,omitempty"`
	Schema  json.RawMessage `json:"schema,omitempty"` // input/output schema, opaque to p2p
}

func decodeJSON(what string, b []byte, v any, ver *int) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %v: %w", what, err, ErrMalformed)
	}
	if dec.More() {
		return fmt.Errorf("%s: trailing data: %w", what, ErrMalformed)
	}
	if *ver != DescriptorVersion {
		return fmt.Errorf("%s: version %d: %w", what, *ver, ErrMalformed)
	}
	return nil
}

// DecodeNode decodes a NamespaceNode payload.
func DecodeNode(b []byte) (*NodeDescriptor, error) {
	d := new(NodeDescriptor)
	return d, decodeJSON("node descriptor", b, d, &d.V)
}

// DecodeValidator decodes a NamespaceValidator payload.
func DecodeValidator(b []byte) (*ValidatorDescriptor, error) {
	d := new(ValidatorDescriptor)
	return d, decodeJSON("validator descriptor", b, d, &d.V)
}

// DecodeSubnet decodes a NamespaceSubnet payload.
func DecodeSubnet(b []byte) (*SubnetMetadata, error) {
	d := new(SubnetMetadata)
	return d, decodeJSON("subnet metadata", b, d, &d.V)
}

// DecodeModel decodes a NamespaceModel payload.
func DecodeModel(b []byte) (*ModelDescriptor, error) {
	d := new(ModelDescriptor)
	return d, decodeJSON("model descriptor", b, d, &d.V)
}

// Describe returns the namespace and key a descriptor is stored under and
// its payload, for Signer.Record. d is one of *NodeDescriptor,
// *ValidatorDescriptor, *SubnetMetadata, *ModelDescriptor; V is set to
// DescriptorVersion when zero.
func Describe(d any) (Namespace, []byte, []byte, error) {
	var (
		ns  Namespace
		key []byte
	)
	switch d := d.(type) {
	case *NodeDescriptor:
		if d.V == 0 {
			d.V = DescriptorVersion
		}
		ns, key = NamespaceNode, d.Address.Bytes()
	case *ValidatorDescriptor:
		if d.V == 0 {
			d.V = DescriptorVersion
		}
		ns, key = NamespaceValidator, d.Address.Bytes()
	case *SubnetMetadata:
		if d.V == 0 {
			d.V = DescriptorVersion
		}
		id := SubnetID(d.Owner, d.Name)
		ns, key = NamespaceSubnet, id[:]
	case *ModelDescriptor:
		if d.V == 0 {
			d.V = DescriptorVersion
		}
		id := ModelID(d.Owner, d.Name)
		ns, key = NamespaceModel, id[:]
	default:
		return 0, nil, nil, fmt.Errorf("describe %T: not a descriptor: %w", d, ErrMalformed)
	}
	payload, err := json.Marshal(d)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("describe %s: %w", ns, err)
	}
	return ns, key, payload, nil
}
