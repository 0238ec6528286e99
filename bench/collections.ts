// The VM's hot data structures against JS's own, measured in the same run:
//   PersistentVector vs Array, PersistentMap vs Map (Int and String keys),
//   the Beagle hash of Ints / strings / keywords, equal, and printing.
// The JS baselines are mutable and unordered, so they bound what is possible;
// the ratios are what to watch.
//
//   bun bench/collections.ts
import { bench, do_not_optimize, group, run, summary } from "mitata";
import { PersistentVector } from "../vm/collections/vector.ts";
import { PersistentMap } from "../vm/collections/map.ts";
import { PersistentSet } from "../vm/collections/set.ts";
import { hashValue } from "../vm/hash.ts";
import { equal } from "../vm/equal.ts";
import { formatValue } from "../vm/print.ts";
import { kw } from "../vm/values.ts";

const N = 10_000;
const ints = Array.from({ length: N }, (_, i) => i);
const strs = ints.map((i) => `key-${i}`);
const kws = ints.slice(0, 100).map((i) => kw(`kw${i}`));

const vecN = PersistentVector.from(ints);
const arrN = ints.slice();
const mapInt = PersistentMap.from(ints.map((i) => [i, i]));
const jsMapInt = new Map(ints.map((i) => [i, i]));
const mapStr = PersistentMap.from(strs.map((s, i) => [s, i]));
const jsMapStr = new Map(strs.map((s, i) => [s, i]));

group(`vector: ${N} pushes`, () => {
  summary(() => {
    bench("PersistentVector.push", () => {
      let v = PersistentVector.EMPTY;
      for (let i = 0; i < N; i++) v = v.push(i);
      do_not_optimize(v);
    });
    bench("Array.push (mutable)", () => {
      const a: number[] = [];
      for (let i = 0; i < N; i++) a.push(i);
      do_not_optimize(a);
    });
    bench("PersistentVector.from", () => do_not_optimize(PersistentVector.from(ints)));
  });
});

group(`vector: ${N} gets`, () => {
  summary(() => {
    bench("PersistentVector.get", () => {
      let s = 0;
      for (let i = 0; i < N; i++) s += vecN.get(i);
      do_not_optimize(s);
    });
    bench("Array index", () => {
      let s = 0;
      for (let i = 0; i < N; i++) s += arrN[i]!;
      do_not_optimize(s);
    });
    bench("PersistentVector iterate (for-of)", () => {
      let s = 0;
      for (const x of vecN) s += x;
      do_not_optimize(s);
    });
  });
});

group("vector: 1000 assoc on a 10k vector", () => {
  summary(() => {
    bench("PersistentVector.assoc", () => {
      let v = vecN;
      for (let i = 0; i < 1000; i++) v = v.assoc((i * 7919) % N, i);
      do_not_optimize(v);
    });
    bench("Array copy-on-write (slice + set)", () => {
      let a = arrN;
      for (let i = 0; i < 1000; i++) {
        a = a.slice();
        a[(i * 7919) % N] = i;
      }
      do_not_optimize(a);
    });
  });
});

group(`map: ${N} Int assoc`, () => {
  summary(() => {
    bench("PersistentMap.assoc", () => {
      let m = PersistentMap.EMPTY;
      for (let i = 0; i < N; i++) m = m.assoc(i, i);
      do_not_optimize(m);
    });
    bench("PersistentMap.from (transient)", () => do_not_optimize(PersistentMap.from(ints.map((i) => [i, i]))));
    bench("Map.set (mutable)", () => {
      const m = new Map<number, number>();
      for (let i = 0; i < N; i++) m.set(i, i);
      do_not_optimize(m);
    });
  });
});

group(`map: ${N} Int get`, () => {
  summary(() => {
    bench("PersistentMap.get", () => {
      let s = 0;
      for (let i = 0; i < N; i++) s += mapInt.get(i);
      do_not_optimize(s);
    });
    bench("Map.get", () => {
      let s = 0;
      for (let i = 0; i < N; i++) s += jsMapInt.get(i)!;
      do_not_optimize(s);
    });
  });
});

group(`map: ${N} String assoc`, () => {
  summary(() => {
    bench("PersistentMap.assoc", () => {
      let m = PersistentMap.EMPTY;
      for (let i = 0; i < N; i++) m = m.assoc(strs[i], i);
      do_not_optimize(m);
    });
    bench("Map.set (mutable)", () => {
      const m = new Map<string, number>();
      for (let i = 0; i < N; i++) m.set(strs[i]!, i);
      do_not_optimize(m);
    });
  });
});

group(`map: ${N} String get`, () => {
  summary(() => {
    bench("PersistentMap.get", () => {
      let s = 0;
      for (let i = 0; i < N; i++) s += mapStr.get(strs[i]);
      do_not_optimize(s);
    });
    bench("Map.get", () => {
      let s = 0;
      for (let i = 0; i < N; i++) s += jsMapStr.get(strs[i]!)!;
      do_not_optimize(s);
    });
  });
});

group(`map: iterate ${N} entries`, () => {
  summary(() => {
    bench("PersistentMap.forEach", () => {
      let s = 0;
      mapInt.forEach((v) => {
        s += v;
      });
      do_not_optimize(s);
    });
    bench("PersistentMap for-of entries", () => {
      let s = 0;
      for (const [, v] of mapInt) s += v;
      do_not_optimize(s);
    });
    bench("Map for-of", () => {
      let s = 0;
      for (const [, v] of jsMapInt) s += v;
      do_not_optimize(s);
    });
  });
});

group("hash: 1000 values", () => {
  summary(() => {
    bench("Int", () => {
      let s = 0;
      for (let i = 0; i < 1000; i++) s ^= hashValue(i);
      do_not_optimize(s);
    });
    bench("String (8-10 chars)", () => {
      let s = 0;
      for (let i = 0; i < 1000; i++) s ^= hashValue(strs[i]);
      do_not_optimize(s);
    });
    bench("Keyword (cached)", () => {
      let s = 0;
      for (let i = 0; i < 1000; i++) s ^= hashValue(kws[i % 100]);
      do_not_optimize(s);
    });
  });
});

group("small keyword-keyed maps (struct-like records)", () => {
  const fields = [kw("name"), kw("age"), kw("city"), kw("email")];
  summary(() => {
    bench("PersistentMap build 4 + get 4", () => {
      let m = PersistentMap.EMPTY;
      for (let i = 0; i < 4; i++) m = m.assoc(fields[i], i);
      let s = 0;
      for (let i = 0; i < 4; i++) s += m.get(fields[i]);
      do_not_optimize(s);
    });
    bench("Map build 4 + get 4", () => {
      const m = new Map();
      for (let i = 0; i < 4; i++) m.set(fields[i], i);
      let s = 0;
      for (let i = 0; i < 4; i++) s += m.get(fields[i]);
      do_not_optimize(s);
    });
  });
});

group("set: 10k Int add", () => {
  summary(() => {
    bench("PersistentSet.add", () => {
      let s = PersistentSet.EMPTY;
      for (let i = 0; i < N; i++) s = s.add(i);
      do_not_optimize(s);
    });
    bench("Set.add (mutable)", () => {
      const s = new Set<number>();
      for (let i = 0; i < N; i++) s.add(i);
      do_not_optimize(s);
    });
  });
});

group("equal / format a 10k vector", () => {
  const other = PersistentVector.from(ints);
  bench("equal(vec, vec)", () => do_not_optimize(equal(vecN, other)));
  bench("formatValue(vec)", () => do_not_optimize(formatValue(vecN, 0)));
  bench("JSON.stringify(array) (baseline)", () => do_not_optimize(JSON.stringify(arrN)));
});

await run();
