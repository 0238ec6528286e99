// PersistentMap: a hash array mapped trie keyed by the Beagle hash
// (vm/hash.ts: SipHash-1-3, as upstream), so that iteration order — and so
// print order, `keys`, `vals` — equals upstream's: keys sorted by the 5-bit
// digits of their 64-bit hash taken from the least-significant end, keys
// with the same full hash in insertion order (reference §4).
//
// Layout (CHAMP-style): a BitmapNode has a `datamap` (digits holding an
// inline key/value) and a `nodemap` (digits holding a child node). Its array
// holds the inline entries as [k0, v0, k1, v1, ...] in digit order at the
// front and the children in reverse digit order at the back. Iteration walks
// the digits 0..31 in order, taking an inline entry or descending into a
// child, which yields exactly upstream's trie order (upstream's array-node
// promotion changes the layout, not the order). A CollisionNode holds keys
// whose 64-bit hashes are identical, in insertion order.
//
// Keys are compared with `equalKeys` (Int 2 and Float 2.0 are different
// keys). Null keys and null values are allowed.
//
// `from()` and `TransientMap` build with in-place edits on nodes they own
// (Clojure's transient idea): no path copying while building.
import type { Value } from "../values.ts";
import { hashValue, lastHashHi } from "../hash.ts";
import { equalKeys } from "../equal.ts";

type Edit = object | null;

class BitmapNode {
  constructor(
    public datamap: number,
    public nodemap: number,
    public arr: Value[],
    public edit: Edit,
  ) {}
}

class CollisionNode {
  constructor(
    readonly hlo: number,
    readonly hhi: number,
    /** [k0, v0, k1, v1, ...] in insertion order */
    public arr: Value[],
    public edit: Edit,
  ) {}
}

type Node = BitmapNode | CollisionNode;

function popcount(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** The 5-bit digit of a 64-bit hash (lo, hi) at bit offset `shift` (0, 5, ..., 60). */
function digit(lo: number, hi: number, shift: number): number {
  if (shift < 30) return (lo >>> shift) & 31;
  if (shift === 30) return ((lo >>> 30) | (hi << 2)) & 31;
  return (hi >>> (shift - 32)) & 31;
}

function sameKey(a: Value, b: Value): boolean {
  return (a === b && (a !== 0 || Object.is(a, b))) || equalKeys(a, b);
}

// Out-parameters of the recursive update functions.
let ADDED = false;
let REMOVED = false;

function mergeTwo(
  shift: number,
  k1: Value,
  v1: Value,
  lo1: number,
  hi1: number,
  k2: Value,
  v2: Value,
  lo2: number,
  hi2: number,
  edit: Edit,
): Node {
  if (shift > 60) return new CollisionNode(lo1, hi1, [k1, v1, k2, v2], edit);
  const d1 = digit(lo1, hi1, shift),
    d2 = digit(lo2, hi2, shift);
  if (d1 === d2) {
    return new BitmapNode(0, 1 << d1, [mergeTwo(shift + 5, k1, v1, lo1, hi1, k2, v2, lo2, hi2, edit)], edit);
  }
  const arr = d1 < d2 ? [k1, v1, k2, v2] : [k2, v2, k1, v1];
  return new BitmapNode((1 << d1) | (1 << d2), 0, arr, edit);
}

function nodeAssoc(node: Node, shift: number, lo: number, hi: number, key: Value, val: Value, edit: Edit): Node {
  return node instanceof BitmapNode
    ? bitmapAssoc(node, shift, lo, hi, key, val, edit)
    : collisionAssoc(node, shift, lo, hi, key, val, edit);
}

function bitmapAssoc(
  node: BitmapNode,
  shift: number,
  lo: number,
  hi: number,
  key: Value,
  val: Value,
  edit: Edit,
): BitmapNode {
  const bit = 1 << digit(lo, hi, shift);
  const dm = node.datamap,
    nm = node.nodemap;
  const arr = node.arr;
  if (dm & bit) {
    const idx = 2 * popcount(dm & (bit - 1));
    const sk = arr[idx];
    if (sameKey(sk, key)) {
      if (arr[idx + 1] === val) return node;
      if (edit !== null && node.edit === edit) {
        arr[idx + 1] = val;
        return node;
      }
      const na = arr.slice();
      na[idx + 1] = val;
      return new BitmapNode(dm, nm, na, edit);
    }
    // Two keys at one digit: push both down into a new child.
    const sv = arr[idx + 1];
    const slo = hashValue(sk),
      shi = lastHashHi();
    const sub: Node =
      slo === lo && shi === hi
        ? new CollisionNode(lo, hi, [sk, sv, key, val], edit)
        : mergeTwo(shift + 5, sk, sv, slo, shi, key, val, lo, hi, edit);
    ADDED = true;
    // remove the inline entry at idx, insert `sub` among the children
    const n = arr.length;
    const nidxFromEnd = popcount(nm & (bit - 1)); // children after it in the array
    const na = new Array<Value>(n - 1);
    for (let i = 0; i < idx; i++) na[i] = arr[i];
    const insertAt = n - 2 - nidxFromEnd; // position in the new array (length n - 1)
    for (let i = idx + 2; i < n; i++) {
      const j = i - 2;
      na[j < insertAt ? j : j + 1] = arr[i];
    }
    na[insertAt] = sub;
    if (edit !== null && node.edit === edit) {
      node.datamap = dm ^ bit;
      node.nodemap = nm | bit;
      node.arr = na;
      return node;
    }
    return new BitmapNode(dm ^ bit, nm | bit, na, edit);
  }
  if (nm & bit) {
    const nidx = arr.length - 1 - popcount(nm & (bit - 1));
    const child = arr[nidx] as Node;
    const nc = nodeAssoc(child, shift + 5, lo, hi, key, val, edit);
    if (nc === child) return node;
    if (edit !== null && node.edit === edit) {
      arr[nidx] = nc;
      return node;
    }
    const na = arr.slice();
    na[nidx] = nc;
    return new BitmapNode(dm, nm, na, edit);
  }
  // a new inline entry
  ADDED = true;
  const idx = 2 * popcount(dm & (bit - 1));
  if (edit !== null && node.edit === edit) {
    // In place. Not splice (slow), and never push `undefined`: an array of
    // Ints has JSC's Int32 storage, which that would convert. Grow by
    // re-pushing the last two slots, then shift.
    const n = arr.length;
    const moved = n - idx; // slots after the insertion point (later entries, then children)
    if (moved === 0) {
      arr.push(key, val);
    } else if (moved === 1) {
      arr.push(val, arr[idx]);
      arr[idx] = key;
    } else {
      arr.push(arr[n - 2], arr[n - 1]);
      for (let i = n - 1; i >= idx + 2; i--) arr[i] = arr[i - 2];
      arr[idx] = key;
      arr[idx + 1] = val;
    }
    node.datamap = dm | bit;
    return node;
  }
  const n = arr.length;
  const na = new Array<Value>(n + 2);
  for (let i = 0; i < idx; i++) na[i] = arr[i];
  na[idx] = key;
  na[idx + 1] = val;
  for (let i = idx; i < n; i++) na[i + 2] = arr[i];
  return new BitmapNode(dm | bit, nm, na, edit);
}

function collisionAssoc(
  node: CollisionNode,
  shift: number,
  lo: number,
  hi: number,
  key: Value,
  val: Value,
  edit: Edit,
): Node {
  if (lo === node.hlo && hi === node.hhi) {
    const arr = node.arr;
    for (let i = 0; i < arr.length; i += 2) {
      if (sameKey(arr[i], key)) {
        if (arr[i + 1] === val) return node;
        if (edit !== null && node.edit === edit) {
          arr[i + 1] = val;
          return node;
        }
        const na = arr.slice();
        na[i + 1] = val;
        return new CollisionNode(lo, hi, na, edit);
      }
    }
    ADDED = true;
    if (edit !== null && node.edit === edit) {
      arr.push(key, val);
      return node;
    }
    const na = arr.slice();
    na.push(key, val);
    return new CollisionNode(lo, hi, na, edit);
  }
  // A different hash reached this collision node: put both under a bitmap node here.
  ADDED = true;
  const dc = digit(node.hlo, node.hhi, shift),
    dn = digit(lo, hi, shift);
  if (dc === dn) {
    return new BitmapNode(0, 1 << dc, [collisionAssoc(node, shift + 5, lo, hi, key, val, edit)], edit);
  }
  return new BitmapNode(1 << dn, 1 << dc, [key, val, node], edit);
}

/** Result of removing from a node: the node, or null when it became empty. */
function nodeDissoc(node: Node, shift: number, lo: number, hi: number, key: Value, edit: Edit): Node | null {
  if (node instanceof CollisionNode) {
    const arr = node.arr;
    for (let i = 0; i < arr.length; i += 2) {
      if (sameKey(arr[i], key)) {
        REMOVED = true;
        if (arr.length === 2) return null;
        const na = arr.slice();
        na.splice(i, 2);
        return new CollisionNode(node.hlo, node.hhi, na, edit);
      }
    }
    return node;
  }
  const bit = 1 << digit(lo, hi, shift);
  const dm = node.datamap,
    nm = node.nodemap;
  const arr = node.arr;
  if (dm & bit) {
    const idx = 2 * popcount(dm & (bit - 1));
    if (!sameKey(arr[idx], key)) return node;
    REMOVED = true;
    if (arr.length === 2) return null;
    const na = arr.slice();
    na.splice(idx, 2);
    return new BitmapNode(dm ^ bit, nm, na, edit);
  }
  if (nm & bit) {
    const nidx = arr.length - 1 - popcount(nm & (bit - 1));
    const child = arr[nidx] as Node;
    const nc = nodeDissoc(child, shift + 5, lo, hi, key, edit);
    if (nc === child) return node;
    if (nc === null) {
      // cannot happen for canonical tries (children hold >= 2 entries), but be safe
      if (arr.length === 1) return null;
      const na = arr.slice();
      na.splice(nidx, 1);
      return new BitmapNode(dm, nm ^ bit, na, edit);
    }
    // A child left with a single entry is inlined here (keeps the trie canonical).
    let single = false;
    if (nc instanceof BitmapNode) single = nc.nodemap === 0 && nc.arr.length === 2;
    else single = nc.arr.length === 2;
    if (single) {
      const k = nc.arr[0],
        v = nc.arr[1];
      const idx = 2 * popcount(dm & (bit - 1));
      const na = arr.slice();
      na.splice(nidx, 1);
      na.splice(idx, 0, k, v);
      return new BitmapNode(dm | bit, nm ^ bit, na, edit);
    }
    const na = arr.slice();
    na[nidx] = nc;
    return new BitmapNode(dm, nm, na, edit);
  }
  return node;
}

const NOT_FOUND = Symbol("not-found");

function lookup(root: BitmapNode | null, key: Value, notFound: Value): Value {
  if (root === null) return notFound;
  const lo = hashValue(key),
    hi = lastHashHi();
  let node: Node = root;
  let shift = 0;
  for (;;) {
    if (node instanceof BitmapNode) {
      const bit = 1 << (shift < 30 ? (lo >>> shift) & 31 : digit(lo, hi, shift));
      const dm = node.datamap;
      if ((dm & bit) !== 0) {
        const arr = node.arr;
        const idx = 2 * popcount(dm & (bit - 1));
        const k = arr[idx];
        return (k === key && (k !== 0 || Object.is(k, key))) || equalKeys(k, key) ? arr[idx + 1] : notFound;
      }
      const nm: number = node.nodemap;
      if ((nm & bit) === 0) return notFound;
      const arr: Value[] = node.arr;
      node = arr[arr.length - 1 - popcount(nm & (bit - 1))];
      shift += 5;
      continue;
    }
    if (lo !== node.hlo || hi !== node.hhi) return notFound;
    const arr = node.arr;
    for (let i = 0; i < arr.length; i += 2) if (sameKey(arr[i], key)) return arr[i + 1];
    return notFound;
  }
}

function forEachNode(node: Node, fn: (v: Value, k: Value) => void): void {
  if (node instanceof CollisionNode) {
    const arr = node.arr;
    for (let i = 0; i < arr.length; i += 2) fn(arr[i + 1], arr[i]);
    return;
  }
  const dm = node.datamap,
    arr = node.arr;
  let rem = dm | node.nodemap;
  let di = 0,
    ni = arr.length - 1;
  while (rem !== 0) {
    const b = rem & -rem;
    rem ^= b;
    if (dm & b) {
      fn(arr[di + 1], arr[di]);
      di += 2;
    } else {
      forEachNode(arr[ni--], fn);
    }
  }
}

export class PersistentMap {
  static EMPTY: PersistentMap;

  /** hash cache, filled by vm/hash.ts: the 64-bit hash as int32 halves */
  _hash: { lo: number; hi: number } | null = null;

  constructor(
    readonly count: number,
    /** internal: the trie root, null when empty */
    readonly root: BitmapNode | null,
  ) {}

  static from(entries: Iterable<readonly [Value, Value]>): PersistentMap {
    const t = new TransientMap(PersistentMap.EMPTY);
    for (const [k, v] of entries) t.assoc(k, v);
    return t.persistent();
  }

  /** The value for k, or `notFound` (default undefined) when k is absent. */
  get(k: Value, notFound?: Value): Value {
    return lookup(this.root, k, notFound);
  }

  has(k: Value): boolean {
    return lookup(this.root, k, NOT_FOUND) !== NOT_FOUND;
  }

  assoc(k: Value, v: Value): PersistentMap {
    const lo = hashValue(k),
      hi = lastHashHi();
    ADDED = false;
    if (this.root === null) {
      return new PersistentMap(1, new BitmapNode(1 << digit(lo, hi, 0), 0, [k, v], null));
    }
    const nr = bitmapAssoc(this.root, 0, lo, hi, k, v, null);
    if (nr === this.root) return this;
    return new PersistentMap(ADDED ? this.count + 1 : this.count, nr);
  }

  dissoc(k: Value): PersistentMap {
    if (this.root === null) return this;
    const lo = hashValue(k),
      hi = lastHashHi();
    REMOVED = false;
    const nr = nodeDissoc(this.root, 0, lo, hi, k, null);
    if (!REMOVED) return this;
    if (nr === null || this.count === 1) return PersistentMap.EMPTY;
    let root = nr;
    if (root instanceof CollisionNode) {
      // only reachable if a collision node was the root's sole child and got inlined: rebuild
      root = new BitmapNode(1 << digit(root.hlo, root.hhi, 0), 0, root.arr.slice(0, 2), null);
    }
    return new PersistentMap(this.count - 1, root as BitmapNode);
  }

  /** Calls fn(value, key) for every entry, in map order. */
  forEach(fn: (v: Value, k: Value) => void): void {
    if (this.root !== null) forEachNode(this.root, fn);
  }

  entries(): IterableIterator<[Value, Value]> {
    return new MapIterator<[Value, Value]>(this.root, 0);
  }

  keys(): IterableIterator<Value> {
    return new MapIterator<Value>(this.root, 1);
  }

  vals(): IterableIterator<Value> {
    return new MapIterator<Value>(this.root, 2);
  }

  [Symbol.iterator](): Iterator<[Value, Value]> {
    return new MapIterator<[Value, Value]>(this.root, 0);
  }

  /** A mutable builder starting from this map (this map is not changed). */
  asTransient(): TransientMap {
    return new TransientMap(this);
  }
}

/**
 * A single-owner mutable builder: assoc/dissoc mutate nodes created by this
 * transient in place. `persistent()` ends it; using it afterwards throws.
 */
export class TransientMap {
  private edit: Edit = {};
  private root: BitmapNode | null;
  count: number;

  constructor(m: PersistentMap) {
    this.root = m.root;
    this.count = m.count;
  }

  private check(): Edit {
    if (this.edit === null) throw new Error("TransientMap used after persistent()");
    return this.edit;
  }

  assoc(k: Value, v: Value): this {
    const edit = this.check();
    const lo = hashValue(k),
      hi = lastHashHi();
    ADDED = false;
    if (this.root === null) {
      this.root = new BitmapNode(1 << digit(lo, hi, 0), 0, [k, v], edit);
      this.count = 1;
      return this;
    }
    this.root = bitmapAssoc(this.root, 0, lo, hi, k, v, edit);
    if (ADDED) this.count++;
    return this;
  }

  dissoc(k: Value): this {
    const edit = this.check();
    if (this.root === null) return this;
    const lo = hashValue(k),
      hi = lastHashHi();
    REMOVED = false;
    const nr = nodeDissoc(this.root, 0, lo, hi, k, edit);
    if (!REMOVED) return this;
    this.count--;
    if (nr === null || this.count === 0) {
      this.root = null;
      this.count = 0;
    } else if (nr instanceof CollisionNode) {
      this.root = new BitmapNode(1 << digit(nr.hlo, nr.hhi, 0), 0, nr.arr.slice(0, 2), edit);
    } else {
      this.root = nr;
    }
    return this;
  }

  get(k: Value, notFound?: Value): Value {
    return lookup(this.root, k, notFound);
  }

  has(k: Value): boolean {
    return lookup(this.root, k, NOT_FOUND) !== NOT_FOUND;
  }

  persistent(): PersistentMap {
    this.check();
    this.edit = null;
    if (this.root === null) return PersistentMap.EMPTY;
    return new PersistentMap(this.count, this.root);
  }
}

const MAX_DEPTH = 16;

/** Walks the trie in digit order with an explicit stack. mode 0: [k, v], 1: keys, 2: values. */
class MapIterator<T> implements IterableIterator<T> {
  private nodes: Node[] = new Array(MAX_DEPTH);
  private rem: number[] = new Array(MAX_DEPTH).fill(0);
  private di: number[] = new Array(MAX_DEPTH).fill(0);
  private ni: number[] = new Array(MAX_DEPTH).fill(0);
  private sp = -1;

  constructor(
    root: BitmapNode | null,
    private readonly mode: 0 | 1 | 2,
  ) {
    if (root !== null) this.pushNode(root);
  }

  private pushNode(n: Node): void {
    const sp = ++this.sp;
    this.nodes[sp] = n;
    if (n instanceof BitmapNode) {
      this.rem[sp] = n.datamap | n.nodemap;
      this.di[sp] = 0;
      this.ni[sp] = n.arr.length - 1;
    } else {
      this.rem[sp] = 0;
      this.di[sp] = 0;
      this.ni[sp] = 0;
    }
  }

  private out(k: Value, v: Value): IteratorResult<T> {
    const mode = this.mode;
    return { value: (mode === 0 ? [k, v] : mode === 1 ? k : v) as T, done: false };
  }

  next(): IteratorResult<T> {
    while (this.sp >= 0) {
      const sp = this.sp;
      const n = this.nodes[sp]!;
      if (n instanceof CollisionNode) {
        const i = this.di[sp]!;
        if (i < n.arr.length) {
          this.di[sp] = i + 2;
          return this.out(n.arr[i], n.arr[i + 1]);
        }
        this.sp--;
        continue;
      }
      const rem = this.rem[sp]!;
      if (rem === 0) {
        this.sp--;
        continue;
      }
      const b = rem & -rem;
      this.rem[sp] = rem ^ b;
      if (n.datamap & b) {
        const i = this.di[sp]!;
        this.di[sp] = i + 2;
        return this.out(n.arr[i], n.arr[i + 1]);
      }
      const j = this.ni[sp]!;
      this.ni[sp] = j - 1;
      this.pushNode(n.arr[j]);
    }
    return { value: undefined as T, done: true };
  }

  [Symbol.iterator](): IterableIterator<T> {
    return this;
  }
}

PersistentMap.EMPTY = new PersistentMap(0, null);
