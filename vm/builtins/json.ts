// json-encode / json-decode (beagle.core). Decoded objects become maps with
// string keys, as upstream's core json-decode (beagle.json/parse gives keywords); integers become Int, numbers with a fraction or exponent Float.
// Encoding: maps and structs become objects (keyword keys lose the colon),
// vectors/sets/arrays become arrays; NaN, infinities and functions are errors.
import { BFloat, Keyword, Struct, type Value } from "../values.ts";
import {
  PersistentMap,
  PersistentSet,
  PersistentVector,
  argStr,
  isFloat,
  isInt,
  kindName,
  mapEntries,
  mkFloat,
  normInt,
  runtimeError,
  setToArray,
  vecFrom,
  vecToArray,
  EMPTY_MAP,
  type Builtin,
} from "./util.ts";

const MAX_DEPTH = 512;

function jsonError(msg: string): never {
  runtimeError("JsonError", msg);
}

export function escapeJsonString(s: string): string {
  let out = "";
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    switch (ch) {
      case '"':
        out += '\\"';
        break;
      case "\\":
        out += "\\\\";
        break;
      case "\n":
        out += "\\n";
        break;
      case "\r":
        out += "\\r";
        break;
      case "\t":
        out += "\\t";
        break;
      case "\b":
        out += "\\b";
        break;
      case "\f":
        out += "\\f";
        break;
      default:
        if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) out += "\\u" + c.toString(16).padStart(4, "0");
        else out += ch;
    }
  }
  return out;
}

function floatJson(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 9.2e18) {
    const s = BigInt(x).toString();
    return (Object.is(x, -0) ? "-0" : s) + ".0";
  }
  return String(x);
}

function keyJson(k: Value): string {
  if (typeof k === "string") return `"${escapeJsonString(k)}"`;
  if (k instanceof Keyword) return `"${escapeJsonString(k.name)}"`;
  if (isInt(k)) return `"${String(k)}"`;
  jsonError(`Cannot encode map key of type ${kindName(k)} to JSON`);
}

export function toJson(v: Value, depth = 0): string {
  if (depth > MAX_DEPTH) jsonError(`JSON nesting depth ${depth} exceeds maximum of ${MAX_DEPTH}`);
  if (v === null || v === undefined) return "null";
  if (v === true) return "true";
  if (v === false) return "false";
  if (typeof v === "string") return `"${escapeJsonString(v)}"`;
  if (isInt(v)) return String(v);
  if (isFloat(v)) {
    const x = v instanceof BFloat ? v.v : (v as number);
    if (Number.isNaN(x)) jsonError("Cannot encode NaN to JSON");
    if (!Number.isFinite(x)) jsonError(`Cannot encode ${x > 0 ? "Infinity" : "-Infinity"} to JSON`);
    return floatJson(x);
  }
  if (v instanceof Keyword) return `"${escapeJsonString(v.name)}"`;
  if (v instanceof PersistentVector)
    return `[${vecToArray(v)
      .map((x) => toJson(x, depth + 1))
      .join(",")}]`;
  if (v instanceof PersistentSet)
    return `[${setToArray(v)
      .map((x) => toJson(x, depth + 1))
      .join(",")}]`;
  if (Array.isArray(v)) return `[${v.map((x) => toJson(x, depth + 1)).join(",")}]`;
  if (v instanceof PersistentMap) {
    const parts = mapEntries(v).map(([k, x]) => `${keyJson(k)}:${toJson(x, depth + 1)}`);
    return `{${parts.join(",")}}`;
  }
  if (v instanceof Struct) {
    const parts = v.type.fields.map((f, i) => `"${escapeJsonString(f)}":${toJson(v.f[i], depth + 1)}`);
    return `{${parts.join(",")}}`;
  }
  jsonError(`Cannot encode ${typeof v === "function" ? "function" : kindName(v).toLowerCase()} to JSON`);
}

// ---------------------------------------------------------------- decoding

class Parser {
  pos = 0;
  depth = 0;
  constructor(readonly s: string) {}

  ws(): void {
    const s = this.s;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.pos++;
      else break;
    }
  }

  expect(ch: string): void {
    if (this.s[this.pos] === ch) {
      this.pos++;
      return;
    }
    if (this.pos >= this.s.length) jsonError(`Expected '${ch}' at position ${this.pos}, found end of input`);
    jsonError(`Expected '${ch}' at position ${this.pos}, found '${this.s[this.pos]}'`);
  }

  value(): Value {
    if (++this.depth > MAX_DEPTH) jsonError(`JSON nesting depth ${this.depth} exceeds maximum of ${MAX_DEPTH}`);
    this.ws();
    const c = this.s[this.pos];
    let r: Value;
    if (c === undefined) jsonError(`Unexpected end of JSON input at position ${this.pos}`);
    else if (c === "n") r = this.word("null", null);
    else if (c === "t") r = this.word("true", true);
    else if (c === "f") r = this.word("false", false);
    else if (c === '"') r = this.string();
    else if (c === "[") r = this.array();
    else if (c === "{") r = this.object();
    else if (c === "-" || (c >= "0" && c <= "9")) r = this.number();
    else jsonError(`JSON parse error at position ${this.pos}: Unexpected character '${c}'`);
    this.depth--;
    return r;
  }

  word(w: string, v: Value): Value {
    if (this.s.startsWith(w, this.pos)) {
      this.pos += w.length;
      return v;
    }
    jsonError(`JSON parse error at position ${this.pos}: Expected '${w}'`);
  }

  array(): Value {
    this.pos++;
    const out: Value[] = [];
    let first = true;
    for (;;) {
      this.ws();
      if (this.s[this.pos] === "]") {
        this.pos++;
        return vecFrom(out);
      }
      if (this.pos >= this.s.length) jsonError(`Unexpected end of JSON input at position ${this.pos}`);
      if (!first) {
        this.expect(",");
        this.ws();
      }
      first = false;
      out.push(this.value());
    }
  }

  object(): Value {
    this.pos++;
    let m = EMPTY_MAP();
    let first = true;
    for (;;) {
      this.ws();
      if (this.s[this.pos] === "}") {
        this.pos++;
        return m;
      }
      if (this.pos >= this.s.length) jsonError(`Unexpected end of JSON input at position ${this.pos}`);
      if (!first) {
        this.expect(",");
        this.ws();
      }
      first = false;
      if (this.s[this.pos] !== '"') jsonError(`JSON parse error at position ${this.pos}: Object key must be a string`);
      const key = this.string();
      this.ws();
      this.expect(":");
      m = m.assoc(key, this.value());
    }
  }

  string(): string {
    const start = this.pos;
    this.pos++;
    let out = "";
    const s = this.s;
    for (;;) {
      if (this.pos >= s.length) jsonError(`Unterminated string starting at position ${start}`);
      const c = s[this.pos++]!;
      if (c === '"') return out;
      if (c === "\\") {
        const escPos = this.pos - 1;
        const e = s[this.pos++];
        if (e === undefined) jsonError(`Unterminated string starting at position ${start}`);
        switch (e) {
          case '"':
            out += '"';
            break;
          case "\\":
            out += "\\";
            break;
          case "/":
            out += "/";
            break;
          case "b":
            out += "\b";
            break;
          case "f":
            out += "\f";
            break;
          case "n":
            out += "\n";
            break;
          case "r":
            out += "\r";
            break;
          case "t":
            out += "\t";
            break;
          case "u": {
            const hex = s.slice(this.pos, this.pos + 4);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) jsonError(`Invalid escape sequence '\\u${hex}' at position ${escPos}`);
            this.pos += 4;
            let code = parseInt(hex, 16);
            // Combine a UTF-16 surrogate pair written as two escapes.
            if (code >= 0xd800 && code <= 0xdbff && s.startsWith("\\u", this.pos)) {
              const lo = parseInt(s.slice(this.pos + 2, this.pos + 6), 16);
              if (lo >= 0xdc00 && lo <= 0xdfff) {
                this.pos += 6;
                code = 0x10000 + ((code - 0xd800) << 10) + (lo - 0xdc00);
              }
            }
            if (code >= 0xd800 && code <= 0xdfff)
              jsonError(`Invalid escape sequence '\\u${hex}' at position ${escPos}`);
            out += String.fromCodePoint(code);
            break;
          }
          default:
            jsonError(`Invalid escape sequence '\\${e}' at position ${escPos}`);
        }
      } else if (c.charCodeAt(0) < 0x20) {
        jsonError(
          `JSON parse error at position ${this.pos - 1}: Unescaped control character 0x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
        );
      } else {
        out += c;
      }
    }
  }

  number(): Value {
    const start = this.pos;
    const m = /^-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.s.slice(start));
    if (!m) {
      const bad = /^-?[0-9.eE+-]*/.exec(this.s.slice(start))![0];
      jsonError(`Invalid number '${bad}' at position ${start}`);
    }
    this.pos += m[0].length;
    if (m[1] !== undefined || m[2] !== undefined) return mkFloat(Number(m[0]));
    const n = Number(m[0]);
    return Number.isSafeInteger(n) ? n : normInt(BigInt(m[0]));
  }
}

export function parseJson(text: string): Value {
  const p = new Parser(text);
  const v = p.value();
  p.ws();
  if (p.pos < text.length) jsonError(`JSON parse error at position ${p.pos}: Unexpected content after JSON value`);
  return v;
}

export const builtins: Record<string, Builtin> = {
  "json-encode"(v) {
    return toJson(v);
  },
  "json-decode"(s) {
    return parseJson(argStr(s, "json-decode"));
  },
};
