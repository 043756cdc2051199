package meter

import (
	"fmt"
	"math"
	"slices"

	"github.com/tetratelabs/wabin/leb128"
	"github.com/tetratelabs/wabin/wasm"
)

// The imports Instrument adds. The host provides them as a module named
// ImportModule.
const (
	// ImportModule is the import namespace of the meter's host functions.
	ImportModule = "ncn_meter"
	// ExhaustedName is a () -> () import, called when the fuel runs out. It
	// should not return (panic with an error in a wazero host function); if
	// it does, the instrumented code executes unreachable and traps.
	ExhaustedName = "exhausted"
	// ReportName is an (i64) -> () import, called by a wrapped export just
	// before it returns with the number of instructions the call used.
	ReportName = "report"
)

// Default budgets, in instructions as counted by the meter.
const (
	DefaultBudget     = 50_000_000
	DefaultInitBudget = 1_000_000_000
)

// Version names the instrumentation scheme (the charging rule and the
// injected code). Bump it whenever either changes: metered modules cached
// under another version are not reused.
const Version = "2"

// Options says how to meter a module. The zero value works.
type Options struct {
	// Budget is the number of instructions one call of a wrapped export may
	// execute, including everything it calls inside the module. 0 means
	// DefaultBudget; at most math.MaxInt64.
	Budget uint64

	// InitBudget is the number of instructions instantiation may execute:
	// the start function and _start or _initialize, and any export that is
	// not wrapped, which run on what is left. 0 means DefaultInitBudget; at
	// most math.MaxInt64.
	InitBudget uint64

	// Exports lists the exported functions to wrap as metered entry points.
	// Empty means every exported function except "_start" and "_initialize",
	// which always run on InitBudget and so cannot be listed.
	Exports []string
}

// Validate reports whether the options can be used, with an error wrapping
// ErrOptions if not. Whether the listed exports exist is checked by
// Instrument, against the module.
func (o Options) Validate() error {
	if o.Budget > math.MaxInt64 || o.InitBudget > math.MaxInt64 {
		return fmt.Errorf("%w: budget above %d", ErrOptions, int64(math.MaxInt64))
	}
	for _, name := range o.Exports {
		if isInit(name) {
			return fmt.Errorf("%w: %q runs on InitBudget and cannot be wrapped", ErrOptions, name)
		}
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.Budget == 0 {
		o.Budget = DefaultBudget
	}
	if o.InitBudget == 0 {
		o.InitBudget = DefaultInitBudget
	}
	return o
}

func isInit(name string) bool { return name == "_start" || name == "_initialize" }

// Instrument returns a copy of the WebAssembly module wasmBin that counts the
// instructions it executes and stops when the budget runs out (see the
// package documentation). Errors wrap ErrMalformed, ErrUnsupported,
// ErrReserved or ErrOptions. The "name" custom section is kept and
// renumbered; other custom sections are kept unchanged, moved to the end.
func Instrument(wasmBin []byte, opts Options) ([]byte, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	wasmBin, err := precheck(wasmBin)
	if err != nil {
		return nil, fmt.Errorf("check module: %w", err)
	}
	m, err := decode(wasmBin)
	if err != nil {
		return nil, err
	}
	if err := instrument(m, opts); err != nil {
		return nil, err
	}
	return encode(m)
}

// instrument rewrites m in place.
func instrument(m *wasm.Module, opts Options) error {
	if err := checkModule(m); err != nil {
		return err
	}
	importedFuncs := m.ImportFuncCount()
	globals := m.ImportGlobalCount() + uint32(len(m.GlobalSection))
	rw := &rewriter{
		importedFuncs: importedFuncs,
		funcs:         importedFuncs + uint32(len(m.FunctionSection)),
		globals:       globals,
		fuel:          globals,
		exhausted:     importedFuncs,
	}
	report := importedFuncs + 1

	m.ImportSection = append(m.ImportSection,
		&wasm.Import{Type: wasm.ExternTypeFunc, Module: ImportModule, Name: ExhaustedName,
			DescFunc: typeIndex(m, nil, nil)},
		&wasm.Import{Type: wasm.ExternTypeFunc, Module: ImportModule, Name: ReportName,
			DescFunc: typeIndex(m, []wasm.ValueType{wasm.ValueTypeI64}, nil)},
	)
	m.GlobalSection = append(m.GlobalSection, &wasm.Global{
		Type: &wasm.GlobalType{ValType: wasm.ValueTypeI64, Mutable: true},
		Init: &wasm.ConstantExpression{Opcode: opI64Const, Data: leb128.EncodeInt64(int64(opts.InitBudget))},
	})

	for i, c := range m.CodeSection {
		params := len(m.TypeSection[m.FunctionSection[i]].Params)
		scratch := uint32(params + len(c.LocalTypes))
		body, usedScratch, err := rw.rewrite(importedFuncs+uint32(i), c.Body, scratch)
		if err != nil {
			return fmt.Errorf("instrument: %w", err)
		}
		c.Body = body
		if usedScratch {
			c.LocalTypes = append(c.LocalTypes, wasm.ValueTypeI32)
		}
	}
	for _, g := range m.GlobalSection {
		renumberConst(g.Init, rw)
	}
	for _, e := range m.ElementSection {
		for _, idx := range e.Init {
			if idx != nil {
				*idx = rw.funcIndex(*idx)
			}
		}
	}
	if m.StartSection != nil {
		*m.StartSection = rw.funcIndex(*m.StartSection)
	}
	renumberNames(m, rw)

	wrap, err := exportsToWrap(m, opts.Exports)
	if err != nil {
		return err
	}
	wrappers := map[uint32]uint32{} // original index -> wrapper index
	for _, e := range m.ExportSection {
		if e.Type != wasm.ExternTypeFunc {
			continue
		}
		if !wrap[e.Name] {
			e.Index = rw.funcIndex(e.Index)
			continue
		}
		w, ok := wrappers[e.Index]
		if !ok {
			w = importedFuncs + 2 + uint32(len(m.FunctionSection))
			addWrapper(m, e.Index, rw, report, opts.Budget)
			wrappers[e.Index] = w
			nameWrapper(m, rw.funcIndex(e.Index), w, e.Name)
		}
		e.Index = w
	}
	sortNames(m)
	return nil
}

// checkModule rejects what instrument cannot handle, before it changes m.
func checkModule(m *wasm.Module) error {
	for _, im := range m.ImportSection {
		if im.Module == ImportModule {
			return fmt.Errorf("%w: imports %s.%s", ErrReserved, im.Module, im.Name)
		}
		if im.Type == wasm.ExternTypeFunc && int(im.DescFunc) >= len(m.TypeSection) {
			return fmt.Errorf("%w: import %s.%s has type %d of %d", ErrMalformed, im.Module, im.Name, im.DescFunc, len(m.TypeSection))
		}
		// wabin re-encodes every imported table as funcref.
		if im.Type == wasm.ExternTypeTable && im.DescTable.Type != wasm.RefTypeFuncref {
			return fmt.Errorf("%w: imported table %s.%s of type 0x%02X", ErrUnsupported, im.Module, im.Name, im.DescTable.Type)
		}
	}
	for i, t := range m.FunctionSection {
		if int(t) >= len(m.TypeSection) {
			return fmt.Errorf("%w: function %d has type %d of %d", ErrMalformed, i, t, len(m.TypeSection))
		}
	}
	// Indices past the original's would be invalid in it, but after the
	// rewrite they could name a wrapper or the fuel global: reject them.
	funcs := m.ImportFuncCount() + uint32(len(m.FunctionSection))
	globals := m.ImportGlobalCount() + uint32(len(m.GlobalSection))
	for _, e := range m.ExportSection {
		if e.Type == wasm.ExternTypeFunc && e.Index >= funcs {
			return fmt.Errorf("%w: export %q of function %d of %d", ErrMalformed, e.Name, e.Index, funcs)
		}
	}
	if m.StartSection != nil && *m.StartSection >= funcs {
		return fmt.Errorf("%w: start function %d of %d", ErrMalformed, *m.StartSection, funcs)
	}
	consts := make([]*wasm.ConstantExpression, 0, len(m.GlobalSection)+len(m.ElementSection)+len(m.DataSection))
	for _, g := range m.GlobalSection {
		consts = append(consts, g.Init)
	}
	for _, e := range m.ElementSection {
		for _, idx := range e.Init {
			if idx != nil && *idx >= funcs {
				return fmt.Errorf("%w: element of function %d of %d", ErrMalformed, *idx, funcs)
			}
		}
		consts = append(consts, e.OffsetExpr)
	}
	for _, d := range m.DataSection {
		consts = append(consts, d.OffsetExpression)
	}
	for _, c := range consts {
		if c == nil {
			continue
		}
		idx, err := (&reader{b: c.Data}).u32()
		switch {
		case c.Opcode == opRefFunc && (err != nil || idx >= funcs):
			return fmt.Errorf("%w: constant ref.func %d of %d", ErrMalformed, idx, funcs)
		case c.Opcode == opGlobalGet && (err != nil || idx >= globals):
			return fmt.Errorf("%w: constant global.get %d of %d", ErrMalformed, idx, globals)
		}
	}
	return nil
}

// typeIndex returns the index of the function type params -> results,
// appending it if the module has no identical type.
func typeIndex(m *wasm.Module, params, results []wasm.ValueType) uint32 {
	for i, t := range m.TypeSection {
		if t.EqualsSignature(params, results) {
			return uint32(i)
		}
	}
	m.TypeSection = append(m.TypeSection, &wasm.FunctionType{Params: params, Results: results})
	return uint32(len(m.TypeSection) - 1)
}

// funcType returns the type index of function fn, an index in m as it is.
func funcType(m *wasm.Module, fn uint32) uint32 {
	n := uint32(0)
	for _, im := range m.ImportSection {
		if im.Type == wasm.ExternTypeFunc {
			if n == fn {
				return im.DescFunc
			}
			n++
		}
	}
	return m.FunctionSection[fn-n]
}

// renumberConst renumbers the function index of a ref.func initializer and
// restores the prefix of a v128.const, which wabin drops.
func renumberConst(c *wasm.ConstantExpression, rw *rewriter) {
	switch c.Opcode {
	case opRefFunc:
		r := &reader{b: c.Data}
		if idx, err := r.u32(); err == nil {
			c.Data = leb128.EncodeUint32(rw.funcIndex(idx))
		}
	case 0x0C: // v128.const, decoded without its 0xFD prefix
		c.Opcode = opPrefixSIMD
		c.Data = append([]byte{0x0C}, c.Data...)
	}
}

// exportsToWrap returns the names of the exports to wrap.
func exportsToWrap(m *wasm.Module, names []string) (map[string]bool, error) {
	wrap := map[string]bool{}
	if len(names) == 0 {
		for _, e := range m.ExportSection {
			if e.Type == wasm.ExternTypeFunc && !isInit(e.Name) {
				wrap[e.Name] = true
			}
		}
		return wrap, nil
	}
	for _, name := range names {
		i := slices.IndexFunc(m.ExportSection, func(e *wasm.Export) bool { return e.Name == name })
		if i < 0 || m.ExportSection[i].Type != wasm.ExternTypeFunc {
			return nil, fmt.Errorf("%w: no exported function %q", ErrOptions, name)
		}
		wrap[name] = true
	}
	return wrap, nil
}

// addWrapper appends the entry point of function fn (original index):
//
//	i64.const budget; global.set $fuel
//	local.get 0 ... local.get n-1; call fn
//	local.set r_k-1 ... local.set r_0
//	i64.const budget; global.get $fuel; i64.sub; call $report
//	local.get r_0 ... local.get r_k-1
func addWrapper(m *wasm.Module, fn uint32, rw *rewriter, report uint32, budget uint64) {
	typ := funcType(m, rw.funcIndex(fn)) // m already has the meter imports
	t := m.TypeSection[typ]
	params := uint32(len(t.Params))
	fuel := leb128.EncodeUint32(rw.fuel)
	budgetImm := leb128.EncodeInt64(int64(budget))

	var b []byte
	b = append(b, opI64Const)
	b = append(b, budgetImm...)
	b = append(b, opGlobalSet)
	b = append(b, fuel...)
	for i := range params {
		b = append(b, opLocalGet)
		b = append(b, leb128.EncodeUint32(i)...)
	}
	b = append(b, opCall)
	b = append(b, leb128.EncodeUint32(rw.funcIndex(fn))...)
	for i := len(t.Results) - 1; i >= 0; i-- {
		b = append(b, opLocalSet)
		b = append(b, leb128.EncodeUint32(params+uint32(i))...)
	}
	b = append(b, opI64Const)
	b = append(b, budgetImm...)
	b = append(b, opGlobalGet)
	b = append(b, fuel...)
	b = append(b, opI64Sub, opCall)
	b = append(b, leb128.EncodeUint32(report)...)
	for i := range t.Results {
		b = append(b, opLocalGet)
		b = append(b, leb128.EncodeUint32(params+uint32(i))...)
	}
	b = append(b, opEnd)

	m.FunctionSection = append(m.FunctionSection, typ)
	m.CodeSection = append(m.CodeSection, &wasm.Code{
		LocalTypes: slices.Clone(t.Results),
		Body:       b,
	})
}
