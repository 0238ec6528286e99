// The first JIT tier: a hot function's bytecode becomes one strict-mode JS
// function (made with `new Function`) that Bun's own JIT then optimises.
//
// Shape of the generated code: locals and operand-stack slots are JS variables
// (l0.., s0..: the stack depth at every instruction is static), basic blocks
// are the cases of `for (;;) switch (pc)`, and every instruction that can fail
// records its pc in `$pc` so the catch handler can rebuild the interpreter's
// frame. Calls go straight to the callee's compiled function when it has one
// (and to builtins); anything else deoptimises (see runtime.ts), so compiled
// code never needs to capture a continuation, park or unwind to a handler.
import { FnProto, isBinaryOp, Op, OP_NAMES, operandCount } from "../bytecode.ts";
import { Builtin, Cell, Closure, protocolVersion } from "../objects.ts";
import { BFloat, Struct, StructType, testStaleType } from "../values.ts";
import { PersistentVector } from "../collections/vector.ts";
import { PersistentMap } from "../collections/map.ts";
import { PersistentSet } from "../collections/set.ts";
import { IterBase, makeIterator } from "../iterate.ts";
import {
  arithBoxed,
  compareBoxed,
  fastIndex,
  formatsItself,
  getField,
  jitPerform,
  NO_FAST,
  setField,
  undefinedVar,
} from "../interp.ts";
import { bitwise } from "../arith.ts";
import { equal } from "../equal.ts";
import { formatValue } from "../print.ts";
import type { VM } from "../vm.ts";
import * as rt from "./runtime.ts";

/**
 * Calls and backward jumps a function makes in the interpreter before it is
 * compiled. BEAGLE_JIT=0 turns the JIT off; BEAGLE_JIT_THRESHOLD=0 compiles
 * every function that can be compiled on its first call.
 */
export let jitThreshold =
  process.env.BEAGLE_JIT === "0" ? Number.POSITIVE_INFINITY : Number(process.env.BEAGLE_JIT_THRESHOLD ?? 200);

export function setJitThreshold(n: number) {
  jitThreshold = n;
}

/** Nested compiled calls on the JS stack before the innermost one is handed to the interpreter (heap frames). */
export const JIT_MAX_DEPTH = 600;

/** Why a function was not compiled, by function (BEAGLE_JIT_LOG=1 prints them). */
const LOG = process.env.BEAGLE_JIT_LOG === "1";
const DUMP = process.env.BEAGLE_JIT_DUMP ?? "";

export const jitStats = { compiled: 0, refused: 0 };

class Refuse extends Error {}

/** Compile `proto` if it can be; on refusal it is never tried again. True when proto.jit is set. */
export function jitCompile(proto: FnProto, vm: VM): boolean {
  if (proto.jit !== null) return true;
  if (proto.lazy !== null) {
    // compiled to bytecode on its first call; count again from there
    proto.hot = 0;
    return false;
  }
  try {
    proto.jit = build(proto, vm);
    jitStats.compiled++;
    if (LOG) process.stderr.write(`jit: compiled ${proto.qualifiedName}\n`);
    return true;
  } catch (e) {
    if (!(e instanceof Refuse)) throw e;
    // an int32 (a double here would change the type of a field the interpreter updates on every call)
    proto.hot = -2147483648;
    jitStats.refused++;
    if (LOG) process.stderr.write(`jit: ${proto.qualifiedName}: ${e.message}\n`);
    return false;
  }
}

/**
 * The compiled function for a callee that compiled code is about to call, compiling it now if
 * it can be: a call from hot code is hot, and handing the caller over to the interpreter for a
 * cold callee would cost more than compiling it. Null when the callee cannot be compiled.
 */
function calleeJit(p: FnProto, vm: VM): rt.JitFn | null {
  if (p.hot < 0) return null;
  if (p.lazy !== null) p.lazy();
  return jitCompile(p, vm) ? p.jit : null;
}

/** Ops that hand the current call to the interpreter at that instruction (it then does the rest). */
function deoptsAt(op: Op): boolean {
  return op === Op.Throw || op === Op.Shift || op === Op.Future || op === Op.LoadDynamic;
}

/** Stack depth after `op` at `pc` (depth `d` before); throws Refuse for ops the JIT does not take. */
function stackAfter(op: Op, code: Int32Array, pc: number, d: number): number {
  if (isBinaryOp(op)) return d - 1;
  switch (op) {
    case Op.Const:
    case Op.Null:
    case Op.True:
    case Op.False:
    case Op.SmallInt:
    case Op.Dup:
    case Op.LoadLocal:
    case Op.LoadCell:
    case Op.LoadEnv:
    case Op.LoadEnvCell:
    case Op.LoadSelf:
    case Op.LoadGlobal:
    case Op.LoadDynamic:
    case Op.MakeClosure:
      return d + 1;
    case Op.Pop:
    case Op.StoreLocal:
    case Op.StoreCell:
    case Op.StoreEnvCell:
    case Op.StoreGlobal:
    case Op.JumpIfNotTrue:
    case Op.JumpIfFalse:
    case Op.JumpIfTrue:
    case Op.SetField:
    case Op.Index:
    case Op.Throw:
      return d - 1;
    case Op.PopN:
      return d - code[pc + 1]!;
    case Op.MakeCell:
    case Op.Jump:
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
    case Op.MatchFail:
    case Op.Perform:
    case Op.Shift:
    case Op.Future:
    case Op.IterNext:
      return d;
    case Op.ConcatN:
    case Op.MakeVec:
    case Op.MakeSet:
    case Op.MakeMulti:
      return d - code[pc + 1]! + 1;
    case Op.MakeMap:
      return d - 2 * code[pc + 1]! + 1;
    case Op.MakeStruct:
      return d - code[pc + 2]! + 1;
    case Op.MakeStructSpread:
      return d - code[pc + 2]!;
    case Op.Call:
    case Op.TailCall:
      return d - code[pc + 1]!;
    case Op.Return:
      return d - 1;
    default:
      throw new Refuse(`op ${OP_NAMES[op]}`);
  }
}

/** Successor pcs of the instruction at pc (fall-through first). */
function successors(op: Op, code: Int32Array, pc: number, next: number): number[] {
  switch (op) {
    case Op.Jump:
      return [code[pc + 1]!];
    case Op.JumpIfNotTrue:
    case Op.JumpIfFalse:
    case Op.JumpIfTrue:
      return [next, code[pc + 1]!];
    case Op.IterNext:
      return [next, code[pc + 2]!, code[pc + 3]!];
    case Op.Return:
    case Op.Throw:
    case Op.MatchFail:
      return [];
    default:
      return [next];
  }
}

/** Slot typing (slotTypes): nothing known, a Float kept as a plain double, an Int that is a JS number. */
const UNKNOWN = 0;
const FLOAT = 1;
const INT = 2;

/** A constant that is a Float: a boxed integral float (2.0) or a non-integral number. */
function isFloatConst(k: unknown): boolean {
  return k instanceof BFloat || (typeof k === "number" && !Number.isInteger(k));
}

/** Ops the slot typing understands; every other op gets its Float inputs boxed first (see slotTypes). */
function typedOp(op: Op): boolean {
  switch (op) {
    case Op.Const:
    case Op.SmallInt:
    case Op.Null:
    case Op.True:
    case Op.False:
    case Op.LoadLocal:
    case Op.StoreLocal:
    case Op.Dup:
    case Op.Pop:
    case Op.PopN:
    case Op.Jump:
    case Op.JumpIfNotTrue:
    case Op.JumpIfFalse:
    case Op.JumpIfTrue:
    case Op.Return:
    case Op.Add:
    case Op.Sub:
    case Op.Mul:
    case Op.Div:
    case Op.Mod:
    case Op.Lt:
    case Op.Le:
    case Op.Gt:
    case Op.Ge:
      return true;
    default:
      return false;
  }
}

/** Operand-stack values an instruction the slot typing does not understand reads (they get boxed first). */
function inputCount(op: Op, code: Int32Array, pc: number, d: number): number {
  switch (op) {
    case Op.StoreCell:
    case Op.StoreEnvCell:
    case Op.StoreGlobal:
    case Op.Throw:
      return 1;
    case Op.MakeCell:
    case Op.IterNext:
      return 0;
    default:
      // the rest replace their inputs with one result
      return d - stackAfter(op, code, pc, d) + 1;
  }
}

/** Typing of the slots after the instruction at pc, from their typing before it (`tin`, not changed). */
function typeTransfer(op: Op, code: Int32Array, pc: number, d: number, nl: number, consts: unknown[], tin: Uint8Array) {
  const t = tin.slice();
  const top = nl + d - 1;
  switch (op) {
    case Op.Const: {
      const k = consts[code[pc + 1]!];
      t[nl + d] = isFloatConst(k) ? FLOAT : typeof k === "number" ? INT : UNKNOWN;
      break;
    }
    case Op.SmallInt:
      t[nl + d] = INT;
      break;
    case Op.Null:
    case Op.True:
    case Op.False:
      t[nl + d] = UNKNOWN;
      break;
    case Op.LoadLocal:
      t[nl + d] = t[code[pc + 1]!]!;
      break;
    case Op.StoreLocal:
      t[code[pc + 1]!] = t[top]!;
      break;
    case Op.Dup:
      t[nl + d] = t[top]!;
      break;
    case Op.Add:
    case Op.Sub:
    case Op.Mul:
    case Op.Div:
    case Op.Mod:
      // a Float with an Int or a Float is a Float (anything else throws); two Ints that are JS
      // numbers give one (compiled code hands over where the result would leave the safe range)
      t[top - 1] =
        t[top - 1] === FLOAT || t[top] === FLOAT ? FLOAT : t[top - 1] === INT && t[top] === INT ? INT : UNKNOWN;
      break;
    case Op.Lt:
    case Op.Le:
    case Op.Gt:
    case Op.Ge:
      t[top - 1] = UNKNOWN;
      break;
    default:
      if (!typedOp(op)) {
        // its inputs were boxed, and its result is not known
        t.fill(UNKNOWN, nl + d - inputCount(op, code, pc, d));
        if (op === Op.MakeCell) t[code[pc + 1]!] = UNKNOWN;
      }
  }
  return t;
}

/**
 * Which slots hold a Float, or an Int that is a JS number, at each instruction on every path
 * to it. Compiled code keeps Floats as plain JS doubles, so float arithmetic needs no type
 * checks and integral results (0.0, 2.0) no box; a value is boxed (boxF) only where it leaves
 * that typing: a call, a field, a return, a jump to code where the slot is not known to be a
 * Float, a hand-over. Int arithmetic on such Ints needs only a range check (intOp).
 */
function slotTypes(proto: FnProto, depths: Int32Array): (Uint8Array | null)[] {
  const code = proto.code;
  const nl = proto.nlocals;
  const n = code.length;
  const types: (Uint8Array | null)[] = new Array(n).fill(null);
  types[0] = new Uint8Array(nl + proto.maxStack);
  const work = [0];
  while (work.length) {
    const pc = work.pop()!;
    const op = code[pc] as Op;
    const next = pc + 1 + operandCount(op, code, pc);
    const out = typeTransfer(op, code, pc, depths[pc]!, nl, proto.consts, types[pc]!);
    for (const t of successors(op, code, pc, next)) {
      const live = nl + depths[t]!;
      const cur = types[t];
      if (cur === null) {
        const ty = out.slice();
        ty.fill(0, live);
        types[t] = ty;
        work.push(t);
        continue;
      }
      let changed = false;
      for (let i = 0; i < live; i++)
        if (cur[i] !== UNKNOWN && cur[i] !== out[i]) {
          cur[i] = UNKNOWN;
          changed = true;
        }
      if (changed) work.push(t);
    }
  }
  return types;
}

function build(proto: FnProto, vm: VM): rt.JitFn {
  if (proto.isThunk) throw new Refuse("boundary thunk");
  const code = proto.code;
  const consts = proto.consts;
  const nl = proto.nlocals;
  const ms = proto.maxStack;
  const n = code.length;

  // depth before each instruction (-1: unreachable), and block leaders
  const depths = new Int32Array(n).fill(-1);
  const leader = new Uint8Array(n + 1);
  leader[0] = 1;
  const work: number[] = [0];
  depths[0] = 0;
  while (work.length) {
    const pc = work.pop()!;
    const op = code[pc] as Op;
    const d = depths[pc]!;
    if (op === Op.MakeClosure) {
      const p = consts[code[pc + 1]!];
      if (!(p instanceof FnProto) || p.isThunk) throw new Refuse("makes a boundary thunk");
    }
    const after = stackAfter(op, code, pc, d);
    const next = pc + 1 + operandCount(op, code, pc);
    const succ = successors(op, code, pc, next);
    for (let i = 0; i < succ.length; i++) {
      const t = succ[i]!;
      let dt = after;
      if (op === Op.IterNext && i === 2) dt = d + 1; // the loop body gets the element
      if (t < 0 || t >= n) throw new Refuse("jump out of range");
      if (i > 0 || op === Op.Jump) leader[t] = 1;
      if (dt < 0 || dt > ms) throw new Refuse("stack depth");
      if (depths[t] === -1) {
        depths[t] = dt;
        work.push(t);
      } else if (depths[t] !== dt) throw new Refuse(`inconsistent stack depth at ${t}`);
    }
  }

  const S = (i: number) => (i < nl ? `l${i}` : `s${i - nl}`);
  const regsList: string[] = [];
  for (let i = 0; i < nl; i++) regsList.push(`l${i}`);
  for (let i = 0; i < ms; i++) regsList.push(`s${i}`);
  const RAW_REGS = `[${regsList.join(", ")}]`;
  const types = slotTypes(proto, depths);
  /** the typing of the slots where code is being generated (after any boxing emitted for the instruction) */
  let T = types[0]!;
  const regsFor = (ty: Uint8Array) => `[${regsList.map((r, i) => (ty[i] === FLOAT ? `boxF(${r})` : r)).join(", ")}]`;
  const s = (i: number) => `s${i}`;

  const pre: string[] = []; // wrapper scope: constants and caches
  const usedK = new Set<number>();
  const K = (k: number) => {
    usedK.add(k);
    return `K${k}`;
  };
  const out: string[] = [];
  const deoptHere = (pc: number, d: number) => `return deoptAt(c, ${pc}, ${nl + d}, ${regsFor(T)});`;
  /** box what is a Float here but not at `t`, before jumping there */
  const edge = (t: number) => {
    const to = types[t]!;
    const live = nl + depths[t]!;
    let code = "";
    for (let i = 0; i < live; i++) if (T[i] === FLOAT && to[i] !== FLOAT) code += `${S(i)} = boxF(${S(i)}); `;
    return code;
  };
  const nargs = proto.nparams;

  const num = (v: number) => (Object.is(v, -0) ? "-0" : String(v));
  const ARITH = ["+", "-", "*", "/", "%"];
  const CMP = ["<", "<=", ">", ">="];
  // the out-typing of the instruction before, when it falls through to the next one
  let fallFrom: Uint8Array | null = null;

  for (let pc = 0; pc < n; ) {
    const op = code[pc] as Op;
    const next = pc + 1 + operandCount(op, code, pc);
    const d = depths[pc]!;
    // an instruction after an unreachable one is reached by a jump, so it is a leader
    if (d === -1) {
      fallFrom = null;
      pc = next;
      continue;
    }
    if (leader[pc]) {
      if (fallFrom !== null) {
        T = fallFrom;
        out.push(edge(pc));
      }
      out.push(`case ${pc}:`);
    }
    T = types[pc]!;
    if (!typedOp(op)) {
      // box the Floats among its inputs: this instruction expects Values
      let boxed: Uint8Array | null = null;
      for (let i = nl + d - inputCount(op, code, pc, d); i < nl + d; i++)
        if (T[i] !== UNKNOWN) {
          if (T[i] === FLOAT) out.push(`${S(i)} = boxF(${S(i)});`);
          boxed ??= T.slice();
          boxed[i] = UNKNOWN;
        }
      if (boxed !== null) T = boxed;
    }
    const Fs = T[nl + d - 2] === FLOAT;
    const Ft = T[nl + d - 1] === FLOAT;
    const Is = T[nl + d - 2] === INT;
    const It = T[nl + d - 1] === INT;
    const a1 = code[pc + 1]!;
    const top = s(d - 1);
    const sec = s(d - 2);
    const setPc = `$pc = ${pc};`;
    // Arithmetic or a comparison with a Float operand, which is a plain double here: no
    // boxing, and no check at all when both are (the other kind of operand is checked to be a number).
    const floatOp = (op: Op, fs: boolean, ft: boolean) => {
      const cmp = op >= Op.Lt;
      const o = cmp ? CMP[op - Op.Lt]! : ARITH[op - Op.Add]!;
      // with a Float and an Int that is a JS number, plain double arithmetic too
      if ((fs || Is) && (ft || It)) return `${sec} = ${sec} ${o} ${top};`;
      const x = fs ? sec : "t";
      const y = ft ? top : "t";
      const bx = fs ? `boxF(${sec})` : "t";
      const by = ft ? `boxF(${top})` : "t";
      const slow = cmp ? `compareBoxed(${bx}, ${by}) ${o} 0` : `unF(arithBoxed(${op - Op.Add}, ${bx}, ${by}))`;
      return `${setPc} t = ${fs ? top : sec}; ${sec} = typeof t === "number" ? ${x} ${o} ${y} : ${slow};`;
    };
    // Two Ints that are JS numbers: the operation itself, handing over to the interpreter (which
    // redoes it) when the result leaves the safe range or the divisor is zero.
    const intOp = (op: Op) => {
      if (op >= Op.Lt) return `${sec} = ${sec} ${CMP[op - Op.Lt]} ${top};`;
      const over = `if (r > 9007199254740991 || r < -9007199254740991) ${deoptHere(pc, d)}`;
      switch (op) {
        case Op.Add:
        case Op.Sub:
          return `r = ${sec} ${ARITH[op - Op.Add]} ${top}; ${over} ${sec} = r;`;
        case Op.Mul:
          return `r = ${sec} * ${top} + 0; ${over} ${sec} = r;`;
        case Op.Div:
          return `if (${top} === 0) ${deoptHere(pc, d)} ${sec} = Math.trunc(${sec} / ${top}) + 0;`;
        default:
          return `if (${top} === 0) ${deoptHere(pc, d)} ${sec} = (${sec} % ${top}) + 0;`;
      }
    };
    const binNum = (fast: string, slow: string) =>
      `${setPc} t = ${sec}; u = ${top}; ${sec} = typeof t === "number" && typeof u === "number" ? ${fast} : ${slow};`;
    const backEdge = (t: number) =>
      t <= pc
        ? `${edge(t)}if (--S.fuel < 0) return deoptFuel(c, ${t}, ${nl + depths[t]!}, ${regsFor(types[t]!)}); pc = ${t}; continue;`
        : `${edge(t)}pc = ${t}; continue;`;
    switch (op) {
      case Op.Const: {
        const k = consts[a1];
        if (isFloatConst(k)) out.push(`${s(d)} = ${num(k instanceof BFloat ? k.v : (k as number))};`);
        else out.push(`${s(d)} = ${K(a1)};`);
        break;
      }
      case Op.Null:
        out.push(`${s(d)} = null;`);
        break;
      case Op.True:
        out.push(`${s(d)} = true;`);
        break;
      case Op.False:
        out.push(`${s(d)} = false;`);
        break;
      case Op.SmallInt:
        out.push(`${s(d)} = ${a1};`);
        break;
      case Op.Pop:
      case Op.PopN:
        break;
      case Op.Dup:
        out.push(`${s(d)} = ${top};`);
        break;
      case Op.LoadLocal:
        out.push(`${s(d)} = ${S(a1)};`);
        break;
      case Op.StoreLocal:
        out.push(`${S(a1)} = ${top};`);
        break;
      case Op.LoadCell:
        out.push(`${setPc} ${s(d)} = ${S(a1)}.v;`);
        break;
      case Op.StoreCell:
        out.push(`${setPc} ${S(a1)}.v = ${top};`);
        break;
      case Op.MakeCell:
        out.push(`${S(a1)} = new Cell(${T[a1] === FLOAT ? `boxF(${S(a1)})` : S(a1)});`);
        break;
      case Op.LoadEnv:
        out.push(`${s(d)} = env[${a1}];`);
        break;
      case Op.LoadEnvCell:
        out.push(`${setPc} ${s(d)} = env[${a1}].v;`);
        break;
      case Op.StoreEnvCell:
        out.push(`${setPc} env[${a1}].v = ${top};`);
        break;
      case Op.LoadSelf:
        out.push(`${s(d)} = c.owner ?? c;`);
        break;
      case Op.LoadGlobal:
        out.push(`${setPc} if ((${s(d)} = ${K(a1)}.value) === undefined) undefinedVar(${K(a1)});`);
        break;
      case Op.StoreGlobal:
        out.push(`if (!(${K(a1)}.once && ${K(a1)}.value !== undefined)) ${K(a1)}.value = ${top};`);
        break;
      case Op.Jump:
        out.push(backEdge(a1));
        break;
      case Op.JumpIfNotTrue:
        out.push(`if (${top} !== true) { ${backEdge(a1)} }`);
        break;
      case Op.JumpIfFalse:
        out.push(`if (${top} === false) { ${backEdge(a1)} }`);
        break;
      case Op.JumpIfTrue:
        out.push(`if (${top} === true) { ${backEdge(a1)} }`);
        break;
      case Op.Add:
      case Op.Sub:
      case Op.Mul:
      case Op.Div:
      case Op.Lt:
      case Op.Le:
      case Op.Gt:
      case Op.Ge: {
        if (Fs || Ft) {
          out.push(floatOp(op, Fs, Ft));
          break;
        }
        if (Is && It) {
          out.push(intOp(op));
          break;
        }
        if (op === Op.Div) {
          out.push(
            `${setPc} t = ${sec}; u = ${top}; ${sec} = typeof t === "number" && typeof u === "number" ? (Number.isInteger(t) && Number.isInteger(u) ? (u !== 0 ? Math.trunc(t / u) + 0 : arithBoxed(3, t, u)) : ((r = t / u), Math.floor(r) !== r ? r : arithBoxed(3, t, u))) : arithBoxed(3, t, u);`,
          );
          break;
        }
        if (op >= Op.Lt) {
          const o = op === Op.Lt ? "<" : op === Op.Le ? "<=" : op === Op.Gt ? ">" : ">=";
          out.push(binNum(`t ${o} u`, `compareBoxed(t, u) ${o} 0`));
          break;
        }
        // small helpers Bun inlines: the checks spelled out here made the functions larger and
        // slower to optimise (nbody 0.66 s against 0.91 s with int32 and float paths inline)
        out.push(
          binNum(
            `${op === Op.Add ? "addN" : op === Op.Sub ? "subN" : "mulN"}(t, u)`,
            `arithBoxed(${op - Op.Add}, t, u)`,
          ),
        );
        break;
      }
      case Op.Mod:
        if (Fs || Ft) {
          out.push(floatOp(op, Fs, Ft));
          break;
        }
        if (Is && It) {
          out.push(intOp(op));
          break;
        }
        out.push(
          `${setPc} t = ${sec}; u = ${top}; ${sec} = typeof t === "number" && typeof u === "number" && Number.isInteger(t) && Number.isInteger(u) && u !== 0 ? (t % u) + 0 : arithBoxed(4, t, u);`,
        );
        break;
      case Op.Eq:
      case Op.Ne: {
        const eq = `(t === u || (t !== null && u !== null && !(typeof t === "number" && typeof u === "number") && equal(t, u)))`;
        out.push(`${setPc} t = ${sec}; u = ${top}; ${sec} = ${op === Op.Eq ? eq : `!${eq}`};`);
        break;
      }
      case Op.BitAnd:
      case Op.BitOr:
      case Op.BitXor: {
        const o = op === Op.BitAnd ? "&" : op === Op.BitOr ? "|" : "^";
        out.push(
          `${setPc} t = ${sec}; u = ${top}; ${sec} = typeof t === "number" && typeof u === "number" && (t | 0) === t && (u | 0) === u ? t ${o} u : bitwise("${o}", t, u);`,
        );
        break;
      }
      case Op.Shl:
        // |t| < 2^31 and a shift under 22 stays below 2^53: exact, no 61-bit wrap
        out.push(
          `${setPc} t = ${sec}; u = ${top}; ${sec} = typeof t === "number" && typeof u === "number" && (t | 0) === t && (u | 0) === u && u >= 0 && u < 22 ? t * (1 << u) : bitwise("<<", t, u);`,
        );
        break;
      case Op.Shr:
        out.push(
          `${setPc} t = ${sec}; u = ${top}; ${sec} = typeof t === "number" && typeof u === "number" && (t | 0) === t && (u | 0) === u && u >= 0 && u < 32 ? t >> u : bitwise(">>", t, u);`,
        );
        break;
      case Op.UShr:
        out.push(`${setPc} ${sec} = bitwise(">>>", ${sec}, ${top});`);
        break;
      case Op.Concat:
        out.push(
          `${setPc} t = ${sec}; u = ${top}; if (typeof t !== "string" || typeof u !== "string") concatFail(t, u); ${sec} = t + u;`,
        );
        break;
      case Op.ConcatN: {
        const parts: string[] = [];
        for (let i = d - a1; i < d; i++) parts.push(s(i));
        out.push(`${s(d - a1)} = "" + ${parts.join(" + ")};`);
        break;
      }
      case Op.Not:
        out.push(`${top} = ${top} === false;`);
        break;
      case Op.Call:
      case Op.TailCall: {
        const argc = a1;
        const f = d - argc - 1;
        const args: string[] = [];
        for (let i = f + 1; i < d; i++) args.push(s(i));
        const argList = args.join(", ");
        const call = `u(d + 1, t, null, 0${argc ? ", " + argList : ""})`;
        const useResult =
          op === Op.TailCall
            ? `return ${call};`
            : `u = ${call}; if (u === DEOPT) return deopt(c, ${next}, ${nl + f}, ${regsFor(T)}); ${s(f)} = u;`;
        // a protocol method or multi-arity function resolves to what it runs; the site keeps the
        // last resolution for the receiver's type (icKey) until a protocol's implementations change
        let resolve = "";
        if (argc > 0) {
          pre.push(`let icF${pc} = null, icK${pc} = null, icV${pc} = -1, icI${pc} = null;`);
          resolve =
            ` if (!(t instanceof Closure)) { r = icKey(${s(f + 1)}); if (t === icF${pc} && r === icK${pc} && r !== null && icV${pc} === PV.v) t = icI${pc};` +
            ` else { icF${pc} = t; icK${pc} = r; icV${pc} = PV.v; t = icI${pc} = resolveCallee(t, ${s(f + 1)}, ${argc}); } }`;
        }
        out.push(
          `${setPc} t = ${s(f)};` +
            ` if (t instanceof Builtin) { u = t.fn; ${s(f)} = u(${argList}); } else {` +
            resolve +
            ` if (t instanceof Closure) { if (((u = t.proto.jit) !== null || (u = calleeJit(t.proto, vm)) !== null) && t.proto.nparams === ${argc} && !t.proto.variadic) { ${useResult} } else ${deoptHere(pc, d)} }` +
            ` else if (t instanceof Builtin) { u = t.fn; ${s(f)} = u(${argList}); }` +
            ` else ${deoptHere(pc, d)} }`,
        );
        break;
      }
      case Op.Return:
        out.push(Ft ? `return boxF(${top});` : `return ${top};`);
        break;
      case Op.MakeClosure: {
        const cnt = code[pc + 2]!;
        const env: string[] = [];
        for (let i = 0; i < cnt; i++) {
          const kind = code[pc + 3 + 2 * i]!;
          const idx = code[pc + 4 + 2 * i]!;
          env.push(
            kind === 0
              ? T[idx] === FLOAT
                ? `boxF(${S(idx)})`
                : S(idx)
              : kind === 2
                ? `env[${idx}]`
                : "(c.owner ?? c)",
          );
        }
        out.push(`${s(d)} = new Closure(${K(a1)}, [${env.join(", ")}]);`);
        break;
      }
      case Op.MakeMulti: {
        const cs: string[] = [];
        for (let i = d - a1; i < d; i++) cs.push(s(i));
        out.push(`${s(d - a1)} = makeMulti([${cs.join(", ")}]);`);
        break;
      }
      case Op.GetField:
        pre.push(`let fT${pc} = null, fS${pc} = 0;`);
        out.push(
          `${setPc} t = ${top}; if (t instanceof Struct && t.type === fT${pc}) ${top} = t.f[fS${pc}]; else { ${top} = getField(t, ${K(a1)}, proto, ${pc}); fT${pc} = proto.fieldCacheType[${pc}] ?? null; fS${pc} = proto.fieldCacheSlot[${pc}] ?? 0; }`,
        );
        break;
      case Op.SetField:
        pre.push(`let fT${pc} = null, fS${pc} = 0;`);
        out.push(
          `${setPc} t = ${sec}; u = ${top}; if (t instanceof Struct && t.type === fT${pc}) t.f[fS${pc}] = u; else { setField(t, ${K(a1)}, u, proto, ${pc}); fT${pc} = proto.fieldCacheType[${pc}] ?? null; fS${pc} = proto.fieldCacheSlot[${pc}] ?? 0; } ${sec} = u;`,
        );
        break;
      case Op.MakeStruct:
      case Op.MakeStructSpread: {
        const type = consts[a1];
        if (!(type instanceof StructType)) throw new Refuse("struct type");
        const cnt = code[pc + 2]!;
        const base = d - cnt;
        if (op === Op.MakeStruct) {
          const nf = type.fields.length;
          const bySlot: (string | undefined)[] = new Array(nf);
          for (let i = 0; i < cnt; i++) bySlot[code[pc + 3 + i]!] = s(base + i);
          let complete = cnt === nf;
          for (let i = 0; i < nf; i++) if (bySlot[i] === undefined) complete = false;
          // missing fields take defaults, which run Beagle code: the interpreter does that
          if (!complete) out.push(`${setPc} ${deoptHere(pc, d)}`);
          else out.push(`${s(base)} = new Struct(${K(a1)}, [${bySlot.join(", ")}]);`);
        } else {
          const sets: string[] = [];
          for (let i = 0; i < cnt; i++) sets.push(`t[${code[pc + 3 + i]!}] = ${s(base + i)};`);
          out.push(
            `${setPc} t = ${s(base - 1)}; if (!(t instanceof Struct) || t.type !== ${K(a1)}) spreadFail(t, ${K(a1)}); t = t.f.slice(); ${sets.join(" ")} ${s(base - 1)} = new Struct(${K(a1)}, t);`,
          );
        }
        break;
      }
      case Op.MakeVec: {
        const items: string[] = [];
        for (let i = d - a1; i < d; i++) items.push(s(i));
        out.push(
          `${s(d - a1)} = ${a1 === 0 ? "PersistentVector.EMPTY" : `PersistentVector.from([${items.join(", ")}])`};`,
        );
        break;
      }
      case Op.MakeMap: {
        const items: string[] = [];
        for (let i = d - 2 * a1; i < d; i++) items.push(s(i));
        out.push(`${setPc} ${s(d - 2 * a1)} = makeMap([${items.join(", ")}]);`);
        break;
      }
      case Op.MakeSet: {
        const items: string[] = [];
        for (let i = d - a1; i < d; i++) items.push(s(i));
        out.push(`${setPc} ${s(d - a1)} = PersistentSet.from([${items.join(", ")}]);`);
        break;
      }
      case Op.Index:
        out.push(`${setPc} t = fastIndex(${sec}, ${top}); if (t === undefined) ${deoptHere(pc, d)} ${sec} = t;`);
        break;
      case Op.ToStr:
        out.push(
          `${setPc} t = ${top}; if (typeof t !== "string") { if (${K(a1)}.value === undefined || !formatsItself(vm, t)) ${top} = formatValue(t, 0); else ${deoptHere(pc, d)} }`,
        );
        break;
      case Op.IterPrep:
        out.push(`${setPc} t = makeIterator(${top}); if (t === undefined) ${deoptHere(pc, d)} ${top} = t;`);
        break;
      case Op.IterNext: {
        const exit = code[pc + 2]!;
        const body = code[pc + 3]!;
        out.push(
          `${setPc} t = ${S(a1)}; if (t instanceof IterBase) { u = t.next(); if (u === undefined) { pc = ${exit}; continue; } ${s(d)} = u; pc = ${body}; continue; } else if (t === null) { pc = ${exit}; continue; }`,
        );
        break;
      }
      case Op.TestType:
        out.push(
          `t = ${top}; ${top} = t instanceof Struct && (t.type === ${K(a1)} || t.type.enumType === ${K(a1)} || ((t.type.successor !== null || ${K(a1)}.successor != null) && testStaleType(t, ${K(a1)})));`,
        );
        break;
      case Op.TestVec: {
        const rest = code[pc + 2]!;
        out.push(`t = ${top}; ${top} = t instanceof PersistentVector && t.count ${rest ? ">=" : "==="} ${a1};`);
        break;
      }
      case Op.VecNth:
        out.push(`${setPc} ${top} = ${top}.get(${a1});`);
        break;
      case Op.VecRest:
        out.push(`${setPc} t = ${top}; ${top} = t.slice(${a1}, t.count);`);
        break;
      case Op.TestMap:
        out.push(`${top} = ${top} instanceof PersistentMap;`);
        break;
      case Op.MapGet:
        out.push(`${setPc} ${top} = ${top}.get(${K(a1)}, null);`);
        break;
      case Op.MatchFail:
        out.push(`${setPc} matchFail(${top});`);
        break;
      case Op.Perform:
        // a tail-resumptive handler runs here (jitPerform); the rest is the interpreter's
        out.push(
          `${setPc} t = jitPerform(vm, ${top}, d); if (t === NO_FAST) ${deoptHere(pc, d)} if (t === DEOPT) return deopt(c, ${next}, ${nl + d - 1}, ${regsFor(T)}); ${top} = t;`,
        );
        break;
      default:
        if (deoptsAt(op)) out.push(deoptHere(pc, d));
        else throw new Refuse(`op ${OP_NAMES[op]}`);
    }
    fallFrom =
      successors(op, code, pc, next)[0] === next && op !== Op.Jump
        ? typeTransfer(op, code, pc, d, nl, consts, T)
        : null;
    pc = next;
  }
  // falling off the end cannot happen in well-formed bytecode (it ends in Return)
  out.push(`throw new Error("jit: fell off the end");`);

  for (const k of usedK) pre.push(`const K${k} = consts[${k}];`);
  const locals: string[] = [];
  for (let i = 0; i < nl; i++) locals.push(i < nargs ? `l${i} = a${i}` : `l${i}`);
  for (let i = 0; i < ms; i++) locals.push(`s${i}`);
  const loadRegs: string[] = [];
  for (let i = 0; i < nl; i++) loadRegs.push(`l${i} = R[${i}];`);
  for (let i = 0; i < ms; i++) loadRegs.push(`s${i} = R[${nl + i}];`);
  // Entering at a loop head (OSR) from the interpreter's boxed registers: unbox the slots
  // typed Float there, check those typed Int. A resumed error or `throw` can reach the loop by
  // a path the typing does not see; when a slot holds something else, the interpreter keeps
  // the frame.
  const osrUnbox: string[] = [];
  const fm: string[] = [];
  for (let pc = 0; pc < n; pc++) {
    const ty = types[pc];
    if (ty === null) continue;
    const fl: number[] = [];
    const il: number[] = [];
    for (let i = 0; i < ty.length; i++)
      if (ty[i] === FLOAT) fl.push(i);
      else if (ty[i] === INT) il.push(i);
    if (fl.length > 0) fm.push(`FM[${pc}] = [${fl.join(", ")}];`);
    if (!leader[pc] || fl.length + il.length === 0) continue;
    const check = [
      ...fl.map((i) => `!isF(${S(i)})`),
      ...il.map((i) => `typeof ${S(i)} !== "number" || !Number.isInteger(${S(i)})`),
    ].join(" || ");
    const unbox = fl.map((i) => `${S(i)} = unF(${S(i)});`).join(" ");
    osrUnbox.push(`case ${pc}: if (${check}) return deoptAt(c, P, ${nl + depths[pc]!}, R); ${unbox} break;`);
  }
  pre.push(`const FM = [];`, ...fm);
  const osr = osrUnbox.length ? ` switch (P) { ${osrUnbox.join(" ")} }` : "";
  const params = ["d", "c", "R", "P"];
  for (let i = 0; i < nargs; i++) params.push(`a${i}`);
  const fname = "jit_" + proto.name.replace(/[^A-Za-z0-9_$]/g, "_");
  const src = `"use strict";
${pre.join("\n")}
return function ${fname}(${params.join(", ")}) {
  let ${[...locals, "t", "u", "r", "$pc = 0", "pc = 0"].join(", ")};
  const env = c.env;
  if (R !== null) { ${loadRegs.join(" ")} pc = P;${osr} }
  else if (d > ${JIT_MAX_DEPTH} || --S.fuel < 0) return deoptFuel(c, 0, ${nl}, ${RAW_REGS});
  try {
    for (;;) switch (pc) {
${out.join("\n")}
    default: throw new Error("jit: bad entry " + pc);
    }
  } catch (e) {
    return caught(e, c, $pc, ${RAW_REGS}, FM[$pc]);
  }
};`;
  if (DUMP && proto.qualifiedName.includes(DUMP)) process.stderr.write(`// ${proto.qualifiedName}\n${src}\n`);
  const env = {
    consts,
    proto,
    vm,
    S: rt.jitState,
    DEOPT: rt.DEOPT,
    deopt: rt.deopt,
    deoptAt: rt.deoptAt,
    deoptFuel: rt.deoptFuel,
    caught: rt.caught,
    addN: rt.addN,
    subN: rt.subN,
    mulN: rt.mulN,
    resolveCallee: rt.resolveCallee,
    calleeJit,
    jitPerform,
    NO_FAST,
    icKey: rt.icKey,
    PV: protocolVersion,
    boxF: rt.boxF,
    unF: rt.unF,
    isF: rt.isF,
    concatFail: rt.concatFail,
    matchFail: rt.matchFail,
    spreadFail: rt.spreadFail,
    makeMap: rt.makeMap,
    makeMulti: rt.makeMulti,
    arithBoxed,
    compareBoxed,
    fastIndex,
    formatsItself,
    getField,
    setField,
    testStaleType,
    undefinedVar,
    bitwise,
    equal,
    formatValue,
    makeIterator,
    IterBase,
    Cell,
    Closure,
    Builtin,
    Struct,
    BFloat,
    PersistentVector,
    PersistentMap,
    PersistentSet,
  };
  const names = Object.keys(env);
  const factory = new Function(...names, src) as (...a: unknown[]) => rt.JitFn;
  proto.jitDepths = depths;
  return factory(...names.map((k) => env[k as keyof typeof env]));
}
