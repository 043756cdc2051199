package meter

import (
	"maps"
	"slices"
)

// Function indices of testModule. env.add1 is imported, so defined
// functions start at 1 and the meter's imports shift them to 3.
const (
	fnAdd1 = iota
	fnSpin
	fnCount
	fnRecurse
	fnFib
	fnTwice
	fnForever
	fnIndirect
	fnViaRef
	fnViaGlobal
	fnViaImport
	fnInit
	fnMemInit
	fnPassive
	fnLoopParam
	fnSIMD
	fnSelectT
	fnBrTable
	fnMemFill
	fnPair
)

// Type indices of testModule.
const (
	tyVoid   = 0 // () -> ()
	tyUnary  = 1 // (i32) -> (i32)
	tyBinary = 2 // (i32, i32) -> (i32)
	tyResult = 3 // () -> (i32)
	tyPair   = 4 // (i32) -> (i32, i64)
)

// testModule is a hand-assembled module that touches every part of the
// rewrite: an imported function, loops, recursion, calls between exports,
// call_indirect through active, passive and expression element segments,
// ref.func in code and in a global initializer, a start function,
// memory.init with a data count section, a loop with parameters, SIMD with
// a v128 global, select with types, br_table, memory.fill, multiple
// results, a re-exported import, two exports of one function, and a name
// section.
func testModule() []byte {
	callIndirect := cat(0x11, u32(tyUnary), 0x00)
	v128 := cat(0xFD, 0x0C, []byte{1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0})
	codes := [][]byte{
		fnSpin - 1:    code(nil, opLoop, blockTypeEmpty, oBr, 0, opEnd),
		fnCount - 1:   code([]byte{tI32}, countBody()),
		fnRecurse - 1: code(nil, lget(0), i32c(1), oI32Add, call(fnRecurse)),
		fnFib - 1: code([]byte{tI32, tI32, tI32},
			i32c(1), lset(2),
			opBlock, blockTypeEmpty, opLoop, blockTypeEmpty,
			lget(0), oI32Eqz, oBrIf, 1,
			lget(1), lget(2), oI32Add, lset(3),
			lget(2), lset(1), lget(3), lset(2),
			lget(0), i32c(1), oI32Sub, lset(0),
			oBr, 0, opEnd, opEnd,
			lget(1)),
		fnTwice - 1:    code(nil, lget(0), call(fnCount), lget(0), call(fnCount), oI32Add),
		fnForever - 1:  code(nil, opLoop, blockTypeEmpty, i32c(10), call(fnCount), oDrop, oBr, 0, opEnd),
		fnIndirect - 1: code(nil, lget(0), lget(1), callIndirect),
		fnViaRef - 1: code(nil, i32c(5), opRefFunc, u32(fnFib), 0x26, 0x00,
			lget(0), i32c(5), callIndirect),
		fnViaGlobal - 1: code(nil, i32c(6), gget(1), 0x26, 0x00, lget(0), i32c(6), callIndirect),
		fnViaImport - 1: code(nil, lget(0), call(fnAdd1)),
		fnInit - 1:      code(nil, i32c(1), gset(0)),
		fnMemInit - 1: code(nil, i32c(0), i32c(0), i32c(5), 0xFC, 8, 0, 0, 0xFC, 9, 0,
			i32c(4), 0x2D, 0, 0),
		fnPassive - 1: code(nil, i32c(7), i32c(0), i32c(1), 0xFC, 12, 1, 0, lget(0), i32c(7), callIndirect),
		fnLoopParam - 1: code(nil, i32c(0), opLoop, tyUnary, i32c(1), oI32Add,
			lget(0), i32c(1), oI32Sub, ltee(0), oBrIf, 0, opEnd),
		fnSIMD - 1: code(nil, lget(0), 0xFD, 0x11, lget(0), 0xFD, 0x11, 0xFD, 0xAE, 0x01,
			gget(2), 0xFD, 0xAE, 0x01, 0xFD, 0x1B, 0x01),
		fnSelectT - 1: code(nil, i32c(1), i32c(2), lget(0), 0x1C, 0x01, tI32),
		fnBrTable - 1: code(nil, opBlock, blockTypeEmpty, opBlock, blockTypeEmpty, opBlock, blockTypeEmpty,
			lget(0), 0x0E, 0x02, 0x00, 0x01, 0x02, opEnd,
			i32c(10), oReturn, opEnd, i32c(20), oReturn, opEnd, i32c(30)),
		fnMemFill - 1: code(nil, i32c(0), i32c(0), lget(0), 0xFC, 11, 0, i32c(0)),
		fnPair - 1:    code(nil, lget(0), lget(0), 0xAC, i64c(1), 0x7C),
	}
	funcTypes := []uint32{
		fnSpin: tyVoid, fnCount: tyUnary, fnRecurse: tyUnary, fnFib: tyUnary, fnTwice: tyUnary,
		fnForever: tyVoid, fnIndirect: tyBinary, fnViaRef: tyUnary, fnViaGlobal: tyUnary,
		fnViaImport: tyUnary, fnInit: tyVoid, fnMemInit: tyResult, fnPassive: tyUnary,
		fnLoopParam: tyUnary, fnSIMD: tyUnary, fnSelectT: tyUnary, fnBrTable: tyUnary,
		fnMemFill: tyUnary, fnPair: tyPair,
	}
	var funcs [][]byte
	for _, t := range funcTypes[1:] {
		funcs = append(funcs, u32(t))
	}
	exports := [][]byte{cat(str("started"), 0x03, 0x00), cat(str("memory"), 0x02, 0x00)}
	for _, name := range slices.Sorted(maps.Keys(testExports())) {
		exports = append(exports, exportFunc(name, testExports()[name]))
	}
	names := cat(
		section(0, str("testmod")),
		section(1, vec(cat(u32(fnAdd1), str("env.add1")), cat(u32(fnCount), str("count")), cat(u32(fnFib), str("fib")))),
	)
	return module(
		section(1, vec(functype(nil, nil), functype([]byte{tI32}, []byte{tI32}),
			functype([]byte{tI32, tI32}, []byte{tI32}), functype(nil, []byte{tI32}),
			functype([]byte{tI32}, []byte{tI32, tI64}))),
		section(2, vec(importFunc("env", "add1", tyUnary))),
		section(3, vec(funcs...)),
		section(4, vec(cat(tFunc, 0x00, 8))),
		section(5, vec(cat(0x00, 1))),
		section(6, vec(
			cat(tI32, 0x01, i32c(0), opEnd),
			cat(tFunc, 0x00, opRefFunc, u32(fnCount), opEnd),
			cat(tV128, 0x00, v128, opEnd),
		)),
		section(7, vec(exports...)),
		section(8, u32(fnInit)),
		section(9, vec(
			cat(0x00, i32c(0), opEnd, vec(u32(fnFib), u32(fnCount))),
			cat(0x01, 0x00, vec(u32(fnCount))),
			cat(0x03, 0x00, vec(u32(fnFib))),
			cat(0x04, i32c(3), opEnd, vec(cat(opRefFunc, u32(fnFib), opEnd), cat(0xD0, tFunc, opEnd))),
		)),
		section(12, u32(1)),
		section(10, vec(codes...)),
		section(11, vec(cat(0x01, str("hello")))),
		section(0, cat(str("name"), names)),
		section(0, cat(str("producers"), []byte("opaque"))),
	)
}

// countBody returns n in local 1 after counting it down in a loop:
// block; loop; br_if 1 (n == 0); n--; acc++; br 0; end; end; acc.
func countBody() []byte {
	return cat(
		opBlock, blockTypeEmpty, opLoop, blockTypeEmpty,
		lget(0), oI32Eqz, oBrIf, 1,
		lget(0), i32c(1), oI32Sub, lset(0),
		lget(1), i32c(1), oI32Add, lset(1),
		oBr, 0, opEnd, opEnd,
		lget(1))
}

func testExports() map[string]uint32 {
	return map[string]uint32{
		"spin": fnSpin, "count": fnCount, "recurse": fnRecurse, "fib": fnFib, "twice": fnTwice,
		"forever": fnForever, "indirect": fnIndirect, "viaref": fnViaRef, "viaglobal": fnViaGlobal,
		"viaimport": fnViaImport, "meminit": fnMemInit, "passive": fnPassive, "loopparam": fnLoopParam,
		"simd": fnSIMD, "selectt": fnSelectT, "brtable": fnBrTable, "memfill": fnMemFill, "pair": fnPair,
		"add1": fnAdd1, "fib2": fnFib, // an imported function, and a second name
	}
}
