// Equality (`==`, map-key equality) and ordering (reference §6).
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { equal, equalKeys } from "../../vm/equal.ts";
import { compareStrings, compareValues } from "../../vm/compare.ts";
import { PersistentVector } from "../../vm/collections/vector.ts";
import { PersistentMap } from "../../vm/collections/map.ts";
import { PersistentSet } from "../../vm/collections/set.ts";
import { BFloat, Struct, StructType, TypeDescriptor, kw, mkFloat, normInt } from "../../vm/values.ts";
import type { Value } from "../../vm/values.ts";

const vec = (...xs: Value[]) => PersistentVector.from(xs);
const map = (...es: [Value, Value][]) => PersistentMap.from(es);
const Thing = new StructType("t", "Thing", ["x", "y"]);
const Other = new StructType("t", "Other", ["x", "y"]);

describe("equal (==)", () => {
  test("numbers: Int vs Float numerically", () => {
    expect(equal(2, mkFloat(2))).toBe(true);
    expect(equal(mkFloat(2), 2)).toBe(true);
    expect(equal(2, 2.5)).toBe(false);
    expect(equal(mkFloat(0), mkFloat(-0))).toBe(true);
    expect(equal(NaN, NaN)).toBe(false);
    expect(equal(normInt(1n << 59n), normInt(1n << 59n))).toBe(true);
    expect(equal(normInt(1n << 59n), mkFloat(2 ** 59))).toBe(true);
    expect(equal(normInt(1n << 59n), normInt((1n << 59n) + 1n))).toBe(false);
    expect(equal(new BFloat(3), new BFloat(3))).toBe(true);
  });

  test("strings by content, keywords by identity", () => {
    expect(equal("foo", "f" + "oo")).toBe(true);
    expect(equal("foo", "bar")).toBe(false);
    expect(equal(kw("a"), kw("a"))).toBe(true);
    expect(equal(kw("a"), "a")).toBe(false);
  });

  test("null / booleans", () => {
    expect(equal(null, null)).toBe(true);
    expect(equal(null, false)).toBe(false);
    expect(equal(true, true)).toBe(true);
    expect(equal(0, false)).toBe(false);
    expect(equal(0, null)).toBe(false);
  });

  test("structs: same type and fields", () => {
    expect(equal(new Struct(Thing, [1, 2]), new Struct(Thing, [1, 2]))).toBe(true);
    expect(equal(new Struct(Thing, [1, 2]), new Struct(Thing, [1, mkFloat(2)]))).toBe(true);
    expect(equal(new Struct(Thing, [1, 2]), new Struct(Thing, [1, 3]))).toBe(false);
    expect(equal(new Struct(Thing, [1, 2]), new Struct(Other, [1, 2]))).toBe(false);
  });

  test("long struct chains compare without deep recursion", () => {
    const Cons = new StructType("t", "Cons", ["head", "tail"]);
    let a: Value = null,
      b: Value = null;
    for (let i = 0; i < 200000; i++) {
      a = new Struct(Cons, [i, a]);
      b = new Struct(Cons, [i, b]);
    }
    expect(equal(a, b)).toBe(true);
  });

  test("collections by value", () => {
    expect(equal(vec(1, 2), vec(1, 2))).toBe(true);
    expect(equal(vec(1, 2), vec(1, mkFloat(2)))).toBe(true);
    expect(equal(vec(1, 2), vec(1, 2, 3))).toBe(false);
    expect(equal(vec(), PersistentMap.EMPTY)).toBe(false);
    expect(equal(map(["a", 1], ["b", 2]), map(["b", 2], ["a", 1]))).toBe(true);
    expect(equal(map(["a", 1]), map(["a", mkFloat(1)]))).toBe(true);
    expect(equal(map(["a", 1]), map(["a", 2]))).toBe(false);
    expect(equal(map([2, "x"]), map([mkFloat(2), "x"]))).toBe(false); // different keys
    expect(equal(PersistentSet.from([1, 2]), PersistentSet.from([2, 1]))).toBe(true);
    expect(equal(PersistentSet.from([1, 2]), PersistentSet.from([1, 3]))).toBe(false);
    const big = Array.from({ length: 3000 }, (_, i) => i);
    expect(equal(PersistentVector.from(big), PersistentVector.from(big))).toBe(true);
    expect(equal(PersistentVector.from(big), PersistentVector.from(big).assoc(2999, -1))).toBe(false);
  });

  test("type descriptors by name; functions and other objects by identity", () => {
    expect(equal(new TypeDescriptor("Int"), new TypeDescriptor("Int"))).toBe(true);
    expect(equal(new TypeDescriptor("Int"), new TypeDescriptor("Float"))).toBe(false);
    const f = () => 1;
    expect(equal(f, f)).toBe(true);
    expect(equal(f, () => 1)).toBe(false);
    expect(equal({}, {})).toBe(false);
  });

  test("beagleEquals hook", () => {
    const a = { beagleEquals: (o: Value) => o === 5 };
    expect(equal(a, 5)).toBe(true);
  });
});

describe("equalKeys (map keys)", () => {
  test("numbers must be the same kind and bits", () => {
    expect(equalKeys(2, mkFloat(2))).toBe(false);
    expect(equalKeys(mkFloat(2), mkFloat(2))).toBe(true);
    expect(equalKeys(mkFloat(0), mkFloat(-0))).toBe(false);
    expect(equalKeys(-0, mkFloat(-0))).toBe(true);
    expect(equalKeys(0, -0)).toBe(false);
    expect(equalKeys(NaN, NaN)).toBe(true);
    expect(equalKeys(vec(2), vec(mkFloat(2)))).toBe(false);
    expect(equalKeys(vec("a", kw("b")), vec("a", kw("b")))).toBe(true);
  });
});

describe("compareValues", () => {
  test("numbers, mixed Int/Float/bigint", () => {
    expect(compareValues(1, 2)).toBe(-1);
    expect(compareValues(2, 1)).toBe(1);
    expect(compareValues(1, 2.5)).toBe(-1);
    expect(compareValues(2, mkFloat(2))).toBe(0);
    expect(compareValues(mkFloat(3), 2)).toBe(1);
    expect(compareValues(normInt((1n << 60n) - 1n), 5)).toBe(1);
    expect(compareValues(normInt(-(1n << 60n)), mkFloat(-1e300))).toBe(1);
    expect(compareValues(normInt((1n << 59n) + 1n), normInt(1n << 59n))).toBe(1);
  });

  test("strings by code point, keywords by text", () => {
    expect(compareValues("apple", "banana")).toBe(-1);
    expect(compareValues("b", "a")).toBe(1);
    expect(compareValues("a", "a")).toBe(0);
    expect(compareValues("a", "ab")).toBe(-1);
    expect(compareValues("Z", "a")).toBe(-1);
    // U+FFFD (one UTF-16 unit, above the surrogates) sorts below U+1F600 (a surrogate pair)
    expect(compareValues("\uFFFD", "😀")).toBe(-1);
    expect(compareValues(kw("b"), kw("a"))).toBe(1);
  });

  test("booleans, vectors, mixed kinds give a fixed order", () => {
    expect(compareValues(false, true)).toBe(-1);
    expect(compareValues(vec(1, 2), vec(1, 3))).toBe(-1);
    expect(compareValues(vec(1, 2), vec(1))).toBe(1);
    expect(compareValues(null, 1)).toBe(-1);
    expect(compareValues(1, "a")).toBe(-1);
    expect(compareValues("a", kw("a"))).toBe(-1);
  });

  test("property: string order = UTF-8 byte order", () => {
    const enc = new TextEncoder();
    const byBytes = (a: string, b: string) => {
      const x = enc.encode(a),
        y = enc.encode(b);
      for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
      return Math.sign(x.length - y.length);
    };
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", maxLength: 8 }),
        fc.string({ unit: "grapheme", maxLength: 8 }),
        (a, b) => {
          expect(compareStrings(a, b)).toBe(byBytes(a, b));
        },
      ),
      { numRuns: 2000 },
    );
  });

  test("property: numeric order is a total order consistent with ==", () => {
    const num = fc.oneof(
      fc.integer(),
      fc.double({ noNaN: true }).map(mkFloat),
      fc.bigInt({ min: -(1n << 60n), max: (1n << 60n) - 1n }).map(normInt),
    );
    fc.assert(
      fc.property(num, num, (a, b) => {
        const c = compareValues(a, b);
        expect(compareValues(b, a)).toBe(c === 0 ? 0 : -c);
        if (c === 0 && typeof a !== "bigint" && typeof b !== "bigint") expect(equal(a, b)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
