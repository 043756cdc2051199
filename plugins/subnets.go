package plugins

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"sync"

	"github.com/ncn-network/ncn/abi"
)

// ActiveSet is a subnet's policy: which plugin serves each kind, and the
// subnet's parameters (passed to its plugins). Its ConfigHash binds a quote
// to exactly this set.
type ActiveSet struct {
	Subnet  string              `json:"subnet"`
	Plugins map[abi.Kind]string `json:"plugins"` // kind -> plugin sha256
	Params  map[string]string   `json:"params,omitempty"`
}

// ConfigHash is sha256 over the set's canonical form: kinds in a fixed
// order with their plugin hashes, then the parameters sorted by key.
func (s ActiveSet) ConfigHash() string {
	type kv struct{ K, V string }
	var doc struct {
		Subnet  string
		Plugins []kv
		Params  []kv
	}
	doc.Subnet = s.Subnet
	for _, k := range abi.AllKinds() {
		if h, ok := s.Plugins[k]; ok {
			doc.Plugins = append(doc.Plugins, kv{string(k), h})
		}
	}
	keys := make([]string, 0, len(s.Params))
	for k := range s.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		doc.Params = append(doc.Params, kv{k, s.Params[k]})
	}
	b, _ := json.Marshal(doc)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// live is an active set with its loaded plugins. refs counts calls that
// hold it, so a swapped-out set is closed only after they finish.
type live struct {
	set     ActiveSet
	hash    string
	plugins map[abi.Kind]*Plugin
	refs    sync.WaitGroup
}

// Subnets serves each subnet's active plugins and swaps them atomically:
// the new set is loaded and self-tested first, then replaces the old one
// under a lock; calls already running finish on the old set, which is
// closed when the last of them returns. Safe for concurrent use.
type Subnets struct {
	rt    *Runtime
	store *Store
	opts  LoadOptions

	mu   sync.RWMutex
	sets map[string]*live
	wg   sync.WaitGroup // background closes of swapped-out sets
}

// NewSubnets serves plugins from store through rt. opts apply to every
// load (SkipSignature only for trusted, built-in modules).
func NewSubnets(rt *Runtime, store *Store, opts LoadOptions) *Subnets {
	return &Subnets{rt: rt, store: store, opts: opts, sets: map[string]*live{}}
}

// Activate loads set's plugins from the store, self-tests them and makes
// them the subnet's policy. It returns the new config hash.
func (s *Subnets) Activate(ctx context.Context, set ActiveSet) (string, error) {
	l, err := s.load(ctx, set)
	if err != nil {
		return "", err
	}
	if err := s.store.SaveActive(set); err != nil {
		l.close()
		return "", fmt.Errorf("activate %s: %w", set.Subnet, err)
	}
	s.swap(l)
	return l.hash, nil
}

// Restore loads every subnet's saved active set (at start-up).
func (s *Subnets) Restore(ctx context.Context, subnets []string) error {
	for _, name := range subnets {
		set, err := s.store.Active(name)
		if err != nil {
			return err
		}
		l, err := s.load(ctx, set)
		if err != nil {
			return fmt.Errorf("restore subnet %s: %w", name, err)
		}
		s.swap(l)
	}
	return nil
}

// Rollback re-activates the set the subnet had `back` activations ago
// (1 is the previous one).
func (s *Subnets) Rollback(ctx context.Context, subnet string, back int) (string, error) {
	hist, err := s.store.History(subnet)
	if err != nil {
		return "", err
	}
	if back < 1 || back >= len(hist) {
		return "", fmt.Errorf("rollback %s by %d: the subnet has %d earlier sets", subnet, back, len(hist)-1)
	}
	return s.Activate(ctx, hist[len(hist)-1-back])
}

func (s *Subnets) load(ctx context.Context, set ActiveSet) (*live, error) {
	if set.Subnet == "" || len(set.Plugins) == 0 {
		return nil, fmt.Errorf("%w: an active set needs a subnet and at least one plugin", ErrBadManifest)
	}
	l := &live{set: set, hash: set.ConfigHash(), plugins: map[abi.Kind]*Plugin{}}
	loaded := map[string]*Plugin{} // one module may serve several kinds
	for kind, sha := range set.Plugins {
		if !kind.Valid() {
			l.close()
			return nil, fmt.Errorf("%w: unknown kind %q", ErrBadManifest, kind)
		}
		p, ok := loaded[sha]
		if !ok {
			wasm, m, err := s.store.Get(sha)
			if err != nil {
				l.close()
				return nil, err
			}
			if p, err = s.rt.Load(ctx, wasm, m, s.opts); err != nil {
				l.close()
				return nil, err
			}
			loaded[sha] = p
		}
		if !p.m.HasKind(kind) {
			l.close()
			return nil, fmt.Errorf("%w: plugin %s does not implement %s", ErrBadManifest, p.m.ID(), kind)
		}
		l.plugins[kind] = p
	}
	return l, nil
}

func (s *Subnets) swap(l *live) {
	s.mu.Lock()
	old := s.sets[l.set.Subnet]
	s.sets[l.set.Subnet] = l
	s.mu.Unlock()
	if old != nil {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			old.refs.Wait()
			old.close()
		}()
	}
}

func (l *live) close() {
	closed := map[*Plugin]bool{}
	for _, p := range l.plugins {
		if !closed[p] {
			closed[p] = true
			p.Close()
		}
	}
}

// Handle is a subnet's active set held for the length of a request: every
// call made through it uses the same plugins and config hash, even if the
// subnet swaps meanwhile. Release it when done.
type Handle struct {
	l *live
}

// Acquire holds a subnet's current set.
func (s *Subnets) Acquire(subnet string) (*Handle, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	l, ok := s.sets[subnet]
	if !ok {
		return nil, fmt.Errorf("subnet %q has no active plugins: %w", subnet, ErrNotFound)
	}
	l.refs.Add(1)
	return &Handle{l: l}, nil
}

// Release lets a swapped-out set close once nobody holds it.
func (h *Handle) Release() { h.l.refs.Done() }

// ConfigHash is the held set's config hash.
func (h *Handle) ConfigHash() string { return h.l.hash }

// Params are the subnet's parameters.
func (h *Handle) Params() map[string]string { return h.l.set.Params }

// Plugin is the plugin serving kind, or a missing_export error.
func (h *Handle) Plugin(kind abi.Kind) (*Plugin, error) {
	p, ok := h.l.plugins[kind]
	if !ok {
		return nil, abi.Errorf(abi.CodeMissingExport, "subnet %s has no %s plugin", h.l.set.Subnet, kind)
	}
	return p, nil
}

// Close waits for swapped-out sets to drain and closes every set.
func (s *Subnets) Close() error {
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	for name, l := range s.sets {
		l.refs.Wait()
		l.close()
		delete(s.sets, name)
	}
	return nil
}
