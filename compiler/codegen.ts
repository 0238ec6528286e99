// Code generator: AST -> FnProto bytecode.
//
// A file compiles in two passes. Pass 1 declares every top-level name and
// creates struct, enum and protocol types, so that functions may refer to
// things defined later in the file and so that struct literals, patterns and
// `Enum.Variant` resolve at compile time. Pass 2 compiles function bodies and
// the module's top-level code (an init function run once, in order).
//
// try/handle/reset/binding bodies compile to zero-argument "thunk" closures run
// in a boundary frame: that is what lets a perform or throw capture exactly
// the frames up to its handler. `return`, `break` and `continue` inside a thunk
// jump back into the frame of the function that lexically contains it.
import { recordDefinition } from "../vm/definitions.ts";
import type { Expr, FnExpr, Literal, Loc, Pattern, Program, QualName, TopLevel } from "./ast.ts";
import { FnProto, Label, Op } from "../vm/bytecode.ts";
import { Builtin, Closure, MultiFn, type Namespace, Protocol, ProtocolMethod, type Var } from "../vm/objects.ts";
import { EnumType, Keyword, StructType, TypeDescriptor, mkFloat, type Value } from "../vm/values.ts";
import { BeagleSyntaxError, compilerWarnings, recordWarning } from "./diagnostics.ts";
import { BeagleRuntimeError } from "../vm/errors.ts";

/** What the code generator needs from the runtime. */
export interface CompilerHost {
  namespace(name: string): Namespace;
  readonly core: Namespace;
  /** Make sure namespace `name` is loaded (compiled and run); `fromFile` locates it. */
  require(name: string, fromFile: string, loc: Loc): void;
}

export interface CompiledModule {
  init: FnProto;
  ns: Namespace;
  tests: { name: string; fn: Closure }[];
}

export class CompileError extends BeagleSyntaxError {}

interface Local {
  slot: number;
  mut: boolean;
  cell: boolean;
}

interface LoopCtx {
  /** creation order: a finally region knows which loops are outside it */
  id?: number;
  owner: FnState;
  breakLabel: Label;
  continueLabel: Label;
  resultSlot: number;
  depth: number;
}

/** A `try ... finally` being compiled: exits that leave it become markers (tryFinally). */
interface FinRegion {
  home: FnState;
  /** loops created from here on are inside the region */
  firstLoop: number;
  exits: ("return" | "break" | "continue")[];
}

interface Capture {
  kind: number; // 0 parent local, 2 parent env slot, 3 parent's own closure
  idx: number;
  cell: boolean;
  name: string;
}

const NO_LOC: Loc = { line: 0, col: 0 };

class FnState {
  readonly proto: FnProto;
  code: number[] = [];
  lines: number[] = [];
  cols: number[] = [];
  consts: unknown[] = [];
  constIndex = new Map<unknown, number>();
  scopes: Map<string, Local>[] = [new Map()];
  nlocals = 0;
  depth = 0;
  maxDepth = 0;
  captures: Capture[] = [];
  loops: LoopCtx[] = [];
  /** `let mut` names that some nested function or thunk refers to: kept in cells */
  boxed: Set<string>;
  labels: Label[] = [];
  curLoc: Loc = NO_LOC;
  /** A `try` body or handler: its `let` of a name bound in the home function rebinds that (cell) variable. */
  letsLeak = false;
  constructor(
    readonly parent: FnState | null,
    name: string,
    ns: string,
    file: string,
    readonly selfName: string | null,
    readonly isThunk: boolean,
    boxed: Set<string>,
  ) {
    this.proto = new FnProto(name, ns, file);
    this.proto.isThunk = isThunk;
    this.boxed = boxed;
  }
  /** The function whose frame `return` leaves (thunks return from their home). */
  get home(): FnState {
    let f: FnState = this;
    while (f.isThunk && f.parent) f = f.parent;
    return f;
  }
}

export class CodeGen {
  private ns!: Namespace;
  private tests: { name: string; fn: Closure }[] = [];
  private fs!: FnState;
  private unresolved: { v: Var; loc: Loc }[] = [];
  /** `try ... finally` regions being compiled, innermost last (see tryFinally) */
  private finRegions: FinRegion[] = [];
  private loopIds = 0;
  private finIds = 0;

  constructor(
    private readonly host: CompilerHost,
    private readonly file: string,
    private readonly source: string,
    /** compile top-level function bodies on first call (the stdlib: most of it is never called) */
    private readonly lazy = false,
  ) {}

  // ------------------------------------------------------------ errors

  private error(loc: Loc, message: string): never {
    throw new CompileError(message, this.file, loc.line, loc.col);
  }

  // ------------------------------------------------------------ module

  compileProgram(prog: Program): CompiledModule {
    try {
      return this.compileProgramBody(prog);
    } catch (e) {
      // the passes recurse over the tree; the parser bounds its height, this is the backstop
      if (e instanceof RangeError) {
        const loc = this.fs?.curLoc ?? NO_LOC;
        throw new CompileError("expression is too deep to compile", this.file, loc.line || 1, loc.col || 1);
      }
      throw e;
    }
  }

  private compileProgramBody(prog: Program): CompiledModule {
    compilerWarnings.delete(this.file);
    const nsDecl = prog.body.find((t) => t.k === "Namespace") as { name: string } | undefined;
    this.ns = this.host.namespace(nsDecl ? nsDecl.name : "main");
    // Pass 1: uses, then declarations.
    for (const t of prog.body) if (t.k === "Use") this.declareUse(t.ns, t.alias, t.loc);
    for (const t of prog.body) this.declare(t);
    // Pass 2: bodies.
    const init = new FnState(null, "__init__", this.ns.name, this.file, null, false, new Set());
    this.fs = init;
    let first = true;
    for (const t of prog.body) {
      if (t.k === "ExprStmt" || t.k === "TopLet" || t.k === "LetOnce" || t.k === "LetDynamic") {
        if (!first) this.emit(Op.Pop, -1);
        first = false;
        this.compileTopLevelCode(t);
      } else {
        this.compileDefinition(t);
      }
    }
    if (first) this.emit(Op.Null, 1);
    this.emit(Op.Return, -1);
    const proto = this.finish(init);
    for (const { v, loc } of this.unresolved) {
      if (v.value === undefined && !this.isDeclaredLater(v)) this.error(loc, `Undefined variable: ${v.name}`);
    }
    return { init: proto, ns: this.ns, tests: this.tests };
  }

  private declared = new Set<Var>();
  private isDeclaredLater(v: Var): boolean {
    return this.declared.has(v) || v.value !== undefined;
  }

  private declareUse(nsName: string, alias: string, loc: Loc) {
    this.host.require(nsName, this.file, loc);
    this.ns.aliases.set(alias, nsName);
  }

  /** Remember a definition's text and place (beagle.reflect/source, location). */
  private recordSource(t: Extract<TopLevel, { k: "FnDecl" | "StructDecl" | "EnumDecl" | "TopLet" | "LetDynamic" }>) {
    const [start, end] = t.span!;
    const name =
      t.k === "FnDecl" ? t.fn.name! : t.k === "TopLet" ? (t.pat as { k: "PBind"; name: string }).name : t.name;
    const arity = t.k === "FnDecl" && !t.fn.multi ? t.fn.arities[0] : undefined;
    recordDefinition(this.ns.intern(name), {
      file: this.file,
      start,
      end,
      text: this.source.slice(start, end),
      params: arity ? arity.params.map((p) => (p.k === "PBind" ? p.name : "_")) : null,
      variadic: t.k === "FnDecl" && t.fn.arities.some((a) => a.rest !== null),
    });
  }

  private declareName(name: string): Var {
    const v = this.ns.intern(name);
    this.declared.add(v);
    return v;
  }

  private declare(t: TopLevel) {
    if (
      (t.k === "FnDecl" ||
        t.k === "StructDecl" ||
        t.k === "EnumDecl" ||
        t.k === "LetDynamic" ||
        (t.k === "TopLet" && t.pat.k === "PBind")) &&
      t.span
    )
      this.recordSource(t);
    switch (t.k) {
      case "FnDecl":
        this.declareName(t.fn.name!).doc = t.fn.doc;
        break;
      case "TopLet":
        for (const n of patternNames(t.pat)) this.declareName(n);
        break;
      case "LetOnce":
        this.declareName(t.name).once = true;
        break;
      case "LetDynamic":
        this.declareName(t.name).dynamic = true;
        break;
      case "StructDecl": {
        const type = new StructType(
          this.ns.name,
          t.name,
          t.fields.map((f) => f.name),
          t.fields.map((f) => f.mut),
        );
        const v = this.declareName(t.name);
        const prev = v.value;
        if (prev instanceof StructType && prev !== type && prev.enumType === null && prev.name === t.name) {
          // a redefinition: instances made before migrate to this layout when next used
          prev.successor = type;
          carryImpls(prev, type);
        }
        v.value = type;
        v.doc = t.doc;
        attachDoc(type, t.doc);
        break;
      }
      case "EnumDecl": {
        const e = new EnumType(this.ns.name, t.name);
        for (const variant of t.variants)
          e.addVariant(variant.name, variant.fields ? variant.fields.map((f) => f.name) : null);
        const v = this.declareName(t.name);
        const prev = v.value;
        if (prev instanceof EnumType && prev !== e && prev.name === t.name) {
          // a redefinition: old values of a variant that still exists become that variant
          prev.successor = e;
          for (const [name, old] of prev.variants) {
            const now = e.variants.get(name);
            if (now) old.successor = now;
          }
          carryImpls(prev, e);
        }
        v.value = e;
        v.doc = t.doc;
        attachDoc(e, t.doc);
        break;
      }
      case "ProtocolDecl": {
        const p = new Protocol(this.ns.name, t.name);
        const pv = this.declareName(t.name);
        pv.value = p;
        pv.doc = t.doc;
        attachDoc(p, t.doc);
        for (const m of t.members) {
          const pm = new ProtocolMethod(p, m.name);
          p.methods.set(m.name, pm);
          const mv = this.declareName(m.name);
          mv.value = pm;
          mv.doc = m.doc;
          attachDoc(pm, m.doc);
        }
        break;
      }
      default:
        break;
    }
  }

  /** Definitions take effect at compile time, so order within a file does not matter. */
  private compileDefinition(t: TopLevel) {
    switch (t.k) {
      case "FnDecl": {
        const v = this.ns.intern(t.fn.name!);
        v.value = this.topLevelFunction(t.fn, t.fn.name!);
        attachDoc(v.value, t.fn.doc);
        break;
      }
      case "StructDecl": {
        const type = this.ns.vars.get(t.name)!.value as StructType;
        type.defaults = t.fields.map((f) => (f.default ? this.thunkAtTop(f.default, `${t.name}.${f.name}`) : null));
        break;
      }
      case "EnumDecl": {
        const e = this.ns.vars.get(t.name)!.value as EnumType;
        for (const variant of t.variants) {
          if (!variant.fields) continue;
          e.variants.get(variant.name)!.defaults = variant.fields.map((f) =>
            f.default ? this.thunkAtTop(f.default, `${t.name}.${variant.name}.${f.name}`) : null,
          );
        }
        break;
      }
      case "ProtocolDecl": {
        const p = this.ns.vars.get(t.name)!.value as Protocol;
        for (const m of t.members) {
          const withBody = m.arities.filter((a) => a.body);
          if (withBody.length === 0) continue;
          const fn: FnExpr = {
            k: "Fn",
            name: m.name,
            arities: withBody.map((a) => ({ params: a.params, rest: a.rest, body: a.body!, loc: a.loc })),
            multi: m.arities.length > 1,
            doc: m.doc,
            loc: m.loc,
          };
          p.methods.get(m.name)!.defaultImpl = this.topLevelFunction(fn, m.name, false);
        }
        break;
      }
      case "Extend": {
        const type = this.resolveTypeKey(t.type, t.loc);
        const proto = this.constGlobalValue(t.proto, t.loc);
        if (!(proto instanceof Protocol)) this.error(t.loc, `${fmtQual(t.proto)} is not a protocol`);
        const arg = t.protoArg ? this.constGlobalValue(t.protoArg, t.loc) : null;
        for (const m of t.methods) {
          const pm = proto.methods.get(m.name!);
          if (!pm) this.error(m.loc, `Protocol ${proto.name} has no method ${m.name}`);
          const impl = this.forwardedBuiltin(m) ?? this.topLevelFunction(m, `${typeName(type)}.${m.name}`, false);
          if (arg) {
            let byType = pm.paramImpls.get(arg);
            if (!byType) {
              byType = new Map();
              pm.paramImpls.set(arg, byType);
            }
            byType.set(type, impl);
          }
          pm.impls.set(type, impl);
          if (
            (type instanceof StructType || type instanceof EnumType) &&
            !type.extendedBy.some((x) => x.pm === pm && x.arg === arg)
          )
            type.extendedBy.push({ pm, arg });
        }
        break;
      }
      case "Test": {
        const fn = this.topLevelFunction(
          {
            k: "Fn",
            name: null,
            arities: [{ params: [], rest: null, body: t.body, loc: t.loc }],
            multi: false,
            doc: null,
            loc: t.loc,
          },
          `test ${t.name}`,
        );
        this.tests.push({ name: t.name, fn: fn as Closure });
        break;
      }
      case "Namespace":
      case "Use":
        break;
      default:
        this.error(t.loc, `unexpected top-level form ${t.k}`);
    }
  }

  private compileTopLevelCode(t: TopLevel) {
    const fs = this.fs;
    fs.curLoc = t.loc;
    switch (t.k) {
      case "ExprStmt":
        this.expr(t.e, false);
        break;
      case "TopLet": {
        this.expr(t.value, false);
        if (t.pat.k === "PBind") {
          this.emit(Op.Dup, 1);
          this.emit1(Op.StoreGlobal, this.konst(this.ns.intern(t.pat.name)), -1);
        } else {
          const tmp = this.newHidden();
          this.emit(Op.Dup, 1);
          this.emit1(Op.StoreLocal, tmp, -1);
          fs.scopes.push(new Map());
          this.bindPattern(t.pat, tmp, null, false);
          for (const n of patternNames(t.pat)) {
            this.loadName(n, t.loc);
            this.emit1(Op.StoreGlobal, this.konst(this.ns.intern(n)), -1);
          }
          fs.scopes.pop();
        }
        break;
      }
      case "LetOnce":
      case "LetDynamic":
        if (t.value) this.expr(t.value, false);
        else this.emit(Op.Null, 1);
        this.emit(Op.Dup, 1);
        this.emit1(Op.StoreGlobal, this.konst(this.ns.intern(t.name)), -1);
        break;
      default:
        break;
    }
  }

  /** Compile a top-level function (no captures) straight into a closure. */
  private topLevelFunction(fn: FnExpr, name: string, bindSelf = true): Value {
    const saved = this.fs;
    this.fs = undefined as unknown as FnState;
    // Protocol methods and defaults must not see their own name as a
    // self-reference: a recursive `format(x)` inside one dispatches again.
    const target = bindSelf ? fn : { ...fn, name: null };
    try {
      const closures = target.arities.map(
        (a) => new Closure(this.lazy ? this.lazyArity(target, a, name) : this.compileArity(null, target, a, name), []),
      );
      if (!fn.multi && closures.length === 1) return closures[0]!;
      return makeMulti(`${this.ns.name}/${name}`, closures);
    } finally {
      this.fs = saved;
    }
  }

  private thunkAtTop(e: Expr, name: string): Closure {
    return this.topLevelFunction(
      {
        k: "Fn",
        name: null,
        arities: [{ params: [], rest: null, body: [e], loc: locOf(e) }],
        multi: false,
        doc: null,
        loc: locOf(e),
      },
      name,
    ) as Closure;
  }

  // ------------------------------------------------------------ functions

  /**
   * `fn length(v) { __vec-count(v) }`: a method that only passes its parameters,
   * in order, to a builtin. Registering the builtin itself saves a Beagle call
   * on every dispatch (the prelude's impls for built-in types are mostly this).
   */
  private forwardedBuiltin(m: FnExpr): Builtin | null {
    if (m.arities.length !== 1) return null;
    const [a] = m.arities;
    if (a!.rest || a!.body.length !== 1) return null;
    const call = a!.body[0]!;
    if (call.k !== "Call" || call.fn.k !== "Var" || call.args.length !== a!.params.length) return null;
    const forwardsParams = a!.params.every((p, i) => {
      const arg = call.args[i]!;
      return p.k === "PBind" && arg.k === "Var" && arg.name.ns === null && arg.name.name === p.name;
    });
    if (!forwardsParams) return null;
    const q = call.fn.name;
    const v = q.ns === null ? (this.ns.vars.get(q.name) ?? this.host.core.vars.get(q.name)) : undefined;
    return v?.value instanceof Builtin ? v.value : null;
  }

  /** A prototype whose body is compiled the first time it runs (Op.CompileSelf). */
  private lazyArity(fn: FnExpr, a: FnExpr["arities"][number], name: string): FnProto {
    const shell = new FnProto(name, this.ns.name, this.file);
    shell.nparams = a.params.length;
    shell.variadic = a.rest !== null;
    shell.line = a.loc.line;
    shell.code = Int32Array.of(Op.CompileSelf);
    shell.lines = Int32Array.of(a.loc.line);
    shell.cols = Int32Array.of(a.loc.col);
    const ns = this.ns;
    shell.lazy = () => {
      shell.lazy = null;
      const saved = this.fs;
      const savedNs = this.ns;
      this.fs = undefined as unknown as FnState;
      this.ns = ns;
      try {
        Object.assign(shell, this.compileArity(null, fn, a, name));
      } catch (e) {
        if (e instanceof BeagleSyntaxError)
          throw new BeagleRuntimeError("CompileError", `${e.file}:${e.line}:${e.col}: ${e.message}`);
        throw e;
      } finally {
        this.fs = saved;
        this.ns = savedNs;
      }
    };
    return shell;
  }

  private compileArity(
    parent: FnState | null,
    fn: FnExpr,
    a: FnExpr["arities"][number],
    name: string,
    isThunk = false,
    letsLeak = false,
  ): FnProto {
    const boxed = new Set<string>();
    collectBoxed(a.body, boxed, a.params);
    const fs = new FnState(parent, name, this.ns.name, this.file, fn.name, isThunk, boxed);
    fs.letsLeak = letsLeak;
    // a boundary body reports errors at its home function's header, as inline code would
    fs.proto.line = isThunk && parent ? parent.proto.line : a.loc.line;
    fs.curLoc = a.loc;
    const saved = this.fs;
    this.fs = fs;
    try {
      fs.proto.nparams = a.params.length;
      fs.proto.variadic = a.rest !== null;
      const paramSlots: number[] = [];
      for (const _ of a.params) paramSlots.push(this.newHidden());
      const restSlot = a.rest ? this.newHidden() : -1;
      for (const [i, p] of a.params.entries()) this.bindParam(p, paramSlots[i]!);
      if (a.rest) this.bindParam(a.rest, restSlot);
      this.block(a.body, !isThunk);
      this.emit(Op.Return, -1);
      return this.finish(fs);
    } finally {
      this.fs = saved;
    }
  }

  private bindParam(p: Pattern, slot: number) {
    if (p.k === "PBind") {
      const fs = this.fs;
      const cell = fs.boxed.has(p.name);
      fs.scopes[fs.scopes.length - 1]!.set(p.name, { slot, mut: false, cell });
      if (cell) this.emit1(Op.MakeCell, slot, 0);
    } else if (p.k !== "PWild") {
      this.bindPattern(p, slot, null, false);
    }
  }

  /** Nested function expression: emits MakeClosure (or MakeMulti) in the current function. */
  private fnExpr(fn: FnExpr) {
    const name = fn.name ?? "fn";
    const protos = fn.arities.map((a) => this.compileArity(this.fs, fn, a, name));
    for (const proto of protos) this.emitClosure(proto);
    if (fn.multi || protos.length > 1) this.emitMulti(protos);
  }

  private emitClosure(proto: FnProto) {
    const caps = (proto as FnProto & { captures: Capture[] }).captures;
    const fs = this.fs;
    fs.code.push(Op.MakeClosure, this.konst(proto), caps.length);
    this.markLoc(3);
    for (const c of caps) {
      fs.code.push(c.kind, c.idx);
      fs.lines.push(0, 0);
      fs.cols.push(0, 0);
    }
    this.adjust(1);
  }

  private emitMulti(protos: FnProto[]) {
    const variadic = protos.filter((p) => p.variadic).length > 0 ? 1 : 0;
    // closures are on the stack in arity order; MakeMulti sorts them by proto arity.
    this.emit2(Op.MakeMulti, protos.length, variadic, 1 - protos.length);
  }

  private finish(fs: FnState): FnProto {
    const p = fs.proto;
    p.code = Int32Array.from(fs.code);
    p.lines = Int32Array.from(fs.lines);
    p.cols = Int32Array.from(fs.cols);
    p.consts = fs.consts;
    p.nlocals = fs.nlocals;
    p.maxStack = fs.maxDepth + 1;
    (p as FnProto & { captures: Capture[] }).captures = fs.captures;
    return p;
  }

  // ------------------------------------------------------------ emission

  private konst(v: unknown): number {
    const fs = this.fs;
    const key = typeof v === "number" && Object.is(v, -0) ? "-0" : v;
    let i = fs.constIndex.get(key);
    if (i === undefined) {
      i = fs.consts.length;
      fs.consts.push(v);
      fs.constIndex.set(key, i);
    }
    return i;
  }

  private markLoc(n: number) {
    const fs = this.fs;
    while (fs.lines.length < fs.code.length - n) {
      fs.lines.push(0);
      fs.cols.push(0);
    }
    fs.lines.push(fs.curLoc.line);
    fs.cols.push(fs.curLoc.col);
    for (let i = 1; i < n; i++) {
      fs.lines.push(0);
      fs.cols.push(0);
    }
  }

  private adjust(d: number) {
    const fs = this.fs;
    fs.depth += d;
    if (fs.depth > fs.maxDepth) fs.maxDepth = fs.depth;
  }

  private emit(op: Op, stack: number) {
    this.fs.code.push(op);
    this.markLoc(1);
    this.adjust(stack);
  }
  private emit1(op: Op, a: number, stack: number) {
    this.fs.code.push(op, a);
    this.markLoc(2);
    this.adjust(stack);
  }
  private emit2(op: Op, a: number, b: number, stack: number) {
    this.fs.code.push(op, a, b);
    this.markLoc(3);
    this.adjust(stack);
  }

  /** Emit a jump whose target is patched by `place(label)`. */
  private jump(op: Op, label: Label, stack: number) {
    const fs = this.fs;
    fs.code.push(op, -1);
    this.markLoc(2);
    this.adjust(stack);
    const at = fs.code.length - 1;
    (label as Label & { fixups?: { fs: FnState; at: number }[] }).fixups ??= [];
    (label as Label & { fixups: { fs: FnState; at: number }[] }).fixups.push({ fs, at });
    if (label.pc >= 0) fs.code[at] = label.pc;
  }

  private place(label: Label) {
    const fs = this.fs;
    label.pc = fs.code.length;
    label.depth = fs.depth;
    for (const f of (label as Label & { fixups?: { fs: FnState; at: number }[] }).fixups ?? [])
      f.fs.code[f.at] = label.pc;
  }

  private newHidden(): number {
    return this.fs.nlocals++;
  }

  private declareLocal(name: string, mut: boolean): Local {
    const fs = this.fs;
    const local: Local = { slot: fs.nlocals++, mut, cell: fs.boxed.has(name) };
    fs.scopes[fs.scopes.length - 1]!.set(name, local);
    return local;
  }

  /** Pops the stack top into a fresh local `name`. */
  private storeNewLocal(name: string, mut: boolean) {
    const l = this.declareLocal(name, mut);
    this.emit1(Op.StoreLocal, l.slot, -1);
    if (l.cell) this.emit1(Op.MakeCell, l.slot, 0);
  }

  // ------------------------------------------------------------ names

  private lookupLocal(fs: FnState, name: string): Local | undefined {
    for (let i = fs.scopes.length - 1; i >= 0; i--) {
      const l = fs.scopes[i]!.get(name);
      if (l) return l;
    }
    return undefined;
  }

  /** Find `name` in enclosing functions, adding captures along the way. */
  private capture(fs: FnState, name: string): Capture | undefined {
    const existing = fs.captures.find((c) => c.name === name);
    if (existing) return existing;
    const parent = fs.parent;
    if (!parent) return undefined;
    const l = this.lookupLocal(parent, name);
    let cap: Capture | undefined;
    if (l) cap = { kind: 0, idx: l.slot, cell: l.cell, name };
    else if (parent.selfName === name) cap = { kind: 3, idx: 0, cell: false, name };
    else {
      const up = this.capture(parent, name);
      if (!up) return undefined;
      cap = { kind: 2, idx: parent.captures.indexOf(up), cell: up.cell, name };
    }
    fs.captures.push(cap);
    return cap;
  }

  private loadName(name: string, loc: Loc) {
    const fs = this.fs;
    const l = this.lookupLocal(fs, name);
    if (l) {
      this.emit1(l.cell ? Op.LoadCell : Op.LoadLocal, l.slot, 1);
      return;
    }
    if (fs.selfName === name && !fs.isThunk) {
      this.emit(Op.LoadSelf, 1);
      return;
    }
    const c = this.capture(fs, name);
    if (c) {
      this.emit1(c.cell ? Op.LoadEnvCell : Op.LoadEnv, fs.captures.indexOf(c), 1);
      return;
    }
    this.loadGlobal(this.resolveGlobal({ ns: null, name }, loc), loc);
  }

  private loadGlobal(v: Var, loc: Loc) {
    if (v.value === undefined && !this.declared.has(v)) this.unresolved.push({ v, loc });
    this.emit1(v.dynamic ? Op.LoadDynamic : Op.LoadGlobal, this.konst(v), 1);
  }

  private resolveGlobal(q: QualName, loc: Loc): Var {
    if (q.ns !== null) {
      const target =
        this.ns.aliases.get(q.ns) ??
        (DEFAULT_ALIASES.has(q.ns) ? "beagle.core" : this.host.namespace(q.ns).vars.size ? q.ns : null);
      if (target === null) this.error(loc, `Unknown namespace alias '${q.ns}'`);
      const ns = this.host.namespace(target);
      const v = ns.vars.get(q.name);
      if (!v) this.error(loc, `Undefined variable: ${q.ns}/${q.name}`);
      return v;
    }
    const own = this.ns.vars.get(q.name);
    if (own && (own.value !== undefined || this.declared.has(own))) return own;
    const core = this.host.core.vars.get(q.name);
    if (core) return core;
    return this.ns.intern(q.name);
  }

  /** A global whose value is known at compile time (types, protocols). */
  private constGlobalValue(q: QualName, loc: Loc): Value {
    const v = this.resolveGlobal(q, loc);
    if (v.value === undefined) this.error(loc, `Undefined: ${fmtQual(q)}`);
    return v.value;
  }

  private resolveTypeKey(q: QualName, loc: Loc): Value {
    const t = this.constGlobalValue(q, loc);
    if (t instanceof StructType || t instanceof EnumType || t instanceof TypeDescriptor) return t;
    this.error(loc, `${fmtQual(q)} is not a type`);
  }

  /** ["Point"] -> struct type; ["E", "V"] -> enum variant type. */
  private resolveStructPath(ns: string | null, path: string[], loc: Loc): StructType {
    const head = this.constGlobalValue({ ns, name: path[0]! }, loc);
    if (path.length === 1) {
      if (head instanceof StructType) return head;
      this.error(loc, `${path[0]} is not a struct`);
    }
    if (head instanceof EnumType && path.length === 2) {
      const v = head.variants.get(path[1]!);
      if (!v) this.error(loc, `Enum ${head.name} has no variant ${path[1]}`);
      return v;
    }
    this.error(loc, `Unknown type ${path.join(".")}`);
  }

  // ------------------------------------------------------------ expressions

  private block(body: Expr[], tail: boolean) {
    const fs = this.fs;
    fs.scopes.push(new Map());
    if (body.length === 0) this.emit(Op.Null, 1);
    body.forEach((e, i) => {
      if (i === body.length - 1) this.expr(e, tail);
      else this.stmt(e);
    });
    fs.scopes.pop();
  }

  /** A block whose value is not used: leaves nothing on the stack. */
  private blockVoid(body: Expr[]) {
    const fs = this.fs;
    fs.scopes.push(new Map());
    for (const e of body) this.stmt(e);
    fs.scopes.pop();
  }

  /**
   * Compile `e` for its effect only (net stack effect 0). Statements need no
   * value: this drops the Null/Pop of a `let`, the Dup/Pop of an assignment,
   * the Null of an `if` without else and the per-iteration result store of a
   * loop whose value nobody reads.
   */
  private stmt(e: Expr) {
    const fs = this.fs;
    const savedLoc = fs.curLoc;
    fs.curLoc = e.loc;
    try {
      switch (e.k) {
        case "Let":
          return this.letBinding(e);
        case "Assign":
          return this.assign(e.target, e.value, e.loc, false);
        case "If": {
          const end = new Label();
          if (e.else) {
            const elseL = new Label();
            this.condJump(e.cond, elseL);
            this.blockVoid(e.then);
            this.jump(Op.Jump, end, 0);
            this.place(elseL);
            this.blockVoid(e.else);
          } else {
            this.condJump(e.cond, end);
            this.blockVoid(e.then);
          }
          this.place(end);
          return;
        }
        case "While":
          return this.loop(e.loc, e.body, e.cond, null, true);
        case "Loop":
          return this.loop(e.loc, e.body, null, null, true);
        case "For":
          return this.loop(e.loc, e.body, null, e, true);
        case "Block":
          return this.blockVoid(e.body);
        default:
          this.exprInner(e, false);
          this.emit(Op.Pop, -1);
      }
    } finally {
      fs.curLoc = savedLoc;
    }
  }

  /**
   * Evaluate a condition and jump to `target` unless it is exactly `true`.
   * `a && b` and `a || b` become jumps instead of building the value:
   * `a && b` is true only when a is not false and b is true; `a || b` when
   * a is true, or b is.
   */
  private condJump(cond: Expr, target: Label) {
    if (cond.k === "And") {
      this.expr(cond.l, false);
      this.jump(Op.JumpIfFalse, target, -1);
      this.condJump(cond.r, target);
      return;
    }
    if (cond.k === "Or") {
      const ok = new Label();
      this.expr(cond.l, false);
      this.jump(Op.JumpIfTrue, ok, -1);
      this.condJump(cond.r, target);
      this.place(ok);
      return;
    }
    this.expr(cond, false);
    this.jump(Op.JumpIfNotTrue, target, -1);
  }

  private expr(e: Expr, tail: boolean): void {
    const fs = this.fs;
    const savedLoc = fs.curLoc;
    fs.curLoc = e.loc;
    try {
      this.exprInner(e, tail);
    } finally {
      fs.curLoc = savedLoc;
    }
  }

  private literal(v: Literal) {
    switch (v.k) {
      case "Int":
        if (typeof v.v === "number" && v.v >= -0x40000000 && v.v < 0x40000000) this.emit1(Op.SmallInt, v.v, 1);
        else this.emit1(Op.Const, this.konst(v.v), 1);
        break;
      case "Float":
        this.emit1(Op.Const, this.konst(mkFloat(v.v)), 1);
        break;
      case "Str":
        this.emit1(Op.Const, this.konst(v.v), 1);
        break;
      case "Keyword":
        this.emit1(Op.Const, this.konst(Keyword.of(v.v)), 1);
        break;
      case "Bool":
        this.emit(v.v ? Op.True : Op.False, 1);
        break;
      case "Null":
        this.emit(Op.Null, 1);
        break;
    }
  }

  private exprInner(e: Expr, tail: boolean): void {
    const fs = this.fs;
    switch (e.k) {
      case "Lit":
        return this.literal(e.value);
      case "Interp": {
        for (const p of e.parts) {
          if (typeof p === "string") this.emit1(Op.Const, this.konst(p), 1);
          else {
            this.expr(p, false);
            this.emit1(Op.ToStr, this.konst(this.host.core.intern("to-string")), 0);
          }
        }
        if (e.parts.length !== 1) this.emit1(Op.ConcatN, e.parts.length, 1 - e.parts.length);
        return;
      }
      case "Var":
        if (e.name.ns === null) return this.loadName(e.name.name, e.loc);
        return this.loadGlobal(this.resolveGlobal(e.name, e.loc), e.loc);
      case "Vec":
        for (const x of e.items) this.expr(x, false);
        return this.emit1(Op.MakeVec, e.items.length, 1 - e.items.length);
      case "SetLit":
        for (const x of e.items) this.expr(x, false);
        return this.emit1(Op.MakeSet, e.items.length, 1 - e.items.length);
      case "MapLit":
        for (const [k, v] of e.entries) {
          this.expr(k, false);
          this.expr(v, false);
        }
        return this.emit1(Op.MakeMap, e.entries.length, 1 - 2 * e.entries.length);
      case "Call": {
        // `primitive/set!(obj.field, v)` (beagle.primitive) is upstream's spelling of `obj.field = v`
        if (
          e.fn.k === "Var" &&
          e.fn.name.ns !== null &&
          e.fn.name.name === "set!" &&
          this.ns.aliases.get(e.fn.name.ns) === "beagle.primitive" &&
          e.args.length === 2 &&
          e.args[0]!.k === "Field"
        )
          return this.expr({ k: "Assign", target: e.args[0]!, value: e.args[1]!, loc: e.loc }, tail);
        this.expr(e.fn, false);
        for (const a of e.args) this.expr(a, false);
        fs.curLoc = e.loc;
        const canTail = tail && !fs.isThunk;
        return this.emit1(canTail ? Op.TailCall : Op.Call, e.args.length, -e.args.length);
      }
      case "Binary": {
        this.expr(e.l, false);
        this.expr(e.r, false);
        fs.curLoc = e.loc;
        return this.emit(BINARY_OPS[e.op], -1);
      }
      case "And":
      case "Or": {
        const end = new Label();
        this.expr(e.l, false);
        this.emit(Op.Dup, 1);
        this.jump(e.k === "And" ? Op.JumpIfFalse : Op.JumpIfTrue, end, -1);
        this.emit(Op.Pop, -1);
        this.expr(e.r, tail);
        this.place(end);
        return;
      }
      case "Not":
        this.expr(e.e, false);
        return this.emit(Op.Not, 0);
      case "Neg":
        this.emit1(Op.SmallInt, 0, 1);
        this.expr(e.e, false);
        fs.curLoc = e.loc;
        return this.emit(Op.Sub, -1);
      case "Field": {
        const variant = this.enumVariantRef(e);
        if (variant) {
          if (variant.unit) return this.emit1(Op.Const, this.konst(variant.unit), 1);
          // `E.V` of a variant with fields, used as a value: an instance with defaults.
          return this.structLiteral(variant, [], null);
        }
        this.expr(e.obj, false);
        fs.curLoc = e.loc;
        return this.emit1(Op.GetField, this.konst(e.name), 0);
      }
      case "Index":
        this.expr(e.obj, false);
        this.expr(e.index, false);
        fs.curLoc = e.loc;
        return this.emit1(Op.Index, this.konst(this.host.core.intern("get")), -1);
      case "Assign":
        return this.assign(e.target, e.value, e.loc);
      case "StructLit": {
        const type = this.resolveStructPath(e.ns, e.path, e.loc);
        return this.structLiteral(type, e.fields, e.spread);
      }
      case "If": {
        const elseL = new Label();
        const end = new Label();
        this.condJump(e.cond, elseL);
        this.block(e.then, tail);
        // in tail position the value is returned: return now instead of jumping to the Return
        if (tail) this.emit(Op.Return, -1);
        else this.jump(Op.Jump, end, -1);
        this.place(elseL);
        if (e.else) this.block(e.else, tail);
        else this.emit(Op.Null, 1);
        this.place(end);
        return;
      }
      case "While":
        return this.loop(e.loc, e.body, e.cond, null);
      case "Loop":
        return this.loop(e.loc, e.body, null, null);
      case "For":
        return this.loop(e.loc, e.body, null, e);
      case "Break":
      case "Continue":
        return this.breakOrContinue(e);
      case "Return": {
        if (this.finallyExit(e, null)) return;
        if (e.value) this.expr(e.value, !fs.isThunk);
        else this.emit(Op.Null, 1);
        this.emit(fs.isThunk ? Op.ReturnNonLocal : Op.Return, -1);
        this.emit(Op.Null, 1); // unreachable; keeps the stack shape of an expression
        return;
      }
      case "Block":
        return this.block(e.body, tail);
      case "Let":
        this.letBinding(e);
        return this.emit(Op.Null, 1);
      case "Fn": {
        if (e.name) {
          // A named function inside a body binds a local, like `let`.
          this.fnExpr(e);
          this.emit(Op.Dup, 1);
          this.storeNewLocal(e.name, false);
          return;
        }
        return this.fnExpr(e);
      }
      case "Match":
        return this.match(e, tail);
      case "Throw":
        this.expr(e.value, false);
        fs.curLoc = e.loc;
        return this.emit(Op.Throw, 0);
      case "Try": {
        if (e.finalizer) return this.tryFinally(e, e.finalizer);
        const params: Pattern[] = [{ k: "PBind", name: e.errName, loc: e.loc }];
        if (e.resumeName) params.push({ k: "PBind", name: e.resumeName, loc: e.loc });
        const handlerFn: FnExpr = { k: "Fn", name: null, arities: [], multi: false, doc: null, loc: e.loc };
        this.emitClosure(
          this.compileArity(
            this.fs,
            handlerFn,
            { params, rest: null, body: e.handler, loc: e.loc },
            this.fs.proto.name,
            true,
            !e.resumeName,
          ),
        );
        this.thunk(e.body, e.loc, !e.resumeName);
        fs.curLoc = e.loc;
        return this.emit1(Op.Try, e.finallyCatch ? 2 : e.resumeName ? 1 : 0, -1);
      }
      case "Perform":
        this.expr(e.value, false);
        fs.curLoc = e.loc;
        return this.emit(Op.Perform, 0);
      case "Handle": {
        const effect = e.protoArg ? this.constGlobalValue(e.protoArg, e.loc) : this.constGlobalValue(e.proto, e.loc);
        this.emit1(Op.Const, this.konst(effect), 1);
        this.expr(e.handler, false);
        this.thunk(e.body, e.loc);
        fs.curLoc = e.loc;
        return this.emit(Op.Handle, -2);
      }
      case "Reset":
        this.thunk(e.body, e.loc);
        return this.emit(Op.Reset, 0);
      case "Shift":
        this.expr(e.fn, false);
        fs.curLoc = e.loc;
        return this.emit(Op.Shift, 0);
      case "Binding": {
        const v = this.resolveGlobal(e.name, e.loc);
        if (!v.dynamic) this.error(e.loc, `${fmtQual(e.name)} is not a dynamic variable (declare it with let dynamic)`);
        this.expr(e.value, false);
        this.thunk(e.body, e.loc);
        return this.emit1(Op.Binding, this.konst(v), -1);
      }
      case "Future": {
        this.thunk([e.e], e.loc);
        return this.emit(Op.Future, 0);
      }
    }
  }

  /** A zero-argument closure for a boundary body. */
  private letBinding(e: Expr & { k: "Let" }) {
    this.expr(e.value, false);
    if (e.pat.k === "PBind") this.letName(e.pat.name, e.mut);
    else {
      const tmp = this.newHidden();
      this.emit1(Op.StoreLocal, tmp, -1);
      this.bindPattern(e.pat, tmp, null, e.mut);
    }
  }

  /**
   * `let name = v` (value on the stack), scoped as upstream: a function has one variable per name, so a
   * `let` inside a nested block (if, loop, match arm) of a name bound in an enclosing block of the same
   * function stores into that variable, and the new value is seen after the block. Inside a try body or
   * handler (a thunk here, inline code upstream) a name bound in the home function is a cell
   * (collectBoxed), and the `let` stores into it. Otherwise (or in the same block) a fresh local.
   */
  private letName(name: string, mut: boolean) {
    const fs = this.fs;
    const n = fs.scopes.length;
    if (!fs.scopes[n - 1]!.has(name)) {
      for (let i = n - 2; i >= 0; i--) {
        const l = fs.scopes[i]!.get(name);
        if (!l) continue;
        this.emit1(l.cell ? Op.StoreCell : Op.StoreLocal, l.slot, -1);
        fs.scopes[i]!.set(name, { slot: l.slot, mut, cell: l.cell });
        return;
      }
      if (fs.letsLeak && fs.parent && fs.selfName !== name) {
        const c = this.capture(fs, name);
        if (c?.cell) {
          this.emit1(Op.StoreEnvCell, fs.captures.indexOf(c), -1);
          return;
        }
      }
    }
    this.storeNewLocal(name, mut);
  }

  private thunk(body: Expr[], loc: Loc, letsLeak = false) {
    const proto = this.compileArity(
      this.fs,
      { k: "Fn", name: null, arities: [], multi: false, doc: null, loc },
      { params: [], rest: null, body, loc },
      `${this.fs.proto.name}`,
      true,
      letsLeak,
    );
    this.emitClosure(proto);
  }

  /** `E.V` or `alias/E.V` naming an enum variant (decided at compile time). */
  private enumVariantRef(e: Expr & { k: "Field" }): StructType | null {
    if (e.obj.k !== "Var") return null;
    const q = e.obj.name;
    if (q.ns === null && (this.lookupLocal(this.fs, q.name) || this.fs.selfName === q.name)) return null;
    if (q.ns === null && this.fs.parent && this.capture(this.fs, q.name)) return null;
    let v: Var | undefined;
    try {
      v = this.resolveGlobal(q, e.loc);
    } catch {
      return null;
    }
    if (v.value instanceof EnumType) {
      const variant = v.value.variants.get(e.name);
      if (!variant) this.error(e.loc, `Enum ${v.value.name} has no variant ${e.name}`);
      return variant;
    }
    return null;
  }

  private structLiteral(type: StructType, fields: { name: string; value: Expr }[], spread: Expr | null) {
    const fs = this.fs;
    const slots: number[] = [];
    if (spread) this.expr(spread, false);
    for (const f of fields) {
      const slot = type.slots.get(f.name);
      if (slot === undefined) this.error(fs.curLoc, `Field '${f.name}' does not exist on ${type.displayName}`);
      this.expr(f.value, false);
      slots.push(slot);
    }
    fs.code.push(spread ? Op.MakeStructSpread : Op.MakeStruct, this.konst(type), slots.length, ...slots);
    this.markLoc(3 + slots.length);
    this.adjust(1 - slots.length - (spread ? 1 : 0));
  }

  /** `keep`: leave the assigned value on the stack (the assignment's value). */
  private assign(target: Expr, value: Expr, loc: Loc, keep = true) {
    const fs = this.fs;
    if (target.k === "Var" && target.name.ns === null) {
      const name = target.name.name;
      const l = this.lookupLocal(fs, name);
      if (l) {
        if (!l.mut) this.error(loc, `Cannot assign to immutable variable '${name}'`);
        this.expr(value, false);
        if (keep) this.emit(Op.Dup, 1);
        this.emit1(l.cell ? Op.StoreCell : Op.StoreLocal, l.slot, -1);
        return;
      }
      const c = this.capture(fs, name);
      if (c) {
        if (!c.cell) this.error(loc, `Cannot assign to immutable variable '${name}'`);
        this.expr(value, false);
        if (keep) this.emit(Op.Dup, 1);
        this.emit1(Op.StoreEnvCell, fs.captures.indexOf(c), -1);
        return;
      }
      this.error(loc, `Cannot assign to '${name}': not a local mutable variable`);
    }
    if (target.k === "Field") {
      this.expr(target.obj, false);
      this.expr(value, false);
      fs.curLoc = loc;
      this.emit1(Op.SetField, this.konst(target.name), -1);
      if (!keep) this.emit(Op.Pop, -1);
      return;
    }
    this.error(loc, "Invalid assignment target");
  }

  // ------------------------------------------------------------ loops

  /** `discard`: the loop is a statement; its value (last body value or break value) is not needed. */
  private loop(loc: Loc, body: Expr[], cond: Expr | null, forE: (Expr & { k: "For" }) | null, discard = false) {
    const fs = this.fs;
    const result = this.newHidden();
    if (!discard) {
      this.emit(Op.Null, 1);
      this.emit1(Op.StoreLocal, result, -1);
    }
    let iterSlot = -1;
    if (forE) {
      this.expr(forE.iter, false);
      fs.curLoc = loc;
      this.emit1(Op.IterPrep, this.konst(this.host.core.intern("seq")), 0);
      iterSlot = this.newHidden();
      this.emit1(Op.StoreLocal, iterSlot, -1);
    }
    const top = new Label();
    const exit = new Label();
    top.owner = exit.owner = fs.proto; // break/continue from a nested thunk unwind to this function's frame
    this.place(top);
    exit.depth = fs.depth;
    if (cond) this.condJump(cond, exit);
    fs.scopes.push(new Map());
    if (forE) {
      // Native collections step in IterNext and jump to `body`. A user Seqable's seq (left in
      // the slot by IterPrep) falls through to ordinary calls of first/next, which may suspend.
      fs.code.push(Op.IterNext, iterSlot, -1, -1);
      this.markLoc(4);
      const at = fs.code.length - 2;
      (exit as Label & { fixups?: { fs: FnState; at: number }[] }).fixups = [{ fs, at }];
      const body = new Label();
      (body as Label & { fixups?: { fs: FnState; at: number }[] }).fixups = [{ fs, at: at + 1 }];
      const core = this.host.core;
      this.emit1(Op.LoadGlobal, this.konst(core.intern("first")), 1);
      this.emit1(Op.LoadLocal, iterSlot, 1);
      this.emit1(Op.Call, 1, -1);
      this.emit1(Op.LoadGlobal, this.konst(core.intern("next")), 1);
      this.emit1(Op.LoadLocal, iterSlot, 1);
      this.emit1(Op.Call, 1, -1);
      this.emit1(Op.StoreLocal, iterSlot, -1);
      this.place(body);
      this.storeNewLocal(forE.name, false);
    }
    exit.resultSlot = result;
    fs.loops.push({
      id: this.loopIds++,
      owner: fs,
      breakLabel: exit,
      continueLabel: top,
      resultSlot: result,
      depth: exit.depth,
    });
    if (discard) this.blockVoid(body);
    else this.block(body, false);
    fs.loops.pop();
    fs.scopes.pop();
    if (discard) {
      // nothing to keep
    } else if (cond || forE) this.emit1(Op.StoreLocal, result, -1);
    else this.emit(Op.Pop, -1);
    this.jump(Op.Jump, top, 0);
    const exitDepth = fs.depth;
    this.place(exit);
    fs.depth = exitDepth;
    if (!discard) this.emit1(Op.LoadLocal, result, 1);
  }

  /**
   * `try { B } catch (e) { C } finally { F }` (our extension). Compiled as
   *   let o = try<finally> { [0, try { B } catch (e) { C }] } catch (x) { __fin-outcome(x) }
   *   F
   *   dispatch on o[0]: 0 -> the value, 1 -> rethrow, 2+k -> redo exit k
   * A `return`, `break` or `continue` in B or C that leaves the region does not jump: it
   * throws a marker `__fin-exit(k, value)` that only finally boundaries catch (vm/interp.ts
   * throwValue), and the dispatch after F performs exit k again from here (so it crosses
   * enclosing finally regions the same way).
   */
  private tryFinally(e: Expr & { k: "Try" }, finalizer: Expr[]) {
    const loc = e.loc;
    const n = this.finIds++;
    const region: FinRegion = { home: this.fs.home, firstLoop: this.loopIds, exits: [] };
    const o = `__fin_o${n}`;
    const v = (name: string): Expr => ({ k: "Var", name: { ns: null, name }, loc });
    const lit = (x: number): Expr => ({ k: "Lit", value: { k: "Int", v: x }, loc });
    const inner: Expr = !e.noCatch
      ? { k: "Try", body: e.body, errName: e.errName, resumeName: e.resumeName, handler: e.handler, loc }
      : { k: "Block", body: e.body, loc };
    const guarded: Expr = {
      k: "Try",
      body: [{ k: "Vec", items: [lit(0), inner], loc }],
      errName: `__fin_e${n}`,
      resumeName: null,
      handler: [{ k: "Call", fn: v("__fin-outcome"), args: [v(`__fin_e${n}`)], loc }],
      finallyCatch: true,
      loc,
    };
    const at = (i: number): Expr => ({ k: "Index", obj: v(o), index: lit(i), loc });
    const body: Expr[] = [{ k: "Let", pat: { k: "PBind", name: o, loc }, value: guarded, mut: false, loc }];
    // Build the dispatch once the guarded part is compiled (its exits are known then).
    const dispatch = (): Expr => {
      const kind: Expr = at(0);
      let chain: Expr = { k: "Throw", value: at(1), loc };
      for (let k = region.exits.length - 1; k >= 0; k--) {
        const x = region.exits[k]!;
        const redo: Expr =
          x === "return"
            ? { k: "Return", value: at(1), loc }
            : x === "break"
              ? { k: "Break", value: at(1), loc }
              : { k: "Continue", loc };
        chain = {
          k: "If",
          cond: { k: "Binary", op: "==", l: kind, r: lit(2 + k), loc },
          // biome-ignore lint/suspicious/noThenProperty: the AST If node's branch, never awaited
          then: [redo],
          else: [chain],
          loc,
        };
      }
      return {
        k: "If",
        cond: { k: "Binary", op: "==", l: kind, r: lit(0), loc },
        // biome-ignore lint/suspicious/noThenProperty: the AST If node's branch, never awaited
        then: [at(1)],
        else: [chain],
        loc,
      };
    };
    const fs = this.fs;
    fs.scopes.push(new Map());
    this.finRegions.push(region);
    this.stmt(body[0]!);
    this.finRegions.pop();
    this.stmt({ k: "Block", body: finalizer, loc });
    this.expr(dispatch(), false);
    fs.scopes.pop();
  }

  /**
   * A `return` (ctx null) or `break`/`continue` (its loop) that leaves a finally region is
   * compiled as a throw of an exit marker to the innermost region it leaves. True if it was.
   */
  private finallyExit(e: Expr & { k: "Return" | "Break" | "Continue" }, ctx: LoopCtx | null): boolean {
    const home = this.fs.home;
    // Only the innermost region matters: the marker is thrown to it and its handler rethrows outward.
    const r = this.finRegions.at(-1);
    if (r !== undefined) {
      if (r.home !== home) return false;
      if (ctx && ctx.owner.home === home && (ctx.id ?? 0) >= r.firstLoop) return false;
      const kind = e.k === "Return" ? "return" : e.k === "Break" ? "break" : "continue";
      const value: Expr =
        (e.k === "Return" || e.k === "Break") && e.value ? e.value : { k: "Lit", value: { k: "Null" }, loc: e.loc };
      r.exits.push(kind);
      const k = r.exits.length - 1;
      this.expr(
        {
          k: "Throw",
          value: {
            k: "Call",
            fn: { k: "Var", name: { ns: null, name: "__fin-exit" }, loc: e.loc },
            args: [{ k: "Lit", value: { k: "Int", v: k }, loc: e.loc }, value],
            loc: e.loc,
          },
          loc: e.loc,
        },
        false,
      );
      return true;
    }
    return false;
  }

  private breakOrContinue(e: Expr & { k: "Break" | "Continue" }) {
    const fs = this.fs;
    // find the nearest loop, looking through thunks into their home function
    let owner: FnState | null = fs;
    let ctx: LoopCtx | undefined;
    while (owner) {
      ctx = owner.loops[owner.loops.length - 1];
      if (ctx || !owner.isThunk) break;
      owner = owner.parent;
    }
    if (!ctx) this.error(e.loc, `${e.k === "Break" ? "break" : "continue"} outside of a loop`);
    if (this.finallyExit(e, ctx)) return;
    const label = e.k === "Break" ? ctx.breakLabel : ctx.continueLabel;
    if (e.k === "Break") {
      if (e.value) this.expr(e.value, false);
      else this.emit(Op.Null, 1);
    }
    if (ctx.owner === fs) {
      if (e.k === "Break") this.emit1(Op.StoreLocal, ctx.resultSlot, -1);
      const extra = fs.depth - ctx.depth;
      if (extra > 0) this.emit1(Op.PopN, extra, 0);
      this.jump(Op.Jump, label, 0);
    } else {
      // Leaving a try/handle body: unwind to the home frame, then jump there.
      if (e.k === "Continue") this.emit(Op.Null, 1);
      this.emit1(Op.JumpNonLocal, this.konst(label), -1);
    }
    this.emit(Op.Null, 1); // unreachable; an expression leaves one value
  }

  // ------------------------------------------------------------ match and patterns

  /**
   * As upstream: a match with no wildcard or binding arm whose arms name variants of an enum
   * (`E.V`, `E.V { .. }`) but not all of them records a NonExhaustiveMatch warning (`diagnostics()`).
   */
  private checkExhaustive(e: Expr & { k: "Match" }) {
    if (e.arms.some((a) => a.pat.k === "PWild" || a.pat.k === "PBind")) return;
    const covered = new Map<EnumType, { name: string; seen: Set<string> }>();
    for (const { pat } of e.arms) {
      if (pat.k !== "PStruct" || pat.path.length !== 2) continue;
      let head: Value;
      try {
        head = this.constGlobalValue({ ns: pat.ns, name: pat.path[0]! }, pat.loc);
      } catch {
        continue;
      }
      if (!(head instanceof EnumType)) continue;
      const c = covered.get(head) ?? { name: pat.path[0]!, seen: new Set<string>() };
      covered.set(head, c);
      c.seen.add(pat.path[1]!);
    }
    for (const [type, { name, seen }] of covered) {
      const missing = [...type.variants.keys()].filter((v) => !seen.has(v));
      if (!missing.length) continue;
      recordWarning({
        kind: "NonExhaustiveMatch",
        file: this.file,
        line: e.loc.line,
        col: e.loc.col,
        message: `Non-exhaustive match on enum '${name}'. Missing variants: ${missing.join(", ")}`,
        enumName: name,
        missingVariants: missing,
      });
    }
  }

  private match(e: Expr & { k: "Match" }, tail: boolean) {
    const fs = this.fs;
    this.checkExhaustive(e);
    this.expr(e.subject, false);
    const subj = this.newHidden();
    this.emit1(Op.StoreLocal, subj, -1);
    const end = new Label();
    const startDepth = fs.depth;
    for (const arm of e.arms) {
      const next = new Label();
      fs.scopes.push(new Map());
      fs.curLoc = arm.loc;
      this.bindPattern(arm.pat, subj, next, false);
      this.block(arm.body, tail);
      fs.scopes.pop();
      if (tail) this.emit(Op.Return, -1);
      else this.jump(Op.Jump, end, -1);
      this.place(next);
      fs.depth = startDepth;
    }
    fs.curLoc = e.loc;
    // the subject on top names the value that matched no arm (whatever else is on the stack)
    this.emit1(Op.LoadLocal, subj, 1);
    this.emit(Op.MatchFail, 0);
    this.place(end);
  }

  /**
   * Destructure the value in local `slot` by `pat`, declaring its names in the
   * current scope. On mismatch jump to `fail`, or (for let/params) throw.
   */
  private bindPattern(pat: Pattern, slot: number, fail: Label | null, mut: boolean) {
    const check = () => {
      if (fail) this.jump(Op.JumpIfNotTrue, fail, -1);
      else {
        const ok = new Label();
        this.jump(Op.JumpIfTrue, ok, -1);
        this.emit1(Op.Const, this.konst("Pattern did not match"), 1);
        this.emit(Op.Throw, 0);
        this.emit(Op.Pop, -1);
        this.place(ok);
      }
    };
    const sub = (p: Pattern, load: () => void) => {
      if (p.k === "PWild") return;
      load();
      if (p.k === "PBind") return this.storeNewLocal(p.name, mut);
      const t = this.newHidden();
      this.emit1(Op.StoreLocal, t, -1);
      this.bindPattern(p, t, fail, mut);
    };
    switch (pat.k) {
      case "PWild":
        return;
      case "PBind":
        this.emit1(Op.LoadLocal, slot, 1);
        return this.storeNewLocal(pat.name, mut);
      case "PLit":
        this.emit1(Op.LoadLocal, slot, 1);
        this.literal(pat.value);
        this.emit(Op.Eq, -1);
        return check();
      case "PVec": {
        this.emit1(Op.LoadLocal, slot, 1);
        this.emit2(Op.TestVec, pat.items.length, pat.rest ? 1 : 0, 0);
        check();
        for (const [i, p] of pat.items.entries())
          sub(p, () => {
            this.emit1(Op.LoadLocal, slot, 1);
            this.emit1(Op.VecNth, i, 0);
          });
        if (pat.rest)
          sub(pat.rest, () => {
            this.emit1(Op.LoadLocal, slot, 1);
            this.emit1(Op.VecRest, pat.items.length, 0);
          });
        return;
      }
      case "PMap": {
        this.emit1(Op.LoadLocal, slot, 1);
        this.emit(Op.TestMap, 0);
        check();
        for (const { key, pat: p } of pat.entries) {
          const k = key.k === "Keyword" ? Keyword.of(key.v) : key.k === "Str" ? key.v : key.k === "Int" ? key.v : null;
          sub(p, () => {
            this.emit1(Op.LoadLocal, slot, 1);
            this.emit1(Op.MapGet, this.konst(k), 0);
          });
        }
        return;
      }
      case "PStruct": {
        const type = this.resolveStructPath(pat.ns, pat.path, pat.loc);
        this.emit1(Op.LoadLocal, slot, 1);
        this.emit1(Op.TestType, this.konst(type), 0);
        check();
        for (const f of pat.fields ?? []) {
          if (!type.slots.has(f.name)) this.error(pat.loc, `Field '${f.name}' does not exist on ${type.displayName}`);
          sub(f.pat, () => {
            this.emit1(Op.LoadLocal, slot, 1);
            this.emit1(Op.GetField, this.konst(f.name), 0);
          });
        }
        return;
      }
    }
  }
}

// ---------------------------------------------------------------- helpers

/** Aliases every file has for the runtime namespaces. */
const DEFAULT_ALIASES = new Set(["core", "builtin", "primitive"]);

const BINARY_OPS: Record<string, Op> = {
  "+": Op.Add,
  "-": Op.Sub,
  "*": Op.Mul,
  "/": Op.Div,
  "%": Op.Mod,
  "<": Op.Lt,
  "<=": Op.Le,
  ">": Op.Gt,
  ">=": Op.Ge,
  "==": Op.Eq,
  "!=": Op.Ne,
  "&": Op.BitAnd,
  "|": Op.BitOr,
  "^": Op.BitXor,
  "<<": Op.Shl,
  ">>": Op.Shr,
  ">>>": Op.UShr,
  "++": Op.Concat,
};

function fmtQual(q: QualName): string {
  return q.ns ? `${q.ns}/${q.name}` : q.name;
}

function typeName(t: Value): string {
  return t instanceof StructType || t instanceof EnumType || t instanceof TypeDescriptor ? t.name : "?";
}

export function makeMulti(name: string, closures: Closure[]): Value {
  const byArity: (Closure | undefined)[] = [];
  let variadic: Closure | null = null;
  for (const c of closures) {
    if (c.proto.variadic) variadic = c;
    else byArity[c.proto.nparams] = c;
  }
  return new MultiFn(name, byArity, variadic);
}

/** Make a `///` docstring reachable from the value itself (`doc(f)`, `doc(Point)`). */
function attachDoc(v: Value, doc: string | null) {
  if (doc === null || v === null || typeof v !== "object") return;
  const target = v instanceof Closure ? v.proto : v;
  (target as { doc?: string }).doc = doc;
}

function locOf(e: Expr): Loc {
  return e.loc;
}

export function patternNames(p: Pattern): string[] {
  switch (p.k) {
    case "PBind":
      return [p.name];
    case "PVec":
      return [...p.items.flatMap(patternNames), ...(p.rest ? patternNames(p.rest) : [])];
    case "PMap":
      return p.entries.flatMap((e) => patternNames(e.pat));
    case "PStruct":
      return (p.fields ?? []).flatMap((f) => patternNames(f.pat));
    default:
      return [];
  }
}

/**
 * Names of `let mut` variables that a nested function or boundary body refers
 * to: those live in cells so that every closure shares one variable.
 */
/**
 * A redefined struct or enum: the protocol impls written for the old definition apply to
 * the new one until it is extended again. The old type is left out of the impl tables (a
 * stale instance migrates before it dispatches), so nothing keeps old definitions alive.
 */
function carryImpls(prev: StructType | EnumType, type: StructType | EnumType) {
  for (const e of prev.extendedBy) {
    const impl = e.pm.impls.get(prev);
    if (impl === undefined) continue;
    if (!e.pm.impls.has(type)) e.pm.impls.set(type, impl);
    e.pm.impls.delete(prev);
    if (e.arg) {
      const byType = e.pm.paramImpls.get(e.arg);
      if (byType && !byType.has(type)) byType.set(type, impl);
      byType?.delete(prev);
    }
    if (!type.extendedBy.some((x) => x.pm === e.pm && x.arg === e.arg)) type.extendedBy.push(e);
  }
  prev.extendedBy = [];
}

function collectBoxed(body: Expr[], out: Set<string>, params: Pattern[] = []) {
  const muts = new Set<string>();
  const inner = new Set<string>();
  // Upstream compiles a try body and handler inline, so their `let` rebinds the function's variable of
  // that name: such a name, bound here outside any nested scope too, lives in a cell (see letName).
  const lets = new Set<string>(params.flatMap((p) => (p.k === "PBind" ? [p.name] : [])));
  const tryLets = new Set<string>();
  // As upstream: a `fn` captures a `let mut` by value (its value when the closure is made)
  // unless some nested fn assigns it; then every closure shares one cell. The bodies of
  // try/handle/reset/binding/future run as thunks of this function and always share.
  // `nested`: inside any such scope; `inFn`: inside a real `fn` literal; `leak`: every such scope on
  // the way is a try body or handler (not resumable), whose lets rebind this function's variables.
  const walk = (e: unknown, nested: boolean, inFn: boolean, leak: boolean): void => {
    if (!e || typeof e !== "object") return;
    if (Array.isArray(e)) {
      for (const x of e) walk(x, nested, inFn, leak);
      return;
    }
    const n = e as { k?: string } & Record<string, unknown>;
    if (n.k === "Let" && n.mut) for (const name of patternNames(n.pat as Pattern)) muts.add(name);
    if (n.k === "Let" && (n.pat as Pattern).k === "PBind" && !inFn) {
      const name = (n.pat as Pattern & { k: "PBind" }).name;
      if (!nested) lets.add(name);
      else if (leak) tryLets.add(name);
    }
    if (n.k === "Var" && nested && !inFn) inner.add((n.name as QualName).name);
    if (n.k === "Assign" && nested && (n.target as Expr).k === "Var")
      inner.add(((n.target as Expr & { k: "Var" }).name as QualName).name);
    const isFn = n.k === "Fn";
    const opensScope =
      isFn || n.k === "Try" || n.k === "Handle" || n.k === "Reset" || n.k === "Binding" || n.k === "Future";
    const leaks = leak && (!opensScope || (n.k === "Try" && !n.resumeName));
    for (const key of Object.keys(n)) {
      if (key === "loc") continue;
      walk(n[key], nested || opensScope, inFn || isFn, leaks);
    }
  };
  walk(body, false, false, true);
  for (const m of muts) if (inner.has(m)) out.add(m);
  for (const l of tryLets) if (lets.has(l)) out.add(l);
}
