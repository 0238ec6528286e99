// String builtins (beagle.core). Strings are JS strings, but every index and
// length a Beagle program sees counts Unicode code points, not UTF-16 units.
import { Keyword } from "../values.ts";
import { repr as reprValue } from "../print.ts";
import { argInt, argStr, kindName, mkFloat, normInt, runtimeError, typeError, type Builtin } from "./util.ts";

// ---------------------------------------------------------------- code-point helpers

const SURROGATE = /[\uD800-\uDFFF]/;

// The answer for the last long string asked about: a loop that indexes or slices one
// big string (a parser walking its input) would otherwise rescan it on every call,
// making each substring/get O(length) and the loop quadratic.
let lastLong = "";
let lastLongSimple = true;

/** True when UTF-16 indexes and code-point indexes coincide. */
export function isSimple(s: string): boolean {
  if (s.length < 256) return !SURROGATE.test(s);
  if (s !== lastLong) {
    lastLong = s;
    lastLongSimple = !SURROGATE.test(s);
  }
  return lastLongSimple;
}

export function cpLen(s: string): number {
  if (isSimple(s)) return s.length;
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** UTF-16 offset of code point `cp` (clamped to the end). */
export function cpToU16(s: string, cp: number): number {
  if (isSimple(s)) return Math.min(cp, s.length);
  let i = 0;
  let n = 0;
  while (n < cp && i < s.length) {
    const c = s.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < s.length ? 2 : 1;
    n++;
  }
  return i;
}

/** Code-point index of UTF-16 offset `u`. */
export function u16ToCp(s: string, u: number): number {
  if (u <= 0) return 0;
  return isSimple(s) ? u : cpLen(s.slice(0, u));
}

export function cpCharAt(s: string, cp: number): string | null {
  if (cp < 0) return null;
  if (isSimple(s)) return cp < s.length ? s[cp]! : null;
  let n = 0;
  for (const ch of s) {
    if (n === cp) return ch;
    n++;
  }
  return null;
}

// ---------------------------------------------------------------- numbers from text

const INT_MIN_B = -(1n << 60n);
const INT_MAX_B = (1n << 60n) - 1n;

function parseIntText(s: string): bigint | null {
  if (!/^[+-]?[0-9]+$/.test(s)) return null;
  return BigInt(s);
}

const FLOAT_RE = /^[+-]?(?:[0-9]+\.?[0-9]*(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?|inf|infinity|nan)$/i;

/** Rust's f64::from_str, as a JS number, or null. */
export function parseRustFloat(s: string): number | null {
  if (!FLOAT_RE.test(s)) return null;
  const body = s.replace(/^[+-]/, "").toLowerCase();
  const neg = s.startsWith("-");
  if (body === "inf" || body === "infinity") return neg ? -Infinity : Infinity;
  if (body === "nan") return NaN;
  return Number(s);
}

// ---------------------------------------------------------------- builtins

export const builtins: Record<string, Builtin> = {
  "__string-length"(s) {
    return cpLen(argStr(s, "length"));
  },

  "__string-get"(s, i) {
    const str = argStr(s, "get");
    const idx = argInt(i, "get", "an integer index");
    const ch = cpCharAt(str, idx);
    if (ch === null) runtimeError("IndexError", `String index ${idx} out of bounds (length ${cpLen(str)})`);
    return ch;
  },

  "__utf8-length"(s) {
    return Buffer.byteLength(argStr(s, "byte-length"), "utf8");
  },

  "__string-get-or"(s, i, d) {
    const str = argStr(s, "get");
    if (typeof i !== "number" || !Number.isInteger(i)) return d;
    const ch = cpCharAt(str, i);
    return ch === null ? d : ch;
  },

  substring(s, start, end) {
    const str = argStr(s, "substring");
    const a = argInt(start, "substring");
    const e = argInt(end, "substring");
    if (e < a) runtimeError("IndexError", `substring end (${e}) is less than start (${a})`);
    const len = cpLen(str);
    if (a < 0 || e > len)
      runtimeError("StringError", `substring failed: range ${a}..${e} is out of bounds for a string of length ${len}`);
    if (isSimple(str)) return str.slice(a, e);
    return str.slice(cpToU16(str, a), cpToU16(str, e));
  },

  uppercase(s) {
    return argStr(s, "uppercase").toUpperCase();
  },

  lowercase(s) {
    return argStr(s, "lowercase").toLowerCase();
  },

  split(s, sep) {
    const str = argStr(s, "split");
    const d = argStr(sep, "split", "a string separator");
    // Rust's str::split("") yields an empty piece at both ends.
    // a raw Array, as upstream's split returns
    if (d === "") return ["", ...Array.from(str), ""];
    return str.split(d);
  },

  trim(s) {
    return argStr(s, "trim").trim();
  },
  "trim-left"(s) {
    return argStr(s, "trim-left").trimStart();
  },
  "trim-right"(s) {
    return argStr(s, "trim-right").trimEnd();
  },

  "starts-with?"(s, p) {
    return argStr(s, "starts-with?").startsWith(argStr(p, "starts-with?"));
  },
  "ends-with?"(s, p) {
    return argStr(s, "ends-with?").endsWith(argStr(p, "ends-with?"));
  },
  "string-contains?"(s, sub) {
    return argStr(s, "string-contains?").includes(argStr(sub, "string-contains?"));
  },

  "index-of"(s, sub) {
    const str = argStr(s, "index-of");
    const i = str.indexOf(argStr(sub, "index-of"));
    return i < 0 ? -1 : u16ToCp(str, i);
  },

  "last-index-of"(s, sub) {
    const str = argStr(s, "last-index-of");
    const i = str.lastIndexOf(argStr(sub, "last-index-of"));
    return i < 0 ? -1 : u16ToCp(str, i);
  },

  replace(s, from, to) {
    const str = argStr(s, "replace");
    const f = argStr(from, "replace");
    const t = argStr(to, "replace");
    if (f === "") {
      // Rust inserts the replacement around every character.
      return t + Array.from(str).join(t) + (str === "" ? "" : t);
    }
    return str.split(f).join(t);
  },

  "replace-first"(s, from, to) {
    const str = argStr(s, "replace-first");
    const f = argStr(from, "replace-first");
    const t = argStr(to, "replace-first");
    const i = str.indexOf(f);
    return i < 0 ? str : str.slice(0, i) + t + str.slice(i + f.length);
  },

  "blank?"(s) {
    return argStr(s, "blank?").trim().length === 0;
  },

  "pad-left"(s, width, ch) {
    const str = argStr(s, "pad-left");
    const w = argInt(width, "pad-left");
    const pad = Array.from(argStr(ch, "pad-left"))[0] ?? " ";
    const n = w - cpLen(str);
    return n > 0 ? pad.repeat(n) + str : str;
  },

  "pad-right"(s, width, ch) {
    const str = argStr(s, "pad-right");
    const w = argInt(width, "pad-right");
    const pad = Array.from(argStr(ch, "pad-right"))[0] ?? " ";
    const n = w - cpLen(str);
    return n > 0 ? str + pad.repeat(n) : str;
  },

  lines(s) {
    const str = argStr(s, "lines");
    if (str === "") return [];
    const parts = str.split("\n");
    if (parts[parts.length - 1] === "") parts.pop();
    return parts.map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  },

  words(s) {
    return argStr(s, "words")
      .split(/\s+/)
      .filter((w) => w.length > 0);
  },

  "string-concat"(a, b) {
    if (typeof a !== "string") typeError(`Expected string, got ${kindName(a)}`);
    if (typeof b !== "string") typeError(`Expected string, got ${kindName(b)}`);
    return a + b;
  },

  repr(v) {
    return reprValue(v);
  },

  "to-number"(s) {
    const str = argStr(s, "to-number");
    if (str.includes(".")) {
      const f = parseRustFloat(str);
      if (f === null) runtimeError("ParseError", `Cannot parse '${str}' as a number: invalid float literal`);
      return mkFloat(f);
    }
    if (str === "")
      runtimeError("ParseError", `Cannot parse '${str}' as a number: cannot parse integer from empty string`);
    const i = parseIntText(str);
    if (i === null) runtimeError("ParseError", `Cannot parse '${str}' as a number: invalid digit found in string`);
    if (i < INT_MIN_B || i > INT_MAX_B)
      runtimeError(
        "ParseError",
        `Cannot parse '${str}' as a number: it is out of range for a 61-bit Int; use beagle.bigint for larger integers`,
      );
    return normInt(i);
  },

  "parse-float-string"(s) {
    const f = parseRustFloat(argStr(s, "parse-float-string").trim());
    return f === null ? null : mkFloat(f);
  },

  "parse-int"(s) {
    const str = argStr(s, "parse-int");
    if (!/^-?[0-9]+$/.test(str)) return null;
    const i = BigInt(str);
    if (i < INT_MIN_B || i > INT_MAX_B) return null;
    return normInt(i);
  },

  "char-code"(s) {
    const str = argStr(s, "char-code");
    const c = str.codePointAt(0);
    if (c === undefined) runtimeError("IndexError", "char-code: empty string");
    return c;
  },

  "char-from-code"(n) {
    const c = argInt(n, "char-from-code");
    if (c < 0 || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
      runtimeError("ArgumentError", `char-from-code: ${c} is not a valid Unicode code point`);
    return String.fromCodePoint(c);
  },

  "keyword?"(v) {
    return v instanceof Keyword;
  },

  "keyword->string"(k) {
    if (!(k instanceof Keyword)) typeError(`keyword->string: expected keyword, got ${kindName(k)}`);
    return k.name;
  },

  "string->keyword"(s) {
    return Keyword.of(argStr(s, "string->keyword"));
  },
};
