package meter

import (
	"errors"
	"fmt"
)

// Opcodes the rewriter looks at or emits. The decoder knows every other
// opcode only by the shape of its immediates.
const (
	opUnreachable             = 0x00
	opBlock                   = 0x02
	opLoop                    = 0x03
	opIf                      = 0x04
	opElse                    = 0x05
	opEnd                     = 0x0B
	opBr                      = 0x0C
	opBrIf                    = 0x0D
	opBrTable                 = 0x0E
	opReturn                  = 0x0F
	opCall                    = 0x10
	opReturnCall              = 0x12
	opReturnCallIndirect      = 0x13
	opLocalGet                = 0x20
	opLocalSet                = 0x21
	opLocalTee                = 0x22
	opGlobalGet               = 0x23
	opGlobalSet               = 0x24
	opI64Const                = 0x42
	opI64LtS                  = 0x53
	opI64Sub                  = 0x7D
	opI64ShrU                 = 0x88
	opI64ExtendI32U           = 0xAD
	opRefFunc                 = 0xD2
	opPrefixMisc              = 0xFC
	opPrefixSIMD              = 0xFD
	blockTypeEmpty       byte = 0x40
)

// instr is one decoded instruction of a function body.
type instr struct {
	op    byte // first opcode byte
	start int  // offset of the opcode in the body
	end   int  // offset just past the immediates
	// index is the function index of call, return_call and ref.func, which
	// the rewriter renumbers, or the global index of global.get and
	// global.set, which it checks.
	index uint32
	// sub is the sub-opcode of a 0xFC instruction.
	sub uint32
}

// unsupportedOp names the proposal of an opcode the decoder does not
// rewrite, so that the error says which feature the module needs, or "" for
// an opcode no proposal defines.
func unsupportedOp(op byte) string {
	switch op {
	case 0x06, 0x07, 0x08, 0x09, 0x0A, 0x18, 0x19, 0x1F:
		return "exception handling"
	case 0x14, 0x15, 0xD3, 0xD4, 0xD6:
		return "typed function references"
	case 0xD5, 0xFB:
		return "garbage collection"
	case 0xFE:
		return "threads"
	}
	return ""
}

// decodeInstr decodes the instruction at r.off. Errors wrap ErrMalformed or
// ErrUnsupported and give the offset in the body.
func decodeInstr(r *reader) (instr, error) {
	in := instr{start: r.off}
	op, err := r.byte()
	if err != nil {
		return in, err
	}
	in.op = op
	switch {
	case op == 0x00 || op == 0x01 || op == opElse || op == opEnd || op == 0x0F ||
		op == 0x1A || op == 0x1B || (op >= 0x45 && op <= 0xC4) || op == 0xD1:
		// No immediates: unreachable, nop, else, end, return, drop, select,
		// the numeric instructions and sign extension, ref.is_null.
	case op == opBlock || op == opLoop || op == opIf:
		err = blockType(r)
	case op == opGlobalGet || op == opGlobalSet:
		in.index, err = r.u32()
	case op == 0x0C || op == 0x0D || // br, br_if
		(op >= 0x20 && op <= 0x26) || // local.*, table.get/set
		op == 0x3F || op == 0x40: // memory.size/grow (memory index)
		_, err = r.u32()
	case op == 0x0E: // br_table
		var n uint32
		if n, err = r.count(1); err == nil {
			for i := uint32(0); i <= n && err == nil; i++ {
				_, err = r.u32()
			}
		}
	case op == opCall || op == opReturnCall || op == opRefFunc:
		in.index, err = r.u32()
	case op == 0x11 || op == 0x13: // call_indirect, return_call_indirect
		if _, err = r.u32(); err == nil {
			_, err = r.u32()
		}
	case op == 0x1C: // select t*
		var n uint32
		if n, err = r.count(1); err == nil {
			var vt []byte
			if vt, err = r.take(uint64(n)); err == nil {
				for _, t := range vt {
					if err := checkValType(t); err != nil {
						return in, fmt.Errorf("select: %w", err)
					}
				}
			}
		}
	case op >= 0x28 && op <= 0x3E: // loads and stores
		err = memArg(r)
	case op == 0x41:
		_, err = r.sleb(32)
	case op == opI64Const:
		_, err = r.sleb(64)
	case op == 0x43:
		_, err = r.take(4)
	case op == 0x44:
		_, err = r.take(8)
	case op == 0xD0: // ref.null heaptype
		var t byte
		if t, err = r.byte(); err == nil && t != 0x70 && t != 0x6F {
			return in, fmt.Errorf("%w: ref.null with heap type 0x%02X", ErrUnsupported, t)
		}
	case op == opPrefixMisc:
		in.sub, err = miscImmediates(r)
	case op == opPrefixSIMD:
		err = simdImmediates(r)
	default:
		if what := unsupportedOp(op); what != "" {
			return in, fmt.Errorf("%w: instruction 0x%02X (%s)", ErrUnsupported, op, what)
		}
		return in, fmt.Errorf("%w: unknown opcode 0x%02X", ErrMalformed, op)
	}
	in.end = r.off
	return in, err
}

func isValType(t byte) bool {
	switch t {
	case 0x7F, 0x7E, 0x7D, 0x7C, 0x7B, 0x70, 0x6F: // i32 i64 f32 f64 v128 funcref externref
		return true
	}
	return false
}

// checkValType accepts the value types of WebAssembly 2.0.
func checkValType(t byte) error {
	switch {
	case isValType(t):
		return nil
	case t == 0x63 || t == 0x64: // (ref null ht), (ref ht)
		return fmt.Errorf("%w: reference type 0x%02X (typed function references)", ErrUnsupported, t)
	}
	return fmt.Errorf("%w: invalid value type 0x%02X", ErrMalformed, t)
}

// blockType reads 0x40, a value type, or a non-negative s33 type index.
func blockType(r *reader) error {
	if r.off < len(r.b) && (r.b[r.off] == blockTypeEmpty || isValType(r.b[r.off])) {
		r.off++
		return nil
	}
	if r.off < len(r.b) && (r.b[r.off] == 0x63 || r.b[r.off] == 0x64) {
		return checkValType(r.b[r.off])
	}
	idx, err := r.sleb(33)
	if err != nil {
		return err
	}
	if idx < 0 {
		return fmt.Errorf("%w: invalid block type %d", ErrMalformed, idx)
	}
	return nil
}

// memArg reads align and offset; bit 6 of align announces a memory index
// (multi-memory).
func memArg(r *reader) error {
	align, err := r.u32()
	if err != nil {
		return err
	}
	if align&0x40 != 0 {
		if _, err := r.u32(); err != nil {
			return err
		}
	}
	_, err = r.uleb(64) // 64 bits so that memory64 offsets read whole
	return err
}

// miscImmediates reads the 0xFC-prefixed instructions: saturating
// truncation (0-7) and bulk memory and table instructions (8-17).
func miscImmediates(r *reader) (uint32, error) {
	sub, err := r.u32()
	if err != nil {
		return 0, err
	}
	var n int // number of u32 immediates
	switch {
	case sub <= 7: // i32/i64.trunc_sat_f32/f64_s/u
	case sub == 8, sub == 10, sub == 12, sub == 14:
		// memory.init data mem, memory.copy mem mem,
		// table.init elem table, table.copy table table
		n = 2
	case sub == 9, sub == 11, sub == 13, sub == 15, sub == 16, sub == 17:
		// data.drop, memory.fill, elem.drop, table.grow/size/fill
		n = 1
	default:
		return sub, fmt.Errorf("%w: instruction 0xFC %d", ErrUnsupported, sub)
	}
	for ; n > 0; n-- {
		if _, err := r.u32(); err != nil {
			return sub, err
		}
	}
	return sub, nil
}

// Sub-opcodes of the 0xFC bulk instructions whose work grows with their
// length operand, the i32 on top of the stack.
const (
	subMemoryInit = 8
	subMemoryCopy = 10
	subMemoryFill = 11
	subTableInit  = 12
	subTableCopy  = 14
	subTableFill  = 17
)

// bulkShift returns log2 of the length units per charged instruction of a
// bulk instruction, and whether op/sub is one: 64 bytes of memory or 8 table
// elements count as one instruction.
func bulkShift(op byte, sub uint32) (int64, bool) {
	if op != opPrefixMisc {
		return 0, false
	}
	switch sub {
	case subMemoryInit, subMemoryCopy, subMemoryFill:
		return 6, true
	case subTableInit, subTableCopy, subTableFill:
		return 3, true
	}
	return 0, false
}

// simdImmediates reads the 0xFD-prefixed fixed-width SIMD instructions,
// whose only immediates are memargs, 16-byte constants and shuffle masks,
// and lane indexes.
func simdImmediates(r *reader) error {
	at := r.off
	sub, err := r.u32()
	if errors.Is(err, errOverflow) {
		return fmt.Errorf("%w: encoding of a SIMD opcode: %w", ErrUnsupported, err)
	} else if err != nil {
		return err
	}
	// wazero reads the SIMD opcode as one byte where the spec has a LEB128
	// u32. The encodings agree on boundaries only when canonical: one byte
	// below 0x80, or two bytes ending in 0x01 (read by wazero as the opcode
	// then a nop). An overlong encoding would make wazero see instructions
	// where this decoder sees immediates, and so run code the meter never
	// saw: refuse it.
	if n := r.off - at; (sub < 0x80 && n != 1) || (sub >= 0x80 && n != 2) {
		return fmt.Errorf("%w: non-canonical encoding of instruction 0xFD %d", ErrUnsupported, sub)
	}
	switch {
	case sub <= 0x0B: // v128.load*, v128.store
		return memArg(r)
	case sub == 0x0C || sub == 0x0D: // v128.const, i8x16.shuffle
		_, err = r.take(16)
	case sub >= 0x15 && sub <= 0x22: // extract_lane, replace_lane
		_, err = r.byte()
	case sub >= 0x54 && sub <= 0x5B: // v128.load*_lane, v128.store*_lane
		if err = memArg(r); err == nil {
			_, err = r.byte()
		}
	case sub == 0x5C || sub == 0x5D: // v128.load32_zero, v128.load64_zero
		err = memArg(r)
	case sub <= 0xFF:
		// No immediates. The few unassigned opcodes in this range have none
		// either in any proposal, and the runtime's validation rejects them.
	default: // relaxed SIMD (0x100-) and beyond
		return fmt.Errorf("%w: instruction 0xFD %d", ErrUnsupported, sub)
	}
	return err
}
