// The future state machine. Upstream's mutators overwrite any state; ours
// enforces the laws:
//   - Pending and Running may move to exactly one of Resolved, Rejected or
//     Cancelled (Pending -> Running is the only non-terminal move);
//   - a terminal state never changes (a late result after cancellation is
//     discarded, not written);
//   - every waiter is notified exactly once, with the final outcome.

export type FutureStatus = "Pending" | "Running" | "Resolved" | "Rejected" | "Cancelled";

export type Outcome =
  | { status: "Resolved"; value: unknown }
  | { status: "Rejected"; error: unknown }
  | { status: "Cancelled" };

export class FutureCore {
  status: FutureStatus;
  value: unknown = null;
  /** made on the first waiter: most futures are awaited once they have settled, or never */
  private waiters: ((o: Outcome) => void)[] | null = null;
  /** called on every state change (the Beagle side mirrors the state into an atom) */
  onChange: ((f: FutureCore) => void) | null = null;
  /** the Atom struct onChange mirrors the state into (beagle.async's `state_atom`) */
  mirror: object | null = null;
  /** run when the future is cancelled while Pending/Running (drop timers, I/O, tasks) */
  onCancel: (() => void) | null = null;
  /** someone awaited, polled or joined it: a rejection is then not "unobserved" */
  observed = false;
  /** the task settling it (introspection, cancellation); a field, not a WeakMap lookup */
  task: import("./tasks.ts").TaskInfo | null = null;

  constructor(initial: "Pending" | "Running" = "Pending") {
    this.status = initial;
  }

  get settled(): boolean {
    return this.status === "Resolved" || this.status === "Rejected" || this.status === "Cancelled";
  }

  outcome(): Outcome | null {
    switch (this.status) {
      case "Resolved":
        return { status: "Resolved", value: this.value };
      case "Rejected":
        return { status: "Rejected", error: this.value };
      case "Cancelled":
        return { status: "Cancelled" };
      default:
        return null;
    }
  }

  /** Pending -> Running. Returns false if the future was not Pending. */
  start(): boolean {
    if (this.status !== "Pending") return false;
    this.status = "Running";
    this.onChange?.(this);
    return true;
  }

  resolve(value: unknown): boolean {
    return this.settle("Resolved", value);
  }

  reject(error: unknown): boolean {
    return this.settle("Rejected", error);
  }

  cancel(): boolean {
    const hook = this.onCancel;
    const changed = this.settle("Cancelled", null);
    if (changed && hook) hook();
    return changed;
  }

  /** Call `cb` exactly once with the outcome: now if settled, else when it settles. */
  onSettle(cb: (o: Outcome) => void) {
    const o = this.outcome();
    if (o) cb(o);
    else if (this.waiters === null) this.waiters = [cb];
    else this.waiters.push(cb);
  }

  /** Forget a waiter that no longer wants the outcome (its task was cancelled). */
  removeWaiter(cb: (o: Outcome) => void) {
    const i = this.waiters === null ? -1 : this.waiters.indexOf(cb);
    if (i >= 0) this.waiters!.splice(i, 1);
  }

  get waiterCount(): number {
    return this.waiters === null ? 0 : this.waiters.length;
  }

  private settle(status: "Resolved" | "Rejected" | "Cancelled", value: unknown): boolean {
    if (this.settled) return false;
    this.status = status;
    this.value = value;
    this.onCancel = null;
    this.onChange?.(this);
    const ws = this.waiters;
    if (ws !== null) {
      this.waiters = null;
      const o = this.outcome()!;
      for (const w of ws) w(o);
    }
    return true;
  }
}
