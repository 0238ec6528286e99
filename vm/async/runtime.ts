// The VM side of beagle.async: futures as Beagle values, parking fibers on
// futures and timers, task fibers, and the idle hook that sleeps until the
// next event instead of spinning.
//
// A parked fiber is resumed with vm.wake(fiber, value): the value becomes the
// result of the intrinsic call it parked in (`__future-await`, `__sleep-ms`,
// `__file-op`), and the Beagle handler then resumes the task's continuation.
import { Fiber, INTRINSIC_DONE } from "../objects.ts";
import { EnumType, Struct, StructType, type Value } from "../values.ts";
import { runtimeError, typeError } from "../errors.ts";
import { PersistentVector } from "../collections/vector.ts";
import { FutureCore, type Outcome } from "./future.ts";
import { TimerHeap } from "./timers.ts";
import type { VM } from "../vm.ts";
import { builtins as fsBuiltins } from "../builtins/fs.ts";
import { blockingSleep } from "../builtins/core.ts";
import { ok } from "../core-types.ts";
import { LoopBackend } from "./loop-backend.ts";
import { type Abort, type FdReadiness, type IoContext, ioOp } from "./io-ops.ts";
import { finallyBuiltins } from "../interp.ts";

/** Something outside the VM that can block until an event arrives (the FFI event loop). */
export interface IoBackend {
  /** Block up to timeoutMs (-1: forever) for completions; deliver them via their callbacks. */
  wait(timeoutMs: number): void;
  /** Operations in flight whose completion will wake a fiber. */
  readonly pending: number;
  /** Submit a file operation; `done` receives a Beagle Result value. */
  fileOp?(op: string, a: Value, b: Value, done: (result: Value) => void): void;
  /** Watch an fd for readiness (absent on backends without a poller). */
  watchFd?(fd: number, interest: number, ready: (ev: FdReadiness) => void): Abort;
  close(): Promise<void> | void;
}

/** A dependency-free backend: sleeps the thread until the next timer. */
class SleepBackend implements IoBackend {
  readonly pending = 0;
  wait(timeoutMs: number) {
    blockingSleep(timeoutMs);
  }
  close() {}
}

const futureCores = new WeakMap<Struct, FutureCore>();

export class AsyncRuntime {
  readonly timers = new TimerHeap();
  /** The FFI event loop with its Worker pool; BEAGLE_IO=sleep keeps everything on this thread. */
  backend: IoBackend = process.env.BEAGLE_IO === "sleep" ? new SleepBackend() : new LoopBackend();
  /** generic I/O operations (io-ops.ts) whose task is parked on them */
  ioInflight = 0;
  /** What evented I/O operations may use of the loop. */
  readonly io: IoContext = {
    watchFd: (fd, interest, ready) => {
      const watch = this.backend.watchFd;
      if (!watch) runtimeError("RuntimeError", "this I/O backend cannot watch file descriptors (BEAGLE_IO=sleep)");
      return watch.call(this.backend, fd, interest, ready);
    },
    addTimer: (ms, fire) => {
      const t = this.timers.add(ms, fire);
      return () => this.timers.cancel(t);
    },
  };
  private futureType: StructType | null = null;
  private stateEnum: EnumType | null = null;
  private atomType: StructType | null = null;

  constructor(private readonly vm: VM) {
    vm.idleHook = () => this.idle();
  }

  /** Block until a timer or I/O completion can make progress; false when nothing ever will. */
  private idle(): boolean {
    const timeout = this.timers.nextTimeout();
    if (timeout < 0 && this.backend.pending === 0 && this.ioInflight === 0) return false;
    this.backend.wait(timeout);
    this.timers.fireDue();
    return true;
  }

  private types() {
    if (!this.futureType) {
      const ns = this.vm.namespaces.get("beagle.async");
      const f = ns?.vars.get("Future")?.value;
      const s = ns?.vars.get("FutureState")?.value;
      const a = this.vm.core.vars.get("Atom")?.value;
      if (!(f instanceof StructType) || !(s instanceof EnumType) || !(a instanceof StructType)) {
        runtimeError("RuntimeError", "beagle.async is not loaded");
      }
      this.futureType = f;
      this.stateEnum = s;
      this.atomType = a;
    }
    return { future: this.futureType, state: this.stateEnum!, atom: this.atomType! };
  }

  private stateValue(core: FutureCore): Value {
    const variant = this.types().state.variants.get(core.status)!;
    if (core.status === "Resolved" || core.status === "Rejected") return new Struct(variant, [core.value]);
    return variant.unit ?? new Struct(variant, []);
  }

  /** A new Future struct `Future { state_atom: Atom { value: FutureState.X } }` backed by a FutureCore. */
  makeFuture(initial: "Pending" | "Running"): Struct {
    const t = this.types();
    const core = new FutureCore(initial);
    const atom = new Struct(t.atom, [this.stateValue(core)]);
    const fut = new Struct(t.future, [atom]);
    core.onChange = (c) => {
      atom.f[0] = this.stateValue(c);
    };
    futureCores.set(fut, core);
    return fut;
  }

  core(f: Value): FutureCore {
    const c = f instanceof Struct ? futureCores.get(f) : undefined;
    if (!c) typeError(`Expected a Future, got ${f === null ? "null" : "another value"}`);
    return c;
  }

  /** The value an awaiting fiber receives: the value itself, or a marker the Beagle side rethrows. */
  private awaitResult(o: Outcome): Value {
    const ns = this.vm.namespaces.get("beagle.async")!;
    if (o.status === "Resolved") return o.value;
    if (o.status === "Rejected") return new Struct(ns.vars.get("AwaitRejected")!.value as StructType, [o.error]);
    return new Struct(ns.vars.get("AwaitCancelled")!.value as StructType, []);
  }

  install() {
    const vm = this.vm;
    const core = "beagle.core";
    // try/finally's helpers (the language's, installed here because every runtime installs async)
    for (const [name, fn] of Object.entries(finallyBuiltins)) vm.defineBuiltin(core, name, fn);
    vm.defineBuiltin(core, "__make-future", (state) =>
      this.makeFuture(state === "pending" || (state as { name?: string })?.name === "pending" ? "Pending" : "Running"),
    );
    vm.defineBuiltin(core, "__future-resolve!", (f, v) => this.core(f).resolve(v));
    vm.defineBuiltin(core, "__future-reject!", (f, e) => this.core(f).reject(e));
    vm.defineBuiltin(core, "__future-cancel!", (f) => this.core(f).cancel());
    vm.defineBuiltin(core, "__future-start!", (f) => this.core(f).start());
    vm.defineBuiltin(core, "__future-settled?", (f) => this.core(f).settled);
    vm.defineBuiltin(core, "__future-status", (f) => this.core(f).status);
    /** The outcome of a settled future as an await result; null-safe. */
    // Errors travel back to the awaiting flow as values and are rethrown there,
    // so the caller's try/catch sees them.
    vm.defineBuiltin(core, "__future-result", (f) => {
      const c = this.core(f);
      const o = c.outcome();
      if (o) return this.awaitResult(o);
      const msg = `Attempted to await a ${c.status === "Pending" ? "pending" : "running"} future in blocking mode`;
      return this.awaitResult({ status: "Rejected", error: vm.systemError("RuntimeError", msg, "beagle.async/await") });
    });
    // Park the calling fiber until the future settles.
    vm.defineIntrinsic(core, "__future-await", (fiber, [f]) => {
      const c = this.core(f);
      const o = c.outcome();
      if (o) return this.awaitResult(o);
      vm.park(fiber);
      c.onSettle((out) => vm.wake(fiber, this.awaitResult(out)));
      return INTRINSIC_DONE;
    });
    // Park the calling fiber for `ms` milliseconds on the timer heap.
    vm.defineIntrinsic(core, "__sleep-ms", (fiber, [ms]) => {
      const d = typeof ms === "number" ? ms : Number(ms);
      vm.park(fiber);
      this.timers.add(d, () => vm.wake(fiber, null));
      return INTRINSIC_DONE;
    });
    // Run fn(...args) on a new fiber.
    vm.defineBuiltin(core, "__spawn-fiber", (fn, args) => {
      vm.spawn(fn, args instanceof PersistentVector ? args.toArray() : []);
      return null;
    });
    // A file operation on the worker pool (if the I/O backend has one), parking the fiber.
    vm.defineIntrinsic(core, "__file-op", (fiber, [op, a, b]) => {
      const backend = this.backend;
      if (!backend.fileOp) return this.fileOpSync(op, a, b);
      vm.park(fiber);
      backend.fileOp(op, a, b, (result) => vm.wake(fiber, result));
      return INTRINSIC_DONE;
    });
    // A generic I/O operation (io-ops.ts) done on this thread: BlockingHandler.
    vm.defineBuiltin(core, "__io-blocking", (kind, args) => ioOp(kind).blocking(argList(args)));
    // A generic I/O operation that parks the task until it completes (EventLoopHandler,
    // or ThreadedHandler when `threaded` is true). A completion that arrives before the
    // task parks is returned at once; fiber.release aborts the operation (cancellation).
    vm.defineIntrinsic(core, "__io-park", (fiber, [kind, args, threaded]) => {
      const op = ioOp(kind);
      const start = threaded === true && op.threaded ? op.threaded : op.evented;
      let done = false;
      let parked = false;
      let early: Value = null;
      const abort = start.call(
        op,
        argList(args),
        (result) => {
          if (done) return;
          done = true;
          if (!parked) {
            early = result;
            return;
          }
          this.ioInflight--;
          fiber.release = null;
          vm.wake(fiber, result);
        },
        this.io,
      );
      if (done) return early;
      parked = true;
      this.ioInflight++;
      fiber.release = () => {
        if (done) return;
        done = true;
        this.ioInflight--;
        fiber.release = null;
        abort();
      };
      vm.park(fiber);
      return INTRINSIC_DONE;
    });
    vm.defineBuiltin(core, "__file-op-sync", (op, a, b) => this.fileOpSync(op, a, b));
    vm.defineBuiltin(core, "__async-pending-timers", () => this.timers.size);
    // The prelude's `sleep(ms)`: like upstream, only the caller waits. A scheduled
    // fiber parks on a timer; a synchronous call (struct default, module init)
    // cannot suspend, so it blocks.
    vm.defineIntrinsic(core, "sleep", (fiber, [ms]) => {
      if (typeof ms !== "number" && typeof ms !== "bigint") typeError("sleep expects a number of milliseconds");
      if (!fiber.scheduled) {
        blockingSleep(Number(ms));
        return null;
      }
      vm.park(fiber);
      this.timers.add(Number(ms), () => vm.wake(fiber, null));
      return INTRINSIC_DONE;
    });
    vm.defineBuiltin(core, "__blocking-sleep", (ms) => {
      blockingSleep(Number(ms));
      return null;
    });
    // ThreadedHandler's sleep: a blocking sleep on a pool worker when there is a
    // pool; otherwise the fiber parks on a timer.
    vm.defineIntrinsic(core, "__pool-sleep", (fiber, [ms]) => {
      const backend = this.backend;
      vm.park(fiber);
      if (backend.fileOp) backend.fileOp("sleep", ms, null, () => vm.wake(fiber, null));
      else this.timers.add(Number(ms), () => vm.wake(fiber, null));
      return INTRINSIC_DONE;
    });
  }

  /** The same operation done synchronously on this thread (BlockingHandler, or no pool). */
  fileOpSync(op: Value, a: Value, b: Value): Value {
    const f = fsBuiltins[`__fs-${op}`];
    if (!f) runtimeError("RuntimeError", `unknown file operation ${String(op)}`);
    const r = f(a, b);
    // beagle.fs's predicates answer a plain Bool; the async API answers ok(Bool), as upstream
    return typeof r === "boolean" ? ok(r) : r;
  }
}

function argList(args: Value): Value[] {
  if (args instanceof PersistentVector) return args.toArray();
  if (args === null) return [];
  typeError("I/O operation arguments must be a vector");
}

export function installAsync(vm: VM): AsyncRuntime {
  const rt = new AsyncRuntime(vm);
  rt.install();
  return rt;
}

export type { Fiber };
