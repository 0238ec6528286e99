// Argument-count checking for TypeScript builtins (issue 16). Every builtin is
// registered through VM.defineBuiltin, which wraps its function here: a call
// with too few or too many arguments raises a Beagle ArityError (the message
// closures use), and a JS `undefined` result becomes null, so no JS value that
// Beagle has no name for can leak into a program.
//
// The accepted counts come from the function's own parameter list: a plain
// parameter is required, one with a default (`b = null`) is optional, a rest
// parameter (`...xs`) takes any number. So a builtin declares its arity simply
// by how it is written.
import type { Value } from "./values.ts";
import { runtimeError } from "./errors.ts";

export type BuiltinFn = (...args: Value[]) => Value;

/** [min, max] arguments a function accepts, read from its parameter list (max Infinity for a rest parameter). */
export function declaredArity(fn: (...a: never[]) => unknown): [number, number] {
  const src = Function.prototype.toString.call(fn);
  // a bound or native function shows no parameter list: hold it to its minimum only
  const params = src.includes("[native code]") ? null : parameterList(src);
  if (params === null || params.length < fn.length) return [fn.length, Number.POSITIVE_INFINITY];
  if (params.some((p) => p.startsWith("..."))) return [fn.length, Number.POSITIVE_INFINITY];
  return [fn.length, params.length];
}

/** The top-level parameters of a function's source text, or null if it cannot be read. */
function parameterList(src: string): string[] | null {
  let i = 0;
  const n = src.length;
  // method syntax with a quoted name: "__string-get"(s, i) { ... }
  if (src[0] === '"' || src[0] === "'") {
    const q = src[0];
    i = 1;
    while (i < n && src[i] !== q) i += src[i] === "\\" ? 2 : 1;
    i++;
  }
  const open = src.indexOf("(", i);
  const arrow = src.indexOf("=>", i);
  // `x => ...`: a single bare parameter before the arrow
  if (arrow >= 0 && (open < 0 || arrow < open)) {
    const p = src
      .slice(i, arrow)
      .replace(/^\s*async\s+/, "")
      .trim();
    return /^[\w$]+$/.test(p) ? [p] : null;
  }
  if (open < 0) return null;
  const out: string[] = [];
  let depth = 0;
  let start = open + 1;
  for (let j = open + 1; j < n; j++) {
    const c = src[j];
    if (c === '"' || c === "'" || c === "`") {
      const q = c;
      j++;
      while (j < n && src[j] !== q) j += src[j] === "\\" ? 2 : 1;
    } else if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") {
      if (depth === 0) {
        const last = src.slice(start, j).trim();
        if (last) out.push(last);
        return out;
      }
      depth--;
    } else if (c === "," && depth === 0) {
      out.push(src.slice(start, j).trim());
      start = j + 1;
    }
  }
  return null;
}

function arityError(name: string, min: number, max: number, got: number): never {
  const expected =
    max === min ? String(min) : max === Number.POSITIVE_INFINITY ? `at least ${min}` : `${min} to ${max}`;
  runtimeError("ArityError", `Arity mismatch for '${name}': expected ${expected} args, got ${got}`);
}

/**
 * A RangeError out of a builtin is the host refusing a size (an array or string too long, memory
 * exhausted) or its stack running out: a Beagle error naming the builtin, not a JS exception.
 */
function hostLimit(name: string, e: unknown): never {
  if (e instanceof RangeError) {
    if (/call stack/i.test(e.message)) runtimeError("RuntimeError", `Stack overflow in ${name}`);
    runtimeError("AllocationError", `${name}: ${e.message}`);
  }
  throw e;
}

type Factory = (f: BuiltinFn, name: string, err: typeof arityError, limit: typeof hostLimit) => BuiltinFn;
const factories = new Map<string, Factory>();

/**
 * `fn` wrapped so that it checks its argument count and never returns undefined.
 * Fixed arities up to 8 get a wrapper with that many named parameters (no array is built).
 */
export function checkedBuiltin(name: string, fn: BuiltinFn): BuiltinFn {
  const [min, max] = declaredArity(fn);
  const key = `${min}:${max}`;
  let make = factories.get(key);
  if (!make) {
    make = buildFactory(min, max);
    factories.set(key, make);
  }
  return make(fn, name, arityError, hostLimit);
}

function buildFactory(min: number, max: number): Factory {
  if (max <= 8) {
    const ps = Array.from({ length: max }, (_, i) => `a${i}`).join(", ");
    const test = min === max ? `arguments.length !== ${min}` : `arguments.length < ${min} || arguments.length > ${max}`;
    return new Function(
      "f",
      "name",
      "err",
      "limit",
      `"use strict"; return function (${ps}) {
        if (${test}) err(name, ${min}, ${max}, arguments.length);
        let r;
        try {
          r = f(${ps});
        } catch (e) {
          if (e instanceof RangeError) limit(name, e);
          throw e;
        }
        return r === undefined ? null : r;
      };`,
    ) as Factory;
  }
  const maxText = Number.isFinite(max) ? String(max) : "Infinity";
  return new Function(
    "f",
    "name",
    "err",
    "limit",
    `"use strict"; return function (...args) {
      if (args.length < ${min} || args.length > ${maxText}) err(name, ${min}, ${maxText}, args.length);
      let r;
      try {
        r = f.apply(null, args);
      } catch (e) {
        if (e instanceof RangeError) limit(name, e);
        throw e;
      }
      return r === undefined ? null : r;
    };`,
  ) as Factory;
}

type IntrinsicFn = (fiber: never, args: Value[]) => Value;

/**
 * An intrinsic `(fiber, [a, b]) => ...` checked the same way: its arguments arrive as one
 * array, so the counts come from the destructuring pattern of its second parameter (none:
 * no arguments). One taking `args` whole checks them itself. Internal `__` intrinsics are
 * only held to their maximum: the prelude may leave trailing ones out.
 */
/** Intrinsics that take their `args` whole, with the counts they accept. */
const INTRINSIC_ARITY: Record<string, [number, number]> = {
  apply: [2, 2],
  thread: [1, 1],
  "set-thread-exception-handler!": [1, 1],
  eval: [1, 1],
};

export function checkedIntrinsic<F extends IntrinsicFn>(name: string, fn: F): F {
  const params = parameterList(Function.prototype.toString.call(fn));
  if (params === null) return fn;
  let min: number;
  let max: number;
  const known = INTRINSIC_ARITY[name];
  if (known) [min, max] = known;
  else if (params.length < 2) min = max = 0;
  else {
    const pat = params[1]!;
    if (!pat.startsWith("[") || !pat.endsWith("]")) return fn;
    const inner = parameterList(`(${pat.slice(1, -1)})`) ?? [];
    if (inner.some((p) => p.startsWith("..."))) return fn;
    max = inner.length;
    min = inner.findIndex((p) => p.includes("="));
    if (min < 0) min = max;
  }
  if (name.startsWith("__")) min = 0;
  return ((fiber: never, args: Value[]) => {
    if (args.length < min || args.length > max) arityError(name, min, max, args.length);
    return fn(fiber, args);
  }) as F;
}
