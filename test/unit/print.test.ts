// Printing (reference §1–§3): format(x, depth), the raw printer, floats, repr.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { formatFloat, formatValue, rawRepr, repr } from "../../vm/print.ts";
import { PersistentVector } from "../../vm/collections/vector.ts";
import { PersistentMap } from "../../vm/collections/map.ts";
import { PersistentSet } from "../../vm/collections/set.ts";
import { BFloat, EnumType, Struct, StructType, TypeDescriptor, kw, mkFloat, normInt } from "../../vm/values.ts";
import type { Value } from "../../vm/values.ts";

const vec = (...xs: Value[]) => PersistentVector.from(xs);
const map = (...es: [Value, Value][]) => PersistentMap.from(es);
const show = (x: Value) => formatValue(x, 0);

const Point = new StructType("myns", "Point", ["x", "y"]);
const Empty = new StructType("myns", "Empty", []);
const Result = new EnumType("myns", "Result");
const Ok = Result.addVariant("Ok", ["value"]);
const Action = new EnumType("myns", "Action");
const Run = Action.addVariant("run", ["speed"]);
const Stop = Action.addVariant("stop", null);
const Node = new StructType("myns", "Node", ["left", "right"]);
const Atom = new StructType("beagle.core", "Atom", ["value"]);
const SystemError = new EnumType("beagle.core", "SystemError");
const TypeErr = SystemError.addVariant("TypeError", ["message", "location"]);

describe("scalars", () => {
  test("ints, bigints, null, booleans, keywords", () => {
    expect(show(42)).toBe("42");
    expect(show(-7)).toBe("-7");
    expect(show(normInt(1152921504606846975n))).toBe("1152921504606846975");
    expect(show(normInt(-1152921504606846976n))).toBe("-1152921504606846976");
    expect(show(null)).toBe("null");
    expect(show(true)).toBe("true");
    expect(show(false)).toBe("false");
    expect(show(kw("foo"))).toBe(":foo");
  });

  test("strings: raw at depth 0, quoted without escaping when nested", () => {
    expect(formatValue("hi", 0)).toBe("hi");
    expect(formatValue("hi", 1)).toBe('"hi"');
    expect(formatValue("a\nb", 1)).toBe('"a\nb"');
    expect(formatValue(vec(1), 1)).toBe("[1]");
    expect(formatValue(42, 1)).toBe("42");
  });
});

describe("floats (§3)", () => {
  const cases: [number, string][] = [
    [1.0, "1.0"],
    // biome-ignore lint/suspicious/noApproximativeNumericConstant: a float with five decimals, not pi
    [3.14159, "3.14159"],
    [0.1 + 0.2, "0.30000000000000004"],
    [100.0 / 3.0, "33.333333333333336"],
    [6.28318, "6.28318"],
    [3.0, "3.0"],
    [0.0000001, "0.0000001"],
    [1.5e-7, "0.00000015"],
    [-0.0, "-0.0"],
    [0.0, "0.0"],
    [Infinity, "infinity"],
    [-Infinity, "-infinity"],
    [NaN, "NaN"],
    [1e21, "1000000000000000000000.0"],
    [-2.5, "-2.5"],
    [123456789.125, "123456789.125"],
    [5e-324, "0." + "0".repeat(323) + "5"],
  ];
  for (const [x, s] of cases) {
    test(`${s.length > 30 ? s.slice(0, 30) + "…" : s}`, () => {
      expect(formatFloat(x)).toBe(s);
      expect(show(mkFloat(x))).toBe(s);
    });
  }

  test("(1e15)^8 computed by squaring prints all 121 digits", () => {
    const a = 1e15;
    const a2 = a * a,
      a4 = a2 * a2;
    const s = formatFloat(a4 * a4);
    expect(s).toBe("10000000000000003" + "0".repeat(104) + ".0");
    expect(s.length - 2).toBe(121);
  });

  test("a BFloat prints as a float, a raw -0 too", () => {
    expect(show(new BFloat(4))).toBe("4.0");
    expect(show(-0)).toBe("-0.0");
  });

  test("property: printed floats read back to the same number, never with an exponent", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const s = formatFloat(x);
        expect(s).not.toMatch(/e/i);
        expect(s).toContain(".");
        expect(Object.is(Number(s), x) || (x === 0 && Number(s) === 0)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("collections", () => {
  test("vectors", () => {
    expect(show(vec(1, 2, 3))).toBe("[1, 2, 3]");
    expect(show(vec())).toBe("[]");
    expect(show(vec("a", "b"))).toBe('["a", "b"]');
    expect(show(vec(vec(1, 2), vec(3)))).toBe("[[1, 2], [3]]");
    expect(show(vec(mkFloat(1), 0.5))).toBe("[1.0, 0.5]");
  });

  test("maps: `key value` pairs in HAMT order", () => {
    expect(show(map([kw("k"), "v"]))).toBe('{:k "v"}');
    expect(show(map(["a", 1], ["b", 2], ["c", 3]))).toBe('{"b" 2, "c" 3, "a" 1}');
    expect(show(PersistentMap.EMPTY)).toBe("{}");
    expect(show(map([1, vec("x")]))).toBe('{1 ["x"]}');
  });

  test("sets", () => {
    expect(show(PersistentSet.from([42]))).toBe("#{42}");
    expect(show(PersistentSet.EMPTY)).toBe("#{}");
    expect(show(PersistentSet.from(["s"]))).toBe('#{"s"}');
  });

  test('worked example: a 1 [1, "b"] :k null', () => {
    expect(["a", 1, vec(1, "b"), kw("k"), null].map(show).join(" ")).toBe('a 1 [1, "b"] :k null');
  });
});

describe("structs and enums", () => {
  test("struct, empty struct, variants, unit variants", () => {
    expect(show(new Struct(Point, [1, 2]))).toBe("Point { x: 1, y: 2 }");
    expect(show(new Struct(Empty, []))).toBe("Empty");
    expect(show(new Struct(Ok, [18]))).toBe("Result.Ok { value: 18 }");
    expect(show(new Struct(Run, [5]))).toBe("Action.run { speed: 5 }");
    expect(show(Stop.unit)).toBe("Action.stop");
  });

  test("strings inside structs are quoted, raw newline kept", () => {
    expect(show(new Struct(Ok, ["hi\n"]))).toBe('Result.Ok { value: "hi\n" }');
    expect(show(new Struct(Atom, [42]))).toBe("Atom { value: 42 }");
    expect(show(new Struct(TypeErr, ["Cannot access property 'foo' on null", "f (a.bg:3)"]))).toBe(
      `SystemError.TypeError { message: "Cannot access property 'foo' on null", location: "f (a.bg:3)" }`,
    );
  });

  test("collections inside structs, structs inside collections", () => {
    const p = new Struct(Point, [vec(1, 2), map([kw("a"), "s"])]);
    expect(show(p)).toBe('Point { x: [1, 2], y: {:a "s"} }');
    expect(show(vec(new Struct(Point, [1, "s"])))).toBe('[Point { x: 1, y: "s" }]');
  });

  test("depth cut-off: structs nested more than 5 deep print ...", () => {
    let t: Value = null;
    for (let i = 0; i < 7; i++) t = new Struct(Node, [t, i]);
    // structs at depths 0, 2, ..., 10 print; the fields of the one at depth 10 sit at 12 > 10
    expect(show(t)).toBe(
      "Node { left: Node { left: Node { left: Node { left: Node { left: Node { left: ..., right: ... }, right: 2 }, right: 3 }, right: 4 }, right: 5 }, right: 6 }",
    );
    let four: Value = null;
    for (let i = 0; i < 4; i++) four = new Struct(Node, [four, i]);
    expect(show(four)).not.toContain("...");
  });

  test("the Format protocol path restarts the count at each struct", () => {
    // a vector of deep structs: each struct is printed by the raw printer from depth 0
    let t: Value = 0;
    for (let i = 0; i < 5; i++) t = new Struct(Node, [t, i]);
    let v: Value = vec(t);
    for (let i = 0; i < 20; i++) v = vec(v);
    expect(show(v)).not.toContain("...");
  });

  test("vectors inside structs cost one level each in the raw printer", () => {
    let v: Value = 1;
    for (let i = 0; i < 12; i++) v = vec(v);
    const s = show(new Struct(Atom, [v]));
    expect(s).toBe("Atom { value: " + "[".repeat(9) + "..." + "]".repeat(9) + " }");
  });
});

describe("types and other objects", () => {
  test("type descriptors print their name; struct types their qualified name", () => {
    expect(show(new TypeDescriptor("Int"))).toBe("Int");
    expect(show(new TypeDescriptor("PersistentVector"))).toBe("PersistentVector");
    expect(show(Point)).toBe("myns/Point");
    expect(show(Result)).toBe("myns/Result");
  });

  test("objects with beaglePrint", () => {
    const f = { beaglePrint: () => "fn(myns/double)" };
    expect(show(f)).toBe("fn(myns/double)");
    expect(show(vec(f))).toBe("[fn(myns/double)]");
    expect(show(new Struct(Atom, [f]))).toBe("Atom { value: fn(myns/double) }");
  });
});

describe("custom Format hook", () => {
  const Money = new StructType("m", "Money", ["cents"]);
  const custom = (v: Value, _depth: number): string | undefined =>
    v instanceof Struct && v.type === Money ? `$${v.f[0] / 100}` : undefined;

  test("consulted for the value and for elements reached through the protocol", () => {
    const m = new Struct(Money, [1250]);
    expect(formatValue(m, 0, custom)).toBe("$12.5");
    expect(formatValue(vec(new Struct(Money, [500])), 0, custom)).toBe("[$5]");
    expect(formatValue(map([kw("p"), m]), 0, custom)).toBe("{:p $12.5}");
    expect(formatValue(PersistentSet.from([m]), 0, custom)).toBe("#{$12.5}");
  });

  test("receives the protocol depth", () => {
    const seen: number[] = [];
    formatValue(vec(vec(1), map([2, 3])), 0, (v, d) => {
      seen.push(d);
      return undefined;
    });
    expect(seen).toEqual([0, 1, 2, 1, 1, 1]);
  });

  test("a custom result for a string is used as is", () => {
    expect(formatValue(vec("x"), 0, (v) => (v === "x" ? "X!" : undefined))).toBe("[X!]");
  });

  test("ignored inside struct fields (raw printer), as upstream", () => {
    const p = new Struct(Point, [new Struct(Money, [500]), 0]);
    expect(formatValue(p, 0, custom)).toBe("Point { x: Money { cents: 500 }, y: 0 }");
    expect(rawRepr(new Struct(Money, [1]))).toBe("Money { cents: 1 }");
  });
});

describe("repr", () => {
  test('escapes \\ " \\n \\r \\t \\0, keeps non-ASCII', () => {
    expect(repr("a\nb")).toBe('"a\\nb"');
    expect(repr('q"\\\t\r\0é')).toBe('"q\\"\\\\\\t\\r\\0é"');
    expect(repr(vec("x\n", 1))).toBe('["x\\n", 1]');
    expect(repr(42)).toBe("42");
    expect(repr(mkFloat(2))).toBe("2.0");
  });
});
