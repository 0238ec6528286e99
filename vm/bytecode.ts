// Bytecode: a stack machine per frame. Each function prototype owns a flat
// array of 32-bit words (opcode followed by inline operands), a constant pool,
// and a pc -> source position table for error messages.

export const enum Op {
  Const, // k            push consts[k]
  Null,
  True,
  False,
  SmallInt, // n         push n
  Pop,
  Dup,
  LoadLocal, // i
  StoreLocal, // i       pops
  LoadCell, // i         regs[i].v
  StoreCell, // i        pops into regs[i].v
  MakeCell, // i         regs[i] = new Cell(regs[i])
  LoadEnv, // i          closure.env[i]
  LoadEnvCell, // i      closure.env[i].v
  StoreEnvCell, // i
  LoadSelf, //           the running closure (named recursion)
  LoadGlobal, // k       consts[k] is a Var
  StoreGlobal, // k
  LoadDynamic, // k      consts[k] is a dynamic Var: innermost binding wins
  Jump, // target
  JumpIfNotTrue, // target   pops; jumps unless the value is exactly true
  JumpIfFalse, // target     pops; jumps if exactly false (for &&)
  JumpIfTrue, // target      pops; jumps if exactly true (for ||)
  Add,
  Sub,
  Mul,
  Div,
  Mod,
  Lt,
  Le,
  Gt,
  Ge,
  Eq,
  Ne,
  BitAnd,
  BitOr,
  BitXor,
  Shl,
  Shr,
  UShr,
  Concat,
  Not,
  Call, // argc
  TailCall, // argc
  Return,
  ReturnNonLocal, //     return from the home frame of this boundary thunk
  JumpNonLocal, // k     consts[k] is a Label {pc, depth}: unwind to home frame and jump
  MakeClosure, // k ncap (kind idx)*   kind: 0 local value, 1 local cell, 2 env slot
  GetField, // k         consts[k] is the field name
  SetField, // k         obj value -> value
  MakeStruct, // k n slot*           consts[k] StructType; pops n values into slots
  MakeStructSpread, // k n slot*     like MakeStruct with a base struct below the values
  MakeVec, // n
  MakeMap, // n          n pairs
  MakeSet, // n
  Index, //              obj idx -> get(obj, idx)
  ConcatN, // n          n strings -> one
  ToStr, //              value -> string via to-string
  IterPrep, // k         coll -> iterator (consts[k]: the `seq` Var for user types)
  IterNext, // slot exit body   regs[slot]: a native iterator (push its next value and jump to body, or jump to
  //                     exit), null (jump to exit), or a user Seq (fall through: the code after takes first/next)
  TestType, // k         value -> bool (Struct of type consts[k]; or enum type)
  TestVec, // n rest     value -> bool (vector of length n, or >= n when rest)
  VecNth, // i           vec -> vec[i]
  VecRest, // i          vec -> subvector from i
  TestMap, //            value -> bool
  MapGet, // k           map -> map[consts[k]] or null
  MatchFail, //          throw "no matching arm"
  Throw,
  Perform,
  Handle, //             effectType handler thunk -> runs thunk in a handler boundary
  Try, // resumable      catchFn thunk -> runs thunk in a try boundary
  Reset, //              thunk -> runs thunk in a reset boundary
  Shift, //              fn -> captures up to the nearest reset
  Binding, // k          value thunk -> runs thunk with dynamic Var consts[k] bound
  Future, //             thunk -> spawn(thunk)
  MakeMulti, // n variadic   n closures (+1 variadic if flag) -> MultiFn
  PopN, // n
  CompileSelf, //        compile this lazily compiled function, then run it
}

export const OP_NAMES: string[] = [
  "Const",
  "Null",
  "True",
  "False",
  "SmallInt",
  "Pop",
  "Dup",
  "LoadLocal",
  "StoreLocal",
  "LoadCell",
  "StoreCell",
  "MakeCell",
  "LoadEnv",
  "LoadEnvCell",
  "StoreEnvCell",
  "LoadSelf",
  "LoadGlobal",
  "StoreGlobal",
  "LoadDynamic",
  "Jump",
  "JumpIfNotTrue",
  "JumpIfFalse",
  "JumpIfTrue",
  "Add",
  "Sub",
  "Mul",
  "Div",
  "Mod",
  "Lt",
  "Le",
  "Gt",
  "Ge",
  "Eq",
  "Ne",
  "BitAnd",
  "BitOr",
  "BitXor",
  "Shl",
  "Shr",
  "UShr",
  "Concat",
  "Not",
  "Call",
  "TailCall",
  "Return",
  "ReturnNonLocal",
  "JumpNonLocal",
  "MakeClosure",
  "GetField",
  "SetField",
  "MakeStruct",
  "MakeStructSpread",
  "MakeVec",
  "MakeMap",
  "MakeSet",
  "Index",
  "ConcatN",
  "ToStr",
  "IterPrep",
  "IterNext",
  "TestType",
  "TestVec",
  "VecNth",
  "VecRest",
  "TestMap",
  "MapGet",
  "MatchFail",
  "Throw",
  "Perform",
  "Handle",
  "Try",
  "Reset",
  "Shift",
  "Binding",
  "Future",
  "MakeMulti",
  "PopN",
  "CompileSelf",
];

/** Number of inline operands for each opcode (MakeClosure/MakeStruct are variable). */
export function operandCount(op: Op, code: ArrayLike<number>, pc: number): number {
  switch (op) {
    case Op.Const:
    case Op.SmallInt:
    case Op.LoadLocal:
    case Op.StoreLocal:
    case Op.LoadCell:
    case Op.StoreCell:
    case Op.MakeCell:
    case Op.LoadEnv:
    case Op.LoadEnvCell:
    case Op.StoreEnvCell:
    case Op.LoadGlobal:
    case Op.StoreGlobal:
    case Op.LoadDynamic:
    case Op.Jump:
    case Op.JumpIfNotTrue:
    case Op.JumpIfFalse:
    case Op.JumpIfTrue:
    case Op.Call:
    case Op.TailCall:
    case Op.JumpNonLocal:
    case Op.GetField:
    case Op.SetField:
    case Op.MakeVec:
    case Op.MakeMap:
    case Op.MakeSet:
    case Op.ConcatN:
    case Op.IterPrep:
    case Op.TestType:
    case Op.VecNth:
    case Op.VecRest:
    case Op.MapGet:
    case Op.Try:
    case Op.Binding:
    case Op.ToStr:
    case Op.Index:
    case Op.PopN:
      return 1;
    case Op.TestVec:
    case Op.MakeMulti:
      return 2;
    case Op.IterNext:
      return 3;
    case Op.MakeClosure:
      return 2 + 2 * code[pc + 2]!;
    case Op.MakeStruct:
    case Op.MakeStructSpread:
      return 2 + code[pc + 2]!;
    default:
      return 0;
  }
}

/** A jump target that may live in another prototype (break/continue out of a try body). */
export class Label {
  pc = -1;
  /** operand-stack depth of the home frame at the target */
  depth = 0;
  /** local receiving a break's value, or -1 */
  resultSlot = -1;
  /** the function (possibly a boundary thunk) whose code holds the target; null for jumps within one function */
  owner: FnProto | null = null;
}

export class FnProto {
  code: Int32Array = new Int32Array(0);
  consts: unknown[] = [];
  /** parallel to code: source line/col of the instruction starting at each pc (0 if none) */
  lines: Int32Array = new Int32Array(0);
  cols: Int32Array = new Int32Array(0);
  nparams = 0;
  variadic = false;
  /** locals (params first) */
  nlocals = 0;
  maxStack = 0;
  /** inline caches for GetField/SetField, indexed by pc */
  fieldCacheType: unknown[] = [];
  fieldCacheSlot: number[] = [];
  /** a boundary thunk (try/handle/reset body): return/break go to its home frame */
  isThunk = false;
  /** line of the fn header, for error locations */
  line = 0;
  /** set while the body is not compiled yet: compiles it into this proto */
  lazy: (() => void) | null = null;
  /** the compiled (JIT) version of this function, once it is hot and compilable (vm/jit) */
  jit: import("./jit/runtime.ts").JitFn | null = null;
  /** calls and backward jumps counted towards compilation; negative once compilation was refused */
  hot = 0;
  /** entries into compiled code from the interpreter, and hand-overs the code itself caused (a perform, an uncompilable callee) */
  jitEntries = 0;
  jitHandOvers = 0;
  /** for the JIT: operand-stack depth before each instruction */
  jitDepths: Int32Array | null = null;
  constructor(
    readonly name: string,
    readonly ns: string,
    readonly file: string,
  ) {}
  get qualifiedName(): string {
    return `${this.ns}/${this.name}`;
  }
}

/** The binary operators, Add through Concat: two operands in, one result out. */
export function isBinaryOp(op: Op): boolean {
  return op >= Op.Add && op <= Op.Concat;
}

export function disassemble(proto: FnProto, seen = new Set<FnProto>()): string {
  if (seen.has(proto)) return "";
  proto.lazy?.();
  seen.add(proto);
  const out: string[] = [];
  out.push(
    `fn ${proto.qualifiedName} params=${proto.nparams}${proto.variadic ? "+rest" : ""} locals=${proto.nlocals} stack=${proto.maxStack}`,
  );
  const nested: FnProto[] = [];
  const code = proto.code;
  for (let pc = 0; pc < code.length; ) {
    const op = code[pc]! as Op;
    const n = operandCount(op, code, pc);
    const args = Array.from(code.subarray(pc + 1, pc + 1 + n));
    let note = "";
    if (
      op === Op.Const ||
      op === Op.LoadGlobal ||
      op === Op.StoreGlobal ||
      op === Op.GetField ||
      op === Op.SetField ||
      op === Op.MapGet ||
      op === Op.LoadDynamic
    ) {
      const c = proto.consts[args[0]!];
      note = "  ; " + describeConst(c);
    }
    if (op === Op.MakeClosure) {
      const c = proto.consts[args[0]!];
      if (c instanceof FnProto) nested.push(c);
      note = "  ; " + describeConst(c);
    }
    const line = proto.lines[pc] ? `  ${String(proto.lines[pc]).padStart(4)}` : "      ";
    out.push(`${line}  ${String(pc).padStart(5)}  ${OP_NAMES[op]}${args.length ? " " + args.join(" ") : ""}${note}`);
    pc += 1 + n;
  }
  for (const p of proto.consts) if (p instanceof FnProto && !nested.includes(p)) nested.push(p);
  let text = out.join("\n") + "\n";
  for (const p of nested) text += "\n" + disassemble(p, seen);
  return text;
}

function describeConst(c: unknown): string {
  if (c instanceof FnProto) return `<fn ${c.qualifiedName}>`;
  if (typeof c === "string") return JSON.stringify(c);
  if (c && typeof c === "object" && "name" in c) return String((c as { name: unknown }).name);
  return String(c);
}
