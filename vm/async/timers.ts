// The scheduler's timers: callbacks on top of the event loop's timer heap
// (runtime/timers.ts: a min-heap keyed by deadline then insertion order, with
// O(1) lazy cancellation). Deadlines are monotonic milliseconds.
import { TimerHeap as DeadlineHeap } from "../../runtime/timers.ts";

export interface Timer {
  readonly id: number;
  readonly deadline: number;
}

export function nowMs(): number {
  return performance.now();
}

export class TimerHeap {
  /** ms the virtual clock (async/with-virtual-time) has jumped ahead of the real one */
  skew = 0;
  /** while the virtual clock runs: the frozen time, moved only by jumps (advanceTo) */
  private frozen: number | null = null;
  now(): number {
    return this.frozen ?? nowMs() + this.skew;
  }
  /** Freeze the clock (virtual time on) or let it run on from where it stands (off). */
  setVirtual(on: boolean) {
    if (on && this.frozen === null) this.frozen = nowMs() + this.skew;
    else if (!on && this.frozen !== null) {
      this.skew = this.frozen - nowMs();
      this.frozen = null;
    }
  }
  get virtual(): boolean {
    return this.frozen !== null;
  }
  /** Virtual time: jump the clock forward to `t`. */
  advanceTo(t: number) {
    if (this.frozen !== null && t > this.frozen) this.frozen = t;
  }
  private readonly heap = new DeadlineHeap();
  private readonly callbacks = new Map<number, LaneTimer>();
  private nextId = 1;
  private readonly due: number[] = [];
  /**
   * Zero-delay timers (`sleep(0)`, a task's yield) skip the heap and its maps: a FIFO, in
   * (deadline, id) order because the clock is monotonic. fireDue merges it with the heap's
   * expired timers, so the firing order is the same as if they were in the heap.
   */
  private readonly zero: LaneTimer[] = [];
  private zeroHead = 0;
  private zeroLive = 0;

  get size(): number {
    return this.heap.size + this.zeroLive;
  }

  add(delayMs: number, fire: () => void, now = this.now()): Timer {
    if (delayMs <= 0) {
      const z = new LaneTimer(this.nextId++, now, fire, true);
      this.zero.push(z);
      this.zeroLive++;
      return z;
    }
    const t = new LaneTimer(this.nextId++, now + delayMs, fire, false);
    this.heap.add(t.id, t.deadline);
    this.callbacks.set(t.id, t);
    return t;
  }

  cancel(t: Timer) {
    if (t instanceof LaneTimer && t.zero) {
      if (t.fire !== null) {
        t.fire = null;
        this.zeroLive--;
      }
      return;
    }
    this.heap.cancel(t.id);
    this.callbacks.delete(t.id);
  }

  /** The first live zero-delay timer, dropping cancelled ones from the front. */
  private zeroFront(): LaneTimer | undefined {
    const q = this.zero;
    while (this.zeroHead < q.length && q[this.zeroHead]!.fire === null) this.zeroHead++;
    if (this.zeroHead === q.length) {
      q.length = 0;
      this.zeroHead = 0;
      return undefined;
    }
    return q[this.zeroHead];
  }

  /** The next deadline, or undefined. */
  nextDeadline(): number | undefined {
    const h = this.heap.nextDeadline();
    const z = this.zeroFront();
    if (z === undefined) return h;
    return h === undefined || z.deadline < h ? z.deadline : h;
  }

  /** ms until the next deadline, rounded up (0 if due), or -1 when there is none. */
  nextTimeout(now = this.now()): number {
    const d = this.nextDeadline();
    return d === undefined ? -1 : Math.max(0, Math.ceil(d - now));
  }

  /** Fire every timer whose deadline has passed, in deadline order. Returns how many fired. */
  fireDue(now = this.now()): number {
    const ids = this.heap.popExpired(now, this.due);
    const q = this.zero;
    // timers added while these fire wait for the next round, as the heap's do
    const zEnd = q.length;
    let zi = this.zeroHead;
    let hi = 0;
    let n = 0;
    for (;;) {
      while (zi < zEnd && q[zi]!.fire === null) zi++;
      const z = zi < zEnd && q[zi]!.deadline <= now ? q[zi]! : undefined;
      const h = hi < ids.length ? this.callbacks.get(ids[hi]!) : undefined;
      if (z === undefined && hi >= ids.length) break;
      if (
        z !== undefined &&
        (h === undefined || z.deadline < h.deadline || (z.deadline === h.deadline && z.id < h.id))
      ) {
        zi++;
        const fire = z.fire!;
        z.fire = null;
        this.zeroLive--;
        fire();
        n++;
      } else {
        hi++;
        // cancelled by a timer that fired before it in this round
        if (h === undefined) continue;
        this.callbacks.delete(h.id);
        h.fire!();
        n++;
      }
    }
    ids.length = 0;
    this.zeroHead = zi;
    if (zi === q.length) {
      q.length = 0;
      this.zeroHead = 0;
    } else if (zi > 1024 && zi * 2 > q.length) {
      q.splice(0, zi);
      this.zeroHead = 0;
    }
    return n;
  }
}

class LaneTimer implements Timer {
  constructor(
    readonly id: number,
    readonly deadline: number,
    public fire: (() => void) | null,
    readonly zero: boolean,
  ) {}
}
