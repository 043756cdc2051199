// Package modelcache gives a compute node the model bundles its subnet
// names: it fetches them by hash from the registry network (the model's
// descriptor names its manifest's sha256, the manifest every file's),
// verifies every byte, and keeps them on disk under a size budget,
// evicting the least recently used bundle not in use.
package modelcache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"

	"github.com/ncn-network/ncn/gpu/worker"
	"github.com/ncn-network/ncn/host/api/pb"
)

// Registry is what the cache needs of a registry node
// (pb.P2PRegistryServiceClient).
type Registry interface {
	ListModels(ctx context.Context, in *pb.ListModelsRequest, opts ...grpc.CallOption) (*pb.ListModelsResponse, error)
	GetModelFile(ctx context.Context, in *pb.ModelFileRef, opts ...grpc.CallOption) (*pb.ModelFile, error)
}

// ErrNotFound is a model the registry does not know in the subnet.
var ErrNotFound = errors.New("modelcache: model not registered")

// Cache is a directory of verified bundles, one per manifest digest.
type Cache struct {
	dir    string
	budget int64 // bytes; 0: unlimited
	reg    Registry

	mu    sync.Mutex
	inUse map[string]int // digest -> holders
}

// New returns a cache in dir (created) holding at most budget bytes of
// bundles (0: no limit), filled from reg.
func New(dir string, budget int64, reg Registry) (*Cache, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("model cache %s: %w", dir, err)
	}
	return &Cache{dir: dir, budget: budget, reg: reg, inUse: map[string]int{}}, nil
}

// Get returns model's bundle in subnet, verified, fetching it if the cache
// lacks it, and holds it until release is called (it is not evicted
// while held).
func (c *Cache) Get(ctx context.Context, subnet, model string) (b *worker.Bundle, release func(), err error) {
	l, err := c.reg.ListModels(ctx, &pb.ListModelsRequest{Subnet: subnet})
	if err != nil {
		return nil, nil, fmt.Errorf("models of subnet %s: %w", subnet, err)
	}
	i := slices.IndexFunc(l.Models, func(d *pb.ModelDescriptor) bool { return d.Id == model })
	if i < 0 {
		return nil, nil, fmt.Errorf("%w: %s in subnet %s", ErrNotFound, model, subnet)
	}
	digest := l.Models[i].ManifestSha256
	if len(digest) != 64 || strings.Trim(digest, "0123456789abcdef") != "" {
		return nil, nil, fmt.Errorf("model %s: descriptor names no bundle manifest (%q)", model, digest)
	}
	c.hold(digest)
	defer func() {
		if err != nil {
			c.release(digest)
		}
	}()
	dir := filepath.Join(c.dir, digest)
	if b, err := worker.LoadBundle(dir); err == nil && b.Digest == digest {
		now := time.Now()
		_ = os.Chtimes(dir, now, now) // last use, for eviction
		return b, func() { c.release(digest) }, nil
	}
	if err := c.fetch(ctx, subnet, model, digest); err != nil {
		return nil, nil, err
	}
	b, err = worker.LoadBundle(dir)
	if err != nil {
		return nil, nil, err
	}
	if b.Digest != digest {
		return nil, nil, fmt.Errorf("model %s: fetched bundle has digest %s, want %s", model, b.Digest, digest)
	}
	if err := c.evict(); err != nil {
		return nil, nil, err
	}
	return b, func() { c.release(digest) }, nil
}

func (c *Cache) hold(digest string) {
	c.mu.Lock()
	c.inUse[digest]++
	c.mu.Unlock()
}

func (c *Cache) release(digest string) {
	c.mu.Lock()
	if c.inUse[digest]--; c.inUse[digest] <= 0 {
		delete(c.inUse, digest)
	}
	c.mu.Unlock()
}

// fetch downloads a bundle into a temporary directory, checking every
// file's hash as it comes, and moves it into place whole.
func (c *Cache) fetch(ctx context.Context, subnet, model, digest string) error {
	get := func(sha string) ([]byte, error) {
		f, err := c.reg.GetModelFile(ctx, &pb.ModelFileRef{Subnet: subnet, Model: model, Sha256: sha})
		if err != nil {
			return nil, fmt.Errorf("model %s file %s: %w", model, sha, err)
		}
		if sum := sha256.Sum256(f.Data); hex.EncodeToString(sum[:]) != sha {
			return nil, fmt.Errorf("model %s file %s: the registry sent other bytes", model, sha)
		}
		return f.Data, nil
	}
	raw, err := get(digest)
	if err != nil {
		return err
	}
	var m struct {
		Files map[string]string `json:"files"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("model %s manifest: %w", model, err)
	}
	tmp, err := os.MkdirTemp(c.dir, ".fetch-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil { // sandboxed workers run as another user
		return err
	}
	for rel, sha := range m.Files {
		clean := path.Clean(rel)
		if !fs.ValidPath(clean) || clean == worker.ManifestFile || strings.HasPrefix(clean, ".") {
			return fmt.Errorf("model %s manifest: bad file path %q", model, rel)
		}
		data, err := get(sha)
		if err != nil {
			return err
		}
		p := filepath.Join(tmp, filepath.FromSlash(clean))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(tmp, worker.ManifestFile), raw, 0o644); err != nil {
		return err
	}
	dst := filepath.Join(c.dir, digest)
	_ = os.RemoveAll(dst) // a damaged copy
	return os.Rename(tmp, dst)
}

// evict removes the least recently used bundles not in use until the
// cache fits its budget.
func (c *Cache) evict() error {
	if c.budget <= 0 {
		return nil
	}
	ents, err := os.ReadDir(c.dir)
	if err != nil {
		return err
	}
	type bundle struct {
		name string
		size int64
		used time.Time
	}
	var all []bundle
	var total int64
	for _, e := range ents {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		size := dirSize(filepath.Join(c.dir, e.Name()))
		all = append(all, bundle{e.Name(), size, info.ModTime()})
		total += size
	}
	slices.SortFunc(all, func(a, b bundle) int { return a.used.Compare(b.used) })
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, b := range all {
		if total <= c.budget {
			break
		}
		if c.inUse[b.name] > 0 {
			continue
		}
		if err := os.RemoveAll(filepath.Join(c.dir, b.name)); err != nil {
			return err
		}
		total -= b.size
	}
	return nil
}

func dirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}
