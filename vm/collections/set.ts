// PersistentSet: a PersistentMap whose values are `true` (as upstream), so
// iteration and print order follow the same HAMT order (reference §4).
// Members are compared with `equalKeys` (Int 2 and Float 2.0 are distinct).
import type { Value } from "../values.ts";
import { PersistentMap } from "./map.ts";

let EMPTY_SET: PersistentSet | null = null;

export class PersistentSet {
  /** Created on first use: module cycles (hash/equal <-> collections) must not touch PersistentMap at load time. */
  static get EMPTY(): PersistentSet {
    EMPTY_SET ??= new PersistentSet(PersistentMap.EMPTY);
    return EMPTY_SET;
  }

  /** hash cache, filled by vm/hash.ts: the 64-bit hash as int32 halves */
  _hash: { lo: number; hi: number } | null = null;

  constructor(readonly map: PersistentMap) {}

  static from(items: Iterable<Value>): PersistentSet {
    const t = PersistentMap.EMPTY.asTransient();
    for (const x of items) t.assoc(x, true);
    const m = t.persistent();
    return m.count === 0 ? PersistentSet.EMPTY : new PersistentSet(m);
  }

  get count(): number {
    return this.map.count;
  }

  has(v: Value): boolean {
    return this.map.has(v);
  }

  add(v: Value): PersistentSet {
    const m = this.map.assoc(v, true);
    return m === this.map ? this : new PersistentSet(m);
  }

  remove(v: Value): PersistentSet {
    const m = this.map.dissoc(v);
    if (m === this.map) return this;
    return m.count === 0 ? PersistentSet.EMPTY : new PersistentSet(m);
  }

  /** The members in set order. */
  toArray(): Value[] {
    const out: Value[] = [];
    this.map.forEach((_v, k) => {
      out.push(k);
    });
    return out;
  }

  /** Calls fn(member) in set order. */
  forEach(fn: (v: Value) => void): void {
    this.map.forEach((_v, k) => {
      fn(k);
    });
  }

  values(): IterableIterator<Value> {
    return this.map.keys();
  }

  [Symbol.iterator](): Iterator<Value> {
    return this.map.keys();
  }
}
