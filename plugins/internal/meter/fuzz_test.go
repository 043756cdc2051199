package meter

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tetratelabs/wabin/binary"
	"github.com/tetratelabs/wabin/wasm"
	"github.com/tetratelabs/wazero"
)

// FuzzInstrument feeds Instrument arbitrary bytes: it must never panic,
// must fail only with the package's errors, and what it accepts must decode
// again; when wazero compiles the input, it must compile the output too.
func FuzzInstrument(f *testing.F) {
	f.Add(testModule())
	f.Add(oneFunc([]byte{tI32}, opLoop, blockTypeEmpty, lget(0), oBrIf, 0, opEnd))
	f.Add(oneFunc(nil, opBlock, blockTypeEmpty, 0x0E, 0x01, 0x00, 0x00, opEnd))
	f.Add([]byte("\x00asm\x01\x00\x00\x00"))

	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	f.Cleanup(func() { rt.Close(ctx) })

	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := Instrument(in, Options{Budget: 1000})
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnsupported) &&
				!errors.Is(err, ErrReserved) && !errors.Is(err, ErrOptions) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			return
		}
		if _, err := precheck(out); err != nil {
			t.Fatalf("output fails precheck: %v", err)
		}
		if _, err := binary.DecodeModule(out, wasm.CoreFeaturesV2); err != nil {
			t.Fatalf("output does not decode: %v", err)
		}
		orig, err := rt.CompileModule(ctx, in)
		if err != nil {
			return // invalid input that Instrument did not need to reject
		}
		_ = orig.Close(ctx)
		metered, err := rt.CompileModule(ctx, out)
		if err != nil {
			t.Fatalf("input compiles but the output does not: %v", err)
		}
		_ = metered.Close(ctx)
	})
}

// bodyModule wraps body as the function "f" of type (i32) -> (i32) with
// locals of every number type, a table, a memory and a global: enough
// context for most instruction sequences to validate. The memory and table
// cannot grow, so that running the body stays cheap.
func bodyModule(body []byte) []byte {
	c := cat(vec([]byte{1, tI32}, []byte{1, tI64}, []byte{1, 0x7D}, []byte{1, 0x7C}), body)
	return module(
		section(1, vec(functype([]byte{tI32}, []byte{tI32}), functype(nil, nil))),
		section(3, vec(u32(0), u32(1))),
		section(4, vec(cat(tFunc, 0x01, 2, 2))),
		section(5, vec(cat(0x01, 1, 1))),
		section(6, vec(cat(tI32, 0x01, i32c(0), opEnd))),
		section(7, vec(exportFunc("f", 0))),
		section(9, vec(cat(0x00, i32c(0), opEnd, vec(u32(0), u32(1))))),
		section(10, vec(cat(u32(uint32(len(c))), c), code(nil))),
	)
}

// FuzzBody fuzzes the instruction decoder and rewriter through a fixed
// module: whenever wazero accepts the body, Instrument must rewrite it (or
// name an unsupported feature) into a module wazero accepts too, and the
// instrumented function must end within its budget, never by the wall
// clock. A wrong immediate length would shift every later instruction and
// fail the first check; a loop the decoder does not see (an immediate that
// wazero reads as code) would fail the second.
func FuzzBody(f *testing.F) {
	f.Add(cat(lget(0), opEnd))
	f.Add(cat(opBlock, 0x7F, lget(0), opLoop, blockTypeEmpty, lget(0), oBrIf, 0, opEnd, opEnd, opEnd))
	f.Add(cat(opBlock, blockTypeEmpty, lget(0), 0x0E, 0x01, 0x00, 0x00, opEnd, i32c(3), opEnd))
	f.Add(cat(i32c(0), 0x28, 0x02, 0x00, lget(0), 0x11, 0x00, 0x00, oI32Add, opEnd))
	f.Add(cat(i32c(0), 0xFD, 0x11, 0xFD, 0x1B, 0x01, opEnd))
	f.Add(cat(i32c(0), 0xFC, 0x0F, 0x00, opEnd))
	f.Add(cat(lget(0), lget(0), lget(0), 0x1C, 0x01, tI32, opIf, tI32, i32c(1), opElse, i32c(2), opEnd, opEnd))
	f.Add(cat(opLoop, blockTypeEmpty, lget(0), call(0), oBrIf, 0, opEnd, i32c(0), opEnd))
	f.Add(cat(i32c(0), i32c(0), lget(0), 0xFC, 11, 0, i32c(0), opEnd))
	// Found by fuzzing: an i32.const whose unused high bits do not repeat
	// the sign (wazero accepts it), and SIMD opcodes that wazero reads as
	// one byte each where the spec reads one LEB128 integer.
	f.Add([]byte("A\x83\xcd\xf1\x9b8\v"))
	f.Add([]byte("\x00\xfd\xfd\xfd\xfd\xfdc\v"))

	rt, _ := newRuntime(f, wazero.NewRuntimeConfigInterpreter())
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, body []byte) {
		in := bodyModule(body)
		out, err := Instrument(in, Options{Budget: 10_000, InitBudget: 10_000})
		orig, cerr := rt.CompileModule(ctx, in)
		if cerr != nil {
			return
		}
		_ = orig.Close(ctx)
		if err != nil {
			if !errors.Is(err, ErrUnsupported) {
				t.Fatalf("wazero accepts the body but Instrument says: %v", err)
			}
			return
		}
		compiled, err := rt.CompileModule(ctx, out)
		if err != nil {
			t.Fatalf("input compiles but the output does not: %v", err)
		}
		defer compiled.Close(ctx)
		mod, err := rt.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().WithName(""))
		if err != nil {
			return // e.g. an element segment out of bounds
		}
		defer mod.Close(ctx)
		callCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		_, _ = mod.ExportedFunction("f").Call(callCtx, 3)
		if callCtx.Err() != nil {
			t.Fatal("the instrumented function ran until the wall-clock backstop")
		}
	})
}
