// Ordering of Beagle values, for `compare`, `sort`, `<`, `<=`, `>`, `>=`
// (reference §6).
//
//   numbers  numerically; Int and Float mix (1 < 2.5, 2 <= 2.0); bigint Ints
//            compare exactly; NaN compares equal to everything (0), as IEEE
//            comparisons are all false
//   strings  lexicographically by Unicode code point (= by UTF-8 bytes)
//   keywords by their text, the same way
//   booleans false < true
//   vectors  element-wise, then shorter first (an extension; upstream compares
//            raw words there)
//   mixed or other kinds: upstream's result is arbitrary (raw machine words);
//            ours is a fixed kind rank — null < bool < number < string <
//            keyword < vector < anything else — and 0 within "anything else".
// User `Comparable` impls are the VM's business; this is the built-in order.
import { BFloat, Keyword } from "./values.ts";
import type { Value } from "./values.ts";
import { PersistentVector } from "./collections/vector.ts";

/** Compares two strings by code point (UTF-16 `<` differs only around surrogates). */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      // Surrogates (pairs = code points >= 0x10000) must sort above U+E000..U+FFFF.
      if (x >= 0xd800 && y >= 0xd800) {
        x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
        y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      }
      return x < y ? -1 : 1;
    }
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

function rank(v: Value): number {
  switch (typeof v) {
    case "boolean":
      return 1;
    case "number":
    case "bigint":
      return 2;
    case "string":
      return 3;
    case "object":
      if (v === null) return 0;
      if (v instanceof BFloat) return 2;
      if (v instanceof Keyword) return 4;
      if (v instanceof PersistentVector) return 5;
      return 6;
    default:
      return v === undefined ? 0 : 6;
  }
}

function num(v: Value): number | bigint {
  return v instanceof BFloat ? v.v : v;
}

/** -1, 0 or 1. */
export function compareValues(a: Value, b: Value): number {
  const ta = typeof a,
    tb = typeof b;
  if (ta === "number" && tb === "number") return a < b ? -1 : a > b ? 1 : 0;
  if (ta === "string" && tb === "string") return compareStrings(a, b);
  const ra = rank(a),
    rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 1:
      return a === b ? 0 : a ? 1 : -1;
    case 2: {
      // mixed number/bigint relational comparison is exact in JS
      const x = num(a),
        y = num(b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 4:
      return compareStrings((a as Keyword).name, (b as Keyword).name);
    case 5: {
      const va = a as PersistentVector,
        vb = b as PersistentVector;
      const n = Math.min(va.count, vb.count);
      for (let i = 0; i < n; i++) {
        const c = compareValues(va.get(i), vb.get(i));
        if (c !== 0) return c;
      }
      return va.count < vb.count ? -1 : va.count > vb.count ? 1 : 0;
    }
    default:
      return 0;
  }
}
