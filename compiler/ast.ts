// The Beagle AST: the contract between the parser and the code generator.
// Every node carries `loc` (1-based line and column of its first token) so that
// errors can point at source. The parser keeps surface forms close to the
// source; name resolution (is `E.V` an enum variant or a field access?) is the
// code generator's job, because only it knows what each name refers to.

export interface Loc {
  line: number;
  col: number;
}

/** A possibly namespace-qualified name: `foo`, `alias/foo`. */
export interface QualName {
  ns: string | null; // the alias before `/`, or null
  name: string;
}

// ---------------------------------------------------------------- patterns

export type Pattern =
  | { k: "PWild"; loc: Loc }
  | { k: "PBind"; name: string; loc: Loc }
  /** Int (number|bigint), String, Bool or Null literal; also keywords. */
  | { k: "PLit"; value: Literal; loc: Loc }
  /** `[a, b, ...rest]`; rest is null when absent. */
  | { k: "PVec"; items: Pattern[]; rest: Pattern | null; loc: Loc }
  /** `{ name, age: a, "key": b }`; key is the keyword name or string. */
  | { k: "PMap"; entries: { key: Literal; pat: Pattern }[]; loc: Loc }
  /**
   * `Point { x, y: py }`, `E.V { f }`, `alias/E.V {}`, or a unit variant `E.V`
   * (fields === null). `path` is the dotted type path: ["Point"] or ["E", "V"].
   */
  | { k: "PStruct"; ns: string | null; path: string[]; fields: { name: string; pat: Pattern }[] | null; loc: Loc };

export type Literal =
  | { k: "Int"; v: number | bigint }
  | { k: "Float"; v: number }
  | { k: "Str"; v: string }
  | { k: "Keyword"; v: string }
  | { k: "Bool"; v: boolean }
  | { k: "Null" };

// ---------------------------------------------------------------- functions

export interface FnArity {
  params: Pattern[];
  rest: Pattern | null; // `...rest`
  body: Expr[]; // a block: the last expression is the value
  loc: Loc;
}

export interface FnExpr {
  k: "Fn";
  name: string | null;
  /** One entry for `fn f(a) {}`; several for `fn f { () => a  (x) => b }`. */
  arities: FnArity[];
  /** True for the multi-arity `fn f { ... }` form, even with one arm. */
  multi: boolean;
  doc: string | null;
  loc: Loc;
}

// ---------------------------------------------------------------- expressions

export type BinaryOp =
  | "+"
  | "-"
  | "*"
  | "/"
  | "%"
  | "<"
  | "<="
  | ">"
  | ">="
  | "=="
  | "!="
  | "&"
  | "|"
  | "^"
  | "<<"
  | ">>"
  | ">>>"
  | "++";

export type Expr =
  | { k: "Lit"; value: Literal; loc: Loc }
  /** `"a ${x} b"`: string pieces and expressions in order. */
  | { k: "Interp"; parts: (string | Expr)[]; loc: Loc }
  | { k: "Var"; name: QualName; loc: Loc }
  | { k: "Vec"; items: Expr[]; loc: Loc }
  | { k: "MapLit"; entries: [Expr, Expr][]; loc: Loc }
  | { k: "SetLit"; items: Expr[]; loc: Loc }
  /** Pipes are desugared by the parser into Call. */
  | { k: "Call"; fn: Expr; args: Expr[]; loc: Loc }
  | { k: "Binary"; op: BinaryOp; l: Expr; r: Expr; loc: Loc }
  | { k: "And"; l: Expr; r: Expr; loc: Loc }
  | { k: "Or"; l: Expr; r: Expr; loc: Loc }
  /** `!x` */
  | { k: "Not"; e: Expr; loc: Loc }
  /** unary minus on a non-literal, compiled as `0 - e` */
  | { k: "Neg"; e: Expr; loc: Loc }
  /** `obj.name` (may turn out to be `Enum.Variant` or `alias/Enum.Variant`) */
  | { k: "Field"; obj: Expr; name: string; loc: Loc }
  /** `obj[index]` == get(obj, index) */
  | { k: "Index"; obj: Expr; index: Expr; loc: Loc }
  /** `target = value`; target is Var, Field or Index */
  | { k: "Assign"; target: Expr; value: Expr; loc: Loc }
  /** `Name { a: 1, b, ...other }`, `E.V { f: 1 }`, `alias/Name {}` */
  | {
      k: "StructLit";
      ns: string | null;
      path: string[];
      fields: { name: string; value: Expr }[];
      spread: Expr | null;
      loc: Loc;
    }
  | { k: "If"; cond: Expr; then: Expr[]; else: Expr[] | null; loc: Loc }
  | { k: "While"; cond: Expr; body: Expr[]; loc: Loc }
  | { k: "For"; name: string; iter: Expr; body: Expr[]; loc: Loc }
  | { k: "Loop"; body: Expr[]; loc: Loc }
  | { k: "Break"; value: Expr | null; loc: Loc }
  | { k: "Continue"; loc: Loc }
  | { k: "Return"; value: Expr | null; loc: Loc }
  | { k: "Block"; body: Expr[]; loc: Loc }
  /** `let p = e` / `let mut x = e` inside a block; scope runs to the block's end. */
  | { k: "Let"; pat: Pattern; value: Expr; mut: boolean; loc: Loc }
  | FnExpr
  | { k: "Match"; subject: Expr; arms: { pat: Pattern; body: Expr[]; loc: Loc }[]; loc: Loc }
  | { k: "Throw"; value: Expr; loc: Loc }
  /**
   * `try { } catch (e) { }` / `catch (e, resume) { }`; our extension: `try { } finally { }` and
   * `try { } catch (e) { } finally { }` (`noCatch` when there is no catch).
   * `finallyCatch` marks the internal boundary that a finally compiles to.
   */
  | {
      k: "Try";
      body: Expr[];
      errName: string;
      resumeName: string | null;
      handler: Expr[];
      finalizer?: Expr[];
      noCatch?: boolean;
      finallyCatch?: boolean;
      loc: Loc;
    }
  | { k: "Perform"; value: Expr; loc: Loc }
  /** `handle proto(arg) with handler { body }`, e.g. `handle effect/Handler(E) with h { ... }` */
  | { k: "Handle"; proto: QualName; protoArg: QualName | null; handler: Expr; body: Expr[]; loc: Loc }
  | { k: "Reset"; body: Expr[]; loc: Loc }
  | { k: "Shift"; fn: Expr; loc: Loc }
  /** `binding (name = value) { body }` */
  | { k: "Binding"; name: QualName; value: Expr; body: Expr[]; loc: Loc }
  /** `future(expr)` */
  | { k: "Future"; e: Expr; loc: Loc };

// ---------------------------------------------------------------- top level

export interface StructField {
  name: string;
  default: Expr | null;
  mut: boolean;
  doc: string | null;
}

export interface ProtocolMember {
  name: string;
  /** One or more arities; `body` null for a stub without default. */
  arities: { params: Pattern[]; rest: Pattern | null; body: Expr[] | null; loc: Loc }[];
  doc: string | null;
  loc: Loc;
}

export type TopLevel =
  | { k: "Namespace"; name: string; loc: Loc }
  | { k: "Use"; ns: string; alias: string; loc: Loc }
  | { k: "StructDecl"; name: string; fields: StructField[]; doc: string | null; loc: Loc; span?: [number, number] }
  | {
      k: "EnumDecl";
      name: string;
      variants: { name: string; fields: StructField[] | null; doc: string | null }[];
      doc: string | null;
      loc: Loc;
      span?: [number, number];
    }
  | { k: "ProtocolDecl"; name: string; typeParams: string[]; members: ProtocolMember[]; doc: string | null; loc: Loc }
  /** `extend Type with Proto { fn ... }` / `extend Type with effect/Handler(E) { ... }` */
  | { k: "Extend"; type: QualName; proto: QualName; protoArg: QualName | null; methods: FnExpr[]; loc: Loc }
  | { k: "FnDecl"; fn: FnExpr; loc: Loc; span?: [number, number] }
  | { k: "TopLet"; pat: Pattern; value: Expr; loc: Loc; span?: [number, number] }
  | { k: "LetOnce"; name: string; value: Expr; loc: Loc }
  | { k: "LetDynamic"; name: string; value: Expr | null; loc: Loc; span?: [number, number] }
  | { k: "Test"; name: string; body: Expr[]; loc: Loc }
  /** Also `use` inside a function body is allowed upstream; the parser hoists those to Use. */
  | { k: "ExprStmt"; e: Expr; loc: Loc };

export interface Program {
  file: string;
  source: string;
  /** File directives seen in comments: "no-std", "Skip", ... */
  directives: string[];
  body: TopLevel[];
}
