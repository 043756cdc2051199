// defaults.ts: the network's default price formula, input guard and output
// filter (abi/doc.go: price, preprocess, postprocess) as an AssemblyScript
// module, the host's built-in defaults (plugins/builtin copies it). Twins
// of sdk-plugins/examples/pricing and sdk-plugins/examples/guard run
// through sdk-plugins/pdk: the same input gives the same output (a binary
// price byte for byte, JSON documents equal) or the same error code;
// plugins/defaults_as_test.go checks it against the abi vectors, edge
// cases and fuzzed input.
//
// Inputs are decoded as Go's encoding/json decodes them into abi's types
// (json.ts), price also in its binary form (abi.DecodePriceInput). Amounts
// are exact: parameters of up to 60 digits, products in 320 bits.
//
// Built with index.ts by the project's npm build script into
// build/defaults.wasm.

import {
  INVALID_INPUT,
  UNSUPPORTED_VERSION,
  VERSION,
  MAX_STRING_LEN,
  QUOTE,
  COMMA,
  PLUS,
  MINUS,
  ZERO,
  LBRACE,
  LBRACKET,
  LOWER_N,
  RBRACE,
  FAILED,
  NULL,
  VALUE,
  span,
  spanPtr,
  spanLen,
  Parser,
  isDigit,
  utf8Len,
  keyIs,
  compare,
  Writer,
  failWith,
  readHostInput,
} from "./json";
import { BySpan, sortIndices } from "./sort";

const INTERNAL = "internal";
const MAX_PARAMS = 64;
const LF = 0x0a;
const CR = 0x0d;
const EQUALS = 0x3d;

// --- parameters: a Go map[string]string as JSON and binary fill it ---

// The parameters, in the order they were read; a later key replaces an
// earlier one (get finds the last). A null "params" empties them.
let paramKeys = new Array<u64>();
let paramValues = new Array<u64>();

function resetParams(): void {
  paramKeys = new Array<u64>();
  paramValues = new Array<u64>();
}

// get returns the value of key, or -1 (as u64) when it is not set.
const ABSENT: u64 = U64.MAX_VALUE;

function get(key: string): u64 {
  const k = String.UTF8.encode(key);
  const want = span(changetype<usize>(k), k.byteLength);
  for (let i = paramKeys.length - 1; i >= 0; i--) {
    if (compare(unchecked(paramKeys[i]), want) == 0) return unchecked(paramValues[i]);
  }
  return ABSENT;
}

// distinctParams is len(map): the keys counted once each.
function distinctParams(): i32 {
  const n = paramKeys.length;
  if (n <= 1) return n;
  // Sort them (insertion into a sorted list is too slow for the thousands
  // of repeats an input may hold), then count the changes.
  const keys = StaticArray.fromArray(paramKeys);
  const order = sortIndices(n, keys, new BySpan());
  let d = 1;
  for (let i = 1; i < n; i++) if (compare(unchecked(keys[order[i - 1]]), unchecked(keys[order[i]])) != 0) d++;
  return d;
}

// readParams reads the JSON value of "params" into the parameters.
function readParams(p: Parser): void {
  if (p.object(2, paramField) == NULL) resetParams();
}

function paramField(p: Parser, key: u64): void {
  // null stores "" (a Go map element decoded from null is its zero value)
  const r = p.text();
  if (r == FAILED) return;
  paramKeys.push(key);
  paramValues.push(r == VALUE ? p.str : 0);
}

// spanEq reports whether s holds text.
function spanEq(s: u64, text: string): bool {
  const n = spanLen(s);
  if (n != text.length) return false;
  const p = spanPtr(s);
  for (let i = 0; i < n; i++) if (<i32>load<u8>(p + <usize>i) != text.charCodeAt(i)) return false;
  return true;
}

// --- exact amounts: 320-bit unsigned integers, ten 32-bit limbs ---

const LIMBS = 10;

function big(v: u64): StaticArray<u32> {
  const x = new StaticArray<u32>(LIMBS);
  unchecked((x[0] = <u32>v));
  unchecked((x[1] = <u32>(v >>> 32)));
  return x;
}

// mulAdd sets x = x*m + a.
function mulAdd(x: StaticArray<u32>, m: u32, a: u32): void {
  let carry = <u64>a;
  for (let i = 0; i < LIMBS; i++) {
    const t = <u64>unchecked(x[i]) * <u64>m + carry;
    unchecked((x[i] = <u32>t));
    carry = t >>> 32;
  }
}

function add(x: StaticArray<u32>, y: StaticArray<u32>): StaticArray<u32> {
  const z = new StaticArray<u32>(LIMBS);
  let carry: u64 = 0;
  for (let i = 0; i < LIMBS; i++) {
    const t = <u64>unchecked(x[i]) + <u64>unchecked(y[i]) + carry;
    unchecked((z[i] = <u32>t));
    carry = t >>> 32;
  }
  return z;
}

// sub is x - y for x >= y.
function sub(x: StaticArray<u32>, y: StaticArray<u32>): StaticArray<u32> {
  const z = new StaticArray<u32>(LIMBS);
  let borrow: i64 = 0;
  for (let i = 0; i < LIMBS; i++) {
    const t = <i64>unchecked(x[i]) - <i64>unchecked(y[i]) - borrow;
    unchecked((z[i] = <u32>t));
    borrow = t < 0 ? 1 : 0;
  }
  return z;
}

// mul is x*y, the product below 2^320 (see price).
function mul(x: StaticArray<u32>, y: StaticArray<u32>): StaticArray<u32> {
  const z = new StaticArray<u32>(LIMBS);
  for (let i = 0; i < LIMBS; i++) {
    const xi = <u64>unchecked(x[i]);
    if (xi == 0) continue;
    let carry: u64 = 0;
    for (let j = 0; i + j < LIMBS; j++) {
      const t = xi * <u64>unchecked(y[j]) + <u64>unchecked(z[i + j]) + carry;
      unchecked((z[i + j] = <u32>t));
      carry = t >>> 32;
    }
  }
  return z;
}

// divSmall sets x = x / d and returns the remainder.
function divSmall(x: StaticArray<u32>, d: u32): u32 {
  let r: u64 = 0;
  for (let i = LIMBS - 1; i >= 0; i--) {
    const t = (r << 32) | <u64>unchecked(x[i]);
    unchecked((x[i] = <u32>(t / <u64>d)));
    r = t % <u64>d;
  }
  return <u32>r;
}

function isZero(x: StaticArray<u32>): bool {
  for (let i = 0; i < LIMBS; i++) if (unchecked(x[i]) != 0) return false;
  return true;
}

// decimal spells x in decimal into a new span.
function decimal(x: StaticArray<u32>): u64 {
  const v = new StaticArray<u32>(LIMBS);
  memory.copy(changetype<usize>(v), changetype<usize>(x), LIMBS << 2);
  const buf = heap.alloc(100);
  let at = buf + 100;
  do {
    let r = divSmall(v, 1000000000);
    const last = isZero(v);
    for (let k = 0; k < 9; k++) {
      store<u8>(--at, <u8>(ZERO + r % 10));
      r /= 10;
      if (last && r == 0) break;
    }
    if (last) break;
  } while (true);
  return span(at, <i32>(buf + 100 - at));
}

// amount reads parameter key (default def) as pricing.amount does, with
// big.Int.SetString in base 10: an optional sign, decimal digits, not
// negative, at most 60 bytes. null on failure.
function amount(key: string, def: u64): StaticArray<u32> | null {
  let s = get(key);
  if (s == ABSENT) s = def;
  const p = spanPtr(s);
  const n = spanLen(s);
  if (n > 60 || n == 0) return null;
  let i = 0;
  let neg = false;
  const c = <i32>load<u8>(p);
  if (c == PLUS || c == MINUS) {
    neg = c == MINUS;
    i = 1;
  }
  if (i == n) return null;
  const x = new StaticArray<u32>(LIMBS);
  for (; i < n; i++) {
    const d = <i32>load<u8>(p + <usize>i);
    if (!isDigit(d)) return null;
    mulAdd(x, 10, <u32>(d - ZERO));
  }
  if (neg && !isZero(x)) return null;
  return x;
}

// basisPoints reads parameter key as pricing.basisPoints does
// (strconv.ParseInt, then 0..10000), or returns -1.
function basisPoints(key: string, def: i32): i32 {
  const s = get(key);
  if (s == ABSENT) return def;
  return <i32>smallInt(s, 10000);
}

// smallInt is strconv.ParseInt(s, 10, 64) (or Atoi) for a value that must
// be in 0..limit: the value, or -1.
function smallInt(s: u64, limit: i64): i64 {
  const p = spanPtr(s);
  const n = spanLen(s);
  let i = 0;
  let neg = false;
  if (n > 0) {
    const c = <i32>load<u8>(p);
    if (c == PLUS || c == MINUS) {
      neg = c == MINUS;
      i = 1;
    }
  }
  if (i == n) return -1;
  let v: i64 = 0;
  for (; i < n; i++) {
    const d = <i32>load<u8>(p + <usize>i);
    if (!isDigit(d)) return -1;
    // past the limit is an error whether or not it fits in 64 bits
    if (v <= limit) v = v * 10 + <i64>(d - ZERO);
  }
  if (v > limit || (neg && v != 0)) return -1;
  return v;
}

// --- price ---

// What the price input holds, from either form.
let version: i64 = 0;
let subnet: u64 = 0;
let model: u64 = 0;
let inputTokens: u64 = 0;
let outputTokens: u64 = 0;
let estimatedMillis: u64 = 0;

function priceField(p: Parser, key: u64): void {
  if (keyIs(key, "VERSION")) {
    if (p.integer(true, 0) == VALUE) version = <i64>p.num;
  } else if (keyIs(key, "SUBNET")) {
    if (p.text() == VALUE) subnet = p.str;
  } else if (keyIs(key, "MODEL")) {
    if (p.text() == VALUE) model = p.str;
  } else if (keyIs(key, "INPUTTOKENS")) {
    if (p.integer(false, U64.MAX_VALUE) == VALUE) inputTokens = p.num;
  } else if (keyIs(key, "OUTPUTTOKENS")) {
    if (p.integer(false, U64.MAX_VALUE) == VALUE) outputTokens = p.num;
  } else if (keyIs(key, "ESTIMATEDMILLIS")) {
    if (p.integer(false, U64.MAX_VALUE) == VALUE) estimatedMillis = p.num;
  } else if (keyIs(key, "PARAMS")) {
    readParams(p);
  } else {
    p.skip(1);
  }
}

// readDocument reads the whole JSON document at p with field for each
// key of its top-level object; false with p.err set if it is malformed.
function readDocument(p: Parser, field: (p: Parser, key: u64) => void): bool {
  p.ws();
  if (p.object(1, field) == FAILED) return false;
  p.ws();
  if (p.pos != p.len) {
    p.fail("data after the document");
    return false;
  }
  return true;
}

// Magics as little-endian words: "NPI\x01" and "NPO\x01".
const MAGIC_PRICE_IN: u32 = 0x0149504e;
const MAGIC_PRICE_OUT: u32 = 0x014f504e;

// readPriceBinary decodes the binary price input as abi.DecodePriceInput
// does: null, or what is wrong.
function readPriceBinary(base: usize, len: i32): string | null {
  if (len < 4 || load<u32>(base) != MAGIC_PRICE_IN) return "price input: neither JSON nor the binary form";
  version = VERSION;
  let pos = 4;
  // str16 reads: a length, then the bytes
  if (pos + 2 > len) return "price input: truncated";
  let l = <i32>bswap<u16>(load<u16>(base + <usize>pos));
  if (pos + 2 + l > len) return "price input: truncated";
  subnet = span(base + <usize>pos + 2, l);
  pos += 2 + l;
  if (pos + 2 > len) return "price input: truncated";
  l = <i32>bswap<u16>(load<u16>(base + <usize>pos));
  if (pos + 2 + l > len) return "price input: truncated";
  model = span(base + <usize>pos + 2, l);
  pos += 2 + l;
  if (pos + 25 > len) return "price input: truncated";
  inputTokens = bswap<u64>(load<u64>(base + <usize>pos));
  outputTokens = bswap<u64>(load<u64>(base + <usize>pos + 8));
  estimatedMillis = bswap<u64>(load<u64>(base + <usize>pos + 16));
  const n = <i32>load<u8>(base + <usize>pos + 24);
  pos += 25;
  for (let i = 0; i < n * 2; i++) {
    if (pos + 2 > len) return "price input: truncated";
    l = <i32>bswap<u16>(load<u16>(base + <usize>pos));
    if (pos + 2 + l > len) return "price input: truncated";
    const s = span(base + <usize>pos + 2, l);
    if ((i & 1) == 0) paramKeys.push(s);
    else paramValues.push(s);
    pos += 2 + l;
  }
  if (pos != len) return "price input: " + (len - pos).toString() + " trailing bytes";
  return null;
}

function price(): i32 {
  heap.reset();
  resetParams();
  version = 0;
  subnet = 0;
  model = 0;
  inputTokens = 0;
  outputTokens = 0;
  estimatedMillis = 0;
  const p = readHostInput("price input");
  p.ws();
  const binary = p.peek() != LBRACE;
  if (binary) {
    const bad = readPriceBinary(p.base, p.len);
    if (bad !== null) return failWith(INVALID_INPUT, bad);
  } else if (!readDocument(p, priceField)) {
    return failWith(INVALID_INPUT, <string>p.err);
  }
  // abi.PriceInput.Validate
  if (version != VERSION) return failWith(UNSUPPORTED_VERSION, "price input version " + version.toString() + ", want 1");
  const sl = spanLen(subnet);
  const ml = spanLen(model);
  if (sl == 0 || ml == 0 || sl > MAX_STRING_LEN || ml > MAX_STRING_LEN) return failWith(INVALID_INPUT, "subnet and model must be 1..255 bytes");
  if (paramKeys.length > MAX_PARAMS && distinctParams() > MAX_PARAMS) return failWith(INVALID_INPUT, "more than 64 params");

  // pricing.Price. Bounds: amounts below 10^60 < 2^200, tokens below
  // 2^65, so the fee is below 2^267 and fee*bps below 2^281.
  const base = amount("base", spanOf("1000000000000000"));
  if (base === null) return failWith(INVALID_INPUT, "param base is not a non-negative decimal amount");
  const perToken = amount("per_token", spanOf("1000000000000"));
  if (perToken === null) return failWith(INVALID_INPUT, "param per_token is not a non-negative decimal amount");
  const perSecond = amount("per_second", spanOf("100000000000000"));
  if (perSecond === null) return failWith(INVALID_INPUT, "param per_second is not a non-negative decimal amount");
  const tokens = add(big(inputTokens), big(outputTokens));
  let fee = add(base, mul(tokens, perToken));
  // per_second is charged per millisecond, rounded down
  const timeFee = mul(perSecond, big(estimatedMillis));
  divSmall(timeFee, 1000);
  fee = add(fee, timeFee);

  const keys = ["split_compute_bps", "split_gateway_bps", "split_validators_bps"];
  const defs = [8000, 1000, 500];
  const parts = new Array<StaticArray<u32>>(3);
  let total = 0;
  for (let i = 0; i < 3; i++) {
    const bps = basisPoints(keys[i], defs[i]);
    if (bps < 0) return failWith(INVALID_INPUT, "param " + keys[i] + " is not basis points 0..10000");
    total += bps;
    const part = new StaticArray<u32>(LIMBS);
    memory.copy(changetype<usize>(part), changetype<usize>(fee), LIMBS << 2);
    mulAdd(part, <u32>bps, 0);
    divSmall(part, 10000);
    parts[i] = part;
  }
  if (total > 10000) return failWith(INVALID_INPUT, "split basis points sum to " + total.toString() + ", over 10000");
  const treasury = sub(sub(sub(fee, parts[0]), parts[1]), parts[2]);
  const amounts = [decimal(parts[0]), decimal(parts[1]), decimal(parts[2]), decimal(treasury)];
  for (let i = 0; i < 4; i++) {
    // abi.PriceOutput.Amounts, which the pdk checks
    if (spanLen(amounts[i]) > 78) return failWith(INTERNAL, "price: an amount is not a decimal of at most 78 digits");
  }
  const w = new Writer();
  if (binary) {
    w.reserve(4);
    store<u32>(w.buf.dataStart, MAGIC_PRICE_OUT);
    w.len = 4;
    for (let i = 0; i < 4; i++) {
      w.byte(spanLen(amounts[i]));
      w.raw(amounts[i]);
    }
  } else {
    w.ascii('{"version":1,"compute":"');
    w.raw(amounts[0]);
    w.ascii('","gateway":"');
    w.raw(amounts[1]);
    w.ascii('","validators":"');
    w.raw(amounts[2]);
    w.ascii('","treasury":"');
    w.raw(amounts[3]);
    w.ascii('"}');
  }
  w.send();
  return 0;
}

// spanOf is the UTF-8 of s in a new span. (Not in globals: every call
// resets the heap.)
function spanOf(s: string): u64 {
  const b = String.UTF8.encode(s);
  return span(changetype<usize>(b), b.byteLength);
}

// --- preprocess and postprocess (sdk-plugins/examples/guard) ---

// What the pre- or postprocess input holds: its bytes (input or output)
// are a span, with isNil for a Go nil slice.
let data: u64 = 0;
let dataNil = true;
let dataKey = "INPUT";

// base64 decoding as encoding/json decodes a []byte: standard alphabet,
// padding required, CR and LF ignored anywhere.
function b64val(c: i32): i32 {
  if (c >= 0x41 && c <= 0x5a) return c - 0x41;
  if (c >= 0x61 && c <= 0x7a) return c - 0x61 + 26;
  if (c >= 0x30 && c <= 0x39) return c - 0x30 + 52;
  if (c == PLUS) return 62;
  if (c == 0x2f) return 63;
  return -1;
}

// unbase64 decodes s into a new span, or returns false.
function unbase64(s: u64): bool {
  const p = spanPtr(s);
  const n = spanLen(s);
  // the characters other than CR and LF, in a buffer of their own
  const chars = heap.alloc(<usize>n + 4);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const c = <i32>load<u8>(p + <usize>i);
    if (c != CR && c != LF) {
      store<u8>(chars + <usize>m, <u8>c);
      m++;
    }
  }
  if ((m & 3) != 0) return false;
  // make([]byte, base64.StdEncoding.DecodedLen(len(s))), zeroed
  const cap = (n / 4) * 3;
  const out = heap.alloc(<usize>cap + 4);
  memory.fill(out, 0, <usize>cap + 4);
  let w = out;
  for (let i = 0; i < m; i += 4) {
    const last = i + 4 == m;
    const c2 = <i32>load<u8>(chars + <usize>i + 2);
    const c3 = <i32>load<u8>(chars + <usize>i + 3);
    const a = b64val(<i32>load<u8>(chars + <usize>i));
    const b = b64val(<i32>load<u8>(chars + <usize>i + 1));
    if (a < 0 || b < 0) return false;
    let pad = 0;
    let c = 0;
    let d = 0;
    if (last && c2 == EQUALS) {
      if (c3 != EQUALS) return false;
      pad = 2;
    } else {
      c = b64val(c2);
      if (c < 0) return false;
      if (last && c3 == EQUALS) {
        pad = 1;
      } else {
        d = b64val(c3);
        if (d < 0) return false;
      }
    }
    const v = (a << 18) | (b << 12) | (c << 6) | d;
    store<u8>(w++, <u8>(v >> 16));
    if (pad < 2) store<u8>(w++, <u8>(v >> 8));
    if (pad < 1) store<u8>(w++, <u8>v);
  }
  data = span(out, <i32>(w - out));
  dataNil = false;
  backing = out;
  backCap = cap;
  return true;
}

// The []byte's backing array and capacity: encoding/json decodes a JSON
// array into the slice's elements, where a null element keeps what was
// there, growing it when full as append does.
let backing: usize = 0;
let backCap = 0;

// byteElement reads element i of a []byte sent as a JSON array.
function byteElement(p: Parser, i: i32): void {
  if (i >= backCap) {
    let cap = max(backCap * 2, i + 1);
    cap = (cap + 7) & ~7;
    const b = heap.alloc(<usize>cap);
    memory.fill(b, 0, <usize>cap);
    memory.copy(b, backing, <usize>i);
    backing = b;
    backCap = cap;
  }
  if (p.integer(false, 255) == VALUE) store<u8>(backing + <usize>i, <u8>p.num);
}

function hasNUL(p: usize, n: i32): bool {
  for (let i = 0; i < n; i++) if (load<u8>(p + <usize>i) == 0) return true;
  return false;
}

// readData reads the JSON value of the input or output bytes: a base64
// string, an array of bytes, or null (nil).
function readData(p: Parser): void {
  const c = p.peek();
  if (c == LBRACKET) {
    const n = p.array(2, byteElement);
    if (n >= 0) {
      data = span(backing, n);
      dataNil = false;
    }
    return;
  }
  const r = p.text();
  if (r == NULL) {
    data = 0;
    dataNil = true;
    backing = 0;
    backCap = 0;
  } else if (r == VALUE && !unbase64(p.str)) {
    p.fail("illegal base64 data");
  }
}

function guardField(p: Parser, key: u64): void {
  if (keyIs(key, "VERSION")) {
    if (p.integer(true, 0) == VALUE) version = <i64>p.num;
  } else if (keyIs(key, "MODEL")) {
    if (p.text() == VALUE) model = p.str;
  } else if (keyIs(key, dataKey)) {
    readData(p);
  } else if (keyIs(key, "PARAMS")) {
    readParams(p);
  } else {
    p.skip(1);
  }
}

// readGuardInput reads a pre- or postprocess input as pdk's runJSON does:
// an error code's export result, or -1 to go on.
function readGuardInput(what: string, key: string): i32 {
  heap.reset();
  resetParams();
  version = 0;
  model = 0;
  data = 0;
  dataNil = true;
  backing = 0;
  backCap = 0;
  dataKey = key;
  const p = readHostInput(what);
  p.ws();
  if (p.peek() != LBRACE && p.peek() != LOWER_N) {
    p.fail("want an object");
    return failWith(INVALID_INPUT, <string>p.err);
  }
  if (!readDocument(p, guardField)) return failWith(INVALID_INPUT, <string>p.err);
  if (version != VERSION) return failWith(UNSUPPORTED_VERSION, "input version " + version.toString() + ", want 1");
  return -1;
}

// sizeParam is guard.intParam: the value, the default when unset, or -1.
function sizeParam(key: string, def: i64): i64 {
  const s = get(key);
  if (s == ABSENT) return def;
  return smallInt(s, 1 << 30);
}

// validUTF8 is utf8.Valid.
function validUTF8(p: usize, n: i32): bool {
  let i = 0;
  while (i < n) {
    if (load<u8>(p + <usize>i) < 0x80) {
      i++;
      continue;
    }
    const l = utf8Len(p, i, n);
    if (l == 0) return false;
    i += l;
  }
  return true;
}

// isJSONObject is whether json.Unmarshal into a map[string]json.RawMessage
// succeeds: a valid document whose value is an object or null.
function isJSONObject(s: u64): bool {
  const p = new Parser(spanPtr(s), spanLen(s), "input");
  p.ws();
  const c = p.peek();
  if (c != LBRACE && c != LOWER_N) return false;
  p.skip(0);
  if (p.failed) return false;
  p.ws();
  return p.pos == p.len;
}

// indexOf is the offset of the first t in s at or after from, or -1.
function indexOf(s: u64, t: u64, from: i32): i32 {
  const sp = spanPtr(s);
  const tp = spanPtr(t);
  const n = spanLen(s);
  const m = spanLen(t);
  for (let i = from; i + m <= n; i++) {
    if (memory.compare(sp + <usize>i, tp, <usize>m) == 0) return i;
  }
  return -1;
}

// replaceAll is strings.ReplaceAll(s, old, new) for a non-empty old.
function replaceAll(s: u64, old: u64, repl: u64): u64 {
  let count = 0;
  for (let i = indexOf(s, old, 0); i >= 0; i = indexOf(s, old, i + spanLen(old))) count++;
  if (count == 0) return s;
  const n = spanLen(s) + count * (spanLen(repl) - spanLen(old));
  const out = heap.alloc(<usize>n + 1);
  let w = out;
  let from = 0;
  const sp = spanPtr(s);
  for (let i = indexOf(s, old, 0); i >= 0; i = indexOf(s, old, from)) {
    memory.copy(w, sp + <usize>from, <usize>(i - from));
    w += <usize>(i - from);
    memory.copy(w, spanPtr(repl), <usize>spanLen(repl));
    w += <usize>spanLen(repl);
    from = i + spanLen(old);
  }
  memory.copy(w, sp + <usize>from, <usize>(spanLen(s) - from));
  return span(out, n);
}


function reject(reason: string): i32 {
  const w = new Writer();
  w.ascii('{"version":1,"accept":false,"reason":"');
  w.ascii(reason);
  w.ascii('"}');
  w.send();
  return 0;
}

function preprocess(): i32 {
  const rc = readGuardInput("preprocess input", "INPUT");
  if (rc >= 0) return rc;
  const limit = sizeParam("max_input_bytes", 65536);
  if (limit < 0) return failWith(INVALID_INPUT, "param max_input_bytes is not a size");
  const n = spanLen(data);
  if (<i64>n > limit) return reject("input is " + n.toString() + " bytes, the limit is " + limit.toString());
  const schema = get("schema");
  if (schema != ABSENT && spanLen(schema) > 0) {
    if (spanEq(schema, "text")) {
      const p = spanPtr(data);
      if (!validUTF8(p, n) || hasNUL(p, n)) return reject("input is not text: invalid UTF-8 or a NUL byte");
    } else if (spanEq(schema, "json-object")) {
      if (!isJSONObject(data)) return reject("input is not a JSON object");
    } else {
      return failWith(INVALID_INPUT, "unknown schema (have text, json-object): ", schema);
    }
  }
  let out = data;
  const tpl = get("prompt_template");
  if (tpl != ABSENT) {
    const marker = spanOf("{{input}}");
    if (indexOf(tpl, marker, 0) < 0) return failWith(INVALID_INPUT, "prompt_template has no {{input}}");
    out = replaceAll(tpl, marker, data);
    if (<i64>spanLen(out) > limit) return reject("templated input exceeds the limit of " + limit.toString() + " bytes");
  }
  const w = new Writer();
  w.ascii('{"version":1,"accept":true');
  if (spanLen(out) > 0) {
    w.ascii(',"input":"');
    w.base64(out);
    w.byte(QUOTE);
  }
  w.byte(RBRACE);
  w.send();
  return 0;
}

// isControl is unicode.IsControl for the rune at p (n bytes): C0, DEL and C1.
function controlLen(p: usize, i: i32, n: i32): i32 {
  const c = <i32>load<u8>(p + <usize>i);
  if (c < 0x20 || c == 0x7f) return c == 0x09 || c == 0x0a ? 0 : 1;
  if (c == 0xc2 && i + 1 < n) {
    const d = <i32>load<u8>(p + <usize>i + 1);
    if (d >= 0x80 && d <= 0x9f) return 2;
  }
  return 0;
}

// isSpace is unicode.IsSpace for the rune at p+i (l bytes of valid UTF-8
// or 1 for an invalid byte, never a space).
function spaceLen(p: usize, i: i32, n: i32): i32 {
  const c = <i32>load<u8>(p + <usize>i);
  if (c == 0x20 || (c >= 0x09 && c <= 0x0d)) return 1;
  if (c < 0x80) return 0;
  const l = utf8Len(p, i, n);
  if (l == 0) return 0;
  let r = 0;
  if (l == 2) r = ((c & 0x1f) << 6) | (<i32>load<u8>(p + <usize>i + 1) & 0x3f);
  else if (l == 3) r = ((c & 0x0f) << 12) | ((<i32>load<u8>(p + <usize>i + 1) & 0x3f) << 6) | (<i32>load<u8>(p + <usize>i + 2) & 0x3f);
  else return 0;
  if (r == 0x85 || r == 0xa0 || r == 0x1680 || (r >= 0x2000 && r <= 0x200a) || r == 0x2028 || r == 0x2029 || r == 0x202f || r == 0x205f || r == 0x3000) return l;
  return 0;
}

// lastRuneStart is where the rune that ends at p+end starts (as
// strings.TrimRightFunc decodes backwards): utf8.DecodeLastRune.
function lastRuneStart(p: usize, start: i32, end: i32): i32 {
  // A space is at most 3 bytes here; try the longest well-formed tail.
  for (let l = 3; l >= 2; l--) {
    const at = end - l;
    if (at >= start && utf8Len(p, at, end) == l) return at;
  }
  return end - 1;
}

// trimSpace is strings.TrimSpace on the span s.
function trimSpace(s: u64): u64 {
  const p = spanPtr(s);
  let i = 0;
  let end = spanLen(s);
  while (i < end) {
    const l = spaceLen(p, i, end);
    if (l == 0) break;
    i += l;
  }
  while (end > i) {
    const at = lastRuneStart(p, i, end);
    if (spaceLen(p, at, end) != end - at) break;
    end = at;
  }
  return span(p + <usize>i, end - i);
}

function postprocess(): i32 {
  const rc = readGuardInput("postprocess input", "OUTPUT");
  if (rc >= 0) return rc;
  const limit = sizeParam("max_output_bytes", 1 << 20);
  if (limit < 0) return failWith(INVALID_INPUT, "param max_output_bytes is not a size");
  let out = data;
  let nil = dataNil;
  const strip = get("strip_control");
  if (!(strip != ABSENT && spanEq(strip, "false")) && validUTF8(spanPtr(out), spanLen(out))) {
    const p = spanPtr(out);
    const n = spanLen(out);
    const buf = heap.alloc(<usize>n + 1);
    let w = buf;
    for (let i = 0; i < n; ) {
      const l = controlLen(p, i, n);
      if (l > 0) {
        i += l;
        continue;
      }
      store<u8>(w++, load<u8>(p + <usize>i));
      i++;
    }
    out = span(buf, <i32>(w - buf));
    nil = false;
  }
  const words = get("redact");
  if (words != ABSENT && spanLen(words) > 0) {
    const wp = spanPtr(words);
    const wn = spanLen(words);
    let from = 0;
    for (let i = 0; i <= wn; i++) {
      if (i < wn && load<u8>(wp + <usize>i) != COMMA) continue;
      const word = trimSpace(span(wp + <usize>from, i - from));
      if (spanLen(word) > 0) out = replaceAll(out, word, spanOf("[redacted]"));
      from = i + 1;
    }
    nil = false;
  }
  let n = spanLen(out);
  if (<i64>n > limit) {
    let cut = <i32>limit;
    while (cut > 0 && (load<u8>(spanPtr(out) + <usize>cut) & 0xc0) == 0x80) cut--;
    n = cut;
  }
  const w = new Writer();
  w.ascii('{"version":1,"output":');
  if (nil) {
    w.ascii("null");
  } else {
    w.byte(QUOTE);
    w.base64(span(spanPtr(out), n));
    w.byte(QUOTE);
  }
  w.byte(RBRACE);
  w.send();
  return 0;
}

export { price, preprocess, postprocess };
