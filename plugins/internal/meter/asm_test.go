package meter

import (
	"github.com/tetratelabs/wabin/leb128"
)

// A tiny WebAssembly assembler for the tests: enough to hand-write the
// modules that exercise the meter. Bodies are opcode bytes; the helpers
// below encode the immediates.

const (
	tI32  = 0x7F
	tI64  = 0x7E
	tV128 = 0x7B
	tFunc = 0x70

	oBr      = 0x0C
	oBrIf    = 0x0D
	oReturn  = 0x0F
	oDrop    = 0x1A
	oI32Eqz  = 0x45
	oI32Add  = 0x6A
	oI32Sub  = 0x6B
	oI32Mul  = 0x6C
	oI32Load = 0x28
)

// cat concatenates byte slices and single bytes.
func cat(parts ...any) []byte {
	var b []byte
	for _, p := range parts {
		switch p := p.(type) {
		case byte:
			b = append(b, p)
		case int:
			b = append(b, byte(p))
		case []byte:
			b = append(b, p...)
		default:
			panic("cat: unexpected part")
		}
	}
	return b
}

func u32(v uint32) []byte { return leb128.EncodeUint32(v) }

func i32c(v int32) []byte { return cat(0x41, leb128.EncodeInt32(v)) }
func i64c(v int64) []byte { return cat(opI64Const, leb128.EncodeInt64(v)) }

func lget(i uint32) []byte { return cat(opLocalGet, u32(i)) }
func lset(i uint32) []byte { return cat(opLocalSet, u32(i)) }
func ltee(i uint32) []byte { return cat(0x22, u32(i)) }
func gget(i uint32) []byte { return cat(opGlobalGet, u32(i)) }
func gset(i uint32) []byte { return cat(opGlobalSet, u32(i)) }
func call(i uint32) []byte { return cat(opCall, u32(i)) }

// vec encodes a vector of already-encoded entries.
func vec(entries ...[]byte) []byte { return cat(u32(uint32(len(entries))), cat(anys(entries)...)) }

func anys(bs [][]byte) []any {
	out := make([]any, len(bs))
	for i, b := range bs {
		out[i] = b
	}
	return out
}

func str(s string) []byte { return cat(u32(uint32(len(s))), []byte(s)) }

func section(id byte, content []byte) []byte { return cat(id, u32(uint32(len(content))), content) }

func functype(params, results []byte) []byte {
	return cat(0x60, u32(uint32(len(params))), params, u32(uint32(len(results))), results)
}

// code encodes a function body; locals are one (1, type) group per type.
func code(locals []byte, body ...any) []byte {
	groups := make([][]byte, len(locals))
	for i, t := range locals {
		groups[i] = []byte{1, t}
	}
	c := cat(vec(groups...), cat(body...), opEnd)
	return cat(u32(uint32(len(c))), c)
}

func module(sections ...[]byte) []byte {
	return cat([]byte("\x00asm\x01\x00\x00\x00"), cat(anys(sections)...))
}

func importFunc(mod, name string, typ uint32) []byte { return cat(str(mod), str(name), 0x00, u32(typ)) }
func exportFunc(name string, idx uint32) []byte      { return cat(str(name), 0x00, u32(idx)) }
