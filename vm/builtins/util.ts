// Shared helpers for the TypeScript builtins: argument checking, type names,
// and thin adapters over the persistent collections so that the builtins do
// not depend on the exact shape (method vs getter) of the collection classes.
//
// Builtins never call Beagle functions back; everything here is plain data.
import { BFloat, Keyword, Struct, isFloat, isInt, mkFloat, normInt, toNum, type Value } from "../values.ts";
import { runtimeError, typeError, type SystemErrorKind } from "../errors.ts";
import { PersistentVector } from "../collections/vector.ts";
import { PersistentMap } from "../collections/map.ts";
import { PersistentSet } from "../collections/set.ts";

export { PersistentVector, PersistentMap, PersistentSet };
export type Builtin = (...args: Value[]) => Value;

// ---------------------------------------------------------------- type tests

export const isStr = (v: Value): v is string => typeof v === "string";
export const isNum = (v: Value): boolean => isInt(v) || isFloat(v);
export const isVec = (v: Value): boolean => v instanceof PersistentVector;
export const isMap = (v: Value): boolean => v instanceof PersistentMap;
export const isSet = (v: Value): boolean => v instanceof PersistentSet;
export const isKw = (v: Value): v is Keyword => v instanceof Keyword;

/**
 * Upstream's runtime "kind" names, used in TypeError messages such as
 * `Expected a number (Int or Float) but got String`.
 */
export function kindName(v: Value): string {
  if (v === null || v === undefined) return "Null";
  if (v === true || v === false) return "Bool";
  if (typeof v === "string") return "String";
  if (isInt(v)) return "Int";
  if (isFloat(v)) return "Float";
  if (v instanceof Keyword) return "Keyword";
  if (v instanceof PersistentVector) return "PersistentVector";
  if (v instanceof PersistentMap) return "PersistentMap";
  if (v instanceof PersistentSet) return "PersistentSet";
  if (v instanceof Struct) return v.type.displayName;
  if (Array.isArray(v)) return "Array";
  if (typeof v === "function") return "Function";
  const n = v?.constructor?.name;
  return typeof n === "string" && n !== "Object" ? n : "HeapObject";
}

// ---------------------------------------------------------------- argument checks

export function argStr(v: Value, fn: string, what = "string"): string {
  if (typeof v !== "string") typeError(`${fn}: expected ${what}, got ${kindName(v)}`);
  return v;
}

/** An Int argument as a JS number (bigints beyond 2^53 are clamped by Number()). */
export function argInt(v: Value, fn: string, what = "integer"): number {
  if (typeof v === "number" && Number.isInteger(v) && !Object.is(v, -0)) return v;
  if (typeof v === "bigint") return Number(v);
  typeError(`${fn}: expected ${what}, got ${kindName(v)}`);
}

/** Int or Float as a JS number; TypeError in upstream's wording otherwise. */
export function argF64(v: Value): number {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  if (v instanceof BFloat) return v.v;
  typeError(`Expected a number (Int or Float) but got ${kindName(v)}`);
}

export function argFn(v: Value, fn: string): Value {
  if (v === null || v === undefined || typeof v === "string" || typeof v === "number" || typeof v === "boolean")
    typeError(`${fn}: expected a function, got ${kindName(v)}`);
  return v;
}

export const bool = (b: boolean): boolean => b;
export { mkFloat, normInt, toNum, isInt, isFloat, runtimeError, typeError };
export type { SystemErrorKind };

// ---------------------------------------------------------------- collection adapters

function cnt(c: Value): number {
  const n = c.count;
  return typeof n === "function" ? c.count() : n;
}
export const vecCount = (v: Value): number => cnt(v);
export const mapCount = (m: Value): number => cnt(m);
export const setCount = (s: Value): number => cnt(s);

export function vecToArray(v: Value): Value[] {
  if (typeof v.toArray === "function") return v.toArray();
  return Array.from(v as Iterable<Value>);
}
export function setToArray(s: Value): Value[] {
  if (typeof s.toArray === "function") return s.toArray();
  return Array.from(s as Iterable<Value>);
}
export function mapEntries(m: Value): [Value, Value][] {
  return Array.from(m.entries() as Iterable<[Value, Value]>);
}
export function mapKeys(m: Value): Value[] {
  return Array.from(m.keys() as Iterable<Value>);
}
export function mapVals(m: Value): Value[] {
  return Array.from(m.vals() as Iterable<Value>);
}

export const vecFrom = (arr: Value[]): Value => PersistentVector.from(arr);
export const setFrom = (arr: Value[]): Value => PersistentSet.from(arr);
export const mapFrom = (entries: [Value, Value][]): Value => PersistentMap.from(entries);
export const EMPTY_VEC = (): Value => PersistentVector.EMPTY;
export const EMPTY_MAP = (): Value => PersistentMap.EMPTY;
export const EMPTY_SET = (): Value => PersistentSet.EMPTY;

/** Sentinel for map lookups that must tell a stored null from a missing key. */
export const NOT_FOUND: unique symbol = Symbol("not-found");

/**
 * Elements of any built-in sequential value, in iteration order: vectors,
 * sets, JS arrays, strings (code points), maps (as [k, v] vectors).
 * null counts as empty (as in `for x in null`). Returns null for values that
 * need the Seqable protocol (user types; Range is handled by rangeElements).
 */
export function elementsOf(c: Value): Value[] | null {
  if (c === null || c === undefined) return [];
  if (c instanceof PersistentVector) return vecToArray(c);
  if (c instanceof PersistentSet) return setToArray(c);
  if (c instanceof PersistentMap) return mapEntries(c).map(([k, v]) => vecFrom([k, v]));
  if (Array.isArray(c)) return c.slice();
  if (typeof c === "string") return Array.from(c);
  return null;
}

export function errKind(kind: SystemErrorKind, msg: string): never {
  runtimeError(kind, msg);
}

/** Number of elements of a Range { current, end, step } (0 for a zero step). */
export function rangeCount(current: number, end: number, step: number): number {
  if (step > 0) return current >= end ? 0 : Math.ceil((end - current) / step);
  if (step < 0) return current <= end ? 0 : Math.ceil((current - end) / -step);
  return 0;
}

/**
 * Number of elements of a Range whose fields are all Ints (JS numbers or bigints),
 * exactly: bounds past 2^53 are counted in bigint arithmetic, never through a float.
 */
export function rangeCountExact(current: Value, end: Value, step: Value): Value {
  if (typeof current === "number" && typeof end === "number" && typeof step === "number") {
    const n = rangeCount(current, end, step);
    if (Number.isSafeInteger(n) && Number.isSafeInteger(end - current)) return n;
  }
  const c = BigInt(current as number | bigint);
  const e = BigInt(end as number | bigint);
  const st = BigInt(step as number | bigint);
  let n = 0n;
  if (st > 0n && c < e) n = (e - c + st - 1n) / st;
  else if (st < 0n && c > e) n = (c - e - st - 1n) / -st;
  return normInt(n);
}

/**
 * Most elements one builtin call may materialise (~1 GB of vector): past it the call raises
 * AllocationError instead of letting the host run the machine out of memory or crash.
 */
export const MAX_ELEMENTS = 1 << 27;

export function checkAlloc(n: number, fn: string): number {
  if (n > MAX_ELEMENTS)
    runtimeError("AllocationError", `${fn}: ${n} elements is more than the limit of ${MAX_ELEMENTS}`);
  return n;
}
