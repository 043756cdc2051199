package meter

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// oneFunc is a module with a single () -> () function "f" whose body (less
// the final end) is body, and the given locals.
func oneFunc(locals []byte, body ...any) []byte {
	return module(
		section(1, vec(functype(nil, nil))),
		section(3, vec(u32(0))),
		section(7, vec(exportFunc("f", 0))),
		section(10, vec(code(locals, body...))),
	)
}

func TestInstrumentErrors(t *testing.T) {
	valid := testModule()
	tests := []struct {
		name    string
		wasm    []byte
		opts    Options
		want    error
		message string // a substring of the error, if set
	}{
		{name: "nil", wasm: nil, want: ErrMalformed},
		{name: "garbage", wasm: []byte("definitely not wasm"), want: ErrMalformed},
		{name: "wrong version", wasm: []byte("\x00asm\x02\x00\x00\x00"), want: ErrMalformed},
		{name: "truncated in code", wasm: valid[:len(valid)-80], want: ErrMalformed},
		{name: "truncated section size", wasm: cat(valid[:8], 0x01, 0xFF), want: ErrMalformed},
		{name: "section past the end", wasm: module(cat(0x00, u32(0x0FFFFFFF), str("x"))), want: ErrMalformed},
		{name: "huge type count", wasm: module(section(1, u32(math.MaxUint32))), want: ErrMalformed,
			message: "exceeds"},
		{name: "huge param count", wasm: module(section(1, cat(u32(1), 0x60, u32(math.MaxUint32)))),
			want: ErrMalformed},
		{name: "no locals", wasm: oneFunc(nil), want: nil},
		{name: "malformed name section is dropped", wasm: cat(oneFunc(nil),
			section(0, cat(str("name"), section(1, cat(u32(1000), u32(0)))))), want: nil},
		{name: "second name section is dropped", wasm: cat(oneFunc(nil),
			section(0, cat(str("name"), section(0, str("a")))), section(0, cat(str("name"), section(0, str("b"))))),
			want: nil},
		{name: "too many locals", wasm: module(
			section(1, vec(functype(nil, nil))), section(3, vec(u32(0))),
			section(10, vec(cat(u32(6), u32(1), u32(0x0FFFFFFF), tI32, opEnd)))),
			want: ErrUnsupported, message: "locals"},
		{name: "section out of order", wasm: module(section(3, vec()), section(1, vec())), want: ErrMalformed},
		{name: "tag section", wasm: module(section(13, vec())), want: ErrUnsupported},
		{name: "shared memory", wasm: module(section(5, vec(cat(0x03, 1, 1)))), want: ErrUnsupported},
		{name: "function with an unknown type", wasm: module(
			section(1, vec(functype(nil, nil))), section(3, vec(u32(7))), section(10, vec(code(nil)))),
			want: ErrMalformed},
		{name: "already imports the meter", wasm: module(
			section(1, vec(functype(nil, nil))),
			section(2, vec(importFunc(ImportModule, ExhaustedName, 0)))),
			want: ErrReserved},
		{name: "imports a meter global", wasm: module(
			section(2, vec(cat(str(ImportModule), str("fuel"), 0x03, tI64, 0x01)))),
			want: ErrReserved},
		{name: "threads", wasm: oneFunc(nil, i32c(0), 0xFE, 0x10, 0x02, 0x00, oDrop),
			want: ErrUnsupported, message: "instruction 0xFE (threads) at function 0 offset 2"},
		{name: "overlong simd opcode", wasm: oneFunc(nil, 0xFD, 0x8C, 0x00), want: ErrUnsupported,
			message: "non-canonical"},
		{name: "relaxed simd", wasm: oneFunc(nil, 0xFD, 0x80, 0x02), want: ErrUnsupported, message: "0xFD 256"},
		{name: "exception handling", wasm: oneFunc(nil, 0x06, blockTypeEmpty, opEnd), want: ErrUnsupported},
		{name: "unknown opcode", wasm: oneFunc(nil, 0x27), want: ErrMalformed, message: "0x27"},
		{name: "unknown 0xFC opcode", wasm: oneFunc(nil, 0xFC, 18), want: ErrUnsupported},
		{name: "missing end", wasm: oneFunc(nil, opBlock, blockTypeEmpty), want: ErrMalformed},
		{name: "else outside if", wasm: oneFunc(nil, opElse), want: ErrMalformed, message: "else"},
		{name: "bytes after the end", wasm: oneFunc(nil, opEnd, 0x01), want: ErrMalformed},
		{name: "negative block type", wasm: oneFunc(nil, opBlock, 0x60, opEnd), want: ErrMalformed},
		{name: "overlong integer", wasm: oneFunc(nil, 0x41, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, oDrop),
			want: ErrMalformed},
		// Each index is one past the original's last: after the rewrite it
		// would name a wrapper or the fuel global.
		{name: "call past the last function", wasm: oneFunc(nil, call(1)), want: ErrMalformed, message: "function 1 of 1"},
		{name: "ref.func past the last function", wasm: oneFunc(nil, opRefFunc, 1, oDrop), want: ErrMalformed},
		{name: "global.set past the last global", wasm: oneFunc(nil, i64c(1<<62), gset(0)), want: ErrMalformed,
			message: "global 0 of 0"},
		{name: "global.get past the last global", wasm: oneFunc(nil, gget(0), oDrop), want: ErrMalformed},
		{name: "element past the last function", wasm: module(
			section(1, vec(functype(nil, nil))), section(3, vec(u32(0))),
			section(4, vec(cat(tFunc, 0x00, 2))),
			section(9, vec(cat(0x00, i32c(0), opEnd, vec(u32(1))))),
			section(10, vec(code(nil)))), want: ErrMalformed},
		{name: "start past the last function", wasm: module(
			section(1, vec(functype(nil, nil))), section(3, vec(u32(0))),
			section(8, u32(1)), section(10, vec(code(nil)))), want: ErrMalformed},
		{name: "global initializer reads the fuel", wasm: module(
			section(6, vec(cat(tI64, 0x00, gget(1), opEnd)))), want: ErrMalformed},
		{name: "budget too large", wasm: valid, opts: Options{Budget: math.MaxUint64}, want: ErrOptions},
		{name: "wrap _initialize", wasm: valid, opts: Options{Exports: []string{"_initialize"}}, want: ErrOptions},
		{name: "wrap a missing export", wasm: valid, opts: Options{Exports: []string{"nope"}}, want: ErrOptions},
		{name: "wrap a memory", wasm: valid, opts: Options{Exports: []string{"memory"}}, want: ErrOptions},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Instrument(tc.wasm, tc.opts)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if tc.message != "" && !strings.Contains(err.Error(), tc.message) {
				t.Fatalf("err = %q, want it to mention %q", err, tc.message)
			}
		})
	}
}

// TestTruncations instruments every prefix of the test module: none may
// panic, and those that end inside a section must fail.
func TestTruncations(t *testing.T) {
	valid := testModule()
	boundary := map[int]bool{8: true} // offsets where a section ends
	r := &reader{b: valid, off: 8}
	for r.len() > 0 {
		_, _ = r.byte()
		size, _ := r.u32()
		_, _ = r.take(uint64(size))
		boundary[r.off] = true
	}
	for i := range valid {
		_, err := Instrument(valid[:i], Options{})
		if err == nil && !boundary[i] {
			t.Fatalf("prefix of %d bytes: no error", i)
		}
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("prefix of %d bytes: %v, want ErrMalformed", i, err)
		}
	}
}

func TestDecodeInstr(t *testing.T) {
	tests := []struct {
		name string
		code []byte
		want int // length of the instruction, or 0 for an error
		err  error
	}{
		{name: "nop", code: []byte{0x01}, want: 1},
		{name: "block empty", code: []byte{opBlock, 0x40}, want: 2},
		{name: "block valtype", code: []byte{opLoop, tI64}, want: 2},
		{name: "block type index", code: []byte{opIf, 0x81, 0x01}, want: 3},
		{name: "br_table", code: []byte{0x0E, 2, 0, 1, 2}, want: 5},
		{name: "br_table count past end", code: []byte{0x0E, 9, 0, 1}, err: ErrMalformed},
		{name: "call", code: []byte{opCall, 0x80, 0x01}, want: 3},
		{name: "call_indirect", code: []byte{0x11, 3, 1}, want: 3},
		{name: "select typed", code: []byte{0x1C, 1, tI32}, want: 3},
		{name: "select bad type", code: []byte{0x1C, 1, 0x01}, err: ErrMalformed},
		{name: "local.tee", code: []byte{0x22, 5}, want: 2},
		{name: "table.get", code: []byte{0x25, 0}, want: 2},
		{name: "i64.store memarg", code: []byte{0x37, 3, 0x80, 0x01}, want: 4},
		{name: "load with memory index", code: []byte{0x28, 0x42, 1, 0}, want: 4},
		{name: "memory.grow", code: []byte{0x40, 0}, want: 2},
		{name: "i32.const", code: []byte{0x41, 0x7F}, want: 2},
		{name: "i32.const loose unused bits", code: []byte{0x41, 0x83, 0xCD, 0xF1, 0x9B, 0x38}, want: 6},
		{name: "i32.const too long", code: []byte{0x41, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, err: ErrMalformed},
		{name: "i64.const", code: []byte{opI64Const, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F}, want: 11},
		{name: "f32.const", code: []byte{0x43, 0, 0, 0, 0}, want: 5},
		{name: "f64.const", code: []byte{0x44, 0, 0, 0, 0, 0, 0, 0, 0}, want: 9},
		{name: "f64.const short", code: []byte{0x44, 0, 0}, err: ErrMalformed},
		{name: "sign extension", code: []byte{0xC4}, want: 1},
		{name: "ref.null", code: []byte{0xD0, tFunc}, want: 2},
		{name: "ref.null typed", code: []byte{0xD0, 0x00}, err: ErrUnsupported},
		{name: "ref.is_null", code: []byte{0xD1}, want: 1},
		{name: "ref.func", code: []byte{opRefFunc, 3}, want: 2},
		{name: "trunc_sat", code: []byte{0xFC, 7}, want: 2},
		{name: "memory.init", code: []byte{0xFC, 8, 1, 0}, want: 4},
		{name: "memory.copy", code: []byte{0xFC, 10, 0, 0}, want: 4},
		{name: "memory.fill", code: []byte{0xFC, 11, 0}, want: 3},
		{name: "table.copy", code: []byte{0xFC, 14, 0, 1}, want: 4},
		{name: "table.fill", code: []byte{0xFC, 17, 0}, want: 3},
		{name: "v128.const", code: append([]byte{0xFD, 0x0C}, make([]byte, 16)...), want: 18},
		{name: "i8x16.shuffle", code: append([]byte{0xFD, 0x0D}, make([]byte, 16)...), want: 18},
		{name: "v128.load", code: []byte{0xFD, 0x00, 4, 0}, want: 4},
		{name: "extract_lane", code: []byte{0xFD, 0x15, 3}, want: 3},
		{name: "load lane", code: []byte{0xFD, 0x54, 0, 0, 7}, want: 5},
		{name: "load zero", code: []byte{0xFD, 0x5C, 2, 0}, want: 4},
		{name: "i32x4.add", code: []byte{0xFD, 0xAE, 0x01}, want: 3},
		{name: "simd opcode overlong", code: []byte{0xFD, 0x8C, 0x00}, err: ErrUnsupported},
		{name: "simd opcode too long", code: []byte{0xFD, 0xFD, 0xFD, 0xFD, 0xFD, 0x63}, err: ErrUnsupported},
		{name: "gc prefix", code: []byte{0xFB, 0}, err: ErrUnsupported},
		{name: "return_call_indirect", code: []byte{0x13, 0, 0}, want: 3},
		{name: "empty", code: nil, err: ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &reader{b: tc.code}
			in, err := decodeInstr(r)
			if tc.err != nil {
				if !errors.Is(asMalformed(err), tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if in.end != tc.want || r.off != tc.want {
				t.Fatalf("decoded %d bytes, want %d", in.end, tc.want)
			}
		})
	}
}
