// Byte-exact strings: how arbitrary bytes (from a socket, a pipe, a file read
// as bytes) travel as ordinary Beagle Strings.
//
// Beagle strings are JS strings. Bytes that form valid UTF-8 decode to the
// characters they encode, so text read from a socket prints, compares and
// concatenates like any other string. Every byte that is NOT part of a valid
// UTF-8 sequence becomes one lone low surrogate U+DC80..U+DCFF (0x80..0xFF;
// bytes below 0x80 are always valid) — the "surrogateescape" scheme of
// Python's PEP 383. Valid UTF-8 never encodes a surrogate, so the mapping is
// one-to-one and `stringToBytes(bytesToString(b))` gives back `b` exactly:
// invalid UTF-8, NUL, a BOM, and a multi-byte character split across two reads
// all survive an echo byte-for-byte.
//
// A character split across two reads arrives as escapes in both pieces;
// `byteConcat` re-decodes the joined bytes, so the pieces become the character
// again (plain `++` keeps the escapes: still byte-exact, just not merged).
// A string built by a program that holds a lone surrogate outside DC80..DCFF
// is written as its 3-byte WTF-8 form (ED xx xx); one inside DC80..DCFF is
// written as the byte it stands for.
//
// Use: decode what you read with bytesToString(buf.subarray(0, n)); encode what
// you write with stringToBytes(s); measure and cut in bytes with byteLength,
// byteSlice and indexByte (offsets are byte offsets, as upstream's).

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

/** Whether every unit of s is below 0x80 (then bytes == units). */
export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}

function allAscii(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i]! >= 0x80) return false;
  return true;
}

/** Length of the valid UTF-8 sequence starting at b[i], or 0 if b[i] does not start one. */
function validSeq(b: Uint8Array, i: number): number {
  const c = b[i]!;
  const n = b.length;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) return i + 1 < n && (b[i + 1]! & 0xc0) === 0x80 ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (i + 2 >= n) return 0;
    const d = b[i + 1]!;
    const lo = c === 0xe0 ? 0xa0 : 0x80;
    const hi = c === 0xed ? 0x9f : 0xbf; // ED A0..BF would encode a surrogate
    return d >= lo && d <= hi && (b[i + 2]! & 0xc0) === 0x80 ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (i + 3 >= n) return 0;
    const d = b[i + 1]!;
    const lo = c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xf4 ? 0x8f : 0xbf;
    return d >= lo && d <= hi && (b[i + 2]! & 0xc0) === 0x80 && (b[i + 3]! & 0xc0) === 0x80 ? 4 : 0;
  }
  return 0;
}

let units = new Uint16Array(1024);

/** Manual UTF-8 decode with surrogateescape: each UTF-16 unit written once, then one string. */
function decodeEscaping(b: Uint8Array): string {
  if (units.length < b.length) units = new Uint16Array(b.length);
  const u = units;
  let o = 0;
  let i = 0;
  const n = b.length;
  while (i < n) {
    const c = b[i]!;
    if (c < 0x80) {
      u[o++] = c;
      i++;
      continue;
    }
    if (c < 0xc2 || c > 0xf4) {
      u[o++] = 0xdc00 | c; // can never start a valid sequence: escaped
      i++;
      continue;
    }
    const k = validSeq(b, i);
    if (k === 2) {
      u[o++] = ((c & 0x1f) << 6) | (b[i + 1]! & 0x3f);
    } else if (k === 3) {
      u[o++] = ((c & 0x0f) << 12) | ((b[i + 1]! & 0x3f) << 6) | (b[i + 2]! & 0x3f);
    } else if (k === 4) {
      const cp = ((c & 0x07) << 18) | ((b[i + 1]! & 0x3f) << 12) | ((b[i + 2]! & 0x3f) << 6) | (b[i + 3]! & 0x3f);
      u[o++] = 0xd800 + ((cp - 0x10000) >> 10);
      u[o++] = 0xdc00 + ((cp - 0x10000) & 0x3ff);
    } else {
      u[o++] = 0xdc00 | c; // not part of valid UTF-8: escaped
      i++;
      continue;
    }
    i += k;
  }
  // the units as they are: a UTF-16LE decode keeps lone surrogates (TextDecoder would not)
  return Buffer.from(u.buffer, 0, o * 2).toString("utf16le");
}

/** The string standing for the bytes `b` (valid UTF-8 as text, other bytes escaped). */
export function bytesToString(b: Uint8Array): string {
  if (b.length === 0) return "";
  if (b.length < 64 && allAscii(b)) return String.fromCharCode.apply(null, b as unknown as number[]);
  try {
    return decoder.decode(b);
  } catch {
    return decodeEscaping(b);
  }
}

/** The bytes `s` stands for: the inverse of bytesToString. */
export function stringToBytes(s: string): Uint8Array {
  if (s.isWellFormed()) return encoder.encode(s);
  const out = new Uint8Array(s.length * 3);
  let o = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) out[o++] = c;
    else if (c < 0x800) {
      out[o++] = 0xc0 | (c >> 6);
      out[o++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      const cp = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(i + 1) - 0xdc00);
      i++;
      out[o++] = 0xf0 | (cp >> 18);
      out[o++] = 0x80 | ((cp >> 12) & 0x3f);
      out[o++] = 0x80 | ((cp >> 6) & 0x3f);
      out[o++] = 0x80 | (cp & 0x3f);
    } else if (c >= 0xdc80 && c <= 0xdcff) {
      out[o++] = c & 0xff; // an escaped byte
    } else {
      // a BMP character, or a lone surrogate written as WTF-8
      out[o++] = 0xe0 | (c >> 12);
      out[o++] = 0x80 | ((c >> 6) & 0x3f);
      out[o++] = 0x80 | (c & 0x3f);
    }
  }
  return out.subarray(0, o);
}

/** Number of bytes `s` stands for. */
export function byteLength(s: string): number {
  if (isAscii(s)) return s.length;
  return stringToBytes(s).length;
}

function clampByte(i: number, n: number): number {
  return i < 0 ? 0 : i > n ? n : Math.trunc(i);
}

/** The bytes [start, end) of `s` as a string (clamped); cutting inside a character escapes its pieces. */
export function byteSlice(s: string, start: number, end?: number): string {
  if (isAscii(s)) return s.slice(clampByte(start, s.length), end === undefined ? s.length : clampByte(end, s.length));
  const b = stringToBytes(s);
  const a = clampByte(start, b.length);
  const e = end === undefined ? b.length : clampByte(end, b.length);
  return e > a ? bytesToString(b.subarray(a, e)) : "";
}

/** The byte at byte offset i (0..255), or -1 out of range. */
export function byteAt(s: string, i: number): number {
  if (isAscii(s)) return i >= 0 && i < s.length ? s.charCodeAt(i) : -1;
  const b = stringToBytes(s);
  return i >= 0 && i < b.length ? b[i]! : -1;
}

/** Byte offset of the first `byte` at or after byte offset `from`, or -1. */
export function indexByte(s: string, byte: number, from = 0): number {
  if (isAscii(s)) {
    if (byte >= 0x80) return -1;
    return s.indexOf(String.fromCharCode(byte), Math.max(0, from));
  }
  const b = stringToBytes(s);
  return b.indexOf(byte, Math.max(0, from));
}

/** a ++ b as bytes: a character split between the two pieces becomes whole again. */
export function byteConcat(a: string, b: string): string {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  if (a.isWellFormed() && b.isWellFormed()) return a + b;
  const x = stringToBytes(a);
  const y = stringToBytes(b);
  const all = new Uint8Array(x.length + y.length);
  all.set(x, 0);
  all.set(y, x.length);
  return bytesToString(all);
}

/** The bytes of `s` as numbers 0..255. */
export function byteValues(s: string): number[] {
  return Array.from(stringToBytes(s));
}

/** The string standing for the byte values in `vals` (each 0..255). */
export function fromByteValues(vals: ArrayLike<number>): string {
  return bytesToString(Uint8Array.from(vals));
}
