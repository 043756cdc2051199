package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ncn-network/ncn/gpu/worker/workerpb"
)

// Config configures a Pool. The zero value of every field but Bundle is
// usable.
type Config struct {
	// Bundle is the model bundle directory (required), e.g. a Store's
	// Root/name. It is verified before every worker start.
	Bundle string
	// Digest, if set, is the hex SHA-256 the bundle's manifest.json must
	// have (the registry's record of the model); otherwise ErrDigest.
	Digest string

	// Slots is the number of worker processes, each serving one request at
	// a time. Default 1.
	Slots int
	// MaxRequests recycles a worker after it has served this many
	// requests, bounding what a leak in a model can accumulate. Default
	// 1000.
	MaxRequests int
	// QueueTimeout is how long Infer waits for a free slot before ErrBusy
	// (never past its ctx). 0 means do not wait: fail fast so the caller
	// can send the request elsewhere.
	QueueTimeout time.Duration
	// Grace is how long past a request's deadline the pool waits for the
	// worker's own DEADLINE_EXCEEDED before killing it; also how long a
	// worker gets to exit after a shutdown request. Default 2s.
	Grace time.Duration
	// RequestTimeout bounds requests that carry no deadline of their own.
	// Default 5m.
	RequestTimeout time.Duration
	// StartTimeout bounds a worker's start, up to its Hello (interpreter,
	// imports, bundle verification, model load, self-test). Default 60s.
	StartTimeout time.Duration
	// HealthInterval is how often idle workers are sent a health request.
	// Default 30s; negative disables the checks.
	HealthInterval time.Duration

	// Python is the interpreter. Default /usr/bin/python3 (Debian's, with
	// python3-numpy, python3-torch and python3-protobuf).
	Python string
	// Source is the worker's entry script (python/worker.py beside
	// ncnworker/). Default: the copy embedded in this package, unpacked
	// read-only under ScratchRoot.
	Source string
	// ScratchRoot is where per-worker scratch directories are made.
	// Default os.TempDir().
	ScratchRoot string
	// Threads is the compute threads each worker gives numpy/torch.
	// Default 1: a slot per core scales better than threads per slot for
	// small models.
	Threads int
	// Device is "cpu" (default) or "cuda:N".
	Device string
	// MaxFrame is the largest protocol frame in either direction, bytes.
	// Default DefaultMaxFrame (16 MiB).
	MaxFrame int
	// Env is added to the worker's environment, which otherwise holds only
	// what the worker needs (never the host's: it may hold keys). E.g.
	// CUDA_VISIBLE_DEVICES=1.
	Env []string
	// ReadOnly is added to the paths a sandbox lets the worker read.
	// Default: the system's /usr, /lib, /lib64 and /etc/ld.so.* (the
	// interpreter and its libraries) where they exist.
	ReadOnly []string

	// Launcher starts worker processes. Default Exec{} (no sandbox).
	Launcher Launcher
	// Logger receives pool events; worker stderr lines at Debug. Default
	// slog.Default().
	Logger *slog.Logger
}

// Validate reports configuration errors.
func (c *Config) Validate() error {
	var errs []error
	if c.Bundle == "" {
		errs = append(errs, errors.New("no model bundle"))
	}
	for _, f := range []struct {
		name string
		v    int64
	}{{"slots", int64(c.Slots)}, {"max requests", int64(c.MaxRequests)}, {"threads", int64(c.Threads)},
		{"max frame", int64(c.MaxFrame)}, {"queue timeout", int64(c.QueueTimeout)}, {"grace", int64(c.Grace)},
		{"request timeout", int64(c.RequestTimeout)}, {"start timeout", int64(c.StartTimeout)}} {
		if f.v < 0 {
			errs = append(errs, fmt.Errorf("%s is negative", f.name))
		}
	}
	if c.MaxFrame != 0 && c.MaxFrame < 1<<10 {
		errs = append(errs, errors.New("max frame below 1 KiB"))
	}
	if c.MaxFrame > 1<<30 {
		errs = append(errs, errors.New("max frame above 1 GiB"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("worker config: %w", err)
	}
	return nil
}

func (c Config) withDefaults() Config {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.Slots, 1)
	def(&c.MaxRequests, 1000)
	def(&c.Threads, 1)
	def(&c.MaxFrame, DefaultMaxFrame)
	defDur(&c.Grace, 2*time.Second)
	defDur(&c.RequestTimeout, 5*time.Minute)
	defDur(&c.StartTimeout, 60*time.Second)
	defDur(&c.HealthInterval, 30*time.Second)
	if c.Python == "" {
		c.Python = "/usr/bin/python3"
	}
	if c.ScratchRoot == "" {
		c.ScratchRoot = os.TempDir()
	}
	if c.Device == "" {
		c.Device = "cpu"
	}
	if c.ReadOnly == nil {
		for _, p := range []string{"/usr", "/lib", "/lib64", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d"} {
			if _, err := os.Stat(p); err == nil {
				c.ReadOnly = append(c.ReadOnly, p)
			}
		}
	}
	if c.Launcher == nil {
		c.Launcher = Exec{}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// command is the worker command line for bundle b.
func (c *Config) command(b *Bundle, scratch string) Command {
	threads := strconv.Itoa(c.Threads)
	env := []string{
		"PATH=/usr/bin:/bin", "LANG=C.UTF-8", "TMPDIR=" + scratch, "HOME=" + scratch,
		"OMP_NUM_THREADS=" + threads, "OPENBLAS_NUM_THREADS=" + threads, "MKL_NUM_THREADS=" + threads,
		// Same hash order on every node: outputs must not depend on it.
		"PYTHONHASHSEED=0",
	}
	ro := append([]string{c.Python, filepath.Dir(c.Source), b.Dir}, c.ReadOnly...)
	return Command{
		Path: c.Python,
		// -E: ignore PYTHON* variables; -s: no user site-packages; -B:
		// write no bytecode beside the sources.
		Args: []string{"-E", "-s", "-B", c.Source, "--model", b.Dir, "--scratch", scratch,
			"--threads", threads, "--device", c.Device, "--max-frame", strconv.Itoa(c.MaxFrame)},
		Env:      append(env, c.Env...),
		Dir:      scratch,
		ReadOnly: ro,
		Scratch:  scratch,
	}
}

// Pool keeps Slots warm workers of one model. Its methods are safe for
// concurrent use.
type Pool struct {
	cfg    Config
	bundle *Bundle
	hello  *workerpb.Hello
	log    *slog.Logger
	srcDir string // unpacked embedded source, removed by Close

	idle chan *proc // free workers; at most Slots

	mu       sync.Mutex
	closed   bool
	live     map[*proc]bool // every started, not yet closed worker
	inflight sync.WaitGroup // requests holding a worker

	ctx    context.Context // canceled by Close: stops restarts and health checks
	cancel context.CancelFunc
	wg     sync.WaitGroup // background goroutines

	nextID  atomic.Uint64
	starts  atomic.Uint64
	recycle atomic.Uint64
	crashes atomic.Uint64
	served  atomic.Uint64
}

// Stats is a snapshot of a pool's counters.
type Stats struct {
	Slots    int
	Idle     int    // workers ready for a request
	Starts   uint64 // workers started, including the first Slots
	Recycled uint64 // workers replaced after MaxRequests
	Crashed  uint64 // workers replaced after dying, hanging or misbehaving
	Served   uint64 // requests answered (results and model errors)
}

// New verifies the bundle, starts cfg.Slots workers and waits until every
// one has said Hello. ctx bounds the start only.
func New(ctx context.Context, cfg Config) (*Pool, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	b, err := cfg.verify()
	if err != nil {
		return nil, err
	}
	p := &Pool{cfg: cfg, bundle: b, log: cfg.Logger.With("model", b.Manifest.Name),
		idle: make(chan *proc, cfg.Slots), live: map[*proc]bool{}}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	if p.cfg.Source == "" {
		dir, err := os.MkdirTemp(cfg.ScratchRoot, "ncn-worker-src-*")
		if err != nil {
			return nil, fmt.Errorf("new pool: %w", err)
		}
		p.srcDir = dir
		if p.cfg.Source, err = WriteSource(dir); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("new pool: %w", err)
		}
	}

	type started struct {
		w   *proc
		err error
	}
	ch := make(chan started, cfg.Slots)
	for slot := range cfg.Slots {
		go func() {
			w, err := p.start(ctx, slot)
			ch <- started{w, err}
		}()
	}
	var errs []error
	for range cfg.Slots {
		s := <-ch
		if s.err != nil {
			errs = append(errs, s.err)
			continue
		}
		p.hello = s.w.hello
		p.idle <- s.w
	}
	if err := errors.Join(errs...); err != nil {
		p.Close()
		return nil, fmt.Errorf("new pool for %s: %w", b.Manifest.Name, err)
	}
	if cfg.HealthInterval > 0 {
		p.wg.Add(1)
		go p.healthLoop()
	}
	p.log.Info("worker pool ready", "slots", cfg.Slots, "version", b.Manifest.Version,
		"runtime", p.hello.Runtime+" "+p.hello.RuntimeVersion, "device", p.hello.Device)
	return p, nil
}

// verify loads the bundle and checks its digest.
func (c *Config) verify() (*Bundle, error) {
	b, err := LoadBundle(c.Bundle)
	if err != nil {
		return nil, err
	}
	if c.Digest != "" && c.Digest != b.Digest {
		return nil, fmt.Errorf("bundle %s: %w: manifest sha256 %s, want %s", b.Dir, ErrDigest, b.Digest, c.Digest)
	}
	return b, nil
}

// start verifies the bundle again (it may have changed on disk since the
// last start) and starts the worker for slot.
func (p *Pool) start(ctx context.Context, slot int) (*proc, error) {
	b, err := p.cfg.verify()
	if err != nil {
		return nil, err
	}
	if b.Digest != p.bundle.Digest {
		return nil, fmt.Errorf("bundle %s: %w: changed on disk since the pool started", b.Dir, ErrDigest)
	}
	id := fmt.Sprintf("%s/%d#%d", b.Manifest.Name, slot, p.starts.Add(1))
	w, err := startProc(ctx, &p.cfg, b, id, p.log)
	if err != nil {
		return nil, err
	}
	if w.hello.ManifestSha256 != b.Digest {
		w.close(0)
		return nil, fmt.Errorf("start worker %s: %w: worker loaded manifest %s", id, ErrDigest, w.hello.ManifestSha256)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		w.close(0)
		return nil, ErrClosed
	}
	p.live[w] = true
	w.slot = slot
	return w, nil
}

// Bundle is the verified bundle the pool serves.
func (p *Pool) Bundle() *Bundle { return p.bundle }

// Hello is what the first worker reported about itself and its model.
func (p *Pool) Hello() *workerpb.Hello { return p.hello }

// Request is one inference.
type Request struct {
	// ID is echoed in frames and logs; empty: the pool numbers requests.
	ID    string
	Input []byte // in the manifest's input content type
	// Params is a JSON object for the manifest's params schema; nil: {}.
	Params json.RawMessage
	// Deadline is when the answer is no longer wanted; zero: ctx's
	// deadline, or RequestTimeout from now. The earlier of the two wins.
	Deadline time.Time
}

// Infer runs req on a free worker. partial, if not nil, is called with
// each streamed chunk (text models) before Infer returns, from the calling
// goroutine's request; the chunks concatenated equal Result.Output.
//
// Errors: ErrBusy when no slot frees up within QueueTimeout; a *ModelError
// (errors.Is ErrInvalidInput, ErrDeadline, ErrModelFailed) when the worker
// answered with one; ErrWorkerExited and friends when the worker failed, in
// which case it is replaced.
func (p *Pool) Infer(ctx context.Context, req Request, partial func(chunk []byte)) (*Result, error) {
	if req.ID == "" {
		req.ID = "r" + strconv.FormatUint(p.nextID.Add(1), 10)
	}
	deadline := req.Deadline
	if d, ok := ctx.Deadline(); ok && (deadline.IsZero() || d.Before(deadline)) {
		deadline = d
	}
	if deadline.IsZero() {
		deadline = time.Now().Add(p.cfg.RequestTimeout)
	}
	w, err := p.acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("infer %s: %w", req.ID, err)
	}
	res, err := w.do(ctx, &workerpb.Request{RequestId: req.ID, Kind: workerpb.Request_KIND_INFER,
		Input: req.Input, ParamsJson: string(req.Params), DeadlineUnixMs: deadline.UnixMilli()},
		deadline.Add(p.cfg.Grace), partial)
	p.release(w, err, deadline.Add(p.cfg.Grace))
	if err != nil {
		return nil, fmt.Errorf("infer %s on %s: %w", req.ID, w.id, err)
	}
	return res, nil
}

// acquire takes a free worker, waiting up to QueueTimeout.
func (p *Pool) acquire(ctx context.Context) (*proc, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, ErrClosed
	}
	p.inflight.Add(1)
	p.mu.Unlock()

	var wait <-chan time.Time
	if p.cfg.QueueTimeout > 0 {
		t := time.NewTimer(p.cfg.QueueTimeout)
		defer t.Stop()
		wait = t.C
	}
	for {
		var w *proc
		if wait == nil {
			select {
			case w = <-p.idle:
			default:
				p.inflight.Done()
				return nil, fmt.Errorf("%w (%d slots)", ErrBusy, p.cfg.Slots)
			}
		} else {
			select {
			case w = <-p.idle:
			case <-wait:
				p.inflight.Done()
				return nil, fmt.Errorf("%w (%d slots) after %v", ErrBusy, p.cfg.Slots, p.cfg.QueueTimeout)
			case <-ctx.Done():
				p.inflight.Done()
				return nil, ctx.Err()
			case <-p.ctx.Done():
				p.inflight.Done()
				return nil, ErrClosed
			}
		}
		// A worker that died while idle is replaced, not handed out.
		if !w.alive() {
			w.broken = true
			p.crashes.Add(1)
			p.log.Warn("idle worker died; replacing it", "worker", w.id, "err", w.exitError("while idle"))
			p.replace(w)
			continue
		}
		return w, nil
	}
}

// release puts w back, or replaces it if it is broken, used up, or must
// first finish a request its caller abandoned.
func (p *Pool) release(w *proc, err error, limit time.Time) {
	defer p.inflight.Done()
	w.served++
	switch {
	case w.broken:
		p.crashes.Add(1)
		p.log.Warn("replacing worker", "worker", w.id, "err", err)
		p.replace(w)
		return
	case err != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) && !isModelError(err):
		// The caller went away mid-request; the worker is still busy with
		// it. Let it finish off the caller's time, then reuse or replace.
		p.inflight.Add(1)
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			defer p.inflight.Done()
			if !w.drain(limit) {
				w.broken = true
				p.crashes.Add(1)
				p.replace(w)
				return
			}
			p.served.Add(1)
			p.putBack(w)
		}()
		return
	}
	p.served.Add(1)
	p.putBack(w)
}

func isModelError(err error) bool {
	var me *ModelError
	return errors.As(err, &me)
}

func (p *Pool) putBack(w *proc) {
	if w.served >= p.cfg.MaxRequests {
		p.recycle.Add(1)
		p.log.Debug("recycling worker", "worker", w.id, "served", w.served)
		p.replace(w)
		return
	}
	p.idle <- w // never blocks: at most Slots workers exist
}

// replace closes w and starts its successor in the background, retrying
// with backoff until it is up or the pool closes.
func (p *Pool) replace(w *proc) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		p.retire(w)
		backoff := 100 * time.Millisecond
		for {
			nw, err := p.start(p.ctx, w.slot)
			if err == nil {
				p.idle <- nw
				return
			}
			if errors.Is(err, ErrClosed) || p.isClosed() {
				return
			}
			p.log.Error("restart worker", "slot", w.slot, "err", err, "retry_in", backoff)
			select {
			case <-time.After(backoff):
			case <-p.ctx.Done():
				return
			}
			backoff = min(2*backoff, 10*time.Second)
		}
	}()
}

// retire closes w and forgets it.
func (p *Pool) retire(w *proc) {
	grace := p.cfg.Grace
	if w.broken {
		grace = 0
	}
	w.close(grace)
	p.mu.Lock()
	delete(p.live, w)
	p.mu.Unlock()
}

func (p *Pool) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// healthLoop sends a health request to each idle worker every
// HealthInterval and replaces the ones that do not answer.
func (p *Pool) healthLoop() {
	defer p.wg.Done()
	t := time.NewTicker(p.cfg.HealthInterval)
	defer t.Stop()
	for {
		select {
		case <-p.ctx.Done():
			return
		case <-t.C:
			_ = p.Check(p.ctx)
		}
	}
}

// Check health-checks every worker that is idle now (busy ones are
// evidently alive), replacing any that fails, and reports the failures.
func (p *Pool) Check(ctx context.Context) error {
	var errs []error
	for range p.cfg.Slots {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return ErrClosed
		}
		p.inflight.Add(1)
		p.mu.Unlock()
		var w *proc
		select {
		case w = <-p.idle:
		default:
			p.inflight.Done()
			return errors.Join(errs...)
		}
		limit := time.Now().Add(p.cfg.Grace + 5*time.Second)
		var err error
		if !w.alive() {
			w.broken = true
			err = w.exitError("while idle")
		} else {
			_, err = w.do(ctx, &workerpb.Request{RequestId: "health", Kind: workerpb.Request_KIND_HEALTH}, limit, nil)
			if err != nil {
				w.broken = true
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("health %s: %w", w.id, err))
			p.crashes.Add(1)
			p.log.Warn("worker failed its health check; replacing it", "worker", w.id, "err", err)
			p.replace(w)
		} else {
			p.idle <- w
		}
		p.inflight.Done()
	}
	return errors.Join(errs...)
}

// Stats returns the pool's counters.
func (p *Pool) Stats() Stats {
	return Stats{Slots: p.cfg.Slots, Idle: len(p.idle), Starts: p.starts.Load(),
		Recycled: p.recycle.Load(), Crashed: p.crashes.Load(), Served: p.served.Load()}
}

// Close stops taking requests, waits for those in flight (each bounded by
// its deadline), shuts every worker down (SIGKILL after Grace) and waits
// until every process is reaped and every goroutine has returned.
func (p *Pool) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()
	p.cancel()
	p.inflight.Wait()
	p.wg.Wait() // restarts in progress see closed and stop
	p.mu.Lock()
	ws := make([]*proc, 0, len(p.live))
	for w := range p.live {
		ws = append(ws, w)
	}
	p.live = map[*proc]bool{}
	p.mu.Unlock()
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.close(p.cfg.Grace)
		}()
	}
	wg.Wait()
	if p.srcDir != "" {
		// The files are read-only; the directories are ours.
		if err := os.RemoveAll(p.srcDir); err != nil {
			return fmt.Errorf("close pool: %w", err)
		}
	}
	return nil
}
