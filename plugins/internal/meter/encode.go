package meter

import (
	"fmt"

	"github.com/tetratelabs/wabin/binary"
	"github.com/tetratelabs/wabin/leb128"
	"github.com/tetratelabs/wabin/wasm"
)

// Section ids this file encodes itself.
const (
	sectionCustom    = 0
	sectionElement   = 9
	sectionCode      = 10
	sectionData      = 11
	sectionDataCount = 12
)

// decode is binary.DecodeModule for input that precheck accepted. The
// recover is a second line of defence: wabin was not written for hostile
// input, and a panic in it must not take the host down.
func decode(b []byte) (m *wasm.Module, err error) {
	defer func() {
		if p := recover(); p != nil {
			m, err = nil, fmt.Errorf("%w: decode module: panic: %v", ErrMalformed, p)
		}
	}()
	m, err = binary.DecodeModule(b, wasm.CoreFeaturesV2)
	if err != nil {
		return nil, fmt.Errorf("%w: decode module: %w", ErrMalformed, err)
	}
	return m, nil
}

// encode encodes m with binary.EncodeModule, except for what wabin does not
// encode correctly, which it encodes itself: the element section (wabin
// panics on passive and declarative segments and on ref.null entries, and
// mis-encodes table indices), the data count section (wabin drops it, which
// invalidates memory.init and data.drop) and custom sections (wabin writes
// the name length as one byte).
func encode(m *wasm.Module) (out []byte, err error) {
	elements, customs := m.ElementSection, m.CustomSections
	m.ElementSection, m.CustomSections = nil, nil
	defer func() {
		m.ElementSection, m.CustomSections = elements, customs
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("%w: encode module: panic: %v", ErrUnsupported, p)
		}
	}()
	out = binary.EncodeModule(m)

	var mid []byte // goes between the start and the code sections
	if len(elements) > 0 {
		content := leb128.EncodeUint32(uint32(len(elements)))
		for _, e := range elements {
			content = appendElement(content, e)
		}
		mid = appendSection(mid, sectionElement, content)
	}
	if m.DataCountSection != nil {
		mid = appendSection(mid, sectionDataCount, leb128.EncodeUint32(*m.DataCountSection))
	}
	if len(mid) > 0 {
		at := insertionPoint(out)
		out = append(out[:at], append(mid, out[at:]...)...)
	}
	for _, c := range customs {
		content := leb128.EncodeUint32(uint32(len(c.Name)))
		content = append(content, c.Name...)
		content = append(content, c.Data...)
		out = appendSection(out, sectionCustom, content)
	}
	return out, nil
}

// insertionPoint returns the offset in an encoded module of its first code,
// data or custom section, or its length: where the element and data count
// sections go.
func insertionPoint(mod []byte) int {
	r := &reader{b: mod, off: 8}
	for r.len() > 0 {
		at := r.off
		id, _ := r.byte()
		size, err := r.u32()
		if err != nil {
			break
		}
		if id == sectionCode || id == sectionData || id == sectionCustom {
			return at
		}
		if _, err := r.take(uint64(size)); err != nil {
			break
		}
	}
	return len(mod)
}

func appendSection(dst []byte, id byte, content []byte) []byte {
	dst = append(dst, id)
	dst = append(dst, leb128.EncodeUint32(uint32(len(content)))...)
	return append(dst, content...)
}

// appendElement encodes an element segment in the most compact of the eight
// encodings of WebAssembly 2.0 that can express it.
func appendElement(dst []byte, e *wasm.ElementSegment) []byte {
	indices := e.Type == wasm.RefTypeFuncref
	for _, idx := range e.Init {
		if idx == nil {
			indices = false // a ref.null needs the expression encodings
		}
	}
	var prefix uint32
	switch e.Mode {
	case wasm.ElementModeActive:
		if e.TableIndex != 0 || e.Type != wasm.RefTypeFuncref {
			prefix = 2
		}
	case wasm.ElementModePassive:
		prefix = 1
	default:
		prefix = 3
	}
	if !indices {
		prefix |= 4
	}
	dst = append(dst, leb128.EncodeUint32(prefix)...)
	if prefix&2 != 0 && e.Mode == wasm.ElementModeActive {
		dst = append(dst, leb128.EncodeUint32(e.TableIndex)...)
	}
	if e.Mode == wasm.ElementModeActive {
		dst = appendConst(dst, e.OffsetExpr)
	}
	if prefix&3 != 0 {
		if indices {
			dst = append(dst, 0x00) // elemkind funcref
		} else {
			dst = append(dst, e.Type)
		}
	}
	dst = append(dst, leb128.EncodeUint32(uint32(len(e.Init)))...)
	for _, idx := range e.Init {
		switch {
		case indices:
			dst = append(dst, leb128.EncodeUint32(*idx)...)
		case idx == nil:
			dst = append(dst, 0xD0, e.Type, opEnd)
		default:
			dst = append(dst, opRefFunc)
			dst = append(dst, leb128.EncodeUint32(*idx)...)
			dst = append(dst, opEnd)
		}
	}
	return dst
}

func appendConst(dst []byte, c *wasm.ConstantExpression) []byte {
	dst = append(dst, c.Opcode)
	dst = append(dst, c.Data...)
	return append(dst, opEnd)
}
