// Code-point string helpers (reference §8), checked against Array.from(s),
// which splits JS strings into code points.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
  cpAt,
  cpChars,
  cpIndexOf,
  cpLastIndexOf,
  cpLength,
  cpSlice,
  hasSurrogates,
  utf8Length,
} from "../../vm/strings.ts";

describe("examples", () => {
  test("length / index-of count code points", () => {
    expect(cpLength("héllo")).toBe(5);
    expect(cpLength("😊hello")).toBe(6);
    expect(cpIndexOf("😊hello", "hello")).toBe(1);
    expect(cpLastIndexOf("😊a😊a", "a")).toBe(3);
    expect(cpLastIndexOf("😊a😊a", "z")).toBe(-1);
    expect(cpAt("😊x", 0)).toBe("😊");
    expect(cpAt("😊x", 1)).toBe("x");
    expect(cpAt("😊x", 2)).toBeUndefined();
    expect(cpAt("abc", -1)).toBeUndefined();
    expect(cpSlice("a😊b😊c", 1, 4)).toBe("😊b😊");
    expect(cpSlice("a😊b", 1)).toBe("😊b");
    expect(cpSlice("abc", -3, 99)).toBe("abc");
    expect(cpSlice("abc", 2, 1)).toBe("");
    expect(cpIndexOf("abcabc", "c", 3)).toBe(5);
    expect(cpIndexOf("😊b😊b", "b", 2)).toBe(3);
    expect(cpIndexOf("abc", "")).toBe(0);
  });

  test("long strings, repeated indexing (cached offsets)", () => {
    const s = "😊".repeat(1000) + "x".repeat(1000);
    expect(hasSurrogates(s)).toBe(true);
    expect(cpLength(s)).toBe(2000);
    for (let i = 0; i < 2000; i += 97) expect(cpAt(s, i)).toBe(i < 1000 ? "😊" : "x");
    expect(cpIndexOf(s, "x")).toBe(1000);
    const a = "y".repeat(5000);
    expect(hasSurrogates(a)).toBe(false);
    expect(cpLength(a)).toBe(5000);
  });

  test("utf8Length", () => {
    expect(utf8Length("abc")).toBe(3);
    expect(utf8Length("é")).toBe(2);
    expect(utf8Length("日")).toBe(3);
    expect(utf8Length("😊")).toBe(4);
    expect(utf8Length("\uD800")).toBe(3);
  });
});

const str = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 30 }),
  fc.string({ maxLength: 30 }),
  fc.array(fc.constantFrom("a", "b", "😊", "é", "𝄞"), { maxLength: 40 }).map((xs) => xs.join("")),
);

describe("properties vs Array.from", () => {
  test("length, at, chars", () => {
    fc.assert(
      fc.property(str, fc.integer({ min: -2, max: 45 }), (s, i) => {
        const cps = Array.from(s);
        expect(cpLength(s)).toBe(cps.length);
        expect(cpAt(s, i)).toBe(i >= 0 && i < cps.length ? cps[i] : undefined);
        expect(cpChars(s)).toEqual(cps);
        expect(utf8Length(s)).toBe(new TextEncoder().encode(s).length);
      }),
      { numRuns: 1000 },
    );
  });

  test("slice", () => {
    fc.assert(
      fc.property(
        str,
        fc.integer({ min: -3, max: 45 }),
        fc.option(fc.integer({ min: -3, max: 45 }), { nil: undefined }),
        (s, a, b) => {
          const cps = Array.from(s);
          const n = cps.length;
          const lo = Math.max(0, Math.min(n, a));
          const hi = b === undefined ? n : Math.max(0, Math.min(n, b));
          expect(cpSlice(s, a, b)).toBe(hi > lo ? cps.slice(lo, hi).join("") : "");
        },
      ),
      { numRuns: 1000 },
    );
  });

  test("indexOf / lastIndexOf", () => {
    fc.assert(
      fc.property(
        str,
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: -2, max: 40 }),
        (s, start, len, from) => {
          const cps = Array.from(s);
          const sub = cps.slice(start, start + len).join("");
          const model = (f: number) => {
            const lo = Math.max(0, Math.min(cps.length, f));
            for (let i = lo; i <= cps.length; i++) if (cps.slice(i).join("").startsWith(sub)) return i;
            return -1;
          };
          const lastModel = () => {
            for (let i = cps.length; i >= 0; i--) if (cps.slice(i).join("").startsWith(sub)) return i;
            return -1;
          };
          expect(cpIndexOf(s, sub, from)).toBe(model(from));
          expect(cpIndexOf(s, sub)).toBe(model(0));
          expect(cpLastIndexOf(s, sub)).toBe(lastModel());
        },
      ),
      { numRuns: 1000 },
    );
  });
});
