// Iteration for `for x in coll`: a small pull iterator per built-in collection
// kind. `next()` returns the next element, or undefined when exhausted (Beagle
// values are never undefined). A user type is walked by the loop's own code
// through its `seq`/`first`/`next` protocol methods (see the IterPrep and
// IterNext ops), so those may suspend like any call.
import { Struct, type Value } from "./values.ts";
import { PersistentVector } from "./collections/vector.ts";
import { PersistentMap } from "./collections/map.ts";
import { PersistentSet } from "./collections/set.ts";
import { typeError } from "./errors.ts";
import { typeNameOf } from "./types.ts";

export interface BeagleIterator {
  next(): Value | undefined;
  /** An independent iterator at the same position (for multi-shot continuations). */
  fork(): BeagleIterator;
}

/** Base class of our iterators, so a frame copy can find them among its registers. */
export abstract class IterBase implements BeagleIterator {
  abstract next(): Value | undefined;
  abstract fork(): BeagleIterator;
}

class VecIter extends IterBase {
  private i = 0;
  constructor(private readonly v: PersistentVector) {
    super();
  }
  next(): Value | undefined {
    return this.i < this.v.count ? this.v.get(this.i++) : undefined;
  }
  fork(): BeagleIterator {
    const it = new VecIter(this.v);
    it.i = this.i;
    return it;
  }
}

class RangeIter extends IterBase {
  constructor(
    private cur: number,
    private readonly end: number,
    private readonly step: number,
  ) {
    super();
  }
  next(): Value | undefined {
    if (this.step > 0 ? this.cur >= this.end : this.cur <= this.end) return undefined;
    const v = this.cur;
    this.cur += this.step;
    return v;
  }
  fork(): BeagleIterator {
    return new RangeIter(this.cur, this.end, this.step);
  }
}

class JsIter extends IterBase {
  /** once forked, the remaining elements live here, shared (read-only) by the forks */
  private buf: Value[] | null = null;
  private i = 0;
  constructor(
    private readonly it: Iterator<Value> | null,
    private readonly map: (v: Value) => Value = (v) => v,
  ) {
    super();
  }
  next(): Value | undefined {
    if (this.buf) return this.i < this.buf.length ? this.buf[this.i++] : undefined;
    const r = this.it!.next();
    return r.done ? undefined : this.map(r.value);
  }
  fork(): BeagleIterator {
    if (!this.buf) {
      const rest: Value[] = [];
      for (let r = this.it!.next(); !r.done; r = this.it!.next()) rest.push(this.map(r.value));
      this.buf = rest;
      this.i = 0;
    }
    const f = new JsIter(null);
    f.buf = this.buf;
    f.i = this.i;
    return f;
  }
}

/** A native iterator over `coll`, or undefined for a struct (the loop asks its `seq`). */
export function makeIterator(coll: Value): BeagleIterator | undefined {
  if (coll instanceof PersistentVector) return new VecIter(coll);
  if (coll === null) return new VecIter(PersistentVector.EMPTY);
  if (typeof coll === "string") return new JsIter(coll[Symbol.iterator]());
  if (coll instanceof PersistentMap) return new JsIter(coll.entries(), (e: [Value, Value]) => PersistentVector.from(e));
  if (coll instanceof PersistentSet) return new JsIter(coll[Symbol.iterator]());
  if (Array.isArray(coll)) return new JsIter(coll[Symbol.iterator]()); // a raw Array, read live
  if (coll instanceof Struct) {
    if (coll.type.name === "Range" && coll.type.ns === "beagle.core") {
      const [cur, end, step] = coll.f as number[];
      if (typeof cur === "number" && typeof end === "number" && typeof step === "number")
        return new RangeIter(cur, end, step);
    }
    return undefined;
  }
  typeError(`Cannot iterate over ${typeNameOf(coll)}`);
}
