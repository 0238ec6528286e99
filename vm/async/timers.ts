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
  /** The next deadline, or undefined. */
  nextDeadline(): number | undefined {
    return this.heap.nextDeadline();
  }
  private readonly heap = new DeadlineHeap();
  private readonly callbacks = new Map<number, () => void>();
  private nextId = 1;
  private readonly due: number[] = [];

  get size(): number {
    return this.heap.size;
  }

  add(delayMs: number, fire: () => void, now = this.now()): Timer {
    const t = { id: this.nextId++, deadline: now + Math.max(0, delayMs) };
    this.heap.add(t.id, t.deadline);
    this.callbacks.set(t.id, fire);
    return t;
  }

  cancel(t: Timer) {
    this.heap.cancel(t.id);
    this.callbacks.delete(t.id);
  }

  /** ms until the next deadline, rounded up (0 if due), or -1 when there is none. */
  nextTimeout(now = this.now()): number {
    const d = this.heap.nextDeadline();
    return d === undefined ? -1 : Math.max(0, Math.ceil(d - now));
  }

  /** Fire every timer whose deadline has passed, in deadline order. Returns how many fired. */
  fireDue(now = this.now()): number {
    const ids = this.heap.popExpired(now, this.due);
    const n = ids.length;
    for (const id of ids) {
      const fire = this.callbacks.get(id)!;
      this.callbacks.delete(id);
      fire();
    }
    ids.length = 0;
    return n;
  }
}
