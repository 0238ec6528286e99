// Timers: a binary min-heap keyed by (deadline, insertion order) over parallel
// arrays (no per-timer objects). Cancellation is lazy: it only forgets the id,
// and dead entries are skipped when they surface or swept when they outnumber
// live ones, so cancel is O(1) and the heap never grows without bound.
// Equal deadlines fire in the order they were added.

export class TimerHeap {
  private dl: number[] = [];
  private seq: number[] = [];
  private ids: number[] = [];
  /** id -> seq of its live entry; absence means cancelled or fired. */
  private live = new Map<number, number>();
  private nextSeq = 0;

  /** Number of timers that will still fire. */
  get size(): number {
    return this.live.size;
  }

  /** Schedule `id` at `deadline` (any monotonic unit). Re-adding an id replaces it. */
  add(id: number, deadline: number): void {
    const s = this.nextSeq++;
    this.live.set(id, s);
    this.dl.push(deadline);
    this.seq.push(s);
    this.ids.push(id);
    this.up(this.dl.length - 1);
    if (this.dl.length > 64 && this.dl.length > 2 * this.live.size) this.sweep();
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
    return this.dl.length > 0 ? this.dl[0] : undefined;
  }

  /** Remove every live timer with deadline <= now, appending ids to `out` in firing order. */
  popExpired(now: number, out: number[]): number[] {
    for (;;) {
      this.pruneTop();
      if (this.dl.length === 0 || this.dl[0]! > now) return out;
      const id = this.ids[0]!;
      this.live.delete(id);
      this.removeTop();
      out.push(id);
    }
  }

  clear(): void {
    this.dl = [];
    this.seq = [];
    this.ids = [];
    this.live.clear();
  }

  private isDead(i: number): boolean {
    return this.live.get(this.ids[i]!) !== this.seq[i];
  }

  private pruneTop(): void {
    while (this.dl.length > 0 && this.isDead(0)) this.removeTop();
  }

  private less(a: number, b: number): boolean {
    const da = this.dl[a]!;
    const db = this.dl[b]!;
    return da < db || (da === db && this.seq[a]! < this.seq[b]!);
  }

  private swap(a: number, b: number): void {
    const { dl, seq, ids } = this;
    const d = dl[a]!;
    dl[a] = dl[b]!;
    dl[b] = d;
    const s = seq[a]!;
    seq[a] = seq[b]!;
    seq[b] = s;
    const t = ids[a]!;
    ids[a] = ids[b]!;
    ids[b] = t;
  }

  private up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) return;
      this.swap(i, p);
      i = p;
    }
  }

  private down(i: number): void {
    const n = this.dl.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      const r = l + 1;
      const m = r < n && this.less(r, l) ? r : l;
      if (!this.less(m, i)) return;
      this.swap(i, m);
      i = m;
    }
  }

  private removeTop(): void {
    const last = this.dl.length - 1;
    if (last > 0) this.swap(0, last);
    this.dl.pop();
    this.seq.pop();
    this.ids.pop();
    if (last > 0) this.down(0);
  }

  /** Drop cancelled entries and re-heapify: O(n), amortised by the 2x trigger. */
  private sweep(): void {
    const keep: number[] = [];
    for (let i = 0; i < this.dl.length; i++) if (!this.isDead(i)) keep.push(i);
    this.dl = keep.map((i) => this.dl[i]!);
    this.seq = keep.map((i) => this.seq[i]!);
    this.ids = keep.map((i) => this.ids[i]!);
    for (let i = (this.dl.length >> 1) - 1; i >= 0; i--) this.down(i);
  }
}
