// How TypeScript code raises Beagle-level errors.
//
// A builtin that fails throws a BeagleRuntimeError; the VM turns it into a
// `SystemError.<kind> { message, location }` value at the failing call site, so
// Beagle `try/catch` (and `catch (e, resume)`) can handle it. A builtin that
// must throw an arbitrary Beagle value (e.g. a string, as upstream's `deref`
// does) throws BeagleThrow.
import type { Value } from "./values.ts";

export type SystemErrorKind =
  | "StructError"
  | "ParseError"
  | "CompileError"
  | "TypeError"
  | "ArityError"
  | "RuntimeError"
  | "ThreadError"
  | "FFIError"
  | "FunctionError"
  | "FieldError"
  | "IndexError"
  | "MutabilityError"
  | "JsonError"
  | "AssertError"
  | "IOError"
  | "AllocationError"
  | "ArgumentError"
  | "InvalidArgument"
  | "StringError"
  | "RegexError"
  | "EncodingError"
  | "CopyError";

export class BeagleRuntimeError extends Error {
  constructor(
    readonly kind: SystemErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export class BeagleThrow extends Error {
  constructor(readonly value: Value) {
    super("Beagle throw");
  }
}

export function runtimeError(kind: SystemErrorKind, message: string): never {
  throw new BeagleRuntimeError(kind, message);
}

export function typeError(message: string): never {
  throw new BeagleRuntimeError("TypeError", message);
}

// ---------------------------------------------------------------- Beagle stack traces
//
// Captured when an error leaves a fiber uncaught (the frames are still there
// then), and when a task's error is caught by the async machinery to reject
// its future (so the awaiting task can show where it really came from).
// Keyed weakly by fiber and by error value: nothing is kept alive by a trace.

/** What a trace needs of a function prototype (structural, to keep this module import-free). */
export interface TraceProto {
  readonly name: string;
  readonly ns: string;
  readonly file: string;
  readonly lines: Int32Array;
  readonly cols: Int32Array;
  readonly line: number;
}

/** One frame of a Beagle stack: the function and the pc of the op it was executing. */
export interface TraceFrame {
  proto: TraceProto;
  pc: number;
}

/** Innermost first. A very deep stack keeps its two ends: `omitted` frames are left out between. */
export type Trace = TraceFrame[] & { omitted?: number };

/** Frames kept at each end of a very deep stack (a million-frame recursion must not cost a million objects). */
export const TRACE_KEEP = 200;

interface FrameLike {
  closure: { proto: TraceProto };
  pc: number;
}

interface FiberLike {
  frames: FrameLike[];
  parent: FiberLike | null;
}

const fiberTraces = new WeakMap<object, Trace>();
const valueTraces = new WeakMap<object, Trace>();
/** Tasks an error passed through on its way out (each rethrew it from `await`), innermost first. */
const awaitChains = new WeakMap<object, Trace[]>();
const MAX_AWAIT_CHAIN = 8;
/** Traces of thrown primitives (strings, numbers): the few most recent. */
const primitiveTraces: { value: unknown; trace: Trace }[] = [];

/** Frames innermost first; the top frame at `topPc`, callers at their call instruction. */
export function captureTrace(fiber: FiberLike, topPc: number): Trace {
  const out: Trace = [];
  let total = 0;
  for (let g: FiberLike | null = fiber; g; g = g.parent) total += g.frames.length;
  let index = 0;
  let f: FiberLike | null = fiber;
  while (f) {
    const frames = f.frames;
    for (let i = frames.length - 1; i >= 0; i--, index++) {
      if (index >= TRACE_KEEP && index < total - TRACE_KEEP) continue; // the middle of a very deep stack
      const fr = frames[i]!;
      // a caller's saved pc is just past its call: step back to the op's start
      const exact = index === 0 && topPc >= 0;
      let pc = exact ? topPc : fr.pc - 1;
      if (!exact) while (pc > 0 && fr.closure.proto.lines[pc] === 0) pc--;
      out.push({ proto: fr.closure.proto, pc: Math.max(0, pc) });
    }
    f = f.parent; // a synchronous call (module init, struct default) runs for its parent fiber
  }
  if (total > 2 * TRACE_KEEP) out.omitted = total - 2 * TRACE_KEEP;
  return out;
}

/** Remember where an uncaught error left `fiber` (called before its frames are dropped). */
export function recordUncaught(fiber: FiberLike, value: unknown, topPc: number) {
  const t = captureTrace(fiber, topPc);
  fiberTraces.set(fiber, t);
  rememberValueTrace(value, t, false, false);
}

/** Remember where a caught error came from, unless already known (first raise wins). */
export function rememberValueTrace(value: unknown, trace: Trace, overwrite: boolean, chain = true) {
  if (typeof value === "object" && value !== null) {
    if (overwrite || !valueTraces.has(value)) valueTraces.set(value, trace);
    else if (chain) {
      // caught again by the async machinery: a task that awaited it failed with it too
      const list = awaitChains.get(value) ?? [];
      if (list.length < MAX_AWAIT_CHAIN) list.push(trace);
      awaitChains.set(value, list);
    }
  } else {
    if (!overwrite && primitiveTraces.some((p) => p.value === value)) return;
    primitiveTraces.push({ value, trace });
    if (primitiveTraces.length > 16) primitiveTraces.shift();
  }
}

export function traceOfFiber(fiber: object): Trace | undefined {
  return fiberTraces.get(fiber);
}

/** The chains of the tasks that rethrew `value` from `await`, innermost first (objects only). */
export function awaitersOfValue(value: unknown): Trace[] {
  return typeof value === "object" && value !== null ? (awaitChains.get(value) ?? []) : [];
}

export function traceOfValue(value: unknown): Trace | undefined {
  if (typeof value === "object" && value !== null) return valueTraces.get(value);
  for (let i = primitiveTraces.length - 1; i >= 0; i--)
    if (primitiveTraces[i]!.value === value) return primitiveTraces[i]!.trace;
  return undefined;
}
