package meter

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// reader reads WebAssembly binary primitives from a byte slice. It never
// panics: every read checks the bounds.
type reader struct {
	b   []byte
	off int
}

func (r *reader) len() int { return len(r.b) - r.off }

func (r *reader) byte() (byte, error) {
	if r.off >= len(r.b) {
		return 0, errEOF
	}
	c := r.b[r.off]
	r.off++
	return c, nil
}

// take returns the next n bytes without copying them.
func (r *reader) take(n uint64) ([]byte, error) {
	if n > uint64(r.len()) {
		return nil, errEOF
	}
	s := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return s, nil
}

// uleb reads an unsigned LEB128 integer of at most bits bits.
func (r *reader) uleb(bits uint) (uint64, error) {
	var v uint64
	maxLen := int((bits + 6) / 7)
	for i := 0; ; i++ {
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		shift := uint(7 * i)
		if i == maxLen-1 {
			// The last byte may only carry the bits that remain.
			if c&0x80 != 0 || (bits-shift < 7 && c>>(bits-shift) != 0) {
				return 0, errOverflow
			}
			return v | uint64(c)<<shift, nil
		}
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			return v, nil
		}
	}
}

// sleb reads a signed LEB128 integer of at most bits bits. Like wazero, it
// does not insist that the unused bits of a maximal-length encoding repeat
// the sign: the rewriter copies immediates verbatim, and refusing what the
// runtime accepts would refuse working modules.
func (r *reader) sleb(bits uint) (int64, error) {
	var v int64
	maxLen := int((bits + 6) / 7)
	for i := 0; ; i++ {
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		shift := uint(7 * i)
		v |= int64(c&0x7f) << shift
		if c&0x80 == 0 {
			if sh := shift + 7; sh < 64 && c&0x40 != 0 {
				v |= -1 << sh
			}
			return v, nil
		}
		if i == maxLen-1 {
			return 0, errOverflow
		}
	}
}

func (r *reader) u32() (uint32, error) {
	v, err := r.uleb(32)
	return uint32(v), err
}

// count reads a vector length and checks that at least min bytes per
// element remain, so that no caller allocates for elements that cannot be
// there.
func (r *reader) count(min int) (uint32, error) {
	n, err := r.u32()
	if err != nil {
		return 0, err
	}
	if uint64(n)*uint64(min) > uint64(r.len()) {
		return 0, fmt.Errorf("count %d exceeds the %d bytes left", n, r.len())
	}
	return n, nil
}

// name reads a length-prefixed UTF-8 string.
func (r *reader) name() (string, error) {
	n, err := r.u32()
	if err != nil {
		return "", err
	}
	s, err := r.take(uint64(n))
	if err != nil {
		return "", err
	}
	if !utf8.Valid(s) {
		return "", errors.New("name is not valid UTF-8")
	}
	return string(s), nil
}
