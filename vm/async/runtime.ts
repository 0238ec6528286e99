// The VM side of beagle.async: futures as Beagle values, parking fibers on
// futures and timers, task fibers, and the idle hook that sleeps until the
// next event instead of spinning.
//
// A parked fiber is resumed with vm.wake(fiber, value): the value becomes the
// result of the intrinsic call it parked in (`__future-await`, `__sleep-ms`,
// `__file-op`), and the Beagle handler then resumes the task's continuation.
import { Builtin, Closure, Fiber, FiberState, Frame, FrameKind, INTRINSIC_DONE, type Var } from "../objects.ts";
import { FnProto, Op } from "../bytecode.ts";
import { BFloat, EnumType, Keyword, Struct, StructType, type Value } from "../values.ts";
import { PersistentMap } from "../collections/map.ts";
import { BeagleThrow, captureTrace, recordUncaught, rememberValueTrace } from "../errors.ts";
import { ChannelCore, RaiseType, type TaskInfo, Tasks, isRaise } from "./tasks.ts";
import { runtimeError, typeError } from "../errors.ts";
import { PersistentVector } from "../collections/vector.ts";
import { FutureCore, type Outcome } from "./future.ts";
import { TimerHeap } from "./timers.ts";
import type { VM } from "../vm.ts";
import { builtins as fsBuiltins } from "../builtins/fs.ts";
import { blockingSleep } from "../builtins/core.ts";
import { errorValue, ok } from "../core-types.ts";
import { LoopBackend } from "./loop-backend.ts";
import { type Abort, type FdReadiness, type IoContext, ioOp } from "./io-ops.ts";
import { TASK_FAILED, callValue, finallyBuiltins, findHandle, handlerImplOf, throwValue } from "../interp.ts";
import { catchSignals, dieOfSignal, releaseSignals, takeSignal } from "../../ffi/signals.ts";

/** How often an idle program with a Ctrl-C handler looks for the signal. */
const SIGNAL_POLL_MS = 50;

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

const ASYNC_FILE = "stdlib/beagle.async.bg";

/**
 * A Future struct that carries its FutureCore in a field: finding the core is a field read
 * (a WeakMap from struct to core cost a hash lookup per operation and ephemeron work in every GC).
 */
class FutureStruct extends Struct {
  constructor(
    type: StructType,
    f: Value[],
    readonly core: FutureCore,
  ) {
    super(type, f);
  }
}

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
  /** tasks, their cancellation and what they are parked on (tasks.ts) */
  readonly tasks: Tasks;
  /** async/with-virtual-time nesting: while > 0, an idle program jumps the clock to the next timer */
  virtualDepth = 0;
  /** cancellation tokens that have been cancelled (a task spawned under one never starts) */
  private readonly cancelledTokens = new WeakSet<object>();
  private readonly channels = new WeakMap<object, ChannelCore>();
  private readonly channelHandle = new StructType("beagle.channel", "ChannelHandle", []);

  constructor(private readonly vm: VM) {
    vm.idleHook = () => this.idle();
    vm.pollHook = () => this.poll();
    this.tasks = new Tasks(
      vm,
      () => this.cancelledMarker(),
      () => this.timers.now(),
      (fiber, error) => this.throwInto(fiber, error),
    );
  }

  /**
   * Set by vm/run.ts around a program's main: the first SIGINT cancels every task instead of
   * killing. Caught from the start (not only once idle), so a Ctrl-C that arrives between the
   * program's last output and its idle wait is not lost; released when main is done.
   */
  private graceful = false;
  get gracefulSigint(): boolean {
    return this.graceful;
  }
  set gracefulSigint(on: boolean) {
    this.graceful = on;
    if (on) catchSignals();
    else if (!this.interrupted) releaseSignals();
  }
  /** a SIGINT has cancelled everything: the program exits 130 */
  interrupted = false;

  /**
   * Between two slices of a runnable fiber: deliver the I/O completions and timers that are
   * already due, without waiting (else a fiber that polls a channel in a loop starves the
   * socket I/O and sleeps of the fibers that would fill it).
   */
  private poll() {
    if (this.backend.pending > 0 || this.ioInflight > 0) this.backend.wait(0);
    if (!this.timers.virtual) this.timers.fireDue();
  }

  /** Block until a timer or I/O completion can make progress; false when nothing ever will. */
  private idle(): boolean {
    const timeout = this.timers.nextTimeout();
    if (timeout < 0 && this.backend.pending === 0 && this.ioInflight === 0) return false;
    if (this.timers.virtual && timeout >= 0 && this.backend.pending === 0 && this.ioInflight === 0) {
      // every task is parked on time alone: jump to the next deadline (Trio's autojump clock)
      this.timers.advanceTo(this.timers.nextDeadline()!);
      this.timers.fireDue();
      return true;
    }
    if (this.graceful && !this.interrupted && catchSignals()) {
      // wait in slices so a Ctrl-C is seen while every task is parked (the waits retry EINTR)
      this.backend.wait(timeout < 0 ? SIGNAL_POLL_MS : Math.min(timeout, SIGNAL_POLL_MS));
      const s = takeSignal();
      if (s === 2) this.interrupt();
      else if (s) {
        this.vm.flush();
        dieOfSignal(s);
      }
      this.timers.fireDue();
      return true;
    }
    this.backend.wait(timeout);
    this.timers.fireDue();
    return true;
  }

  /**
   * The first Ctrl-C: cancel every task and every parked fiber (main included), so finally
   * blocks run and the program winds down; the second one kills at once (default action).
   */
  private interrupt() {
    this.interrupted = true;
    releaseSignals();
    for (const t of [...this.tasks.live.values()]) {
      if (t.core && !t.core.settled) t.core.cancel();
      else this.tasks.cancel(t.fiber);
    }
    for (const f of [...this.tasks.parked]) this.tasks.cancel(f);
  }

  /** Resume a parked fiber by throwing `error` where it parked (its try/catch/finally see it). */
  private throwInto(fiber: Fiber, error: Value) {
    this.vm.schedule(fiber);
    if (!throwValue(this.vm, fiber, error)) {
      fiber.error = error;
      recordUncaught(fiber, error, -1);
      fiber.frames.length = 0;
      fiber.state = FiberState.Done;
    }
  }

  /** The value a cancelled suspension point returns; beagle.async throws its error. */
  cancelledMarker(): Value {
    return new Struct(RaiseType, [errorValue("Cancelled", {})]);
  }

  private raiseMarker(error: Value): Value {
    return new Struct(RaiseType, [error]);
  }

  private observe(c: FutureCore) {
    // only a rejected core that nobody had observed can be in the set
    if (c.observed) return;
    c.observed = true;
    if (c.status === "Rejected") this.tasks.unobserved.delete(c);
  }

  /** Rejected futures nobody awaited: reported when the program ends (vm/run.ts). */
  unobservedErrors(): Value[] {
    const out: Value[] = [];
    for (const c of this.tasks.unobserved) if (c.status === "Rejected") out.push(c.value as Value);
    this.tasks.unobserved.clear();
    return out;
  }

  /** A line per live task (async/tasks(), BEAGLE_DUMP_TASKS). */
  describeTasks(): string[] {
    const now = this.timers.now();
    return [...this.tasks.live.values()].map((t) => {
      const on = t.parkedOn ? ` on ${t.parkedLabel} for ${Math.round(now - t.parkedSince)} ms` : "";
      return `task ${t.id}: ${t.state}${on}${t.cancelPending ? " (cancel pending)" : ""}`;
    });
  }

  /**
   * Throw a SystemError located at the user's call (the innermost frame outside the stdlib):
   * argument checks run inside beagle.async, but the mistake is the caller's.
   */
  userError(kind: "TypeError" | "RuntimeError", message: string): never {
    const frames = this.vm.current?.frames ?? [];
    let where = "unknown";
    for (let i = frames.length - 1; i >= 0; i--) {
      const f = frames[i]!;
      const p = f.closure.proto;
      if (p.file.startsWith("stdlib/")) continue;
      let k = f.pc - 1;
      while (k > 0 && !p.lines[k]) k--;
      where = `${p.qualifiedName} (${p.file}:${p.lines[k] || p.line})`;
      break;
    }
    throw new BeagleThrow(this.vm.systemError(kind, message, where));
  }

  private channel(h: Value): ChannelCore {
    const c = h instanceof Struct ? this.channels.get(h) : undefined;
    if (!c) typeError("Expected a channel");
    return c;
  }

  private types() {
    if (this.typesCache === null) {
      const ns = this.vm.namespaces.get("beagle.async");
      const f = ns?.vars.get("Future")?.value;
      const s = ns?.vars.get("FutureState")?.value;
      const a = this.vm.core.vars.get("Atom")?.value;
      if (!(f instanceof StructType) || !(s instanceof EnumType) || !(a instanceof StructType)) {
        runtimeError("RuntimeError", "beagle.async is not loaded");
      }
      this.typesCache = { future: f, state: s, atom: a };
    }
    return this.typesCache;
  }
  /** Every future's onChange (one function, not a closure per future): mirror the state into its atom. */
  private readonly mirrorState = (c: FutureCore) => {
    (c.mirror as Struct).f[0] = this.stateValue(c);
  };
  private typesCache: { future: StructType; state: EnumType; atom: StructType } | null = null;

  private stateValue(core: FutureCore): Value {
    let byStatus = this.stateVariants;
    if (byStatus === null) {
      const vs = this.types().state.variants;
      byStatus = this.stateVariants = {
        Pending: vs.get("Pending")!,
        Running: vs.get("Running")!,
        Resolved: vs.get("Resolved")!,
        Rejected: vs.get("Rejected")!,
        Cancelled: vs.get("Cancelled")!,
      };
    }
    const variant = byStatus[core.status];
    if (core.status === "Resolved" || core.status === "Rejected") return new Struct(variant, [core.value]);
    return variant.unit ?? new Struct(variant, []);
  }
  private stateVariants: Record<FutureCore["status"], StructType> | null = null;

  /** A new Future struct `Future { state_atom: Atom { value: FutureState.X } }` backed by a FutureCore. */
  makeFuture(initial: "Pending" | "Running"): Struct {
    const t = this.types();
    const core = new FutureCore(initial);
    const atom = new Struct(t.atom, [this.stateValue(core)]);
    const fut = new FutureStruct(t.future, [atom], core);
    core.mirror = atom;
    core.onChange = this.mirrorState;
    return fut;
  }

  core(f: Value): FutureCore {
    const c = f instanceof FutureStruct ? f.core : undefined;
    if (!c) typeError(`Expected a Future, got ${f === null ? "null" : "another value"}`);
    return c;
  }

  /** The value an awaiting fiber receives: the value itself, or a marker the Beagle side rethrows. */
  private awaitResult(o: Outcome): Value {
    if (o.status === "Resolved") return o.value;
    const ns = this.vm.namespaces.get("beagle.async")!;
    if (o.status === "Rejected") return new Struct(ns.vars.get("AwaitRejected")!.value as StructType, [o.error]);
    return new Struct(ns.vars.get("AwaitCancelled")!.value as StructType, []);
  }

  /** Park `fiber` until `c` settles; its await result at once when it has settled. */
  private awaitOn(fiber: Fiber, c: FutureCore): Value {
    this.observe(c);
    const o = c.outcome();
    if (o) return this.awaitResult(o);
    return this.tasks.suspend(fiber, "await", (wake) => {
      const cb = (out: Outcome) => wake(this.awaitResult(out));
      c.onSettle(cb);
      return () => c.removeWaiter(cb);
    });
  }

  /** Start runner(...args) as the task settling `future`, under `token` (null: the spawner's). */
  private spawnTask(runner: Value, args: Value[], future: Value, c: FutureCore, token: Value): Value {
    const vm = this.vm;
    const tok = token ?? (vm.current ? this.tasks.info(vm.current).token : null);
    if (tok instanceof Struct && this.cancelledTokens.has(tok)) {
      c.cancel();
      return future;
    }
    const fiber =
      (runner === this.runTaskFn() && args.length === 3 && this.startTask(args[0], args[1])) || vm.spawn(runner, args);
    const t = this.tasks.register(fiber, future as Struct, c, tok);
    // tasks run on their spawner's (green) thread, as upstream's cooperative ones do
    if (vm.current) t.threadId = this.tasks.info(vm.current).threadId;
    if (fiber.state === FiberState.Done) this.tasks.exited(fiber);
    else fiber.onDone = this.taskDone;
    return future;
  }

  private readonly ownHook: NonNullable<VM["fastPerform"]> = (fiber, effect, handler, impl, op) =>
    this.fastPerform(fiber, effect, handler, impl, op);

  private runTaskVar: Var | null | undefined = undefined;
  /** beagle.async's `__run-task`, the Beagle runner of a task body. */
  private runTaskFn(): Value {
    if (this.runTaskVar === undefined)
      this.runTaskVar = this.vm.namespaces.get("beagle.async")?.vars.get("__run-task") ?? null;
    return this.runTaskVar === null ? undefined : this.runTaskVar.value;
  }

  /** A task's fiber ended: settle its future with the body's value (a failure already rejected it). */
  private readonly taskDone = (f: Fiber) => {
    const t = f.task as TaskInfo | null;
    if (t?.native && f.error === undefined) t.core?.resolve(f.result);
    this.tasks.exited(f);
  };

  /**
   * What `__run-task(handler, thunk, future)` does, without its Beagle frames and closures: a
   * fiber whose stack is a Handle boundary (the Async effect, `handler`), a Try boundary whose
   * catch rejects the future (__task-failed, below), and the thunk's call. Both boundaries run
   * a one-instruction body that returns what the frame above delivers; the future is resolved
   * when the fiber ends (taskDone). Null for a thunk that is not a plain zero-argument
   * function: the Beagle runner then reports what is wrong with it inside the task.
   */
  private startTask(handler: Value, thunk: Value): Fiber | null {
    if (!(thunk instanceof Closure) || thunk.proto.variadic || thunk.proto.nparams !== 0) return null;
    const effect = this.vm.namespaces.get("beagle.async")?.vars.get("Async")?.value;
    if (!(effect instanceof EnumType)) return null;
    const fiber = new Fiber();
    fiber.scheduled = true;
    const h = new Frame(this.passClosure, [null]);
    h.kind = FrameKind.Handle;
    h.tag = effect;
    h.data = handler;
    const c = new Frame(this.passClosure, [null]);
    c.kind = FrameKind.Try;
    c.tag = this.taskFailed;
    c.data = false;
    fiber.frames.push(h, c);
    callValue(this.vm, fiber, thunk, []);
    this.tasks.info(fiber).native = true;
    this.vm.schedule(fiber);
    return fiber;
  }

  /** The body of startTask's boundary frames: `Return` of the value delivered to it. */
  private readonly passClosure = (() => {
    const p = new FnProto("__run-task", "beagle.async", "stdlib/beagle.async.bg");
    p.code = Int32Array.of(Op.Return);
    p.lines = new Int32Array(1);
    p.cols = new Int32Array(1);
    p.maxStack = 1;
    return new Closure(p, []);
  })();

  /** The catch of a task body: its failure rejects the task's future (as `__future-reject!`). */
  private readonly taskFailed = new Builtin(TASK_FAILED, (e: Value) => {
    const f = this.vm.current;
    const c = f ? (f.task as TaskInfo | null)?.core : null;
    if (c) {
      const changed = c.reject(e);
      if (changed && !c.observed && c.waiterCount === 0) this.tasks.unobserved.add(c);
    }
    return null;
  });

  /** What the fast path needs from beagle.async, looked up once it is loaded. */
  private fast: {
    async: EnumType;
    spawn: StructType;
    spawnWithToken: StructType;
    await: StructType;
    sleep: StructType;
    cancel: StructType;
    handlers: Set<StructType>;
    runTask: Var;
  } | null = null;

  /**
   * Spawn, await, sleep and cancel under the stdlib's fiber-per-task handlers (EventLoopHandler
   * and the others whose `handle` is `resume(__task-op(...))`) without running the handler:
   * those arms of `__task-op` compute the resumed value from the operation alone (parking the
   * fiber for await and sleep), so doing that computation here gives the same result with no
   * handler frames pushed and run. Anything else (another handler, a handler re-extended by a program, a malformed
   * operation) returns undefined: the ordinary capture path.
   */
  private fastPerform(fiber: Fiber, effect: EnumType, handler: Value, impl: Value, op: Struct): Value | undefined {
    const fast = this.fastInfo();
    if (fast === null) return undefined;
    if (effect !== fast.async || !(handler instanceof Struct) || !fast.handlers.has(handler.type)) return undefined;
    // the stdlib's own `handle`, not one a program put in its place
    if (!(impl instanceof Closure) || impl.proto.file !== ASYNC_FILE) return undefined;
    return this.fastOp(fiber, fast, handler, op);
  }

  /**
   * What vm.fastPerform answers for `op` if it were performed now by the running fiber, or
   * undefined (another handler in force, none, the hook switched off). Compiled code never
   * holds boundary frames, so the fiber's frames show every Handle in force even while
   * compiled code runs: __spawn-now and __await-now use this to spawn and await without a
   * perform, which compiled code cannot do without handing its frames to the interpreter.
   * Only for operations that never park.
   */
  private answerNow(variant: StructType, field: string, value: Value): Value | undefined {
    const hook = this.vm.fastPerform;
    const fiber = this.vm.current;
    const fast = this.fastInfo();
    if (hook === null || fiber === null || fast === null) return undefined;
    const i = findHandle(fiber.frames, fast.async);
    if (i < 0) return undefined;
    const handler = fiber.frames[i]!.data;
    const impl = handlerImplOf(this.vm, fast.async, handler);
    if (impl === undefined) return undefined;
    if (hook === this.ownHook) {
      // the runtime's own hook: the same checks and answers, without building the operation
      if (!(handler instanceof Struct) || !fast.handlers.has(handler.type)) return undefined;
      if (!(impl instanceof Closure) || impl.proto.file !== ASYNC_FILE) return undefined;
      if (variant === fast.spawn) return this.spawnOp(fast, handler, value, null);
      if (variant === fast.await && value instanceof FutureStruct) return this.awaitOn(fiber, value.core);
    }
    const fields: Value[] = new Array(variant.fields.length).fill(null);
    fields[variant.slots.get(field)!] = value;
    return hook(fiber, fast.async, handler, impl, new Struct(variant, fields));
  }

  private fastInfo() {
    let fast = this.fast;
    if (fast === null) {
      const ns = this.vm.namespaces.get("beagle.async");
      if (!ns) return null;
      const a = ns.vars.get("Async")?.value;
      const runTask = ns.vars.get("__run-task");
      if (!(a instanceof EnumType) || !runTask) return null;
      const handlers = new Set<StructType>();
      for (const n of ["EventLoopHandler", "ThreadedHandler", "CooperativeHandler", "ImplicitAsyncHandler"]) {
        const t = ns.vars.get(n)?.value;
        if (t instanceof StructType) handlers.add(t);
      }
      const v = (n: string) => a.variants.get(n) as StructType;
      this.vm.fastPerformEffect = a;
      fast = this.fast = {
        async: a,
        spawn: v("Spawn"),
        spawnWithToken: v("SpawnWithToken"),
        await: v("Await"),
        sleep: v("Sleep"),
        cancel: v("Cancel"),
        handlers,
        runTask,
      };
    }
    return fast;
  }

  private fastOp(
    fiber: Fiber,
    fast: NonNullable<AsyncRuntime["fast"]>,
    handler: Struct,
    op: Struct,
  ): Value | undefined {
    const t = op.type;
    if (t === fast.await) {
      const f = op.f[t.slots.get("future")!];
      if (!(f instanceof FutureStruct)) return undefined;
      return this.awaitOn(fiber, f.core);
    }
    if (t === fast.sleep) {
      // `__sleep-ms(ms)`; a bad `ms` (which beagle.async's sleep checks first) fails in the handler
      const ms = op.f[t.slots.get("ms")!];
      if (typeof ms !== "number" || !Number.isFinite(ms)) return undefined;
      return this.sleepPark(fiber, Math.max(ms, 0), this.okNull());
    }
    if (t === fast.cancel) {
      const f = op.f[t.slots.get("future")!];
      if (!(f instanceof FutureStruct)) return undefined;
      return f.core.cancel();
    }
    if (t === fast.spawn || t === fast.spawnWithToken) {
      const token = t === fast.spawn ? null : op.f[t.slots.get("token")!];
      return this.spawnOp(fast, handler, op.f[t.slots.get("thunk")!], token);
    }
    return undefined;
  }

  /** `__task-op`'s Spawn arm: a Running future, and `__run-task(handler, thunk, future)` as its task. */
  private spawnOp(fast: NonNullable<AsyncRuntime["fast"]>, handler: Struct, thunk: Value, token: Value): Value {
    const future = this.makeFuture("Running");
    return this.spawnTask(fast.runTask.value, [handler, thunk, future], future, (future as FutureStruct).core, token);
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
    vm.defineBuiltin(core, "__future-reject!", (f, e) => {
      const c = this.core(f);
      const changed = c.reject(e);
      if (changed && !c.observed && c.waiterCount === 0) this.tasks.unobserved.add(c);
      return changed;
    });
    vm.defineBuiltin(core, "__future-cancel!", (f) => this.core(f).cancel());
    vm.defineBuiltin(core, "__future-start!", (f) => this.core(f).start());
    vm.defineBuiltin(core, "__future-settled?", (f) => this.core(f).settled);
    vm.defineBuiltin(core, "__future-status", (f) => this.core(f).status);
    /** The outcome of a settled future as an await result; null-safe. */
    // Errors travel back to the awaiting flow as values and are rethrown there,
    // so the caller's try/catch sees them.
    vm.defineBuiltin(core, "__future-result", (f) => {
      const c = this.core(f);
      this.observe(c);
      const o = c.outcome();
      if (o) return this.awaitResult(o);
      const msg = `Attempted to await a ${c.status === "Pending" ? "pending" : "running"} future in blocking mode`;
      return this.awaitResult({ status: "Rejected", error: vm.systemError("RuntimeError", msg, "beagle.async/await") });
    });
    // Park the calling fiber until the future settles.
    vm.defineIntrinsic(core, "__future-await", (fiber, [f]) => this.awaitOn(fiber, this.core(f)));
    // Park the calling fiber for `ms` milliseconds on the timer heap; ok(null), or the
    // cancellation marker.
    vm.defineIntrinsic(core, "__sleep-ms", (fiber, [ms]) => this.sleepPark(fiber, checkMs(ms), this.okNull()));
    // Run fn(...args) on a new fiber.
    vm.defineBuiltin(core, "__spawn-fiber", (fn, args) => {
      vm.spawn(fn, args instanceof PersistentVector ? args.toArray() : []);
      return null;
    });
    // Start runner(...args) as the task settling `future`, under `token` (null: the
    // spawner's). A task under a token that is already cancelled never starts.
    vm.defineBuiltin(core, "__spawn-task", (runner, args, future, token) =>
      this.spawnTask(runner, args instanceof PersistentVector ? args.toArray() : [], future, this.core(future), token),
    );
    vm.fastPerform = this.ownHook;
    // spawn and await of a settled future without a perform, where the Async handler in force
    // is the stdlib's task handler: what fastPerform would answer, as plain builtins that
    // compiled code calls directly. Otherwise null / NOT_NOW: beagle.async then performs.
    vm.defineBuiltin(core, "__spawn-now", (thunk) => {
      const fast = this.fastInfo();
      return (fast && this.answerNow(fast.spawn, "thunk", thunk)) ?? null;
    });
    vm.defineBuiltin(core, "__await-now", (f) => {
      const fast = this.fastInfo();
      // a pending future parks: that needs the perform
      if (fast === null || !(f instanceof FutureStruct) || !f.core.settled) return NOT_NOW;
      const r = this.answerNow(fast.await, "future", f);
      return r === undefined || r === INTRINSIC_DONE ? NOT_NOW : r;
    });
    vm.defineBuiltin(core, "__not-now?", (r) => r === NOT_NOW);
    // A file operation on the worker pool (if the I/O backend has one), parking the fiber.
    // Cancelled, the task stops waiting and the pool's result is dropped when it comes.
    vm.defineIntrinsic(core, "__file-op", (fiber, [op, a, b]) => {
      const backend = this.backend;
      if (!backend.fileOp) return this.fileOpSync(op, a, b);
      return this.tasks.suspend(fiber, `file ${String(op)}`, (wake) => {
        backend.fileOp!(op, a, b, wake);
        return () => {};
      });
    });
    // A generic I/O operation (io-ops.ts) done on this thread: BlockingHandler.
    vm.defineBuiltin(core, "__io-blocking", (kind, args) => ioOp(kind).blocking(argList(args)));
    // A generic I/O operation that parks the task until it completes (EventLoopHandler,
    // or ThreadedHandler when `threaded` is true). A completion that arrives before the
    // task parks is returned at once; fiber.release aborts the operation (cancellation).
    vm.defineIntrinsic(core, "__io-park", (fiber, [kind, args, threaded]) => {
      const op = ioOp(kind);
      if (this.tasks.takePending(fiber)) return this.cancelledMarker();
      const task = this.tasks.info(fiber);
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
          this.tasks.parked.delete(fiber);
          task.parkedOn = null;
          task.gen++;
          vm.wake(fiber, result);
        },
        this.io,
      );
      if (done) return early;
      parked = true;
      this.ioInflight++;
      task.parkedOn = String(kind);
      this.tasks.parked.add(fiber);
      task.parkedSince = this.timers.now();
      task.gen++;
      fiber.release = () => {
        if (done) return;
        done = true;
        this.ioInflight--;
        fiber.release = null;
        this.tasks.parked.delete(fiber);
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
    // A cancellation point too: it returns straight to user code, so a cancellation is thrown
    // into the fiber where it sleeps rather than handed back as a marker.
    vm.defineIntrinsic(core, "sleep", (fiber, [ms]) => {
      const d = checkMs(ms);
      if (!fiber.scheduled) {
        blockingSleep(d);
        return null;
      }
      return this.tasks.suspend(
        fiber,
        "sleep",
        (wake) => {
          const t = this.timers.add(d, () => wake(null));
          return () => this.timers.cancel(t);
        },
        false,
        true,
      );
    });
    vm.defineBuiltin(core, "__blocking-sleep", (ms) => {
      blockingSleep(Number(ms));
      return null;
    });
    // ThreadedHandler's sleep: a blocking sleep on a pool worker when there is a
    // pool; otherwise the fiber parks on a timer.
    // (It used to block a pool worker per sleep; sleeping must not occupy the file pool.)
    vm.defineIntrinsic(core, "__pool-sleep", (fiber, [ms]) => this.sleepPark(fiber, checkMs(ms), ok(null)));
    this.installStructured();
  }

  private okType: StructType | null = null;
  /** `ok(null)`, what a sleep returns (a new struct each time, as ok() makes, without its generic field mapping) */
  private okNull(): Struct {
    if (this.okType === null) this.okType = ok(null).type;
    return new Struct(this.okType, [null]);
  }

  private sleepPark(fiber: Fiber, ms: number, result: Value): Value {
    const now = this.timers.now();
    const r = this.tasks.suspend(
      fiber,
      "sleep",
      (wake) => {
        const t = this.timers.add(ms, () => wake(result), now);
        return () => this.timers.cancel(t);
      },
      false,
      false,
      now,
    );
    if (r === INTRINSIC_DONE) this.tasks.info(fiber).parkedMs = ms;
    return r;
  }

  /** Park until every future in `fs` has settled and its task (if any) has exited. */
  private joinPark(fiber: Fiber, fs: Struct[], shield: boolean): Value {
    const waiting = fs.filter((f) => {
      const c = this.core(f);
      this.observe(c);
      const t = this.taskOf(c);
      return !c.settled || (t !== null && !t.exited);
    });
    if (waiting.length === 0) return null;
    return this.tasks.suspend(
      fiber,
      "task join",
      (wake) => {
        let left = waiting.length;
        const undo: (() => void)[] = [];
        const one = () => {
          if (--left === 0) wake(null);
        };
        for (const f of waiting) {
          const c = this.core(f);
          const t = this.taskOf(c);
          if (t && !t.exited) {
            t.onExit(one);
            undo.push(() => t.removeExitWaiter(one));
          } else {
            const cb = () => one();
            c.onSettle(cb);
            undo.push(() => c.removeWaiter(cb));
          }
        }
        return () => {
          for (const u of undo) u();
        };
      },
      shield,
    );
  }

  private taskOf(c: FutureCore) {
    return c.task;
  }

  /** Tokens, scopes, timeouts, races, channels, the virtual clock and introspection. */
  private installStructured() {
    const vm = this.vm;
    const core = "beagle.core";
    const tasks = this.tasks;
    const register = tasks.register.bind(tasks);
    tasks.register = (fiber, future, c, token) => {
      const t = register(fiber, future, c, token);
      c.task = t;
      return t;
    };
    // A suspension result: a cancellation marker is thrown here, in the performing task.
    vm.defineBuiltin(core, "__async-check", (r) => {
      if (isRaise(r)) {
        // reported where the user performed the operation, not inside the handler
        if (vm.current) rememberValueTrace(r.f[0], captureTrace(vm.current, -1), true);
        throw new BeagleThrow(r.f[0]);
      }
      return r;
    });
    vm.defineBuiltin(core, "__raise", (e) => this.raiseMarker(e));
    vm.defineBuiltin(core, "__is-raise", (r) => isRaise(r));
    // a task reports its spawner's thread (vm-builtins.ts's version gives each fiber its own id)
    vm.defineIntrinsic(core, "thread-id", (fiber) => {
      let f: Fiber = fiber;
      while (f.parent) f = f.parent;
      return this.tasks.info(f).threadId;
    });
    vm.defineBuiltin(core, "__check-future", (f, what) => {
      if (!(f instanceof FutureStruct))
        this.userError("TypeError", `${String(what)} expects a Future, got ${describeType(f)}`);
      return f;
    });
    vm.defineBuiltin(core, "__check-ms", (ms, what) => {
      try {
        checkMs(ms, String(what));
      } catch (e) {
        this.userError("TypeError", (e as Error).message);
      }
      return ms;
    });
    vm.defineBuiltin(core, "__token-cancel!", (token) => {
      if (token instanceof Struct) this.cancelledTokens.add(token);
      this.tasks.cancelToken(token);
      return null;
    });
    vm.defineBuiltin(core, "__current-token", () => (vm.current ? this.tasks.info(vm.current).token : null));
    // Park until one of the futures settles (they are all pending); null, or the marker.
    vm.defineIntrinsic(core, "__await-any", (fiber, [fsv]) => {
      const fs = argList(fsv).map((f) => this.core(f));
      for (const c of fs) this.observe(c);
      if (fs.some((c) => c.settled)) return null;
      return this.tasks.suspend(fiber, "await-first", (wake) => {
        const cb = () => wake(null);
        for (const c of fs) c.onSettle(cb);
        return () => {
          for (const c of fs) c.removeWaiter(cb);
        };
      });
    });
    // Park until the future settles (true) or `ms` pass (false); or the marker.
    vm.defineIntrinsic(core, "__await-until", (fiber, [f, ms]) => {
      const c = this.core(f);
      this.observe(c);
      if (c.settled) return true;
      const d = checkMs(ms, "with-timeout");
      return this.tasks.suspend(fiber, `timeout ${d} ms`, (wake) => {
        const cb = () => wake(true);
        c.onSettle(cb);
        const t = this.timers.add(d, () => wake(false));
        return () => {
          c.removeWaiter(cb);
          this.timers.cancel(t);
        };
      });
    });
    // Park until the futures' tasks have all exited; `shield`: a cancellation waits.
    vm.defineIntrinsic(core, "__task-join", (fiber, [fsv, shield]) =>
      this.joinPark(
        fiber,
        argList(fsv).map((f) => {
          this.core(f);
          return f as Struct;
        }),
        shield === true,
      ),
    );
    // The first rejected future's error among `fs` (observing them all), else null.
    vm.defineBuiltin(core, "__first-failure", (fsv) => {
      for (const f of argList(fsv)) {
        const c = this.core(f);
        this.observe(c);
        if (c.status === "Rejected") return PersistentVector.from([c.value as Value]);
      }
      return null;
    });
    // Introspection.
    vm.defineBuiltin(core, "__tasks", () => {
      const now = this.timers.now();
      return PersistentVector.from(
        [...this.tasks.live.values()].map((t) =>
          PersistentMap.from([
            [Keyword.of("id"), t.id],
            [Keyword.of("state"), t.state],
            [Keyword.of("parked-on"), t.parkedLabel],
            [Keyword.of("parked-ms"), t.parkedOn ? Math.round(now - t.parkedSince) : null],
            [Keyword.of("cancel-pending"), t.cancelPending],
            [Keyword.of("future"), t.future],
          ]),
        ),
      );
    });
    vm.defineBuiltin(core, "__virtual-time", (delta) => {
      this.virtualDepth += delta as number;
      this.timers.setVirtual(this.virtualDepth > 0);
      return this.virtualDepth;
    });
    vm.defineBuiltin(core, "__async-now-ms", () => this.timers.now());
    vm.defineBuiltin(core, "__unobserved-count", () => this.tasks.unobserved.size);
    // leak checks in tests: fd watches and pool operations in flight
    vm.defineBuiltin(core, "__watched-fds", () => (this.backend as { watchedFds?: number }).watchedFds ?? 0);
    vm.defineBuiltin(core, "__pool-pending", () => this.backend.pending);
    // Timers as values (the plan's builtins): timer-set(ms) -> id; timer-take-completed(id) -> 1/0.
    // Upstream's three-argument forms (loop_id, delay_ms, marker) / (loop_id, marker) work too:
    // the marker (default: the timer's id) is what timer-take-completed asks about.
    const fired = new Set<Value>();
    const timerIds = new Map<number, import("./timers.ts").Timer>();
    vm.defineBuiltin(core, "timer-set", (...a) => {
      const ms = checkMs(a.length >= 2 ? a[1] : a[0], "timer-set");
      const t = this.timers.add(ms, () => {
        timerIds.delete(t.id);
        fired.add(a.length >= 3 ? a[2] : t.id);
      });
      timerIds.set(t.id, t);
      return t.id;
    });
    vm.defineBuiltin(core, "timer-cancel", (...a) => {
      const id = a.length >= 2 ? a[1] : a[0];
      const t = timerIds.get(id as number);
      if (!t) return 0;
      this.timers.cancel(t);
      timerIds.delete(t.id);
      return 1;
    });
    vm.defineBuiltin(core, "timer-take-completed", (...a) => {
      return fired.delete(a.length >= 2 ? a[1] : a[0]) ? 1 : 0;
    });
    // Channels.
    vm.defineBuiltin(core, "__chan-new", (cap) => {
      const n = cap === null ? 0 : Number(cap);
      if (!Number.isInteger(n) || n < 0) typeError("make-channel expects a capacity >= 1 (or none: unbounded)");
      const h = new Struct(this.channelHandle, []);
      this.channels.set(h, new ChannelCore(n));
      return h;
    });
    const closedSend = () => this.raiseMarker("send! on a closed channel");
    vm.defineIntrinsic(core, "__chan-send", (fiber, [h, v]) => {
      const ch = this.channel(h);
      if (ch.closed) return closedSend();
      const r = ch.receivers.shift();
      if (r) {
        r.wake(v);
        return v;
      }
      if (!ch.full) {
        ch.push(v);
        return v;
      }
      if (!fiber.scheduled) typeError("send! on a full channel cannot wait here (synchronous call)");
      return this.tasks.suspend(fiber, "channel send", (wake) => {
        const w = { wake: (x: Value) => wake(x), value: v };
        ch.senders.push(w);
        return () => {
          const i = ch.senders.indexOf(w);
          if (i >= 0) ch.senders.splice(i, 1);
        };
      });
    });
    const closedKw = Keyword.of("closed");
    const take = (ch: ChannelCore): Value => {
      const v = ch.shift();
      const s = ch.senders.shift();
      if (s) {
        ch.push(s.value);
        s.wake(s.value);
      }
      return v;
    };
    vm.defineIntrinsic(core, "__chan-recv", (fiber, [h]) => {
      const ch = this.channel(h);
      if (ch.count > 0) return take(ch);
      const s = ch.senders.shift();
      if (s) {
        s.wake(s.value);
        return s.value;
      }
      if (ch.closed) return closedKw;
      if (!fiber.scheduled) typeError("receive on an empty channel cannot wait here (synchronous call)");
      return this.tasks.suspend(fiber, "channel receive", (wake) => {
        const w = { wake, value: null };
        ch.receivers.push(w);
        return () => {
          const i = ch.receivers.indexOf(w);
          if (i >= 0) ch.receivers.splice(i, 1);
        };
      });
    });
    vm.defineBuiltin(core, "__chan-try-recv", (h) => {
      const ch = this.channel(h);
      const some = (v: Value) => PersistentMap.from([[Keyword.of("some"), v]]);
      if (ch.count > 0) return some(take(ch));
      const s = ch.senders.shift();
      if (s) {
        s.wake(s.value);
        return some(s.value);
      }
      return PersistentMap.from([[ch.closed ? closedKw : Keyword.of("none"), true]]);
    });
    vm.defineBuiltin(core, "__chan-close", (h) => {
      const ch = this.channel(h);
      if (ch.closed) return false;
      ch.closed = true;
      for (const r of ch.receivers.splice(0)) r.wake(closedKw);
      for (const s of ch.senders.splice(0)) s.wake(closedSend());
      return true;
    });
    vm.defineBuiltin(core, "__chan-info", (h, what) => {
      const ch = this.channel(h);
      switch (what) {
        case "count":
          return ch.count;
        case "closed":
          return ch.closed;
        case "capacity":
          return ch.capacity === 0 ? null : ch.capacity;
        case "high-water":
          return ch.highWater;
        case "waiting":
          return ch.receivers.length + ch.senders.length;
        default:
          return null;
      }
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

/** A sleep/timeout duration: a finite, non-negative number of milliseconds. */
/** What __await-now answers when the await has to perform (pending future, another handler). */
const NOT_NOW = new Struct(new StructType("beagle.async", "__NotNow", []), []);

function checkMs(ms: Value, what = "sleep"): number {
  const d = typeof ms === "bigint" ? Number(ms) : ms instanceof BFloat ? ms.v : ms;
  if (typeof d !== "number" || !Number.isFinite(d))
    typeError(`${what} expects a finite number of milliseconds, got ${describeType(ms)}`);
  return Math.max(d, 0);
}

function describeType(v: Value): string {
  if (v === null) return "null";
  if (typeof v === "string") return `the String ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + "..." : v)}`;
  if (typeof v === "number") return Number.isNaN(v) ? "NaN" : Number.isInteger(v) ? `the Int ${v}` : `the Float ${v}`;
  if (typeof v === "bigint") return `the Int ${v}`;
  if (typeof v === "boolean") return `the Bool ${v}`;
  if (v instanceof Struct) return `a ${v.type.displayName}`;
  return "another value";
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
