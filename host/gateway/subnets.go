package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ncn-network/ncn/abi"
	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/plugins"
)

// subnetState is what the gateway knows of one subnet: the registry's
// record and whether the local plugins match it.
type subnetState struct {
	meta       *pb.SubnetMetadata             // as the registry last served it
	configHash string                         // the local active set's; equals meta.ConfigHash when ready
	models     map[string]*pb.ModelDescriptor // by id
	err        error                          // why the subnet cannot be quoted now; nil: ready
}

// subnetBook holds the subnets the gateway serves.
type subnetBook struct {
	sync sync.Mutex // serializes syncs: one activation at a time

	mu sync.RWMutex
	m  map[string]*subnetState
}

func (b *subnetBook) get(id string) (*subnetState, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	s, ok := b.m[id]
	return s, ok
}

func (b *subnetBook) put(id string, s *subnetState) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.m[id] = s
}

func (b *subnetBook) ids() []string {
	b.mu.RLock()
	defer b.mu.RUnlock()
	var out []string
	for id := range b.m {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// serves reports whether the configuration lets the gateway serve subnet.
func (d *Daemon) serves(subnet string) bool {
	return len(d.cfg.Subnets) == 0 || slices.Contains(d.cfg.Subnets, subnet)
}

// subnet returns a subnet ready to quote, loading it on first use.
func (d *Daemon) subnet(ctx context.Context, id string) (*subnetState, error) {
	if id == "" {
		return nil, fmt.Errorf("%w: no subnet", ErrBadRequest)
	}
	if !d.serves(id) {
		return nil, fmt.Errorf("%w: this gateway serves subnets %s, not %q", ErrUnknownSubnet, strings.Join(d.cfg.Subnets, ", "), id)
	}
	st, ok := d.book.get(id)
	if !ok {
		var err error
		if st, err = d.syncSubnet(ctx, id); err != nil {
			return nil, err
		}
	}
	if st.err != nil {
		return nil, st.err
	}
	return st, nil
}

// acquire holds the subnet's plugins for one request and checks they are
// the registry's current ones.
func (d *Daemon) acquire(ctx context.Context, id string) (*subnetState, *plugins.Handle, error) {
	st, err := d.subnet(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	h, err := d.subnets.Acquire(id)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: subnet %s: %v", ErrSubnetNotReady, id, err)
	}
	if h.ConfigHash() != st.meta.ConfigHash {
		h.Release()
		return nil, nil, fmt.Errorf("%w: subnet %s is being updated to config %s", ErrSubnetNotReady, id, st.meta.ConfigHash)
	}
	return st, h, nil
}

// syncSubnet reads a subnet from the registry, fetches the plugins it
// lacks (checking each against its manifest and the subnet owner's
// signature), activates them when the registry's config hash changed,
// and checks that the local config hash is the registry's: a gateway that
// priced at another would be refused by every validator.
func (d *Daemon) syncSubnet(ctx context.Context, id string) (*subnetState, error) {
	d.book.sync.Lock()
	defer d.book.sync.Unlock()
	prev, had := d.book.get(id)
	meta, err := d.reg.GetSubnet(ctx, &pb.GetSubnetRequest{Id: id})
	if err != nil {
		if status.Code(err) == codes.NotFound {
			err = fmt.Errorf("%w: the registry knows no subnet %q", ErrUnknownSubnet, id)
			if had {
				d.book.put(id, &subnetState{meta: prev.meta, configHash: prev.configHash, models: prev.models, err: err})
			}
			return nil, err
		}
		if had {
			return prev, nil // keep serving what was current; the next refresh tries again
		}
		return nil, fmt.Errorf("%w: subnet %s from the registry: %v", ErrUnavailable, id, err)
	}
	st := &subnetState{meta: meta, models: map[string]*pb.ModelDescriptor{}}
	if had {
		st.configHash, st.models = prev.configHash, prev.models
	}
	if models, err := d.reg.ListModels(ctx, &pb.ListModelsRequest{Subnet: id}); err == nil {
		st.models = map[string]*pb.ModelDescriptor{}
		for _, m := range models.Models {
			st.models[m.Id] = m
		}
	} else if !had {
		return nil, fmt.Errorf("%w: models of subnet %s: %v", ErrUnavailable, id, err)
	}
	if st.configHash != meta.ConfigHash {
		st.err = d.activate(ctx, meta)
		if st.err == nil {
			st.configHash = meta.ConfigHash
			d.log.Info("subnet plugins active", "subnet", id, "config", meta.ConfigHash)
		} else {
			d.log.Warn("subnet plugins", "subnet", id, "err", st.err)
		}
	}
	d.book.put(id, st)
	return st, nil
}

// activate loads the subnet's plugin set as the registry names it.
func (d *Daemon) activate(ctx context.Context, meta *pb.SubnetMetadata) error {
	set := plugins.ActiveSet{Subnet: meta.Id, Plugins: map[abi.Kind]string{}, Params: meta.Params}
	for kind, sha := range meta.Plugins {
		if err := d.fetchPlugin(ctx, sha, meta.Owner); err != nil {
			return fmt.Errorf("%w: subnet %s plugin %s (%s): %v", ErrSubnetNotReady, meta.Id, sha, kind, err)
		}
		set.Plugins[abi.Kind(kind)] = sha
	}
	if got := set.ConfigHash(); got != meta.ConfigHash {
		return fmt.Errorf("%w: subnet %s: the registry's plugins and parameters hash to %s here, the registry says %s (another plugin ABI?)",
			ErrSubnetNotReady, meta.Id, got, meta.ConfigHash)
	}
	got, err := d.subnets.Activate(ctx, set)
	if err != nil {
		return fmt.Errorf("%w: subnet %s: activate: %v", ErrSubnetNotReady, meta.Id, err)
	}
	if got != meta.ConfigHash {
		return fmt.Errorf("%w: subnet %s: local config hash %s, the registry's is %s", ErrSubnetNotReady, meta.Id, got, meta.ConfigHash)
	}
	return nil
}

// fetchPlugin makes sure the store holds plugin sha, fetching it from the
// registry: the module must hash to sha and its manifest carry a valid
// signature, by owner when the subnet has one.
func (d *Daemon) fetchPlugin(ctx context.Context, sha, owner string) error {
	if _, _, err := d.store.Get(sha); err == nil {
		return nil
	} else if !errors.Is(err, plugins.ErrNotFound) {
		return err
	}
	blob, err := d.reg.GetPlugin(ctx, &pb.GetPluginRequest{Sha256: sha})
	if err != nil {
		return fmt.Errorf("fetch from the registry: %w", err)
	}
	var m plugins.Manifest
	if err := json.Unmarshal(blob.Manifest, &m); err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	if m.SHA256 != sha {
		return fmt.Errorf("the registry served the manifest of %s", m.SHA256)
	}
	signer, err := m.Check(blob.Wasm)
	if err != nil {
		return err
	}
	if owner != "" && signer != common.HexToAddress(owner) {
		return fmt.Errorf("signed by %s, the subnet belongs to %s", strings.ToLower(signer.Hex()), owner)
	}
	return d.store.Put(blob.Wasm, m)
}

// refreshSubnets re-reads every known subnet now and then, so an owner's
// activation is served within SubnetRefresh. Quotes keep the config hash
// they were priced at; validators refuse a stale one, and the client
// quotes again.
func (d *Daemon) refreshSubnets() {
	for d.sleep(d.cfg.SubnetRefresh) {
		ids := d.book.ids()
		for _, s := range d.cfg.Subnets {
			if !slices.Contains(ids, s) {
				ids = append(ids, s)
			}
		}
		for _, id := range ids {
			ctx, cancel := context.WithTimeout(d.ctx, 30*time.Second)
			if _, err := d.syncSubnet(ctx, id); err != nil && d.ctx.Err() == nil {
				d.log.Warn("subnet refresh", "subnet", id, "err", err)
			}
			cancel()
		}
	}
}
