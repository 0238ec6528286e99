// The raw mutable Array value and beagle.mutable-array.
//
// An Array is a JS array of Beagle values: `type-of` is `Array`, it prints as
// upstream's raw printer does (`[ 1, 2 ]`, an empty one `[  ]`), and it is
// Indexed/Length/Seqable through the prelude (stdlib/std.bg). Bounds follow
// upstream's module: reads out of range give null, `write-field` out of range
// throws a string naming the index and size, `write-field-or-ignore` and `swap`
// out of range do nothing, a negative size is "Negative size".
import type { Value } from "../values.ts";
import { BeagleThrow } from "../errors.ts";
import { equal } from "../equal.ts";
import { argInt, checkAlloc, kindName, typeError, vecFrom, type Builtin } from "./util.ts";

export function isArray(v: Value): v is Value[] {
  return Array.isArray(v);
}

function need(v: Value, what: string): Value[] {
  if (!Array.isArray(v)) throw new BeagleThrow(`Not an array (${what}: got ${kindName(v)})`);
  return v;
}

function index(i: Value, fn: string): number {
  return argInt(i, fn, "index");
}

export function newArray(size: Value): Value[] {
  const n = argInt(size, "new-array", "size");
  if (n < 0) throw new BeagleThrow("Negative size");
  if (n > 0x7fffffff) typeError(`new-array: size ${n} is too large`);
  return new Array(checkAlloc(n, "new-array")).fill(null);
}

export const moduleBuiltins: Record<string, Builtin> = {
  "new-array": newArray,
  "allocate-array-unsafe": newArray,
  "is-array": (a) => Array.isArray(a),
  "read-field"(a, i) {
    const arr = need(a, "read");
    const k = index(i, "read-field");
    return k < 0 || k >= arr.length ? null : arr[k];
  },
  get(a, i) {
    const arr = need(a, "get");
    const k = index(i, "get");
    return k < 0 || k >= arr.length ? null : arr[k];
  },
  "read-field-unsafe"(a, i) {
    const arr = need(a, "read");
    const k = index(i, "read-field-unsafe");
    return k < 0 || k >= arr.length ? null : arr[k];
  },
  "write-field"(a, i, v) {
    const arr = need(a, "write");
    const k = index(i, "write-field");
    if (k < 0 || k >= arr.length)
      throw new BeagleThrow(
        `beagle.mutable-array/write-field: index ${k} out of bounds for array of size ${arr.length}`,
      );
    arr[k] = v;
    return null;
  },
  "write-field-unsafe"(a, i, v) {
    const arr = need(a, "write");
    const k = index(i, "write-field-unsafe");
    if (k >= 0 && k < arr.length) arr[k] = v;
    return null;
  },
  "write-field-or-ignore"(a, i, v) {
    const arr = need(a, "write");
    const k = index(i, "write-field-or-ignore");
    if (k < 0 || k >= arr.length) return null;
    arr[k] = v;
    return null;
  },
  swap(a, i, j) {
    const arr = need(a, "swap");
    const x = index(i, "swap");
    const y = index(j, "swap");
    if (x < 0 || x >= arr.length || y < 0 || y >= arr.length) return null;
    const t = arr[x];
    arr[x] = arr[y];
    arr[y] = t;
    return a;
  },
  "copy-array"(a) {
    if (a === null) throw new BeagleThrow("Array is null");
    return need(a, "copy").slice();
  },
  "copy-from-array-to"(from, to) {
    const f = need(from, "copy from");
    const t = need(to, "copy to");
    if (f.length > t.length) throw new BeagleThrow("Array from size must be less than or equal to array to size");
    for (let i = 0; i < f.length; i++) t[i] = f[i];
    return to;
  },
  "unsafe-copy-from-array-to"(from, to) {
    const f = need(from, "copy from");
    const t = need(to, "copy to");
    const n = Math.min(f.length, t.length);
    for (let i = 0; i < n; i++) t[i] = f[i];
    return to;
  },
  /** Elements [start, start + count) of `from` into the same places of `to`. */
  "copy-range"(from, to, start, count) {
    const f = need(from, "copy-range from");
    const t = need(to, "copy-range to");
    const s = argInt(start, "copy-range", "start");
    const n = argInt(count, "copy-range", "count");
    if (s < 0 || n < 0 || s + n > f.length || s + n > t.length)
      typeError(`copy-range: range ${s}..${s + n} is outside an array (sizes ${f.length} and ${t.length})`);
    for (let i = s; i < s + n; i++) t[i] = f[i];
    return to;
  },
  count(a) {
    if (a === null) return 0;
    return need(a, "count").length;
  },
  fill(a, v) {
    need(a, "fill").fill(v);
    return a;
  },
  "index-of"(a, v) {
    const arr = need(a, "index-of");
    for (let i = 0; i < arr.length; i++) if (equal(arr[i], v)) return i;
    return -1;
  },
  "to-vec"(a) {
    return vecFrom(need(a, "to-vec").slice());
  },
};

export const builtins: Record<string, Builtin> = {
  "array?": (a) => Array.isArray(a),
};
