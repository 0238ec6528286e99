// PersistentVector: a 32-way persistent vector trie with a tail (Clojure's
// design). Leaves and internal nodes are plain JS arrays; internal nodes are
// dense (length = number of children), full leaves have length 32.
//
// Tail sharing: `push` onto a vector whose tail array is exactly as long as
// its own tail appends to that array in place and shares it with the result
// (readers never look past their own `count`), so a chain of pushes costs
// O(1) amortised instead of copying the tail every time. Any other push
// (the tail array was already extended by someone else) copies it. An array
// that becomes a tree leaf is full (32) and never grows again.
import type { Value } from "../values.ts";
import { runtimeError } from "../errors.ts";

const EMPTY_NODE: Value[] = [];

function newPath(level: number, node: Value[]): Value[] {
  let n = node;
  for (let l = level; l > 0; l -= 5) n = [n];
  return n;
}

export class PersistentVector {
  static EMPTY: PersistentVector;

  /** hash cache, filled by vm/hash.ts: the 64-bit hash as int32 halves */
  _hash: { lo: number; hi: number } | null = null;

  constructor(
    readonly count: number,
    /** bits of index consumed above the leaves: 5 for a one-level tree */
    readonly shift: number,
    readonly root: Value[],
    /** the last 1..32 elements; may be longer than this vector's tail */
    readonly tail: Value[],
  ) {}

  static from(items: readonly Value[]): PersistentVector {
    const n = items.length;
    if (n === 0) return PersistentVector.EMPTY;
    if (n <= 32) return new PersistentVector(n, 5, EMPTY_NODE, items.slice());
    const tailOff = ((n - 1) >>> 5) << 5;
    let nodes: Value[][] = [];
    for (let off = 0; off < tailOff; off += 32) nodes.push(items.slice(off, off + 32));
    let shift = 5;
    while (nodes.length > 32) {
      const parents: Value[][] = [];
      for (let i = 0; i < nodes.length; i += 32) parents.push(nodes.slice(i, i + 32));
      nodes = parents;
      shift += 5;
    }
    return new PersistentVector(n, shift, nodes, items.slice(tailOff));
  }

  /** Index of the first element stored in the tail. */
  tailOff(): number {
    const c = this.count;
    return c < 32 ? 0 : ((c - 1) >>> 5) << 5;
  }

  /**
   * The leaf array holding index i (element at `arrayFor(i)[i & 31]`).
   * Internal: callers must not mutate it, nor read past `count`.
   */
  arrayFor(i: number): Value[] {
    if (i >= this.tailOff()) return this.tail;
    let node = this.root;
    for (let level = this.shift; level > 0; level -= 5) node = node[(i >>> level) & 31];
    return node;
  }

  get(i: number): Value {
    if ((i | 0) !== i || i < 0 || i >= this.count) return undefined;
    const c = this.count;
    const tailOff = c < 32 ? 0 : ((c - 1) >>> 5) << 5;
    if (i >= tailOff) return this.tail[i - tailOff];
    let node = this.root;
    for (let level = this.shift; level > 0; level -= 5) node = node[(i >>> level) & 31];
    return node[i & 31];
  }

  push(v: Value): PersistentVector {
    const c = this.count;
    const tailOff = c < 32 ? 0 : ((c - 1) >>> 5) << 5;
    const tl = c - tailOff;
    if (tl < 32) {
      const tail = this.tail;
      let newTail: Value[];
      if (tail.length === tl && c !== 0) {
        tail.push(v);
        newTail = tail;
      } else {
        newTail = tail.slice(0, tl);
        newTail.push(v);
      }
      return new PersistentVector(c + 1, this.shift, this.root, newTail);
    }
    // The tail is full: it becomes a leaf of the tree.
    let newRoot: Value[];
    let newShift = this.shift;
    if (c >>> 5 > 1 << this.shift) {
      newRoot = [this.root, newPath(this.shift, this.tail)];
      newShift += 5;
    } else {
      newRoot = this.pushTail(this.shift, this.root, this.tail);
    }
    return new PersistentVector(c + 1, newShift, newRoot, [v]);
  }

  private pushTail(level: number, parent: Value[], tailNode: Value[]): Value[] {
    const subidx = ((this.count - 1) >>> level) & 31;
    const ret = parent.slice();
    if (level === 5) {
      ret[subidx] = tailNode;
    } else {
      const child = parent[subidx];
      ret[subidx] = child !== undefined ? this.pushTail(level - 5, child, tailNode) : newPath(level - 5, tailNode);
    }
    return ret;
  }

  /** Replace element i; `i === count` appends. Out of range: IndexError. */
  assoc(i: number, v: Value): PersistentVector {
    const c = this.count;
    if ((i | 0) !== i || i < 0 || i > c) {
      runtimeError("IndexError", `Index ${i} out of bounds for vector of length ${c}`);
    }
    if (i === c) return this.push(v);
    const tailOff = this.tailOff();
    if (i >= tailOff) {
      const newTail = this.tail.slice(0, c - tailOff);
      newTail[i - tailOff] = v;
      return new PersistentVector(c, this.shift, this.root, newTail);
    }
    return new PersistentVector(c, this.shift, doAssoc(this.shift, this.root, i, v), this.tail);
  }

  /** Without the last element. The empty vector pops to itself. */
  pop(): PersistentVector {
    const c = this.count;
    if (c <= 1) return PersistentVector.EMPTY;
    const tailOff = this.tailOff();
    if (c - tailOff > 1) return new PersistentVector(c - 1, this.shift, this.root, this.tail);
    const newTail = this.arrayFor(c - 2);
    let newRoot = this.popTail(this.shift, this.root) ?? EMPTY_NODE;
    let newShift = this.shift;
    if (newShift > 5 && newRoot.length === 1) {
      newRoot = newRoot[0];
      newShift -= 5;
    }
    return new PersistentVector(c - 1, newShift, newRoot, newTail);
  }

  private popTail(level: number, node: Value[]): Value[] | null {
    const subidx = ((this.count - 2) >>> level) & 31;
    if (level > 5) {
      const newChild = this.popTail(level - 5, node[subidx]);
      if (newChild === null && subidx === 0) return null;
      const ret = node.slice(0, subidx);
      if (newChild !== null) ret.push(newChild);
      return ret;
    }
    if (subidx === 0) return null;
    return node.slice(0, subidx);
  }

  /** Elements [start, end), clamped to the vector. */
  slice(start: number, end: number): PersistentVector {
    const c = this.count;
    const s = Math.max(0, Math.min(c, Math.trunc(start) || 0));
    const e = Math.max(s, Math.min(c, Math.trunc(end) || 0));
    if (s === 0 && e === c) return this;
    if (s === e) return PersistentVector.EMPTY;
    const out = new Array<Value>(e - s);
    for (let i = s; i < e; ) {
      const chunk = this.arrayFor(i);
      const base = i - (i & 31);
      const stop = Math.min(e, base + 32);
      for (; i < stop; i++) out[i - s] = chunk[i - base];
    }
    return PersistentVector.from(out);
  }

  toArray(): Value[] {
    const n = this.count;
    const out = new Array<Value>(n);
    for (let i = 0; i < n; i += 32) {
      const chunk = this.arrayFor(i);
      for (let j = 0, e = Math.min(32, n - i); j < e; j++) out[i + j] = chunk[j];
    }
    return out;
  }

  forEach(fn: (v: Value, i: number) => void): void {
    const n = this.count;
    for (let i = 0; i < n; i += 32) {
      const chunk = this.arrayFor(i);
      for (let j = 0, e = Math.min(32, n - i); j < e; j++) fn(chunk[j], i + j);
    }
  }

  [Symbol.iterator](): Iterator<Value> {
    return new VectorIterator(this);
  }
}

function doAssoc(level: number, node: Value[], i: number, v: Value): Value[] {
  const ret = node.slice();
  if (level === 0) {
    ret[i & 31] = v;
  } else {
    const subidx = (i >>> level) & 31;
    ret[subidx] = doAssoc(level - 5, node[subidx], i, v);
  }
  return ret;
}

class VectorIterator implements Iterator<Value>, IterableIterator<Value> {
  private i = 0;
  private chunk: Value[] = EMPTY_NODE;
  constructor(private readonly vec: PersistentVector) {}
  next(): IteratorResult<Value> {
    const i = this.i;
    if (i >= this.vec.count) return { value: undefined, done: true };
    if ((i & 31) === 0 || i === 0) this.chunk = this.vec.arrayFor(i);
    this.i = i + 1;
    return { value: this.chunk[i & 31], done: false };
  }
  [Symbol.iterator](): IterableIterator<Value> {
    return this;
  }
}

PersistentVector.EMPTY = new PersistentVector(0, 5, EMPTY_NODE, []);
