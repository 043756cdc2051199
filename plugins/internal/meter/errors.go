package meter

import "errors"

var (
	// ErrMalformed means the input is not a well-formed WebAssembly module:
	// bad framing, an out-of-range count, an unknown opcode, a function body
	// whose blocks do not nest. The wrapped error says where.
	ErrMalformed = errors.New("malformed wasm module")

	// ErrUnsupported means the module is well formed but uses something
	// Instrument cannot rewrite safely, such as threads (0xFE), exception
	// handling, typed function references or GC instructions, or a construct
	// the section codec cannot re-encode. The wrapped error names it.
	ErrUnsupported = errors.New("unsupported wasm feature")

	// ErrReserved means the module already imports from the "ncn_meter"
	// namespace: a plugin must not provide or pre-wire its own meter.
	ErrReserved = errors.New("module imports the reserved ncn_meter namespace")

	// ErrOptions means the Options are invalid: a budget above math.MaxInt64,
	// or an export to wrap that is missing, not a function, or an
	// initialization export.
	ErrOptions = errors.New("invalid meter options")
)

// The two ways a read of the binary goes wrong. They stay inside the
// package: callers wrap them with ErrMalformed and the position.
var (
	errEOF      = errors.New("unexpected end")
	errOverflow = errors.New("integer too long")
)
