// Timers: a binary min-heap keyed by (deadline, insertion order) over parallel
// Float64Arrays (no per-timer objects; sifting moves a hole instead of
// swapping, measured ~1.5x faster than swapping JS arrays). Cancellation is
// lazy: it only forgets the id, and dead entries are skipped when they surface
// or swept when they outnumber live ones, so cancel is O(1) and the heap never
// grows without bound. Equal deadlines fire in the order they were added.

export class TimerHeap {
  private dl = new Float64Array(64);
  private seq = new Float64Array(64);
  private ids = new Float64Array(64);
  private n = 0;
  /** id -> seq of its live entry; absence means cancelled or fired. */
  private live = new Map<number, number>();
  private nextSeq = 0;

  /** Number of timers that will still fire. */
  get size(): number {
    return this.live.size;
  }

  /** Entries in the heap, dead ones included (for tests of the sweep). */
  get heapLength(): number {
    return this.n;
  }

  /** Schedule `id` at `deadline` (any monotonic unit). Re-adding an id replaces it. */
  add(id: number, deadline: number): void {
    const s = this.nextSeq++;
    this.live.set(id, s);
    if (this.n === this.dl.length) this.grow();
    this.siftUp(this.n++, deadline, s, id);
    if (this.n > 64 && this.n > 2 * this.live.size) this.sweep();
  }

  /** Cancel a pending timer; false if it already fired or never existed. */
  cancel(id: number): boolean {
    return this.live.delete(id);
  }

  has(id: number): boolean {
    return this.live.has(id);
  }

  /** The earliest live deadline, or undefined when none is pending. */
  nextDeadline(): number | undefined {
    this.pruneTop();
    return this.n > 0 ? this.dl[0] : undefined;
  }

  /** Remove every live timer with deadline <= now, appending ids to `out` in firing order. */
  popExpired(now: number, out: number[]): number[] {
    for (;;) {
      this.pruneTop();
      if (this.n === 0 || this.dl[0]! > now) return out;
      const id = this.ids[0]!;
      this.live.delete(id);
      this.removeTop();
      out.push(id);
    }
  }

  clear(): void {
    this.n = 0;
    this.live.clear();
  }

  private grow(): void {
    const g = (a: Float64Array) => {
      const b = new Float64Array(a.length * 2);
      b.set(a);
      return b;
    };
    this.dl = g(this.dl);
    this.seq = g(this.seq);
    this.ids = g(this.ids);
  }

  private pruneTop(): void {
    while (this.n > 0 && this.live.get(this.ids[0]!) !== this.seq[0]) this.removeTop();
  }

  /** Place (d, s, id) by moving the hole at `i` up past later entries. */
  private siftUp(i: number, d: number, s: number, id: number): void {
    const { dl, seq, ids } = this;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pd = dl[p]!;
      if (pd < d || (pd === d && seq[p]! < s)) break;
      dl[i] = pd;
      seq[i] = seq[p]!;
      ids[i] = ids[p]!;
      i = p;
    }
    dl[i] = d;
    seq[i] = s;
    ids[i] = id;
  }

  /** Place (d, s, id) by moving the hole at `i` down past earlier entries. */
  private siftDown(i: number, d: number, s: number, id: number): void {
    const { dl, seq, ids } = this;
    const n = this.n;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      const r = c + 1;
      if (r < n && (dl[r]! < dl[c]! || (dl[r] === dl[c] && seq[r]! < seq[c]!))) c = r;
      if (d < dl[c]! || (d === dl[c] && s < seq[c]!)) break;
      dl[i] = dl[c]!;
      seq[i] = seq[c]!;
      ids[i] = ids[c]!;
      i = c;
    }
    dl[i] = d;
    seq[i] = s;
    ids[i] = id;
  }

  private removeTop(): void {
    const last = --this.n;
    if (last > 0) this.siftDown(0, this.dl[last]!, this.seq[last]!, this.ids[last]!);
  }

  /** Drop cancelled entries and re-heapify: O(n), amortised by the 2x trigger. */
  private sweep(): void {
    const { dl, seq, ids } = this;
    let k = 0;
    for (let i = 0; i < this.n; i++) {
      if (this.live.get(ids[i]!) !== seq[i]) continue;
      dl[k] = dl[i]!;
      seq[k] = seq[i]!;
      ids[k] = ids[i]!;
      k++;
    }
    this.n = k;
    for (let i = (k >> 1) - 1; i >= 0; i--) this.siftDown(i, dl[i]!, seq[i]!, ids[i]!);
  }
}
