// Beagle value hashing.
//
// Upstream hashes with Rust's `DefaultHasher` (SipHash-1-3, both keys 0) and
// the map/set iteration order follows those 64-bit hashes (reference §4), so
// we reproduce them bit for bit for the values whose order is observable:
//
//   Int      the tagged word `n << 3` as 8 little-endian bytes
//   String   UTF-8 bytes + 0xFF; result masked to 61 bits, 0 -> 1
//   Keyword  8-byte LE length prefix + UTF-8 bytes of the name (cached on the keyword)
//   Float    the IEEE-754 bit pattern as 8 LE bytes
//   true / false / null   the raw tagged words 11 / 3 / 7
//
// Structs, collections and other objects get our own value-based hashes
// (upstream hashes their physical layout, which cannot be reproduced and is
// not relied upon): a SipHash over a type tag and the children's hashes.
// Maps and sets combine entries order-independently. Collections cache theirs.
//
// REPRESENTATION. A 64-bit hash is handled as two 32-bit halves so the hot
// path never touches BigInt: `hashValue(v)` RETURNS THE LOW 32 BITS (as a
// signed int32) and leaves the high 32 bits in a module variable read by
// `lastHashHi()` (also int32). Read it immediately after the call:
//
//     const lo = hashValue(k), hi = lastHashHi();
//
// `hash64(v)` gives the full unsigned 64-bit hash as a bigint (slow path,
// tests and a user-facing `hash` builtin).
//
// Hashing is consistent with `equalKeys` (vm/equal.ts), the map-key
// equality: Int 2 and Float 2.0 are different keys with different hashes
// (reference §4), as are Float 0.0 and -0.0; NaN hashes like NaN.
import { BFloat, EnumType, Keyword, Struct, StructType, TypeDescriptor } from "./values.ts";
import type { Value } from "./values.ts";
import { PersistentVector } from "./collections/vector.ts";
import { PersistentMap } from "./collections/map.ts";
import { PersistentSet } from "./collections/set.ts";

let HI = 0;

/** High 32 bits (int32) of the hash computed by the last `hashValue` call. */
export function lastHashHi(): number {
  return HI;
}

// ---------------------------------------------------------------- SipHash core

// Initial state for keys (0, 0): "somepseudorandomlygeneratedbytes".
const V0L = 0x70736575 | 0,
  V0H = 0x736f6d65 | 0;
const V1L = 0x6e646f6d | 0,
  V1H = 0x646f7261 | 0;
const V2L = 0x6e657261 | 0,
  V2H = 0x6c796765 | 0;
const V3L = 0x79746573 | 0,
  V3H = 0x74656462 | 0;

/**
 * SipHash-1-3 (keys 0) of one 8-byte message (mlo, mhi): the Int/Float hot
 * path. Returns the low half, sets HI. Unrolled, all state in int32 locals
 * (a 64-bit add is two int32 adds with a branchless carry: a data-dependent
 * branch there mispredicts and doubles the cost).
 */
function sip8(mlo: number, mhi: number): number {
  let v0l = V0L,
    v0h = V0H,
    v1l = V1L,
    v1h = V1H,
    v2l = V2L,
    v2h = V2H;
  let v3l = V3L ^ mlo,
    v3h = V3H ^ mhi;
  let t = 0;
  // message block: 1 round
  t = (v0l + v1l) | 0;
  v0h = (v0h + v1h + (((v0l & v1l) | ((v0l | v1l) & ~t)) >>> 31)) | 0;
  v0l = t;
  t = (v1h << 13) | (v1l >>> 19);
  v1l = (v1l << 13) | (v1h >>> 19);
  v1h = t;
  v1l ^= v0l;
  v1h ^= v0h;
  t = v0l;
  v0l = v0h;
  v0h = t;
  t = (v2l + v3l) | 0;
  v2h = (v2h + v3h + (((v2l & v3l) | ((v2l | v3l) & ~t)) >>> 31)) | 0;
  v2l = t;
  t = (v3h << 16) | (v3l >>> 16);
  v3l = (v3l << 16) | (v3h >>> 16);
  v3h = t;
  v3l ^= v2l;
  v3h ^= v2h;
  t = (v0l + v3l) | 0;
  v0h = (v0h + v3h + (((v0l & v3l) | ((v0l | v3l) & ~t)) >>> 31)) | 0;
  v0l = t;
  t = (v3h << 21) | (v3l >>> 11);
  v3l = (v3l << 21) | (v3h >>> 11);
  v3h = t;
  v3l ^= v0l;
  v3h ^= v0h;
  t = (v2l + v1l) | 0;
  v2h = (v2h + v1h + (((v2l & v1l) | ((v2l | v1l) & ~t)) >>> 31)) | 0;
  v2l = t;
  t = (v1h << 17) | (v1l >>> 15);
  v1l = (v1l << 17) | (v1h >>> 15);
  v1h = t;
  v1l ^= v2l;
  v1h ^= v2h;
  t = v2l;
  v2l = v2h;
  v2h = t;
  v0l ^= mlo;
  v0h ^= mhi;
  // final block b = 8 << 56: 1 round
  v3h ^= 0x08000000;
  t = (v0l + v1l) | 0;
  v0h = (v0h + v1h + (((v0l & v1l) | ((v0l | v1l) & ~t)) >>> 31)) | 0;
  v0l = t;
  t = (v1h << 13) | (v1l >>> 19);
  v1l = (v1l << 13) | (v1h >>> 19);
  v1h = t;
  v1l ^= v0l;
  v1h ^= v0h;
  t = v0l;
  v0l = v0h;
  v0h = t;
  t = (v2l + v3l) | 0;
  v2h = (v2h + v3h + (((v2l & v3l) | ((v2l | v3l) & ~t)) >>> 31)) | 0;
  v2l = t;
  t = (v3h << 16) | (v3l >>> 16);
  v3l = (v3l << 16) | (v3h >>> 16);
  v3h = t;
  v3l ^= v2l;
  v3h ^= v2h;
  t = (v0l + v3l) | 0;
  v0h = (v0h + v3h + (((v0l & v3l) | ((v0l | v3l) & ~t)) >>> 31)) | 0;
  v0l = t;
  t = (v3h << 21) | (v3l >>> 11);
  v3l = (v3l << 21) | (v3h >>> 11);
  v3h = t;
  v3l ^= v0l;
  v3h ^= v0h;
  t = (v2l + v1l) | 0;
  v2h = (v2h + v1h + (((v2l & v1l) | ((v2l | v1l) & ~t)) >>> 31)) | 0;
  v2l = t;
  t = (v1h << 17) | (v1l >>> 15);
  v1l = (v1l << 17) | (v1h >>> 15);
  v1h = t;
  v1l ^= v2l;
  v1h ^= v2h;
  t = v2l;
  v2l = v2h;
  v2h = t;
  v0h ^= 0x08000000;
  // finalisation: 3 rounds
  v2l ^= 0xff;
  t = (v0l + v1l) | 0;
  v0h = (v0h + v1h + (((v0l & v1l) | ((v0l | v1l) & ~t)) >>> 31)) | 0;
  v0l = t;
  t = (v1h << 13) | (v1l >>> 19);
  v1l = (v1l << 13) | (v1h >>> 19);
  v1h = t;
  v1l ^= v0l;
  v1h ^= v0h;
  t = v0l;
  v0l = v0h;
  v0h = t;
  t = (v2l + v3l) | 0;
  v2h = (v2h + v3h + (((v2l & v3l) | ((v2l | v3l) & ~t)) >>> 31)) | 0;
  v2l = t;
  t = (v3h << 16) | (v3l >>> 16);
  v3l = (v3l << 16) | (v3h >>> 16);
  v3h = t;
  v3l ^= v2l;
  v3h ^= v2h;
  t = (v0l + v3l) | 0;
  v0h = (v0h + v3h + (((v0l & v3l) | ((v0l | v3l) & ~t)) >>> 31)) | 0;
  v0l = t;
  t = (v3h << 21) | (v3l >>> 11);
  v3l = (v3l << 21) | (v3h >>> 11);
  v3h = t;
  v3l ^= v0l;
  v3h ^= v0h;
  t = (v2l + v1l) | 0;
  v2h = (v2h + v1h + (((v2l & v1l) | ((v2l | v1l) & ~t)) >>> 31)) | 0;
  v2l = t;
  t = (v1h << 17) | (v1l >>> 15);
  v1l = (v1l << 17) | (v1h >>> 15);
  v1h = t;
  v1l ^= v2l;
  v1h ^= v2h;
  t = v2l;
  v2l = v2h;
  v2h = t;
  t = (v0l + v1l) | 0;
  v0h = (v0h + v1h + (((v0l & v1l) | ((v0l | v1l) & ~t)) >>> 31)) | 0;
  v0l = t;
  t = (v1h << 13) | (v1l >>> 19);
  v1l = (v1l << 13) | (v1h >>> 19);
  v1h = t;
  v1l ^= v0l;
  v1h ^= v0h;
  t = v0l;
  v0l = v0h;
  v0h = t;
  t = (v2l + v3l) | 0;
  v2h = (v2h + v3h + (((v2l & v3l) | ((v2l | v3l) & ~t)) >>> 31)) | 0;
  v2l = t;
  t = (v3h << 16) | (v3l >>> 16);
  v3l = (v3l << 16) | (v3h >>> 16);
  v3h = t;
  v3l ^= v2l;
  v3h ^= v2h;
  t = (v0l + v3l) | 0;
  v0h = (v0h + v3h + (((v0l & v3l) | ((v0l | v3l) & ~t)) >>> 31)) | 0;
  v0l = t;
  t = (v3h << 21) | (v3l >>> 11);
  v3l = (v3l << 21) | (v3h >>> 11);
  v3h = t;
  v3l ^= v0l;
  v3h ^= v0h;
  t = (v2l + v1l) | 0;
  v2h = (v2h + v1h + (((v2l & v1l) | ((v2l | v1l) & ~t)) >>> 31)) | 0;
  v2l = t;
  t = (v1h << 17) | (v1l >>> 15);
  v1l = (v1l << 17) | (v1h >>> 15);
  v1h = t;
  v1l ^= v2l;
  v1h ^= v2h;
  t = v2l;
  v2l = v2h;
  v2h = t;
  t = (v0l + v1l) | 0;
  v0h = (v0h + v1h + (((v0l & v1l) | ((v0l | v1l) & ~t)) >>> 31)) | 0;
  v0l = t;
  t = (v1h << 13) | (v1l >>> 19);
  v1l = (v1l << 13) | (v1h >>> 19);
  v1h = t;
  v1l ^= v0l;
  v1h ^= v0h;
  t = v0l;
  v0l = v0h;
  v0h = t;
  t = (v2l + v3l) | 0;
  v2h = (v2h + v3h + (((v2l & v3l) | ((v2l | v3l) & ~t)) >>> 31)) | 0;
  v2l = t;
  t = (v3h << 16) | (v3l >>> 16);
  v3l = (v3l << 16) | (v3h >>> 16);
  v3h = t;
  v3l ^= v2l;
  v3h ^= v2h;
  t = (v0l + v3l) | 0;
  v0h = (v0h + v3h + (((v0l & v3l) | ((v0l | v3l) & ~t)) >>> 31)) | 0;
  v0l = t;
  t = (v3h << 21) | (v3l >>> 11);
  v3l = (v3l << 21) | (v3h >>> 11);
  v3h = t;
  v3l ^= v0l;
  v3h ^= v0h;
  t = (v2l + v1l) | 0;
  v2h = (v2h + v1h + (((v2l & v1l) | ((v2l | v1l) & ~t)) >>> 31)) | 0;
  v2l = t;
  t = (v1h << 17) | (v1l >>> 15);
  v1l = (v1l << 17) | (v1h >>> 15);
  v1h = t;
  v1l ^= v2l;
  v1h ^= v2h;
  t = v2l;
  v2l = v2h;
  v2h = t;
  HI = v0h ^ v1h ^ v2h ^ v3h;
  return v0l ^ v1l ^ v2l ^ v3l;
}

// Scratch buffer: message bytes, read back as little-endian 32-bit words.
let BUF = new Uint8Array(1024);
let W = new Int32Array(BUF.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function ensure(bytes: number): void {
  if (bytes > BUF.length) {
    let n = BUF.length;
    while (n < bytes) n *= 2;
    BUF = new Uint8Array(n);
    W = new Int32Array(BUF.buffer);
  }
}

function word(i: number): number {
  if (LITTLE_ENDIAN) return W[i]!;
  const p = i * 4;
  return BUF[p]! | (BUF[p + 1]! << 8) | (BUF[p + 2]! << 16) | (BUF[p + 3]! << 24);
}

/**
 * SipHash-c-d of BUF[0..len) with the given initial state (tests, other
 * keys). Pads BUF with zeros to the next 8-byte boundary. Returns the low
 * half, sets HI.
 */
function sipBuf(
  len: number,
  c: number,
  d: number,
  i0l: number,
  i0h: number,
  i1l: number,
  i1h: number,
  i2l: number,
  i2h: number,
  i3l: number,
  i3h: number,
): number {
  ensure(len + 8);
  for (let p = len, e = ((len >>> 3) + 1) << 3; p < e; p++) BUF[p] = 0;
  let v0l = i0l,
    v0h = i0h,
    v1l = i1l,
    v1h = i1h,
    v2l = i2l,
    v2h = i2h,
    v3l = i3l,
    v3h = i3h;
  let t = 0;
  const blocks = len >>> 3;
  for (let b = 0; b <= blocks; b++) {
    const mlo = word(2 * b);
    const mhi = b === blocks ? word(2 * b + 1) | ((len & 0xff) << 24) : word(2 * b + 1);
    v3l ^= mlo;
    v3h ^= mhi;
    for (let r = 0; r < c; r++) {
      t = (v0l + v1l) | 0;
      v0h = (v0h + v1h + (((v0l & v1l) | ((v0l | v1l) & ~t)) >>> 31)) | 0;
      v0l = t;
      t = (v1h << 13) | (v1l >>> 19);
      v1l = (v1l << 13) | (v1h >>> 19);
      v1h = t;
      v1l ^= v0l;
      v1h ^= v0h;
      t = v0l;
      v0l = v0h;
      v0h = t;
      t = (v2l + v3l) | 0;
      v2h = (v2h + v3h + (((v2l & v3l) | ((v2l | v3l) & ~t)) >>> 31)) | 0;
      v2l = t;
      t = (v3h << 16) | (v3l >>> 16);
      v3l = (v3l << 16) | (v3h >>> 16);
      v3h = t;
      v3l ^= v2l;
      v3h ^= v2h;
      t = (v0l + v3l) | 0;
      v0h = (v0h + v3h + (((v0l & v3l) | ((v0l | v3l) & ~t)) >>> 31)) | 0;
      v0l = t;
      t = (v3h << 21) | (v3l >>> 11);
      v3l = (v3l << 21) | (v3h >>> 11);
      v3h = t;
      v3l ^= v0l;
      v3h ^= v0h;
      t = (v2l + v1l) | 0;
      v2h = (v2h + v1h + (((v2l & v1l) | ((v2l | v1l) & ~t)) >>> 31)) | 0;
      v2l = t;
      t = (v1h << 17) | (v1l >>> 15);
      v1l = (v1l << 17) | (v1h >>> 15);
      v1h = t;
      v1l ^= v2l;
      v1h ^= v2h;
      t = v2l;
      v2l = v2h;
      v2h = t;
    }
    v0l ^= mlo;
    v0h ^= mhi;
  }
  v2l ^= 0xff;
  for (let r = 0; r < d; r++) {
    t = (v0l + v1l) | 0;
    v0h = (v0h + v1h + (((v0l & v1l) | ((v0l | v1l) & ~t)) >>> 31)) | 0;
    v0l = t;
    t = (v1h << 13) | (v1l >>> 19);
    v1l = (v1l << 13) | (v1h >>> 19);
    v1h = t;
    v1l ^= v0l;
    v1h ^= v0h;
    t = v0l;
    v0l = v0h;
    v0h = t;
    t = (v2l + v3l) | 0;
    v2h = (v2h + v3h + (((v2l & v3l) | ((v2l | v3l) & ~t)) >>> 31)) | 0;
    v2l = t;
    t = (v3h << 16) | (v3l >>> 16);
    v3l = (v3l << 16) | (v3h >>> 16);
    v3h = t;
    v3l ^= v2l;
    v3h ^= v2h;
    t = (v0l + v3l) | 0;
    v0h = (v0h + v3h + (((v0l & v3l) | ((v0l | v3l) & ~t)) >>> 31)) | 0;
    v0l = t;
    t = (v3h << 21) | (v3l >>> 11);
    v3l = (v3l << 21) | (v3h >>> 11);
    v3h = t;
    v3l ^= v0l;
    v3h ^= v0h;
    t = (v2l + v1l) | 0;
    v2h = (v2h + v1h + (((v2l & v1l) | ((v2l | v1l) & ~t)) >>> 31)) | 0;
    v2l = t;
    t = (v1h << 17) | (v1l >>> 15);
    v1l = (v1l << 17) | (v1h >>> 15);
    v1h = t;
    v1l ^= v2l;
    v1h ^= v2h;
    t = v2l;
    v2l = v2h;
    v2h = t;
  }
  HI = v0h ^ v1h ^ v2h ^ v3h;
  return v0l ^ v1l ^ v2l ^ v3l;
}

/** SipHash-1-3 (keys 0) of BUF[0..len), unrolled. Returns the low half, sets HI. */
function sip13Buf(len: number): number {
  ensure(len + 8);
  for (let p = len, e = ((len >>> 3) + 1) << 3; p < e; p++) BUF[p] = 0;
  let v0l = V0L,
    v0h = V0H,
    v1l = V1L,
    v1h = V1H,
    v2l = V2L,
    v2h = V2H,
    v3l = V3L,
    v3h = V3H;
  let t = 0;
  const blocks = len >>> 3;
  for (let b = 0; b <= blocks; b++) {
    const mlo = word(2 * b);
    const mhi = b === blocks ? word(2 * b + 1) | ((len & 0xff) << 24) : word(2 * b + 1);
    v3l ^= mlo;
    v3h ^= mhi;
    t = (v0l + v1l) | 0;
    v0h = (v0h + v1h + (((v0l & v1l) | ((v0l | v1l) & ~t)) >>> 31)) | 0;
    v0l = t;
    t = (v1h << 13) | (v1l >>> 19);
    v1l = (v1l << 13) | (v1h >>> 19);
    v1h = t;
    v1l ^= v0l;
    v1h ^= v0h;
    t = v0l;
    v0l = v0h;
    v0h = t;
    t = (v2l + v3l) | 0;
    v2h = (v2h + v3h + (((v2l & v3l) | ((v2l | v3l) & ~t)) >>> 31)) | 0;
    v2l = t;
    t = (v3h << 16) | (v3l >>> 16);
    v3l = (v3l << 16) | (v3h >>> 16);
    v3h = t;
    v3l ^= v2l;
    v3h ^= v2h;
    t = (v0l + v3l) | 0;
    v0h = (v0h + v3h + (((v0l & v3l) | ((v0l | v3l) & ~t)) >>> 31)) | 0;
    v0l = t;
    t = (v3h << 21) | (v3l >>> 11);
    v3l = (v3l << 21) | (v3h >>> 11);
    v3h = t;
    v3l ^= v0l;
    v3h ^= v0h;
    t = (v2l + v1l) | 0;
    v2h = (v2h + v1h + (((v2l & v1l) | ((v2l | v1l) & ~t)) >>> 31)) | 0;
    v2l = t;
    t = (v1h << 17) | (v1l >>> 15);
    v1l = (v1l << 17) | (v1h >>> 15);
    v1h = t;
    v1l ^= v2l;
    v1h ^= v2h;
    t = v2l;
    v2l = v2h;
    v2h = t;
    v0l ^= mlo;
    v0h ^= mhi;
  }
  v2l ^= 0xff;
  t = (v0l + v1l) | 0;
  v0h = (v0h + v1h + (((v0l & v1l) | ((v0l | v1l) & ~t)) >>> 31)) | 0;
  v0l = t;
  t = (v1h << 13) | (v1l >>> 19);
  v1l = (v1l << 13) | (v1h >>> 19);
  v1h = t;
  v1l ^= v0l;
  v1h ^= v0h;
  t = v0l;
  v0l = v0h;
  v0h = t;
  t = (v2l + v3l) | 0;
  v2h = (v2h + v3h + (((v2l & v3l) | ((v2l | v3l) & ~t)) >>> 31)) | 0;
  v2l = t;
  t = (v3h << 16) | (v3l >>> 16);
  v3l = (v3l << 16) | (v3h >>> 16);
  v3h = t;
  v3l ^= v2l;
  v3h ^= v2h;
  t = (v0l + v3l) | 0;
  v0h = (v0h + v3h + (((v0l & v3l) | ((v0l | v3l) & ~t)) >>> 31)) | 0;
  v0l = t;
  t = (v3h << 21) | (v3l >>> 11);
  v3l = (v3l << 21) | (v3h >>> 11);
  v3h = t;
  v3l ^= v0l;
  v3h ^= v0h;
  t = (v2l + v1l) | 0;
  v2h = (v2h + v1h + (((v2l & v1l) | ((v2l | v1l) & ~t)) >>> 31)) | 0;
  v2l = t;
  t = (v1h << 17) | (v1l >>> 15);
  v1l = (v1l << 17) | (v1h >>> 15);
  v1h = t;
  v1l ^= v2l;
  v1h ^= v2h;
  t = v2l;
  v2l = v2h;
  v2h = t;
  t = (v0l + v1l) | 0;
  v0h = (v0h + v1h + (((v0l & v1l) | ((v0l | v1l) & ~t)) >>> 31)) | 0;
  v0l = t;
  t = (v1h << 13) | (v1l >>> 19);
  v1l = (v1l << 13) | (v1h >>> 19);
  v1h = t;
  v1l ^= v0l;
  v1h ^= v0h;
  t = v0l;
  v0l = v0h;
  v0h = t;
  t = (v2l + v3l) | 0;
  v2h = (v2h + v3h + (((v2l & v3l) | ((v2l | v3l) & ~t)) >>> 31)) | 0;
  v2l = t;
  t = (v3h << 16) | (v3l >>> 16);
  v3l = (v3l << 16) | (v3h >>> 16);
  v3h = t;
  v3l ^= v2l;
  v3h ^= v2h;
  t = (v0l + v3l) | 0;
  v0h = (v0h + v3h + (((v0l & v3l) | ((v0l | v3l) & ~t)) >>> 31)) | 0;
  v0l = t;
  t = (v3h << 21) | (v3l >>> 11);
  v3l = (v3l << 21) | (v3h >>> 11);
  v3h = t;
  v3l ^= v0l;
  v3h ^= v0h;
  t = (v2l + v1l) | 0;
  v2h = (v2h + v1h + (((v2l & v1l) | ((v2l | v1l) & ~t)) >>> 31)) | 0;
  v2l = t;
  t = (v1h << 17) | (v1l >>> 15);
  v1l = (v1l << 17) | (v1h >>> 15);
  v1h = t;
  v1l ^= v2l;
  v1h ^= v2h;
  t = v2l;
  v2l = v2h;
  v2h = t;
  t = (v0l + v1l) | 0;
  v0h = (v0h + v1h + (((v0l & v1l) | ((v0l | v1l) & ~t)) >>> 31)) | 0;
  v0l = t;
  t = (v1h << 13) | (v1l >>> 19);
  v1l = (v1l << 13) | (v1h >>> 19);
  v1h = t;
  v1l ^= v0l;
  v1h ^= v0h;
  t = v0l;
  v0l = v0h;
  v0h = t;
  t = (v2l + v3l) | 0;
  v2h = (v2h + v3h + (((v2l & v3l) | ((v2l | v3l) & ~t)) >>> 31)) | 0;
  v2l = t;
  t = (v3h << 16) | (v3l >>> 16);
  v3l = (v3l << 16) | (v3h >>> 16);
  v3h = t;
  v3l ^= v2l;
  v3h ^= v2h;
  t = (v0l + v3l) | 0;
  v0h = (v0h + v3h + (((v0l & v3l) | ((v0l | v3l) & ~t)) >>> 31)) | 0;
  v0l = t;
  t = (v3h << 21) | (v3l >>> 11);
  v3l = (v3l << 21) | (v3h >>> 11);
  v3h = t;
  v3l ^= v0l;
  v3h ^= v0h;
  t = (v2l + v1l) | 0;
  v2h = (v2h + v1h + (((v2l & v1l) | ((v2l | v1l) & ~t)) >>> 31)) | 0;
  v2l = t;
  t = (v1h << 17) | (v1l >>> 15);
  v1l = (v1l << 17) | (v1h >>> 15);
  v1h = t;
  v1l ^= v2l;
  v1h ^= v2h;
  t = v2l;
  v2l = v2h;
  v2h = t;
  HI = v0h ^ v1h ^ v2h ^ v3h;
  return v0l ^ v1l ^ v2l ^ v3l;
}

function toU64(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/**
 * Generic SipHash-c-d of `bytes` with a 16-byte key (default: zeros), as an
 * unsigned 64-bit bigint. Exposed for tests against published vectors; the
 * default (c=1, d=3, zero key) is Rust's DefaultHasher over raw bytes.
 */
export function siphash(bytes: Uint8Array, c = 1, d = 3, key?: Uint8Array): bigint {
  const k = new Int32Array(4);
  if (key) {
    const kb = new Uint8Array(16);
    kb.set(key.subarray(0, 16));
    for (let i = 0; i < 4; i++)
      k[i] = kb[4 * i]! | (kb[4 * i + 1]! << 8) | (kb[4 * i + 2]! << 16) | (kb[4 * i + 3]! << 24);
  }
  ensure(bytes.length + 8);
  BUF.set(bytes);
  const lo = sipBuf(
    bytes.length,
    c,
    d,
    V0L ^ k[0]!,
    V0H ^ k[1]!,
    V1L ^ k[2]!,
    V1H ^ k[3]!,
    V2L ^ k[0]!,
    V2H ^ k[1]!,
    V3L ^ k[2]!,
    V3H ^ k[3]!,
  );
  return toU64(lo, HI);
}

// ---------------------------------------------------------------- per-type hashes

const ENC = new TextEncoder();

/** Writes the UTF-8 bytes of `s` into BUF at `off`; returns the end offset. */
function writeUtf8(s: string, off: number): number {
  const n = s.length;
  ensure(off + 3 * n + 16);
  const buf = BUF;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) {
      const r = ENC.encodeInto(s, buf.subarray(off));
      return off + r.written!;
    }
    buf[off + i] = c;
  }
  return off + n;
}

let ASCII_OK = true;

/**
 * SipHash-1-3 of an ASCII string's bytes followed by 0xFF, reading message
 * words straight from charCodeAt (no scratch buffer). Sets ASCII_OK to false,
 * and the result is meaningless, when a non-ASCII unit was met.
 */
function sipAsciiFF(s: string): number {
  const n = s.length;
  const len = n + 1;
  let v0l = V0L,
    v0h = V0H,
    v1l = V1L,
    v1h = V1H,
    v2l = V2L,
    v2h = V2H,
    v3l = V3L,
    v3h = V3H;
  let t = 0;
  let bad = 0;
  const full = len >>> 3; // number of full 8-byte blocks
  let p = 0;
  for (let b = 0; b < full; b++, p += 8) {
    let mlo: number, mhi: number;
    if (p + 8 <= n) {
      const c0 = s.charCodeAt(p),
        c1 = s.charCodeAt(p + 1),
        c2 = s.charCodeAt(p + 2),
        c3 = s.charCodeAt(p + 3);
      const c4 = s.charCodeAt(p + 4),
        c5 = s.charCodeAt(p + 5),
        c6 = s.charCodeAt(p + 6),
        c7 = s.charCodeAt(p + 7);
      bad |= c0 | c1 | c2 | c3 | c4 | c5 | c6 | c7;
      mlo = c0 | (c1 << 8) | (c2 << 16) | (c3 << 24);
      mhi = c4 | (c5 << 8) | (c6 << 16) | (c7 << 24);
    } else {
      // the block holding the 0xFF terminator as its last byte (n = p + 7)
      mlo = 0;
      mhi = 0;
      for (let j = 0; j < 8; j++) {
        const c = p + j < n ? s.charCodeAt(p + j) : 0xff;
        if (p + j < n) bad |= c;
        if (j < 4) mlo |= c << (8 * j);
        else mhi |= c << (8 * (j - 4));
      }
    }
    v3l ^= mlo;
    v3h ^= mhi;
    t = (v0l + v1l) | 0;
    v0h = (v0h + v1h + (((v0l & v1l) | ((v0l | v1l) & ~t)) >>> 31)) | 0;
    v0l = t;
    t = (v1h << 13) | (v1l >>> 19);
    v1l = (v1l << 13) | (v1h >>> 19);
    v1h = t;
    v1l ^= v0l;
    v1h ^= v0h;
    t = v0l;
    v0l = v0h;
    v0h = t;
    t = (v2l + v3l) | 0;
    v2h = (v2h + v3h + (((v2l & v3l) | ((v2l | v3l) & ~t)) >>> 31)) | 0;
    v2l = t;
    t = (v3h << 16) | (v3l >>> 16);
    v3l = (v3l << 16) | (v3h >>> 16);
    v3h = t;
    v3l ^= v2l;
    v3h ^= v2h;
    t = (v0l + v3l) | 0;
    v0h = (v0h + v3h + (((v0l & v3l) | ((v0l | v3l) & ~t)) >>> 31)) | 0;
    v0l = t;
    t = (v3h << 21) | (v3l >>> 11);
    v3l = (v3l << 21) | (v3h >>> 11);
    v3h = t;
    v3l ^= v0l;
    v3h ^= v0h;
    t = (v2l + v1l) | 0;
    v2h = (v2h + v1h + (((v2l & v1l) | ((v2l | v1l) & ~t)) >>> 31)) | 0;
    v2l = t;
    t = (v1h << 17) | (v1l >>> 15);
    v1l = (v1l << 17) | (v1h >>> 15);
    v1h = t;
    v1l ^= v2l;
    v1h ^= v2h;
    t = v2l;
    v2l = v2h;
    v2h = t;
    v0l ^= mlo;
    v0h ^= mhi;
  }
  // final block: the remaining 0..7 bytes (0xFF included when it falls here) and len << 56
  let mlo = 0,
    mhi = (len & 0xff) << 24;
  for (let j = 0; p + j < len; j++) {
    const c = p + j < n ? s.charCodeAt(p + j) : 0xff;
    if (p + j < n) bad |= c;
    if (j < 4) mlo |= c << (8 * j);
    else mhi |= c << (8 * (j - 4));
  }
  v3l ^= mlo;
  v3h ^= mhi;
  t = (v0l + v1l) | 0;
  v0h = (v0h + v1h + (((v0l & v1l) | ((v0l | v1l) & ~t)) >>> 31)) | 0;
  v0l = t;
  t = (v1h << 13) | (v1l >>> 19);
  v1l = (v1l << 13) | (v1h >>> 19);
  v1h = t;
  v1l ^= v0l;
  v1h ^= v0h;
  t = v0l;
  v0l = v0h;
  v0h = t;
  t = (v2l + v3l) | 0;
  v2h = (v2h + v3h + (((v2l & v3l) | ((v2l | v3l) & ~t)) >>> 31)) | 0;
  v2l = t;
  t = (v3h << 16) | (v3l >>> 16);
  v3l = (v3l << 16) | (v3h >>> 16);
  v3h = t;
  v3l ^= v2l;
  v3h ^= v2h;
  t = (v0l + v3l) | 0;
  v0h = (v0h + v3h + (((v0l & v3l) | ((v0l | v3l) & ~t)) >>> 31)) | 0;
  v0l = t;
  t = (v3h << 21) | (v3l >>> 11);
  v3l = (v3l << 21) | (v3h >>> 11);
  v3h = t;
  v3l ^= v0l;
  v3h ^= v0h;
  t = (v2l + v1l) | 0;
  v2h = (v2h + v1h + (((v2l & v1l) | ((v2l | v1l) & ~t)) >>> 31)) | 0;
  v2l = t;
  t = (v1h << 17) | (v1l >>> 15);
  v1l = (v1l << 17) | (v1h >>> 15);
  v1h = t;
  v1l ^= v2l;
  v1h ^= v2h;
  t = v2l;
  v2l = v2h;
  v2h = t;
  v0l ^= mlo;
  v0h ^= mhi;
  v2l ^= 0xff;
  t = (v0l + v1l) | 0;
  v0h = (v0h + v1h + (((v0l & v1l) | ((v0l | v1l) & ~t)) >>> 31)) | 0;
  v0l = t;
  t = (v1h << 13) | (v1l >>> 19);
  v1l = (v1l << 13) | (v1h >>> 19);
  v1h = t;
  v1l ^= v0l;
  v1h ^= v0h;
  t = v0l;
  v0l = v0h;
  v0h = t;
  t = (v2l + v3l) | 0;
  v2h = (v2h + v3h + (((v2l & v3l) | ((v2l | v3l) & ~t)) >>> 31)) | 0;
  v2l = t;
  t = (v3h << 16) | (v3l >>> 16);
  v3l = (v3l << 16) | (v3h >>> 16);
  v3h = t;
  v3l ^= v2l;
  v3h ^= v2h;
  t = (v0l + v3l) | 0;
  v0h = (v0h + v3h + (((v0l & v3l) | ((v0l | v3l) & ~t)) >>> 31)) | 0;
  v0l = t;
  t = (v3h << 21) | (v3l >>> 11);
  v3l = (v3l << 21) | (v3h >>> 11);
  v3h = t;
  v3l ^= v0l;
  v3h ^= v0h;
  t = (v2l + v1l) | 0;
  v2h = (v2h + v1h + (((v2l & v1l) | ((v2l | v1l) & ~t)) >>> 31)) | 0;
  v2l = t;
  t = (v1h << 17) | (v1l >>> 15);
  v1l = (v1l << 17) | (v1h >>> 15);
  v1h = t;
  v1l ^= v2l;
  v1h ^= v2h;
  t = v2l;
  v2l = v2h;
  v2h = t;
  t = (v0l + v1l) | 0;
  v0h = (v0h + v1h + (((v0l & v1l) | ((v0l | v1l) & ~t)) >>> 31)) | 0;
  v0l = t;
  t = (v1h << 13) | (v1l >>> 19);
  v1l = (v1l << 13) | (v1h >>> 19);
  v1h = t;
  v1l ^= v0l;
  v1h ^= v0h;
  t = v0l;
  v0l = v0h;
  v0h = t;
  t = (v2l + v3l) | 0;
  v2h = (v2h + v3h + (((v2l & v3l) | ((v2l | v3l) & ~t)) >>> 31)) | 0;
  v2l = t;
  t = (v3h << 16) | (v3l >>> 16);
  v3l = (v3l << 16) | (v3h >>> 16);
  v3h = t;
  v3l ^= v2l;
  v3h ^= v2h;
  t = (v0l + v3l) | 0;
  v0h = (v0h + v3h + (((v0l & v3l) | ((v0l | v3l) & ~t)) >>> 31)) | 0;
  v0l = t;
  t = (v3h << 21) | (v3l >>> 11);
  v3l = (v3l << 21) | (v3h >>> 11);
  v3h = t;
  v3l ^= v0l;
  v3h ^= v0h;
  t = (v2l + v1l) | 0;
  v2h = (v2h + v1h + (((v2l & v1l) | ((v2l | v1l) & ~t)) >>> 31)) | 0;
  v2l = t;
  t = (v1h << 17) | (v1l >>> 15);
  v1l = (v1l << 17) | (v1h >>> 15);
  v1h = t;
  v1l ^= v2l;
  v1h ^= v2h;
  t = v2l;
  v2l = v2h;
  v2h = t;
  t = (v0l + v1l) | 0;
  v0h = (v0h + v1h + (((v0l & v1l) | ((v0l | v1l) & ~t)) >>> 31)) | 0;
  v0l = t;
  t = (v1h << 13) | (v1l >>> 19);
  v1l = (v1l << 13) | (v1h >>> 19);
  v1h = t;
  v1l ^= v0l;
  v1h ^= v0h;
  t = v0l;
  v0l = v0h;
  v0h = t;
  t = (v2l + v3l) | 0;
  v2h = (v2h + v3h + (((v2l & v3l) | ((v2l | v3l) & ~t)) >>> 31)) | 0;
  v2l = t;
  t = (v3h << 16) | (v3l >>> 16);
  v3l = (v3l << 16) | (v3h >>> 16);
  v3h = t;
  v3l ^= v2l;
  v3h ^= v2h;
  t = (v0l + v3l) | 0;
  v0h = (v0h + v3h + (((v0l & v3l) | ((v0l | v3l) & ~t)) >>> 31)) | 0;
  v0l = t;
  t = (v3h << 21) | (v3l >>> 11);
  v3l = (v3l << 21) | (v3h >>> 11);
  v3h = t;
  v3l ^= v0l;
  v3h ^= v0h;
  t = (v2l + v1l) | 0;
  v2h = (v2h + v1h + (((v2l & v1l) | ((v2l | v1l) & ~t)) >>> 31)) | 0;
  v2l = t;
  t = (v1h << 17) | (v1l >>> 15);
  v1l = (v1l << 17) | (v1h >>> 15);
  v1h = t;
  v1l ^= v2l;
  v1h ^= v2h;
  t = v2l;
  v2l = v2h;
  v2h = t;
  ASCII_OK = bad < 0x80;
  HI = v0h ^ v1h ^ v2h ^ v3h;
  return v0l ^ v1l ^ v2l ^ v3l;
}

function hashString(s: string): number {
  let lo = sipAsciiFF(s);
  if (!ASCII_OK) {
    const end = writeUtf8(s, 0);
    BUF[end] = 0xff;
    lo = sip13Buf(end + 1);
  }
  const hi = HI & 0x1fffffff; // masked to 61 bits
  if (lo === 0 && hi === 0) {
    HI = 0;
    return 1;
  }
  HI = hi;
  return lo;
}

interface HashedKeyword {
  __hlo?: number;
  __hhi?: number;
}

function hashKeyword(k: Keyword): number {
  const c = k as unknown as HashedKeyword;
  if (c.__hlo !== undefined) {
    HI = c.__hhi!;
    return c.__hlo;
  }
  const end = writeUtf8(k.name, 8);
  const n = end - 8;
  BUF[0] = n & 0xff;
  BUF[1] = (n >>> 8) & 0xff;
  BUF[2] = (n >>> 16) & 0xff;
  BUF[3] = (n >>> 24) & 0xff;
  BUF[4] = 0;
  BUF[5] = 0;
  BUF[6] = 0;
  BUF[7] = 0;
  const lo = sip13Buf(end);
  c.__hlo = lo;
  c.__hhi = HI;
  return lo;
}

const F64 = new Float64Array(1);
const F64W = new Int32Array(F64.buffer);

function hashFloat(x: number): number {
  F64[0] = x;
  return LITTLE_ENDIAN ? sip8(F64W[0]!, F64W[1]!) : sip8(F64W[1]!, F64W[0]!);
}

// Hashes of the Ints 0..65535, filled on first use (the usual map keys;
// a table read is ~10x cheaper than SipHash).
const SMALL_LO = new Int32Array(65536);
const SMALL_HI = new Int32Array(65536);
const SMALL_DONE = new Uint8Array(65536);

function hashInt(n: number): number {
  if ((n | 0) === n) return sip8(n << 3, n >> 29);
  const m = n * 8; // exact: |n| < 2^53
  return sip8(m | 0, Math.floor(m / 4294967296) | 0);
}

function hashBigInt(b: bigint): number {
  const m = BigInt.asUintN(64, b << 3n);
  return sip8(Number(m & 0xffffffffn) | 0, Number(m >> 32n) | 0);
}

// Constants: raw tagged words of true (11), false (3), null (7).
const H_TRUE_LO = sip8(11, 0),
  H_TRUE_HI = HI;
const H_FALSE_LO = sip8(3, 0),
  H_FALSE_HI = HI;
const H_NULL_LO = sip8(7, 0),
  H_NULL_HI = HI;

// Tags for our own composite hashes (arbitrary, distinct).
const TAG_STRUCT = 0x5354;
const TAG_VECTOR = 0x5645;
const TAG_MAP = 0x4d41;
const TAG_SET = 0x5345;
const TAG_TYPE = 0x5459;
const TAG_IDENTITY = 0x4944;

/** SipHash-1-3 over a list of int32 words (pairs of halves). */
function hashWords(words: number[]): number {
  const n = words.length;
  ensure(4 * n + 8);
  if (LITTLE_ENDIAN) {
    for (let i = 0; i < n; i++) W[i] = words[i]!;
  } else {
    for (let i = 0; i < n; i++) {
      const w = words[i]!;
      BUF[4 * i] = w & 0xff;
      BUF[4 * i + 1] = (w >>> 8) & 0xff;
      BUF[4 * i + 2] = (w >>> 16) & 0xff;
      BUF[4 * i + 3] = w >>> 24;
    }
  }
  return sip13Buf(4 * n);
}

function hashStruct(s: Struct): number {
  const f = s.f;
  const words: number[] = [TAG_STRUCT, s.type.id];
  for (let i = 0; i < f.length; i++) {
    words.push(hashValue(f[i]), HI);
  }
  return hashWords(words);
}

function hashVector(v: PersistentVector): number {
  const cached = v._hash;
  if (cached !== null) {
    HI = cached.hi;
    return cached.lo;
  }
  const n = v.count;
  const words: number[] = [TAG_VECTOR, n];
  for (let i = 0; i < n; i += 32) {
    const chunk = v.arrayFor(i);
    for (let j = 0, e = Math.min(32, n - i); j < e; j++) words.push(hashValue(chunk[j]), HI);
  }
  const lo = hashWords(words);
  v._hash = { lo, hi: HI };
  return lo;
}

function hashMap(m: PersistentMap): number {
  const cached = m._hash;
  if (cached !== null) {
    HI = cached.hi;
    return cached.lo;
  }
  // Order-independent: wrapping sums of per-entry hashes.
  let sumLo = 0,
    sumHi = 0;
  const pair = [0, 0, 0, 0];
  m.forEach((val, key) => {
    pair[0] = hashValue(key);
    pair[1] = HI;
    pair[2] = hashValue(val);
    pair[3] = HI;
    const lo = hashWords(pair);
    sumLo = (sumLo + lo) | 0;
    sumHi = (sumHi + HI) | 0;
  });
  const lo = hashWords([TAG_MAP, m.count, sumLo, sumHi]);
  m._hash = { lo, hi: HI };
  return lo;
}

function hashSet(s: PersistentSet): number {
  const cached = s._hash;
  if (cached !== null) {
    HI = cached.hi;
    return cached.lo;
  }
  let sumLo = 0,
    sumHi = 0;
  for (const e of s) {
    const lo = hashValue(e);
    sumLo = (sumLo + lo) | 0;
    sumHi = (sumHi + HI) | 0;
  }
  const lo = hashWords([TAG_SET, s.count, sumLo, sumHi]);
  s._hash = { lo, hi: HI };
  return lo;
}

const IDS = new WeakMap<object, number>();
let nextId = 1;

function hashIdentity(o: object): number {
  let id = IDS.get(o);
  if (id === undefined) {
    id = nextId++;
    IDS.set(o, id);
  }
  return hashWords([TAG_IDENTITY, id]);
}

function hashString32(tag: number, s: string): number {
  const lo = hashString(s);
  return hashWords([tag, lo, HI]);
}

/** An object may define `beagleHash(): bigint` (with `beagleEquals`) to act as a map key by value. */
interface CustomHash {
  beagleHash(): bigint;
}

/**
 * The Beagle hash of `v`: returns the low 32 bits (int32); the high 32 bits
 * are then available from `lastHashHi()`.
 */
export function hashValue(v: Value): number {
  switch (typeof v) {
    case "number":
      if ((v | 0) === v) {
        if (v >>> 16 === 0 && (v !== 0 || !Object.is(v, -0))) {
          // 0 <= v < 65536: memoised
          if (SMALL_DONE[v] !== 0) {
            HI = SMALL_HI[v]!;
            return SMALL_LO[v]!;
          }
          const lo = sip8(v << 3, 0);
          SMALL_LO[v] = lo;
          SMALL_HI[v] = HI;
          SMALL_DONE[v] = 1;
          return lo;
        }
        if (v !== 0) return sip8(v << 3, v >> 29); // other int32s
        return hashFloat(v); // a raw -0 is Float -0.0
      }
      return Number.isInteger(v) ? hashInt(v) : hashFloat(v);
    case "string":
      return hashString(v);
    case "boolean":
      if (v) {
        HI = H_TRUE_HI;
        return H_TRUE_LO;
      }
      HI = H_FALSE_HI;
      return H_FALSE_LO;
    case "bigint":
      return hashBigInt(v);
    case "object":
      if (v === null) {
        HI = H_NULL_HI;
        return H_NULL_LO;
      }
      if (v instanceof Keyword) return hashKeyword(v);
      if (v instanceof BFloat) return hashFloat(v.v);
      if (v instanceof Struct) return hashStruct(v);
      if (v instanceof PersistentVector) return hashVector(v);
      if (v instanceof PersistentMap) return hashMap(v);
      if (v instanceof PersistentSet) return hashSet(v);
      if (v instanceof TypeDescriptor) return hashString32(TAG_TYPE, v.name);
      if (v instanceof StructType || v instanceof EnumType) return hashWords([TAG_TYPE, v.id]);
      if (typeof (v as CustomHash).beagleHash === "function") {
        const h = BigInt.asUintN(64, (v as CustomHash).beagleHash());
        HI = Number(h >> 32n) | 0;
        return Number(h & 0xffffffffn) | 0;
      }
      return hashIdentity(v);
    case "undefined":
      HI = H_NULL_HI;
      return H_NULL_LO;
    default:
      return hashIdentity(v as object);
  }
}

/** The full 64-bit Beagle hash of `v` as an unsigned bigint. */
export function hash64(v: Value): bigint {
  const lo = hashValue(v);
  return toU64(lo, HI);
}
