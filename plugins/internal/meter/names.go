package meter

import (
	"cmp"
	"slices"

	"github.com/tetratelabs/wabin/wasm"
)

// renumberNames shifts the function indices of the "name" section and names
// the two meter imports, so that stack traces keep naming the functions.
func renumberNames(m *wasm.Module, rw *rewriter) {
	ns := m.NameSection
	if ns == nil {
		return
	}
	for _, na := range ns.FunctionNames {
		na.Index = rw.funcIndex(na.Index)
	}
	for _, nm := range ns.LocalNames {
		nm.Index = rw.funcIndex(nm.Index)
	}
	ns.FunctionNames = append(ns.FunctionNames,
		&wasm.NameAssoc{Index: rw.exhausted, Name: ImportModule + "." + ExhaustedName},
		&wasm.NameAssoc{Index: rw.exhausted + 1, Name: ImportModule + "." + ReportName},
	)
}

// nameWrapper names wrapper w of the function at (new) index fn after it.
func nameWrapper(m *wasm.Module, fn, w uint32, export string) {
	ns := m.NameSection
	if ns == nil {
		return
	}
	name := export
	if i := slices.IndexFunc(ns.FunctionNames, func(na *wasm.NameAssoc) bool { return na.Index == fn }); i >= 0 {
		name = ns.FunctionNames[i].Name
	}
	ns.FunctionNames = append(ns.FunctionNames, &wasm.NameAssoc{Index: w, Name: name + "$metered"})
}

// sortNames restores the ascending index order the name section requires.
func sortNames(m *wasm.Module) {
	if ns := m.NameSection; ns != nil {
		slices.SortStableFunc(ns.FunctionNames, func(a, b *wasm.NameAssoc) int { return cmp.Compare(a.Index, b.Index) })
		slices.SortStableFunc(ns.LocalNames, func(a, b *wasm.NameMapAssoc) int { return cmp.Compare(a.Index, b.Index) })
	}
}
