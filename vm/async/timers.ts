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
  now(): number {
    return nowMs() + this.skew;
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
