package meter

import (
	"errors"
	"fmt"

	"github.com/tetratelabs/wabin/leb128"
)

// rewriter instruments function bodies. Its fields are the indices the
// inserted code refers to.
type rewriter struct {
	importedFuncs uint32 // function imports of the original; later indices shift by 2
	funcs         uint32 // functions of the original, imported and defined
	globals       uint32 // globals of the original, imported and defined
	fuel          uint32 // global index of the fuel counter
	exhausted     uint32 // function index of ncn_meter.exhausted
}

// funcIndex maps an original function index to the instrumented module.
func (rw *rewriter) funcIndex(i uint32) uint32 {
	if i >= rw.importedFuncs {
		return i + 2
	}
	return i
}

// frame is an open block, loop or if, or the function body itself.
type frame struct {
	op   byte // opBlock, opLoop, opIf; 0 for the function
	slot int  // index in costs of the code region this frame counts into
}

// rewrite returns body with a fuel charge at its entry and at the head of
// every loop, and with function indices renumbered. fn is the original
// function index, for error messages; scratch is the index of an i32 local
// the caller appends if rewrite reports that it used it.
//
// The code is cut into regions that execute straight through: a region
// ends after every instruction where control may go elsewhere or arrive
// from elsewhere — loop and if heads, else, the end of a block, loop or
// if, br, br_if, br_table, return, return_call and unreachable (block
// heads fall through and do not cut). Each region is charged its own
// instruction count when it is entered, so the fuel spent is the number of
// instructions executed (a region cut short by a trap is charged whole):
// deterministic, and close to the real work even for code, like Go's, that
// wraps a whole function body in one dispatch loop.
//
// Bulk memory and table instructions do work proportional to their length
// operand, so each also charges that length (see bulkShift) when it runs,
// through the scratch local.
//
// rewrite rejects function and global indices past the original module's:
// they would be invalid in the original, but after the rewrite they could
// name a wrapper (whose call refills the fuel) or the fuel global itself.
func (rw *rewriter) rewrite(fn uint32, body []byte, scratch uint32) ([]byte, bool, error) {
	r := &reader{b: body}
	var (
		instrs = make([]instr, 0, len(body)/3)
		costs  = []uint64{0}
		// cutAfter[i] is the region that starts after instruction i, or 0.
		cutAfter = make([]int, 0, len(body)/3)
		stack    = []frame{{}}
		bulk     bool
	)
	for len(stack) > 0 {
		in, err := decodeInstr(r)
		if err != nil {
			return nil, false, bodyError(err, fn, in.start)
		}
		top := stack[len(stack)-1]
		costs[len(costs)-1]++
		cut := false
		switch in.op {
		case opBlock:
			stack = append(stack, frame{op: in.op})
		case opLoop, opIf:
			stack = append(stack, frame{op: in.op})
			cut = true
		case opElse:
			if top.op != opIf {
				return nil, false, bodyError(fmt.Errorf("%w: else outside if", ErrMalformed), fn, in.start)
			}
			cut = true
		case opEnd:
			stack = stack[:len(stack)-1]
			cut = len(stack) > 0 // nothing follows the function's own end
		case opUnreachable, opBr, opBrIf, opBrTable, opReturn, opReturnCallIndirect:
			cut = true
		case opCall, opReturnCall, opRefFunc:
			if in.index >= rw.funcs {
				return nil, false, bodyError(fmt.Errorf("%w: function %d of %d", ErrMalformed, in.index, rw.funcs), fn, in.start)
			}
			cut = in.op == opReturnCall
		case opGlobalGet, opGlobalSet:
			if in.index >= rw.globals {
				return nil, false, bodyError(fmt.Errorf("%w: global %d of %d", ErrMalformed, in.index, rw.globals), fn, in.start)
			}
		case opPrefixMisc:
			_, isBulk := bulkShift(in.op, in.sub)
			bulk = bulk || isBulk
		}
		region := 0
		if cut {
			region = len(costs)
			costs = append(costs, 0)
		}
		instrs = append(instrs, in)
		cutAfter = append(cutAfter, region)
	}
	if r.len() != 0 {
		return nil, false, bodyError(fmt.Errorf("%w: %d bytes after the final end", ErrMalformed, r.len()), fn, r.off)
	}

	out := make([]byte, 0, len(body)+chargeLen*len(costs))
	out = rw.appendCharge(out, costs[0])
	for i, in := range instrs {
		if shift, ok := bulkShift(in.op, in.sub); ok {
			out = rw.appendBulkCharge(out, scratch, shift)
		}
		switch in.op {
		case opCall, opReturnCall, opRefFunc:
			out = append(out, in.op)
			out = append(out, leb128.EncodeUint32(rw.funcIndex(in.index))...)
		default:
			out = append(out, body[in.start:in.end]...)
		}
		// An empty region (a cut right before another) costs nothing to skip.
		if region := cutAfter[i]; region != 0 && costs[region] > 0 {
			out = rw.appendCharge(out, costs[region])
		}
	}
	return out, bulk, nil
}

// chargeLen is the typical size of a charge, to size buffers.
const chargeLen = 20

// appendCharge appends
//
//	global.get $fuel; i64.const cost; i64.sub; global.set $fuel
//
// and the check. The sequence leaves the operand stack as it found it, so
// it is valid at the head of a function and of a loop with parameters.
func (rw *rewriter) appendCharge(dst []byte, cost uint64) []byte {
	fuel := leb128.EncodeUint32(rw.fuel)
	dst = append(dst, opGlobalGet)
	dst = append(dst, fuel...)
	dst = append(dst, opI64Const)
	dst = append(dst, leb128.EncodeInt64(int64(max(cost, 1)))...)
	dst = append(dst, opI64Sub, opGlobalSet)
	dst = append(dst, fuel...)
	return rw.appendCheck(dst)
}

// appendBulkCharge appends, before a bulk instruction whose i32 length is on
// top of the stack,
//
//	local.tee $scratch; global.get $fuel
//	local.get $scratch; i64.extend_i32_u; i64.const shift; i64.shr_u
//	i64.sub; global.set $fuel
//
// and the check, leaving the length in place.
func (rw *rewriter) appendBulkCharge(dst []byte, scratch uint32, shift int64) []byte {
	fuel := leb128.EncodeUint32(rw.fuel)
	local := leb128.EncodeUint32(scratch)
	dst = append(dst, opLocalTee)
	dst = append(dst, local...)
	dst = append(dst, opGlobalGet)
	dst = append(dst, fuel...)
	dst = append(dst, opLocalGet)
	dst = append(dst, local...)
	dst = append(dst, opI64ExtendI32U, opI64Const, byte(shift), opI64ShrU, opI64Sub, opGlobalSet)
	dst = append(dst, fuel...)
	return rw.appendCheck(dst)
}

// appendCheck appends
//
//	global.get $fuel; i64.const 0; i64.lt_s
//	if; call $exhausted; unreachable; end
func (rw *rewriter) appendCheck(dst []byte) []byte {
	dst = append(dst, opGlobalGet)
	dst = append(dst, leb128.EncodeUint32(rw.fuel)...)
	dst = append(dst, opI64Const, 0, opI64LtS, opIf, blockTypeEmpty, opCall)
	dst = append(dst, leb128.EncodeUint32(rw.exhausted)...)
	return append(dst, opUnreachable, opEnd)
}

// bodyError places err in function fn at offset off, and makes sure it
// wraps ErrMalformed or ErrUnsupported.
func bodyError(err error, fn uint32, off int) error {
	if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnsupported) {
		err = fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return fmt.Errorf("%w at function %d offset %d", err, fn, off)
}
