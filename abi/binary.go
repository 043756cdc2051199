package abi

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"sort"
)

// Form is the encoding of a document.
type Form uint8

// The two forms.
const (
	FormJSON   Form = iota // canonical; starts with '{'
	FormBinary             // compact; starts with a 4-byte magic
)

// Binary magics: three letters and the ABI version.
const (
	magicSelectIn  = "NSI\x01"
	magicSelectOut = "NSO\x01"
	magicPriceIn   = "NPI\x01"
	magicPriceOut  = "NPO\x01"
)

// FormOf tells a document's form from its first byte.
func FormOf(b []byte) Form {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '{':
			return FormJSON
		default:
			return FormBinary
		}
	}
	return FormBinary
}

// --- select ---

// EncodeSelectInput encodes in, in form f. The binary form needs at most
// 255 distinct capability strings; past that the JSON form is used (the
// decoder tells forms apart by themselves).
//
// Binary layout (big-endian): magic "NSI\x01"; seed [32]; purpose u8
// (0 compute, 1 validator); count u16; strategy str8; capability table:
// u8 count of str8; n u16; then per candidate: id (u8 tag: 1 and 20 bytes
// for a lowercase 0x-hex address, 0 and a str8 otherwise), stake u64,
// reputation u8, successBps u16, latencyMs u32, load u8, price str8, and
// capabilities as a u8 count of u8 indices into the table. str8 is a u8
// length and the bytes. Compact on purpose: an Extism plugin reads its
// input eight bytes per host call.
func EncodeSelectInput(in *SelectInput, f Form) []byte {
	if f == FormJSON {
		b, _ := json.Marshal(in)
		return b
	}
	capIndex := map[string]int{}
	var caps []string
	for _, c := range in.Candidates {
		for _, cp := range c.Capabilities {
			if _, ok := capIndex[cp]; !ok {
				capIndex[cp] = len(caps)
				caps = append(caps, cp)
			}
		}
	}
	if len(caps) > 255 {
		return EncodeSelectInput(in, FormJSON)
	}
	w := writer(make([]byte, 0, 64+len(in.Candidates)*48))
	w = append(w, magicSelectIn...)
	w = append(w, in.Seed[:]...)
	purpose := byte(0)
	if in.Purpose == PurposeValidator {
		purpose = 1
	}
	w = append(w, purpose)
	w = w.u16(uint16(in.Count)).str8(in.Strategy)
	w = append(w, byte(len(caps)))
	for _, cp := range caps {
		w = w.str8(cp)
	}
	w = w.u16(uint16(len(in.Candidates)))
	for _, c := range in.Candidates {
		if addr, ok := hexAddress(c.ID); ok {
			w = append(append(w, 1), addr...)
		} else {
			w = append(w, 0).str8(c.ID)
		}
		w = w.u64(c.Stake)
		w = append(w, byte(c.Reputation))
		w = w.u16(uint16(c.SuccessBps)).u32(c.LatencyMs)
		w = append(w, byte(c.Load))
		w = w.str8(c.Price)
		w = append(w, byte(len(c.Capabilities)))
		for _, cp := range c.Capabilities {
			w = append(w, byte(capIndex[cp]))
		}
	}
	return w
}

// hexAddress decodes a lowercase 0x-prefixed 20-byte hex id, the form
// node addresses take; only that exact spelling, so decoding gives the id back.
func hexAddress(id string) ([]byte, bool) {
	if len(id) != 42 || id[0] != '0' || id[1] != 'x' {
		return nil, false
	}
	for i := 2; i < 42; i++ {
		if c := id[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return nil, false
		}
	}
	b, err := hex.DecodeString(id[2:])
	return b, err == nil
}

// DecodeSelectInput decodes either form and validates the result.
func DecodeSelectInput(b []byte) (*SelectInput, Form, error) {
	var in SelectInput
	f := FormOf(b)
	if f == FormJSON {
		if err := json.Unmarshal(b, &in); err != nil {
			return nil, f, Errorf(CodeInvalidInput, "select input: %v", err)
		}
	} else {
		r := reader{b: b}
		if !r.magic(magicSelectIn) {
			return nil, f, Errorf(CodeInvalidInput, "select input: neither JSON nor the binary form")
		}
		in.Version = Version
		copy(in.Seed[:], r.bytes(32))
		switch r.u8() {
		case 0:
			in.Purpose = PurposeCompute
		case 1:
			in.Purpose = PurposeValidator
		default:
			return nil, f, Errorf(CodeInvalidInput, "select input: bad purpose")
		}
		in.Count = int(r.u16())
		in.Strategy = r.str8()
		caps := make([]string, r.u8())
		for i := range caps {
			caps[i] = r.str8()
		}
		n := int(r.u16())
		if n > MaxCandidates {
			return nil, f, Errorf(CodeInvalidInput, "%d candidates, at most %d", n, MaxCandidates)
		}
		in.Candidates = make([]Candidate, 0, n)
		// Few allocations: ids spelled from addresses share one buffer, and
		// capability lists share one backing array.
		var hexIDs []byte
		var hexAt []int
		capBacking := make([]string, 0, 2*n)
		for i := 0; i < n && r.err == nil; i++ {
			var c Candidate
			switch r.u8() {
			case 0:
				c.ID = r.str8()
			case 1:
				if addr := r.bytes(20); addr != nil {
					hexAt = append(hexAt, i)
					hexIDs = hex.AppendEncode(append(hexIDs, '0', 'x'), addr)
				}
			default:
				r.fail("bad id tag")
			}
			c.Stake, c.Reputation, c.SuccessBps, c.LatencyMs, c.Load = r.u64(), uint32(r.u8()), uint32(r.u16()), r.u32(), uint32(r.u8())
			c.Price = r.str8()
			if k := int(r.u8()); k > 0 {
				start := len(capBacking)
				for j := 0; j < k; j++ {
					idx := int(r.u8())
					if idx >= len(caps) {
						r.fail("capability index out of range")
						break
					}
					capBacking = append(capBacking, caps[idx])
				}
				c.Capabilities = capBacking[start:len(capBacking):len(capBacking)]
			}
			in.Candidates = append(in.Candidates, c)
		}
		if len(hexAt) > 0 {
			ids := string(hexIDs)
			for k, i := range hexAt {
				in.Candidates[i].ID = ids[42*k : 42*k+42]
			}
		}
		if err := r.done("select input"); err != nil {
			return nil, f, err
		}
	}
	if err := in.Validate(); err != nil {
		return nil, f, err
	}
	return &in, f, nil
}

// EncodeSelectOutput encodes a ranking of in's candidates (indices into
// in.Candidates, best first) in form f: ids in JSON, u16 indices in binary
// (magic "NSO\x01", n u16, indices u16).
func EncodeSelectOutput(in *SelectInput, ranked []int, f Form) []byte {
	if f == FormJSON {
		out := SelectOutput{Version: Version, IDs: make([]string, len(ranked))}
		for i, idx := range ranked {
			out.IDs[i] = in.Candidates[idx].ID
		}
		b, _ := json.Marshal(out)
		return b
	}
	w := writer(make([]byte, 0, 6+2*len(ranked)))
	w = append(w, magicSelectOut...)
	w = w.u16(uint16(len(ranked)))
	for _, idx := range ranked {
		w = w.u16(uint16(idx))
	}
	return w
}

// DecodeSelectOutput decodes a ranking in either form and checks it
// against the input it answers.
func DecodeSelectOutput(b []byte, in *SelectInput) (*SelectOutput, error) {
	var out SelectOutput
	if FormOf(b) == FormJSON {
		if err := json.Unmarshal(b, &out); err != nil {
			return nil, Errorf(CodeBadOutput, "select output: %v", err)
		}
	} else {
		r := reader{b: b}
		if !r.magic(magicSelectOut) {
			return nil, Errorf(CodeBadOutput, "select output: neither JSON nor the binary form")
		}
		out.Version = Version
		n := int(r.u16())
		if n > len(in.Candidates) {
			return nil, Errorf(CodeBadOutput, "select output: %d ids for %d candidates", n, len(in.Candidates))
		}
		out.IDs = make([]string, 0, n)
		for i := 0; i < n && r.err == nil; i++ {
			idx := int(r.u16())
			if idx >= len(in.Candidates) {
				return nil, Errorf(CodeBadOutput, "select output: index %d out of range", idx)
			}
			out.IDs = append(out.IDs, in.Candidates[idx].ID)
		}
		if err := r.done("select output"); err != nil {
			return nil, Errorf(CodeBadOutput, "%s", err.Message)
		}
	}
	if err := out.Check(in); err != nil {
		return nil, err
	}
	return &out, nil
}

// --- price ---

// EncodePriceInput encodes in, in form f. Binary: magic "NPI\x01"; subnet
// str16; model str16; inputTokens u64; outputTokens u64; estimatedMillis
// u64; params u8 count of (key str16, value str16), keys sorted.
func EncodePriceInput(in *PriceInput, f Form) []byte {
	if f == FormJSON {
		b, _ := json.Marshal(in)
		return b
	}
	w := writer(make([]byte, 0, 64))
	w = append(w, magicPriceIn...)
	w = w.str16(in.Subnet).str16(in.Model).u64(in.InputTokens).u64(in.OutputTokens).u64(in.EstimatedMillis)
	keys := make([]string, 0, len(in.Params))
	for k := range in.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	w = append(w, byte(len(keys)))
	for _, k := range keys {
		w = w.str16(k).str16(in.Params[k])
	}
	return w
}

// DecodePriceInput decodes either form and validates the result.
func DecodePriceInput(b []byte) (*PriceInput, Form, error) {
	var in PriceInput
	f := FormOf(b)
	if f == FormJSON {
		if err := json.Unmarshal(b, &in); err != nil {
			return nil, f, Errorf(CodeInvalidInput, "price input: %v", err)
		}
	} else {
		r := reader{b: b}
		if !r.magic(magicPriceIn) {
			return nil, f, Errorf(CodeInvalidInput, "price input: neither JSON nor the binary form")
		}
		in.Version = Version
		in.Subnet, in.Model = r.str16(), r.str16()
		in.InputTokens, in.OutputTokens, in.EstimatedMillis = r.u64(), r.u64(), r.u64()
		if n := int(r.u8()); n > 0 {
			in.Params = make(map[string]string, n)
			for i := 0; i < n && r.err == nil; i++ {
				k := r.str16()
				in.Params[k] = r.str16()
			}
		}
		if err := r.done("price input"); err != nil {
			return nil, f, err
		}
	}
	if err := in.Validate(); err != nil {
		return nil, f, err
	}
	return &in, f, nil
}

// EncodePriceOutput encodes out in form f. Binary: magic "NPO\x01" and the
// four amounts as str8, in tree order.
func EncodePriceOutput(out *PriceOutput, f Form) []byte {
	if f == FormJSON {
		b, _ := json.Marshal(out)
		return b
	}
	w := writer(make([]byte, 0, 96))
	w = append(w, magicPriceOut...)
	return w.str8(out.Compute).str8(out.Gateway).str8(out.Validators).str8(out.Treasury)
}

// DecodePriceOutput decodes either form; Amounts validates the amounts.
func DecodePriceOutput(b []byte) (*PriceOutput, error) {
	var out PriceOutput
	if FormOf(b) == FormJSON {
		if err := json.Unmarshal(b, &out); err != nil {
			return nil, Errorf(CodeBadOutput, "price output: %v", err)
		}
		return &out, nil
	}
	r := reader{b: b}
	if !r.magic(magicPriceOut) {
		return nil, Errorf(CodeBadOutput, "price output: neither JSON nor the binary form")
	}
	out = PriceOutput{Version: Version, Compute: r.str8(), Gateway: r.str8(), Validators: r.str8(), Treasury: r.str8()}
	if err := r.done("price output"); err != nil {
		return nil, Errorf(CodeBadOutput, "%s", err.Message)
	}
	return &out, nil
}

// --- primitives ---

type writer []byte

func (w writer) u16(v uint16) writer { return binary.BigEndian.AppendUint16(w, v) }
func (w writer) u32(v uint32) writer { return binary.BigEndian.AppendUint32(w, v) }
func (w writer) u64(v uint64) writer { return binary.BigEndian.AppendUint64(w, v) }

// str8 writes a string of at most 255 bytes (longer is cut; Validate
// rejects such inputs before they are encoded).
func (w writer) str8(s string) writer {
	if len(s) > 255 {
		s = s[:255]
	}
	return append(append(w, byte(len(s))), s...)
}

func (w writer) str16(s string) writer {
	if len(s) > 65535 {
		s = s[:65535]
	}
	return append(w.u16(uint16(len(s))), s...)
}

// reader decodes with bounds checks; the first failure sticks in err and
// every later read returns zero values.
type reader struct {
	b   []byte
	s   string // b as one string, made on first use: str8 returns substrings of it without allocating
	off int
	err *Error
}

func (r *reader) bytes(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || r.off+n > len(r.b) {
		r.err = Errorf(CodeInvalidInput, "truncated at byte %d", r.off)
		return nil
	}
	v := r.b[r.off : r.off+n]
	r.off += n
	return v
}

// fail records a malformed document (the first failure sticks).
func (r *reader) fail(why string) {
	if r.err == nil {
		r.err = Errorf(CodeInvalidInput, "%s at byte %d", why, r.off)
	}
}

func (r *reader) magic(m string) bool { return string(r.bytes(len(m))) == m }

func (r *reader) u8() uint8 {
	if b := r.bytes(1); b != nil {
		return b[0]
	}
	return 0
}

func (r *reader) u16() uint16 {
	if b := r.bytes(2); b != nil {
		return binary.BigEndian.Uint16(b)
	}
	return 0
}

func (r *reader) u32() uint32 {
	if b := r.bytes(4); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

func (r *reader) u64() uint64 {
	if b := r.bytes(8); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}

func (r *reader) str8() string  { return r.str(int(r.u8())) }
func (r *reader) str16() string { return r.str(int(r.u16())) }

func (r *reader) str(n int) string {
	start := r.off
	if r.bytes(n) == nil {
		return ""
	}
	if r.s == "" {
		r.s = string(r.b)
	}
	return r.s[start : start+n]
}

// done reports a read past the end or bytes left over.
func (r *reader) done(what string) *Error {
	if r.err != nil {
		return Errorf(CodeInvalidInput, "%s: %s", what, r.err.Message)
	}
	if r.off != len(r.b) {
		return Errorf(CodeInvalidInput, "%s: %d trailing bytes", what, len(r.b)-r.off)
	}
	return nil
}
