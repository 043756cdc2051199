// selection-as: the five select strategies of the NCN plugin ABI
// (abi/doc.go) — random, reputation, stake, performance, weighted — as an
// AssemblyScript plugin: the host's built-in select (plugins/builtin copies
// it), and the proof that the ABI does not depend on Go. It speaks both forms
// (its manifest says "binary": true), answers in the form it was asked in,
// and is a twin of the Go reference, sdk-plugins/examples/selection run
// through sdk-plugins/pdk: the same input gives the same ids (a binary
// answer byte for byte) or the same error code. plugins/as_test.go checks
// it against abi/testdata/vectors.json and against the Go code on edge
// cases, generated rankings and fuzzed input.
//
// Input and output move through the host's ncn_io functions (abi.IOModule)
// in one host call each, not the Extism kernel's 8 bytes per call.
//
// The JSON input is decoded as Go's encoding/json decodes it into
// abi.SelectInput (keys matched case-insensitively, null leaves a field
// alone, integers only as integer literals, invalid UTF-8 and unpaired
// surrogates become U+FFFD, a repeated array key decodes into the elements
// already there), the binary one as abi.DecodeSelectInput decodes it, then
// both are checked as abi.SelectInput.Validate checks them. Ids are
// compared as UTF-8 bytes, as Go compares strings. The ranking reads the
// candidates as columns (one flat array per field); the binary form, the
// one the host sends, is decoded and checked into them in one pass with
// one bounds check and no allocation per candidate, and address ids are
// compared as their bytes, not spelled.
//
// Memory: the stub runtime (a bump allocator, no GC) reset at the start of
// every call, so each call starts from the same empty heap and pays only
// for its own allocations. Strings are not objects but spans of the input,
// or of an arena when they had escapes or invalid UTF-8 to rewrite.
//
// Built from the repository root, reproducibly, into build/selection.wasm
// (committed; defaults.ts into build/defaults.wasm by the same script),
// then copied into plugins/builtin by go generate:
//
//	npm ci --prefix sdk-plugins/examples/selection-as && npm --prefix sdk-plugins/examples/selection-as run --silent build

import {
  INVALID_INPUT,
  UNSUPPORTED_VERSION,
  UNKNOWN_STRATEGY,
  VERSION,
  MAX_CANDIDATES,
  MAX_ID_LEN,
  MAX_CAPABILITIES,
  MAX_STRING_LEN,
  MAX_PRICE_LEN,
  MAX_REPUTATION,
  QUOTE,
  COMMA,
  ZERO,
  LBRACE,
  FAILED,
  VALUE,
  span,
  spanPtr,
  spanLen,
  Parser,
  hexVal,
  keyIs,
  spanIs,
  isDecimal,
  compare,
  Writer,
  failWith,
  readHostInput,
} from "./json";
import { BySpan, mergeSort, sortIndices } from "./sort";

class Candidate {
  id: u64 = 0;
  stake: u64 = 0;
  reputation: u64 = 0;
  successBps: u64 = 0;
  latencyMs: u64 = 0;
  load: u64 = 0;
  price: u64 = 0;
  // Like a Go slice: the first nCaps are the value; the rest are kept
  // because a repeated key decodes into them again.
  caps: Array<u64> = new Array<u64>();
  nCaps: i32 = 0;
}

class Input {
  seed: u64 = 0; // the seed's first 8 bytes, big-endian (abi.Seed.Uint64)
  version: i64 = 0;
  strategy: u64 = 0;
  purpose: u64 = 0;
  count: i64 = 0;
  candidates: Array<Candidate> = new Array<Candidate>(); // the first n are the value
  n: i32 = 0;
}

// The decoder's state: functions passed as values cannot capture locals.
let cur: Input | null = null;
let curCand: Candidate | null = null;

function readInput(p: Parser): Input | null {
  cur = new Input();
  p.ws();
  if (p.peek() != LBRACE) {
    // The binary form, which the host does not send to this plugin.
    p.fail("not a JSON object");
    return null;
  }
  if (p.object(1, inputField) == FAILED) return null;
  p.ws();
  if (p.pos != p.len) {
    p.fail("data after the document");
    return null;
  }
  return cur;
}

function inputField(p: Parser, key: u64): void {
  const in_ = cur!;
  if (keyIs(key, "VERSION")) {
    if (p.integer(true, 0) == VALUE) in_.version = <i64>p.num;
  } else if (keyIs(key, "COUNT")) {
    if (p.integer(true, 0) == VALUE) in_.count = <i64>p.num;
  } else if (keyIs(key, "STRATEGY")) {
    if (p.text() == VALUE) in_.strategy = p.str;
  } else if (keyIs(key, "PURPOSE")) {
    if (p.text() == VALUE) in_.purpose = p.str;
  } else if (keyIs(key, "SEED")) {
    seed(p);
  } else if (keyIs(key, "CANDIDATES")) {
    const n = p.array(2, candidateElement);
    if (n == -1 || n == 0) {
      in_.candidates = new Array<Candidate>();
      in_.n = 0;
    } else if (n > 0) {
      in_.n = n;
    }
  } else {
    p.skip(1);
  }
}

// seed reads the seed as abi.Seed.UnmarshalJSON does: a string of 32 bytes
// of hex, 0x-prefixed or not; null is an error there too. The random
// strategy uses its first 8 bytes.
function seed(p: Parser): void {
  if (p.peek() != QUOTE) {
    p.fail("seed: want a string");
    return;
  }
  if (!p.string()) return;
  let s = spanPtr(p.str);
  let n = spanLen(p.str);
  if (n >= 2 && load<u8>(s) == ZERO && load<u8>(s + 1) == 0x78) {
    s += 2;
    n -= 2;
  }
  if (n != 64) {
    p.fail("seed: want 32 bytes of hex");
    return;
  }
  let v: u64 = 0;
  for (let i = 0; i < n; i++) {
    const h = hexVal(<i32>load<u8>(s + <usize>i));
    if (h < 0) {
      p.fail("seed: bad hex");
      return;
    }
    if (i < 16) v = (v << 4) | <u64>h;
  }
  cur!.seed = v;
}

function candidateElement(p: Parser, i: i32): void {
  const list = cur!.candidates;
  if (i >= list.length) list.push(new Candidate());
  curCand = unchecked(list[i]);
  p.object(3, candidateField);
}

function candidateField(p: Parser, key: u64): void {
  const c = curCand!;
  if (keyIs(key, "ID")) {
    if (p.text() == VALUE) c.id = p.str;
  } else if (keyIs(key, "REPUTATION")) {
    if (p.integer(false, U32.MAX_VALUE) == VALUE) c.reputation = p.num;
  } else if (keyIs(key, "STAKE")) {
    if (p.integer(false, U64.MAX_VALUE) == VALUE) c.stake = p.num;
  } else if (keyIs(key, "SUCCESSBPS")) {
    if (p.integer(false, U32.MAX_VALUE) == VALUE) c.successBps = p.num;
  } else if (keyIs(key, "LATENCYMS")) {
    if (p.integer(false, U32.MAX_VALUE) == VALUE) c.latencyMs = p.num;
  } else if (keyIs(key, "LOAD")) {
    if (p.integer(false, U32.MAX_VALUE) == VALUE) c.load = p.num;
  } else if (keyIs(key, "PRICE")) {
    if (p.text() == VALUE) c.price = p.str;
  } else if (keyIs(key, "CAPABILITIES")) {
    const n = p.array(4, capabilityElement);
    if (n == -1 || n == 0) {
      c.caps = new Array<u64>();
      c.nCaps = 0;
    } else if (n > 0) {
      c.nCaps = n;
    }
  } else {
    p.skip(3);
  }
}

function capabilityElement(p: Parser, i: i32): void {
  const caps = curCand!.caps;
  if (i >= caps.length) caps.push(0);
  if (p.text() == VALUE) unchecked(caps[i] = p.str);
}

// --- what ranking reads: the candidates as columns ---

// The call's candidates as columns (one array per field, index = position
// in the input), filled by either decoder; byID is the candidate indices
// sorted by id. Globals, since functions passed as values cannot capture
// locals; the heap reset at the start of every call frees them.
let nCand = 0;
let stakes: StaticArray<u64> = new StaticArray<u64>(0);
let reps: StaticArray<u32> = new StaticArray<u32>(0);
let succs: StaticArray<u32> = new StaticArray<u32>(0);
let lats: StaticArray<u32> = new StaticArray<u32>(0);
let byID: StaticArray<i32> = new StaticArray<i32>(0);

function columns(n: i32): void {
  nCand = n;
  stakes = new StaticArray<u64>(n);
  reps = new StaticArray<u32>(n);
  succs = new StaticArray<u32>(n);
  lats = new StaticArray<u32>(n);
}

function candidateError(k: i32, what: string): string {
  return "candidate " + k.toString() + ": " + what;
}

// validate is abi.SelectInput.Validate for the JSON form: a message, or
// null. The version comes first, since its code differs. On success it
// fills the columns and byID.
function validate(in_: Input): string | null {
  if (in_.version != VERSION) return "version";
  if (!spanIs(in_.purpose, "compute") && !spanIs(in_.purpose, "validator")) return "purpose must be compute or validator";
  if (spanLen(in_.strategy) > MAX_STRING_LEN) return "strategy longer than " + MAX_STRING_LEN.toString() + " bytes";
  if (in_.count < 0 || in_.count > MAX_CANDIDATES) return "count out of range 0.." + MAX_CANDIDATES.toString();
  if (in_.n > MAX_CANDIDATES) return "more than " + MAX_CANDIDATES.toString() + " candidates";
  const ids = new StaticArray<u64>(in_.n);
  for (let k = 0; k < in_.n; k++) {
    const c = unchecked(in_.candidates[k]);
    const idLen = spanLen(c.id);
    if (idLen == 0 || idLen > MAX_ID_LEN) return candidateError(k, "id must be 1.." + MAX_ID_LEN.toString() + " bytes");
    if (c.reputation > MAX_REPUTATION || c.load > 100 || c.successBps > 10000) return candidateError(k, "reputation/load/successBps out of range");
    if (c.nCaps > MAX_CAPABILITIES) return candidateError(k, "more than " + MAX_CAPABILITIES.toString() + " capabilities");
    const priceLen = spanLen(c.price);
    if (priceLen > 0 && (!isDecimal(c.price) || priceLen > MAX_PRICE_LEN)) return candidateError(k, "price is not a decimal amount");
    for (let j = 0; j < c.nCaps; j++) {
      const capLen = spanLen(unchecked(c.caps[j]));
      if (capLen == 0 || capLen > MAX_STRING_LEN) return candidateError(k, "bad capability");
    }
    unchecked(ids[k] = c.id);
  }
  byID = sortIndices(in_.n, ids, new BySpan());
  for (let k = 1; k < in_.n; k++) {
    if (compare(unchecked(ids[byID[k - 1]]), unchecked(ids[byID[k]])) == 0) return "duplicate candidate id";
  }
  columns(in_.n);
  for (let k = 0; k < in_.n; k++) {
    const c = unchecked(in_.candidates[k]);
    unchecked((stakes[k] = c.stake));
    unchecked((reps[k] = <u32>c.reputation));
    unchecked((succs[k] = <u32>c.successBps));
    unchecked((lats[k] = <u32>c.latencyMs));
  }
  return null;
}

// --- the binary form (abi/binary.go) ---

// Magics as little-endian words: "NSI\x01" and "NSO\x01".
const MAGIC_SELECT_IN: u32 = 0x0149534e;
const MAGIC_SELECT_OUT: u32 = 0x014f534e;


// What the input asks, from either form.
let selSeed: u64 = 0; // the seed's first 8 bytes, big-endian (abi.Seed.Uint64)
let selCount: i64 = 0;
let selStrategy: u64 = 0;

function truncated(at: i32): string {
  return "select input: truncated at byte " + at.toString();
}

// digitsBad is zero when each of the 8 bytes of w is an ASCII digit: its
// high nibble is 3, and adding 6 leaves it 3 (no byte above '9').
// @ts-ignore: decorator
@inline function digitsBad(w: u64): u64 {
  const hi: u64 = 0xf0f0f0f0f0f0f0f0;
  const threes: u64 = 0x3030303030303030;
  return ((w & hi) ^ threes) | (((w + 0x0606060606060606) & hi) ^ threes);
}

// isAmount is abi's isDecimal for the n bytes at p (1 <= n, readable up
// to p+n+8): digits only, no leading zero. Eight bytes at a time.
function isAmount(p: usize, n: i32): bool {
  if (n > 1 && load<u8>(p) == ZERO) return false;
  let bad: u64 = 0;
  let i = 0;
  for (; i + 8 <= n; i += 8) bad |= digitsBad(load<u64>(p + <usize>i));
  if (i < n) {
    const keep = ((<u64>1) << (<u64>(n - i) << 3)) - 1;
    bad |= digitsBad((load<u64>(p + <usize>i) & keep) | (0x3030303030303030 & ~keep));
  }
  return bad == 0;
}

// candidateProblem is Validate's message for a candidate that failed one
// of its checks.
function candidateProblem(k: i32, idLen: i32, rep: u32, load_: u32, succ: u32, nCaps: i32, priceBad: bool): string {
  if (idLen == 0 || idLen > MAX_ID_LEN) return candidateError(k, "id must be 1.." + MAX_ID_LEN.toString() + " bytes");
  if (rep > <u32>MAX_REPUTATION || load_ > 100 || succ > 10000) return candidateError(k, "reputation/load/successBps out of range");
  if (nCaps > MAX_CAPABILITIES) return candidateError(k, "more than " + MAX_CAPABILITIES.toString() + " capabilities");
  if (priceBad) return candidateError(k, "price is not a decimal amount");
  return candidateError(k, "bad capability");
}

// decodeBinary decodes the binary select input as abi.DecodeSelectInput
// does and checks it as abi.SelectInput.Validate does, in one pass, into
// the columns and byID; it returns null, or what is wrong. One bounds
// check per candidate (see PAD), no allocation per candidate. Ids sent as
// 20-byte addresses are compared as their bytes, which order as their
// 0x-hex spelling does; only when some id is a string are the addresses
// spelled.
function decodeBinary(base: usize, len: i32): string | null {
  if (len < 4 || load<u32>(base) != MAGIC_SELECT_IN) return "select input: neither JSON nor the binary form";
  // magic 4, seed 32, purpose 1, count 2, strategy length 1
  if (len < 40) return truncated(len);
  selSeed = bswap<u64>(load<u64>(base + 4));
  if (load<u8>(base + 36) > 1) return "select input: bad purpose at byte 37";
  selCount = <i64>bswap<u16>(load<u16>(base + 37));
  let pos = 40 + <i32>load<u8>(base + 39);
  selStrategy = span(base + 40, pos - 40);
  if (pos >= len) return truncated(len);
  const nCaps = <i32>load<u8>(base + <usize>pos);
  pos++;
  const capBad = new StaticArray<bool>(nCaps); // the capability is empty
  for (let i = 0; i < nCaps; i++) {
    if (pos >= len) return truncated(len);
    const l = <i32>load<u8>(base + <usize>pos);
    unchecked((capBad[i] = l == 0));
    pos += 1 + l;
  }
  if (pos + 2 > len) return truncated(len);
  const n = <i32>bswap<u16>(load<u16>(base + <usize>pos));
  pos += 2;
  if (n > MAX_CANDIDATES) return "select input: " + n.toString() + " candidates, at most " + MAX_CANDIDATES.toString();
  columns(n);
  // The ids: where each starts (the address bytes for an address), and
  // for addresses their bytes as three big-endian words.
  const idAt = new StaticArray<u64>(n);
  const isAddr = new StaticArray<bool>(n);
  const addrs = new StaticArray<u64>(n << 2); // see ByAddress
  let strings = false;
  let invalid: string | null = null;
  const end = base + <usize>len;
  let p = base + <usize>pos;
  for (let i = 0; i < n; i++) {
    // p <= end here: the previous candidate ended there at the latest.
    const tag = <i32>load<u8>(p);
    let q = p + 1;
    let idLen = 20;
    if (tag == 1) {
      unchecked((idAt[i] = span(q, 20)));
      unchecked((isAddr[i] = true));
      const w = addressAt(addrs, i);
      store<u64>(w, bswap<u64>(load<u64>(q)));
      store<u64>(w, bswap<u64>(load<u64>(q + 8)), 8);
      store<u64>(w, <u64>bswap<u32>(load<u32>(q + 16)), 16);
      q += 20;
    } else if (tag == 0) {
      idLen = <i32>load<u8>(q);
      unchecked((idAt[i] = span(q + 1, idLen)));
      q += 1 + <usize>idLen;
      strings = true;
    } else {
      return "select input: bad id tag at byte " + (<i32>(p - base) + 1).toString();
    }
    const stake = bswap<u64>(load<u64>(q));
    const rep = <u32>load<u8>(q + 8);
    const succ = <u32>bswap<u16>(load<u16>(q + 9));
    const lat = bswap<u32>(load<u32>(q + 11));
    const ld = <u32>load<u8>(q + 15);
    const priceLen = <i32>load<u8>(q + 16);
    const caps = q + 18 + <usize>priceLen; // the capability indices
    const k = <i32>load<u8>(caps - 1);
    p = caps + <usize>k;
    if (p > end) return truncated(len);
    unchecked((stakes[i] = stake));
    unchecked((reps[i] = rep));
    unchecked((succs[i] = succ));
    unchecked((lats[i] = lat));
    let capsBad = false;
    for (let j = 0; j < k; j++) {
      const idx = <i32>load<u8>(caps + <usize>j);
      if (idx >= nCaps) return "select input: capability index out of range at byte " + (<i32>(caps - base) + j + 1).toString();
      capsBad |= unchecked(capBad[idx]);
    }
    const priceBad = priceLen > 0 && (priceLen > MAX_PRICE_LEN || !isAmount(q + 17, priceLen));
    if (invalid === null && (idLen == 0 || idLen > MAX_ID_LEN || rep > <u32>MAX_REPUTATION || ld > 100 || succ > 10000 || k > MAX_CAPABILITIES || priceBad || capsBad)) {
      invalid = candidateProblem(i, idLen, rep, ld, succ, k, priceBad);
    }
  }
  if (p != end) return "select input: trailing bytes at byte " + (<i32>(p - base)).toString();
  if (selCount > MAX_CANDIDATES) return "count out of range 0.." + MAX_CANDIDATES.toString();
  if (invalid !== null) return invalid;
  if (!strings) {
    byID = sortIndices(n, addrs, new ByAddress());
    for (let i = 1; i < n; i++) {
      const x = addressAt(addrs, unchecked(byID[i - 1]));
      const y = addressAt(addrs, unchecked(byID[i]));
      if (load<u64>(x) == load<u64>(y) && load<u64>(x, 8) == load<u64>(y, 8) && load<u64>(x, 16) == load<u64>(y, 16)) return "duplicate candidate id";
    }
    return null;
  }
  // Some ids are strings: spell the addresses as abi does, compare spans.
  let hex = heap.alloc(<usize>n * 42);
  for (let i = 0; i < n; i++) {
    if (!unchecked(isAddr[i])) continue;
    const a = spanPtr(unchecked(idAt[i]));
    store<u8>(hex, ZERO);
    store<u8>(hex + 1, 0x78); // x
    for (let j = 0; j < 20; j++) {
      const b = <i32>load<u8>(a + <usize>j);
      store<u8>(hex + 2 + <usize>(2 * j), <u8>"0123456789abcdef".charCodeAt(b >> 4));
      store<u8>(hex + 3 + <usize>(2 * j), <u8>"0123456789abcdef".charCodeAt(b & 15));
    }
    unchecked((idAt[i] = span(hex, 42)));
    hex += 42;
  }
  byID = sortIndices(n, idAt, new BySpan());
  for (let i = 1; i < n; i++) {
    if (compare(unchecked(idAt[byID[i - 1]]), unchecked(idAt[byID[i]])) == 0) return "duplicate candidate id";
  }
  return null;
}

// The ids sent as addresses are compared as three big-endian words (8, 8
// and 4 bytes), those of candidate i at addressAt(addrs, i).
// @ts-ignore: decorator
@inline function addressAt(addrs: StaticArray<u64>, i: i32): usize {
  return changetype<usize>(addrs) + (<usize>i << 5);
}

// ByAddress orders candidate indices by their addresses.
class ByAddress {
  // @ts-ignore: decorator
  @inline less(addrs: StaticArray<u64>, x: i32, y: i32): bool {
    const px = addressAt(addrs, x);
    const py = addressAt(addrs, y);
    const x0 = load<u64>(px);
    const y0 = load<u64>(py);
    if (x0 != y0) return x0 < y0;
    const x1 = load<u64>(px, 8);
    const y1 = load<u64>(py, 8);
    if (x1 != y1) return x1 < y1;
    return load<u64>(px, 16) < load<u64>(py, 16);
  }
}

// --- the strategies (sdk-plugins/examples/selection) ---

// rankByReputation: reputation descending, ties by id ascending. A stable
// counting sort by reputation (0..100 once validated) of the id order.
function rankByReputation(): StaticArray<i32> {
  const n = nCand;
  const starts = new StaticArray<i32>(<i32>MAX_REPUTATION + 2);
  for (let k = 0; k < n; k++) {
    const r = <i32>MAX_REPUTATION - <i32>unchecked(reps[k]);
    unchecked((starts[r + 1] += 1));
  }
  for (let r = 1; r < starts.length; r++) unchecked((starts[r] += starts[r - 1]));
  const out = new StaticArray<i32>(n);
  for (let k = 0; k < n; k++) {
    const idx = unchecked(byID[k]);
    const r = <i32>MAX_REPUTATION - <i32>unchecked(reps[idx]);
    const at = unchecked(starts[r]);
    unchecked((starts[r] = at + 1));
    unchecked((out[at] = idx));
  }
  return out;
}

// rankByKey: key descending, ties by id ascending: the id order (byID)
// sorted stably by key.
function rankByKey(keys: StaticArray<u64>): StaticArray<i32> {
  const n = keys.length;
  const a = new StaticArray<i32>(n);
  memory.copy(changetype<usize>(a), changetype<usize>(byID), <usize>n << 2);
  return mergeSort(a, keys, new ByKeyDescending());
}

// ByKeyDescending orders candidate indices by their keys, the largest
// first.
class ByKeyDescending {
  // @ts-ignore: decorator
  @inline less(keys: StaticArray<u64>, x: i32, y: i32): bool {
    return unchecked(keys[x]) > unchecked(keys[y]);
  }
}

// rankRandom: the id order shuffled by Fisher-Yates driven by splitmix64
// from the seed, as selection.shuffle does.
function rankRandom(): StaticArray<i32> {
  const n = nCand;
  const out = new StaticArray<i32>(n);
  memory.copy(changetype<usize>(out), changetype<usize>(byID), <usize>n << 2);
  let state = selSeed;
  for (let i = n - 1; i > 0; i--) {
    state += 0x9e3779b97f4a7c15;
    let z = state;
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111eb;
    z = z ^ (z >>> 31);
    const j = <i32>(z % <u64>(i + 1));
    const t = unchecked(out[i]);
    unchecked((out[i] = out[j]));
    unchecked((out[j] = t));
  }
  return out;
}

// mulHi is the high 64 bits of a*b, b < 2^32.
function mulHi(a: u64, b: u64): u64 {
  return ((a >>> 32) * b + (((a & 0xffffffff) * b) >>> 32)) >>> 32;
}

// atMost reports a*b <= c*d exactly (b, d < 2^32).
function atMost(a: u64, b: u64, c: u64, d: u64): bool {
  const h1 = mulHi(a, b);
  const h2 = mulHi(c, d);
  return h1 < h2 || (h1 == h2 && a * b <= c * d);
}

const STAKE_PPM: u64 = 600000;

// stakePart is floor(stake * 600000 / maxStake) for stake <= maxStake, as
// selection.weightedScore computes it in 128 bits: in 64 when the product
// fits (maxStake < 2^44), else an estimate in floating point, corrected
// exactly.
function stakePart(stake: u64, maxStake: u64): u64 {
  if (maxStake < (<u64>1) << 44) return (stake * STAKE_PPM) / maxStake;
  let q = <u64>Math.floor((<f64>stake / <f64>maxStake) * <f64>STAKE_PPM);
  if (q > STAKE_PPM) q = STAKE_PPM;
  while (q > 0 && !atMost(maxStake, q, stake, STAKE_PPM)) q--;
  while (q < STAKE_PPM && atMost(maxStake, q + 1, stake, STAKE_PPM)) q++;
  return q;
}

// rankBy ranks the validated columns by the strategy, or returns null for
// an unknown one.
function rankBy(): StaticArray<i32> | null {
  const n = nCand;
  const s = selStrategy;
  if (spanIs(s, "reputation")) return rankByReputation();
  if (spanIs(s, "random")) return rankRandom();
  const keys = new StaticArray<u64>(n);
  if (spanIs(s, "stake")) {
    memory.copy(changetype<usize>(keys), changetype<usize>(stakes), <usize>n << 3);
  } else if (spanIs(s, "performance")) {
    // success descending, then latency ascending
    for (let i = 0; i < n; i++) unchecked((keys[i] = ((<u64>succs[i]) << 32) | <u64>(0xffffffff - lats[i])));
  } else if (spanIs(s, "weighted") || spanLen(s) == 0) {
    let maxStake: u64 = 0;
    for (let i = 0; i < n; i++) maxStake = max(maxStake, unchecked(stakes[i]));
    for (let i = 0; i < n; i++) {
      unchecked((keys[i] = (maxStake > 0 ? stakePart(stakes[i], maxStake) : 0) + <u64>reps[i] * 4000));
    }
  } else {
    return null;
  }
  return rankByKey(keys);
}

function rank(): i32 {
  // Nothing outlives a call: start from an empty heap.
  heap.reset();
  cur = null;
  curCand = null;
  const p = readHostInput("select input");
  p.ws();
  const binary = p.peek() != LBRACE;
  let in_: Input | null = null;
  if (binary) {
    const bad = decodeBinary(p.base, p.len);
    if (bad !== null) return failWith(INVALID_INPUT, bad);
  } else {
    in_ = readInput(p);
    if (in_ === null) return failWith(INVALID_INPUT, p.err !== null ? <string>p.err : "select input");
    const bad = validate(in_);
    if (bad !== null) {
      if (in_.version != VERSION) {
        return failWith(UNSUPPORTED_VERSION, "select input version " + in_.version.toString() + ", want " + VERSION.toString());
      }
      return failWith(INVALID_INPUT, <string>bad);
    }
    selSeed = in_.seed;
    selCount = in_.count;
    selStrategy = in_.strategy;
  }
  const order = rankBy();
  if (order === null) {
    return failWith(UNKNOWN_STRATEGY, "have random, reputation, stake, performance, weighted; not ", selStrategy);
  }
  let n = nCand;
  if (selCount > 0 && selCount < <i64>n) n = <i32>selCount;
  const w = new Writer();
  if (binary) {
    w.reserve(6 + 2 * n);
    const out = w.buf.dataStart;
    store<u32>(out, MAGIC_SELECT_OUT);
    store<u16>(out + 4, bswap<u16>(<u16>n));
    for (let i = 0; i < n; i++) store<u16>(out + 6 + (<usize>i << 1), bswap<u16>(<u16>unchecked(order[i])));
    w.len = 6 + 2 * n;
  } else {
    const cands = in_!.candidates;
    w.ascii('{"version":1,"ids":[');
    for (let i = 0; i < n; i++) {
      if (i > 0) w.byte(COMMA);
      w.quoted(unchecked(cands[unchecked(order[i])]).id);
    }
    w.ascii("]}");
  }
  w.send();
  return 0;
}

export { rank as select };
