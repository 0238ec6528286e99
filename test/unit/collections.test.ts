// Persistent vector / map / set: unit tests, upstream iteration order
// (reference §4), and model-based property tests (random op sequences
// against a plain array / an insertion-ordered entry list), checking that
// every earlier version is left unchanged.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { PersistentVector } from "../../vm/collections/vector.ts";
import { PersistentMap } from "../../vm/collections/map.ts";
import { PersistentSet } from "../../vm/collections/set.ts";
import { equalKeys, equal } from "../../vm/equal.ts";
import { hash64 } from "../../vm/hash.ts";
import { formatValue } from "../../vm/print.ts";
import { BeagleRuntimeError } from "../../vm/errors.ts";
import { kw, mkFloat } from "../../vm/values.ts";
import type { Value } from "../../vm/values.ts";

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => i + from);

// ---------------------------------------------------------------- vector

describe("PersistentVector", () => {
  test("empty", () => {
    const e = PersistentVector.EMPTY;
    expect(e.count).toBe(0);
    expect(e.get(0)).toBeUndefined();
    expect(e.toArray()).toEqual([]);
    expect([...e]).toEqual([]);
    expect(e.pop()).toBe(e);
    expect(PersistentVector.from([])).toBe(e);
  });

  test("push/get across the tail, one-level and multi-level trees", () => {
    let v = PersistentVector.EMPTY;
    const n = 33 * 32 * 32 + 77; // crosses shift 5 -> 10 -> 15
    for (let i = 0; i < n; i++) v = v.push(i * 2);
    expect(v.count).toBe(n);
    for (let i = 0; i < n; i += 7) expect(v.get(i)).toBe(i * 2);
    expect(v.get(n - 1)).toBe((n - 1) * 2);
    expect(v.get(n)).toBeUndefined();
    expect(v.get(-1)).toBeUndefined();
    expect(v.get(1.5)).toBeUndefined();
    expect(v.toArray()).toEqual(range(n).map((i) => i * 2));
  });

  test("from() builds the same vector as pushes, at every size boundary", () => {
    for (const n of [1, 31, 32, 33, 63, 64, 65, 1024, 1055, 1056, 1057, 2048, 32 * 32 * 32 + 32, 32 * 32 * 32 + 33]) {
      const items = range(n);
      const a = PersistentVector.from(items);
      let b = PersistentVector.EMPTY;
      for (const x of items) b = b.push(x);
      expect(a.count).toBe(n);
      expect(a.toArray()).toEqual(items);
      expect([...a]).toEqual(items);
      expect(equal(a, b)).toBe(true);
      // and keeps working after more pushes / pops
      expect(a.push(-1).get(n)).toBe(-1);
      expect(a.pop().toArray()).toEqual(items.slice(0, -1));
      expect(a.push(-1).pop().toArray()).toEqual(items);
    }
  });

  test("from() copies its input", () => {
    const arr = [1, 2, 3];
    const v = PersistentVector.from(arr);
    arr[0] = 99;
    expect(v.get(0)).toBe(1);
  });

  test("assoc, append through assoc, out of range is an IndexError", () => {
    const v = PersistentVector.from(range(100));
    const w = v.assoc(5, "x").assoc(99, "y").assoc(100, "z");
    expect(w.get(5)).toBe("x");
    expect(w.get(99)).toBe("y");
    expect(w.get(100)).toBe("z");
    expect(w.count).toBe(101);
    expect(v.get(5)).toBe(5);
    expect(v.count).toBe(100);
    expect(() => v.assoc(101, 0)).toThrow(BeagleRuntimeError);
    expect(() => v.assoc(-1, 0)).toThrow(BeagleRuntimeError);
  });

  test("pop shrinks the tree back", () => {
    let v = PersistentVector.from(range(2000));
    for (let i = 1999; i >= 0; i--) {
      expect(v.get(i)).toBe(i);
      v = v.pop();
      expect(v.count).toBe(i);
    }
    expect(v).toBe(PersistentVector.EMPTY);
  });

  test("slice", () => {
    const v = PersistentVector.from(range(100));
    expect(v.slice(10, 20).toArray()).toEqual(range(10, 10));
    expect(v.slice(0, 100)).toBe(v);
    expect(v.slice(50, 10).count).toBe(0);
    expect(v.slice(-5, 3).toArray()).toEqual([0, 1, 2]);
    expect(v.slice(95, 500).toArray()).toEqual([95, 96, 97, 98, 99]);
  });

  test("shared tails: diverging pushes from one vector do not see each other", () => {
    const base = PersistentVector.from([1, 2, 3]);
    const a = base.push("a");
    const b = base.push("b");
    const a2 = a.push("a2");
    const base2 = base.pop().push("c");
    expect(base.toArray()).toEqual([1, 2, 3]);
    expect(a.toArray()).toEqual([1, 2, 3, "a"]);
    expect(b.toArray()).toEqual([1, 2, 3, "b"]);
    expect(a2.toArray()).toEqual([1, 2, 3, "a", "a2"]);
    expect(base2.toArray()).toEqual([1, 2, "c"]);
    expect(PersistentVector.EMPTY.push(1).toArray()).toEqual([1]);
    expect(PersistentVector.EMPTY.push(2).toArray()).toEqual([2]);
  });

  test("null and undefined-looking elements are stored", () => {
    const v = PersistentVector.from([null, false, 0]);
    expect(v.get(0)).toBeNull();
    expect(v.count).toBe(3);
  });

  type Op =
    | { t: "push"; x: number }
    | { t: "pushMany"; n: number }
    | { t: "pop" }
    | { t: "assoc"; i: number; x: number }
    | { t: "slice"; a: number; b: number }
    | { t: "back"; k: number };
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    { weight: 5, arbitrary: fc.integer().map((x) => ({ t: "push" as const, x })) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 1200 }).map((n) => ({ t: "pushMany" as const, n })) },
    { weight: 3, arbitrary: fc.constant({ t: "pop" as const }) },
    { weight: 2, arbitrary: fc.tuple(fc.nat(), fc.integer()).map(([i, x]) => ({ t: "assoc" as const, i, x })) },
    { weight: 1, arbitrary: fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => ({ t: "slice" as const, a, b })) },
    { weight: 2, arbitrary: fc.nat().map((k) => ({ t: "back" as const, k })) },
  );

  test("property: random op sequences agree with an array model; old versions unchanged", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const history: [PersistentVector, Value[]][] = [[PersistentVector.EMPTY, []]];
        let v = PersistentVector.EMPTY;
        let m: Value[] = [];
        let seq = 0;
        for (const op of ops) {
          switch (op.t) {
            case "push":
              v = v.push(op.x);
              m = [...m, op.x];
              break;
            case "pushMany":
              for (let i = 0; i < op.n; i++) v = v.push(seq + i);
              m = [...m, ...range(op.n, seq)];
              seq += op.n;
              break;
            case "pop":
              v = v.pop();
              m = m.slice(0, -1);
              break;
            case "assoc": {
              const i = m.length === 0 ? 0 : op.i % (m.length + 1);
              v = v.assoc(i, op.x);
              m = [...m];
              m[i] = op.x;
              break;
            }
            case "slice": {
              const a = m.length === 0 ? 0 : op.a % (m.length + 1);
              const b = m.length === 0 ? 0 : op.b % (m.length + 1);
              v = v.slice(a, b);
              m = m.slice(a, Math.max(a, b));
              break;
            }
            case "back": {
              // continue from an older version (exercises shared tails)
              const [ov, om] = history[op.k % history.length]!;
              v = ov;
              m = om;
              break;
            }
          }
          expect(v.count).toBe(m.length);
          if (m.length > 0) {
            expect(v.get(m.length - 1)).toBe(m[m.length - 1]);
            expect(v.get(0)).toBe(m[0]);
          }
          history.push([v, m]);
        }
        for (const [hv, hm] of history) {
          expect(hv.count).toBe(hm.length);
          expect(hv.toArray()).toEqual(hm);
          expect([...hv]).toEqual(hm);
          for (let i = 0; i < hm.length; i += 13) expect(hv.get(i)).toBe(hm[i]);
        }
      }),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------- map / set order

const show = (x: Value) => formatValue(x, 0);
const mapOf = (keys: Value[]) => PersistentMap.from(keys.map((k, i) => [k, i + 1]));
const keysOf = (keys: Value[]) => [...mapOf(keys).keys()];

describe("map and set iteration order = upstream (reference §4)", () => {
  test("strings", () => {
    expect(show(mapOf(["a", "b", "c", "d"]))).toBe('{"b" 2, "c" 3, "a" 1, "d" 4}');
    expect(keysOf(["a", "c", "e", "d"])).toEqual(["c", "e", "a", "d"]);
    expect(keysOf(["name", "age"])).toEqual(["name", "age"]);
    expect(keysOf(["banana", "apple", "apricot"])).toEqual(["banana", "apple", "apricot"]);
    expect(keysOf(["x", "y"])).toEqual(["x", "y"]);
    expect(keysOf(["a", "b", "c"])).toEqual(["b", "c", "a"]);
    expect(keysOf(["x", "y", "z"])).toEqual(["x", "y", "z"]);
  });

  test("ints", () => {
    expect(keysOf([1, 2, 3])).toEqual([2, 1, 3]);
    expect(keysOf([0, 1])).toEqual([0, 1]);
    expect(keysOf(range(10))).toEqual([5, 8, 2, 0, 1, 4, 9, 3, 7, 6]);
    expect(keysOf([1, 2, 3, 4, 5])).toEqual([5, 2, 1, 4, 3]);
    // group-by output from upstream's tests
    const g = PersistentMap.from([
      [0, PersistentVector.from([2, 4, 6])],
      [1, PersistentVector.from([1, 3, 5])],
    ]);
    expect(show(g)).toBe("{0 [2, 4, 6], 1 [1, 3, 5]}");
  });

  test("keywords", () => {
    const k = (...names: string[]) => names.map((n) => kw(n));
    const names = (ks: Value[]) => ks.map((x) => x.name);
    expect(names(keysOf(k("a", "b")))).toEqual(["b", "a"]);
    expect(names(keysOf(k("increment", "decrement")))).toEqual(["increment", "decrement"]);
    expect(names(keysOf(k("a", "b", "c")))).toEqual(["b", "a", "c"]);
    expect(names(keysOf(k("a", "b", "c", "d")))).toEqual(["d", "b", "a", "c"]);
    expect(names(keysOf(k("name", "age", "city")))).toEqual(["age", "name", "city"]);
    expect(names(keysOf(k("x", "y", "z")))).toEqual(["x", "y", "z"]);
  });

  test("order does not depend on insertion order", () => {
    const keys = range(500).map((i) => (i % 2 ? i : `s${i}`));
    const a = [...mapOf(keys).keys()];
    const b = [...mapOf([...keys].reverse()).keys()];
    expect(a).toEqual(b);
  });

  test("sets use the same order", () => {
    expect([...PersistentSet.from(range(10))]).toEqual([5, 8, 2, 0, 1, 4, 9, 3, 7, 6]);
    expect(show(PersistentSet.from([42]))).toBe("#{42}");
  });
});

// ---------------------------------------------------------------- map

/** A key with a chosen 64-bit hash, equal by id: forces collisions and deep paths. */
class K {
  constructor(
    readonly id: number,
    readonly h: bigint,
  ) {}
  beagleHash(): bigint {
    return this.h;
  }
  beagleEquals(o: Value): boolean {
    return o instanceof K && o.id === this.id && o.h === this.h;
  }
}

function digitKey(h: bigint): number[] {
  const ds: number[] = [];
  for (let s = 0n; s <= 60n; s += 5n) ds.push(Number((h >> s) & 31n));
  return ds;
}

function cmpDigits(a: bigint, b: bigint): number {
  const x = digitKey(a),
    y = digitKey(b);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
}

/** Expected iteration order: by hash digits (LSB first), ties in insertion order. */
function modelOrder(entries: [Value, Value][]): [Value, Value][] {
  return entries
    .map((e, i) => ({ e, i, h: hash64(e[0]) }))
    .sort((a, b) => cmpDigits(a.h, b.h) || a.i - b.i)
    .map((x) => x.e);
}

describe("PersistentMap", () => {
  test("empty", () => {
    const e = PersistentMap.EMPTY;
    expect(e.count).toBe(0);
    expect(e.get("x")).toBeUndefined();
    expect(e.get("x", null)).toBeNull();
    expect(e.has("x")).toBe(false);
    expect(e.dissoc("x")).toBe(e);
    expect([...e]).toEqual([]);
    expect(PersistentMap.from([])).toBe(e);
  });

  test("null keys and null values", () => {
    const m = PersistentMap.EMPTY.assoc(null, 1).assoc("a", null);
    expect(m.count).toBe(2);
    expect(m.get(null)).toBe(1);
    expect(m.has("a")).toBe(true);
    expect(m.get("a", 7)).toBeNull();
    expect(m.dissoc(null).has(null)).toBe(false);
  });

  test("Int 2 and Float 2.0 are different keys; 0.0 and -0.0 too; NaN finds itself", () => {
    const m = PersistentMap.EMPTY.assoc(2, "int").assoc(mkFloat(2), "float");
    expect(m.count).toBe(2);
    expect(m.get(2)).toBe("int");
    expect(m.get(mkFloat(2))).toBe("float");
    const z = PersistentMap.EMPTY.assoc(mkFloat(0), "+").assoc(mkFloat(-0), "-");
    expect(z.count).toBe(2);
    expect(PersistentMap.EMPTY.assoc(NaN, 1).get(NaN)).toBe(1);
  });

  test("assoc with the same value returns the same map; update keeps count", () => {
    const m = mapOf(["a", "b"]);
    expect(m.assoc("a", 1)).toBe(m);
    const m2 = m.assoc("a", 10);
    expect(m2.count).toBe(2);
    expect(m2.get("a")).toBe(10);
    expect(m.get("a")).toBe(1);
  });

  test("structural keys: vectors, maps, structs by value", () => {
    const m = PersistentMap.EMPTY.assoc(PersistentVector.from([1, 2]), "v").assoc(mapOf(["a"]), "m");
    expect(m.get(PersistentVector.from([1, 2]))).toBe("v");
    expect(m.get(mapOf(["a"]))).toBe("m");
    expect(m.get(PersistentVector.from([1, mkFloat(2)]))).toBeUndefined();
  });

  test("many int and string keys, then remove all", () => {
    const n = 20000;
    let m = PersistentMap.EMPTY;
    for (let i = 0; i < n; i++) m = m.assoc(i, i * 3);
    for (let i = 0; i < n; i++) m = m.assoc(`k${i}`, i);
    expect(m.count).toBe(2 * n);
    for (let i = 0; i < n; i += 17) {
      expect(m.get(i)).toBe(i * 3);
      expect(m.get(`k${i}`)).toBe(i);
    }
    expect(m.get(n)).toBeUndefined();
    const full = m;
    for (let i = 0; i < n; i++) m = m.dissoc(i).dissoc(`k${i}`);
    expect(m.count).toBe(0);
    expect(m).toBe(PersistentMap.EMPTY);
    expect(full.count).toBe(2 * n);
    expect(full.get(123)).toBe(369);
  });

  test("full 64-bit hash collisions keep insertion order; removal and re-adding", () => {
    const a = new K(1, 42n),
      b = new K(2, 42n),
      c = new K(3, 42n);
    const d = new K(4, 42n | (1n << 63n)); // same first 12 digits, differs in the last
    const e = new K(5, 42n + 32n); // shares only digit 0
    let m = PersistentMap.from([
      [c, 3],
      [a, 1],
      [d, 4],
      [b, 2],
      [e, 5],
    ]);
    expect(m.count).toBe(5);
    expect([...m.keys()].map((k) => k.id)).toEqual([3, 1, 2, 4, 5]);
    expect(m.get(new K(2, 42n))).toBe(2);
    expect(m.get(new K(9, 42n))).toBeUndefined();
    m = m.dissoc(new K(1, 42n));
    expect([...m.keys()].map((k) => k.id)).toEqual([3, 2, 4, 5]);
    m = m.assoc(a, 11);
    expect([...m.keys()].map((k) => k.id)).toEqual([3, 2, 1, 4, 5]);
    m = m.dissoc(c).dissoc(b);
    expect([...m.keys()].map((k) => k.id)).toEqual([1, 4, 5]);
    expect(m.get(a)).toBe(11);
    m = m.dissoc(a).dissoc(d).dissoc(e);
    expect(m.count).toBe(0);
  });

  test("transient inserts next to children (every shift case of the in-place insert)", () => {
    // root digits (hash & 31): 0 and 9 inline; 5 holds a child (two keys); then insert at 3, 7, 12, 31
    const mk = (id: number, d: number, deeper = 0) => new K(id, BigInt(d) | (BigInt(deeper) << 5n));
    const base: [Value, Value][] = [
      [mk(1, 0), 1],
      [mk(2, 5, 1), 2],
      [mk(3, 5, 2), 3],
    ];
    for (const extra of [[3], [7], [12], [31], [3, 7, 12, 31], [31, 12, 7, 3], [9, 3]]) {
      const entries = [...base, ...extra.map((d, i): [Value, Value] => [mk(100 + i, d), 100 + i])];
      const t = PersistentMap.from(entries);
      let p = PersistentMap.EMPTY;
      for (const [k, v] of entries) p = p.assoc(k, v);
      expect([...t.entries()]).toEqual([...p.entries()]);
      expect([...t.entries()]).toEqual(modelOrder(entries));
      for (const [k, v] of entries) expect(t.get(k)).toBe(v);
    }
  });

  test("entries / keys / vals / forEach agree", () => {
    const m = mapOf(range(300).map((i) => `k${i}`));
    const es = [...m.entries()];
    expect(es.map(([k]) => k)).toEqual([...m.keys()]);
    expect(es.map(([, v]) => v)).toEqual([...m.vals()]);
    const fe: [Value, Value][] = [];
    m.forEach((v, k) => {
      fe.push([k, v]);
    });
    expect(fe).toEqual(es);
    expect([...m]).toEqual(es);
  });

  test("transient builder", () => {
    const base = mapOf(["a", "b"]);
    const t = base.asTransient();
    for (let i = 0; i < 100; i++) t.assoc(i, i);
    t.dissoc("a").dissoc(5);
    const m = t.persistent();
    expect(m.count).toBe(100);
    expect(base.count).toBe(2);
    expect(base.get("a")).toBe(1);
    expect(m.has("a")).toBe(false);
    expect(() => t.assoc(1, 1)).toThrow();
    // a second transient from the result does not disturb it
    const t2 = m.asTransient();
    t2.assoc(1, "changed");
    t2.persistent();
    expect(m.get(1)).toBe(1);
  });

  const keyArb: fc.Arbitrary<Value> = fc.oneof(
    fc.integer({ min: -40, max: 40 }),
    fc.constantFrom("a", "b", "c", "name", "é", "😊", ""),
    fc.constantFrom("a", "b", "name").map((s) => kw(s)),
    fc.constantFrom(2, 2.5, 0, -0).map((x) => mkFloat(x)),
    fc.constantFrom(null, true, false),
    // colliding / deep-path keys
    fc
      .tuple(fc.integer({ min: 1, max: 6 }), fc.constantFrom(0n, 1n, 32n, 1024n + 1n, 1n << 60n, (1n << 64n) - 1n))
      .map(([id, h]) => new K(id, h)),
  );
  type MOp = { t: "assoc"; k: Value; v: number } | { t: "dissoc"; k: Value } | { t: "back"; i: number };
  const mopArb: fc.Arbitrary<MOp> = fc.oneof(
    { weight: 6, arbitrary: fc.tuple(keyArb, fc.integer()).map(([k, v]) => ({ t: "assoc" as const, k, v })) },
    { weight: 3, arbitrary: keyArb.map((k) => ({ t: "dissoc" as const, k })) },
    { weight: 1, arbitrary: fc.nat().map((i) => ({ t: "back" as const, i })) },
  );

  function modelAssoc(m: [Value, Value][], k: Value, v: Value): [Value, Value][] {
    const i = m.findIndex(([x]) => equalKeys(x, k));
    if (i < 0) return [...m, [k, v]];
    const r = [...m];
    r[i] = [m[i]![0], v];
    return r;
  }

  test("property: random assoc/dissoc sequences agree with an entry-list model (contents and order)", () => {
    fc.assert(
      fc.property(fc.array(mopArb, { maxLength: 80 }), fc.boolean(), (ops, transient) => {
        const history: [PersistentMap, [Value, Value][]][] = [[PersistentMap.EMPTY, []]];
        let m = PersistentMap.EMPTY;
        let model: [Value, Value][] = [];
        for (const op of ops) {
          if (op.t === "assoc") {
            m = m.assoc(op.k, op.v);
            model = modelAssoc(model, op.k, op.v);
          } else if (op.t === "dissoc") {
            m = m.dissoc(op.k);
            model = model.filter(([x]) => !equalKeys(x, op.k));
          } else {
            [m, model] = history[op.i % history.length]!;
          }
          expect(m.count).toBe(model.length);
          if (op.t !== "back") {
            expect(m.has(op.k)).toBe(op.t === "assoc");
            if (op.t === "assoc") expect(m.get(op.k)).toBe(op.v);
          }
          history.push([m, model]);
        }
        for (const [hm, hmodel] of history) {
          expect(hm.count).toBe(hmodel.length);
          const expected = modelOrder(hmodel);
          expect([...hm.entries()]).toEqual(expected);
          for (const [k, v] of hmodel) expect(hm.get(k)).toBe(v);
        }
        // building the final contents in one go (transient) gives an equal map
        const rebuilt = transient
          ? PersistentMap.from(model)
          : model.reduce((acc, [k, v]) => acc.assoc(k, v), PersistentMap.EMPTY);
        expect([...rebuilt.entries()]).toEqual(modelOrder(model));
        expect(equal(rebuilt, m)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });
});

// ---------------------------------------------------------------- set

describe("PersistentSet", () => {
  test("basics", () => {
    const s = PersistentSet.from([1, 2, 2, 3, "a", null]);
    expect(s.count).toBe(5);
    expect(s.has(2)).toBe(true);
    expect(s.has(mkFloat(2))).toBe(false);
    expect(s.has(null)).toBe(true);
    expect(s.add(2)).toBe(s);
    expect(s.remove(99)).toBe(s);
    expect(s.remove(1).count).toBe(4);
    expect(s.has(1)).toBe(true);
    expect(PersistentSet.from([])).toBe(PersistentSet.EMPTY);
    expect(PersistentSet.EMPTY.add(1).remove(1)).toBe(PersistentSet.EMPTY);
  });

  type SOp = { t: "add" | "remove"; x: Value };
  const elArb: fc.Arbitrary<Value> = fc.oneof(
    fc.integer({ min: 0, max: 60 }),
    fc.constantFrom("x", "y", "z"),
    fc.constantFrom(mkFloat(1), 1.5),
  );
  test("property: random add/remove agree with a JS Set model", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ t: fc.constantFrom("add" as const, "remove" as const), x: elArb }), { maxLength: 80 }),
        (ops: SOp[]) => {
          let s = PersistentSet.EMPTY;
          const model = new Map<string, Value>();
          const key = (x: Value) => (typeof x === "object" && x !== null ? `f${x.v}` : typeof x + String(x));
          for (const op of ops) {
            if (op.t === "add") {
              s = s.add(op.x);
              if (!model.has(key(op.x))) model.set(key(op.x), op.x);
            } else {
              s = s.remove(op.x);
              model.delete(key(op.x));
            }
            expect(s.count).toBe(model.size);
            expect(s.has(op.x)).toBe(op.t === "add");
          }
          const members = [...s];
          expect(s.toArray()).toEqual(members);
          expect(members.length).toBe(model.size);
          for (const x of model.values()) expect(s.has(x)).toBe(true);
          expect(members).toEqual(modelOrder([...model.values()].map((x) => [x, true])).map(([x]) => x));
        },
      ),
      { numRuns: 300 },
    );
  });
});
