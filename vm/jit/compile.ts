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
import { FnProto, Op, OP_NAMES, operandCount } from "../bytecode.ts";
import { Builtin, Cell, Closure } from "../objects.ts";
import { BFloat, Struct, StructType, testStaleType } from "../values.ts";
import { PersistentVector } from "../collections/vector.ts";
import { PersistentMap } from "../collections/map.ts";
import { PersistentSet } from "../collections/set.ts";
import { IterBase, makeIterator } from "../iterate.ts";
import { arithBoxed, compareBoxed, fastIndex, formatsItself, getField, setField, undefinedVar } from "../interp.ts";
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
  return op === Op.Throw || op === Op.Perform || op === Op.Shift || op === Op.Future || op === Op.LoadDynamic;
}

/** Stack depth after `op` at `pc` (depth `d` before); throws Refuse for ops the JIT does not take. */
function stackAfter(op: Op, code: Int32Array, pc: number, d: number): number {
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
  const REGS = `[${regsList.join(", ")}]`;
  const s = (i: number) => `s${i}`;

  const pre: string[] = []; // wrapper scope: constants and caches
  const usedK = new Set<number>();
  const K = (k: number) => {
    usedK.add(k);
    return `K${k}`;
  };
  const out: string[] = [];
  const deoptHere = (pc: number, d: number) => `return deoptAt(c, ${pc}, ${nl + d}, ${REGS});`;
  const nargs = proto.nparams;

  // Stack slots known to hold a boxed integral float constant (2.0, 4.0) in the current block:
  // arithmetic and comparisons with them are plain float operations on the number.
  const bf = new Map<number, { v: number; name: string }>();
  const num = (v: number) => (Object.is(v, -0) ? "-0" : String(v));
  const floatConstOp = (op: Op, d: number, l?: { v: number; name: string }, r?: { v: number; name: string }) => {
    const setPc = `$pc = ${pcNow};`;
    const a = l ? num(l.v) : "t";
    const b = r ? num(r.v) : "u";
    const guard =
      [l ? "" : `typeof t === "number"`, r ? "" : `typeof u === "number"`].filter((x) => x).join(" && ") || "true";
    const slowA = l ? l.name : "t";
    const slowB = r ? r.name : "u";
    let fast: string;
    let slow: string;
    if (op >= Op.Lt) {
      const o = op === Op.Lt ? "<" : op === Op.Le ? "<=" : op === Op.Gt ? ">" : ">=";
      fast = `${a} ${o} ${b}`;
      slow = `compareBoxed(${slowA}, ${slowB}) ${o} 0`;
    } else {
      const o = op === Op.Add ? "+" : op === Op.Sub ? "-" : op === Op.Mul ? "*" : "/";
      // a float operand makes it float arithmetic: an integral result is boxed
      fast = `((r = ${a} ${o} ${b}), Number.isInteger(r) ? new BFloat(r) : r)`;
      slow = `arithBoxed(${op - Op.Add}, ${slowA}, ${slowB})`;
    }
    return `${setPc} t = s${d - 2}; u = s${d - 1}; s${d - 2} = ${guard} ? ${fast} : ${slow};`;
  };
  let pcNow = 0;

  for (let pc = 0; pc < n; ) {
    const op = code[pc] as Op;
    const next = pc + 1 + operandCount(op, code, pc);
    const d = depths[pc]!;
    pcNow = pc;
    // an instruction after an unreachable one is reached by a jump, so it is a leader
    if (d === -1) {
      pc = next;
      continue;
    }
    if (leader[pc]) {
      out.push(`case ${pc}:`);
      bf.clear();
    }
    const a1 = code[pc + 1]!;
    const top = s(d - 1);
    const sec = s(d - 2);
    const setPc = `$pc = ${pc};`;
    const binNum = (fast: string, slow: string) =>
      `${setPc} t = ${sec}; u = ${top}; ${sec} = typeof t === "number" && typeof u === "number" ? ${fast} : ${slow};`;
    const backEdge = (t: number) =>
      t <= pc
        ? `if (--S.fuel < 0) return deoptFuel(c, ${t}, ${nl + depths[t]!}, ${REGS}); pc = ${t}; continue;`
        : `pc = ${t}; continue;`;
    switch (op) {
      case Op.Const:
        out.push(`${s(d)} = ${K(a1)};`);
        break;
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
        out.push(`${S(a1)} = new Cell(${S(a1)});`);
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
      case Op.Ge:
        if (bf.has(d - 1) || bf.has(d - 2)) {
          out.push(floatConstOp(op, d, bf.get(d - 2), bf.get(d - 1)));
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
        // a small helper Bun inlines; spelling the checks out inline here measured slower (nbody 1.7 s against 1.0 s)
        out.push(
          binNum(
            `${op === Op.Add ? "addN" : op === Op.Sub ? "subN" : "mulN"}(t, u)`,
            `arithBoxed(${op - Op.Add}, t, u)`,
          ),
        );
        break;
      case Op.Mod:
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
            : `u = ${call}; if (u === DEOPT) return deopt(c, ${next}, ${nl + f}, ${REGS}); ${s(f)} = u;`;
        out.push(
          `${setPc} t = ${s(f)};` +
            (argc > 0 ? ` if (!(t instanceof Closure)) t = resolveCallee(t, ${s(f + 1)}, ${argc});` : "") +
            ` if (t instanceof Closure) { if (((u = t.proto.jit) !== null || (u = calleeJit(t.proto, vm)) !== null) && t.proto.nparams === ${argc} && !t.proto.variadic) { ${useResult} } else ${deoptHere(pc, d)} }` +
            ` else if (t instanceof Builtin) { u = t.fn; ${s(f)} = u(${argList}); }` +
            ` else ${deoptHere(pc, d)}`,
        );
        break;
      }
      case Op.Return:
        out.push(`return ${top};`);
        break;
      case Op.MakeClosure: {
        const cnt = code[pc + 2]!;
        const env: string[] = [];
        for (let i = 0; i < cnt; i++) {
          const kind = code[pc + 3 + 2 * i]!;
          const idx = code[pc + 4 + 2 * i]!;
          env.push(kind === 0 ? S(idx) : kind === 2 ? `env[${idx}]` : "(c.owner ?? c)");
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
      default:
        if (deoptsAt(op)) out.push(deoptHere(pc, d));
        else throw new Refuse(`op ${OP_NAMES[op]}`);
    }
    switch (op) {
      case Op.Const:
      case Op.SmallInt:
      case Op.Null:
      case Op.True:
      case Op.False:
      case Op.LoadLocal:
      case Op.LoadCell:
      case Op.LoadEnv:
      case Op.LoadEnvCell:
      case Op.LoadSelf:
      case Op.LoadGlobal:
      case Op.Dup: {
        // these write only the new top slot
        bf.delete(d);
        const k = consts[a1];
        if (op === Op.Const && k instanceof BFloat && Number.isFinite(k.v)) bf.set(d, { v: k.v, name: K(a1) });
        break;
      }
      default:
        bf.clear();
    }
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
  const params = ["d", "c", "R", "P"];
  for (let i = 0; i < nargs; i++) params.push(`a${i}`);
  const fname = "jit_" + proto.name.replace(/[^A-Za-z0-9_$]/g, "_");
  const src = `"use strict";
${pre.join("\n")}
return function ${fname}(${params.join(", ")}) {
  let ${[...locals, "t", "u", "r", "$pc = 0", "pc = 0"].join(", ")};
  const env = c.env;
  if (R !== null) { ${loadRegs.join(" ")} pc = P; }
  else if (d > ${JIT_MAX_DEPTH} || --S.fuel < 0) return deoptFuel(c, 0, ${nl}, ${REGS});
  try {
    for (;;) switch (pc) {
${out.join("\n")}
    default: throw new Error("jit: bad entry " + pc);
    }
  } catch (e) {
    return caught(e, c, $pc, ${REGS});
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
