// A binary min-heap of timers keyed by monotonic deadline (ms). Cancelling
// marks the entry dead (lazy deletion): O(1), and dead entries are skipped
// when they reach the top. Ties fire in insertion order.

export interface Timer {
  deadline: number;
  seq: number;
  fire: () => void;
  dead: boolean;
}

export function nowMs(): number {
  return performance.now();
}

export class TimerHeap {
  private heap: Timer[] = [];
  private seq = 0;
  private live = 0;

  get size(): number {
    return this.live;
  }

  add(delayMs: number, fire: () => void, now = nowMs()): Timer {
    const t: Timer = { deadline: now + Math.max(0, delayMs), seq: this.seq++, fire, dead: false };
    this.heap.push(t);
    this.up(this.heap.length - 1);
    this.live++;
    return t;
  }

  cancel(t: Timer) {
    if (!t.dead) {
      t.dead = true;
      this.live--;
    }
  }

  /** ms until the next live deadline (0 if due), or -1 when there is none. */
  nextTimeout(now = nowMs()): number {
    this.dropDead();
    const top = this.heap[0];
    if (!top) return -1;
    return Math.max(0, Math.ceil(top.deadline - now));
  }

  /** Fire every timer whose deadline has passed, in deadline order. Returns how many fired. */
  fireDue(now = nowMs()): number {
    let n = 0;
    for (;;) {
      this.dropDead();
      const top = this.heap[0];
      if (!top || top.deadline > now) return n;
      this.pop();
      top.dead = true;
      this.live--;
      n++;
      top.fire();
    }
  }

  private dropDead() {
    while (this.heap.length && this.heap[0]!.dead) this.pop();
  }

  private less(a: Timer, b: Timer): boolean {
    return a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);
  }

  private pop(): Timer {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      this.down(0);
    }
    return top;
  }

  private up(i: number) {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private down(i: number) {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
