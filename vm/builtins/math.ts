// Math builtins (beagle.core). Results follow upstream: rounding and
// transcendental functions always return Float (even for Int input), abs keeps
// the operand's type, truncate/to-int return Int, min/max/clamp stay Int only
// when every operand is an Int.
import { BFloat, type Value } from "../values.ts";
import { argF64, argInt, isFloat, isInt, mkFloat, normInt, runtimeError, typeError, type Builtin } from "./util.ts";

const f1 =
  (op: (x: number) => number): Builtin =>
  (x) =>
    mkFloat(op(argF64(x)));

/** Round half away from zero (Rust's f64::round). */
function roundHalfAway(x: number): number {
  if (!Number.isFinite(x)) return x;
  const r = Math.sign(x) * Math.round(Math.abs(x));
  return Object.is(r, -0) || (r === 0 && x < 0) ? -0 : r;
}

/** Float -> Int truncating toward zero, wrapping into 61 bits like upstream. */
function truncToInt(x: number): Value {
  if (Number.isNaN(x)) return 0;
  if (!Number.isFinite(x)) x = x > 0 ? 9.223372036854776e18 : -9.223372036854776e18;
  const t = Math.trunc(x);
  if (Number.isSafeInteger(t)) return t === 0 ? 0 : t;
  return normInt(BigInt(t));
}

function intBig(v: Value): bigint {
  return typeof v === "bigint" ? v : BigInt(v as number);
}

function cmpInt(a: Value, b: Value): number {
  if (typeof a === "number" && typeof b === "number") return a < b ? -1 : a > b ? 1 : 0;
  const x = intBig(a);
  const y = intBig(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function rustMax(a: number, b: number): number {
  // f64::max ignores NaN operands.
  if (Number.isNaN(a)) return b;
  if (Number.isNaN(b)) return a;
  return Math.max(a, b);
}
function rustMin(a: number, b: number): number {
  if (Number.isNaN(a)) return b;
  if (Number.isNaN(b)) return a;
  return Math.min(a, b);
}

function gcdBig(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

function intArg(v: Value, fn: string): bigint {
  if (!isInt(v))
    typeError(
      `${fn}: expected integer, got ${isFloat(v) ? "Float" : typeof v === "string" ? "String" : v === null ? "Null" : "non-integer"}`,
    );
  return intBig(v);
}

export const builtins: Record<string, Builtin> = {
  abs(x) {
    if (typeof x === "number" && Number.isInteger(x) && !Object.is(x, -0)) return x < 0 ? -x : x;
    if (typeof x === "bigint") return normInt(x < 0n ? -x : x);
    if (isFloat(x)) return mkFloat(Math.abs(x instanceof BFloat ? x.v : (x as number)));
    typeError("abs requires a number (int or float)");
  },
  sqrt: f1(Math.sqrt),
  floor: f1(Math.floor),
  ceil: f1(Math.ceil),
  round: f1(roundHalfAway),
  sin: f1(Math.sin),
  cos: f1(Math.cos),
  tan: f1(Math.tan),
  asin: f1(Math.asin),
  acos: f1(Math.acos),
  atan: f1(Math.atan),
  exp: f1(Math.exp),
  log: f1(Math.log),
  log10: f1(Math.log10),
  log2: f1(Math.log2),
  atan2(y, x) {
    return mkFloat(Math.atan2(argF64(y), argF64(x)));
  },
  pow(b, e) {
    return mkFloat(Math.pow(argF64(b), argF64(e)));
  },

  truncate(x) {
    if (isInt(x)) return x;
    return truncToInt(argF64(x));
  },
  "to-int"(x) {
    if (isInt(x)) return x;
    const f = argF64(x);
    // an Int has no value for these: an error, not a made-up 0 (truncate keeps Rust's saturating cast)
    if (!Number.isFinite(f)) runtimeError("ArgumentError", `to-int: cannot convert ${f} to an Int`);
    return truncToInt(f);
  },
  "to-float"(x) {
    return mkFloat(argF64(x));
  },

  max(a, b) {
    if (isInt(a) && isInt(b)) return cmpInt(a, b) >= 0 ? a : b;
    return mkFloat(rustMax(argF64(a), argF64(b)));
  },
  min(a, b) {
    if (isInt(a) && isInt(b)) return cmpInt(a, b) <= 0 ? a : b;
    return mkFloat(rustMin(argF64(a), argF64(b)));
  },
  clamp(x, lo, hi) {
    if (isInt(x) && isInt(lo) && isInt(hi)) {
      const m = cmpInt(x, lo) >= 0 ? x : lo;
      return cmpInt(m, hi) <= 0 ? m : hi;
    }
    return mkFloat(rustMin(rustMax(argF64(x), argF64(lo)), argF64(hi)));
  },

  gcd(a, b) {
    return normInt(gcdBig(intArg(a, "gcd"), intArg(b, "gcd")));
  },
  lcm(a, b) {
    const x = intArg(a, "lcm");
    const y = intArg(b, "lcm");
    if (x === 0n || y === 0n) return 0;
    const ax = x < 0n ? -x : x;
    const ay = y < 0n ? -y : y;
    return normInt((ax * ay) / gcdBig(ax, ay));
  },

  "even?"(v) {
    if (typeof v === "number" && Number.isInteger(v) && !Object.is(v, -0)) return v % 2 === 0;
    if (typeof v === "bigint") return v % 2n === 0n;
    return false;
  },
  "odd?"(v) {
    if (typeof v === "number" && Number.isInteger(v) && !Object.is(v, -0)) return v % 2 !== 0;
    if (typeof v === "bigint") return v % 2n !== 0n;
    return false;
  },
  "positive?"(v) {
    if (isInt(v)) return typeof v === "bigint" ? v > 0n : v > 0;
    if (isFloat(v)) return argF64(v) > 0;
    return false;
  },
  "negative?"(v) {
    if (isInt(v)) return typeof v === "bigint" ? v < 0n : v < 0;
    if (isFloat(v)) return argF64(v) < 0;
    return false;
  },
  "zero?"(v) {
    if (isInt(v)) return v === 0;
    if (isFloat(v)) return argF64(v) === 0;
    return false;
  },

  random() {
    return mkFloat(Math.random());
  },
  "random-int"(max) {
    const m = argInt(max, "random-int");
    if (m <= 0) return 0;
    return Math.floor(Math.random() * m);
  },
  "random-range"(min, max) {
    const lo = argInt(min, "random-range");
    const hi = argInt(max, "random-range");
    if (lo >= hi) return lo;
    return lo + Math.floor(Math.random() * (hi - lo));
  },
};
