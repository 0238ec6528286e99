// Tasks, cancellation and the things a task parks on (issue 11).
//
// Every fiber that parks has a TaskInfo: what it is parked on, since when, a park
// generation (a wake-up from an earlier park can never wake a later one), and a pending
// cancellation. Cancelling a task:
//   - parked on something that can be released (timer, future waiter, fd watch, pool
//     result, channel queue): release it at once and wake the task with the Raise marker,
//     which beagle.async turns into `throw(Error.Cancelled {})` at the user's call site;
//   - running (or parked where it cannot be interrupted): remember it; the next suspension
//     point returns the marker instead of parking.
// Delivery is one-shot: a task that catches Error.Cancelled and goes on is not cancelled
// again (Tokio's model rather than Trio's level-triggered one). A task that never suspends
// is never interrupted.
import { type Fiber, FiberState, INTRINSIC_DONE } from "../objects.ts";
import { Struct, StructType, type Value } from "../values.ts";
import type { FutureCore } from "./future.ts";
import { BeagleThrow } from "../errors.ts";

/** What a cancelled suspension point returns: beagle.async's __async-check throws `error`. */
export const RaiseType = new StructType("beagle.async", "__Raise", ["error"]);
export function isRaise(v: Value): v is Struct {
  return v instanceof Struct && v.type === RaiseType;
}

let nextTaskId = 1;

export class TaskInfo {
  readonly id = nextTaskId++;
  /** bumped on every park and wake: stale wake-ups compare and drop */
  gen = 0;
  cancelPending = false;
  /** the waiting is shielded: a cancellation waits for the next unshielded suspension */
  shielded = false;
  /** parked where the result goes straight to user code (the prelude's sleep): cancel throws in */
  throwIn = false;
  parkedOn: string | null = null;
  /** with parkedOn "sleep": the milliseconds (the label is built only when someone reads it) */
  parkedMs = 0;
  parkedSince = 0;
  /** the future a spawned task settles (null for main, threads and callSync fibers) */
  future: Struct | null = null;
  core: FutureCore | null = null;
  /** the cancellation token (beagle.async CancellationToken) the task runs under */
  token: Value = null;
  exited = false;
  /** started by the runtime (AsyncRuntime.startTask): its future is resolved when the fiber ends */
  native = false;
  /** the OS-thread-like identity `thread-id` reports: a task shares its spawner's */
  threadId: number;
  private exitWaiters: (() => void)[] | null = null;
  constructor(readonly fiber: Fiber) {
    this.threadId = fiber.id;
  }

  onExit(cb: () => void) {
    if (this.exited) cb();
    else if (this.exitWaiters === null) this.exitWaiters = [cb];
    else this.exitWaiters.push(cb);
  }
  removeExitWaiter(cb: () => void) {
    const i = this.exitWaiters === null ? -1 : this.exitWaiters.indexOf(cb);
    if (i >= 0) this.exitWaiters!.splice(i, 1);
  }
  exit() {
    if (this.exited) return;
    this.exited = true;
    const ws = this.exitWaiters;
    this.exitWaiters = null;
    if (ws !== null) for (const w of ws) w();
  }
  /** What the task is parked on, for people: "sleep 10 ms", "await", "channel receive"... */
  get parkedLabel(): string | null {
    return this.parkedOn === "sleep" ? `sleep ${this.parkedMs} ms` : this.parkedOn;
  }
  get state(): string {
    if (this.exited || this.fiber.state === FiberState.Done) return "done";
    return this.fiber.state === FiberState.Parked ? "parked" : "runnable";
  }
}

/** The part of the VM that tasks need (vm.ts). */
export interface Scheduler {
  park(f: Fiber): void;
  wake(f: Fiber, v: Value): void;
}

export type Release = () => void;

export class Tasks {
  /** spawned tasks that have not exited, by id (introspection: async/tasks()) */
  readonly live = new Map<number, TaskInfo>();
  /** tasks under each cancellation token */
  private readonly byToken = new WeakMap<object, Set<TaskInfo>>();
  /** fibers parked through suspend (SIGINT cancels them all, main included) */
  readonly parked = new Set<Fiber>();
  /** futures whose rejection nobody has looked at yet */
  readonly unobserved = new Set<FutureCore>();
  constructor(
    private readonly vm: Scheduler,
    private readonly raise: () => Value,
    private readonly now: () => number,
    /** resume a parked fiber by throwing `error` at its suspension point */
    private readonly throwInto: (fiber: Fiber, error: Value) => void = () => {},
  ) {}

  info(fiber: Fiber): TaskInfo {
    let t = fiber.task as TaskInfo | null;
    if (!t) {
      t = new TaskInfo(fiber);
      fiber.task = t;
    }
    return t;
  }

  /** A freshly spawned task fiber settling `core`, under `token`. */
  register(fiber: Fiber, future: Struct, core: FutureCore, token: Value): TaskInfo {
    const t = this.info(fiber);
    t.future = future;
    t.core = core;
    t.token = token;
    this.live.set(t.id, t);
    if (token instanceof Struct) {
      let set = this.byToken.get(token);
      if (!set) {
        set = new Set();
        this.byToken.set(token, set);
      }
      set.add(t);
    }
    core.onCancel = () => this.cancel(fiber);
    return t;
  }

  exited(fiber: Fiber) {
    const t = fiber.task as TaskInfo | null;
    if (!t) return;
    this.live.delete(t.id);
    if (t.token instanceof Struct) this.byToken.get(t.token)?.delete(t);
    t.exit();
  }

  /** Cancel every task running under `token`. */
  cancelToken(token: Value) {
    if (!(token instanceof Struct)) return;
    const set = this.byToken.get(token);
    if (!set) return;
    for (const t of [...set]) {
      if (t.core && !t.core.settled) t.core.cancel();
      else this.cancel(t.fiber);
    }
  }

  /** Deliver Error.Cancelled to the fiber at its current or next suspension point. */
  cancel(fiber: Fiber) {
    const t = this.info(fiber);
    if (t.exited || fiber.state === FiberState.Done) return;
    if (fiber.state === FiberState.Parked && fiber.release && !t.shielded) {
      const release = fiber.release;
      release();
      fiber.release = null;
      this.parked.delete(fiber);
      t.gen++;
      t.parkedOn = null;
      if (t.throwIn) {
        t.throwIn = false;
        this.throwInto(fiber, (this.raise() as Struct).f[0]);
      } else this.vm.wake(fiber, this.raise());
    } else t.cancelPending = true;
  }

  /**
   * Park `fiber` on `what`. `arm(wake)` registers the wake-up (it must not call wake
   * synchronously) and returns what releases it. Returns INTRINSIC_DONE, or the Raise
   * marker at once when a cancellation is pending (unless `shield`).
   */
  suspend(
    fiber: Fiber,
    what: string,
    arm: (wake: (v: Value) => void) => Release,
    shield = false,
    throwIn = false,
    now = this.now(),
  ): Value {
    const t = this.info(fiber);
    if (t.cancelPending && !shield) {
      t.cancelPending = false;
      if (throwIn) throw new BeagleThrow((this.raise() as Struct).f[0]);
      return this.raise();
    }
    t.throwIn = throwIn;
    const gen = ++t.gen;
    const wake = (v: Value) => {
      if (t.gen !== gen || fiber.state !== FiberState.Parked) return;
      t.gen++;
      // drop the other registrations of a park on several things (a timeout's timer...)
      const release = fiber.release;
      fiber.release = null;
      this.parked.delete(fiber);
      release?.();
      t.parkedOn = null;
      t.shielded = false;
      t.throwIn = false;
      this.vm.wake(fiber, v);
    };
    this.vm.park(fiber);
    this.parked.add(fiber);
    t.parkedOn = what;
    t.parkedSince = now;
    t.shielded = shield;
    const release = arm(wake);
    if (t.gen === gen) fiber.release = release;
    return INTRINSIC_DONE;
  }

  /** The pending cancellation of a fiber that is about to suspend some other way (io ops). */
  takePending(fiber: Fiber): boolean {
    const t = this.info(fiber);
    if (!t.cancelPending) return false;
    t.cancelPending = false;
    return true;
  }
}

// ------------------------------------------------------------------ channels

interface Waiter {
  wake: (v: Value) => void;
  value: Value;
}

/** A FIFO channel whose receivers park when it is empty and senders when it is full. */
export class ChannelCore {
  readonly buf: Value[] = [];
  head = 0;
  closed = false;
  /** the most items ever buffered (tests check a bounded channel against its capacity) */
  highWater = 0;
  readonly receivers: Waiter[] = [];
  readonly senders: Waiter[] = [];
  constructor(readonly capacity: number) {}
  get count(): number {
    return this.buf.length - this.head;
  }
  push(v: Value) {
    this.buf.push(v);
    if (this.count > this.highWater) this.highWater = this.count;
  }
  shift(): Value {
    const v = this.buf[this.head++];
    if (this.head > 1024 && this.head * 2 > this.buf.length) {
      this.buf.splice(0, this.head);
      this.head = 0;
    }
    return v;
  }
  get full(): boolean {
    return this.capacity > 0 && this.count >= this.capacity;
  }
}
