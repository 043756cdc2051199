package registry

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	"github.com/ncn-network/ncn/abi"
	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/p2p"
	"github.com/ncn-network/ncn/plugins"
	"github.com/ncn-network/ncn/plugins/builtin"
)

// What an activation-topic message carries: its first byte says which.
const (
	msgStatements byte = 1 // pb.SubnetLog: statements a node just took from an owner
	msgDigest     byte = 2 // pb.SubnetDigest: a summary of one subnet's log
)

// pluginFetchTimeout bounds fetching one subnet's missing plugins.
const pluginFetchTimeout = time.Minute

// builtinPlugins is the set every subnet starts from: the builtins of this
// binary, stored on first use.
func (r *Node) builtinPlugins() (map[abi.Kind]string, error) {
	r.builtinOnce.Do(func() {
		var set plugins.ActiveSet
		set, r.builtinErr = builtin.Install(r.cfg.Store, "")
		r.builtin = set.Plugins
	})
	return r.builtin, r.builtinErr
}

// kindsOf is the kinds a stored plugin implements.
func (r *Node) kindsOf(sha string) ([]abi.Kind, error) {
	_, m, err := r.cfg.Store.Get(sha)
	if err != nil {
		return nil, err
	}
	return m.Kinds, nil
}

// commit merges stmts into subnet id's log, folds it, activates the result
// if its plugins or parameters changed, and keeps the new statements. It
// returns the subnet's entry and the statements that were new. Call with
// owned.write held.
func (r *Node) commit(ctx context.Context, id string, stmts []statement) (*subnetEntry, []statement, error) {
	old, known := r.owned.entry(id)
	var log []statement
	if known {
		log = old.log
	}
	merged, added := merge(log, stmts)
	if len(added) == 0 {
		return old, nil, nil
	}
	if len(merged) > maxLog {
		return nil, nil, fmt.Errorf("%w: subnet %s would have %d statements, at most %d", ErrBadRequest, id, len(merged), maxLog)
	}
	builtins, err := r.builtinPlugins()
	if err != nil {
		return nil, nil, err
	}
	st, err := fold(merged, builtins, r.kindsOf)
	if err != nil {
		return nil, nil, err
	}
	if len(st.skipped) > 0 {
		r.cfg.Logger.Warn("subnet statements skipped", "subnet", id, "skipped", st.skipped)
	}
	set := st.set()
	if !known || set.ConfigHash() != old.st.set().ConfigHash() {
		if _, err := r.cfg.Subnets.Activate(ctx, set); err != nil {
			return nil, nil, fmt.Errorf("%w: activate subnet %s: %v", ErrPluginRefused, id, err)
		}
	}
	if err := r.saveStatements(id, added); err != nil {
		return nil, nil, err
	}
	e := &subnetEntry{log: merged, st: st}
	r.owned.put(id, e)
	r.setModels(id, st.models)
	return e, added, nil
}

// commitLocal commits one statement an owner gave this node, gossips it,
// and returns the subnet as it now is. Call with owned.write held.
func (r *Node) commitLocal(ctx context.Context, id string, msg *pb.SubnetStatement) (*pb.SubnetMetadata, error) {
	s, err := newStatement(msg)
	if err != nil {
		return nil, err
	}
	e, added, err := r.commit(ctx, id, []statement{s})
	if err != nil {
		return nil, err
	}
	if len(added) > 0 {
		r.gossipStatements(id, added)
	}
	return e.view(), nil
}

// setModels makes models the registered models of subnet.
func (r *Node) setModels(subnet string, models map[string]*pb.ModelDescriptor) {
	r.modelMu.Lock()
	defer r.modelMu.Unlock()
	for k := range r.models {
		if k[0] == subnet {
			delete(r.models, k)
		}
	}
	for id, d := range models {
		r.models[[2]string{subnet, id}] = proto.Clone(d).(*pb.ModelDescriptor)
	}
}

func statementKey(id string, s statement) []byte {
	k := append([]byte(id), 0)
	k = binary.BigEndian.AppendUint64(k, s.seq)
	return append(k, s.hash[:]...)
}

// saveStatements writes statements to the state file at once: owner
// changes are rare and acknowledged only once kept.
func (r *Node) saveStatements(id string, stmts []statement) error {
	if r.state == nil {
		return nil
	}
	err := r.state.db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketSubnetLog)
		if err != nil {
			return err
		}
		for _, s := range stmts {
			if err := b.Put(statementKey(id, s), s.enc); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save subnet %s: %w", id, err)
	}
	return nil
}

// loadSubnets folds every subnet's statements from the state file and
// serves the result: the plugin store's active set when it matches (the
// common case, no reload), else the fold's.
func (r *Node) loadSubnets(st *state) error {
	logs := map[string][]statement{}
	err := st.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketSubnetLog)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			id, _, ok := bytes.Cut(k, []byte{0})
			var msg pb.SubnetStatement
			if !ok || proto.Unmarshal(v, &msg) != nil {
				return fmt.Errorf("subnet log: bad entry %x", k)
			}
			s, err := newStatement(&msg)
			if err != nil {
				return fmt.Errorf("subnet log %s: %w", id, err)
			}
			logs[string(id)] = append(logs[string(id)], s)
			return nil
		})
	})
	if err != nil || len(logs) == 0 {
		return err
	}
	if r.cfg.Store == nil {
		return fmt.Errorf("%d subnets in the state file, but no plugin store to serve them from", len(logs))
	}
	builtins, err := r.builtinPlugins()
	if err != nil {
		return err
	}
	ctx := context.Background()
	for id, log := range logs {
		log, _ = merge(nil, log) // sorted by (seq, hash), whatever the key order
		sst, err := fold(log, builtins, r.kindsOf)
		if err != nil {
			return fmt.Errorf("subnet %s: %w", id, err)
		}
		set := sst.set()
		if active, err := r.cfg.Store.Active(id); err == nil && active.ConfigHash() == set.ConfigHash() {
			err = r.cfg.Subnets.Restore(ctx, []string{id})
		} else {
			_, err = r.cfg.Subnets.Activate(ctx, set)
		}
		if err != nil {
			return fmt.Errorf("subnet %s: %w", id, err)
		}
		r.owned.put(id, &subnetEntry{log: log, st: sst})
		r.setModels(id, sst.models)
	}
	return nil
}

// SubnetLog returns every statement this node holds for subnet, with
// where to fetch the plugins they name.
func (r *Node) SubnetLog(subnet string) (*pb.SubnetLog, error) {
	e, ok := r.owned.entry(subnet)
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrUnknownSubnet, subnet)
	}
	out := &pb.SubnetLog{Subnet: subnet}
	for _, s := range e.log {
		out.Statements = append(out.Statements, s.msg)
	}
	out.Manifests = r.manifestHints(e.log)
	return out, nil
}

// manifestHints maps each plugin the statements name to its manifest's
// hash, for those stored here.
func (r *Node) manifestHints(stmts []statement) map[string]string {
	hints := map[string]string{}
	add := func(plugins map[string]string) {
		for _, sha := range plugins {
			if _, m, err := r.cfg.Store.Get(sha); err == nil {
				if h, _, err := manifestBlob(m); err == nil {
					hints[sha] = hex.EncodeToString(h[:])
				}
			}
		}
	}
	for _, s := range stmts {
		switch op := s.msg.Op.(type) {
		case *pb.SubnetStatement_Subnet:
			add(op.Subnet.Subnet.Plugins)
		case *pb.SubnetStatement_Activation:
			add(op.Activation.Plugins)
		}
	}
	return hints
}

// manifestBlob is a manifest as it is served to peers, and its hash.
func manifestBlob(m plugins.Manifest) (p2p.Hash, []byte, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return p2p.Hash{}, nil, err
	}
	return sha256.Sum256(b), b, nil
}

// gossipStatements publishes statements this node just took. A message
// too large for gossip (a model with a big schema) is left to the digests,
// which fetch logs over gRPC.
func (r *Node) gossipStatements(id string, stmts []statement) {
	l := &pb.SubnetLog{Subnet: id, Manifests: r.manifestHints(stmts)}
	for _, s := range stmts {
		l.Statements = append(l.Statements, s.msg)
	}
	r.gossip(p2p.TopicActivation, msgStatements, l)
}

// gossipDigests publishes a digest of every subnet's log.
func (r *Node) gossipDigests() {
	for _, d := range r.owned.digests() {
		r.gossip(p2p.TopicActivation, msgDigest, d)
	}
}

// applyLog takes statements from a peer: every one must be signed by the
// subnet's owner (one forgery refuses the message), plugins they name and
// this node lacks are fetched by hash and checked, then they are merged.
// It returns how many were new.
func (r *Node) applyLog(ctx context.Context, l *pb.SubnetLog) (int, error) {
	if len(l.GetStatements()) == 0 || len(l.Statements) > maxLog {
		return 0, fmt.Errorf("%w: a subnet log of %d statements (1..%d)", ErrBadRequest, len(l.GetStatements()), maxLog)
	}
	if err := r.hasPluginStore(); err != nil {
		return 0, err
	}
	var owner common.Address
	if rec, ok := r.owned.get(l.Subnet); ok {
		owner = common.HexToAddress(rec.Owner)
	}
	stmts := make([]statement, 0, len(l.Statements))
	for _, msg := range l.Statements {
		if got := subnetOf(msg); got != l.Subnet {
			return 0, fmt.Errorf("%w: a statement about %q in the log of %q", ErrBadRequest, got, l.Subnet)
		}
		if sub, ok := msg.Op.(*pb.SubnetStatement_Subnet); ok && owner == (common.Address{}) {
			if o, err := checkSubnet(sub.Subnet.GetSubnet()); err == nil {
				owner = o // self-certifying: the id is keccak256(owner, name)
			}
		}
		s, err := newStatement(msg)
		if err != nil {
			return 0, err
		}
		stmts = append(stmts, s)
	}
	if owner == (common.Address{}) {
		return 0, fmt.Errorf("%w: %s (no subnet statement yet)", ErrUnknownSubnet, l.Subnet)
	}
	for _, s := range stmts {
		if err := verifyStatement(s.msg, owner); err != nil {
			return 0, err
		}
	}
	for range 3 { // a fetched plugin may name no further ones; bounded anyway
		r.owned.write.Lock()
		_, added, err := r.commit(ctx, l.Subnet, stmts)
		r.owned.write.Unlock()
		var missing missingPlugins
		if !errors.As(err, &missing) {
			return len(added), err
		}
		if err := r.fetchPlugins(ctx, missing, l.Manifests, owner); err != nil {
			return 0, err
		}
	}
	return 0, fmt.Errorf("subnet %s: plugins still missing after fetching", l.Subnet)
}

// fetchPlugins fetches plugins by hash from any peer that has them: the
// manifest by the hash its hint gives, then the module; the manifest must
// name the module's hash and be signed by owner, and the plugin must load
// and pass its self-tests, before it is stored (and served on in turn).
func (r *Node) fetchPlugins(ctx context.Context, shas []string, hints map[string]string, owner common.Address) error {
	if r.net == nil {
		return fmt.Errorf("%w: %v and no network to fetch them from", ErrUnknownPlugin, shas)
	}
	ctx, cancel := context.WithTimeout(ctx, pluginFetchTimeout)
	defer cancel()
	for _, sha := range shas {
		if err := r.fetchPlugin(ctx, sha, hints[sha], owner); err != nil {
			return fmt.Errorf("%w: fetch plugin %s: %v", ErrUnknownPlugin, sha, err)
		}
	}
	return nil
}

func (r *Node) fetchPlugin(ctx context.Context, sha, hint string, owner common.Address) error {
	var mh, wh p2p.Hash
	if b, err := hex.DecodeString(hint); err != nil || len(b) != len(mh) {
		return fmt.Errorf("no manifest hash for it (hint %q)", hint)
	} else {
		copy(mh[:], b)
	}
	b, _ := hex.DecodeString(sha)
	copy(wh[:], b)
	start := time.Now()
	mb, err := r.net.FetchBlob(ctx, mh)
	if err != nil {
		return err
	}
	m, err := decodeManifest(mb)
	if err != nil {
		return err
	}
	if m.SHA256 != sha {
		return fmt.Errorf("the manifest is for %s", m.SHA256)
	}
	wasm, err := r.net.FetchBlob(ctx, wh)
	if err != nil {
		return err
	}
	signer, err := m.Check(wasm)
	if err != nil {
		return err
	}
	if signer != owner {
		return fmt.Errorf("signed by %s, but the subnet belongs to %s", lower(signer), lower(owner))
	}
	fetched := time.Since(start)
	p, err := r.cfg.Runtime.Load(ctx, wasm, m, plugins.LoadOptions{})
	if err != nil {
		return err
	}
	p.Close()
	if err := r.cfg.Store.Put(wasm, m); err != nil {
		return err
	}
	r.providePlugin(m)
	r.cfg.Logger.Info("plugin fetched", "plugin", m.ID(), "sha256", sha, "bytes", len(wasm),
		"fetch", fetched.Round(time.Millisecond), "load_and_self_tests", (time.Since(start) - fetched).Round(time.Millisecond))
	return nil
}

// providePlugin announces that this node serves a stored plugin's module
// and manifest, in the background (a DHT walk takes a while).
func (r *Node) providePlugin(m plugins.Manifest) {
	if r.net == nil || r.replCtx == nil {
		return
	}
	mh, _, err := manifestBlob(m)
	if err != nil {
		return
	}
	var wh p2p.Hash
	b, _ := hex.DecodeString(m.SHA256)
	copy(wh[:], b)
	r.blobs.add(mh, m)
	r.bg.Add(1)
	go func() {
		defer r.bg.Done()
		for _, h := range []p2p.Hash{wh, mh} {
			if err := r.net.Provide(r.replCtx, p2p.BlobCID(h)); err != nil && r.replCtx.Err() == nil {
				r.cfg.Logger.Info("provide plugin", "plugin", m.ID(), "hash", h, "err", err)
			}
		}
	}()
}

// PluginBlobs serves stored plugins to peers (modules by their sha256,
// manifests by the sha256 of their JSON) and model bundle files by their
// sha256.
func (r *Node) PluginBlobs() p2p.BlobStore { return &r.blobs }

// pluginBlobs is the p2p.BlobStore over the plugin store.
type pluginBlobs struct {
	r *Node

	mu        sync.Mutex
	manifests map[p2p.Hash]string // manifest hash -> module sha256
}

func (b *pluginBlobs) add(h p2p.Hash, m plugins.Manifest) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.manifests == nil {
		b.manifests = map[p2p.Hash]string{}
	}
	b.manifests[h] = m.SHA256
}

// OpenBlob implements p2p.BlobStore.
func (b *pluginBlobs) OpenBlob(h p2p.Hash) (p2p.Blob, int64, error) {
	if b.r.files != nil {
		if f, size, err := b.r.files.open(hex.EncodeToString(h[:])); err == nil {
			return f, size, nil
		}
	}
	store := b.r.cfg.Store
	if store == nil {
		return nil, 0, p2p.ErrNotFound
	}
	if wasm, _, err := store.Get(hex.EncodeToString(h[:])); err == nil {
		return p2p.BytesBlob(wasm), int64(len(wasm)), nil
	}
	b.mu.Lock()
	sha, ok := b.manifests[h]
	b.mu.Unlock()
	if !ok {
		return nil, 0, fmt.Errorf("blob %s: %w", h, p2p.ErrNotFound)
	}
	_, m, err := store.Get(sha)
	if err != nil {
		return nil, 0, fmt.Errorf("blob %s: %w", h, p2p.ErrNotFound)
	}
	_, mb, err := manifestBlob(m)
	if err != nil {
		return nil, 0, err
	}
	return p2p.BytesBlob(mb), int64(len(mb)), nil
}

// provideStored announces every stored plugin (at the start of
// replication).
func (r *Node) provideStored() {
	if r.cfg.Store == nil {
		return
	}
	ms, err := r.cfg.Store.Manifests()
	if err != nil {
		r.cfg.Logger.Warn("list stored plugins", "err", err)
		return
	}
	for _, m := range ms {
		r.providePlugin(m)
	}
}

// onDigest compares a peer's digest of a subnet with this node's and
// fetches the peer's log when the peer may hold statements this node
// lacks (more of them, a higher seq, or as many but others).
func (r *Node) onDigest(ctx context.Context, from common.Address, d *pb.SubnetDigest) error {
	if len(d.Hash) != sha256.Size || d.Count == 0 || d.Count > maxLog {
		return fmt.Errorf("%w: subnet digest", ErrBadRequest)
	}
	if r.cfg.Store == nil {
		return nil
	}
	if e, ok := r.owned.entry(d.Subnet); ok {
		mine := logDigest(d.Subnet, e.log)
		behind := d.Count > mine.Count || d.Seq > mine.Seq || (d.Count == mine.Count && !bytes.Equal(d.Hash, mine.Hash))
		if !behind {
			return nil
		}
	}
	endpoint, ok := r.validatorEndpoint(from)
	if !ok {
		return fmt.Errorf("%w: no endpoint for validator %s", ErrUnknownNode, lower(from))
	}
	c, err := r.dial(endpoint)
	if err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	l, err := c.GetSubnetLog(cctx, &pb.GetSubnetLogRequest{Subnet: d.Subnet})
	if err != nil {
		return fmt.Errorf("subnet log of %s from %s: %w", d.Subnet, endpoint, err)
	}
	if l.Subnet != d.Subnet {
		return fmt.Errorf("%w: asked for %s's log, got %s's", ErrBadRequest, d.Subnet, l.Subnet)
	}
	n, err := r.applyLog(ctx, l)
	if n > 0 {
		r.cfg.Logger.Info("subnet caught up", "subnet", d.Subnet, "from", lower(from), "statements", n)
	}
	return err
}

// validatorEndpoint is a registered validator's gRPC endpoint.
func (r *Node) validatorEndpoint(addr common.Address) (string, bool) {
	for _, n := range r.nodes.List(Filter{Role: pb.NodeRole_NODE_ROLE_VALIDATOR, IncludeUnavailable: true}) {
		if common.HexToAddress(n.Address) == addr && len(n.Endpoints) > 0 {
			return n.Endpoints[0], true
		}
	}
	return "", false
}
