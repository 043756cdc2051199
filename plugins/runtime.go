package plugins

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"

	"github.com/ncn-network/ncn/abi"
	"github.com/ncn-network/ncn/plugins/internal/meter"
)

// Config configures a Runtime. The zero value works: no disk cache and the
// defaults below. Limits a manifest asks for are capped by these.
type Config struct {
	// CacheDir holds wazero's compilation cache, so a fresh process loads a
	// plugin it has compiled before in milliseconds. Empty: memory only.
	CacheDir string
	// Budget is the default instruction budget of one call (default 50M,
	// about 50-100 ms of work); MaxBudget caps what a manifest may ask for
	// (default 500M).
	Budget, MaxBudget uint64
	// MemoryPages is the default memory limit in 64 KiB pages (default 512,
	// 32 MiB); MaxMemoryPages caps manifests (default 2048, 128 MiB).
	MemoryPages, MaxMemoryPages uint32
	// MaxInputBytes caps one call's input (default 1 MiB); MaxOutputBytes
	// one call's output (default 1 MiB).
	MaxInputBytes, MaxOutputBytes int
	// Timeout is the wall-clock backstop of one call (default 2s). When it
	// fires the caller gets CodeTimeout at once; the instance finishes
	// under its budget in the background and is discarded.
	Timeout time.Duration
	// PoolSize is how many idle instances a plugin keeps (default 4).
	PoolSize int
	// Unmetered loads modules as they are, without the instruction budget:
	// only for measuring what metering costs. A runaway call then ends only
	// when the process does.
	Unmetered bool
	// Logger receives load and discard events; nil discards them.
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.Budget == 0 {
		c.Budget = 50_000_000
	}
	if c.MaxBudget == 0 {
		c.MaxBudget = 500_000_000
	}
	if c.MemoryPages == 0 {
		c.MemoryPages = 512
	}
	if c.MaxMemoryPages == 0 {
		c.MaxMemoryPages = 2048
	}
	if c.MaxInputBytes == 0 {
		c.MaxInputBytes = 1 << 20
	}
	if c.MaxOutputBytes == 0 {
		c.MaxOutputBytes = 1 << 20
	}
	if c.Timeout == 0 {
		c.Timeout = 2 * time.Second
	}
	if c.PoolSize == 0 {
		c.PoolSize = 4
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate checks the configuration.
func (c Config) Validate() error {
	d := c.withDefaults()
	switch {
	case d.Budget > d.MaxBudget:
		return fmt.Errorf("plugin budget %d exceeds the maximum %d", d.Budget, d.MaxBudget)
	case d.MemoryPages > d.MaxMemoryPages || d.MaxMemoryPages > 65536:
		return fmt.Errorf("plugin memory %d pages exceeds the maximum %d (at most 65536)", d.MemoryPages, d.MaxMemoryPages)
	case d.MaxInputBytes < 0 || d.MaxOutputBytes < 0 || d.Timeout < 0 || d.PoolSize < 0:
		return errors.New("plugin limits must not be negative")
	}
	return nil
}

// Runtime loads plugins. It is safe for concurrent use.
type Runtime struct {
	cfg   Config
	cache wazero.CompilationCache

	// Metered modules by meterKey: metering a 3 MB module takes about as
	// long as everything else in a load, and a swap back to an earlier
	// plugin should not pay it again. Kept on disk too with CacheDir.
	meteredMu sync.Mutex
	metered   map[string][]byte
}

// maxMeteredInMemory bounds the in-memory metered-module cache.
const maxMeteredInMemory = 16

// NewRuntime returns a runtime; Close releases its compilation cache.
func NewRuntime(cfg Config) (*Runtime, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	r := &Runtime{cfg: cfg, metered: map[string][]byte{}}
	if cfg.CacheDir != "" {
		cache, err := wazero.NewCompilationCacheWithDir(cfg.CacheDir)
		if err != nil {
			return nil, fmt.Errorf("plugin compilation cache %s: %w", cfg.CacheDir, err)
		}
		r.cache = cache
	} else {
		r.cache = wazero.NewCompilationCache()
	}
	return r, nil
}

// Close releases the compilation cache. Plugins loaded from the runtime
// must be closed first.
func (r *Runtime) Close() error {
	return r.cache.Close(context.Background())
}

// LoadOptions adjust one load.
type LoadOptions struct {
	// SkipSignature loads a module whose manifest is unsigned or signed by
	// anyone: for `ncn plugin run` on an author's own machine, never for
	// what a registry serves.
	SkipSignature bool
	// SkipSelfTests does not run the manifest's self-tests.
	SkipSelfTests bool
}

// Load checks a plugin against its manifest, meters and compiles it, and
// runs its self-tests. The returned Plugin is ready for calls.
func (r *Runtime) Load(ctx context.Context, wasm []byte, m Manifest, opts LoadOptions) (*Plugin, error) {
	if _, err := m.Check(wasm); err != nil {
		if !opts.SkipSignature || !errors.Is(err, ErrSignature) {
			return nil, err
		}
	}
	limits := r.limits(m.Limits)
	exports := make([]string, len(m.Kinds))
	for i, k := range m.Kinds {
		exports[i] = k.Export()
	}
	metered, err := wasm, error(nil)
	if !r.cfg.Unmetered {
		metered, err = r.meter(m.SHA256, wasm, meter.Options{Budget: limits.Budget, Exports: exports})
	}
	switch {
	case errors.Is(err, meter.ErrOptions):
		// The manifest names a kind whose export the module lacks.
		return nil, &CallError{Plugin: m.ID(), Err: abi.Errorf(abi.CodeMissingExport, "%v", err)}
	case err != nil:
		return nil, fmt.Errorf("%w: %s: meter module: %v", ErrBadManifest, m.ID(), err)
	}
	p, err := newPlugin(ctx, r, m, metered, limits)
	if err != nil {
		return nil, err
	}
	for _, k := range m.Kinds {
		if !p.compiledExports[k.Export()] {
			p.Close()
			return nil, &CallError{Plugin: m.ID(), Kind: k, Err: abi.Errorf(abi.CodeMissingExport,
				"the manifest declares kind %q but the module exports no function %q", k, k.Export())}
		}
	}
	if !opts.SkipSelfTests {
		if err := p.SelfTest(ctx); err != nil {
			p.Close()
			return nil, err
		}
	}
	r.cfg.Logger.Info("plugin loaded", "plugin", m.ID(), "sha256", m.SHA256, "kinds", m.Kinds,
		"budget", limits.Budget, "memoryPages", limits.MemoryPages)
	return p, nil
}

// meter returns wasm instrumented with opts, from the in-memory or on-disk
// cache when it has been done before.
func (r *Runtime) meter(sha string, wasm []byte, opts meter.Options) ([]byte, error) {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s|%s|%d|%d|%s", meter.Version, sha, opts.Budget, opts.InitBudget, strings.Join(opts.Exports, ",")))
	key := hex.EncodeToString(sum[:])
	r.meteredMu.Lock()
	out, ok := r.metered[key]
	r.meteredMu.Unlock()
	if ok {
		return out, nil
	}
	var path string
	if r.cfg.CacheDir != "" {
		path = filepath.Join(r.cfg.CacheDir, "ncn-metered", key+".wasm")
		if b, err := os.ReadFile(path); err == nil {
			out = b
		}
	}
	if out == nil {
		var err error
		if out, err = meter.Instrument(wasm, opts); err != nil {
			return nil, err
		}
		if path != "" {
			if err := writeFileAtomic(path, out); err != nil {
				r.cfg.Logger.Warn("cannot cache metered plugin", "path", path, "err", err)
			}
		}
	}
	r.meteredMu.Lock()
	if len(r.metered) >= maxMeteredInMemory {
		for k := range r.metered { // evict any one; loads are rare
			delete(r.metered, k)
			break
		}
	}
	r.metered[key] = out
	r.meteredMu.Unlock()
	return out, nil
}

// writeFileAtomic writes through a temporary file and a rename, so a crash
// never leaves a half-written module behind.
func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// limits resolves a manifest's limits against the runtime's defaults and caps.
func (r *Runtime) limits(l Limits) Limits {
	c := r.cfg
	out := Limits{Budget: c.Budget, MemoryPages: c.MemoryPages, MaxOutputBytes: c.MaxOutputBytes}
	if l.Budget > 0 {
		out.Budget = min(l.Budget, c.MaxBudget)
	}
	if l.MemoryPages > 0 {
		out.MemoryPages = min(l.MemoryPages, c.MaxMemoryPages)
	}
	if l.MaxOutputBytes > 0 {
		out.MaxOutputBytes = min(l.MaxOutputBytes, c.MaxOutputBytes)
	}
	return out
}
