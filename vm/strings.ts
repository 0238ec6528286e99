// Code-point-aware string helpers (reference §8): Beagle's `length`,
// indexing, `substring`, `index-of` and `last-index-of` count Unicode code
// points, JS strings count UTF-16 units. Strings without surrogates (the
// common case) take the plain JS path. For strings with surrogates, the
// offsets of code points are computed once and kept for the last such string,
// so index loops over one string stay linear. A lone surrogate counts as one
// code point.
//
// Indices are clamped like `String.prototype.slice` with no negative wrap:
// a negative start is 0, past-the-end is the length.

const SURROGATE = /[\uD800-\uDFFF]/;

let lastStr = "";
let lastHas = false;
/** unit offset of each code point of lastStr, plus lastStr.length at the end */
let lastOffsets: Uint32Array | null = null;

/** Whether s contains any UTF-16 surrogate (then code points != units). */
export function hasSurrogates(s: string): boolean {
  const n = s.length;
  if (n < 24) {
    for (let i = 0; i < n; i++) {
      if ((s.charCodeAt(i) & 0xf800) === 0xd800) return true;
    }
    return false;
  }
  if (s === lastStr) return lastHas;
  lastStr = s;
  lastHas = SURROGATE.test(s);
  lastOffsets = null;
  return lastHas;
}

function offsets(s: string): Uint32Array {
  if (s === lastStr && lastOffsets !== null) return lastOffsets;
  const n = s.length;
  const tmp = new Uint32Array(n + 1);
  let k = 0;
  for (let i = 0; i < n; i++) {
    tmp[k++] = i;
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
  }
  tmp[k] = n;
  const offs = tmp.slice(0, k + 1);
  lastStr = s;
  lastHas = true;
  lastOffsets = offs;
  return offs;
}

/** Number of code points. */
export function cpLength(s: string): number {
  if (!hasSurrogates(s)) return s.length;
  return offsets(s).length - 1;
}

/** The code point at code-point index i as a string, or undefined when out of range. */
export function cpAt(s: string, i: number): string | undefined {
  if (!hasSurrogates(s)) return i >= 0 && i < s.length && (i | 0) === i ? s[i] : undefined;
  const o = offsets(s);
  if (i < 0 || i >= o.length - 1 || (i | 0) !== i) return undefined;
  return s.slice(o[i]!, o[i + 1]!);
}

function clamp(i: number, len: number): number {
  return i < 0 ? 0 : i > len ? len : Math.trunc(i);
}

/** Code points [start, end) (end defaults to the length), clamped. */
export function cpSlice(s: string, start: number, end?: number): string {
  if (!hasSurrogates(s)) {
    const n = s.length;
    const a = clamp(start, n),
      b = end === undefined ? n : clamp(end, n);
    return b > a ? s.slice(a, b) : "";
  }
  const o = offsets(s);
  const n = o.length - 1;
  const a = clamp(start, n),
    b = end === undefined ? n : clamp(end, n);
  return b > a ? s.slice(o[a]!, o[b]!) : "";
}

/** Code-point index of the code point starting at unit index u (or containing it). */
function unitToCp(o: Uint32Array, u: number): number {
  let lo = 0,
    hi = o.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (o[mid]! <= u) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Code-point index of the first occurrence of sub at or after code-point index `from`, or -1. */
export function cpIndexOf(s: string, sub: string, from = 0): number {
  if (!hasSurrogates(s)) return s.indexOf(sub, clamp(from, s.length));
  const o = offsets(s);
  const n = o.length - 1;
  const u = s.indexOf(sub, o[clamp(from, n)]!);
  return u < 0 ? -1 : unitToCp(o, u);
}

/** Code-point index of the last occurrence of sub, or -1. */
export function cpLastIndexOf(s: string, sub: string): number {
  if (!hasSurrogates(s)) return s.lastIndexOf(sub);
  const u = s.lastIndexOf(sub);
  return u < 0 ? -1 : unitToCp(offsets(s), u);
}

/** The code points of s, one string each. */
export function cpChars(s: string): string[] {
  return hasSurrogates(s) ? Array.from(s) : s.split("");
}

/** Length of s in UTF-8 bytes (lone surrogates count 3, as U+FFFD). */
export function utf8Length(s: string): number {
  const n = s.length;
  let bytes = n;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2; // 4 bytes for the pair's 2 units
      i++;
    } else bytes += 2;
  }
  return bytes;
}
