// json.ts: what both modules of this project (index.ts, the select
// strategies, and defaults.ts, price and the input and output guards) share:
// the host's ncn_io functions, a reader of JSON documents that decodes as
// Go's encoding/json does, and a writer of output documents.

// The host's input and output functions (abi.IOModule, abi/doc.go): the
// whole input and output in one host call each.
// @ts-ignore: decorator
@external("ncn_io", "input_length")
export declare function ioInputLength(): i32;
// @ts-ignore: decorator
@external("ncn_io", "input_read")
export declare function ioInputRead(dst: usize, n: i32): i32;
// @ts-ignore: decorator
@external("ncn_io", "output_write")
export declare function ioOutputWrite(src: usize, n: i32): void;

// Error codes (abi/errors.go).
export const INVALID_INPUT = "invalid_input";
export const UNSUPPORTED_VERSION = "unsupported_version";
export const UNKNOWN_STRATEGY = "unknown_strategy";

// Limits (abi/types.go), and encoding/json's nesting limit.
export const VERSION: i64 = 1;
export const MAX_CANDIDATES = 1024;
export const MAX_ID_LEN = 128;
export const MAX_CAPABILITIES = 32;
export const MAX_STRING_LEN = 255;
export const MAX_PRICE_LEN = 78;
export const MAX_REPUTATION: u64 = 100;
export const MAX_DEPTH = 10000;

// Bytes the decoder looks for.
export const TAB = 0x09;
export const LF = 0x0a;
export const CR = 0x0d;
export const SPACE = 0x20;
export const QUOTE = 0x22; // "
export const PLUS = 0x2b; // +
export const COMMA = 0x2c; // ,
export const MINUS = 0x2d; // -
export const DOT = 0x2e; // .
export const SLASH = 0x2f; // /
export const ZERO = 0x30; // 0
export const NINE = 0x39; // 9
export const COLON = 0x3a; // :
export const LBRACKET = 0x5b; // [
export const BACKSLASH = 0x5c; // \
export const RBRACKET = 0x5d; // ]
export const LBRACE = 0x7b; // {
export const RBRACE = 0x7d; // }
export const LOWER_E = 0x65;
export const UPPER_E = 0x45;
export const LOWER_F = 0x66;
export const LOWER_N = 0x6e;
export const LOWER_T = 0x74;
export const LOWER_U = 0x75;

// What a field reader found.
export const FAILED = -1; // the document is malformed or the value has the wrong type
export const NULL = 0; // JSON null: the field keeps its value
export const VALUE = 1; // a value, in Parser.num or Parser.str

// A string is a span of memory packed in a u64: address << 32 | length.
// The empty string is 0.
// @ts-ignore: decorator
@inline export function span(ptr: usize, len: i32): u64 {
  return (<u64>ptr << 32) | <u64><u32>len;
}
// @ts-ignore: decorator
@inline export function spanPtr(s: u64): usize {
  return <usize>(s >>> 32);
}
// @ts-ignore: decorator
@inline export function spanLen(s: u64): i32 {
  return <i32><u32>s;
}

export class Parser {
  base: usize; // the input
  len: i32;
  pos: i32 = 0;
  arena: usize; // where the next rewritten string goes
  err: string | null = null;
  what: string; // what is read, for messages: "select input"
  num: u64 = 0; // the last integer read; i64 bits when signed
  str: u64 = 0; // the last string read
  plain: bool = false; // the last string checked needs no rewriting

  constructor(base: usize, len: i32, what: string) {
    this.base = base;
    this.len = len;
    this.what = what;
    // Rewriting never more than triples a string (a stray byte becomes
    // U+FFFD), and each input byte is rewritten at most once.
    this.arena = heap.alloc(<usize>len * 3 + 8);
  }

  fail(what: string): i32 {
    if (this.err === null) this.err = this.what + ": offset " + this.pos.toString() + ": " + what;
    return FAILED;
  }

  get failed(): bool {
    return this.err !== null;
  }

  // @ts-ignore: decorator
  @inline at(i: i32): i32 {
    return <i32>load<u8>(this.base + <usize>i);
  }

  // @ts-ignore: decorator
  @inline peek(): i32 {
    return this.pos < this.len ? this.at(this.pos) : -1;
  }

  ws(): void {
    let i = this.pos;
    while (i < this.len) {
      const c = this.at(i);
      if (c != SPACE && c != TAB && c != LF && c != CR) break;
      i++;
    }
    this.pos = i;
  }

  expect(c: i32, what: string): bool {
    if (this.peek() != c) {
      this.fail("want " + what);
      return false;
    }
    this.pos++;
    return true;
  }

  // literal reads true, false or null.
  literal(): bool {
    const c = this.peek();
    const word = c == LOWER_T ? "true" : c == LOWER_F ? "false" : "null";
    for (let i = 0; i < word.length; i++) {
      if (this.peek() != word.charCodeAt(i)) {
        this.fail("bad literal");
        return false;
      }
      this.pos++;
    }
    return true;
  }

  digits(): void {
    let i = this.pos;
    while (i < this.len && isDigit(this.at(i))) i++;
    this.pos = i;
  }

  // number checks the JSON number at pos and moves past it.
  number(): bool {
    if (this.peek() == MINUS) this.pos++;
    const c = this.peek();
    if (c == ZERO) {
      this.pos++;
    } else if (c > ZERO && c <= NINE) {
      this.digits();
    } else {
      this.fail("bad number");
      return false;
    }
    if (this.peek() == DOT) {
      this.pos++;
      if (!isDigit(this.peek())) {
        this.fail("bad fraction");
        return false;
      }
      this.digits();
    }
    const e = this.peek();
    if (e == LOWER_E || e == UPPER_E) {
      this.pos++;
      const s = this.peek();
      if (s == PLUS || s == MINUS) this.pos++;
      if (!isDigit(this.peek())) {
        this.fail("bad exponent");
        return false;
      }
      this.digits();
    }
    return true;
  }

  // stringEnd checks the string whose opening quote is at pos and returns
  // the offset of its closing quote, or -1. It sets plain when the string
  // has no escape and no byte above 0x7F, so its bytes are its value.
  stringEnd(): i32 {
    let i = this.pos + 1;
    let plain = true;
    while (true) {
      if (i >= this.len) {
        this.pos = i;
        this.fail("unterminated string");
        return -1;
      }
      const c = this.at(i);
      if (c == QUOTE) break;
      if (c < SPACE) {
        this.pos = i;
        this.fail("control character in string");
        return -1;
      }
      if (c != BACKSLASH) {
        if (c >= 0x80) plain = false;
        i++;
        continue;
      }
      plain = false;
      const e = i + 1 < this.len ? this.at(i + 1) : -1;
      if (e == LOWER_U) {
        for (let k = 2; k < 6; k++) {
          if (i + k >= this.len || hexVal(this.at(i + k)) < 0) {
            this.pos = i;
            this.fail("bad \\u escape");
            return -1;
          }
        }
        i += 6;
      } else if (e == QUOTE || e == BACKSLASH || e == SLASH || e == 0x62 || e == LOWER_F || e == LOWER_N || e == 0x72 || e == LOWER_T) {
        i += 2;
      } else {
        this.pos = i;
        this.fail("bad escape");
        return -1;
      }
    }
    this.plain = plain;
    return i;
  }

  // string reads the string at pos into this.str as encoding/json does:
  // escapes decoded, each byte that is not part of well-formed UTF-8 and
  // each unpaired surrogate escape replaced by U+FFFD.
  string(): bool {
    if (this.peek() != QUOTE) {
      this.fail("want a string");
      return false;
    }
    const end = this.stringEnd();
    if (end < 0) return false;
    let i = this.pos + 1;
    this.pos = end + 1;
    if (this.plain) {
      this.str = span(this.base + <usize>i, end - i);
      return true;
    }
    const out = this.arena;
    let w: usize = out;
    while (i < end) {
      const c = this.at(i);
      if (c == BACKSLASH) {
        const e = this.at(i + 1);
        if (e != LOWER_U) {
          store<u8>(w++, <u8>unescape(e));
          i += 2;
          continue;
        }
        let r = this.hex4(i + 2);
        i += 6;
        if (r >= 0xd800 && r < 0xe000) {
          // Only a high surrogate followed by an escaped low one is a pair.
          let pair = false;
          if (r < 0xdc00 && i + 6 <= end && this.at(i) == BACKSLASH && this.at(i + 1) == LOWER_U) {
            const r2 = this.hex4(i + 2);
            if (r2 >= 0xdc00 && r2 < 0xe000) {
              r = 0x10000 + ((r - 0xd800) << 10) + (r2 - 0xdc00);
              i += 6;
              pair = true;
            }
          }
          if (!pair) r = 0xfffd;
        }
        w = putRune(w, r);
      } else if (c < 0x80) {
        store<u8>(w++, <u8>c);
        i++;
      } else {
        const n = utf8Len(this.base, i, end);
        if (n == 0) {
          w = putRune(w, 0xfffd);
          i++;
        } else {
          memory.copy(w, this.base + <usize>i, <usize>n);
          w += <usize>n;
          i += n;
        }
      }
    }
    this.arena = w;
    this.str = span(out, <i32>(w - out));
    return true;
  }

  hex4(i: i32): i32 {
    return (hexVal(this.at(i)) << 12) | (hexVal(this.at(i + 1)) << 8) | (hexVal(this.at(i + 2)) << 4) | hexVal(this.at(i + 3));
  }

  // skip checks and moves past a value of no interest; depth is the
  // nesting of the object or array holding it.
  skip(depth: i32): void {
    const open = new Array<i32>(); // the containers entered, innermost last
    while (true) {
      this.ws();
      const c = this.peek();
      if (c == LBRACE || c == LBRACKET) {
        if (depth + open.length + 1 > MAX_DEPTH) {
          this.fail("nested deeper than " + MAX_DEPTH.toString());
          return;
        }
        this.pos++;
        this.ws();
        if (this.peek() == (c == LBRACE ? RBRACE : RBRACKET)) {
          this.pos++;
        } else {
          open.push(c);
          if (c == LBRACE && !this.key()) return;
          continue;
        }
      } else if (c == QUOTE) {
        const end = this.stringEnd();
        if (end < 0) return;
        this.pos = end + 1;
      } else if (c == MINUS || isDigit(c)) {
        if (!this.number()) return;
      } else if (c == LOWER_T || c == LOWER_F || c == LOWER_N) {
        if (!this.literal()) return;
      } else {
        this.fail("want a value");
        return;
      }
      // A value is complete: close what it completes.
      while (true) {
        if (open.length == 0) return;
        this.ws();
        const inObject = open[open.length - 1] == LBRACE;
        const d = this.peek();
        if (d == COMMA) {
          this.pos++;
          if (inObject && !this.key()) return;
          break;
        }
        if (d != (inObject ? RBRACE : RBRACKET)) {
          this.fail(inObject ? "want ',' or '}'" : "want ',' or ']'");
          return;
        }
        this.pos++;
        open.pop();
      }
    }
  }

  // key checks an object key and its colon, skipping the key.
  key(): bool {
    this.ws();
    if (this.peek() != QUOTE) {
      this.fail("want an object key");
      return false;
    }
    const end = this.stringEnd();
    if (end < 0) return false;
    this.pos = end + 1;
    this.ws();
    return this.expect(COLON, "':'");
  }

  // object runs field for every key of the object at pos, or does nothing
  // for null, as decoding null into a Go struct does. field reads the
  // value. Returns NULL, VALUE or FAILED.
  object(depth: i32, field: (p: Parser, key: u64) => void): i32 {
    const c = this.peek();
    if (c == LOWER_N) return this.literal() ? NULL : FAILED;
    if (c != LBRACE) return this.fail("want an object");
    if (depth > MAX_DEPTH) return this.fail("nested too deep");
    this.pos++;
    this.ws();
    if (this.peek() == RBRACE) {
      this.pos++;
      return VALUE;
    }
    while (true) {
      this.ws();
      if (!this.string()) return FAILED;
      const key = this.str;
      this.ws();
      if (!this.expect(COLON, "':'")) return FAILED;
      this.ws();
      field(this, key);
      if (this.failed) return FAILED;
      this.ws();
      const d = this.peek();
      if (d == COMMA) {
        this.pos++;
        continue;
      }
      if (d == RBRACE) {
        this.pos++;
        return VALUE;
      }
      return this.fail("want ',' or '}'");
    }
  }

  // array reads an array into the front of a Go-like slice whose other
  // elements are kept: element(i) decodes element i. Returns the new
  // length, 0 for an empty array (the slice is replaced by an empty one),
  // -1 for null (the slice becomes nil), or -2 on failure.
  array(depth: i32, element: (p: Parser, i: i32) => void): i32 {
    const c = this.peek();
    if (c == LOWER_N) return this.literal() ? -1 : -2;
    if (c != LBRACKET) {
      this.fail("want an array");
      return -2;
    }
    if (depth > MAX_DEPTH) {
      this.fail("nested too deep");
      return -2;
    }
    this.pos++;
    this.ws();
    if (this.peek() == RBRACKET) {
      this.pos++;
      return 0;
    }
    let i = 0;
    while (true) {
      this.ws();
      element(this, i);
      if (this.failed) return -2;
      i++;
      this.ws();
      const d = this.peek();
      if (d == COMMA) {
        this.pos++;
        continue;
      }
      if (d == RBRACKET) {
        this.pos++;
        return i;
      }
      this.fail("want ',' or ']'");
      return -2;
    }
  }

  // integer reads a number into a Go integer: what strconv.ParseInt
  // (signed, within int64) or ParseUint (unsigned, at most max) accepts, so
  // no fraction, no exponent, and no sign on an unsigned one. The value
  // goes to this.num.
  integer(signed: bool, max: u64): i32 {
    const c = this.peek();
    if (c == LOWER_N) return this.literal() ? NULL : FAILED;
    if (c != MINUS && !isDigit(c)) return this.fail("want a number");
    const start = this.pos;
    if (!this.number()) return FAILED;
    let i = start;
    const neg = this.at(i) == MINUS;
    if (neg) {
      if (!signed) return this.fail("negative number for an unsigned field");
      i++;
    }
    // The magnitude may reach 2^63 only when negative.
    const limit: u64 = signed ? (neg ? (<u64>1) << 63 : ((<u64>1) << 63) - 1) : max;
    let v: u64 = 0;
    for (; i < this.pos; i++) {
      const d = this.at(i);
      if (!isDigit(d)) return this.fail("want an integer");
      const digit = <u64>(d - ZERO);
      if (v > (limit - digit) / 10) return this.fail("integer out of range");
      v = v * 10 + digit;
    }
    this.num = neg ? 0 - v : v;
    return VALUE;
  }

  // text reads a string field into this.str: null leaves the field alone,
  // anything else but a string is an error.
  text(): i32 {
    if (this.peek() == LOWER_N) return this.literal() ? NULL : FAILED;
    return this.string() ? VALUE : FAILED;
  }
}

// @ts-ignore: decorator
@inline export function isDigit(c: i32): bool {
  return <u32>(c - ZERO) <= 9;
}

export function hexVal(c: i32): i32 {
  if (c >= ZERO && c <= NINE) return c - ZERO;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

export function unescape(e: i32): i32 {
  switch (e) {
    case 0x62:
      return 0x08; // \b
    case LOWER_F:
      return 0x0c; // \f
    case LOWER_N:
      return LF; // \n
    case 0x72:
      return CR; // \r
    case LOWER_T:
      return TAB; // \t
  }
  return e; // \" \\ \/
}

// utf8Len is the length of the well-formed UTF-8 sequence at base+i
// (before end), or 0: Go's utf8.DecodeRune rules, so no overlong forms, no
// surrogates, nothing above U+10FFFF.
export function utf8Len(base: usize, i: i32, end: i32): i32 {
  const c = <i32>load<u8>(base + <usize>i);
  let n = 0;
  let lo = 0x80;
  let hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0) lo = 0xa0;
    else if (c == 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0) lo = 0x90;
    else if (c == 0xf4) hi = 0x8f;
  } else {
    return 0;
  }
  if (i + n > end) return 0;
  const c1 = <i32>load<u8>(base + <usize>i + 1);
  if (c1 < lo || c1 > hi) return 0;
  for (let k = 2; k < n; k++) {
    const ck = <i32>load<u8>(base + <usize>(i + k));
    if (ck < 0x80 || ck > 0xbf) return 0;
  }
  return n;
}

export function putRune(w: usize, r: i32): usize {
  if (r < 0x80) {
    store<u8>(w, <u8>r);
    return w + 1;
  }
  if (r < 0x800) {
    store<u8>(w, <u8>(0xc0 | (r >> 6)));
    store<u8>(w + 1, <u8>(0x80 | (r & 0x3f)));
    return w + 2;
  }
  if (r < 0x10000) {
    store<u8>(w, <u8>(0xe0 | (r >> 12)));
    store<u8>(w + 1, <u8>(0x80 | ((r >> 6) & 0x3f)));
    store<u8>(w + 2, <u8>(0x80 | (r & 0x3f)));
    return w + 3;
  }
  store<u8>(w, <u8>(0xf0 | (r >> 18)));
  store<u8>(w + 1, <u8>(0x80 | ((r >> 12) & 0x3f)));
  store<u8>(w + 2, <u8>(0x80 | ((r >> 6) & 0x3f)));
  store<u8>(w + 3, <u8>(0x80 | (r & 0x3f)));
  return w + 4;
}

// keyIs matches a key to a field name (upper case ASCII) as encoding/json
// does: case-insensitively under Unicode simple folding, which for these
// names adds only U+017F (long s) for S and U+212A (Kelvin sign) for K.
export function keyIs(key: u64, name: string): bool {
  const p = spanPtr(key);
  const n = spanLen(key);
  let i = 0;
  for (let j = 0; j < name.length; j++) {
    if (i >= n) return false;
    let c = <i32>load<u8>(p + <usize>i);
    if (c >= 0x61 && c <= 0x7a) {
      c -= 0x20;
      i++;
    } else if (c < 0x80) {
      i++;
    } else if (c == 0xc5 && i + 1 < n && load<u8>(p + <usize>i + 1) == 0xbf) {
      c = 0x53; // S
      i += 2;
    } else if (c == 0xe2 && i + 2 < n && load<u8>(p + <usize>i + 1) == 0x84 && load<u8>(p + <usize>i + 2) == 0xaa) {
      c = 0x4b; // K
      i += 3;
    } else {
      return false;
    }
    if (c != name.charCodeAt(j)) return false;
  }
  return i == n;
}

export function spanIs(s: u64, text: string): bool {
  const p = spanPtr(s);
  const n = spanLen(s);
  if (n != text.length) return false;
  for (let i = 0; i < n; i++) {
    if (<i32>load<u8>(p + <usize>i) != text.charCodeAt(i)) return false;
  }
  return true;
}

export function isDecimal(s: u64): bool {
  const p = spanPtr(s);
  const n = spanLen(s);
  if (n == 0) return false;
  for (let i = 0; i < n; i++) {
    if (!isDigit(<i32>load<u8>(p + <usize>i))) return false;
  }
  return n == 1 || load<u8>(p) != ZERO;
}

// compare compares as Go compares strings: bytewise, a prefix first.
export function compare(a: u64, b: u64): i32 {
  let pa = spanPtr(a);
  let pb = spanPtr(b);
  const la = spanLen(a);
  const lb = spanLen(b);
  let n = min(la, lb);
  // Eight bytes at a time; big-endian order of a word is byte order.
  while (n >= 8) {
    const x = load<u64>(pa);
    const y = load<u64>(pb);
    if (x != y) return bswap<u64>(x) < bswap<u64>(y) ? -1 : 1;
    pa += 8;
    pb += 8;
    n -= 8;
  }
  while (n > 0) {
    const x = load<u8>(pa);
    const y = load<u8>(pb);
    if (x != y) return x < y ? -1 : 1;
    pa++;
    pb++;
    n--;
  }
  return la - lb;
}

// Writer builds the output document in memory that grows as it fills.
export class Writer {
  buf: Uint8Array = new Uint8Array(256);
  len: i32 = 0;

  reserve(n: i32): void {
    if (this.len + n <= this.buf.length) return;
    const bigger = new Uint8Array(max(this.buf.length * 2, this.len + n));
    memory.copy(bigger.dataStart, this.buf.dataStart, <usize>this.len);
    this.buf = bigger;
  }

  byte(c: i32): void {
    this.reserve(1);
    store<u8>(this.buf.dataStart + <usize>this.len, <u8>c);
    this.len++;
  }

  // ascii writes s, which holds nothing to escape.
  ascii(s: string): void {
    for (let i = 0; i < s.length; i++) this.byte(s.charCodeAt(i));
  }

  // escaped writes s (well-formed UTF-8) escaped for a JSON string.
  escaped(s: u64): void {
    const p = spanPtr(s);
    const n = spanLen(s);
    this.reserve(n * 6);
    let w = this.buf.dataStart + <usize>this.len;
    for (let i = 0; i < n; i++) {
      const c = <i32>load<u8>(p + <usize>i);
      if (c == QUOTE || c == BACKSLASH) {
        store<u8>(w++, BACKSLASH);
        store<u8>(w++, <u8>c);
      } else if (c < SPACE) {
        store<u8>(w++, BACKSLASH);
        store<u8>(w++, LOWER_U);
        store<u8>(w++, ZERO);
        store<u8>(w++, ZERO);
        store<u8>(w++, <u8>"0123456789abcdef".charCodeAt(c >> 4));
        store<u8>(w++, <u8>"0123456789abcdef".charCodeAt(c & 15));
      } else {
        store<u8>(w++, <u8>c);
      }
    }
    this.len = <i32>(w - this.buf.dataStart);
  }

  quoted(s: u64): void {
    this.byte(QUOTE);
    this.escaped(s);
    this.byte(QUOTE);
  }

  // raw writes the bytes of s as they are.
  raw(s: u64): void {
    const n = spanLen(s);
    this.reserve(n);
    memory.copy(this.buf.dataStart + <usize>this.len, spanPtr(s), <usize>n);
    this.len += n;
  }

  // base64 writes s in standard base64 with padding, as encoding/json
  // writes a []byte.
  base64(s: u64): void {
    const p = spanPtr(s);
    const n = spanLen(s);
    this.reserve(((n + 2) / 3) * 4);
    let w = this.buf.dataStart + <usize>this.len;
    const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let i = 0;
    for (; i + 3 <= n; i += 3) {
      const v = (<i32>load<u8>(p + <usize>i) << 16) | (<i32>load<u8>(p + <usize>i + 1) << 8) | <i32>load<u8>(p + <usize>i + 2);
      store<u8>(w, <u8>abc.charCodeAt(v >> 18));
      store<u8>(w + 1, <u8>abc.charCodeAt((v >> 12) & 63));
      store<u8>(w + 2, <u8>abc.charCodeAt((v >> 6) & 63));
      store<u8>(w + 3, <u8>abc.charCodeAt(v & 63));
      w += 4;
    }
    if (i < n) {
      const two = i + 1 < n;
      const v = (<i32>load<u8>(p + <usize>i) << 16) | (two ? <i32>load<u8>(p + <usize>i + 1) << 8 : 0);
      store<u8>(w, <u8>abc.charCodeAt(v >> 18));
      store<u8>(w + 1, <u8>abc.charCodeAt((v >> 12) & 63));
      store<u8>(w + 2, two ? <u8>abc.charCodeAt((v >> 6) & 63) : <u8>0x3d);
      store<u8>(w + 3, 0x3d);
      w += 4;
    }
    this.len = <i32>(w - this.buf.dataStart);
  }

  u16(v: i32): void {
    this.byte(v >> 8);
    this.byte(v);
  }

  send(): void {
    ioOutputWrite(this.buf.dataStart, this.len);
  }
}

// failWith outputs the error document {"error":{"code":...,"message":...}},
// the message followed by detail if there is one, and returns the
// export's failure code.
export function failWith(code: string, message: string, detail: u64 = 0): i32 {
  const w = new Writer();
  w.ascii('{"error":{"code":"');
  w.ascii(code);
  w.ascii('","message":"');
  const m = String.UTF8.encode(message);
  w.escaped(span(changetype<usize>(m), m.byteLength));
  w.escaped(detail);
  w.ascii('"}}');
  w.send();
  return 1;
}

// readHostInput copies this call's input into memory, PAD bytes of
// readable memory after it.
// PAD is readable memory kept past the end of the input, so the binary
// decoder can read a whole candidate and check its bounds once, after: a
// candidate is at most 1+1+255 (id) + 16 + 1+255 (price) + 1+255
// (capabilities) = 785 bytes, and the price check reads 8 bytes at a time.
export const PAD = 1024;

export function readHostInput(what: string): Parser {
  const n = ioInputLength();
  const base = heap.alloc(<usize>n + PAD);
  ioInputRead(base, n);
  return new Parser(base, n, what);
}

