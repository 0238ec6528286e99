// beagle.string-builder: a growable byte buffer that becomes one String.
//
// Bytes are exact: appending a String appends its UTF-8 bytes (bytes.ts's
// surrogateescape form for strings that carry raw bytes), appending a byte
// appends that byte (masked to 0..255), and to-string decodes the whole buffer
// with bytesToString, so invalid UTF-8 survives a round trip. Offsets into
// strings (append-range!, index-byte) are byte offsets, as upstream's.
//
// The core names (string-builder-new, string-builder-push-string!, ...) are
// what upstream's runtime provides; beagle.string-builder exposes the same
// functions under its public names (stdlib/beagle.string-builder.bg adds the
// ones written in Beagle).
import type { Value } from "../values.ts";
import { bytesToString, indexByte, isAscii, stringToBytes } from "../bytes.ts";
import { formatFloat } from "../print.ts";
import { BFloat } from "../values.ts";
import { argInt, argStr, checkAlloc, kindName, typeError, type Builtin } from "./util.ts";

export class StringBuilder {
  buf: Uint8Array;
  len = 0;
  constructor(capacity: number) {
    this.buf = new Uint8Array(Math.max(0, capacity));
  }
  ensure(extra: number) {
    const need = this.len + extra;
    if (need <= this.buf.length) return;
    let cap = Math.max(16, this.buf.length * 2);
    while (cap < need) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.buf.subarray(0, this.len));
    this.buf = nb;
  }
  pushByte(b: number) {
    if (this.len === this.buf.length) this.ensure(1);
    this.buf[this.len++] = b & 255;
  }
  pushString(s: string) {
    if (isAscii(s)) {
      this.ensure(s.length);
      const buf = this.buf;
      let o = this.len;
      for (let i = 0; i < s.length; i++) buf[o++] = s.charCodeAt(i);
      this.len = o;
      return;
    }
    this.pushBytes(stringToBytes(s));
  }
  pushBytes(b: Uint8Array) {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  toString(): string {
    return bytesToString(this.buf.subarray(0, this.len));
  }
  beaglePrint(): string {
    return "StringBuilder";
  }
}

// The bytes of the last non-ASCII string a range operation was asked about: a loop
// appending ranges of one big string would otherwise re-encode it on every call.
let lastStr = "";
let lastBytes: Uint8Array = new Uint8Array(0);
function bytesOf(s: string): Uint8Array {
  if (s !== lastStr) {
    lastStr = s;
    lastBytes = stringToBytes(s);
  }
  return lastBytes;
}

function sbArg(v: Value, fn: string): StringBuilder {
  if (!(v instanceof StringBuilder)) typeError(`${fn}: expected a string builder, got ${kindName(v)}`);
  return v;
}

/** start/end clamped to 0..n, end never before start. */
function clampRange(n: number, start: number, end: number): [number, number] {
  const s = Math.max(0, Math.min(start, n));
  const e = Math.max(s, Math.min(end, n));
  return [s, e];
}

/** Run `each(byte)` over bytes [start, end) of s. */
function rangeBytes(s: string, start: number, end: number, fn: string): [Uint8Array, number, number] {
  if (isAscii(s)) {
    const [a, b] = clampRange(s.length, start, end);
    const out = new Uint8Array(b - a);
    for (let i = a; i < b; i++) out[i - a] = s.charCodeAt(i);
    return [out, 0, b - a];
  }
  const bytes = bytesOf(s);
  const [a, b] = clampRange(bytes.length, start, end);
  void fn;
  return [bytes, a, b];
}

export function intText(v: Value): string {
  return typeof v === "bigint" ? v.toString() : String(v);
}

const core: Record<string, Builtin> = {
  "string-builder-new"(cap = null) {
    const n = cap === undefined || cap === null ? 16 : argInt(cap, "string-builder-new", "capacity");
    if (n < 0) typeError(`string-builder-new: negative capacity ${n}`);
    return new StringBuilder(checkAlloc(n, "string-builder-new"));
  },
  "string-builder-push-byte!"(sb, b) {
    sbArg(sb, "append-byte!").pushByte(argInt(b, "append-byte!", "byte"));
    return sb;
  },
  "string-builder-push-string!"(sb, s) {
    sbArg(sb, "append!").pushString(argStr(s, "append!"));
    return sb;
  },
  "string-builder-push-string-range!"(sb, s, start, end) {
    const b = sbArg(sb, "append-range!");
    const [bytes, a, e] = rangeBytes(
      argStr(s, "append-range!"),
      argInt(start, "append-range!"),
      argInt(end, "append-range!"),
      "append-range!",
    );
    b.pushBytes(bytes.subarray(a, e));
    return sb;
  },
  "string-builder-push-string-range-filter-byte!"(sb, s, start, end, skip) {
    const b = sbArg(sb, "append-range-filter-byte!");
    const k = argInt(skip, "append-range-filter-byte!", "byte") & 255;
    const [bytes, a, e] = rangeBytes(
      argStr(s, "append-range-filter-byte!"),
      argInt(start, "append-range-filter-byte!"),
      argInt(end, "append-range-filter-byte!"),
      "",
    );
    b.ensure(e - a);
    for (let i = a; i < e; i++) if (bytes[i] !== k) b.buf[b.len++] = bytes[i]!;
    return sb;
  },
  "string-builder-push-string-range-uppercase!"(sb, s, start, end) {
    const b = sbArg(sb, "append-range-uppercase!");
    const [bytes, a, e] = rangeBytes(
      argStr(s, "append-range-uppercase!"),
      argInt(start, "append-range-uppercase!"),
      argInt(end, "append-range-uppercase!"),
      "",
    );
    b.ensure(e - a);
    for (let i = a; i < e; i++) {
      const c = bytes[i]!;
      b.buf[b.len++] = c >= 97 && c <= 122 ? c - 32 : c;
    }
    return sb;
  },
  "string-builder-push-builder-range!"(dst, src, start, end) {
    const d = sbArg(dst, "append-builder-range!");
    const s = sbArg(src, "append-builder-range!");
    const [a, e] = clampRange(s.len, argInt(start, "append-builder-range!"), argInt(end, "append-builder-range!"));
    d.pushBytes(s.buf.slice(a, e));
    return dst;
  },
  "string-builder-push-int!"(sb, i) {
    if (typeof i !== "bigint" && !(typeof i === "number" && Number.isInteger(i)))
      typeError(`append-int!: expected an Int, got ${kindName(i)}`);
    sbArg(sb, "append-int!").pushString(intText(i));
    return sb;
  },
  "string-builder-push-float!"(sb, f) {
    let x: number;
    if (f instanceof BFloat) x = f.v;
    else if (typeof f === "number") x = f;
    else if (typeof f === "bigint") x = Number(f);
    else typeError(`append-float!: expected a Float, got ${kindName(f)}`);
    sbArg(sb, "append-float!").pushString(formatFloat(x));
    return sb;
  },
  "string-builder-length"(sb) {
    return sbArg(sb, "length").len;
  },
  "string-builder-capacity"(sb) {
    return sbArg(sb, "capacity").buf.length;
  },
  "string-builder-clear!"(sb) {
    sbArg(sb, "clear!").len = 0;
    return sb;
  },
  "string-builder-reverse!"(sb) {
    const b = sbArg(sb, "reverse!");
    b.buf.subarray(0, b.len).reverse();
    return sb;
  },
  "string-builder-to-string"(sb) {
    return sbArg(sb, "to-string").toString();
  },
  "string-builder-byte-at"(sb, i) {
    const b = sbArg(sb, "byte-at");
    const k = argInt(i, "byte-at", "index");
    return k < 0 || k >= b.len ? null : b.buf[k]!;
  },
  "string-builder-set-byte-at!"(sb, i, byte) {
    const b = sbArg(sb, "set-byte-at!");
    const k = argInt(i, "set-byte-at!", "index");
    if (k >= 0 && k < b.len) b.buf[k] = argInt(byte, "set-byte-at!", "byte") & 255;
    return sb;
  },
  "string-index-byte"(s, byte, start = null) {
    const str = argStr(s, "index-byte");
    const from = start === undefined || start === null ? 0 : argInt(start, "index-byte", "start");
    return indexByte(str, argInt(byte, "index-byte", "byte") & 255, Math.max(0, from));
  },
  "string-builder?"(v) {
    return v instanceof StringBuilder;
  },
};

export const builtins: Record<string, Builtin> = core;

/** beagle.string-builder's public names for the natives. */
export const moduleBuiltins: Record<string, Builtin> = {
  new: core["string-builder-new"]!,
  "append-byte!": core["string-builder-push-byte!"]!,
  "append-char!": core["string-builder-push-string!"]!,
  "append!": core["string-builder-push-string!"]!,
  "append-range!": core["string-builder-push-string-range!"]!,
  "append-range-filter-byte!": core["string-builder-push-string-range-filter-byte!"]!,
  "append-range-uppercase!": core["string-builder-push-string-range-uppercase!"]!,
  "append-builder-range!": core["string-builder-push-builder-range!"]!,
  "index-byte": core["string-index-byte"]!,
  "append-int!": core["string-builder-push-int!"]!,
  "append-float!": core["string-builder-push-float!"]!,
  length: core["string-builder-length"]!,
  capacity: core["string-builder-capacity"]!,
  "clear!": core["string-builder-clear!"]!,
  "byte-at": core["string-builder-byte-at"]!,
  "set-byte-at!": core["string-builder-set-byte-at!"]!,
  "reverse!": core["string-builder-reverse!"]!,
  "to-string": core["string-builder-to-string"]!,
};
