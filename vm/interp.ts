// The interpreter loop. One call runs one fiber until it finishes, parks, or
// spends its instruction budget. Beagle calls never recurse in JS: each call
// pushes a Frame on the fiber's own stack, which is what makes deep recursion,
// tail calls, continuations and preemptive green threads possible.
import { migrate, testStaleType } from "./values.ts";
import { NO_PROPERTY, builtinProperty } from "./builtins/properties.ts";
import { type FnProto, isBinaryOp, type Label, Op, operandCount } from "./bytecode.ts";
import {
  Builtin,
  Cell,
  Closure,
  Continuation,
  type Fiber,
  FiberState,
  Frame,
  FrameKind,
  INTRINSIC_DONE,
  Intrinsic,
  MultiFn,
  ProtocolMethod,
  protocolVersion,
  type Var,
} from "./objects.ts";
import { BFloat, type EnumType, Keyword, Struct, StructType, type Value } from "./values.ts";
import { ArithOp, arith, bitwise, compareSlow } from "./arith.ts";
import { equal } from "./equal.ts";
import { formatValue } from "./print.ts";
import { PersistentVector } from "./collections/vector.ts";
import { PersistentMap } from "./collections/map.ts";
import { PersistentSet } from "./collections/set.ts";
import { cpAt } from "./strings.ts";
import { BeagleThrow, captureTrace, recordUncaught, rememberValueTrace, runtimeError, typeError } from "./errors.ts";
import type { VM } from "./vm.ts";
import { IterBase, makeIterator } from "./iterate.ts";
import { typeKeyOf, typeNameOf } from "./types.ts";
import { jitCompile, jitThreshold } from "./jit/compile.ts";
import {
  DEOPT,
  enterJit,
  enterJitAt,
  hasPendingError,
  jitState,
  landDeopt,
  osrWorthIt,
  takePendingError,
} from "./jit/runtime.ts";

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Outcome of running a fiber for a while. */
export const enum RunResult {
  Done,
  Yielded,
  Parked,
}

/** Marker returned by call helpers when they pushed a frame instead of producing a value. */
export const PUSHED = Symbol("pushed");

/**
 * Frames one fiber may hold before a call raises a catchable `RuntimeError: Stack overflow`.
 * A frame costs ~200-500 bytes: at the default (3,000,000) a runaway recursion stops at
 * about 1 GB of RSS; `BEAGLE_MAX_STACK_DEPTH=N` changes it (docs/architecture.md).
 */
export const DEFAULT_MAX_STACK_DEPTH = 3_000_000;
export let maxStackDepth = parseStackDepth(process.env.BEAGLE_MAX_STACK_DEPTH);

function parseStackDepth(s: string | undefined): number {
  const n = s === undefined || s === "" ? Number.NaN : Number(s);
  return Number.isInteger(n) && n >= 16 ? n : DEFAULT_MAX_STACK_DEPTH;
}

/** Set the per-fiber frame limit (at least 16); returns the previous one. */
export function setMaxStackDepth(n: number): number {
  const old = maxStackDepth;
  maxStackDepth = Math.max(16, Math.floor(n));
  return old;
}

function stackOverflow(): never {
  runtimeError(
    "RuntimeError",
    `Stack overflow: more than ${maxStackDepth} frames deep (BEAGLE_MAX_STACK_DEPTH sets the limit)`,
  );
}

function newFrame(c: Closure): Frame {
  const p = c.proto;
  if (p.lazy !== null) p.lazy();
  return new Frame(c, new Array(p.nlocals + p.maxStack));
}

/** Remove frames[i..] from the fiber, keeping its binding count right. */
export function removeFrames(fiber: Fiber, i: number): Frame[] {
  const removed = fiber.frames.splice(i);
  for (const f of removed) if (f.kind === FrameKind.Binding) fiber.bindings--;
  return removed;
}

/** Push copies of a continuation's frames, then deliver `v` to its top. */
export function resumeContinuation(fiber: Fiber, k: Continuation, v: Value) {
  if (fiber.frames.length + k.frames.length > maxStackDepth) stackOverflow();
  for (const f of k.frames) {
    const c = f.clone();
    // a `for` loop's iterator is mutable state of the frame: each copy gets its own
    const regs = c.regs;
    for (let i = 0, n = c.sp; i < n; i++) {
      const r = regs[i];
      if (r instanceof IterBase) regs[i] = r.fork();
    }
    if (c.kind === FrameKind.Binding) fiber.bindings++;
    fiber.frames.push(c);
  }
  const top = fiber.frames[fiber.frames.length - 1]!;
  top.regs[top.sp++] = v;
}

/**
 * Arithmetic when the operands are not two plain numbers. A boxed integral
 * float (1.0, or a literal like 2.0) with a number or another box is plain
 * float arithmetic, done here; the rest (bigint Ints, type errors) goes to arith().
 */
export function arithBoxed(op: ArithOp, a: Value, b: Value): Value {
  const x = typeof a === "number" ? a : a instanceof BFloat ? a.v : undefined;
  const y = typeof b === "number" ? b : b instanceof BFloat ? b.v : undefined;
  // two plain Ints (a division by zero) and everything that is not a number: the general path
  if (x === undefined || y === undefined || (x === a && y === b && Number.isInteger(x) && Number.isInteger(y)))
    return arith(op, a, b);
  let r: number;
  switch (op) {
    case ArithOp.Add:
      r = x + y;
      break;
    case ArithOp.Sub:
      r = x - y;
      break;
    case ArithOp.Mul:
      r = x * y;
      break;
    case ArithOp.Div:
      r = x / y;
      break;
    default:
      r = x % y;
  }
  return Number.isInteger(r) ? new BFloat(r) : r;
}

/** <, <=, >, >= when the operands are not two plain numbers: boxed floats here, the rest in compareSlow. */
export function compareBoxed(a: Value, b: Value): number {
  const x = typeof a === "number" ? a : a instanceof BFloat ? a.v : undefined;
  const y = typeof b === "number" ? b : b instanceof BFloat ? b.v : undefined;
  if (x === undefined || y === undefined) return compareSlow(a, b);
  return x < y ? -1 : x > y ? 1 : x === y ? 0 : NaN;
}

function arityError(name: string, expected: string, got: number): never {
  runtimeError("ArityError", `Arity mismatch for '${name}': expected ${expected} args, got ${got}`);
}

/**
 * Call `fn` with `args` on `fiber`. Returns the result for functions that
 * complete at once (builtins), or PUSHED when a frame was pushed and the
 * result will arrive through Return.
 */
export function callValue(vm: VM, fiber: Fiber, fn: Value, args: Value[]): Value {
  for (;;) {
    if (fn instanceof Closure) {
      const p = fn.proto;
      const f = newFrame(fn);
      const regs = f.regs;
      if (p.variadic) {
        if (args.length < p.nparams) arityError(p.qualifiedName, `at least ${p.nparams}`, args.length);
        for (let i = 0; i < p.nparams; i++) regs[i] = args[i];
        regs[p.nparams] = PersistentVector.from(args.slice(p.nparams));
      } else {
        if (args.length !== p.nparams) arityError(p.qualifiedName, String(p.nparams), args.length);
        for (let i = 0; i < args.length; i++) regs[i] = args[i];
      }
      if (fiber.frames.length >= maxStackDepth) stackOverflow();
      fiber.frames.push(f);
      return PUSHED;
    }
    if (fn instanceof Builtin) return fn.fn.apply(null, args);
    if (fn instanceof ProtocolMethod) {
      fn = dispatch(fn, args);
      continue;
    }
    if (fn instanceof MultiFn) {
      const c =
        fn.byArity[args.length] ?? (fn.variadic && args.length >= fn.variadic.proto.nparams ? fn.variadic : undefined);
      if (!c) {
        const available = fn.byArity.map((c, i) => (c ? i : -1)).filter((i) => i >= 0);
        if (fn.variadic) available.push(fn.variadic.proto.nparams);
        runtimeError(
          "ArityError",
          `No matching arity for multi-arity function call with ${args.length} argument(s). Available arities: ${available.join(", ")}`,
        );
      }
      fn = c;
      continue;
    }
    if (fn instanceof Continuation) {
      resumeContinuation(fiber, fn, args.length ? args[0] : null);
      return PUSHED;
    }
    if (fn instanceof Intrinsic) {
      const r = fn.fn(fiber, args);
      return r === INTRINSIC_DONE ? PUSHED : r;
    }
    typeError(`Value is not callable (got ${describeForCall(fn)})`);
  }
}

function describeForCall(v: Value): string {
  if (v === null) return "null";
  if (v instanceof Struct) return "a struct instance";
  return typeNameOf(v);
}

/** Can `fn` take `n` arguments? (Builtins and others are assumed to.) */
function acceptsArity(fn: Value, n: number): boolean {
  if (fn instanceof Closure) return fn.proto.variadic ? n >= fn.proto.nparams : n === fn.proto.nparams;
  if (fn instanceof MultiFn)
    return fn.byArity[n] !== undefined || (fn.variadic !== null && n >= fn.variadic.proto.nparams);
  return true;
}

/** The implementation of `pm` for a call with first argument `self` and `argc` arguments, or undefined if none. */
export function findImpl(pm: ProtocolMethod, self: Value, argc: number): Value {
  let impl =
    pm.impls.get(typeKeyOf(self)) ??
    (self instanceof Struct && self.type.enumType ? pm.impls.get(self.type) : undefined) ??
    pm.defaultImpl;
  // A type may implement only some arities; the protocol's default body covers the rest.
  if (
    impl &&
    impl !== pm.defaultImpl &&
    pm.defaultImpl &&
    !acceptsArity(impl, argc) &&
    acceptsArity(pm.defaultImpl, argc)
  )
    impl = pm.defaultImpl;
  // no impl for this type, and the default body (if any) does not cover this arity (a stub arm)
  if (
    impl === null ||
    impl === undefined ||
    (impl === pm.defaultImpl && impl instanceof MultiFn && !acceptsArity(impl, argc))
  )
    return undefined;
  return impl;
}

export function dispatch(pm: ProtocolMethod, args: Value[]): Value {
  const impl = findImpl(pm, args[0], args.length);
  if (impl === undefined)
    typeError(`Function not implemented for ${typeNameOf(args[0])} value: ${formatValue(args[0], 0)}`);
  return impl;
}

/** The index of the Handle frame a `perform` of `effect` reaches from the top of `frames`, or -1. */
export function findHandle(frames: Frame[], effect: EnumType, from = frames.length - 1): number {
  let i = from;
  for (; i >= 0; i--) {
    const f = frames[i]!;
    if (f.kind === FrameKind.Handle && f.tag === effect) break;
    if (f.kind === FrameKind.HandlerRun) i -= f.data as number;
  }
  return i;
}

/** The `handle` implementation for `handler`, or undefined when it has none. */
export function handlerImplOf(vm: VM, effect: EnumType, handler: Value): Value | undefined {
  const pm = vm.handleMethod();
  const key = typeKeyOf(handler);
  return pm?.paramImpls.get(effect)?.get(key) ?? pm?.impls.get(key);
}

// the last handler looked up: a loop of performs asks for the same one every time
let memoHandler: Value;
let memoEffect: EnumType | null = null;
let memoVersion = -1;
let memoImpl: Value = null;

/** The Beagle `handle` method of Handler(E) for this handler value. */
function handlerImpl(vm: VM, effect: EnumType, handler: Value): Value {
  // every extend (and every carry-over to a redefined type) changes protocolVersion
  if (handler === memoHandler && effect === memoEffect && protocolVersion.v === memoVersion) return memoImpl;
  const pm = vm.handleMethod();
  const key = typeKeyOf(handler);
  const impl = pm?.paramImpls.get(effect)?.get(key) ?? pm?.impls.get(key);
  if (!impl) runtimeError("RuntimeError", `No Handler(${effect.name}) implementation for ${typeNameOf(handler)}`);
  memoHandler = handler;
  memoEffect = effect;
  memoVersion = protocolVersion.v;
  memoImpl = impl;
  return impl;
}

// ------------------------------------------------------------ tail-resumptive performs
//
// A handler whose `handle` can only resume in tail position (`resume(v)` as its result, or
// `effect/resume-tail(resume, v)`), and does nothing else with `resume`, runs without a
// continuation being captured: its frame goes on top of the frames that performed, marked
// HandlerRun, and `resume` is TAIL_RESUME, a builtin that hands its argument back as the
// handler's result (RESUMED). When the handler returns RESUMED, its frame goes and the value is
// the perform's result, in the performing frame, which never left the stack; any other result
// means the handler did not resume, so the frames from the Handle boundary up are dropped and
// that value is the `handle` expression's, as with a captured continuation nobody resumed.
// Since `resume` cannot be stored, passed on or called twice, nobody can tell the difference,
// except through what the handler sees below it: searches for handlers, try boundaries,
// resets and dynamic bindings skip from the HandlerRun frame to below its Handle boundary,
// so a perform, a throw or a binding lookup in the handler sees what it would see at the
// `handle` expression (deep handlers). Everything else takes the capturing path.

/** Counters for tests and benchmarks: continuations captured by `perform`, and performs run without one. */
export const effectStats = { captures: 0, tailPerforms: 0 };

/** BEAGLE_TAIL_PERFORM=0 turns the tail-resumptive path off (A/B tests and benchmarks). */
export let tailPerformEnabled = process.env.BEAGLE_TAIL_PERFORM !== "0";
export function setTailPerform(on: boolean): boolean {
  const old = tailPerformEnabled;
  tailPerformEnabled = on;
  return old;
}

/** What TAIL_RESUME returns; the resumed value is in `resumedValue` until the handler's result is taken. */
const RESUMED = Symbol("resumed") as unknown as Value;
let resumedValue: Value = null;
/** argument array for entering a compiled handler: [handler, op, TAIL_RESUME] */
const tailArgs: Value[] = [null, null, null];
/** The `resume` a tail-resumptive handler receives. */
export const TAIL_RESUME = new Builtin("resume", (v?: Value) => {
  resumedValue = v === undefined ? null : v;
  return RESUMED;
});
tailArgs[2] = TAIL_RESUME;

/** The handler's result has come back to `fiber`, whose HandlerRun frame `b` has just been popped. */
function handlerReturned(fiber: Fiber, b: Frame, v: Value) {
  if (v === RESUMED) {
    // resumed: back to the performing frame, now the top
    deliver(fiber, resumedValue);
    resumedValue = null;
    return;
  }
  // not resumed: the handle expression's value
  removeFrames(fiber, fiber.frames.length - (b.data as number));
  deliver(fiber, v);
}

/** What jitPerform answers when compiled code must hand the perform to the interpreter. */
export const NO_FAST: unique symbol = Symbol("no-fast-perform");

/**
 * `perform op` from compiled code (vm/jit), at JS call depth `d`: when the nearest handler is
 * tail-resumptive and can be compiled, call its `handle` directly, as the interpreter's
 * Op.Perform does for a compiled handler, and give the resumed value back. The handler's Handle
 * frame is on the fiber (compiled code never holds boundary frames). DEOPT: the handler handed
 * over (its frame is marked HandlerRun when the frames land) or returned without resuming
 * (jitState.abort); either way the performing compiled frames hand over too. NO_FAST: anything
 * else (no handler, the async runtime's own operations, a capturing handler), which the
 * interpreter does.
 */
export function jitPerform(vm: VM, op: Value, d: number): Value {
  const fiber = jitState.fiber;
  if (fiber === null || !tailPerformEnabled || !(op instanceof Struct)) return NO_FAST;
  const effect = op.type.enumType;
  if (effect === null) return NO_FAST;
  if (vm.fastPerform !== null && (vm.fastPerformEffect === null || vm.fastPerformEffect === effect)) return NO_FAST;
  // inside a handler compiled code called directly, the search goes on below its Handle
  const skips = jitState.handlerSkips;
  const i = findHandle(
    fiber.frames,
    effect,
    skips.length > jitState.skipBase ? skips[skips.length - 1]! - 1 : fiber.frames.length - 1,
  );
  if (i < 0) return NO_FAST;
  const handler = fiber.frames[i]!.data;
  const impl = handlerImplOf(vm, effect, handler);
  if (!(impl instanceof Closure) || !isTailResumptive(vm, impl)) return NO_FAST;
  const hp = impl.proto;
  if (hp.jit === null && !(hp.hot >= 0 && jitCompile(hp, vm))) return NO_FAST;
  effectStats.tailPerforms++;
  skips.push(i);
  let r: Value;
  try {
    r = hp.jit!(d + 1, impl, null, 0, handler, op, TAIL_RESUME);
  } finally {
    skips.pop();
  }
  if (r === RESUMED) {
    const v = resumedValue;
    resumedValue = null;
    return v;
  }
  if (r === DEOPT) {
    const p = jitState.pending;
    jitState.handlerRuns.push({ frame: p[p.length - 1]!, handle: i });
  } else jitState.abort = { handle: i, value: r };
  return DEOPT;
}

const tailOnlyCache = new WeakMap<FnProto, boolean>();

/** Is `impl` a `handle` whose `resume` is only ever called in tail position (see above)? */
let lastProto: FnProto | null = null;
let lastTailOnly = false;
function isTailResumptive(vm: VM, impl: Closure): boolean {
  const p = impl.proto;
  if (p === lastProto) return lastTailOnly;
  let r = tailOnlyCache.get(p);
  if (r === undefined) {
    if (p.lazy !== null) p.lazy();
    r = !p.variadic && p.nparams === 3 && tailOnly(p, 2, resumeTailVar(vm));
    tailOnlyCache.set(p, r);
  }
  lastProto = p;
  lastTailOnly = r;
  return r;
}

/** `beagle.effect/resume-tail`, if it still only tail-calls its first parameter. */
function resumeTailVar(vm: VM): Var | null {
  const v = vm.namespaces.get("beagle.effect")?.vars.get("resume-tail");
  const f = v?.value;
  if (!(f instanceof Closure) || f.proto.variadic || f.proto.nparams !== 2) return null;
  if (f.proto.lazy !== null) f.proto.lazy();
  return tailOnly(f.proto, 0, null) ? v! : null;
}

/**
 * Does the code of `p` use local `slot` only as the callee of a tail call with at most one
 * argument, or as the first argument of a tail call to `rt` (resume-tail) with two? An
 * abstract run over every path tracking which operand-stack positions hold the slot's value
 * (bit masks; false for anything it does not follow: deep stacks, loops over iterators).
 */
export function tailOnly(p: FnProto, slot: number, rt: Var | null): boolean {
  const code = p.code;
  const consts = p.consts;
  const n = code.length;
  const depthAt = new Int32Array(n).fill(-1);
  const rAt = new Int32Array(n);
  const gAt = new Int32Array(n);
  const work: number[] = [];
  const visit = (pc: number, d: number, rm: number, gm: number): boolean => {
    if (pc < 0 || pc >= n || d < 0 || d > 30) return false;
    if (depthAt[pc] >= 0) return depthAt[pc] === d && rAt[pc] === rm && gAt[pc] === gm;
    depthAt[pc] = d;
    rAt[pc] = rm;
    gAt[pc] = gm;
    work.push(pc);
    return true;
  };
  if (!visit(0, 0, 0, 0)) return false;
  while (work.length > 0) {
    const pc = work.pop()!;
    const d = depthAt[pc]!;
    let rm = rAt[pc]!;
    let gm = gAt[pc]!;
    const op = code[pc] as Op;
    const a1 = code[pc + 1]!;
    const next = pc + 1 + operandCount(op, code, pc);
    // pops k, pushes m plain values: fails if a popped position holds the slot's value
    let pops = 0;
    let pushes = 0;
    let succ = true;
    switch (op) {
      case Op.LoadLocal:
        if (a1 === slot) {
          if (!visit(next, d + 1, rm | (1 << d), gm & ~(1 << d))) return false;
          continue;
        }
        pushes = 1;
        break;
      case Op.LoadGlobal:
        if (rt !== null && consts[a1] === rt) {
          if (!visit(next, d + 1, rm & ~(1 << d), gm | (1 << d))) return false;
          continue;
        }
        pushes = 1;
        break;
      case Op.StoreLocal:
      case Op.MakeCell:
      case Op.LoadCell:
      case Op.StoreCell:
        if (a1 === slot) return false;
        pops = op === Op.StoreLocal || op === Op.StoreCell ? 1 : 0;
        pushes = op === Op.LoadCell ? 1 : 0;
        break;
      case Op.MakeClosure: {
        const cnt = code[pc + 2]!;
        for (let i = 0; i < cnt; i++) if (code[pc + 3 + 2 * i]! !== 2 && code[pc + 4 + 2 * i]! === slot) return false;
        pushes = 1;
        break;
      }
      case Op.Const:
      case Op.Null:
      case Op.True:
      case Op.False:
      case Op.SmallInt:
      case Op.LoadEnv:
      case Op.LoadEnvCell:
      case Op.LoadSelf:
      case Op.LoadDynamic:
        pushes = 1;
        break;
      case Op.Dup:
        pops = 1;
        pushes = 2;
        break;
      case Op.Pop:
      case Op.StoreEnvCell:
      case Op.StoreGlobal:
        pops = 1;
        break;
      case Op.PopN:
        pops = a1;
        break;
      case Op.Jump:
        if (!visit(a1, d, rm, gm)) return false;
        continue;
      case Op.JumpIfNotTrue:
      case Op.JumpIfFalse:
      case Op.JumpIfTrue:
        if (rm & (1 << (d - 1))) return false;
        rm &= ~(1 << (d - 1));
        gm &= ~(1 << (d - 1));
        if (!visit(a1, d - 1, rm, gm)) return false;
        if (!visit(next, d - 1, rm, gm)) return false;
        continue;
      case Op.Add:
      case Op.Sub:
      case Op.Mul:
      case Op.Div:
      case Op.Mod:
      case Op.Lt:
      case Op.Le:
      case Op.Gt:
      case Op.Ge:
      case Op.Eq:
      case Op.Ne:
      case Op.BitAnd:
      case Op.BitOr:
      case Op.BitXor:
      case Op.Shl:
      case Op.Shr:
      case Op.UShr:
      case Op.Concat:
      case Op.SetField:
      case Op.Index:
      case Op.Try:
      case Op.Binding:
        pops = 2;
        pushes = 1;
        break;
      case Op.Not:
      case Op.GetField:
      case Op.ToStr:
      case Op.IterPrep:
      case Op.TestType:
      case Op.TestVec:
      case Op.VecNth:
      case Op.VecRest:
      case Op.TestMap:
      case Op.MapGet:
      case Op.Perform:
      case Op.Reset:
      case Op.Shift:
      case Op.Future:
        pops = 1;
        pushes = 1;
        break;
      case Op.Handle:
        pops = 3;
        pushes = 1;
        break;
      case Op.ConcatN:
      case Op.MakeVec:
      case Op.MakeSet:
      case Op.MakeMulti:
        pops = a1;
        pushes = 1;
        break;
      case Op.MakeMap:
        pops = 2 * a1;
        pushes = 1;
        break;
      case Op.MakeStruct:
        pops = code[pc + 2]!;
        pushes = 1;
        break;
      case Op.MakeStructSpread:
        pops = code[pc + 2]! + 1;
        pushes = 1;
        break;
      case Op.Call:
        pops = a1 + 1;
        pushes = 1;
        break;
      case Op.TailCall: {
        const f = d - a1 - 1;
        const bit = (i: number) => (i >= 0 ? 1 << i : 0);
        // resume(v) / resume()
        if (a1 <= 1 && rm & bit(f) && !(rm & (bit(d - 1) & ~bit(f)))) rm &= ~bit(f);
        // resume-tail(resume, v)
        else if (a1 === 2 && gm & bit(f) && rm & bit(f + 1) && !(rm & bit(f + 2))) rm &= ~bit(f + 1);
        pops = a1 + 1;
        pushes = 1;
        break;
      }
      case Op.Return:
      case Op.ReturnNonLocal:
      case Op.JumpNonLocal:
      case Op.Throw:
        pops = 1;
        succ = false;
        break;
      case Op.MatchFail:
        succ = false;
        break;
      default:
        // IterNext, CompileSelf and anything new: not followed
        return false;
    }
    if (pops > d) return false;
    const popped = ((1 << pops) - 1) << (d - pops);
    if (rm & popped) return false;
    if (!succ) continue;
    const nd = d - pops + pushes;
    const pushed = ((1 << pushes) - 1) << (d - pops);
    if (!visit(next, nd, rm & ~pushed, gm & ~popped & ~pushed)) return false;
  }
  return true;
}

const ASYNC_FILE = "stdlib/beagle.async.bg";
/** The name of the async runtime's catch for a task body (vm/async/runtime.ts startTask). */
export const TASK_FAILED = "beagle.async/__task-failed";

/**
 * `try ... finally` (compiler/codegen.ts tryFinally): a return/break/continue leaving the
 * region travels as a thrown `__FinallyExit { k, value }` that only finally boundaries (Try
 * frames whose data is FINALLY) catch; the code after the finally block redoes exit k.
 */
export const FINALLY = "finally";
const FinallyExit = new StructType("beagle.core", "__FinallyExit", ["k", "value"]);
export const finallyBuiltins: Record<string, (...args: Value[]) => Value> = {
  "__fin-exit": (k, v) => new Struct(FinallyExit, [k, v]),
  /** what the finally boundary caught: [2 + k, value] for an exit, [1, error] for an error */
  "__fin-outcome": (x) =>
    x instanceof Struct && x.type === FinallyExit
      ? PersistentVector.from([2 + (x.f[0] as number), x.f[1]])
      : PersistentVector.from([1, x]),
};

/** Throw `value` on `fiber`: unwind to the nearest try boundary. Returns false if uncaught. */
export function throwValue(vm: VM, fiber: Fiber, value: Value): boolean {
  const frames = fiber.frames;
  const exit = value instanceof Struct && value.type === FinallyExit;
  for (let i = frames.length - 1; i >= 0; i--) {
    const f = frames[i]!;
    if (f.kind !== FrameKind.Try) {
      // a tail-resumptive handler's error is not caught inside the code that performed
      if (f.kind === FrameKind.HandlerRun) i -= f.data as number;
      continue;
    }
    if (exit && f.data !== FINALLY) continue;
    const catchFn = f.tag;
    // a task's failure caught to reject its future: keep where it came from for the awaiter's report
    if (
      (catchFn instanceof Closure && catchFn.proto.file === ASYNC_FILE) ||
      (catchFn instanceof Builtin && catchFn.name === TASK_FAILED)
    ) {
      rememberValueTrace(value, captureTrace(fiber, -1), false);
    }
    const resumable = f.data === true;
    const captured = removeFrames(fiber, i);
    const args = resumable ? [value, new Continuation(captured)] : [value];
    pushCall(vm, fiber, catchFn, args);
    return true;
  }
  return false;
}

/** Call `fn(args)` and deliver its value to the fiber's top frame, whatever kind of function it is. */
export function pushCall(vm: VM, fiber: Fiber, fn: Value, args: Value[]) {
  const r = callValue(vm, fiber, fn, args);
  if (r !== PUSHED) deliver(fiber, r);
}

/** Deliver a value to the top frame as the result of its pending operation. */
export function deliver(fiber: Fiber, v: Value) {
  const frames = fiber.frames;
  if (frames.length === 0) {
    fiber.result = v;
    fiber.state = FiberState.Done;
    return;
  }
  const top = frames[frames.length - 1]!;
  top.regs[top.sp++] = v;
}

function pushBoundary(fiber: Fiber, thunk: Value, kind: FrameKind, tag: Value, data: Value) {
  if (!(thunk instanceof Closure)) typeError("boundary body is not a function");
  const f = newFrame(thunk);
  f.kind = kind;
  f.tag = tag;
  f.data = data;
  if (fiber.frames.length >= maxStackDepth) stackOverflow();
  if (kind === FrameKind.Binding) fiber.bindings++;
  fiber.frames.push(f);
}

/** Ops that leave one input on the stack (to be replaced by the result) when they throw. */
export function inputsLeftOnThrow(op: Op): number {
  if (isBinaryOp(op)) return 1;
  switch (op) {
    case Op.GetField:
    case Op.Index:
    case Op.VecNth:
    case Op.VecRest:
    case Op.MapGet:
    case Op.IterPrep:
    case Op.ToStr:
    case Op.MatchFail:
      return 1;
    default:
      return 0;
  }
}

/**
 * Whether `${v}` must go through the Format protocol (to-string): structs and
 * collections (whose elements may format themselves), and any value whose type
 * has a Format impl. Other values print the same either way, so skip the call.
 */
export function formatsItself(vm: VM, v: Value): boolean {
  if (v instanceof Struct || v instanceof PersistentVector || v instanceof PersistentMap || v instanceof PersistentSet)
    return true;
  const format = vm.core.vars.get("format")?.value;
  return format instanceof ProtocolMethod && format.impls.has(typeKeyOf(v));
}

function lookupDynamic(fiber: Fiber, v: Var): Value {
  // the innermost binding on this fiber, then on the fibers it runs a synchronous call for
  for (let fb: Fiber | null = fiber; fb !== null; fb = fb.parent) {
    if (fb.bindings === 0) continue;
    const frames = fb.frames;
    for (let i = frames.length - 1; i >= 0; i--) {
      const f = frames[i]!;
      if (f.kind === FrameKind.Binding && f.tag === v) return f.data;
      if (f.kind === FrameKind.HandlerRun) i -= f.data as number;
    }
  }
  return v.value === undefined ? null : v.value;
}

/**
 * The frame index a `return` (label null) or `break`/`continue` (label) in the
 * thunk `closure` unwinds to, or -1. Frames are matched by identity through
 * Frame.origin, so this works in resumed copies of a continuation too: the
 * nearest copy of the home frame is the one this thunk runs above. A loop
 * label belongs to the home function or to a thunk between it and the top.
 */
function nonLocalTarget(frames: Frame[], closure: Closure, label: Label | null): number {
  const home = closure.home;
  if (!home) return -1;
  let hi = frames.length - 1;
  for (; hi >= 0; hi--) {
    const f = frames[hi]!;
    if (f.origin === home) break;
    // a handler running over the frames that performed cannot return or break into them
    if (f.kind === FrameKind.HandlerRun) hi -= f.data as number;
  }
  if (hi < 0 || !label || !label.owner || frames[hi]!.closure.proto === label.owner) return hi;
  for (let i = frames.length - 2; i > hi; i--) if (frames[i]!.closure.proto === label.owner) return i;
  return -1;
}

export function undefinedVar(v: Var): never {
  runtimeError(
    "RuntimeError",
    `Undefined variable: ${v.ns === "beagle.core" || v.ns === "main" ? "" : v.ns + "/"}${v.name}`,
  );
}

export function getField(obj: Value, name: string, proto: FnProto, at: number): Value {
  if (obj instanceof Struct) {
    if (obj.type.successor !== null) migrate(obj); // made before its struct was redefined
    const slot = obj.type.slots.get(name);
    if (slot === undefined) runtimeError("FieldError", `Field '${name}' does not exist on ${obj.type.displayName}`);
    proto.fieldCacheType[at] = obj.type;
    proto.fieldCacheSlot[at] = slot;
    return obj.f[slot];
  }
  if (obj === null) typeError(`Cannot access property '${name}' on null`);
  if (typeof (obj as { beagleField?: unknown })?.beagleField === "function")
    return (obj as { beagleField(n: string): Value }).beagleField(name);
  const prop = builtinProperty(obj, name);
  if (prop !== NO_PROPERTY) return prop;
  typeError(`Cannot access property '${name}' on ${typeNameOf(obj)}`);
}

export function setField(obj: Value, name: string, value: Value, proto: FnProto, at: number) {
  if (obj instanceof Struct) {
    if (obj.type.successor !== null) migrate(obj);
    const slot = obj.type.slots.get(name);
    if (slot === undefined) runtimeError("FieldError", `Field '${name}' does not exist on ${obj.type.displayName}`);
    if (!obj.type.mutable[slot])
      runtimeError("MutabilityError", `Cannot mutate immutable field '${name}' in struct '${obj.type.qualifiedName}'`);
    // cache only after the checks passed: a hit needs no check
    proto.fieldCacheType[at] = obj.type;
    proto.fieldCacheSlot[at] = slot;
    obj.f[slot] = value;
    return;
  }
  if (obj === null) typeError(`Cannot set property '${name}' on null`);
  typeError(`Cannot set property '${name}' on ${typeNameOf(obj)}`);
}

/** Fast `get(obj, idx)` for built-in collections; undefined means "ask the protocol". */
export function fastIndex(obj: Value, idx: Value): Value {
  if (obj instanceof PersistentVector) {
    if (typeof idx === "number") {
      const v = obj.get(idx);
      return v === undefined ? null : v;
    }
    return undefined;
  }
  if (obj instanceof PersistentMap) return obj.get(idx, null);
  if (typeof obj === "string" && typeof idx === "number") {
    const c = cpAt(obj, idx);
    return c === undefined ? null : c;
  }
  if (obj === null) return null;
  return undefined;
}

export function concatError(v: Value): never {
  typeError(`Expected string, got ${typeNameOf(v)}`);
}

/**
 * Run `fiber` for at most `budget` backward jumps and calls.
 */
export function execute(vm: VM, fiber: Fiber, budget: number): RunResult {
  const frames = fiber.frames;
  let frame: Frame;
  let closure: Closure;
  let proto: FnProto;
  let code: Int32Array;
  let consts: unknown[];
  let regs: Value[];
  let pc: number;
  let sp: number;
  let opPc = 0;

  // Paths that change the running frame (other than the hot call and return
  // paths, which update these locals in place) `continue reload`.
  reload: for (;;) {
    frame = frames[frames.length - 1]!;
    closure = frame.closure;
    proto = closure.proto;
    code = proto.code;
    consts = proto.consts;
    regs = frame.regs;
    pc = frame.pc;
    sp = frame.sp;
    try {
      if (hasPendingError()) {
        // compiled code failed at errPc of the frame it handed over: fail there as the interpreter would
        opPc = jitState.errPc;
        sp += inputsLeftOnThrow(code[opPc] as Op);
        throw takePendingError();
      }
      for (;;) {
        opPc = pc;
        switch (code[pc++] as Op) {
          case Op.Const:
            regs[sp++] = consts[code[pc++]!];
            break;
          case Op.Null:
            regs[sp++] = null;
            break;
          case Op.True:
            regs[sp++] = true;
            break;
          case Op.False:
            regs[sp++] = false;
            break;
          case Op.SmallInt:
            regs[sp++] = code[pc++];
            break;
          case Op.Pop:
            sp--;
            break;
          case Op.PopN:
            sp -= code[pc++]!;
            break;
          case Op.Dup:
            regs[sp] = regs[sp - 1];
            sp++;
            break;
          case Op.LoadLocal:
            regs[sp++] = regs[code[pc++]!];
            break;
          case Op.StoreLocal:
            regs[code[pc++]!] = regs[--sp];
            break;
          case Op.LoadCell:
            regs[sp++] = (regs[code[pc++]!] as Cell).v;
            break;
          case Op.StoreCell:
            (regs[code[pc++]!] as Cell).v = regs[--sp];
            break;
          case Op.MakeCell: {
            const i = code[pc++]!;
            regs[i] = new Cell(regs[i]);
            break;
          }
          case Op.LoadEnv:
            regs[sp++] = closure.env[code[pc++]!];
            break;
          case Op.LoadEnvCell:
            regs[sp++] = (closure.env[code[pc++]!] as Cell).v;
            break;
          case Op.StoreEnvCell:
            (closure.env[code[pc++]!] as Cell).v = regs[--sp];
            break;
          case Op.LoadSelf:
            regs[sp++] = closure.owner ?? closure;
            break;
          case Op.LoadGlobal: {
            const v = (consts[code[pc++]!] as Var).value;
            if (v === undefined) undefinedVar(consts[code[pc - 1]!] as Var);
            regs[sp++] = v;
            break;
          }
          case Op.StoreGlobal: {
            const v = consts[code[pc++]!] as Var;
            const x = regs[--sp];
            if (!(v.once && v.value !== undefined)) v.value = x;
            break;
          }
          case Op.LoadDynamic:
            regs[sp++] = lookupDynamic(fiber, consts[code[pc++]!] as Var);
            break;
          case Op.Jump: {
            const t = code[pc]!;
            if (t < pc && --budget <= 0) {
              pc = t;
              frame.pc = pc;
              frame.sp = sp;
              return RunResult.Yielded;
            }
            if (
              t < pc &&
              frame.kind === FrameKind.Normal &&
              (proto.jit !== null ? osrWorthIt(proto) : ++proto.hot >= jitThreshold && jitCompile(proto, vm))
            ) {
              // a hot loop: the rest of this call runs compiled (on-stack replacement)
              frame.sp = sp;
              const r = enterJitAt(fiber, closure, regs, t, budget);
              budget = jitState.left;
              frames.pop();
              if (r === DEOPT) {
                if (landDeopt(fiber)) return RunResult.Done;
              } else if (frames.length === 0) {
                fiber.result = r;
                fiber.state = FiberState.Done;
                return RunResult.Done;
              } else deliver(fiber, r);
              continue reload;
            }
            pc = t;
            break;
          }
          case Op.JumpIfNotTrue:
            if (regs[--sp] !== true) pc = code[pc]!;
            else pc++;
            break;
          case Op.JumpIfFalse:
            if (regs[--sp] === false) pc = code[pc]!;
            else pc++;
            break;
          case Op.JumpIfTrue:
            if (regs[--sp] === true) pc = code[pc]!;
            else pc++;
            break;

          // ---------------------------------------------------- arithmetic
          case Op.Add: {
            const b = regs[--sp];
            const a = regs[sp - 1];
            if (typeof a === "number" && typeof b === "number") {
              const r = a + b;
              if (Number.isInteger(r)) {
                if (Number.isInteger(a) && Number.isInteger(b))
                  regs[sp - 1] = r <= MAX_SAFE && r >= -MAX_SAFE ? r : arith(ArithOp.Add, a, b);
                else regs[sp - 1] = new BFloat(r);
              } else regs[sp - 1] = r;
            } else regs[sp - 1] = arithBoxed(ArithOp.Add, a, b);
            break;
          }
          case Op.Sub: {
            const b = regs[--sp];
            const a = regs[sp - 1];
            if (typeof a === "number" && typeof b === "number") {
              const r = a - b;
              if (Number.isInteger(r)) {
                if (Number.isInteger(a) && Number.isInteger(b))
                  regs[sp - 1] = r <= MAX_SAFE && r >= -MAX_SAFE ? r : arith(ArithOp.Sub, a, b);
                else regs[sp - 1] = new BFloat(r);
              } else regs[sp - 1] = r;
            } else regs[sp - 1] = arithBoxed(ArithOp.Sub, a, b);
            break;
          }
          case Op.Mul: {
            const b = regs[--sp];
            const a = regs[sp - 1];
            if (typeof a === "number" && typeof b === "number") {
              const r = a * b;
              if (Number.isInteger(r)) {
                if (Number.isInteger(a) && Number.isInteger(b))
                  regs[sp - 1] = r <= MAX_SAFE && r >= -MAX_SAFE ? r + 0 : arith(ArithOp.Mul, a, b); // 0 * -1 is Int 0, not -0
                else regs[sp - 1] = new BFloat(r);
              } else regs[sp - 1] = Object.is(r, -0) ? new BFloat(r) : r;
            } else regs[sp - 1] = arithBoxed(ArithOp.Mul, a, b);
            break;
          }
          case Op.Div: {
            const b = regs[--sp];
            const a = regs[sp - 1];
            if (
              typeof a === "number" &&
              typeof b === "number" &&
              Number.isInteger(a) &&
              Number.isInteger(b) &&
              b !== 0
            ) {
              regs[sp - 1] = Math.trunc(a / b) + 0;
            } else regs[sp - 1] = arithBoxed(ArithOp.Div, a, b);
            break;
          }
          case Op.Mod: {
            const b = regs[--sp];
            const a = regs[sp - 1];
            if (
              typeof a === "number" &&
              typeof b === "number" &&
              Number.isInteger(a) &&
              Number.isInteger(b) &&
              b !== 0
            ) {
              regs[sp - 1] = (a % b) + 0;
            } else regs[sp - 1] = arithBoxed(ArithOp.Mod, a, b);
            break;
          }
          case Op.Lt: {
            const b = regs[--sp];
            const a = regs[sp - 1];
            regs[sp - 1] = typeof a === "number" && typeof b === "number" ? a < b : compareBoxed(a, b) < 0;
            break;
          }
          case Op.Le: {
            const b = regs[--sp];
            const a = regs[sp - 1];
            regs[sp - 1] = typeof a === "number" && typeof b === "number" ? a <= b : compareBoxed(a, b) <= 0;
            break;
          }
          case Op.Gt: {
            const b = regs[--sp];
            const a = regs[sp - 1];
            regs[sp - 1] = typeof a === "number" && typeof b === "number" ? a > b : compareBoxed(a, b) > 0;
            break;
          }
          case Op.Ge: {
            const b = regs[--sp];
            const a = regs[sp - 1];
            regs[sp - 1] = typeof a === "number" && typeof b === "number" ? a >= b : compareBoxed(a, b) >= 0;
            break;
          }
          case Op.Eq: {
            const b = regs[--sp];
            const a = regs[sp - 1];
            // nothing but null equals null; two different numbers are never equal
            regs[sp - 1] =
              a === b || (a !== null && b !== null && !(typeof a === "number" && typeof b === "number") && equal(a, b));
            break;
          }
          case Op.Ne: {
            const b = regs[--sp];
            const a = regs[sp - 1];
            regs[sp - 1] = !(
              a === b ||
              (a !== null && b !== null && !(typeof a === "number" && typeof b === "number") && equal(a, b))
            );
            break;
          }
          case Op.BitAnd: {
            const b = regs[--sp];
            regs[sp - 1] = bitwise("&", regs[sp - 1], b);
            break;
          }
          case Op.BitOr: {
            const b = regs[--sp];
            regs[sp - 1] = bitwise("|", regs[sp - 1], b);
            break;
          }
          case Op.BitXor: {
            const b = regs[--sp];
            regs[sp - 1] = bitwise("^", regs[sp - 1], b);
            break;
          }
          case Op.Shl: {
            const b = regs[--sp];
            regs[sp - 1] = bitwise("<<", regs[sp - 1], b);
            break;
          }
          case Op.Shr: {
            const b = regs[--sp];
            regs[sp - 1] = bitwise(">>", regs[sp - 1], b);
            break;
          }
          case Op.UShr: {
            const b = regs[--sp];
            regs[sp - 1] = bitwise(">>>", regs[sp - 1], b);
            break;
          }
          case Op.Concat: {
            const b = regs[--sp];
            const a = regs[sp - 1];
            if (typeof a !== "string") concatError(a);
            if (typeof b !== "string") concatError(b);
            regs[sp - 1] = a + b;
            break;
          }
          case Op.ConcatN: {
            const n = code[pc++]!;
            let s = "";
            for (let i = sp - n; i < sp; i++) s += regs[i];
            sp -= n;
            regs[sp++] = s;
            break;
          }
          case Op.Not:
            regs[sp - 1] = regs[sp - 1] === false;
            break;

          // ---------------------------------------------------- calls
          case Op.Call:
          case Op.TailCall: {
            const isTail = code[opPc] === Op.TailCall && frame.kind === FrameKind.Normal;
            const argc = code[pc++]!;
            let fn = regs[sp - argc - 1];
            // A protocol method or multi-arity function resolves here to what it runs, so
            // the common cases (a closure or builtin of that arity) take the direct paths
            // below, without an argument array. Failures are left to the general path.
            if (fn instanceof ProtocolMethod && argc > 0) {
              const impl = findImpl(fn, regs[sp - argc], argc);
              if (impl !== undefined) fn = impl;
            }
            if (fn instanceof MultiFn) {
              const c = fn.byArity[argc];
              if (c !== undefined) fn = c;
            }
            if (fn instanceof Closure && !fn.proto.variadic && fn.proto.nparams === argc) {
              if (fn.proto.lazy !== null) fn.proto.lazy();
              if (--budget <= 0) {
                // yield before the call; it is re-executed when the fiber resumes
                frame.pc = opPc;
                frame.sp = sp;
                return RunResult.Yielded;
              }
              if (!isTail && frames.length >= maxStackDepth) stackOverflow();
              const p = fn.proto;
              if (p.jit !== null || (++p.hot >= jitThreshold && jitCompile(p, vm))) {
                // compiled: it runs on the JS stack and returns its value, or hands back its frames
                const base = sp - argc;
                const r = enterJit(fiber, fn, regs, base, argc, budget);
                budget = jitState.left;
                sp = base - 1;
                if (isTail) {
                  // a tail call: this frame is done either way
                  frames.pop();
                  if (r === DEOPT) {
                    if (landDeopt(fiber)) return RunResult.Done;
                  } else if (frames.length === 0) {
                    fiber.result = r;
                    fiber.state = FiberState.Done;
                    return RunResult.Done;
                  } else deliver(fiber, r);
                  continue reload;
                }
                if (r !== DEOPT) {
                  regs[sp++] = r;
                  break;
                }
                frame.pc = pc;
                frame.sp = sp;
                if (landDeopt(fiber)) return RunResult.Done;
                continue reload;
              }
              const nregs = new Array(p.nlocals + p.maxStack);
              const base = sp - argc;
              for (let i = 0; i < argc; i++) nregs[i] = regs[base + i];
              sp = base - 1;
              if (isTail) frames.pop();
              else {
                frame.pc = pc;
                frame.sp = sp;
              }
              const nf = new Frame(fn, nregs);
              frames.push(nf);
              frame = nf;
              closure = fn;
              proto = p;
              code = p.code;
              consts = p.consts;
              regs = nregs;
              pc = 0;
              sp = p.nlocals;
              break;
            }
            if (fn instanceof Builtin) {
              const base = sp - argc;
              let r: Value;
              const f = fn.fn;
              switch (argc) {
                case 0:
                  r = f();
                  break;
                case 1:
                  r = f(regs[base]);
                  break;
                case 2:
                  r = f(regs[base], regs[base + 1]);
                  break;
                case 3:
                  r = f(regs[base], regs[base + 1], regs[base + 2]);
                  break;
                default:
                  r = f.apply(null, regs.slice(base, sp));
              }
              sp = base - 1;
              regs[sp++] = r;
              break;
            }
            // general path: protocols, multi-arity, variadic, continuations, intrinsics
            const args = regs.slice(sp - argc, sp);
            sp -= argc + 1;
            frame.pc = pc;
            frame.sp = sp;
            if (
              isTail &&
              (fn instanceof Closure ||
                fn instanceof MultiFn ||
                fn instanceof ProtocolMethod ||
                fn instanceof Continuation)
            ) {
              // resolve to the final target first so a tail call through a protocol or
              // multi-arity function stays a tail call
              while (fn instanceof ProtocolMethod) fn = dispatch(fn, args);
              frames.pop();
              const r = callValue(vm, fiber, fn, args);
              if (r !== PUSHED) {
                if (frames.length === 0) {
                  fiber.result = r;
                  fiber.state = FiberState.Done;
                  return RunResult.Done;
                }
                deliver(fiber, r);
              }
            } else {
              const r = callValue(vm, fiber, fn, args);
              if (r !== PUSHED) {
                if (fiber.state === FiberState.Parked) return RunResult.Parked;
                regs[sp++] = r;
                break;
              }
              if (fiber.state === FiberState.Parked) return RunResult.Parked;
            }
            if (frames.length === 0) return RunResult.Done;
            continue reload;
          }
          case Op.Return: {
            const v = regs[sp - 1];
            frames.pop();
            if (frame.kind !== FrameKind.Normal) {
              if (frame.kind === FrameKind.Binding) fiber.bindings--;
              else if (frame.kind === FrameKind.HandlerRun) {
                handlerReturned(fiber, frame, v);
                if (frames.length === 0) return RunResult.Done;
                continue reload;
              }
            }
            if (frames.length === 0) {
              fiber.result = v;
              fiber.state = FiberState.Done;
              return RunResult.Done;
            }
            frame = frames[frames.length - 1]!;
            closure = frame.closure;
            proto = closure.proto;
            code = proto.code;
            consts = proto.consts;
            regs = frame.regs;
            pc = frame.pc;
            sp = frame.sp;
            regs[sp++] = v;
            break;
          }
          case Op.ReturnNonLocal:
          case Op.JumpNonLocal: {
            const label = code[opPc] === Op.JumpNonLocal ? (consts[code[pc++]!] as Label) : null;
            const v = regs[--sp];
            const hi = nonLocalTarget(frames, closure, label);
            if (hi < 0)
              runtimeError(
                "RuntimeError",
                label ? "break/continue target is no longer active" : "return target is no longer active",
              );
            removeFrames(fiber, hi + 1);
            frame = frames[hi]!;
            closure = frame.closure;
            proto = closure.proto;
            code = proto.code;
            consts = proto.consts;
            regs = frame.regs;
            if (label) {
              if (label.resultSlot >= 0) regs[label.resultSlot] = v;
              pc = label.pc;
              sp = proto.nlocals + label.depth;
            } else {
              // return from the home frame
              frames.pop();
              if (frame.kind === FrameKind.Binding) fiber.bindings--;
              else if (frame.kind === FrameKind.HandlerRun) {
                handlerReturned(fiber, frame, v);
                if (frames.length === 0) return RunResult.Done;
                continue reload;
              }
              if (frames.length === 0) {
                fiber.result = v;
                fiber.state = FiberState.Done;
                return RunResult.Done;
              }
              frame = frames[frames.length - 1]!;
              closure = frame.closure;
              proto = closure.proto;
              code = proto.code;
              consts = proto.consts;
              regs = frame.regs;
              pc = frame.pc;
              sp = frame.sp;
              regs[sp++] = v;
            }
            break;
          }
          case Op.MakeClosure: {
            const p = consts[code[pc++]!] as FnProto;
            const n = code[pc++]!;
            const env = new Array(n);
            for (let i = 0; i < n; i++) {
              const kind = code[pc++]!;
              const idx = code[pc++]!;
              env[i] = kind === 0 ? regs[idx] : kind === 2 ? closure.env[idx] : (closure.owner ?? closure);
            }
            const c = new Closure(p, env);
            if (p.isThunk) {
              if (!proto.isThunk) frame.origin ??= {};
              c.home = proto.isThunk ? closure.home : frame.origin;
            }
            regs[sp++] = c;
            break;
          }
          case Op.MakeMulti: {
            const n = code[pc++]!;
            pc++;
            const cs = regs.slice(sp - n, sp) as Closure[];
            sp -= n;
            const byArity: (Closure | undefined)[] = [];
            let variadic: Closure | null = null;
            for (const c of cs) {
              if (c.proto.variadic) variadic = c;
              else byArity[c.proto.nparams] = c;
            }
            regs[sp++] = new MultiFn(cs[0]?.proto.qualifiedName ?? "fn", byArity, variadic);
            break;
          }

          // ---------------------------------------------------- data
          case Op.GetField: {
            const obj = regs[sp - 1];
            if (obj instanceof Struct && proto.fieldCacheType[opPc] === obj.type) {
              regs[sp - 1] = obj.f[proto.fieldCacheSlot[opPc]!];
              pc++;
            } else regs[sp - 1] = getField(obj, consts[code[pc++]!] as string, proto, opPc);
            break;
          }
          case Op.SetField: {
            const v = regs[--sp];
            const obj = regs[sp - 1];
            if (obj instanceof Struct && proto.fieldCacheType[opPc] === obj.type) {
              obj.f[proto.fieldCacheSlot[opPc]!] = v;
              pc++;
            } else setField(obj, consts[code[pc++]!] as string, v, proto, opPc);
            regs[sp - 1] = v;
            break;
          }
          case Op.MakeStruct:
          case Op.MakeStructSpread: {
            const type = consts[code[pc++]!] as StructType;
            const n = code[pc++]!;
            const spread = code[opPc] === Op.MakeStructSpread;
            const base = sp - n;
            let fields: Value[];
            if (spread) {
              const src = regs[base - 1];
              if (!(src instanceof Struct) || src.type !== type)
                typeError(`Cannot spread ${typeNameOf(src)} into ${type.displayName}`);
              fields = src.f.slice();
            } else {
              fields = new Array(type.fields.length);
            }
            for (let i = 0; i < n; i++) fields[code[pc + i]!] = regs[base + i];
            pc += n;
            sp = base - (spread ? 1 : 0);
            if (!spread && n !== type.fields.length) {
              for (let i = 0; i < fields.length; i++) {
                if (fields[i] === undefined) {
                  const d = type.defaults[i];
                  fields[i] = d ? vm.callSync(d, []) : null;
                }
              }
            }
            regs[sp++] = new Struct(type, fields);
            break;
          }
          case Op.MakeVec: {
            const n = code[pc++]!;
            const v = n === 0 ? PersistentVector.EMPTY : PersistentVector.from(regs.slice(sp - n, sp));
            sp -= n;
            regs[sp++] = v;
            break;
          }
          case Op.MakeMap: {
            const n = code[pc++]!;
            let m = PersistentMap.EMPTY;
            const base = sp - 2 * n;
            for (let i = 0; i < n; i++) m = m.assoc(regs[base + 2 * i], regs[base + 2 * i + 1]);
            sp = base;
            regs[sp++] = m;
            break;
          }
          case Op.MakeSet: {
            const n = code[pc++]!;
            const s = PersistentSet.from(regs.slice(sp - n, sp));
            sp -= n;
            regs[sp++] = s;
            break;
          }
          case Op.Index: {
            const idx = regs[--sp];
            const obj = regs[sp - 1];
            const r = fastIndex(obj, idx);
            const getVar = consts[code[pc++]!] as Var;
            if (r !== undefined) {
              regs[sp - 1] = r;
              break;
            }
            // `obj` stays counted in `sp` until the call is made: if the call fails at
            // once, the error handler drops exactly one input (see inputsLeftOnThrow)
            frame.pc = pc;
            frame.sp = sp - 1;
            if (getVar.value === undefined) typeError(`Cannot index ${typeNameOf(obj)}`);
            const rr = callValue(vm, fiber, getVar.value, [obj, idx]);
            if (rr !== PUSHED) {
              regs[sp - 1] = rr;
              break;
            }
            continue reload;
          }
          case Op.ToStr: {
            const v = regs[sp - 1];
            const toStringVar = consts[code[pc++]!] as Var;
            if (typeof v === "string") break;
            if (toStringVar.value === undefined || !formatsItself(vm, v)) {
              regs[sp - 1] = formatValue(v, 0);
              break;
            }
            frame.pc = pc;
            frame.sp = sp - 1; // as in Index: `v` stays counted until the call is made
            const r = callValue(vm, fiber, toStringVar.value, [v]);
            if (r !== PUSHED) {
              regs[sp - 1] = r;
              break;
            }
            continue reload;
          }
          case Op.IterPrep: {
            const seqVar = consts[code[pc++]!] as Var;
            const coll = regs[sp - 1];
            const it = makeIterator(coll);
            if (it !== undefined) {
              regs[sp - 1] = it;
              break;
            }
            // A struct: the loop walks what its seq() returns. That is an ordinary call
            // (it may suspend); its result replaces `coll` and goes to the loop's slot.
            if (seqVar.value === undefined) typeError(`Cannot iterate over ${typeNameOf(coll)}`);
            frame.pc = pc;
            frame.sp = sp - 1;
            const r = callValue(vm, fiber, seqVar.value, [coll]);
            if (r !== PUSHED) {
              regs[sp - 1] = r;
              break;
            }
            continue reload;
          }
          case Op.IterNext: {
            const it = regs[code[pc]!];
            if (it instanceof IterBase) {
              const v = it.next();
              if (v === undefined) pc = code[pc + 1]!;
              else {
                regs[sp++] = v;
                pc = code[pc + 2]!;
              }
            } else if (it === null) pc = code[pc + 1]!;
            else pc += 3; // a user Seq: the instructions that follow call first and next on it
            break;
          }
          case Op.TestType: {
            const t = consts[code[pc++]!];
            const v = regs[sp - 1];
            regs[sp - 1] =
              v instanceof Struct &&
              (v.type === t ||
                v.type.enumType === t ||
                ((v.type.successor !== null || (t as StructType).successor != null) && testStaleType(v, t)));
            break;
          }
          case Op.TestVec: {
            const n = code[pc++]!;
            const rest = code[pc++]!;
            const v = regs[sp - 1];
            regs[sp - 1] = v instanceof PersistentVector && (rest ? v.count >= n : v.count === n);
            break;
          }
          case Op.VecNth:
            regs[sp - 1] = (regs[sp - 1] as PersistentVector).get(code[pc++]!);
            break;
          case Op.VecRest: {
            const v = regs[sp - 1] as PersistentVector;
            regs[sp - 1] = v.slice(code[pc++]!, v.count);
            break;
          }
          case Op.TestMap:
            regs[sp - 1] = regs[sp - 1] instanceof PersistentMap;
            break;
          case Op.MapGet:
            regs[sp - 1] = (regs[sp - 1] as PersistentMap).get(consts[code[pc++]!], null);
            break;
          case Op.MatchFail:
            runtimeError("RuntimeError", `No matching arm in match for value: ${formatValue(regs[sp - 1] ?? null, 0)}`);
            break;

          // ---------------------------------------------------- effects and exceptions
          case Op.Throw: {
            const v = regs[--sp];
            frame.pc = pc;
            frame.sp = sp;
            // Unwind to the try boundary directly: a JS exception (with its
            // stack trace) costs ten times the rest of a throw. Uncaught
            // throws take the general path below.
            if (!throwValue(vm, fiber, v)) throw new BeagleThrow(v);
            continue reload;
          }
          case Op.Perform: {
            const op = regs[--sp];
            frame.pc = pc;
            frame.sp = sp;
            const effect = op instanceof Struct ? op.type.enumType : null;
            let i = frames.length - 1;
            for (; i >= 0; i--) {
              const f = frames[i]!;
              if (f.kind === FrameKind.Handle && f.tag === effect) break;
              if (f.kind === FrameKind.HandlerRun) i -= f.data as number;
            }
            if (i < 0) {
              runtimeError(
                "RuntimeError",
                `Unhandled effect: no handler installed for ${effect ? effect.name : typeNameOf(op)} (performing ${formatValue(op, 0)})`,
              );
            }
            const handler = frames[i]!.data;
            const impl = handlerImpl(vm, effect!, handler);
            if (vm.fastPerform !== null && (vm.fastPerformEffect === null || vm.fastPerformEffect === effect)) {
              const r = vm.fastPerform(fiber, effect!, handler, impl, op as Struct);
              if (r !== undefined) {
                if (r === INTRINSIC_DONE) {
                  if (fiber.state === FiberState.Parked) return RunResult.Parked;
                  continue reload;
                }
                regs[sp++] = r;
                break;
              }
            }
            if (tailPerformEnabled && impl instanceof Closure && isTailResumptive(vm, impl)) {
              // the handler runs on top of the performing frames; see TAIL_RESUME
              effectStats.tailPerforms++;
              const dist = frames.length - i;
              const hp = impl.proto;
              if (hp.jit !== null || (++hp.hot >= jitThreshold && jitCompile(hp, vm))) {
                tailArgs[0] = handler;
                tailArgs[1] = op;
                const r = enterJit(fiber, impl, tailArgs, 0, 3, budget, i);
                tailArgs[0] = tailArgs[1] = null;
                budget = jitState.left;
                if (r === RESUMED) {
                  regs[sp++] = resumedValue;
                  resumedValue = null;
                  break;
                }
                if (r === DEOPT) {
                  // the handler's frame (the outermost handed over) is the HandlerRun frame
                  const at = frames.length;
                  if (landDeopt(fiber)) return RunResult.Done;
                  if (frames.length > at) {
                    frames[at]!.kind = FrameKind.HandlerRun;
                    frames[at]!.data = dist;
                  }
                  continue reload;
                }
                removeFrames(fiber, i);
                if (frames.length === 0) {
                  fiber.result = r;
                  fiber.state = FiberState.Done;
                  return RunResult.Done;
                }
                deliver(fiber, r);
                continue reload;
              }
              if (frames.length >= maxStackDepth) stackOverflow();
              const b = newFrame(impl);
              b.kind = FrameKind.HandlerRun;
              b.data = dist;
              b.regs[0] = handler;
              b.regs[1] = op;
              b.regs[2] = TAIL_RESUME;
              frames.push(b);
              continue reload;
            }
            effectStats.captures++;
            const k = new Continuation(removeFrames(fiber, i));
            pushCall(vm, fiber, impl, [handler, op, k]);
            if (fiber.state === FiberState.Parked) return RunResult.Parked;
            if (frames.length === 0) return RunResult.Done;
            continue reload;
          }
          case Op.Handle:
          case Op.Try:
          case Op.Reset:
          case Op.Binding: {
            const op = code[opPc] as Op;
            const thunk = regs[--sp];
            let kind: FrameKind;
            let tag: Value = null;
            let data: Value = null;
            if (op === Op.Handle) {
              kind = FrameKind.Handle;
              data = regs[--sp];
              tag = regs[--sp];
            } else if (op === Op.Try) {
              kind = FrameKind.Try;
              const mode = code[pc++];
              data = mode === 1 ? true : mode === 2 ? FINALLY : false;
              tag = regs[--sp];
            } else if (op === Op.Binding) {
              kind = FrameKind.Binding;
              tag = consts[code[pc++]!];
              data = regs[--sp];
            } else kind = FrameKind.Reset;
            frame.pc = pc;
            frame.sp = sp;
            pushBoundary(fiber, thunk, kind, tag, data);
            continue reload;
          }
          case Op.Shift: {
            const fn = regs[--sp];
            frame.pc = pc;
            frame.sp = sp;
            let i = frames.length - 1;
            for (; i >= 0; i--) {
              const f = frames[i]!;
              if (f.kind === FrameKind.Reset) break;
              if (f.kind === FrameKind.HandlerRun) i -= f.data as number;
            }
            if (i < 0) runtimeError("RuntimeError", "shift without an enclosing reset");
            const k = new Continuation(removeFrames(fiber, i));
            pushCall(vm, fiber, fn, [k]);
            if (frames.length === 0) return RunResult.Done;
            continue reload;
          }
          case Op.Future: {
            const thunk = regs[--sp];
            frame.pc = pc;
            frame.sp = sp;
            const spawn = vm.asyncSpawn();
            pushCall(vm, fiber, spawn, [thunk]);
            if (fiber.state === FiberState.Parked) return RunResult.Parked;
            continue reload;
          }
          case Op.CompileSelf: {
            // Calls compile lazy functions before building the frame; this is the
            // fallback for a frame built some other way.
            proto.lazy?.();
            regs.length = proto.nlocals + proto.maxStack;
            code = proto.code;
            consts = proto.consts;
            pc = 0;
            sp = proto.nlocals;
            break;
          }
          default:
            throw new Error(`bad opcode ${code[opPc]} at ${proto.qualifiedName}:${opPc}`);
        }
      }
    } catch (e) {
      // A Beagle-level error: turn it into a value and unwind to a try boundary.
      if (frames.length && frames[frames.length - 1] === frame) {
        frame.pc = pc;
        frame.sp = sp - inputsLeftOnThrow(code[opPc] as Op);
      }
      const value = vm.errorToValue(e, frame, opPc);
      if (!throwValue(vm, fiber, value)) {
        fiber.error = value;
        fiber.errorAt = { proto: frame.closure.proto, pc: opPc };
        recordUncaught(fiber, value, frames[frames.length - 1] === frame ? opPc : -1);
        fiber.state = FiberState.Done;
        frames.length = 0;
        return RunResult.Done;
      }
      if (fiber.state === FiberState.Done) return RunResult.Done;
    }
  }
}

export { Keyword };
