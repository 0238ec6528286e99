// Collection primitives for the prelude (beagle.core). The higher-order
// functions (map, filter, reduce, group-by, sort-by...) are Beagle code in
// stdlib/std.bg; what lives here needs no callback: counting, indexing,
// assoc/dissoc, set algebra, and "fast paths" that turn a built-in collection
// into a vector (they return null for values that must go through the
// Seqable protocol, and the Beagle caller then takes the slow path).
import { Keyword, Struct, StructType, EnumType, TypeDescriptor, type Value } from "../values.ts";
import { equal } from "../equal.ts";
import { compareValues } from "../compare.ts";
import { rangeType } from "../core-types.ts";
import {
  EMPTY_MAP,
  EMPTY_SET,
  PersistentMap,
  PersistentSet,
  PersistentVector,
  argF64,
  argInt,
  elementsOf,
  rangeCount,
  rangeCountExact,
  checkAlloc,
  isInt,
  isFloat,
  kindName,
  mapCount,
  mapEntries,
  mapKeys,
  mapVals,
  NOT_FOUND,
  runtimeError,
  setCount,
  setFrom,
  setToArray,
  typeError,
  vecCount,
  vecFrom,
  vecToArray,
  type Builtin,
} from "./util.ts";

// ---------------------------------------------------------------- guards

function needVec(v: Value, fn: string): Value {
  if (!(v instanceof PersistentVector)) typeError(`${fn}: expected a vector, got ${kindName(v)}`);
  return v;
}
function needMap(v: Value, fn: string): Value {
  if (!(v instanceof PersistentMap)) typeError(`${fn}: expected a map, got ${kindName(v)}`);
  return v;
}
function needSet(v: Value, fn: string): Value {
  if (!(v instanceof PersistentSet)) typeError(`${fn}: expected a set, got ${kindName(v)}`);
  return v;
}

/** Int index as a JS number, or null when it is not an Int (upstream: null result). */
function idx(i: Value): number | null {
  if (typeof i === "number" && Number.isInteger(i) && !Object.is(i, -0)) return i;
  if (typeof i === "bigint") return -1;
  return null;
}

function vget(v: Value, i: Value): Value {
  const k = idx(i);
  if (k === null || k < 0 || k >= vecCount(v)) return null;
  return v.get(k);
}

/** Elements of a built-in collection, or a TypeError naming the function. */
function elems(c: Value, fn: string): Value[] {
  const e = elementsOf(c);
  if (e === null) typeError(`${fn}: expected a collection, got ${kindName(c)}`);
  return e;
}

/** Values that compare without the Comparable protocol. */
function plainComparable(v: Value): boolean {
  return typeof v === "number" || typeof v === "bigint" || typeof v === "string" || v instanceof Keyword || isFloat(v);
}

/** Stable merge sort (Array.prototype.sort is stable in JS engines). */
function sortedCopy(arr: Value[], keys: Value[] | null): Value[] {
  const ix = arr.map((_, i) => i);
  const ks = keys ?? arr;
  ix.sort((a, b) => compareValues(ks[a], ks[b]) || a - b);
  return ix.map((i) => arr[i]);
}

/** [current, end, step] of an all-Int Range struct, else null. */
function rangeFields(r: Value): [number, number, number] | null {
  const t = rangeType();
  if (!t || !(r instanceof Struct) || r.type !== t) return null;
  const c = r.f[t.slots.get("current")!];
  const e = r.f[t.slots.get("end")!];
  const s = r.f[t.slots.get("step")!];
  if (typeof c !== "number" || typeof e !== "number" || typeof s !== "number") return null;
  if (!Number.isInteger(c) || !Number.isInteger(e) || !Number.isInteger(s)) return null;
  return [c, e, s];
}

function rangeElements(r: Value): Value[] | null {
  const x = rangeFields(r);
  if (!x) return null;
  const [c, e, s] = x;
  const n = checkAlloc(rangeCount(c, e, s), "range");
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = c + i * s;
  return out;
}

// ---------------------------------------------------------------- builtins

export const builtins: Record<string, Builtin> = {
  // ---- vectors
  "__vec-count"(v) {
    return vecCount(needVec(v, "count"));
  },
  "__vec-get"(v, i) {
    return vget(needVec(v, "get"), i);
  },
  "__vec-get-or"(v, i, d) {
    const k = idx(i);
    needVec(v, "get");
    if (k === null || k < 0 || k >= vecCount(v)) return d;
    return v.get(k);
  },
  "__vec-push"(v, x) {
    return needVec(v, "push").push(x);
  },
  "__vec-assoc"(v, i, x) {
    needVec(v, "assoc");
    const k = argInt(i, "assoc", "an integer index");
    const n = vecCount(v);
    if (k === n) return v.push(x);
    if (k < 0 || k > n) runtimeError("IndexError", `Index ${k} out of bounds for vector of length ${n}`);
    return v.assoc(k, x);
  },
  "__vec-has-index?"(v, i) {
    needVec(v, "contains?");
    const k = idx(i);
    return k !== null && k >= 0 && k < vecCount(v);
  },
  "__vec-pop"(v) {
    needVec(v, "pop");
    return vecCount(v) === 0 ? v : v.pop();
  },

  // ---- JS arrays (raw mutable arrays, e.g. variadic arguments)
  "__array-count"(a) {
    if (!Array.isArray(a)) typeError(`__array-count: expected an array, got ${kindName(a)}`);
    return a.length;
  },
  "__array-get"(a, i) {
    if (!Array.isArray(a)) typeError(`__array-get: expected an array, got ${kindName(a)}`);
    const k = idx(i);
    const arr = a as Value[];
    if (k === null || k < 0 || k >= arr.length) return null;
    return arr[k];
  },

  // ---- maps
  "__map-count"(m) {
    return mapCount(needMap(m, "count"));
  },
  "__map-get"(m, k) {
    const r = needMap(m, "get").get(k, NOT_FOUND);
    return r === NOT_FOUND ? null : r;
  },
  "__map-get-or"(m, k, d) {
    const r = needMap(m, "get").get(k, NOT_FOUND);
    return r === NOT_FOUND ? d : r;
  },
  "__map-has?"(m, k) {
    return needMap(m, "contains-key?").has(k);
  },
  "__map-assoc"(m, k, v) {
    return needMap(m, "assoc").assoc(k, v);
  },
  "__map-dissoc"(m, k) {
    return needMap(m, "dissoc").dissoc(k);
  },
  "__map-keys"(m) {
    return vecFrom(mapKeys(needMap(m, "keys")));
  },
  "__map-vals"(m) {
    return vecFrom(mapVals(needMap(m, "vals")));
  },
  "__map-entries"(m) {
    return vecFrom(mapEntries(needMap(m, "seq")).map(([k, v]) => vecFrom([k, v])));
  },
  "__map-find"(m, k) {
    const r = needMap(m, "find-entry").get(k, NOT_FOUND);
    return r === NOT_FOUND ? null : vecFrom([k, r]);
  },

  // ---- sets
  "__set-count"(s) {
    return setCount(needSet(s, "count"));
  },
  "__set-elements"(s) {
    return vecFrom(setToArray(needSet(s, "seq")));
  },
  "set?"(v) {
    return v instanceof PersistentSet;
  },
  "set-contains?"(s, x) {
    return needSet(s, "set-contains?").has(x);
  },
  "set-add"(s, x) {
    return needSet(s, "set-add").add(x);
  },
  "set-remove"(s, x) {
    return needSet(s, "set-remove").remove(x);
  },
  "set-union"(a, b) {
    let r = needSet(a, "set-union");
    for (const x of setToArray(needSet(b, "set-union"))) r = r.add(x);
    return r;
  },
  "set-intersection"(a, b) {
    needSet(b, "set-intersection");
    return setFrom(setToArray(needSet(a, "set-intersection")).filter((x) => b.has(x)));
  },
  "set-difference"(a, b) {
    needSet(b, "set-difference");
    return setFrom(setToArray(needSet(a, "set-difference")).filter((x) => !b.has(x)));
  },
  "set-subset?"(a, b) {
    needSet(b, "set-subset?");
    return setToArray(needSet(a, "set-subset?")).every((x) => b.has(x));
  },

  // ---- ranges (Range is a prelude struct { current, end, step })
  "__range-count"(r) {
    const t = rangeType();
    if (!t || !(r instanceof Struct) || r.type !== t) typeError(`length: expected a Range, got ${kindName(r)}`);
    const c = r.f[t.slots.get("current")!];
    const e = r.f[t.slots.get("end")!];
    const s = r.f[t.slots.get("step")!];
    if (isInt(c) && isInt(e) && isInt(s)) return rangeCountExact(c, e, s);
    return rangeCount(argF64(c), argF64(e), argF64(s));
  },

  // ---- fast paths over any built-in collection (null => use the Seqable protocol)
  __elements(c) {
    if (c instanceof PersistentVector) return c;
    const e = elementsOf(c);
    return e === null ? null : vecFrom(e);
  },
  /** Like __elements, and also materialises an integer Range. */
  "__vec-fast"(c) {
    if (c instanceof PersistentVector) return c;
    const e = elementsOf(c) ?? rangeElements(c);
    return e === null ? null : vecFrom(e);
  },
  "__into-set"(c) {
    if (c instanceof PersistentSet) return c;
    const e = elementsOf(c);
    return e === null ? null : setFrom(e);
  },

  // Operations on vectors the prelude has already materialised.
  __reverse(v) {
    return vecFrom(vecToArray(needVec(v, "reverse")).reverse());
  },
  __concat(a, b) {
    return vecFrom([...vecToArray(needVec(a, "concat")), ...vecToArray(needVec(b, "concat"))]);
  },
  __slice(v, start, end) {
    needVec(v, "slice");
    const n = vecCount(v);
    let s = argInt(start, "slice");
    let e = argInt(end, "slice");
    s = Math.max(0, Math.min(s, n));
    e = Math.max(s, Math.min(e, n));
    return vecFrom(vecToArray(v).slice(s, e));
  },
  __subvec(v, start, end) {
    needVec(v, "subvec");
    const n = vecCount(v);
    const s = argInt(start, "subvec");
    const e = argInt(end, "subvec");
    if (s < 0 || e > n || s > e)
      runtimeError("IndexError", `subvec: range ${s}..${e} is out of bounds for a vector of length ${n}`);
    return vecFrom(vecToArray(v).slice(s, e));
  },
  __take(n, v) {
    const k = argInt(n, "take");
    const a = vecToArray(needVec(v, "take"));
    return k >= a.length ? v : vecFrom(a.slice(0, Math.max(0, k)));
  },
  __drop(n, v) {
    const k = argInt(n, "drop");
    const a = vecToArray(needVec(v, "drop"));
    return k <= 0 ? v : vecFrom(a.slice(k));
  },
  __distinct(v) {
    const out: Value[] = [];
    let seen = EMPTY_SET();
    for (const x of vecToArray(needVec(v, "distinct"))) {
      if (!seen.has(x)) {
        seen = seen.add(x);
        out.push(x);
      }
    }
    return vecFrom(out);
  },
  __dedupe(v) {
    const out: Value[] = [];
    for (const x of vecToArray(needVec(v, "dedupe"))) {
      if (out.length === 0 || !equal(out[out.length - 1], x)) out.push(x);
    }
    return vecFrom(out);
  },
  __frequencies(v) {
    let m = EMPTY_MAP();
    for (const x of vecToArray(needVec(v, "frequencies"))) {
      const c = m.get(x, NOT_FOUND);
      m = m.assoc(x, c === NOT_FOUND ? 1 : c + 1);
    }
    return m;
  },
  "__includes?"(v, x) {
    return vecToArray(needVec(v, "includes?")).some((y) => equal(y, x));
  },
  "__index-of-value"(v, x) {
    return vecToArray(needVec(v, "index-of")).findIndex((y) => equal(y, x));
  },
  __flatten(v) {
    const out: Value[] = [];
    for (const x of vecToArray(needVec(v, "flatten"))) {
      const e = x instanceof PersistentMap ? null : elementsOf(x);
      if (e === null || typeof x === "string" || x === null) out.push(x);
      else out.push(...e);
    }
    return vecFrom(out);
  },
  __interpose(sep, v) {
    const out: Value[] = [];
    for (const x of vecToArray(needVec(v, "interpose"))) {
      if (out.length > 0) out.push(sep);
      out.push(x);
    }
    return vecFrom(out);
  },
  __interleave(a, b) {
    const x = vecToArray(needVec(a, "interleave"));
    const y = vecToArray(needVec(b, "interleave"));
    const out: Value[] = [];
    for (let i = 0; i < Math.min(x.length, y.length); i++) out.push(x[i], y[i]);
    return vecFrom(out);
  },
  __zip(a, b) {
    const x = vecToArray(needVec(a, "zip"));
    const y = vecToArray(needVec(b, "zip"));
    const out: Value[] = [];
    for (let i = 0; i < Math.min(x.length, y.length); i++) out.push(vecFrom([x[i], y[i]]));
    return vecFrom(out);
  },
  __zipmap(ks, vs) {
    const x = vecToArray(needVec(ks, "zipmap"));
    const y = vecToArray(needVec(vs, "zipmap"));
    let m = EMPTY_MAP();
    for (let i = 0; i < Math.min(x.length, y.length); i++) m = m.assoc(x[i], y[i]);
    return m;
  },
  __partition(n, v) {
    const k = argInt(n, "partition");
    if (k <= 0) runtimeError("ArgumentError", `partition: size must be positive, got ${k}`);
    const a = vecToArray(needVec(v, "partition"));
    const out: Value[] = [];
    for (let i = 0; i < a.length; i += k) out.push(vecFrom(a.slice(i, i + k)));
    return vecFrom(out);
  },
  __repeat(x, n) {
    const k = argInt(n, "repeat");
    return vecFrom(k > 0 ? new Array(checkAlloc(k, "repeat")).fill(x) : []);
  },
  __enumerate(v) {
    return vecFrom(vecToArray(needVec(v, "enumerate")).map((x, i) => vecFrom([i, x])));
  },
  "__remove-at"(v, i) {
    const a = vecToArray(needVec(v, "remove-at"));
    const k = idx(i);
    if (k === null || k < 0 || k >= a.length) return v;
    a.splice(k, 1);
    return vecFrom(a);
  },
  /** [vector-of-elements] sorted by compare, or null if an element needs Comparable. */
  __sort(v) {
    const a = vecToArray(needVec(v, "sort"));
    if (!a.every(plainComparable)) return null;
    return vecFrom(sortedCopy(a, null));
  },
  /** Sort elements by precomputed keys; null if a key needs Comparable. */
  "__sort-by-keys"(v, ks) {
    const a = vecToArray(needVec(v, "sort-by"));
    const k = vecToArray(needVec(ks, "sort-by"));
    if (!k.every(plainComparable)) return null;
    return vecFrom(sortedCopy(a, k));
  },

  // ---- maps
  "__map-merge"(a, b) {
    if (a === null) return b;
    if (b === null) return a;
    let m = needMap(a, "merge");
    for (const [k, v] of mapEntries(needMap(b, "merge"))) m = m.assoc(k, v);
    return m;
  },
  "select-keys"(m, ks) {
    needMap(m, "select-keys");
    let r = EMPTY_MAP();
    for (const k of elems(ks, "select-keys")) {
      const v = m.get(k, NOT_FOUND);
      if (v !== NOT_FOUND) r = r.assoc(k, v);
    }
    return r;
  },
  invert(m) {
    let r = EMPTY_MAP();
    for (const [k, v] of mapEntries(needMap(m, "invert"))) r = r.assoc(v, k);
    return r;
  },
  "contains-key?"(m, k) {
    return needMap(m, "contains-key?").has(k);
  },
  "find-entry"(m, k) {
    const r = needMap(m, "find-entry").get(k, NOT_FOUND);
    return r === NOT_FOUND ? null : vecFrom([k, r]);
  },
  __compare(a, b) {
    const c = compareValues(a, b);
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  },

  // ---- types
  "struct?"(v) {
    return v instanceof Struct;
  },
  /** instance-of(value, type) given type-of(value) computed by the VM. */
  "__instance-of"(v, t, tv) {
    if (t instanceof StructType) {
      if (t.enumType) typeError(`instance-of: ${t.displayName} is an enum variant, not a type`);
      return v instanceof Struct && (v.type === t || v.type.qualifiedName === t.qualifiedName);
    }
    if (t instanceof EnumType) return v instanceof Struct && v.type.enumType === t;
    if (t instanceof TypeDescriptor) return tv === t || (tv instanceof TypeDescriptor && tv.name === t.name);
    typeError(`instance-of: expected a type, got ${kindName(t)}`);
  },
};
