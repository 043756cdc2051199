package plugins

import (
	"context"
	"fmt"

	extism "github.com/extism/go-sdk"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"

	"github.com/ncn-network/ncn/abi"
)

// The abi.IOModule host functions move a call's whole input into the
// plugin's memory, and its output out of it, in one host call each. The
// Extism kernel's input_load_u64/store_u64 cross one host call per 8
// bytes, which cost a 4 KB select more than its ranking.
//
// Extism does not tell its host functions which module called them, nor
// expose an instance's module, so they cannot reach the plugin's memory
// on their own. ioLink finds it at instantiation with two wazero hooks: an
// import resolver that only watches (it resolves nothing) and sees the
// plugin import abi.IOModule, and a memory allocator that backs every
// memory of the instance and remembers the first one allocated after that
// import was resolved: the plugin's own (wazero resolves a module's
// imports before it builds its memory, and the Extism kernel, instantiated
// first, imports nothing). A call's input, output and memory then travel
// in the call's context (callState).

// ioLink is what instantiating one plugin instance found out.
type ioLink struct {
	imports bool          // the module imports abi.IOModule
	mem     *linearMemory // its memory, when it does
}

// linking returns ctx for instantiating a plugin instance into link.
func (link *ioLink) linking(ctx context.Context) context.Context {
	ctx = experimental.WithImportResolver(ctx, func(name string) api.Module {
		if name == abi.IOModule {
			link.imports = true
		}
		return nil // resolve as usual
	})
	return experimental.WithMemoryAllocator(ctx, experimental.MemoryAllocatorFunc(func(capacity, max uint64) experimental.LinearMemory {
		m := &linearMemory{buf: make([]byte, 0, capacity), max: max}
		if link.imports && link.mem == nil {
			link.mem = m
		}
		return m
	}))
}

// linearMemory backs a wasm memory with a Go slice, as wazero's own
// allocator does: growing past the capacity copies into one twice the size.
type linearMemory struct {
	buf []byte
	max uint64
}

func (m *linearMemory) Reallocate(size uint64) []byte {
	if size > m.max {
		return nil
	}
	if size > uint64(cap(m.buf)) {
		grown := make([]byte, size, min(max(size, 2*uint64(cap(m.buf))), m.max))
		copy(grown, m.buf)
		m.buf = grown
	} else {
		m.buf = m.buf[:size]
	}
	return m.buf
}

func (m *linearMemory) Free() { m.buf = nil }

// ioFunctions are the abi.IOModule host functions.
func ioFunctions() []extism.HostFunction {
	i32 := extism.ValueTypeI32
	fns := []extism.HostFunction{
		extism.NewHostFunctionWithStack("input_length", inputLength, nil, []extism.ValueType{i32}),
		extism.NewHostFunctionWithStack("input_read", inputRead, []extism.ValueType{i32, i32}, []extism.ValueType{i32}),
		extism.NewHostFunctionWithStack("output_write", outputWrite, []extism.ValueType{i32, i32}, nil),
	}
	for i := range fns {
		fns[i].SetNamespace(abi.IOModule)
	}
	return fns
}

// ioState is the call a host function serves on the Extism path; a trap
// when there is none.
func ioState(ctx context.Context) *callState {
	st := callStateOf(ctx)
	if st.mem == nil {
		panic(abi.IOModule + " called outside a plugin call")
	}
	return st
}

// callStateOf is the call a host function serves; a trap when there is none.
func callStateOf(ctx context.Context) *callState {
	st, ok := ctx.Value(callStateKey{}).(*callState)
	if !ok {
		panic(abi.IOModule + " called outside a plugin call")
	}
	return st
}

// inputLength: () -> i32, the length of the call's input.
func inputLength(ctx context.Context, _ *extism.CurrentPlugin, stack []uint64) {
	stack[0] = api.EncodeU32(uint32(len(ioState(ctx).input)))
}

// inputRead: (dst, len i32) -> i32 copies the first min(len, input
// length) bytes of the input to dst and returns how many it copied.
func inputRead(ctx context.Context, _ *extism.CurrentPlugin, stack []uint64) {
	st := ioState(ctx)
	stack[0] = api.EncodeU32(st.inputRead(st.mem.buf, stack[0], stack[1]))
}

// outputWrite: (src, len i32) -> () sets the call's output to len bytes at
// src (a second write replaces the first). Past the output limit nothing is
// copied and the call fails with abi.CodeOutputTooLarge.
func outputWrite(ctx context.Context, _ *extism.CurrentPlugin, stack []uint64) {
	st := ioState(ctx)
	st.outputWrite(st.mem.buf, stack[0], stack[1])
}

// inputRead copies the input into mem, the plugin's memory (input_read).
func (st *callState) inputRead(mem []byte, dstArg, lenArg uint64) uint32 {
	dst, n := uint64(api.DecodeU32(dstArg)), uint64(api.DecodeU32(lenArg))
	n = min(n, uint64(len(st.input)))
	if dst+n > uint64(len(mem)) {
		panic(fmt.Sprintf("%s.input_read: %d bytes at %d are outside memory", abi.IOModule, n, dst))
	}
	copy(mem[dst:], st.input[:n])
	return uint32(n)
}

// outputWrite takes the output from mem, the plugin's memory (output_write).
func (st *callState) outputWrite(mem []byte, srcArg, lenArg uint64) {
	src, n := uint64(api.DecodeU32(srcArg)), uint64(api.DecodeU32(lenArg))
	st.outputSet = true
	if n > uint64(st.maxOutput) {
		st.output, st.outputTooLarge = nil, uint32(n)
		return
	}
	if src+n > uint64(len(mem)) {
		panic(fmt.Sprintf("%s.output_write: %d bytes at %d are outside memory", abi.IOModule, n, src))
	}
	st.output, st.outputTooLarge = append([]byte(nil), mem[src:src+n]...), 0
}
