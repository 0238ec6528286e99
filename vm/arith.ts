// Arithmetic slow paths. The interpreter handles two safe-range Ints or two
// plain floats inline; everything else (bigint Ints, boxed floats, overflow,
// type errors) comes here.
import { BFloat, mkFloat, normInt, type Value } from "./values.ts";
import { runtimeError } from "./errors.ts";
import { compareStrings, compareValues } from "./compare.ts";
import { Keyword } from "./values.ts";

const enum Kind {
  Int,
  Float,
  Other,
}

function kindOf(v: Value): Kind {
  if (typeof v === "number") return Number.isInteger(v) && !Object.is(v, -0) ? Kind.Int : Kind.Float;
  if (typeof v === "bigint") return Kind.Int;
  if (v instanceof BFloat) return Kind.Float;
  return Kind.Other;
}

function describe(v: Value): string {
  if (v === null) return "null";
  if (typeof v === "string") return "a string";
  if (typeof v === "boolean") return "a boolean";
  return "a heap object (struct/enum/collection)";
}

function operandError(a: Value, b: Value): never {
  if (a === null || b === null) {
    const which =
      a === null && b === null
        ? "both operands are null"
        : a === null
          ? "the left operand is null"
          : "the right operand is null";
    runtimeError(
      "TypeError",
      `Arithmetic on null: ${which}. A null operand usually means a field read returned null — check that the value was initialised.`,
    );
  }
  const ka = kindOf(a) === Kind.Int ? "an int" : kindOf(a) === Kind.Float ? "a float" : describe(a);
  const kb = kindOf(b) === Kind.Int ? "an int" : kindOf(b) === Kind.Float ? "a float" : describe(b);
  runtimeError("TypeError", `Arithmetic requires numeric operands (int or float), but got ${ka} and ${kb}.`);
}

function big(v: number | bigint): bigint {
  return typeof v === "bigint" ? v : BigInt(v);
}

function num(v: Value): number {
  return typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : (v as BFloat).v;
}

export const enum ArithOp {
  Add,
  Sub,
  Mul,
  Div,
  Mod,
}

export function arith(op: ArithOp, a: Value, b: Value): Value {
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka === Kind.Other || kb === Kind.Other) operandError(a, b);
  if (ka === Kind.Int && kb === Kind.Int) {
    const x = big(a as number | bigint);
    const y = big(b as number | bigint);
    switch (op) {
      case ArithOp.Add:
        return normInt(x + y);
      case ArithOp.Sub:
        return normInt(x - y);
      case ArithOp.Mul:
        return normInt(x * y);
      case ArithOp.Div:
        if (y === 0n) runtimeError("RuntimeError", "Division by zero");
        return normInt(x / y);
      case ArithOp.Mod:
        if (y === 0n) runtimeError("RuntimeError", "Division by zero");
        return normInt(x % y);
    }
  }
  const x = num(a);
  const y = num(b);
  switch (op) {
    case ArithOp.Add:
      return mkFloat(x + y);
    case ArithOp.Sub:
      return mkFloat(x - y);
    case ArithOp.Mul:
      return mkFloat(x * y);
    case ArithOp.Div:
      return mkFloat(x / y);
    case ArithOp.Mod:
      return mkFloat(x % y);
  }
}

/** Result of int+int etc. when the fast path overflowed the safe range. */
export function intSlow(op: ArithOp, a: number, b: number): Value {
  return arith(op, a, b);
}

// ---------------------------------------------------------------- comparison

/** <, <=, >, >= on anything that is not two plain JS numbers. */
export function compareSlow(a: Value, b: Value): number {
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka !== Kind.Other && kb !== Kind.Other) {
    if (typeof a === "bigint" || typeof b === "bigint") {
      if (ka === Kind.Int && kb === Kind.Int) {
        const x = big(a as number | bigint);
        const y = big(b as number | bigint);
        return x < y ? -1 : x > y ? 1 : 0;
      }
    }
    const x = num(a);
    const y = num(b);
    return x < y ? -1 : x > y ? 1 : x === y ? 0 : NaN;
  }
  // by code point (as upstream compares UTF-8 bytes), not by UTF-16 unit
  if (typeof a === "string" && typeof b === "string") return compareStrings(a, b);
  if (a instanceof Keyword && b instanceof Keyword) return compareStrings(a.name, b.name);
  // a number against anything else is a mistake (upstream compares raw words: arbitrary)
  if (a === null || b === null || ka !== Kind.Other || kb !== Kind.Other) operandError(a, b);
  return compareValues(a, b);
}

// ---------------------------------------------------------------- bitwise

function toBig(v: Value, what: string): bigint {
  if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
  if (typeof v === "bigint") return v;
  runtimeError("TypeError", `Bitwise ${what} requires integer operands`);
}

export function bitwise(op: "&" | "|" | "^" | "<<" | ">>" | ">>>", a: Value, b: Value): Value {
  if (typeof a === "number" && typeof b === "number" && Number.isInteger(a) && Number.isInteger(b)) {
    // fast, exact when both fit in 32 bits
    if ((a | 0) === a && (b | 0) === b) {
      switch (op) {
        case "&":
          return a & b;
        case "|":
          return a | b;
        case "^":
          return a ^ b;
        case ">>":
          return b >= 0 && b < 32 ? a >> b : Number(BigInt(a) >> BigInt(b & 63));
        case ">>>":
          return (a >>> (b & 31)) >>> 0 === a >>> (b & 31) ? a >>> (b & 31) : 0;
        case "<<":
          break;
      }
    }
  }
  const x = toBig(a, op);
  const y = toBig(b, op);
  switch (op) {
    case ">>>":
      // upstream truncates the left operand to 32 bits, then shifts logically (JS semantics)
      return Number(BigInt.asIntN(32, x)) >>> Number(y & 31n);
    case "&":
      return normInt(x & y);
    case "|":
      return normInt(x | y);
    case "^":
      return normInt(x ^ y);
    case "<<":
      return normInt(BigInt.asIntN(64, x << (y & 63n)));
    case ">>":
      return normInt(x >> (y & 63n));
  }
}
