package plugins

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	extism "github.com/extism/go-sdk"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/sys"

	"github.com/ncn-network/ncn/abi"
	"github.com/ncn-network/ncn/plugins/internal/meter"
)

// Plugin is a loaded plugin: a compiled module and a pool of instances.
// It is safe for concurrent use; each call takes an instance of its own.
type Plugin struct {
	m               Manifest
	limits          Limits
	cfg             Config
	compiled        *extism.CompiledPlugin // the Extism path, or nil
	direct          *directModule          // the direct path (direct.go), or nil
	compiledExports map[string]bool

	pool     chan *instance
	mu       sync.Mutex
	closed   bool
	inflight sync.WaitGroup // calls and abandoned instances still running
}

// instance is one instantiation of the module, used by one call at a time.
type instance struct {
	p      *extism.Plugin // the Extism path, or nil
	d      *directCall    // the direct path, or nil
	stderr *bytes.Buffer  // the plugin's WASI stderr: how a Go plugin says "out of memory"
	// io: whether the module imports abi.IOModule, so its input and output
	// travel through those host functions, not the Extism kernel.
	io ioLink

	// The instance's own goroutine (serve) runs its calls, so a caller can
	// stop waiting at the backstop while the call runs on, and so the deep
	// stack a wasm call needs is grown once per instance, not once per call
	// (a fresh goroutine per call spent a third of a small call copying
	// its stack).
	reqs   chan callReq
	done   chan outcome
	served chan struct{} // closed when serve returns
	timer  *time.Timer   // the backstop, stopped between calls
}

// callReq is one call for an instance's goroutine.
type callReq struct {
	ctx    context.Context
	export string
	st     *callState
}

// serve runs the instance's calls until reqs is closed.
func (inst *instance) serve() {
	defer close(inst.served)
	for r := range inst.reqs {
		rc, out, err := inst.call(r.ctx, r.export, r.st)
		inst.done <- outcome{rc, out, err}
	}
}

// callState is one call as the host functions see it: what the meter
// reports, and the input and output the abi.IOModule functions move.
type callState struct {
	exhausted bool
	used      uint64
	reported  bool

	mem            *linearMemory // the plugin's, when it imports abi.IOModule
	input          []byte
	maxOutput      int
	output         []byte
	outputSet      bool
	outputTooLarge uint32 // the length of an output_write past maxOutput
}

type callStateKey struct{}

// Result is a successful call's output and what it cost.
type Result struct {
	Output []byte
	// Instructions is the metered instruction count of the call (the
	// unit of the budget); deterministic for a given plugin and input.
	Instructions uint64
	Elapsed      time.Duration
}

func newPlugin(ctx context.Context, r *Runtime, m Manifest, wasm []byte, limits Limits) (*Plugin, error) {
	p := &Plugin{
		m: m, limits: limits, cfg: r.cfg,
		compiledExports: map[string]bool{},
		pool:            make(chan *instance, r.cfg.PoolSize),
	}
	var err error
	if isDirect(wasm) {
		p.direct, err = compileDirect(ctx, r.cache, limits, wasm)
	} else {
		rc := wazero.NewRuntimeConfig().WithCompilationCache(r.cache)
		manifest := extism.Manifest{
			Wasm:   []extism.Wasm{extism.WasmData{Data: wasm, Name: "main"}},
			Memory: &extism.ManifestMemory{MaxPages: limits.MemoryPages, MaxVarBytes: 1},
		}
		p.compiled, err = extism.NewCompiledPlugin(ctx, manifest, extism.PluginConfig{RuntimeConfig: rc, EnableWasi: true}, append(meterFunctions(), ioFunctions()...))
	}
	if err != nil {
		return nil, &CallError{Plugin: m.ID(), Err: abi.Errorf(abi.CodeTrap, "compile: %v", err)}
	}
	// Instantiate once now, to fail at load on what only instantiation
	// finds (an import nobody provides) and to read the exports. Not warmed:
	// the self-tests that follow a load do that.
	inst, err := p.instantiate(ctx, false)
	if err != nil {
		p.closeModule(ctx)
		return nil, &CallError{Plugin: m.ID(), Err: abi.Errorf(abi.CodeTrap, "instantiate: %v", err)}
	}
	for _, k := range abi.AllKinds() {
		if inst.exports(k.Export()) {
			p.compiledExports[k.Export()] = true
		}
	}
	p.put(inst)
	return p, nil
}

// closeModule releases the compiled module.
func (p *Plugin) closeModule(ctx context.Context) error {
	if p.direct != nil {
		return p.direct.close(ctx)
	}
	return p.compiled.Close(ctx)
}

// meterFunctions are the imports internal/meter adds to every module.
func meterFunctions() []extism.HostFunction {
	exhausted := extism.NewHostFunctionWithStack(meter.ExhaustedName, func(ctx context.Context, _ *extism.CurrentPlugin, stack []uint64) {
		meterExhausted(ctx, stack)
	}, nil, nil)
	exhausted.SetNamespace(meter.ImportModule)
	report := extism.NewHostFunctionWithStack(meter.ReportName, func(ctx context.Context, _ *extism.CurrentPlugin, stack []uint64) {
		meterReport(ctx, stack)
	}, []extism.ValueType{extism.ValueTypeI64}, nil)
	report.SetNamespace(meter.ImportModule)
	return []extism.HostFunction{exhausted, report}
}

func (p *Plugin) newInstance(ctx context.Context) (*instance, error) {
	return p.instantiate(ctx, true)
}

func (p *Plugin) instantiate(ctx context.Context, warm bool) (*instance, error) {
	stderr := new(bytes.Buffer)
	// A Go plugin collects garbage only as its heap nears its pages
	// (GOGC=off with GOMEMLIMIT): calls are short and most never need a
	// collection. The same values on every node, so nothing about
	// determinism changes.
	memLimit := strconv.FormatUint(uint64(p.limits.MemoryPages)*65536*3/4, 10)
	mc := wazero.NewModuleConfig().WithStderr(stderr).WithEnv("GOMEMLIMIT", memLimit).WithEnv("GOGC", "off")
	inst := &instance{stderr: stderr}
	var err error
	if p.direct != nil {
		inst.d, err = p.direct.instantiate(ctx, mc)
	} else {
		inst.p, err = p.compiled.Instance(inst.io.linking(ctx), extism.PluginInstanceConfig{ModuleConfig: mc})
	}
	if err != nil {
		return nil, err
	}
	// Warm up on the first self-test: a Go module initialises its runtime
	// and package caches on its first call, which would otherwise make the
	// first real call on each instance cost several times what later ones
	// do, and a budget verdict depend on which instance served it.
	if warm && len(p.m.SelfTests) > 0 {
		st := p.m.SelfTests[0]
		cs := &callState{mem: inst.io.mem, input: st.Input, maxOutput: p.limits.MaxOutputBytes}
		if _, _, err := inst.call(context.WithoutCancel(ctx), st.Kind.Export(), cs); err != nil && !isPluginError(err) {
			inst.close()
			return nil, fmt.Errorf("warm up on self-test %q: %v", st.Name, firstLine(err))
		}
	}
	inst.reqs, inst.done, inst.served = make(chan callReq), make(chan outcome, 1), make(chan struct{})
	inst.timer = time.NewTimer(time.Hour)
	inst.timer.Stop()
	go inst.serve()
	return inst, nil
}

// call runs export with st, the call's input and where its output goes.
func (inst *instance) call(ctx context.Context, export string, st *callState) (uint32, []byte, error) {
	ctx = context.WithValue(ctx, callStateKey{}, st)
	if inst.d != nil {
		return inst.d.call(ctx, export, st)
	}
	rc, out, err := inst.p.CallWithContext(ctx, export, kernelInput(inst.io, st.input))
	if st.outputSet {
		out = st.output
	}
	return rc, out, err
}

// exports reports whether the instance's module exports name.
func (inst *instance) exports(name string) bool {
	if inst.d != nil {
		return inst.d.fns[name] != nil
	}
	return inst.p.FunctionExists(name)
}

// close discards the instance, which runs no call.
func (inst *instance) close() {
	if inst.reqs != nil {
		close(inst.reqs)
		<-inst.served
	}
	if inst.d != nil {
		inst.d.mod.Close(context.Background())
		return
	}
	inst.p.Close(context.Background())
}

// kernelInput is what the Extism kernel is given as a call's input: nothing
// when the module reads it through abi.IOModule instead.
func kernelInput(link ioLink, input []byte) []byte {
	if link.imports {
		return nil
	}
	return input
}

func (p *Plugin) get(ctx context.Context) (*instance, error) {
	select {
	case inst := <-p.pool:
		return inst, nil
	default:
		return p.newInstance(ctx)
	}
}

// put returns a healthy instance to the pool, or closes it.
func (p *Plugin) put(inst *instance) {
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if !closed {
		select {
		case p.pool <- inst:
			return
		default:
		}
	}
	inst.close()
}

// Manifest is the plugin's manifest.
func (p *Plugin) Manifest() Manifest { return p.m }

// Limits are the limits the plugin runs under.
func (p *Plugin) Limits() Limits { return p.limits }

// Call runs kind's export on input. A failure is a *CallError whose abi
// code says why; the host is never affected by what a plugin does.
func (p *Plugin) Call(ctx context.Context, kind abi.Kind, input []byte) (*Result, error) {
	fail := func(code abi.Code, details string, format string, args ...any) error {
		return &CallError{Plugin: p.m.ID(), Kind: kind, Err: abi.Errorf(code, format, args...), Details: details}
	}
	if !p.m.HasKind(kind) || !p.compiledExports[kind.Export()] {
		return nil, fail(abi.CodeMissingExport, "", "the plugin does not implement %q", kind)
	}
	if len(input) > p.cfg.MaxInputBytes {
		return nil, fail(abi.CodeInputTooLarge, "", "input is %d bytes, the limit is %d", len(input), p.cfg.MaxInputBytes)
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, fmt.Errorf("call %s: %w", p.m.ID(), ErrClosed)
	}
	p.inflight.Add(1)
	p.mu.Unlock()

	inst, err := p.get(ctx)
	if err != nil {
		p.inflight.Done()
		return nil, fail(abi.CodeTrap, err.Error(), "instantiate")
	}
	st := &callState{mem: inst.io.mem, input: input, maxOutput: p.limits.MaxOutputBytes}
	// The call ignores cancellation (the budget bounds it); the backstop
	// below only stops waiting.
	cctx := context.WithoutCancel(ctx)
	start := time.Now()
	inst.reqs <- callReq{cctx, kind.Export(), st}
	inst.timer.Reset(p.cfg.Timeout)
	var o outcome
	select {
	case o = <-inst.done:
		inst.timer.Stop()
	case <-inst.timer.C:
		go p.abandon(inst)
		return nil, fail(abi.CodeTimeout, "", "no answer within %s (the instance is discarded)", p.cfg.Timeout)
	case <-ctx.Done():
		inst.timer.Stop()
		go p.abandon(inst)
		return nil, fail(abi.CodeTimeout, ctx.Err().Error(), "the caller stopped waiting")
	}
	defer p.inflight.Done()
	elapsed := time.Since(start)

	if o.err != nil && o.rc == 0 {
		o.rc = 1
	}
	if st.exhausted || (o.err != nil && !isPluginError(o.err)) {
		// The module trapped, exited or ran out of budget: discard the
		// instance, whatever state it was left in.
		inst.close()
		switch {
		case st.exhausted:
			return nil, fail(abi.CodeBudgetExhausted, "", "ran past its budget of %d instructions", p.limits.Budget)
		case strings.Contains(inst.stderr.String(), "out of memory") || strings.Contains(o.err.Error(), "memory"):
			return nil, fail(abi.CodeMemoryLimit, firstLine(o.err), "needed more than %d pages of memory", p.limits.MemoryPages)
		default:
			return nil, fail(abi.CodeTrap, trapDetails(o.err, inst.stderr), "trapped")
		}
	}
	p.put(inst)
	if o.rc != 0 {
		e := abi.UnmarshalError(o.out)
		if o.err != nil && len(o.out) == 0 {
			// An Extism PDK's own error call rather than an abi error document.
			e = abi.Errorf(abi.CodeInternal, "%s", firstLine(o.err))
		}
		return nil, &CallError{Plugin: p.m.ID(), Kind: kind, Err: e}
	}
	if st.outputTooLarge > 0 || len(o.out) > p.limits.MaxOutputBytes {
		return nil, fail(abi.CodeOutputTooLarge, "", "output is %d bytes, the limit is %d", max(int(st.outputTooLarge), len(o.out)), p.limits.MaxOutputBytes)
	}
	return &Result{Output: o.out, Instructions: st.used, Elapsed: elapsed}, nil
}

// outcome is what an instance's call returned.
type outcome struct {
	rc  uint32
	out []byte
	err error
}

// abandon waits out a call nobody waits for any more (its budget ends it)
// and discards its instance.
func (p *Plugin) abandon(inst *instance) {
	defer p.inflight.Done()
	<-inst.done
	inst.close()
}

// isPluginError: the call returned normally with an error set through an
// Extism PDK, rather than trapping or exiting (wazero's errors carry a wasm
// stack trace; an exit is a sys.ExitError).
func isPluginError(err error) bool {
	var exit *sys.ExitError
	if errors.As(err, &exit) {
		return false
	}
	msg := err.Error()
	return !strings.Contains(msg, "wasm stack trace") && !strings.Contains(msg, "wasm error") && !strings.Contains(msg, "exit_code")
}

func trapDetails(err error, stderr *bytes.Buffer) string {
	d := firstLine(err)
	if s := strings.TrimSpace(stderr.String()); s != "" {
		if len(s) > 300 {
			s = s[:300]
		}
		d += "; stderr: " + s
	}
	return d
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// SelfTest runs the manifest's self-test vectors.
func (p *Plugin) SelfTest(ctx context.Context) error {
	for _, st := range p.m.SelfTests {
		res, err := p.Call(ctx, st.Kind, st.Input)
		if err != nil {
			return fmt.Errorf("%w: %s: %q: %v", ErrSelfTest, p.m.ID(), st.Name, err)
		}
		if !sameJSON(res.Output, st.Output) {
			return fmt.Errorf("%w: %s: %q: got %s, want %s", ErrSelfTest, p.m.ID(), st.Name, res.Output, st.Output)
		}
	}
	return nil
}

func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// Close closes the plugin once calls in flight have finished.
func (p *Plugin) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()
	p.inflight.Wait()
	for {
		select {
		case inst := <-p.pool:
			inst.close()
		default:
			return p.closeModule(context.Background())
		}
	}
}
