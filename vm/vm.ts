// The VM: namespaces, the fiber scheduler, stdout, and conversions between
// JS failures and Beagle error values.
import { checkedBuiltin, checkedIntrinsic } from "./builtin-arity.ts";
import { FLUSH_INTERVAL_MS, beforeBlocking, sliceBoundary, stdoutIsTty, writeAll } from "./stdout.ts";
import type { FnProto } from "./bytecode.ts";
import {
  Builtin,
  Closure,
  Fiber,
  FiberState,
  type Frame,
  Intrinsic,
  Namespace,
  type ProtocolMethod,
  Protocol,
} from "./objects.ts";
import { EnumType, Struct, type Value } from "./values.ts";
import { BeagleRuntimeError, BeagleThrow, type SystemErrorKind } from "./errors.ts";
import { RunResult, callValue, deliver, execute, PUSHED } from "./interp.ts";
import { BeagleSyntaxError } from "../compiler/diagnostics.ts";
import { CompileError } from "../compiler/codegen.ts";

/** Instructions (calls and backward jumps) a fiber runs before others get a turn. */
const TIME_SLICE = 20_000;

const SYSTEM_ERROR_KINDS: SystemErrorKind[] = [
  "StructError",
  "ParseError",
  "CompileError",
  "TypeError",
  "ArityError",
  "RuntimeError",
  "ThreadError",
  "FFIError",
  "FunctionError",
  "FieldError",
  "IndexError",
  "MutabilityError",
  "JsonError",
  "AssertError",
  "IOError",
  "AllocationError",
  "ArgumentError",
  "InvalidArgument",
  "StringError",
  "RegexError",
  "EncodingError",
  "CopyError",
];

export interface ErrorSite {
  proto: FnProto;
  pc: number;
}

declare module "./objects.ts" {
  interface Fiber {
    errorAt?: ErrorSite;
  }
}

/** The newest VM: its buffered output is written when the process exits, whatever the path. */
let lastVm: VM | null = null;
process.once("exit", () => lastVm?.flush());

export class VM {
  readonly namespaces = new Map<string, Namespace>();
  readonly core: Namespace;
  /** file -> source text, for diagnostics */
  readonly sources = new Map<string, string>();
  /** runnable fibers, FIFO: runQueue[runHead..] */
  private readonly runQueue: Fiber[] = [];
  private runHead = 0;
  /** fibers waiting on something outside the VM (timers, I/O) */
  parkedCount = 0;
  /** Called when every fiber is parked: must make progress (block in the event loop) or return false. */
  idleHook: (() => boolean) | null = null;
  /** Called when a busy fiber's slice ends while others are parked: deliver due timers and I/O, never block. */
  pollHook: (() => void) | null = null;
  /** the program's namespace, for current-namespace() */
  currentNamespace = "main";
  defaultExceptionHandler: Value = null;
  /** the fiber the interpreter is running (or last ran) */
  current: Fiber | null = null;
  /**
   * Asked at every `perform` once the handler is found: an operation it answers at once,
   * without running the handler's Beagle code, is done with no continuation captured
   * (INTRINSIC_DONE when it parked the fiber); undefined sends it down the ordinary path.
   * The async runtime installs it for spawn and await under its own task handlers.
   */
  fastPerform: ((fiber: Fiber, effect: EnumType, handler: Value, impl: Value, op: Struct) => Value | undefined) | null =
    null;
  /** The only effect fastPerform answers, once known (null: ask it about every effect). */
  fastPerformEffect: EnumType | null = null;
  loader: import("./loader.ts").Loader | null = null;
  private outBuf: string[] = [];
  private outLen = 0;
  /** on a terminal every write goes out at once; elsewhere at most FLUSH_INTERVAL_MS of running later */
  private readonly outTty = stdoutIsTty();
  private lastFlush = 0;
  private fallbackSystemError: EnumType;

  constructor() {
    lastVm = this;
    this.core = this.namespace("beagle.core");
    // Runtime errors must be values even before (or without) the prelude.
    this.fallbackSystemError = new EnumType("beagle.core", "SystemError");
    for (const k of SYSTEM_ERROR_KINDS) this.fallbackSystemError.addVariant(k, ["message", "location"]);
    this.core.intern("SystemError").value = this.fallbackSystemError;
  }

  namespace(name: string): Namespace {
    let ns = this.namespaces.get(name);
    if (!ns) {
      ns = new Namespace(name);
      this.namespaces.set(name, ns);
    }
    return ns;
  }

  defineBuiltin(ns: string, name: string, fn: (...args: Value[]) => Value) {
    const full = ns === "beagle.core" ? name : `${ns}/${name}`;
    this.namespace(ns).intern(name).value = new Builtin(full, checkedBuiltin(full, fn));
  }

  defineIntrinsic(ns: string, name: string, fn: (fiber: Fiber, args: Value[]) => Value) {
    this.namespace(ns).intern(name).value = new Intrinsic(name, checkedIntrinsic(name, fn));
  }

  // ------------------------------------------------------------ lookups used by the interpreter

  private handleMethodCache: ProtocolMethod | null = null;
  handleMethod(): ProtocolMethod | null {
    if (!this.handleMethodCache) {
      const p = this.namespaces.get("beagle.effect")?.vars.get("Handler")?.value;
      if (p instanceof Protocol) this.handleMethodCache = p.methods.get("handle") ?? null;
    }
    return this.handleMethodCache;
  }

  asyncSpawn(): Value {
    const v = this.namespaces.get("beagle.async")?.vars.get("spawn")?.value;
    if (v === undefined)
      throw new BeagleRuntimeError("RuntimeError", "future(...) needs beagle.async (add `use beagle.async as async`)");
    return v;
  }

  systemError(kind: SystemErrorKind, message: string, location: string): Value {
    const t = this.core.vars.get("SystemError")?.value;
    const e = t instanceof EnumType && t.variants.has(kind) ? t : this.fallbackSystemError;
    const variant = e.variants.get(kind)!;
    const fields = variant.fields.map((f) => (f === "message" ? message : f === "location" ? location : null));
    return new Struct(variant, fields);
  }

  /** Convert whatever a builtin or op threw into the Beagle value to throw. */
  errorToValue(e: unknown, frame: Frame | undefined, pc: number): Value {
    if (e instanceof BeagleThrow) return e.value;
    // As upstream prints it: the function and the line of its header (top-level code: the
    // failing line). Programs print caught errors, so this must match upstream's text; the
    // uncaught-error report's caret and stack show the failing line itself.
    const where = frame
      ? `${frame.closure.proto.qualifiedName} (${frame.closure.proto.file}:${frame.closure.proto.line || frame.closure.proto.lines[pc]})`
      : "unknown";
    if (e instanceof BeagleRuntimeError) return this.systemError(e.kind, e.message, where);
    // eval (or a `use` it triggers) failed to compile: catchable like any runtime error
    if (e instanceof BeagleSyntaxError) {
      return this.systemError(
        e instanceof CompileError ? "CompileError" : "ParseError",
        `${e.file}:${e.line}:${e.col}: ${e.message}`,
        where,
      );
    }
    if (e instanceof RangeError && /call stack/i.test(e.message))
      return this.systemError("RuntimeError", "Stack overflow", where);
    if (process.env.BEAGLE_DEBUG) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    return this.systemError("RuntimeError", `Internal error: ${msg}`, where);
  }

  // ------------------------------------------------------------ fibers

  /** A new fiber that will call fn(args). */
  spawn(fn: Value, args: Value[]): Fiber {
    const fiber = new Fiber();
    fiber.scheduled = true;
    const r = callValue(this, fiber, fn, args);
    if (r !== PUSHED) {
      fiber.result = r;
      fiber.state = FiberState.Done;
    } else this.runQueue.push(fiber);
    return fiber;
  }

  /** Put a parked fiber back on the run queue, delivering `v` as the result of what it waited for. */
  wake(fiber: Fiber, v: Value) {
    if (fiber.state !== FiberState.Parked) return;
    fiber.state = FiberState.Runnable;
    this.parkedCount--;
    deliver(fiber, v);
    this.runQueue.push(fiber);
  }

  /** Park the fiber that is running (called from an intrinsic); the interpreter then returns. */
  park(fiber: Fiber) {
    fiber.state = FiberState.Parked;
    this.parkedCount++;
  }

  /** Make a fiber runnable again without delivering a value (its frames are already set up). */
  schedule(fiber: Fiber) {
    if (fiber.state === FiberState.Parked) this.parkedCount--;
    fiber.state = FiberState.Runnable;
    this.runQueue.push(fiber);
  }

  /** Run fibers round-robin until none is runnable and nothing is parked. */
  runUntilIdle(onFiberDone?: (f: Fiber) => void) {
    for (;;) {
      while (this.runHead < this.runQueue.length) {
        const fiber = this.runQueue[this.runHead++]!;
        // drop the consumed front now and then (not per dequeue: Array.shift moves the rest)
        if (this.runHead >= 1024 && this.runHead * 2 >= this.runQueue.length) {
          this.runQueue.splice(0, this.runHead);
          this.runHead = 0;
        }
        if (fiber.state !== FiberState.Runnable) continue;
        this.current = fiber;
        const r = execute(this, fiber, TIME_SLICE);
        if (r === RunResult.Yielded) {
          this.runQueue.push(fiber);
          this.sliceEnded();
        } else if ((fiber.state as FiberState) === FiberState.Done) {
          onFiberDone?.(fiber);
          fiber.onDone?.(fiber);
        }
      }
      this.runQueue.length = 0;
      this.runHead = 0;
      if (this.parkedCount === 0) return beforeBlocking();
      this.flush();
      beforeBlocking();
      if (!this.idleHook?.()) return;
    }
  }

  /** A fiber used up its time slice: act on a pending signal, flush output that has waited. */
  private sliceEnded() {
    if (this.parkedCount > 0) this.pollHook?.(); // a spinning fiber must not starve parked ones
    sliceBoundary(() => this.flush());
    if (this.outLen > 0 && performance.now() - this.lastFlush >= FLUSH_INTERVAL_MS) this.flush();
  }

  /**
   * Call a Beagle function to completion right now, on a fiber of its own.
   * Used where the runtime needs a value synchronously (struct defaults,
   * module init, iteration of user sequences). Errors propagate as BeagleThrow.
   */
  callSync(fn: Value, args: Value[]): Value {
    const fiber = new Fiber();
    // it runs on behalf of the fiber that is running now: that one's dynamic bindings apply
    const caller = this.current;
    fiber.parent = caller;
    const r = callValue(this, fiber, fn, args);
    if (r !== PUSHED) return r;
    this.current = fiber;
    try {
      while ((fiber.state as FiberState) === FiberState.Runnable) {
        execute(this, fiber, Number.MAX_SAFE_INTEGER);
      }
    } finally {
      this.current = caller;
    }
    if ((fiber.state as FiberState) === FiberState.Parked)
      throw new BeagleRuntimeError("RuntimeError", "cannot suspend here (synchronous call)");
    if (fiber.error !== undefined) throw new BeagleThrow(fiber.error);
    return fiber.result;
  }

  /**
   * A fiber ended with an uncaught error: run the handler that applies to it
   * (its own `set-thread-exception-handler!`, else the
   * `set-default-exception-handler!` one) with the error. False when there
   * is none, or when the handler itself fails (fiber.error is then its error).
   */
  handleUncaught(fiber: Fiber): boolean {
    const h = fiber.exceptionHandler ?? this.defaultExceptionHandler;
    if (h === null || h === undefined) return false;
    try {
      this.callSync(h, [fiber.error]);
      return true;
    } catch (e) {
      fiber.error = this.errorToValue(e, undefined, 0);
      fiber.errorAt = undefined;
      return false;
    }
  }

  /** Run a compiled module's top-level code to completion. */
  runInit(mod: { init: FnProto }) {
    this.callSync(new Closure(mod.init, []), []);
  }

  // ------------------------------------------------------------ output

  write(s: string) {
    this.outBuf.push(s);
    this.outLen += s.length;
    if (this.outTty || this.outLen > 1 << 16) this.flush();
  }

  flush() {
    this.lastFlush = performance.now();
    if (this.outLen === 0 && this.outBuf.length === 0) return;
    const data = this.outBuf.join("");
    this.outBuf = [];
    this.outLen = 0;
    writeAll(1, data);
  }
}

export { writeAll };
