// Beagle equality.
//
// `equal(a, b)` is Beagle's `==` (reference §6): deep and structural.
//   - Int vs Float compare numerically: 2 == 2.0, 0.0 == -0.0; NaN != NaN.
//   - strings by content, keywords by identity (interned).
//   - structs / enum variants: same type and all fields equal.
//   - vectors element-wise, maps by entries (keys looked up as map keys,
//     values compared with `equal`), sets by members.
//   - type descriptors by name; everything else (functions, closures, atoms'
//     identity is NOT used: Atom is a plain struct) by identity, unless the
//     object defines `beagleEquals(other): boolean`.
//   - different kinds are never equal.
//
// `equalKeys(a, b)` is the equality of map keys and set members: the same as
// `equal` except that numbers must be the same kind and the same bits —
// Int 2 and Float 2.0 are different keys, Float 0.0 and -0.0 are different
// keys, and NaN is a key equal to itself — so that it agrees with
// `hashValue` (equal keys always hash equally).
import { BFloat, Struct, TypeDescriptor, migrate } from "./values.ts";
import type { Value } from "./values.ts";
import { PersistentVector } from "./collections/vector.ts";
import { PersistentMap } from "./collections/map.ts";
import { PersistentSet } from "./collections/set.ts";

interface CustomEquals {
  beagleEquals(other: Value): boolean;
}

/** Beagle `==`. */
export function equal(a: Value, b: Value): boolean {
  return eq(a, b, false);
}

/** Map-key equality (see file comment); consistent with `hashValue`. */
export function equalKeys(a: Value, b: Value): boolean {
  if (a === b) return a !== 0 || Object.is(a, b);
  return eq(a, b, true);
}

function isRawFloat(x: number): boolean {
  return !Number.isInteger(x) || Object.is(x, -0);
}

function eq(a: Value, b: Value, strict: boolean): boolean {
  // Loop instead of recursing on a struct's last field, so long cons-style
  // chains compare without deep JS recursion.
  for (;;) {
    if (a === b) return !strict || a !== 0 || Object.is(a, b);
    switch (typeof a) {
      case "number":
        if (typeof b === "number") {
          // a !== b here; only NaN-vs-NaN can still be the same key.
          return strict && Number.isNaN(a) && Number.isNaN(b);
        }
        if (b instanceof BFloat) return strict ? isRawFloat(a) && Object.is(a, b.v) : a === b.v;
        return false; // bigint Ints are never in the safe range; other kinds differ
      case "bigint":
        if (b instanceof BFloat) return !strict && Number(a) === b.v;
        if (typeof b === "number") return !strict && isRawFloat(b) && Number(a) === b; // never true in practice
        return false;
      case "object":
        break;
      default:
        return false;
    }
    if (a === null || b === null || (typeof b !== "object" && typeof b !== "number" && typeof b !== "bigint"))
      return false;
    if (a instanceof BFloat) {
      if (b instanceof BFloat) return strict ? Object.is(a.v, b.v) : a.v === b.v;
      if (typeof b === "number") return strict ? isRawFloat(b) && Object.is(a.v, b) : a.v === b;
      if (typeof b === "bigint") return !strict && a.v === Number(b);
      return false;
    }
    if (a instanceof Struct) {
      if (!(b instanceof Struct)) return false;
      if (a.type !== b.type) {
        if (a.type.successor === null && b.type.successor === null) return false;
        migrate(a); // one was made before its struct was redefined
        migrate(b);
        if (a.type !== b.type) return false;
      }
      const fa = a.f,
        fb = b.f;
      const n = fa.length;
      if (n !== fb.length) return false;
      if (n === 0) return true;
      for (let i = 0; i < n - 1; i++) if (!eq(fa[i], fb[i], strict)) return false;
      a = fa[n - 1];
      b = fb[n - 1];
      continue;
    }
    if (a instanceof PersistentVector) return b instanceof PersistentVector && vecEq(a, b, strict);
    if (a instanceof PersistentMap) return b instanceof PersistentMap && mapEq(a, b, strict);
    if (a instanceof PersistentSet) return b instanceof PersistentSet && setEq(a, b);
    if (a instanceof TypeDescriptor) return b instanceof TypeDescriptor && a.name === b.name;
    // raw Arrays: `==` compares elements (as upstream); as map keys they are mutable, so identity
    if (Array.isArray(a)) return !strict && Array.isArray(b) && arrayEq(a, b);
    if (typeof (a as CustomEquals).beagleEquals === "function") return (a as CustomEquals).beagleEquals(b);
    return false;
  }
}

type HashCache = { lo: number; hi: number } | null;

/** Both hashes known and different: the values cannot be key-equal. */
function differentHashes(a: HashCache, b: HashCache): boolean {
  return a !== null && b !== null && (a.lo !== b.lo || a.hi !== b.hi);
}

function vecEq(a: PersistentVector, b: PersistentVector, strict: boolean): boolean {
  const n = a.count;
  if (n !== b.count) return false;
  if (strict && differentHashes(a._hash, b._hash)) return false;
  for (let i = 0; i < n; i += 32) {
    const ca = a.arrayFor(i),
      cb = b.arrayFor(i);
    if (ca === cb) continue;
    for (let j = 0, e = Math.min(32, n - i); j < e; j++) {
      const x = ca[j],
        y = cb[j];
      if (x !== y && !eq(x, y, strict)) return false;
      if (x === y && strict && x === 0 && !Object.is(x, y)) return false;
    }
  }
  return true;
}

function arrayEq(a: Value[], b: Value[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !eq(a[i], b[i], false)) return false;
  return true;
}

const MISSING = Symbol("missing");

function mapEq(a: PersistentMap, b: PersistentMap, strict: boolean): boolean {
  if (a.count !== b.count) return false;
  if (strict && differentHashes(a._hash, b._hash)) return false;
  for (const [k, v] of a) {
    const w = b.get(k, MISSING);
    if (w === MISSING) return false;
    if (v !== w && !eq(v, w, strict)) return false;
  }
  return true;
}

function setEq(a: PersistentSet, b: PersistentSet): boolean {
  if (a.count !== b.count) return false;
  if (differentHashes(a._hash, b._hash)) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}
