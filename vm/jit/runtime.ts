// Runtime support for compiled (JIT) functions: the deoptimisation protocol and
// the helpers generated code calls for everything off its fast paths.
//
// A compiled function runs synchronously on the JS stack. Whenever it meets
// something only the interpreter can do (a call to a function that is not
// compiled, an intrinsic that may park, perform/shift/throw, the preemption
// countdown running out, the JS depth limit, an error), it *deoptimises*: it
// builds the interpreter Frame it would have had at that point, appends it to
// `jitState.pending` and returns DEOPT. Each compiled caller on the JS stack
// does the same for itself (its frame waits for the callee's result, exactly
// like an interpreter frame after a Call), so when DEOPT reaches the
// interpreter, `pending` holds the whole chain innermost-first and the
// interpreter carries on from there. Compiled code therefore never holds state
// the interpreter cannot see at a point where a continuation could be captured.
import { ArithOp, arith } from "../arith.ts";
import { type FnProto, isBinaryOp, Op, OP_NAMES, operandCount } from "../bytecode.ts";
import { type Closure, type Fiber, Frame, FrameKind, MultiFn, ProtocolMethod } from "../objects.ts";
import { PersistentMap } from "../collections/map.ts";
import { PersistentSet } from "../collections/set.ts";
import { PersistentVector } from "../collections/vector.ts";
import { BFloat, Struct, type Value } from "../values.ts";
import { deliver, findImpl, inputsLeftOnThrow, removeFrames } from "../interp.ts";
import { runtimeError, typeError } from "../errors.ts";
import { formatValue } from "../print.ts";
import { typeNameOf } from "../types.ts";

/** Returned by a compiled function that handed its work back to the interpreter. */
export const DEOPT: unique symbol = Symbol("deopt");
const NO_ERROR: unique symbol = Symbol("no-error");

/**
 * A compiled function: (depth, closure, entryRegs, entryPc, ...args). With
 * entryRegs null it starts at pc 0 with the arguments; otherwise it enters at
 * entryPc (a loop head) with the locals and operand stack of an interpreter frame.
 */
export type JitFn = (depth: number, closure: Closure, regs: Value[] | null, pc: number, ...args: Value[]) => Value;

export const jitState = {
  /** frames of deoptimised compiled calls, innermost first */
  pending: [] as Frame[],
  /** preemption countdown shared with the interpreter's budget (calls and backward jumps) */
  fuel: 0,
  /** the fuel left when compiled code returned to the interpreter */
  left: 0,
  /** an error raised in compiled code, to be raised again by the interpreter at errPc of the top pending frame */
  err: NO_ERROR as unknown,
  errPc: 0,
  /** the hand-over in progress was caused by the code (not by preemption or depth): callers count it too */
  byCode: false,
  /** the fiber whose compiled code is running (set on entry, restored on exit) */
  fiber: null as Fiber | null,
  /**
   * Handle frame indices of tail-resumptive handlers running as direct calls (no HandlerRun
   * frame), innermost last; entries from skipBase up belong to the current entry into compiled code
   */
  handlerSkips: [] as number[],
  skipBase: 0,
  /** frames of tail-resumptive handlers compiled code called that handed over: marked HandlerRun on landing */
  handlerRuns: [] as { frame: Frame; handle: number }[],
  /** a tail-resumptive handler called from compiled code returned without resuming: the fiber's frames from `handle` up go, `value` is delivered */
  abort: null as { handle: number; value: Value } | null,
};

export function hasPendingError(): boolean {
  return jitState.err !== NO_ERROR;
}

export function takePendingError(): unknown {
  const e = jitState.err;
  jitState.err = NO_ERROR;
  return e;
}

/** BEAGLE_JIT_LOG=1: where compiled code handed over to the interpreter, printed at exit. */
const deoptCounts: Map<string, number> | null = process.env.BEAGLE_JIT_LOG === "1" ? new Map() : null;
if (deoptCounts !== null)
  process.on("exit", () => {
    const top = [...deoptCounts].sort((a, b) => b[1] - a[1]).slice(0, 20);
    for (const [k, n] of top) process.stderr.write(`jit deopt ${n} x ${k}\n`);
  });

/** The frame of a compiled caller waiting for a callee that handed over: it resumes at `pc` with `sp` values. */
export function deopt(c: Closure, pc: number, sp: number, regs: Value[]): typeof DEOPT {
  return handOver(c, pc, sp, regs, jitState.byCode);
}

/** Hand over at an instruction compiled code does not do itself. */
export function deoptAt(c: Closure, pc: number, sp: number, regs: Value[]): typeof DEOPT {
  jitState.byCode = true;
  return handOver(c, pc, sp, regs, true);
}

/** Hand over because the preemption countdown ran out or the JS call depth limit was reached. */
export function deoptFuel(c: Closure, pc: number, sp: number, regs: Value[]): typeof DEOPT {
  jitState.byCode = false;
  return handOver(c, pc, sp, regs, false);
}

/**
 * Whether an interpreted frame of `p` should re-enter compiled code at a loop head. Not when
 * most entries end in a hand-over the code itself causes (a perform or an uncompilable call in
 * the loop): entering again would hand over again on the next iteration, which costs more than
 * interpreting. A rare hand-over (a cold callee met once) does not keep the frame interpreted.
 */
export function osrWorthIt(p: FnProto): boolean {
  return p.jitHandOvers < 8 || p.jitHandOvers * 4 < p.jitEntries;
}

function handOver(c: Closure, pc: number, sp: number, regs: Value[], byCode: boolean): typeof DEOPT {
  if (byCode) c.proto.jitHandOvers++;
  if (deoptCounts !== null) {
    const key = `${c.proto.qualifiedName}@${pc} ${OP_NAMES[c.proto.code[pc]!]}`;
    deoptCounts.set(key, (deoptCounts.get(key) ?? 0) + 1);
  }
  const f = new Frame(c, regs);
  f.pc = pc;
  f.sp = sp;
  jitState.pending.push(f);
  return DEOPT;
}

/**
 * An error escaped an operation at `opPc`: build the frame exactly as the
 * interpreter leaves it when that operation throws, and record the error.
 * `depths` gives the operand-stack depth before each instruction.
 */
export function caught(
  e: unknown,
  c: Closure,
  opPc: number,
  regs: Value[],
  floats: number[] | undefined,
): typeof DEOPT {
  if (floats !== undefined) for (const i of floats) regs[i] = boxF(regs[i] as number);
  const p = c.proto;
  const code = p.code;
  const op = code[opPc] as Op;
  const depth = p.jitDepths![opPc]!;
  jitState.byCode = true;
  c.proto.jitHandOvers++;
  const f = new Frame(c, regs);
  f.pc = opPc + 1 + operandCount(op, code, opPc);
  f.sp = p.nlocals + depth - popsBeforeThrow(op) - inputsLeftOnThrow(op);
  jitState.pending.push(f);
  jitState.err = e;
  jitState.errPc = opPc;
  return DEOPT;
}

/** How many operands the interpreter has popped when the operation throws. */
export function popsBeforeThrow(op: Op): number {
  if (isBinaryOp(op)) return 1;
  switch (op) {
    case Op.Index:
    case Op.SetField:
    case Op.StoreGlobal:
    case Op.StoreLocal:
    case Op.StoreCell:
    case Op.StoreEnvCell:
      return 1;
    default:
      return 0;
  }
}

// Compiled code keeps a slot known to hold a Float as a plain double (see slotTypes in
// compile.ts). These convert between that and the Value representation, where an integral
// Float is a BFloat box.

/** A Float slot's double as a Value. Leaves a BFloat as it is (boxing twice is harmless). */
export function boxF(x: number): Value {
  return Number.isInteger(x) ? new BFloat(x) : x;
}

/** A Float Value as a double. */
export function unF(v: Value): number {
  return typeof v === "number" ? v : (v as BFloat).v;
}

/** Whether a Value is a Float. */
export function isF(v: Value): boolean {
  return typeof v === "number" ? !Number.isInteger(v) : v instanceof BFloat;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

// Arithmetic on two JS numbers, with the interpreter's exact rules: Ints stay
// exact (past 2^53 they become bigints and wrap at 61 bits, in arith()), an
// integral result of float operands is a boxed float.
export function addN(a: number, b: number): Value {
  const r = a + b;
  if (Number.isInteger(r)) {
    if (Number.isInteger(a) && Number.isInteger(b))
      return r <= MAX_SAFE && r >= -MAX_SAFE ? r : arith(ArithOp.Add, a, b);
    return new BFloat(r);
  }
  return r;
}

export function subN(a: number, b: number): Value {
  const r = a - b;
  if (Number.isInteger(r)) {
    if (Number.isInteger(a) && Number.isInteger(b))
      return r <= MAX_SAFE && r >= -MAX_SAFE ? r : arith(ArithOp.Sub, a, b);
    return new BFloat(r);
  }
  return r;
}

export function mulN(a: number, b: number): Value {
  const r = a * b;
  if (Number.isInteger(r)) {
    if (Number.isInteger(a) && Number.isInteger(b))
      return r <= MAX_SAFE && r >= -MAX_SAFE ? r + 0 : arith(ArithOp.Mul, a, b);
    return new BFloat(r);
  }
  return Object.is(r, -0) ? new BFloat(r) : r;
}

/** What a call site calls: a protocol method or multi-arity function resolved for `argc` arguments. */
export function resolveCallee(fn: Value, first: Value, argc: number): Value {
  if (fn instanceof ProtocolMethod && argc > 0) {
    const impl = findImpl(fn, first, argc);
    if (impl !== undefined) fn = impl;
  }
  if (fn instanceof MultiFn) {
    const c = fn.byArity[argc];
    if (c !== undefined) fn = c;
  }
  return fn;
}

/**
 * What a protocol call site's cache is keyed by besides the method: something that fixes
 * which implementation findImpl picks for this receiver (its struct type, or its class for
 * the collections), or null when the receiver is not one of those (then no caching).
 */
export function icKey(x: Value): unknown {
  if (x instanceof Struct) return x.type.successor === null ? x.type : null;
  if (x instanceof PersistentVector || x instanceof PersistentMap || x instanceof PersistentSet) return x.constructor;
  return typeof x === "string" ? "string" : null;
}

export function concatFail(a: Value, b: Value): never {
  typeError(`Expected string, got ${typeNameOf(typeof a !== "string" ? a : b)}`);
}

export function matchFail(v: Value): never {
  runtimeError("RuntimeError", `No matching arm in match for value: ${formatValue(v ?? null, 0)}`);
}

export function spreadFail(src: Value, type: { displayName: string }): never {
  typeError(`Cannot spread ${typeNameOf(src)} into ${type.displayName}`);
}

export function makeMap(kvs: Value[]): PersistentMap {
  let m = PersistentMap.EMPTY;
  for (let i = 0; i < kvs.length; i += 2) m = m.assoc(kvs[i], kvs[i + 1]);
  return m;
}

export function makeMulti(cs: Closure[]): MultiFn {
  const byArity: (Closure | undefined)[] = [];
  let variadic: Closure | null = null;
  for (const c of cs) {
    if (c.proto.variadic) variadic = c;
    else byArity[c.proto.nparams] = c;
  }
  return new MultiFn(cs[0]?.proto.qualifiedName ?? "fn", byArity, variadic);
}

/** Run a compiled function for a call the interpreter makes. `budget` becomes the fuel; what is left is in jitState.left. */
export function enterJit(
  fiber: Fiber,
  fn: Closure,
  regs: Value[],
  base: number,
  argc: number,
  budget: number,
  /** for a tail-resumptive handler called directly: the index of its Handle frame */
  handle = -1,
): Value {
  const j = fn.proto.jit!;
  fn.proto.jitEntries++;
  const saved = jitState.fuel;
  const savedFiber = jitState.fiber;
  const savedBase = jitState.skipBase;
  const skips = jitState.handlerSkips;
  jitState.fuel = budget;
  jitState.fiber = fiber;
  jitState.skipBase = skips.length;
  if (handle >= 0) skips.push(handle);
  try {
    switch (argc) {
      case 0:
        return j(0, fn, null, 0);
      case 1:
        return j(0, fn, null, 0, regs[base]);
      case 2:
        return j(0, fn, null, 0, regs[base], regs[base + 1]);
      case 3:
        return j(0, fn, null, 0, regs[base], regs[base + 1], regs[base + 2]);
      default:
        return j(0, fn, null, 0, ...regs.slice(base, base + argc));
    }
  } finally {
    jitState.left = jitState.fuel;
    jitState.fuel = saved;
    jitState.fiber = savedFiber;
    skips.length = jitState.skipBase;
    jitState.skipBase = savedBase;
  }
}

/** Continue an interpreter frame in compiled code from `pc`, a loop head (on-stack replacement). */
export function enterJitAt(fiber: Fiber, fn: Closure, regs: Value[], pc: number, budget: number): Value {
  fn.proto.jitEntries++;
  const saved = jitState.fuel;
  const savedFiber = jitState.fiber;
  const savedBase = jitState.skipBase;
  jitState.fuel = budget;
  jitState.fiber = fiber;
  jitState.skipBase = jitState.handlerSkips.length;
  try {
    return fn.proto.jit!(0, fn, regs, pc);
  } finally {
    jitState.left = jitState.fuel;
    jitState.fuel = saved;
    jitState.fiber = savedFiber;
    jitState.handlerSkips.length = jitState.skipBase;
    jitState.skipBase = savedBase;
  }
}

/**
 * After DEOPT reached the interpreter: put the frames of the compiled calls on the fiber,
 * outermost first, and mark the frames of tail-resumptive handlers among them. If a handler
 * called from compiled code returned without resuming, those frames and the fiber's frames from
 * its Handle up go instead, and its value is the `handle` expression's. True when that
 * finished the fiber.
 */
export function landDeopt(fiber: Fiber): boolean {
  const frames = fiber.frames;
  const p = jitState.pending;
  const abort = jitState.abort;
  if (abort !== null) {
    jitState.abort = null;
    p.length = 0;
    jitState.handlerRuns.length = 0;
    removeFrames(fiber, abort.handle);
    deliver(fiber, abort.value);
    return frames.length === 0;
  }
  for (let i = p.length - 1; i >= 0; i--) frames.push(p[i]!);
  p.length = 0;
  const runs = jitState.handlerRuns;
  for (const r of runs) {
    r.frame.kind = FrameKind.HandlerRun;
    r.frame.data = frames.lastIndexOf(r.frame) - r.handle;
  }
  runs.length = 0;
  return false;
}
