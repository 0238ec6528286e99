// Printing Beagle values (reference §1–§3).
//
// Two printers, as upstream has two:
//
// * `formatValue(v, depth, custom)` is Beagle's `format(x, depth)` — the
//   `Format` protocol with its built-in impls. `custom` (the VM's hook for
//   user `Format` impls) is consulted first for the value and for every
//   element reached through the protocol impls (vector elements, map keys
//   and values, set members); a string result is used as is.
//     String  depth 0: raw text; depth > 0: wrapped in `"`, no escaping
//     Vector  `[a, b]`, elements at depth + 1
//     Map     `{k v, k2 v2}`, keys and values at depth 1, HAMT order
//     Set     `#{a, b}`, members at depth 1
//     TypeDescriptor: its name; a struct type value: its qualified name
//   Everything else falls to the protocol default `__raw-repr`, i.e.
//   `rawRepr` below, which starts again at depth 0.
//
// * `rawRepr(v)` is upstream's Rust printer (`get_repr`): it does NOT consult
//   `custom` (a user Format impl on a value stored in a struct field is
//   ignored there, as upstream [src]). Past depth 10 it prints `...`; a
//   struct's fields are 2 levels deeper than the struct, a collection's
//   elements 1 level. Structs print `Point { x: 1, y: 2 }`, an empty struct
//   or unit variant its bare name, enum variants `Result.Ok { value: 1 }`.
//
// Objects that are not Beagle data (closures, builtins, ...) print through
// their `beaglePrint(): string` method when they have one.
//
// `repr(v)` is the escaping printer (the `repr` builtin): strings quoted with
// \\ \" \n \r \t \0 escaped, at every depth.
import { BFloat, EnumType, Keyword, Struct, StructType, TypeDescriptor, migrate } from "./values.ts";
import type { Value } from "./values.ts";
import { PersistentVector } from "./collections/vector.ts";
import { PersistentMap } from "./collections/map.ts";
import { PersistentSet } from "./collections/set.ts";

export type CustomFormat = (v: Value, depth: number) => string | undefined;

// ---------------------------------------------------------------- numbers

/** Expands JS exponent notation ("1.5e-7", "1e+21") into plain digits. */
function expandExponent(s: string): string {
  const e = s.indexOf("e");
  const mant = s.slice(0, e);
  const exp = Number(s.slice(e + 1));
  const dot = mant.indexOf(".");
  const digits = dot < 0 ? mant : mant.slice(0, dot) + mant.slice(dot + 1);
  const point = (dot < 0 ? mant.length : dot) + exp; // digits before the decimal point
  if (point <= 0) return "0." + "0".repeat(-point) + digits;
  if (point >= digits.length) return digits + "0".repeat(point - digits.length);
  return digits.slice(0, point) + "." + digits.slice(point);
}

/**
 * A Float as upstream prints it: shortest round-trip digits, never in
 * exponent form, `.0` when there is no fractional part; `NaN`, `infinity`,
 * `-infinity`, `-0.0`.
 */
export function formatFloat(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "infinity";
  if (x === -Infinity) return "-infinity";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const neg = x < 0;
  let s = String(neg ? -x : x);
  if (s.indexOf("e") >= 0) s = expandExponent(s);
  if (s.indexOf(".") < 0) s += ".0";
  return neg ? "-" + s : s;
}

function formatNumber(n: number): string {
  if (Number.isInteger(n) && !Object.is(n, -0)) {
    return Number.isSafeInteger(n) ? String(n) : BigInt(n).toString();
  }
  return formatFloat(n);
}

// ---------------------------------------------------------------- escaping

const ESCAPES: Record<string, string> = {
  "\\": "\\\\",
  '"': '\\"',
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\0": "\\0",
};

function escapeString(s: string): string {
  return '"' + s.replace(/[\\"\n\r\t\0]/g, (c) => ESCAPES[c]!) + '"';
}

// ---------------------------------------------------------------- the raw (Rust) printer

interface BeaglePrintable {
  beaglePrint(): string;
}

const MAX_DEPTH = 10;

function typeValueName(v: StructType | EnumType): string {
  return v instanceof StructType ? v.qualifiedName : `${v.ns}/${v.name}`;
}

/**
 * Upstream's Rust printer. `escapeAll`: repr mode (every string escaped and quoted).
 */
function raw(v: Value, depth: number, escapeAll: boolean): string {
  if (depth > MAX_DEPTH) return "...";
  switch (typeof v) {
    case "number":
      return formatNumber(v);
    case "string":
      return escapeAll ? escapeString(v) : depth > 0 ? '"' + v + '"' : v;
    case "boolean":
      return v ? "true" : "false";
    case "bigint":
      return v.toString();
    case "undefined":
      return "undefined";
    case "object":
      break;
    default:
      return String(v);
  }
  if (v === null) return "null";
  if (v instanceof Keyword) return ":" + v.name;
  if (v instanceof BFloat) return formatFloat(v.v);
  if (v instanceof Struct) {
    if (v.type.successor !== null) migrate(v);
    const t = v.type;
    const fields = t.fields;
    if (fields.length === 0) return t.displayName;
    let s = t.displayName + " { ";
    for (let i = 0; i < fields.length; i++) {
      if (i > 0) s += ", ";
      s += fields[i] + ": " + raw(v.f[i], depth + 2, escapeAll);
    }
    return s + " }";
  }
  if (v instanceof PersistentVector) {
    let s = "[";
    let first = true;
    v.forEach((e) => {
      if (!first) s += ", ";
      first = false;
      s += raw(e, depth + 1, escapeAll);
    });
    return s + "]";
  }
  if (v instanceof PersistentMap) {
    let s = "{";
    let first = true;
    v.forEach((val, key) => {
      if (!first) s += ", ";
      first = false;
      s += raw(key, depth + 1, escapeAll) + " " + raw(val, depth + 1, escapeAll);
    });
    return s + "}";
  }
  if (v instanceof PersistentSet) {
    let s = "#{";
    let first = true;
    v.forEach((e) => {
      if (!first) s += ", ";
      first = false;
      s += raw(e, depth + 1, escapeAll);
    });
    return s + "}";
  }
  if (Array.isArray(v)) {
    // upstream's raw array: `[ 1, 2 ]`, and `[  ]` when empty
    let s = "[ ";
    for (let i = 0; i < v.length; i++) {
      if (i > 0) s += ", ";
      s += raw(v[i], depth + 1, escapeAll);
    }
    return s + " ]";
  }
  if (v instanceof TypeDescriptor) return v.name;
  if (v instanceof StructType || v instanceof EnumType) return typeValueName(v);
  if (typeof (v as BeaglePrintable).beaglePrint === "function") return (v as BeaglePrintable).beaglePrint();
  return `#<${(v as object).constructor?.name ?? "object"}>`;
}

/** `__raw-repr(v)`: upstream's Rust printer from depth 0 (no Format protocol). */
export function rawRepr(v: Value): string {
  return raw(v, 0, false);
}

// ---------------------------------------------------------------- the Format protocol

function fmt(v: Value, depth: number, custom: CustomFormat | undefined): string {
  if (custom !== undefined) {
    const r = custom(v, depth);
    if (typeof r === "string") return r;
  }
  if (typeof v === "string") return depth > 0 ? '"' + v + '"' : v;
  if (typeof v !== "object" || v === null) return raw(v, 0, false);
  if (v instanceof PersistentVector) {
    const n = v.count;
    if (n === 0) return "[]";
    const parts = new Array<string>(n);
    v.forEach((e, i) => {
      parts[i] = fmt(e, depth + 1, custom);
    });
    return "[" + parts.join(", ") + "]";
  }
  if (v instanceof PersistentMap) {
    if (v.count === 0) return "{}";
    const parts: string[] = [];
    v.forEach((val, key) => {
      parts.push(fmt(key, 1, custom) + " " + fmt(val, 1, custom));
    });
    return "{" + parts.join(", ") + "}";
  }
  if (v instanceof PersistentSet) {
    if (v.count === 0) return "#{}";
    const parts: string[] = [];
    v.forEach((e) => {
      parts.push(fmt(e, 1, custom));
    });
    return "#{" + parts.join(", ") + "}";
  }
  return raw(v, 0, false);
}

/** Beagle `format(v, depth)`; `custom` is the hook for user Format impls (see file comment). */
export function formatValue(v: Value, depth: number, custom?: CustomFormat): string {
  return fmt(v, depth, custom);
}

/** The escaping printer: `repr("a\nb")` is the 6 characters `"a\nb"`. */
export function repr(v: Value): string {
  return raw(v, 0, true);
}
