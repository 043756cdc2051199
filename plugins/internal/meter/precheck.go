package meter

import (
	"errors"
	"fmt"
)

// maxLocals bounds the locals one function may declare (the limit of
// wasmparser and so of wasmtime). wabin expands the run-length encoded
// locals into one byte per local, so without a bound a few input bytes
// could ask for gigabytes.
const maxLocals = 50_000

// sectionRank gives the position a known non-custom section must keep, or
// 0 for an unknown id. The data count section (12) comes before code (10).
func sectionRank(id byte) int {
	switch {
	case id >= 1 && id <= 9:
		return int(id)
	case id == 12:
		return 10
	case id == 10 || id == 11:
		return int(id) + 1
	}
	return 0
}

// precheck walks the structure wabin is about to decode and checks every
// length and count against the bytes that remain. wabin allocates vectors at
// the length the input claims before reading them, so a short hostile input
// could otherwise make it allocate gigabytes. precheck follows the same
// grammar as wabin's decoder but stricter, so what it accepts wabin reads
// with the same counts.
//
// A "name" section is only debugging information: precheck drops one that
// is malformed or repeated, instead of rejecting the module, and returns
// the module without it.
func precheck(b []byte) ([]byte, error) {
	r := &reader{b: b}
	head, err := r.take(8)
	if err != nil || string(head) != "\x00asm\x01\x00\x00\x00" {
		return nil, fmt.Errorf("%w: not a wasm 1.0 binary (bad magic or version)", ErrMalformed)
	}
	last := 0
	var (
		drop     [][2]int // byte ranges of dropped name sections
		seenName bool
	)
	for r.len() > 0 {
		start := r.off
		id, _ := r.byte()
		size, err := r.u32()
		if err != nil {
			return nil, fmt.Errorf("%w: section at offset %d: size: %w", ErrMalformed, start, err)
		}
		content, err := r.take(uint64(size))
		if err != nil {
			return nil, fmt.Errorf("%w: section %d at offset %d: size %d past the end", ErrMalformed, id, start, size)
		}
		if id == 13 {
			return nil, fmt.Errorf("%w: tag section (exception handling) at offset %d", ErrUnsupported, start)
		}
		if id != 0 {
			rank := sectionRank(id)
			if rank == 0 {
				return nil, fmt.Errorf("%w: unknown section id %d at offset %d", ErrMalformed, id, start)
			}
			if rank <= last {
				return nil, fmt.Errorf("%w: section %d at offset %d is out of order or repeated", ErrMalformed, id, start)
			}
			last = rank
		}
		sr := &reader{b: content}
		if id == 0 {
			if name, err := sr.name(); err == nil && name == "name" {
				if seenName || checkNames(sr) != nil {
					drop = append(drop, [2]int{start, r.off})
				}
				seenName = true
				continue
			}
			sr.off = 0
		}
		if err := checkSection(id, sr); err != nil {
			return nil, fmt.Errorf("section %d at offset %d: %w", id, start, asMalformed(err))
		}
		if sr.len() != 0 {
			return nil, fmt.Errorf("%w: section %d at offset %d: %d bytes left over", ErrMalformed, id, start, sr.len())
		}
	}
	if len(drop) == 0 {
		return b, nil
	}
	out := make([]byte, 0, len(b))
	at := 0
	for _, d := range drop {
		out = append(out, b[at:d[0]]...)
		at = d[1]
	}
	return append(out, b[at:]...), nil
}

// asMalformed makes err wrap ErrMalformed unless it already wraps one of the
// package's sentinels.
func asMalformed(err error) error {
	if errors.Is(err, ErrMalformed) || errors.Is(err, ErrUnsupported) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrMalformed, err)
}

// vector runs each for every element of a vector whose elements take at
// least min bytes.
func vector(r *reader, min int, each func(i uint32) error) error {
	n, err := r.count(min)
	if err != nil {
		return err
	}
	for i := uint32(0); i < n; i++ {
		if err := each(i); err != nil {
			return fmt.Errorf("entry %d: %w", i, err)
		}
	}
	return nil
}

func checkSection(id byte, r *reader) error {
	switch id {
	case 0: // custom, other than "name"
		if _, err := r.name(); err != nil {
			return err
		}
		r.off = len(r.b)
		return nil
	case 1: // type
		return vector(r, 3, func(uint32) error {
			if c, err := r.byte(); err != nil || c != 0x60 {
				return errors.New("function type does not start with 0x60")
			}
			for range 2 { // params, results
				n, err := r.count(1)
				if err != nil {
					return err
				}
				if _, err := r.take(uint64(n)); err != nil {
					return err
				}
			}
			return nil
		})
	case 2: // import
		return vector(r, 4, func(uint32) error {
			for range 2 { // module, name
				if _, err := r.name(); err != nil {
					return err
				}
			}
			kind, err := r.byte()
			if err != nil {
				return err
			}
			return checkDesc(r, kind)
		})
	case 3: // function
		return vector(r, 1, func(uint32) error { _, err := r.u32(); return err })
	case 4: // table
		return vector(r, 2, func(uint32) error { return checkDesc(r, 1) })
	case 5: // memory
		return vector(r, 2, func(uint32) error { return checkDesc(r, 2) })
	case 6: // global
		return vector(r, 4, func(uint32) error {
			if _, err := r.take(2); err != nil {
				return err
			}
			return checkConstExpr(r)
		})
	case 7: // export
		return vector(r, 3, func(uint32) error {
			if _, err := r.name(); err != nil {
				return err
			}
			kind, err := r.byte()
			if err != nil {
				return err
			}
			switch {
			case kind == 4:
				return fmt.Errorf("%w: tag export (exception handling)", ErrUnsupported)
			case kind > 4:
				return fmt.Errorf("export kind %d", kind)
			}
			_, err = r.u32()
			return err
		})
	case 8, 12: // start, data count
		_, err := r.u32()
		return err
	case 9:
		return vector(r, 3, func(uint32) error { return checkElement(r) })
	case 10:
		return vector(r, 1, func(uint32) error { return checkCode(r) })
	case 11:
		return vector(r, 1, func(uint32) error { return checkData(r) })
	}
	return nil
}

// checkDesc checks an import description of the given kind; tables and
// memories use it for their own section too.
func checkDesc(r *reader, kind byte) error {
	var err error
	switch kind {
	case 0: // function
		_, err = r.u32()
	case 1: // table: reftype, limits
		if _, err = r.byte(); err == nil {
			err = checkLimits(r)
		}
	case 2: // memory
		err = checkLimits(r)
	case 3: // global: valtype, mutability
		_, err = r.take(2)
	case 4:
		err = fmt.Errorf("%w: tag import (exception handling)", ErrUnsupported)
	default:
		err = fmt.Errorf("import kind %d", kind)
	}
	return err
}

func checkLimits(r *reader) error {
	flag, err := r.byte()
	if err != nil {
		return err
	}
	if flag > 1 {
		return fmt.Errorf("%w: limits flag 0x%02X (shared or 64-bit memory)", ErrUnsupported, flag)
	}
	if _, err := r.u32(); err != nil {
		return err
	}
	if flag == 1 {
		_, err = r.u32()
	}
	return err
}

// checkConstExpr checks the single-instruction constant expressions wabin
// decodes.
func checkConstExpr(r *reader) error {
	op, err := r.byte()
	if err != nil {
		return err
	}
	switch op {
	case 0x41:
		_, err = r.sleb(32)
	case 0x42:
		_, err = r.sleb(64)
	case 0x43:
		_, err = r.take(4)
	case 0x44:
		_, err = r.take(8)
	case opGlobalGet, opRefFunc:
		_, err = r.u32()
	case 0xD0:
		_, err = r.byte()
	case opPrefixSIMD:
		if sub, e := r.byte(); e != nil || sub != 0x0C {
			return errors.New("constant expression: SIMD opcode other than v128.const")
		}
		_, err = r.take(16)
	default:
		return fmt.Errorf("%w: constant expression opcode 0x%02X (extended constant expressions)", ErrUnsupported, op)
	}
	if err != nil {
		return err
	}
	if end, err := r.byte(); err != nil || end != opEnd {
		return errors.New("constant expression is not a single instruction followed by end")
	}
	return nil
}

func checkElement(r *reader) error {
	prefix, err := r.u32()
	if err != nil {
		return err
	}
	if prefix > 7 {
		return fmt.Errorf("element segment prefix %d", prefix)
	}
	if prefix&1 == 0 { // active: (table index,) offset
		if prefix&2 != 0 {
			if _, err := r.u32(); err != nil {
				return err
			}
		}
		if err := checkConstExpr(r); err != nil {
			return err
		}
	}
	if prefix&3 != 0 { // elemkind or reftype
		if _, err := r.byte(); err != nil {
			return err
		}
	}
	if prefix&4 == 0 {
		return vector(r, 1, func(uint32) error { _, err := r.u32(); return err })
	}
	return vector(r, 2, func(uint32) error { return checkConstExpr(r) })
}

func checkCode(r *reader) error {
	size, err := r.u32()
	if err != nil {
		return err
	}
	body, err := r.take(uint64(size))
	if err != nil {
		return err
	}
	br := &reader{b: body}
	var total uint64
	err = vector(br, 2, func(uint32) error {
		n, err := br.u32()
		if err != nil {
			return err
		}
		if total += uint64(n); total > maxLocals {
			return fmt.Errorf("%w: more than %d locals", ErrUnsupported, maxLocals)
		}
		_, err = br.byte()
		return err
	})
	if err != nil {
		return fmt.Errorf("locals: %w", err)
	}
	if br.len() == 0 || body[len(body)-1] != opEnd {
		return errors.New("function body does not end with end")
	}
	return nil
}

func checkData(r *reader) error {
	prefix, err := r.u32()
	if err != nil {
		return err
	}
	switch prefix {
	case 0:
	case 1:
	case 2:
		if _, err := r.u32(); err != nil {
			return err
		}
	default:
		return fmt.Errorf("data segment prefix %d", prefix)
	}
	if prefix != 1 {
		if err := checkConstExpr(r); err != nil {
			return err
		}
	}
	n, err := r.u32()
	if err != nil {
		return err
	}
	_, err = r.take(uint64(n))
	return err
}

// checkNames checks the subsections of the "name" custom section that wabin
// decodes: module name (0), function names (1), local names (2).
func checkNames(r *reader) error {
	for r.len() > 0 {
		id, _ := r.byte()
		size, err := r.u32()
		if err != nil {
			return err
		}
		content, err := r.take(uint64(size))
		if err != nil {
			return fmt.Errorf("name subsection %d: %w", id, err)
		}
		sr := &reader{b: content}
		nameMap := func(uint32) error {
			if _, err := sr.u32(); err != nil {
				return err
			}
			_, err := sr.name()
			return err
		}
		switch id {
		case 0:
			_, err = sr.name()
		case 1:
			err = vector(sr, 2, nameMap)
		case 2:
			err = vector(sr, 2, func(uint32) error {
				if _, err := sr.u32(); err != nil {
					return err
				}
				return vector(sr, 2, nameMap)
			})
		default:
			sr.off = len(sr.b)
		}
		if err != nil {
			return fmt.Errorf("name subsection %d: %w", id, err)
		}
		if sr.len() != 0 {
			return fmt.Errorf("name subsection %d: %d bytes left over", id, sr.len())
		}
	}
	return nil
}
