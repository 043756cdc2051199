package registry

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"google.golang.org/protobuf/proto"

	"github.com/ncn-network/ncn/abi"
	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/plugins"
)

// Limits on what a subnet owner may put in a subnet, a model or a plugin.
const (
	maxParams      = 64
	maxParamKey    = 64
	maxParamValue  = 256
	maxSubnetN     = 64       // most validators a subnet may ask for
	maxModelSchema = 64 << 10 // output schema, bytes
	maxPluginWasm  = 32 << 20 // as the daemon's gRPC message limit
	maxManifest    = 1 << 20
	maxSelfTests   = 256
)

var (
	subnetName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	paramKey   = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
	sha256Hex  = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// bucketSubnetLog holds every owned subnet's statements: subnet id, 0x00,
// seq (8 bytes, big-endian), sha256 of the statement -> the statement.
var bucketSubnetLog = []byte("subnetlog")

// SubnetID is the id of owner's subnet called name: keccak256 of the
// owner's 20 address bytes and the name, as 0x-prefixed lower-case hex.
// Only the owner can sign for it, and ID32 maps it to itself for the
// contracts.
func SubnetID(owner common.Address, name string) string {
	return "0x" + hex.EncodeToString(crypto.Keccak256(owner[:], []byte(name)))
}

// signedDigest is EIP-191 over keccak256 of tag and m's deterministic
// protobuf encoding.
func signedDigest(tag string, m proto.Message) ([]byte, error) {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		return nil, err
	}
	return accounts.TextHash(crypto.Keccak256([]byte(tag), b)), nil
}

// subnetDigest is what an owner signs to create or update a subnet: the
// metadata as the owner states it, the derived config hash cleared.
func subnetDigest(m *pb.SubnetMetadata) ([]byte, error) {
	c := proto.Clone(m).(*pb.SubnetMetadata)
	c.ConfigHash = ""
	return signedDigest("ncn/subnet/v1\n", c)
}

// activationDigest is what an owner signs to activate or roll back.
func activationDigest(a *pb.SignedActivation) ([]byte, error) {
	c := proto.Clone(a).(*pb.SignedActivation)
	c.Signature = nil
	return signedDigest("ncn/activation/v1\n", c)
}

// modelDigest is what an owner signs to register a model.
func modelDigest(d *pb.ModelDescriptor, seq uint64) ([]byte, error) {
	return signedDigest("ncn/model/v1\n", &pb.SignedModel{Model: d, Seq: seq})
}

// SignSubnet is an owner's create or update of the subnet m names: it sets
// m's owner to key's address and its id from owner and name. Plugins may
// be named only at creation (kind -> sha256, over the builtins); later
// they change by activation.
func SignSubnet(key *ecdsa.PrivateKey, m *pb.SubnetMetadata) (*pb.SignedSubnet, error) {
	m = proto.Clone(m).(*pb.SubnetMetadata)
	owner := crypto.PubkeyToAddress(key.PublicKey)
	m.Owner, m.Id, m.ConfigHash = lower(owner), SubnetID(owner, m.Name), ""
	d, err := subnetDigest(m)
	if err != nil {
		return nil, err
	}
	sig, err := chain.Sign(key, common.BytesToHash(d))
	if err != nil {
		return nil, err
	}
	return &pb.SignedSubnet{Subnet: m, Signature: sig}, nil
}

// SignActivation is an owner's activation (a.Plugins, kind -> sha256) or
// rollback (a.Back versions) of a.Subnet's plugins at a.Seq.
func SignActivation(key *ecdsa.PrivateKey, a *pb.SignedActivation) (*pb.SignedActivation, error) {
	a = proto.Clone(a).(*pb.SignedActivation)
	d, err := activationDigest(a)
	if err != nil {
		return nil, err
	}
	if a.Signature, err = chain.Sign(key, common.BytesToHash(d)); err != nil {
		return nil, err
	}
	return a, nil
}

// SignModel is the registration of model d in d.Subnet by its owner, at
// the subnet's next seq.
func SignModel(key *ecdsa.PrivateKey, d *pb.ModelDescriptor, seq uint64) (*pb.SignedModel, error) {
	d = proto.Clone(d).(*pb.ModelDescriptor)
	h, err := modelDigest(d, seq)
	if err != nil {
		return nil, err
	}
	sig, err := chain.Sign(key, common.BytesToHash(h))
	if err != nil {
		return nil, err
	}
	return &pb.SignedModel{Model: d, Seq: seq, Signature: sig}, nil
}

// subnetTable holds the owned subnets: each one's signed statements and
// what they add up to. Entries are replaced whole, never changed in place.
// The zero value is empty and ready.
type subnetTable struct {
	write sync.Mutex // serializes changes: owners' calls, gossip, fetched logs

	mu sync.RWMutex
	m  map[string]*subnetEntry
}

type subnetEntry struct {
	log []statement // sorted by (seq, hash)
	st  *subnetState
}

func (t *subnetTable) entry(id string) (*subnetEntry, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	e, ok := t.m[id]
	return e, ok
}

// get returns a subnet's record.
func (t *subnetTable) get(id string) (*pb.SubnetMetadata, bool) {
	e, ok := t.entry(id)
	if !ok {
		return nil, false
	}
	return proto.Clone(e.st.rec).(*pb.SubnetMetadata), true
}

func (t *subnetTable) put(id string, e *subnetEntry) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[string]*subnetEntry{}
	}
	t.m[id] = e
}

// list returns the entries by subnet id.
func (t *subnetTable) list() []*subnetEntry {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make([]*subnetEntry, 0, len(t.m))
	for _, e := range t.m {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b *subnetEntry) int { return strings.Compare(a.st.rec.Id, b.st.rec.Id) })
	return out
}

// digests summarizes every subnet's log.
func (t *subnetTable) digests() []*pb.SubnetDigest {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make([]*pb.SubnetDigest, 0, len(t.m))
	for id, e := range t.m {
		out = append(out, logDigest(id, e.log))
	}
	return out
}

// record is m as the table keeps it.
func record(m *pb.SubnetMetadata) *pb.SubnetMetadata {
	rec := proto.Clone(m).(*pb.SubnetMetadata)
	rec.Plugins, rec.Params, rec.ConfigHash = nil, nil, ""
	return rec
}

// checkSubnet checks the form of an owner's subnet statement and returns
// the owner.
func checkSubnet(m *pb.SubnetMetadata) (common.Address, error) {
	if m == nil {
		return common.Address{}, fmt.Errorf("%w: no subnet", ErrBadRequest)
	}
	owner, err := parseAddress("owner", m.Owner)
	if err != nil {
		return owner, err
	}
	bad := func(format string, args ...any) (common.Address, error) {
		return owner, fmt.Errorf("%w: subnet %s: %s", ErrBadRequest, m.Name, fmt.Sprintf(format, args...))
	}
	switch {
	case !subnetName.MatchString(m.Name):
		return bad("name must be 1..64 letters, digits, '.', '_' or '-', starting with a letter or digit")
	case m.Id != SubnetID(owner, m.Name):
		return bad("id %q is not keccak256(owner, name) = %s", m.Id, SubnetID(owner, m.Name))
	case m.Seq == 0:
		return bad("seq must be at least 1")
	case (m.Validators != 0 || m.Quorum != 0) && (m.Quorum == 0 || m.Quorum > m.Validators || m.Validators > maxSubnetN):
		return bad("quorum %d of %d validators: want 0 < M <= N <= %d (or both 0 for the network's)", m.Quorum, m.Validators, maxSubnetN)
	case len(m.Params) > maxParams:
		return bad("%d params, at most %d", len(m.Params), maxParams)
	case len(m.Models) > maxListEntries:
		return bad("%d models, at most %d", len(m.Models), maxListEntries)
	case len(m.Plugins) > len(abi.AllKinds()):
		return bad("%d plugins for %d kinds", len(m.Plugins), len(abi.AllKinds()))
	}
	for k, v := range m.Params {
		if len(k) > maxParamKey || !paramKey.MatchString(k) || len(v) > maxParamValue {
			return bad("param %q: keys are 1..%d letters, digits, '_', '.' or '-', values at most %d bytes", k, maxParamKey, maxParamValue)
		}
	}
	seen := map[string]bool{}
	for _, id := range m.Models {
		if err := checkModelID(id); err != nil {
			return owner, err
		}
		if seen[id] {
			return bad("model %q listed twice", id)
		}
		seen[id] = true
	}
	for k, sha := range m.Plugins {
		if err := checkKindHash(k, sha); err != nil {
			return owner, err
		}
	}
	return owner, nil
}

func checkKindHash(kind, sha string) error {
	if !abi.Kind(kind).Valid() {
		return fmt.Errorf("%w: unknown plugin kind %q (the kinds are %v)", ErrBadRequest, kind, abi.AllKinds())
	}
	if !sha256Hex.MatchString(sha) {
		return fmt.Errorf("%w: plugin %q for %s is not a lower-case hex sha256", ErrBadRequest, sha, kind)
	}
	return nil
}

func checkModelID(id string) error {
	if id == "" || len(id) > maxField || strings.ContainsFunc(id, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return fmt.Errorf("%w: model id %q: 1..%d bytes without spaces or control characters", ErrBadRequest, id, maxField)
	}
	return nil
}

// checkModel checks the form of a model descriptor.
func checkModel(d *pb.ModelDescriptor) error {
	if d == nil {
		return fmt.Errorf("%w: no model", ErrBadRequest)
	}
	if err := checkModelID(d.Id); err != nil {
		return err
	}
	if d.Subnet == "" {
		return fmt.Errorf("%w: model %s names no subnet", ErrBadRequest, d.Id)
	}
	for _, s := range []string{d.Name, d.Version, d.Runtime, d.Task, d.ManifestSha256, d.Subnet} {
		if len(s) > maxField {
			return fmt.Errorf("%w: model %s: field longer than %d bytes", ErrBadRequest, d.Id, maxField)
		}
	}
	if len(d.OutputSchema) > maxModelSchema || (len(d.OutputSchema) > 0 && !json.Valid(d.OutputSchema)) {
		return fmt.Errorf("%w: model %s: output schema must be JSON of at most %d bytes", ErrBadRequest, d.Id, maxModelSchema)
	}
	return nil
}

// decodeManifest parses an uploaded plugin manifest strictly.
func decodeManifest(b []byte) (plugins.Manifest, error) {
	var m plugins.Manifest
	if len(b) == 0 || len(b) > maxManifest {
		return m, fmt.Errorf("%w: manifest of %d bytes (1..%d)", ErrBadRequest, len(b), maxManifest)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return m, fmt.Errorf("%w: manifest: %v", ErrBadRequest, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return m, fmt.Errorf("%w: manifest: data after the JSON object", ErrBadRequest)
	}
	if len(m.SelfTests) > maxSelfTests {
		return m, fmt.Errorf("%w: manifest: %d self-tests, at most %d", ErrBadRequest, len(m.SelfTests), maxSelfTests)
	}
	return m, nil
}

// checkOwner requires digest signed by owner, the owner of subnet.
func checkOwner(digest, sig []byte, owner common.Address, subnet string) error {
	got, err := chain.Recover(common.BytesToHash(digest), sig)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	if got != owner {
		return fmt.Errorf("%w: signed by %s, but subnet %s belongs to %s", ErrBadSignature, lower(got), subnet, lower(owner))
	}
	return nil
}

func (r *Node) hasPluginStore() error {
	if r.cfg.Store == nil || r.cfg.Runtime == nil {
		return ErrNoPluginStore
	}
	return nil
}

// authorize checks an owner-signed change of subnet id: the subnet known
// here, the signature its owner's, seq newer than the subnet's. It returns
// the subnet's record. Call with owned.write held.
func (r *Node) authorize(id string, seq uint64, digest, sig []byte) (*pb.SubnetMetadata, error) {
	rec, ok := r.owned.get(id)
	if !ok {
		if _, err := r.cfg.Store.Active(id); err == nil {
			return nil, fmt.Errorf("%w: %s has no owner here (it runs the builtin plugins); create a subnet of your own", ErrUnknownSubnet, id)
		}
		return nil, fmt.Errorf("%w: %s", ErrUnknownSubnet, id)
	}
	if err := checkOwner(digest, sig, common.HexToAddress(rec.Owner), id); err != nil {
		return nil, err
	}
	if seq <= rec.Seq {
		return nil, fmt.Errorf("%w: subnet %s seq %d, have %d", ErrStale, id, seq, rec.Seq)
	}
	return rec, nil
}

// checkPlugin requires sha stored and implementing kind.
func (r *Node) checkPlugin(kind, sha string) error {
	if err := checkKindHash(kind, sha); err != nil {
		return err
	}
	_, m, err := r.cfg.Store.Get(sha)
	if errors.Is(err, plugins.ErrNotFound) {
		return fmt.Errorf("%w: %s is not stored on this node: upload it first", ErrUnknownPlugin, sha)
	}
	if err != nil {
		return err
	}
	if !m.HasKind(abi.Kind(kind)) {
		return fmt.Errorf("%w: %s (%s) does not implement %s, only %v", ErrPluginRefused, m.ID(), sha, kind, m.Kinds)
	}
	return nil
}

// view is an owned subnet as its folded statements make it: the record
// with the plugins, params and config hash of the same fold, so a reader
// never pairs a record with another version's plugins.
func (e *subnetEntry) view() *pb.SubnetMetadata {
	return withSet(e.st.rec, e.st.set())
}

// withSet is rec with set's plugins, params and config hash.
func withSet(rec *pb.SubnetMetadata, set plugins.ActiveSet) *pb.SubnetMetadata {
	v := proto.Clone(rec).(*pb.SubnetMetadata)
	v.Plugins = map[string]string{}
	for k, sha := range set.Plugins {
		v.Plugins[string(k)] = sha
	}
	v.Params, v.ConfigHash = maps.Clone(set.Params), set.ConfigHash()
	return v
}

// CreateSubnet creates a subnet as its owner signed it: a new id, served
// by the builtin plugins except for the kinds the owner names, with the
// owner's parameters.
func (r *Node) CreateSubnet(ctx context.Context, req *pb.SignedSubnet) (*pb.SubnetMetadata, error) {
	if err := r.hasPluginStore(); err != nil {
		return nil, err
	}
	stmt := &pb.SubnetStatement{Op: &pb.SubnetStatement_Subnet{Subnet: req}}
	if err := verifyStatement(stmt, common.Address{}); err != nil {
		return nil, err
	}
	m := req.Subnet
	r.owned.write.Lock()
	defer r.owned.write.Unlock()
	if old, ok := r.owned.get(m.Id); ok {
		return nil, fmt.Errorf("%w: subnet %s (%q of %s) exists; change it with an update", ErrExists, m.Id, old.Name, old.Owner)
	}
	for k, sha := range m.Plugins {
		if err := r.checkPlugin(k, sha); err != nil {
			return nil, err
		}
	}
	return r.commitLocal(ctx, m.Id, stmt)
}

// UpdateSubnet applies an owner's newer statement of a subnet: quorum,
// parameters (a change activates the same plugins with the new ones, so
// the config hash changes) and the models it serves (a model left out is
// deregistered). Plugins change by activation, not here.
func (r *Node) UpdateSubnet(ctx context.Context, req *pb.SignedSubnet) (*pb.SubnetMetadata, error) {
	if err := r.hasPluginStore(); err != nil {
		return nil, err
	}
	m := req.GetSubnet()
	if _, err := checkSubnet(m); err != nil {
		return nil, err
	}
	d, err := subnetDigest(m)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	r.owned.write.Lock()
	defer r.owned.write.Unlock()
	if _, err := r.authorize(m.Id, m.Seq, d, req.Signature); err != nil {
		return nil, err
	}
	if len(m.Plugins) > 0 {
		return nil, fmt.Errorf("%w: an update does not change plugins; activate them instead", ErrBadRequest)
	}
	return r.commitLocal(ctx, m.Id, &pb.SubnetStatement{Op: &pb.SubnetStatement_Subnet{Subnet: req}})
}

// Subnet returns a subnet with its active plugins and config hash. A
// subnet this node serves with the builtins but nobody owns (the daemon's
// --subnet) comes back without an owner.
func (r *Node) Subnet(id string) (*pb.SubnetMetadata, error) {
	if err := r.hasPluginStore(); err != nil {
		return nil, err
	}
	e, ok := r.owned.entry(id)
	if !ok {
		// A commit activates a new subnet's plugins before it records
		// the subnet; waiting for the writer keeps a reader from taking
		// that half-made state for an unowned subnet.
		r.owned.write.Lock()
		e, ok = r.owned.entry(id)
		r.owned.write.Unlock()
	}
	if ok {
		return e.view(), nil
	}
	set, err := r.cfg.Store.Active(id)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrUnknownSubnet, id)
	}
	return withSet(&pb.SubnetMetadata{Id: id, Name: id}, set), nil
}

// ListSubnets returns the owned subnets, of owner if it is not "", by id.
func (r *Node) ListSubnets(owner string) ([]*pb.SubnetMetadata, error) {
	if err := r.hasPluginStore(); err != nil {
		return nil, err
	}
	var want common.Address
	if owner != "" {
		var err error
		if want, err = parseAddress("owner", owner); err != nil {
			return nil, err
		}
	}
	var out []*pb.SubnetMetadata
	for _, e := range r.owned.list() {
		if owner != "" && common.HexToAddress(e.st.rec.Owner) != want {
			continue
		}
		out = append(out, e.view())
	}
	return out, nil
}

// ActivatePlugins makes the owner's named plugins (kind -> sha256) the
// subnet's, keeping the other kinds: each must be stored and implement its
// kind, and loads and passes its self-tests before the atomic swap.
func (r *Node) ActivatePlugins(ctx context.Context, a *pb.SignedActivation) (*pb.SubnetMetadata, error) {
	if err := r.hasPluginStore(); err != nil {
		return nil, err
	}
	if len(a.GetPlugins()) == 0 || a.Back != 0 || len(a.Plugins) > len(abi.AllKinds()) {
		return nil, fmt.Errorf("%w: an activation names 1..%d kind=sha256 pairs and no rollback", ErrBadRequest, len(abi.AllKinds()))
	}
	d, err := activationDigest(a)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	r.owned.write.Lock()
	defer r.owned.write.Unlock()
	if _, err := r.authorize(a.Subnet, a.Seq, d, a.Signature); err != nil {
		return nil, err
	}
	for k, sha := range a.Plugins {
		if err := r.checkPlugin(k, sha); err != nil {
			return nil, err
		}
	}
	return r.commitLocal(ctx, a.Subnet, &pb.SubnetStatement{Op: &pb.SubnetStatement_Activation{Activation: a}})
}

// RollbackPlugins re-activates the version the subnet had a.Back changes
// (activations, rollbacks, parameter updates) ago: its plugins and
// parameters, so its config hash is that version's again.
func (r *Node) RollbackPlugins(ctx context.Context, a *pb.SignedActivation) (*pb.SubnetMetadata, error) {
	if err := r.hasPluginStore(); err != nil {
		return nil, err
	}
	if a.GetBack() == 0 || len(a.Plugins) > 0 {
		return nil, fmt.Errorf("%w: a rollback goes back at least 1 version and names no plugins", ErrBadRequest)
	}
	d, err := activationDigest(a)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	r.owned.write.Lock()
	defer r.owned.write.Unlock()
	if _, err := r.authorize(a.Subnet, a.Seq, d, a.Signature); err != nil {
		return nil, err
	}
	e, _ := r.owned.entry(a.Subnet)
	if n := len(e.st.history); int(a.Back) >= n {
		return nil, fmt.Errorf("%w: subnet %s has %d earlier plugin sets, cannot go back %d", ErrBadRequest, a.Subnet, n-1, a.Back)
	}
	return r.commitLocal(ctx, a.Subnet, &pb.SubnetStatement{Op: &pb.SubnetStatement_Activation{Activation: a}})
}

// UploadPlugin checks a plugin against its manifest, which the subnet's
// owner must have signed, loads it so that its self-tests run, and stores
// it. Uploading a stored module again with the same manifest is a no-op; a
// stored module keeps its first manifest.
func (r *Node) UploadPlugin(ctx context.Context, req *pb.UploadPluginRequest) (*pb.PluginInfo, error) {
	if err := r.hasPluginStore(); err != nil {
		return nil, err
	}
	if len(req.Wasm) == 0 || len(req.Wasm) > maxPluginWasm {
		return nil, fmt.Errorf("%w: module of %d bytes (1..%d)", ErrBadRequest, len(req.Wasm), maxPluginWasm)
	}
	m, err := decodeManifest(req.Manifest)
	if err != nil {
		return nil, err
	}
	signer, err := m.Check(req.Wasm)
	switch {
	case errors.Is(err, plugins.ErrSignature):
		return nil, fmt.Errorf("%w: %v", ErrBadSignature, err)
	case err != nil:
		return nil, fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	rec, ok := r.owned.get(req.Subnet)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownSubnet, req.Subnet)
	}
	if owner := common.HexToAddress(rec.Owner); signer != owner {
		return nil, fmt.Errorf("%w: plugin %s is signed by %s, but subnet %s belongs to %s", ErrBadSignature, m.ID(), lower(signer), rec.Id, lower(owner))
	}
	r.owned.write.Lock()
	defer r.owned.write.Unlock()
	if _, old, err := r.cfg.Store.Get(m.SHA256); err == nil {
		a, _ := json.Marshal(old)
		b, _ := json.Marshal(m)
		if !bytes.Equal(a, b) {
			return nil, fmt.Errorf("%w: module %s is stored as %s by %s with another manifest", ErrExists, m.SHA256, old.ID(), old.Owner)
		}
		return pluginInfo(m), nil
	}
	p, err := r.cfg.Runtime.Load(ctx, req.Wasm, m, plugins.LoadOptions{})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPluginRefused, err)
	}
	p.Close()
	if err := r.cfg.Store.Put(req.Wasm, m); err != nil {
		return nil, err
	}
	r.providePlugin(m)
	return pluginInfo(m), nil
}

func pluginInfo(m plugins.Manifest) *pb.PluginInfo {
	info := &pb.PluginInfo{Sha256: m.SHA256, Name: m.Name, Version: m.Version, Owner: strings.ToLower(m.Owner), SelfTests: uint32(len(m.SelfTests))}
	for _, k := range m.Kinds {
		info.Kinds = append(info.Kinds, string(k))
	}
	return info
}

// ListPlugins returns the plugins serving a subnet, each with the kinds it
// serves there, or with subnet "" every stored plugin; by name, version,
// then hash.
func (r *Node) ListPlugins(subnet string) ([]*pb.PluginInfo, error) {
	if err := r.hasPluginStore(); err != nil {
		return nil, err
	}
	var out []*pb.PluginInfo
	if subnet == "" {
		ms, err := r.cfg.Store.Manifests()
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			out = append(out, pluginInfo(m))
		}
	} else {
		set, err := r.cfg.Store.Active(subnet)
		if errors.Is(err, plugins.ErrNotFound) {
			return nil, fmt.Errorf("%w: %s", ErrUnknownSubnet, subnet)
		}
		if err != nil {
			return nil, err
		}
		bySHA := map[string]*pb.PluginInfo{}
		for _, k := range abi.AllKinds() {
			sha, ok := set.Plugins[k]
			if !ok {
				continue
			}
			info, ok := bySHA[sha]
			if !ok {
				_, m, err := r.cfg.Store.Get(sha)
				if err != nil {
					return nil, err
				}
				info = pluginInfo(m)
				bySHA[sha] = info
				out = append(out, info)
			}
			info.ActiveKinds = append(info.ActiveKinds, string(k))
		}
	}
	slices.SortFunc(out, func(a, b *pb.PluginInfo) int {
		return cmpStrings(a.Name, b.Name, a.Version, b.Version, a.Sha256, b.Sha256)
	})
	return out, nil
}

// cmpStrings compares pairs in order: (a0, b0), then (a1, b1), ...
func cmpStrings(pairs ...string) int {
	for i := 0; i+1 < len(pairs); i += 2 {
		if c := strings.Compare(pairs[i], pairs[i+1]); c != 0 {
			return c
		}
	}
	return 0
}

// RegisterModel stores a model descriptor signed by its subnet's owner,
// adds it to the subnet's models, and makes it what validators check
// results against.
func (r *Node) RegisterModel(ctx context.Context, req *pb.SignedModel) (*pb.ModelDescriptor, error) {
	if err := r.hasPluginStore(); err != nil {
		return nil, err
	}
	d := req.GetModel()
	if err := checkModel(d); err != nil {
		return nil, err
	}
	h, err := modelDigest(d, req.Seq)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	r.owned.write.Lock()
	defer r.owned.write.Unlock()
	rec, err := r.authorize(d.Subnet, req.Seq, h, req.Signature)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(rec.Models, d.Id) && len(rec.Models) >= maxListEntries {
		return nil, fmt.Errorf("%w: subnet %s has %d models, the most it may", ErrBadRequest, rec.Id, len(rec.Models))
	}
	if _, err := r.commitLocal(ctx, d.Subnet, &pb.SubnetStatement{Op: &pb.SubnetStatement_Model{Model: req}}); err != nil {
		return nil, err
	}
	return proto.Clone(d).(*pb.ModelDescriptor), nil
}

// ListModels returns the registered models, of subnet if it is not "",
// by subnet and id.
func (r *Node) ListModels(subnet string) []*pb.ModelDescriptor {
	r.modelMu.RLock()
	defer r.modelMu.RUnlock()
	var out []*pb.ModelDescriptor
	for k, d := range r.models {
		if subnet == "" || k[0] == subnet {
			out = append(out, proto.Clone(d).(*pb.ModelDescriptor))
		}
	}
	slices.SortFunc(out, func(a, b *pb.ModelDescriptor) int { return cmpStrings(a.Subnet, b.Subnet, a.Id, b.Id) })
	return out
}

// Plugin returns a stored plugin's module and manifest.
func (r *Node) Plugin(sha string) (*pb.PluginBlob, error) {
	if err := r.hasPluginStore(); err != nil {
		return nil, err
	}
	if !sha256Hex.MatchString(sha) {
		return nil, fmt.Errorf("%w: %q is not a lower-case hex sha256", ErrBadRequest, sha)
	}
	wasm, m, err := r.cfg.Store.Get(sha)
	if errors.Is(err, plugins.ErrNotFound) {
		return nil, fmt.Errorf("%w: %s is not stored on this node", ErrUnknownPlugin, sha)
	}
	if err != nil {
		return nil, err
	}
	mb, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return &pb.PluginBlob{Wasm: wasm, Manifest: mb}, nil
}
