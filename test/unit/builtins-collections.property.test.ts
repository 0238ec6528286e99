// Property test: the collection builtins the prelude is built on agree with a
// plain-array / Map model for random sequences of operations.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { Keyword, type Value } from "../../vm/values.ts";
import { PersistentVector } from "../../vm/collections/vector.ts";
import { PersistentMap } from "../../vm/collections/map.ts";
import { PersistentSet } from "../../vm/collections/set.ts";
import { B, bindTestCoreTypes } from "./builtins-helpers.ts";

bindTestCoreTypes();

// Keys/elements: small ints, short strings and keywords (collisions likely).
const scalar: fc.Arbitrary<Value> = fc.oneof(
  fc.integer({ min: -5, max: 20 }),
  fc.constantFrom("a", "b", "c", "", "é"),
  fc.constantFrom("x", "y", "z").map((s) => Keyword.of(s)),
);
const canon = (v: Value): string =>
  v instanceof Keyword ? `k:${v.name}` : typeof v === "string" ? `s:${v}` : `i:${String(v)}`;

const arr = (v: Value): Value[] => (v as PersistentVector).toArray();

type VecOp =
  | { op: "push"; x: Value }
  | { op: "assoc"; i: number; x: Value }
  | { op: "pop" }
  | { op: "take"; n: number }
  | { op: "drop"; n: number }
  | { op: "slice"; s: number; e: number }
  | { op: "reverse" }
  | { op: "concat"; xs: Value[] }
  | { op: "remove-at"; i: number }
  | { op: "distinct" }
  | { op: "dedupe" };

const vecOp: fc.Arbitrary<VecOp> = fc.oneof(
  { weight: 5, arbitrary: scalar.map((x) => ({ op: "push" as const, x })) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("assoc" as const), i: fc.nat(40), x: scalar }) },
  fc.constant({ op: "pop" as const }),
  fc.record({ op: fc.constant("take" as const), n: fc.integer({ min: -2, max: 40 }) }),
  fc.record({ op: fc.constant("drop" as const), n: fc.integer({ min: -2, max: 40 }) }),
  fc.record({
    op: fc.constant("slice" as const),
    s: fc.integer({ min: -3, max: 40 }),
    e: fc.integer({ min: -3, max: 40 }),
  }),
  fc.constant({ op: "reverse" as const }),
  fc.record({ op: fc.constant("concat" as const), xs: fc.array(scalar, { maxLength: 40 }) }),
  fc.record({ op: fc.constant("remove-at" as const), i: fc.integer({ min: -1, max: 40 }) }),
  fc.constant({ op: "distinct" as const }),
  fc.constant({ op: "dedupe" as const }),
);

function applyVec(v: Value, m: Value[], o: VecOp): [Value, Value[]] {
  switch (o.op) {
    case "push":
      return [B["__vec-push"]!(v, o.x), [...m, o.x]];
    case "assoc": {
      if (o.i > m.length) return [v, m]; // out of range is an IndexError, checked separately
      const n = m.slice();
      n[o.i] = o.x;
      return [B["__vec-assoc"]!(v, o.i, o.x), n];
    }
    case "pop":
      return [B["__vec-pop"]!(v), m.slice(0, Math.max(0, m.length - 1))];
    case "take":
      return [B["__take"]!(o.n, v), m.slice(0, Math.max(0, o.n))];
    case "drop":
      return [B["__drop"]!(o.n, v), m.slice(Math.max(0, o.n))];
    case "slice": {
      const s = Math.max(0, Math.min(o.s, m.length));
      const e = Math.max(s, Math.min(o.e, m.length));
      return [B["__slice"]!(v, o.s, o.e), m.slice(s, e)];
    }
    case "reverse":
      return [B["__reverse"]!(v), m.slice().reverse()];
    case "concat":
      return [B["__concat"]!(v, PersistentVector.from(o.xs)), [...m, ...o.xs]];
    case "remove-at":
      return [B["__remove-at"]!(v, o.i), o.i >= 0 && o.i < m.length ? m.filter((_, j) => j !== o.i) : m];
    case "distinct": {
      const seen = new Set<string>();
      return [
        B["__distinct"]!(v),
        m.filter((x) => {
          if (seen.has(canon(x))) return false;
          seen.add(canon(x));
          return true;
        }),
      ];
    }
    case "dedupe":
      return [B["__dedupe"]!(v), m.filter((x, j) => j === 0 || canon(m[j - 1]) !== canon(x))];
  }
}

describe("vector builtins agree with an array model", () => {
  test("random operation sequences", () => {
    fc.assert(
      fc.property(fc.array(vecOp, { maxLength: 60 }), (ops) => {
        let v: Value = PersistentVector.EMPTY;
        let m: Value[] = [];
        for (const o of ops) {
          [v, m] = applyVec(v, m, o);
          expect(B["__vec-count"]!(v)).toBe(m.length);
          expect(arr(v)).toEqual(m);
        }
        for (let i = -1; i <= m.length; i++) {
          expect(B["__vec-get"]!(v, i)).toBe(i >= 0 && i < m.length ? m[i] : null);
          expect(B["__vec-has-index?"]!(v, i)).toBe(i >= 0 && i < m.length);
        }
        expect(B["__vec-get"]!(v, "0")).toBe(null);
        const freq = B["__frequencies"]!(v) as PersistentMap;
        const model = new Map<string, number>();
        for (const x of m) model.set(canon(x), (model.get(canon(x)) ?? 0) + 1);
        expect(freq.count).toBe(model.size);
        for (const [k, n] of freq.entries()) expect(model.get(canon(k))).toBe(n);
        expect(B["__includes?"]!(v, 999)).toBe(false);
        if (m.length > 0) expect(B["__includes?"]!(v, m[m.length - 1])).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  test("partition, interpose, zip and enumerate", () => {
    fc.assert(
      fc.property(
        fc.array(scalar, { maxLength: 30 }),
        fc.array(scalar, { maxLength: 30 }),
        fc.integer({ min: 1, max: 7 }),
        (xs, ys, n) => {
          const v = PersistentVector.from(xs);
          const w = PersistentVector.from(ys);
          const parts = arr(B["__partition"]!(n, v)).map(arr);
          expect(parts.flat()).toEqual(xs);
          expect(parts.every((p, i) => (i < parts.length - 1 ? p.length === n : p.length >= 1 && p.length <= n))).toBe(
            true,
          );
          const inter = arr(B["__interpose"]!(0, v));
          expect(inter.length).toBe(Math.max(0, 2 * xs.length - 1));
          const zipped = arr(B["__zip"]!(v, w)).map(arr);
          expect(zipped).toEqual(xs.slice(0, Math.min(xs.length, ys.length)).map((x, i) => [x, ys[i]]));
          expect(arr(B["__interleave"]!(v, w))).toEqual(zipped.flat());
          expect(arr(B["__enumerate"]!(v)).map(arr)).toEqual(xs.map((x, i) => [i, x]));
        },
      ),
      { numRuns: 200 },
    );
  });
});

type MapOp = { op: "assoc"; k: Value; v: Value } | { op: "dissoc"; k: Value } | { op: "merge"; kvs: [Value, Value][] };

const mapOp: fc.Arbitrary<MapOp> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ op: fc.constant("assoc" as const), k: scalar, v: fc.oneof(scalar, fc.constant(null)) }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("dissoc" as const), k: scalar }) },
  fc.record({ op: fc.constant("merge" as const), kvs: fc.array(fc.tuple(scalar, scalar), { maxLength: 8 }) }),
);

describe("map builtins agree with a Map model", () => {
  test("random operation sequences", () => {
    fc.assert(
      fc.property(fc.array(mapOp, { maxLength: 60 }), fc.array(scalar, { maxLength: 10 }), (ops, probes) => {
        let m: Value = PersistentMap.EMPTY;
        const model = new Map<string, [Value, Value]>();
        for (const o of ops) {
          if (o.op === "assoc") {
            m = B["__map-assoc"]!(m, o.k, o.v);
            model.set(canon(o.k), [o.k, o.v]);
          } else if (o.op === "dissoc") {
            m = B["__map-dissoc"]!(m, o.k);
            model.delete(canon(o.k));
          } else {
            m = B["__map-merge"]!(m, PersistentMap.from(o.kvs));
            for (const [k, v] of o.kvs) model.set(canon(k), [k, v]);
          }
          expect(B["__map-count"]!(m)).toBe(model.size);
        }
        for (const p of probes) {
          const e = model.get(canon(p));
          expect(B["__map-has?"]!(m, p)).toBe(e !== undefined);
          expect(B["__map-get"]!(m, p)).toBe(e ? e[1] : null);
          expect(B["__map-get-or"]!(m, p, "dflt")).toBe(e ? e[1] : "dflt");
          const found = B["find-entry"]!(m, p);
          expect(found === null ? null : arr(found)).toEqual(e ? [e[0], e[1]] : null);
        }
        const keys = arr(B["__map-keys"]!(m)).map(canon).sort();
        expect(keys).toEqual([...model.keys()].sort());
        const entries = arr(B["__map-entries"]!(m)).map(arr);
        expect(entries.length).toBe(model.size);
        for (const [k, v] of entries) expect(model.get(canon(k))![1]).toBe(v);
        expect(arr(B["__map-vals"]!(m))).toEqual(entries.map((e) => e[1]));
        const sel = B["select-keys"]!(m, PersistentVector.from(probes)) as PersistentMap;
        expect(sel.count).toBe(new Set(probes.map(canon).filter((k) => model.has(k))).size);
      }),
      { numRuns: 300 },
    );
  });
});

describe("set builtins agree with a Set model", () => {
  test("algebra and membership", () => {
    fc.assert(
      fc.property(
        fc.array(scalar, { maxLength: 30 }),
        fc.array(scalar, { maxLength: 30 }),
        fc.array(scalar, { maxLength: 10 }),
        (xs, ys, rm) => {
          let a: Value = B["__into-set"]!(PersistentVector.from(xs));
          for (const r of rm) a = B["set-remove"]!(a, r);
          const b: Value = PersistentSet.from(ys);
          const ma = new Set(xs.map(canon).filter((k) => !rm.map(canon).includes(k)));
          const mb = new Set(ys.map(canon));
          const asModel = (s: Value) => new Set(arr(B["__set-elements"]!(s)).map(canon));
          expect(B["__set-count"]!(a)).toBe(ma.size);
          expect(asModel(a)).toEqual(ma);
          expect(asModel(B["set-union"]!(a, b))).toEqual(new Set([...ma, ...mb]));
          expect(asModel(B["set-intersection"]!(a, b))).toEqual(new Set([...ma].filter((k) => mb.has(k))));
          expect(asModel(B["set-difference"]!(a, b))).toEqual(new Set([...ma].filter((k) => !mb.has(k))));
          expect(B["set-subset?"]!(a, b)).toBe([...ma].every((k) => mb.has(k)));
          for (const y of ys) expect(B["set-contains?"]!(a, y)).toBe(ma.has(canon(y)));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("sorting", () => {
  test("__sort and __sort-by-keys are stable ascending sorts", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.string({ maxLength: 3 })), { maxLength: 40 }),
        (pairs) => {
          const v = PersistentVector.from(pairs.map(([k, s]) => PersistentVector.from([k, s])));
          const keys = PersistentVector.from(pairs.map(([k]) => k));
          const sorted = arr(B["__sort-by-keys"]!(v, keys)).map(arr);
          const model = pairs
            .map((p, i) => [p, i] as const)
            .sort((a, b) => a[0][0] - b[0][0] || a[1] - b[1])
            .map(([p]) => [p[0], p[1]]);
          expect(sorted).toEqual(model);
          const ints = arr(B["__sort"]!(keys));
          expect(ints).toEqual(pairs.map(([k]) => k).sort((a, b) => a - b));
        },
      ),
      { numRuns: 200 },
    );
  });

  test("__sort declines values that need the Comparable protocol", () => {
    expect(B["__sort"]!(PersistentVector.from([1, PersistentVector.from([2])]))).toBe(null);
  });
});
