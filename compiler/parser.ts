// The Beagle parser: tokens -> AST (compiler/ast.ts), by recursive descent with
// precedence climbing for binary operators. The surface rules (and the choices
// made where upstream is ambiguous) are written down in docs/syntax.md.

import type {
  BinaryOp,
  Expr,
  FnArity,
  FnExpr,
  Literal,
  Loc,
  Pattern,
  Program,
  ProtocolMember,
  QualName,
  StructField,
  TopLevel,
} from "./ast.ts";
import { BeagleSyntaxError } from "./diagnostics.ts";
import { lex, MAX_INT_61, spaceAfter, type InterpHole, type Token } from "./lexer.ts";

export interface ParseOptions {
  /** Aliases already known (e.g. from a REPL session) besides the file's own `use`s. */
  aliases?: Iterable<string>;
}

/** Parses a whole file. Throws BeagleSyntaxError on any syntax error. */
export function parseProgram(source: string, file: string, options?: ParseOptions): Program {
  let p: Parser | null = null;
  try {
    const { tokens, directives } = lex(source, file);
    p = new Parser(source, file, tokens, knownAliases(options), 0);
    const body = p.parseTopLevels();
    return { file, source, directives, body };
  } catch (e) {
    if (e instanceof BeagleSyntaxError) throw e;
    if (e instanceof RangeError) {
      const t = p ? p.peek() : null;
      throw new BeagleSyntaxError("program is nested too deeply", file, t ? t.line : 1, t ? t.col : 1);
    }
    throw e;
  }
}

/** Parses one expression (for `eval`-like uses); the whole source must be that expression. */
export function parseExpression(source: string, file: string, options?: ParseOptions): Expr {
  try {
    const { tokens } = lex(source, file);
    const p = new Parser(source, file, tokens, knownAliases(options), 0);
    const e = p.parseExpr(0, false);
    p.expectEof();
    return e;
  } catch (e) {
    if (e instanceof RangeError) throw new BeagleSyntaxError("expression is nested too deeply", file, 1, 1);
    throw e;
  }
}

/**
 * Names treated as namespace aliases even without a `use` in the file: the runtime
 * namespaces the prelude refers to. (`core/x`, `builtin/x`, `primitive/x`.)
 */
export const DEFAULT_ALIASES: readonly string[] = ["core", "builtin", "primitive"];

function knownAliases(options?: ParseOptions): Set<string> {
  const s = new Set<string>(DEFAULT_ALIASES);
  if (options?.aliases) for (const a of options.aliases) s.add(a);
  return s;
}

// Words that can never be a variable name. (`shift`, `perform`, `handle`, `future`,
// `reset`, `test`, `dynamic`, `in`, `with`, `as` are contextual.)
const RESERVED = new Set([
  "fn",
  "loop",
  "while",
  "break",
  "continue",
  "return",
  "if",
  "else",
  "true",
  "false",
  "null",
  "let",
  "letonce",
  "binding",
  "mut",
  "struct",
  "enum",
  "namespace",
  "protocol",
  "extend",
  "try",
  "catch",
  "throw",
  "match",
  "_",
  "for",
  "use",
]);

// Binary operators: precedence (higher binds tighter). All left-associative except `=`.
const BINARY_PREC: Record<string, number> = {
  "=": 1,
  "|>": 5,
  "|>>": 5,
  "||": 10,
  "&&": 20,
  "==": 30,
  "!=": 30,
  "<": 30,
  "<=": 30,
  ">": 30,
  ">=": 30,
  "+": 40,
  "-": 40,
  "++": 40,
  "*": 50,
  "/": 50,
  "%": 50,
  "|": 60,
  "^": 70,
  "&": 80,
  "<<": 90,
  ">>": 90,
  ">>>": 90,
};
const PREFIX_PREC = 99;
/** Minimum precedence for conditions and similar heads: everything but assignment. */
const NO_ASSIGN = 2;
const MAX_DEPTH = 400;
/**
 * Deepest expression tree the later passes may walk (they recurse): nesting levels plus the
 * operators of left-leaning chains (`1 + 1 + ...` is one level deeper per `+`).
 */
const MAX_TREE_HEIGHT = 4000;

function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

class Parser {
  private i = 0;
  /** operators of the left-leaning chains the expression being parsed sits in */
  private height = 0;
  /** `use` forms met inside bodies, hoisted before the current top-level item. */
  private hoisted: TopLevel[] = [];

  constructor(
    private readonly source: string,
    private readonly file: string,
    private readonly toks: Token[],
    private readonly aliases: Set<string>,
    private depth: number,
  ) {}

  // ------------------------------------------------------------ token helpers

  peek(o = 0): Token {
    const j = this.i + o;
    return j < this.toks.length ? this.toks[j]! : this.toks[this.toks.length - 1]!;
  }
  private next(): Token {
    const t = this.toks[this.i]!;
    if (t.k !== "eof") this.i++;
    return t;
  }
  private at(k: string): boolean {
    return this.toks[this.i]!.k === k;
  }
  private atWord(w: string): boolean {
    const t = this.toks[this.i]!;
    return t.k === "id" && t.v === w;
  }
  private loc(t: Token): Loc {
    return { line: t.line, col: t.col };
  }
  private fail(msg: string, t: Token = this.peek()): never {
    throw new BeagleSyntaxError(msg, this.file, t.line, t.col);
  }
  private describe(t: Token): string {
    switch (t.k) {
      case "eof":
        return "end of input";
      case "id":
        return RESERVED.has(t.v) ? `keyword '${t.v}'` : `'${t.v}'`;
      case "int":
      case "float":
        return `number ${this.source.slice(t.start, t.end)}`;
      case "str":
      case "istr":
        return "string";
      case "kw":
        return `keyword :${t.v}`;
      default:
        return `'${t.k}'`;
    }
  }
  private expected(what: string, t: Token = this.peek()): never {
    this.fail(`expected ${what}, found ${this.describe(t)}`, t);
  }
  private expect(k: string, what = `'${k}'`): Token {
    if (!this.at(k)) this.expected(what);
    return this.next();
  }
  private expectWord(w: string): Token {
    if (!this.atWord(w)) this.expected(`'${w}'`);
    return this.next();
  }
  expectEof(): void {
    if (!this.at("eof")) this.expected("end of input");
  }
  /** An identifier that is not a reserved word. */
  private expectName(what: string): Token {
    const t = this.peek();
    if (t.k !== "id" || RESERVED.has(t.v)) this.expected(what);
    return this.next();
  }
  /** Any word (reserved words allowed), e.g. after `.` or as a struct field name. */
  private expectAnyWord(what: string): Token {
    if (!this.at("id")) this.expected(what);
    return this.next();
  }
  /** `x:1` lexes as the name `x` then the keyword `:1`; say so instead of a puzzling error. */
  private checkGluedColon(): void {
    const t = this.peek();
    if (t.k === "kw" && !t.sp) {
      this.fail(`missing space after ':' (':${t.v}' reads as a keyword); write ': ${t.v}'`, t);
    }
  }
  private skipSeparators(): void {
    while (this.at(";") || this.at(",")) this.next();
  }
  private enter(): void {
    if (++this.depth > MAX_DEPTH) this.fail("expression is nested too deeply");
  }

  /** Splits `alias/name` at the first '/'; a name without '/' has ns null. */
  private qualName(text: string): QualName {
    const k = text.indexOf("/");
    if (k < 0) return { ns: null, name: text };
    return { ns: text.slice(0, k), name: text.slice(k + 1) };
  }

  // ------------------------------------------------------------ top level

  parseTopLevels(): TopLevel[] {
    const out: TopLevel[] = [];
    for (;;) {
      this.skipSeparators();
      if (this.at("eof")) break;
      const first = this.peek();
      const item = this.parseTopLevel();
      // where a definition's text is, for beagle.reflect/source and location
      if (
        item &&
        (item.k === "FnDecl" ||
          item.k === "StructDecl" ||
          item.k === "EnumDecl" ||
          item.k === "TopLet" ||
          item.k === "LetDynamic")
      )
        item.span = [first.start, this.toks[this.i - 1]!.end];
      if (this.hoisted.length > 0) {
        for (const u of this.hoisted) out.push(u);
        this.hoisted = [];
      }
      if (item) out.push(item);
    }
    return out;
  }

  private parseTopLevel(): TopLevel | null {
    const t = this.peek();
    if (t.k === "id") {
      switch (t.v) {
        case "namespace": {
          this.next();
          const name = this.parseDottedName("a namespace name");
          return { k: "Namespace", name, loc: this.loc(t) };
        }
        case "use":
          this.next();
          return this.parseUseRest(t);
        case "struct":
          return this.parseStruct();
        case "enum":
          return this.parseEnum();
        case "protocol":
          return this.parseProtocol();
        case "extend":
          return this.parseExtend();
        case "fn": {
          const n = this.peek(1);
          if (n.k === "id" && !RESERVED.has(n.v)) {
            const fn = this.parseFn(this.next());
            return { k: "FnDecl", fn, loc: this.loc(t) };
          }
          break;
        }
        case "let": {
          const n = this.peek(1);
          if (n.k === "id" && n.v === "mut")
            this.fail("'let mut' is not allowed at top level (use an atom for shared mutable state)", n);
          if (n.k === "id" && n.v === "dynamic" && this.peek(2).k === "id") {
            this.next();
            this.next();
            const name = this.expectName("a dynamic variable name");
            let value: Expr | null = null;
            if (this.at("=")) {
              this.next();
              value = this.parseExpr(0, false);
            }
            return { k: "LetDynamic", name: name.v, value, loc: this.loc(t) };
          }
          this.next();
          const pat = this.parsePattern();
          this.expect("=", "'=' after the let pattern");
          const value = this.parseExpr(0, false);
          return { k: "TopLet", pat, value, loc: this.loc(t) };
        }
        case "letonce": {
          this.next();
          const name = this.expectName("a name after 'letonce'");
          this.expect("=", "'=' after the letonce name");
          const value = this.parseExpr(0, false);
          return { k: "LetOnce", name: name.v, value, loc: this.loc(t) };
        }
        case "test": {
          const n = this.peek(1);
          if (n.k === "str" || n.k === "istr") {
            this.next();
            if (n.k === "istr") this.fail("a test name must be a plain string without interpolation", n);
            this.next();
            const body = this.parseBlock("'{' to start the test body");
            return { k: "Test", name: n.v, body, loc: this.loc(t) };
          }
          break;
        }
      }
    }
    const e = this.parseExpr(0, false);
    return { k: "ExprStmt", e, loc: e.loc };
  }

  /** `a.b-c`: identifiers joined by dots with no spaces between. */
  private parseDottedName(what: string): string {
    const first = this.peek();
    if (first.k !== "id" || first.nl) this.expected(what);
    this.next();
    let name = first.v as string;
    while (this.at(".") && !this.peek().sp && this.peek(1).k === "id" && !this.peek(1).sp) {
      this.next();
      name += "." + this.next().v;
    }
    return name;
  }

  private parseUseRest(t: Token): TopLevel {
    const ns = this.parseDottedName("a namespace name after 'use'");
    this.expectWord("as");
    const alias = this.expectName("an alias name after 'as'");
    if (alias.v.includes("/")) this.fail("an alias cannot contain '/'", alias);
    this.aliases.add(alias.v);
    return { k: "Use", ns, alias: alias.v, loc: this.loc(t) };
  }

  // ------------------------------------------------------------ declarations

  private parseStruct(): TopLevel {
    const t = this.next();
    const name = this.expectName("a struct name");
    const fields = this.parseFieldDecls(`'{' after struct ${name.v}`);
    return { k: "StructDecl", name: name.v, fields, doc: t.doc, loc: this.loc(t) };
  }

  /** `{ a  b: default  mut c, /// doc \n d }` */
  private parseFieldDecls(what: string): StructField[] {
    this.expect("{", what);
    const fields: StructField[] = [];
    for (;;) {
      this.skipSeparators();
      if (this.at("}")) break;
      const first = this.peek();
      let mut = false;
      if (this.atWord("mut") && this.peek(1).k === "id") {
        this.next();
        mut = true;
      }
      const name = this.expectAnyWord("a field name or '}'");
      this.checkGluedColon();
      let def: Expr | null = null;
      if (this.at(":")) {
        this.next();
        def = this.parseExpr(0, false);
      }
      fields.push({ name: name.v, default: def, mut, doc: first.doc });
    }
    this.next();
    return fields;
  }

  private parseEnum(): TopLevel {
    const t = this.next();
    const name = this.expectName("an enum name");
    this.expect("{", `'{' after enum ${name.v}`);
    const variants: { name: string; fields: StructField[] | null; doc: string | null }[] = [];
    for (;;) {
      this.skipSeparators();
      if (this.at("}")) break;
      const v = this.expectAnyWord("a variant name or '}'");
      let fields: StructField[] | null = null;
      if (this.at("{")) fields = this.parseFieldDecls("'{'");
      variants.push({ name: v.v, fields, doc: v.doc });
    }
    this.next();
    return { k: "EnumDecl", name: name.v, variants, doc: t.doc, loc: this.loc(t) };
  }

  private parseProtocol(): TopLevel {
    const t = this.next();
    const name = this.expectName("a protocol name");
    const typeParams: string[] = [];
    if (this.at("(")) {
      this.next();
      for (;;) {
        if (this.at(")")) break;
        typeParams.push(this.expectName("a type parameter name").v);
        if (this.at(",")) this.next();
        else if (!this.at(")")) this.expected("',' or ')'");
      }
      this.next();
    }
    this.expect("{", `'{' after protocol ${name.v}`);
    const members: ProtocolMember[] = [];
    for (;;) {
      this.skipSeparators();
      if (this.at("}")) break;
      const fnTok = this.peek();
      if (!this.atWord("fn")) this.expected("'fn' (a protocol member) or '}'");
      this.next();
      const mname = this.expectAnyWord("a protocol member name");
      const arities: ProtocolMember["arities"] = [];
      if (this.at("{")) {
        this.next();
        for (;;) {
          this.skipSeparators();
          if (this.at("}")) break;
          const open = this.peek();
          const { params, rest } = this.parseParams();
          let body: Expr[] | null = null;
          if (this.at("=>")) {
            this.next();
            body = this.parseArmBody();
          }
          arities.push({ params, rest, body, loc: this.loc(open) });
        }
        this.next();
      } else {
        const open = this.peek();
        const { params, rest } = this.parseParams();
        const body = this.at("{") ? this.parseBlock("'{'") : null;
        arities.push({ params, rest, body, loc: this.loc(open) });
      }
      members.push({ name: mname.v, arities, doc: fnTok.doc, loc: this.loc(fnTok) });
    }
    this.next();
    return { k: "ProtocolDecl", name: name.v, typeParams, members, doc: t.doc, loc: this.loc(t) };
  }

  private parseExtend(): TopLevel {
    const t = this.next();
    const ty = this.expectName("a type name after 'extend'");
    this.expectWord("with");
    const proto = this.expectName("a protocol name after 'with'");
    let protoArg: QualName | null = null;
    if (this.at("(") && !this.peek().nl) {
      this.next();
      protoArg = this.qualName(this.expectName("a type argument").v);
      this.expect(")", "')' after the protocol argument");
    }
    this.expect("{", "'{' to start the extend body");
    const methods: FnExpr[] = [];
    for (;;) {
      this.skipSeparators();
      if (this.at("}")) break;
      if (!this.atWord("fn")) this.expected("'fn' (a method) or '}'");
      const fnTok = this.next();
      if (this.peek().k !== "id") this.expected("a method name");
      methods.push(this.parseFn(fnTok));
    }
    this.next();
    return {
      k: "Extend",
      type: this.qualName(ty.v),
      proto: this.qualName(proto.v),
      protoArg,
      methods,
      loc: this.loc(t),
    };
  }

  // ------------------------------------------------------------ functions

  /** After `fn`: `name? (params) { body }` or `name? { (params) => body ... }`. */
  private parseFn(fnTok: Token): FnExpr {
    let name: string | null = null;
    const n = this.peek();
    if (n.k === "id") {
      if (RESERVED.has(n.v)) this.expected("a function name or '('");
      name = this.next().v;
    }
    if (this.at("{")) {
      this.next();
      const arities: FnArity[] = [];
      for (;;) {
        this.skipSeparators();
        if (this.at("}")) break;
        const open = this.peek();
        if (!this.at("(")) this.expected("'(' to start a function arm or '}'");
        const { params, rest } = this.parseParams();
        this.expect("=>", "'=>' after the arm's parameters");
        const body = this.parseArmBody();
        arities.push({ params, rest, body, loc: this.loc(open) });
      }
      this.next();
      return { k: "Fn", name, arities, multi: true, doc: fnTok.doc, loc: this.loc(fnTok) };
    }
    const open = this.peek();
    if (!this.at("(")) this.expected(name === null ? "'(' or a function name after 'fn'" : `'(' after fn ${name}`);
    const { params, rest } = this.parseParams();
    const body = this.parseBlock("'{' to start the function body");
    return {
      k: "Fn",
      name,
      arities: [{ params, rest, body, loc: this.loc(open) }],
      multi: false,
      doc: fnTok.doc,
      loc: this.loc(fnTok),
    };
  }

  /** `(a, [b, c], ...rest)` */
  private parseParams(): { params: Pattern[]; rest: Pattern | null } {
    this.expect("(", "'('");
    const params: Pattern[] = [];
    let rest: Pattern | null = null;
    for (;;) {
      if (this.at(")")) break;
      if (rest !== null) this.fail("the rest parameter must be last");
      if (this.at("...")) {
        this.next();
        rest = this.parsePattern();
      } else {
        params.push(this.parsePattern());
      }
      if (this.at(",")) this.next();
      else if (!this.at(")")) this.expected("',' or ')' in the parameter list");
    }
    this.next();
    return { params, rest };
  }

  /** The body after `=>`: a block, or a single expression. */
  private parseArmBody(): Expr[] {
    if (this.at("{")) return this.parseBlock("'{'");
    return [this.parseExpr(0, false)];
  }

  /** `{ stmt* }` */
  private parseBlock(what: string): Expr[] {
    const open = this.peek();
    if (!this.at("{")) this.expected(what);
    this.next();
    this.enter();
    const body: Expr[] = [];
    for (;;) {
      while (this.at(";")) this.next();
      if (this.at("}")) break;
      if (this.at("eof")) this.fail(`expected '}' to close the block opened at line ${open.line}, found end of input`);
      const s = this.parseStatement();
      if (s) body.push(s);
    }
    this.next();
    this.depth--;
    return body;
  }

  private parseStatement(): Expr | null {
    const t = this.peek();
    if (t.k === "id") {
      switch (t.v) {
        case "use":
          this.next();
          this.hoisted.push(this.parseUseRest(t));
          return null;
        case "struct":
        case "enum":
        case "protocol":
        case "extend":
        case "namespace":
        case "letonce":
          return this.fail(`'${t.v}' is only allowed at top level`, t);
        case "let":
          if (this.peek(1).k === "id" && this.peek(1).v === "dynamic" && this.peek(2).k === "id") {
            this.fail("'let dynamic' is only allowed at top level", t);
          }
      }
    }
    return this.parseExpr(0, false);
  }

  // ------------------------------------------------------------ expressions

  /**
   * Precedence climbing. `noStruct` forbids `Name { ... }` struct literals, used in
   * the heads of `if`, `while`, `for`, `match` and `handle ... with h` so that their
   * `{` starts the body.
   */
  parseExpr(minPrec: number, noStruct: boolean): Expr {
    this.enter();
    const height0 = this.height;
    let lhs = this.parseUnary(noStruct);
    for (;;) {
      const t = this.peek();
      const prec = BINARY_PREC[t.k];
      if (prec === undefined || prec < minPrec) break;
      // `a -1` / `a -b`: a '-' glued to what follows but spaced from what precedes
      // starts a new expression rather than a subtraction.
      if (t.k === "-" && t.sp && !spaceAfter(this.source, t)) break;
      if (++this.height + this.depth > MAX_TREE_HEIGHT)
        this.fail(`expression is too deep (more than ${MAX_TREE_HEIGHT} levels of operators and nesting)`, t);
      this.next();
      const rhs = this.parseExpr(t.k === "=" ? prec : prec + 1, noStruct);
      lhs = this.combine(t, lhs, rhs);
    }
    this.height = height0;
    this.depth--;
    return lhs;
  }

  private combine(op: Token, l: Expr, r: Expr): Expr {
    const loc = l.loc;
    switch (op.k) {
      case "&&":
        return { k: "And", l, r, loc };
      case "||":
        return { k: "Or", l, r, loc };
      case "=":
        if (l.k !== "Var" && l.k !== "Field" && l.k !== "Index") {
          this.fail("invalid assignment target: expected a variable, field or index on the left of '='", op);
        }
        return { k: "Assign", target: l, value: r, loc };
      case "|>":
      case "|>>": {
        if (r.k === "Call") {
          const args = op.k === "|>" ? [l, ...r.args] : [...r.args, l];
          return { k: "Call", fn: r.fn, args, loc };
        }
        if (r.k === "Var" || r.k === "Field" || r.k === "Fn") return { k: "Call", fn: r, args: [l], loc };
        return this.fail(`the right side of '${op.k}' must be a function call or a function name`, op);
      }
      default:
        return { k: "Binary", op: op.k as BinaryOp, l, r, loc };
    }
  }

  private parseUnary(noStruct: boolean): Expr {
    const t = this.peek();
    if (t.k === "!") {
      this.next();
      const e = this.parseExpr(PREFIX_PREC, noStruct);
      return { k: "Not", e, loc: this.loc(t) };
    }
    if (t.k === "-") {
      this.next();
      const e = this.parseExpr(PREFIX_PREC, noStruct);
      return { k: "Neg", e, loc: this.loc(t) };
    }
    return this.parsePostfix(this.parsePrimary(noStruct), noStruct);
  }

  private parsePostfix(e: Expr, noStruct: boolean): Expr {
    for (;;) {
      const t = this.peek();
      if (t.nl) return e;
      switch (t.k) {
        case ".": {
          this.next();
          const name = this.expectAnyWord("a field name after '.'");
          if (name.sp) this.fail("expected a field name right after '.'", name);
          e = { k: "Field", obj: e, name: name.v, loc: e.loc };
          continue;
        }
        case "(": {
          if (t.sp) return e;
          this.next();
          const args = this.parseList(")", "')' to close the argument list", true);
          e = { k: "Call", fn: e, args, loc: e.loc };
          continue;
        }
        case "[": {
          if (t.sp) return e;
          this.next();
          const index = this.parseExpr(0, false);
          this.expect("]", "']' after the index");
          e = { k: "Index", obj: e, index, loc: e.loc };
          continue;
        }
        case "{": {
          const path = this.structPath(e);
          if (!path) return e;
          if (noStruct && !this.braceGroupFollowedByBrace()) return e;
          this.next();
          e = this.parseStructLitRest(path.ns, path.path, e.loc);
          continue;
        }
        default:
          return e;
      }
    }
  }

  /**
   * In a head where `{` starts the body (`if c {`), `Name { ... }` is still a struct
   * literal when its closing `}` is directly followed by another `{` on the same line:
   * `handle H(E) with Handler {} { body }`, `if p == P { x: 1 } { ... }`.
   */
  private braceGroupFollowedByBrace(): boolean {
    let depth = 0;
    for (let j = this.i; j < this.toks.length; j++) {
      const k = this.toks[j]!.k;
      if (k === "{" || k === "#{") depth++;
      else if (k === "}") {
        if (--depth === 0) {
          const n = this.toks[j + 1];
          return n !== undefined && n.k === "{" && !n.nl;
        }
      } else if (k === "eof") return false;
    }
    return false;
  }

  /** `Name`, `E.V`, `alias/Name`, `alias/E.V` -> the struct literal's type path, else null. */
  private structPath(e: Expr): { ns: string | null; path: string[] } | null {
    const path: string[] = [];
    let cur = e;
    while (cur.k === "Field") {
      path.unshift(cur.name);
      cur = cur.obj;
    }
    if (cur.k !== "Var") return null;
    path.unshift(cur.name.name);
    return { ns: cur.name.ns, path };
  }

  /** After `Name {`: `a: 1, b, ...other }` */
  private parseStructLitRest(ns: string | null, path: string[], loc: Loc): Expr {
    const fields: { name: string; value: Expr }[] = [];
    let spread: Expr | null = null;
    for (;;) {
      this.skipSeparators();
      if (this.at("}")) break;
      if (this.at("...")) {
        const dots = this.next();
        if (spread !== null) this.fail("only one '...' spread is allowed in a struct literal", dots);
        spread = this.parseExpr(0, false);
        continue;
      }
      const name = this.expectAnyWord("a field name, '...' or '}' in the struct literal");
      this.checkGluedColon();
      if (this.at(":")) {
        this.next();
        fields.push({ name: name.v, value: this.parseExpr(0, false) });
      } else {
        if (RESERVED.has(name.v)) this.fail(`expected ':' after field '${name.v}'`, this.peek());
        fields.push({ name: name.v, value: this.nameExpr(name) });
      }
    }
    this.next();
    return { k: "StructLit", ns, path, fields, spread, loc };
  }

  /** Comma-separated expressions up to `close` (trailing comma allowed). */
  private parseList(close: string, what: string, commasRequired: boolean): Expr[] {
    const items: Expr[] = [];
    for (;;) {
      if (this.at(close)) break;
      items.push(this.parseExpr(0, false));
      if (this.at(",")) this.next();
      else if (this.at(close)) break;
      else if (commasRequired || this.at("eof")) this.expected(`',' or ${what}`);
    }
    this.next();
    return items;
  }

  private parsePrimary(noStruct: boolean): Expr {
    const t = this.peek();
    switch (t.k) {
      case "int":
        this.next();
        return { k: "Lit", value: { k: "Int", v: t.v }, loc: this.loc(t) };
      case "float":
        this.next();
        return { k: "Lit", value: { k: "Float", v: t.v }, loc: this.loc(t) };
      case "str":
        this.next();
        return { k: "Lit", value: { k: "Str", v: t.v }, loc: this.loc(t) };
      case "istr":
        this.next();
        return this.parseInterp(t);
      case "kw":
        this.next();
        return { k: "Lit", value: { k: "Keyword", v: t.v }, loc: this.loc(t) };
      case "(": {
        this.next();
        const e = this.parseExpr(0, false);
        this.expect(")", "')'");
        return e;
      }
      case "[": {
        this.next();
        const items = this.parseList("]", "']' to close the vector", false);
        return { k: "Vec", items, loc: this.loc(t) };
      }
      case "#{": {
        this.next();
        const items = this.parseList("}", "'}' to close the set", false);
        return { k: "SetLit", items, loc: this.loc(t) };
      }
      case "{":
        return this.parseMapLit();
      case "id":
        return this.parseWordExpr(t, noStruct);
      case "eof":
        return this.expected("an expression");
      default:
        this.expected("an expression");
    }
  }

  /** `{k v, k v}`: keys and values separated by whitespace, commas between pairs optional. */
  private parseMapLit(): Expr {
    const t = this.next();
    const entries: [Expr, Expr][] = [];
    for (;;) {
      while (this.at(",")) this.next();
      if (this.at("}")) break;
      if (this.at("eof")) this.expected("'}' to close the map literal");
      const key = this.parseExpr(0, false);
      if (this.at("}") || this.at(",")) this.expected("a value after the map key");
      const value = this.parseExpr(0, false);
      entries.push([key, value]);
    }
    this.next();
    return { k: "MapLit", entries, loc: this.loc(t) };
  }

  private parseInterp(t: Token): Expr {
    const parts: (string | Expr)[] = [];
    for (const p of t.parts!) {
      if (typeof p === "string") parts.push(p);
      else parts.push(this.parseHole(p));
    }
    return { k: "Interp", parts, loc: this.loc(t) };
  }

  private parseHole(h: InterpHole): Expr {
    const { tokens } = lex(this.source, this.file, h.start, h.end, h.line, h.col);
    const sub = new Parser(this.source, this.file, tokens, this.aliases, this.depth + 1);
    if (sub.at("eof")) sub.fail("expected an expression inside '${}'");
    const e = sub.parseExpr(0, false);
    if (!sub.at("eof")) sub.expected("'}' to end the interpolation");
    return e;
  }

  /** An identifier in expression position: a name, a literal word, or a keyword form. */
  private parseWordExpr(t: Token, noStruct: boolean): Expr {
    const w = t.v as string;
    const n = this.peek(1);
    switch (w) {
      case "true":
        this.next();
        return { k: "Lit", value: { k: "Bool", v: true }, loc: this.loc(t) };
      case "false":
        this.next();
        return { k: "Lit", value: { k: "Bool", v: false }, loc: this.loc(t) };
      case "null":
        this.next();
        return { k: "Lit", value: { k: "Null" }, loc: this.loc(t) };
      case "fn":
        this.next();
        return this.parseFn(t);
      case "if":
        this.next();
        return this.parseIfRest(t);
      case "while": {
        this.next();
        const cond = this.parseExpr(NO_ASSIGN, true);
        const body = this.parseBlock("'{' to start the while body");
        return { k: "While", cond, body, loc: this.loc(t) };
      }
      case "for": {
        this.next();
        const name = this.expectName("a loop variable name after 'for'");
        this.expectWord("in");
        const iter = this.parseExpr(NO_ASSIGN, true);
        const body = this.parseBlock("'{' to start the for body");
        return { k: "For", name: name.v, iter, body, loc: this.loc(t) };
      }
      case "loop": {
        this.next();
        const body = this.parseBlock("'{' after 'loop'");
        return { k: "Loop", body, loc: this.loc(t) };
      }
      case "break":
      case "return": {
        this.next();
        this.expect("(", `'(' after '${w}' (${w} is written ${w}(value) or ${w}())`);
        let value: Expr | null = null;
        if (!this.at(")")) value = this.parseExpr(0, false);
        this.expect(")", `')' to close ${w}(...)`);
        return w === "break" ? { k: "Break", value, loc: this.loc(t) } : { k: "Return", value, loc: this.loc(t) };
      }
      case "continue":
        this.next();
        this.expect("(", "'(' after 'continue' (continue is written continue())");
        this.expect(")", "')' (continue takes no arguments)");
        return { k: "Continue", loc: this.loc(t) };
      case "throw": {
        this.next();
        this.expect("(", "'(' after 'throw' (throw is written throw(value))");
        const value = this.parseExpr(0, false);
        this.expect(")", "')' to close throw(...)");
        return { k: "Throw", value, loc: this.loc(t) };
      }
      case "match":
        return this.parseMatch();
      case "try":
        return this.parseTry();
      case "let":
        return this.parseLet();
      case "binding": {
        this.next();
        this.expect("(", "'(' after 'binding'");
        const name = this.expectName("a dynamic variable name");
        this.expect("=", "'=' in binding (name = value)");
        const value = this.parseExpr(0, false);
        this.expect(")", "')' to close binding (...)");
        const body = this.parseBlock("'{' to start the binding body");
        return { k: "Binding", name: this.qualName(name.v), value, body, loc: this.loc(t) };
      }
      case "reset":
        if (n.k === "{") {
          this.next();
          const body = this.parseBlock("'{'");
          return { k: "Reset", body, loc: this.loc(t) };
        }
        break;
      case "shift":
        if (n.k === "(" && !n.sp) {
          this.next();
          this.next();
          const fn = this.parseExpr(0, false);
          this.expect(")", "')' to close shift(...)");
          return { k: "Shift", fn, loc: this.loc(t) };
        }
        break;
      case "future":
        if (n.k === "(" && !n.sp) {
          this.next();
          this.next();
          const e = this.parseExpr(0, false);
          this.expect(")", "')' to close future(...)");
          return { k: "Future", e, loc: this.loc(t) };
        }
        break;
      case "perform":
        // `perform(expr)` is `perform (expr)`, as upstream parses it
        if ((n.sp || n.k === "(") && !n.nl && this.startsOperand(n)) {
          this.next();
          const value = this.parseExpr(NO_ASSIGN, noStruct);
          return { k: "Perform", value, loc: this.loc(t) };
        }
        break;
      case "handle":
        if (n.k === "id" && n.sp && !n.nl && !RESERVED.has(n.v)) return this.parseHandle();
        break;
      case "use":
        return this.fail("'use' must be a statement of its own", t);
      case "_":
        return this.fail("'_' can only be used in patterns", t);
      default:
        if (RESERVED.has(w)) this.expected("an expression", t);
    }
    this.next();
    return this.nameExpr(t);
  }

  /** Can this token start an operand (used for the contextual `perform`)? */
  private startsOperand(t: Token): boolean {
    switch (t.k) {
      case "id":
        return t.v !== "else" && t.v !== "catch";
      case "int":
      case "float":
      case "str":
      case "istr":
      case "kw":
      case "(":
      case "[":
      case "{":
      case "#{":
      case "!":
        return true;
      default:
        return false;
    }
  }

  /**
   * A name token as an expression. A name containing '/' is `alias/name` when the
   * part before the first '/' is a `use` alias of this file; otherwise the '/'s are
   * divisions (`total/n`, `a/b/c` = `(a/b)/c`).
   */
  private nameExpr(t: Token): Expr {
    const text = t.v as string;
    const k = text.indexOf("/");
    if (k < 0) return { k: "Var", name: { ns: null, name: text }, loc: this.loc(t) };
    const segs = text.split("/");
    let offset = 0;
    let e: Expr;
    let s = 0;
    if (this.aliases.has(segs[0]!)) {
      e = { k: "Var", name: { ns: segs[0]!, name: segs[1]! }, loc: this.loc(t) };
      offset = segs[0]!.length + 1 + segs[1]!.length + 1;
      s = 2;
    } else {
      e = this.segmentOperand(t, segs[0]!, 0);
      offset = segs[0]!.length + 1;
      s = 1;
    }
    for (; s < segs.length; s++) {
      const seg = segs[s]!;
      const r = this.segmentOperand(t, seg, offset);
      e = { k: "Binary", op: "/", l: e, r, loc: e.loc };
      offset += seg.length + 1;
    }
    return e;
  }

  private segmentOperand(t: Token, seg: string, offset: number): Expr {
    const loc = { line: t.line, col: t.col + offset };
    if (seg.length === 0) throw new BeagleSyntaxError("expected an operand around '/'", this.file, loc.line, loc.col);
    const c = seg.charCodeAt(0);
    if (isDigitCode(c)) {
      if (!/^[0-9]+$/.test(seg))
        throw new BeagleSyntaxError(`invalid number literal '${seg}'`, this.file, loc.line, loc.col);
      const big = BigInt(seg);
      if (big > MAX_INT_61)
        throw new BeagleSyntaxError(`integer literal ${seg} does not fit in 61 bits`, this.file, loc.line, loc.col);
      const v = big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
      return { k: "Lit", value: { k: "Int", v }, loc };
    }
    if (RESERVED.has(seg))
      throw new BeagleSyntaxError(`unexpected keyword '${seg}' after '/'`, this.file, loc.line, loc.col);
    if (seg === "infinity") return { k: "Lit", value: { k: "Float", v: Infinity }, loc };
    return { k: "Var", name: { ns: null, name: seg }, loc };
  }

  private parseIfRest(t: Token): Expr {
    const cond = this.parseExpr(NO_ASSIGN, true);
    const then = this.parseBlock("'{' to start the if body");
    let els: Expr[] | null = null;
    if (this.atWord("else")) {
      this.next();
      if (this.atWord("if")) {
        const t2 = this.next();
        els = [this.parseIfRest(t2)];
      } else {
        els = this.parseBlock("'{' or 'if' after 'else'");
      }
    }
    return { k: "If", cond, then, else: els, loc: this.loc(t) };
  }

  private parseMatch(): Expr {
    const t = this.next();
    const subject = this.parseExpr(NO_ASSIGN, true);
    this.expect("{", "'{' after the match subject");
    const arms: { pat: Pattern; body: Expr[]; loc: Loc }[] = [];
    for (;;) {
      this.skipSeparators();
      if (this.at("}")) break;
      const first = this.peek();
      const pat = this.parsePattern();
      this.expect("=>", "'=>' after the match pattern");
      const body = this.parseArmBody();
      arms.push({ pat, body, loc: this.loc(first) });
    }
    this.next();
    return { k: "Match", subject, arms, loc: this.loc(t) };
  }

  private parseTry(): Expr {
    const t = this.next();
    const body = this.parseBlock("'{' after 'try'");
    // our extension: `try { } finally { }` (no catch)
    if (this.atWord("finally")) {
      this.next();
      const finalizer = this.parseBlock("'{' after 'finally'");
      return {
        k: "Try",
        body,
        errName: "_",
        resumeName: null,
        handler: [],
        finalizer,
        noCatch: true,
        loc: this.loc(t),
      };
    }
    this.expectWord("catch");
    this.expect("(", "'(' after 'catch'");
    const err = this.expectName("a name for the caught value");
    let resumeName: string | null = null;
    if (this.at(",")) {
      this.next();
      resumeName = this.expectName("a name for the resume function").v;
    }
    this.expect(")", "')' after the catch parameters");
    const handler = this.parseBlock("'{' to start the catch body");
    if (this.atWord("finally")) {
      this.next();
      const finalizer = this.parseBlock("'{' after 'finally'");
      return { k: "Try", body, errName: err.v, resumeName, handler, finalizer, loc: this.loc(t) };
    }
    return { k: "Try", body, errName: err.v, resumeName, handler, loc: this.loc(t) };
  }

  private parseLet(): Expr {
    const t = this.next();
    let mut = false;
    if (this.atWord("mut")) {
      this.next();
      mut = true;
    }
    const pat = this.parsePattern();
    this.expect("=", "'=' after the let pattern");
    const value = this.parseExpr(0, false);
    return { k: "Let", pat, value, mut, loc: this.loc(t) };
  }

  private parseHandle(): Expr {
    const t = this.next();
    const proto = this.qualName(this.next().v);
    let protoArg: QualName | null = null;
    if (this.at("(")) {
      this.next();
      protoArg = this.qualName(this.expectName("an effect type").v);
      this.expect(")", "')' after the effect type");
    }
    this.expectWord("with");
    const handler = this.parseExpr(NO_ASSIGN, true);
    const body = this.parseBlock("'{' to start the handle body");
    return { k: "Handle", proto, protoArg, handler, body, loc: this.loc(t) };
  }

  // ------------------------------------------------------------ patterns

  parsePattern(): Pattern {
    this.enter();
    const p = this.parsePatternInner();
    this.depth--;
    return p;
  }

  private parsePatternInner(): Pattern {
    const t = this.peek();
    const loc = this.loc(t);
    switch (t.k) {
      case "int":
        this.next();
        return { k: "PLit", value: { k: "Int", v: t.v }, loc };
      case "float":
        return this.fail("float literals cannot be used as patterns", t);
      case "str":
        this.next();
        return { k: "PLit", value: { k: "Str", v: t.v }, loc };
      case "istr":
        return this.fail("an interpolated string cannot be used as a pattern", t);
      case "kw":
        this.next();
        return { k: "PLit", value: { k: "Keyword", v: t.v }, loc };
      case "[": {
        this.next();
        const items: Pattern[] = [];
        let rest: Pattern | null = null;
        for (;;) {
          if (this.at("]")) break;
          if (rest !== null) this.fail("the '...' rest pattern must be last");
          if (this.at("...")) {
            this.next();
            rest = this.parsePattern();
          } else items.push(this.parsePattern());
          if (this.at(",")) this.next();
          else if (!this.at("]")) this.expected("',' or ']' in the vector pattern");
        }
        this.next();
        return { k: "PVec", items, rest, loc };
      }
      case "{": {
        this.next();
        const entries: { key: Literal; pat: Pattern }[] = [];
        for (;;) {
          this.skipSeparators();
          if (this.at("}")) break;
          const kt = this.peek();
          if (kt.k === "id" && !RESERVED.has(kt.v)) {
            this.next();
            this.checkGluedColon();
            let pat: Pattern;
            if (this.at(":")) {
              this.next();
              pat = this.parsePattern();
            } else pat = { k: "PBind", name: kt.v, loc: this.loc(kt) };
            entries.push({ key: { k: "Keyword", v: kt.v }, pat });
          } else if (kt.k === "str") {
            this.next();
            this.expect(":", "':' and a pattern after the string key");
            entries.push({ key: { k: "Str", v: kt.v }, pat: this.parsePattern() });
          } else if (kt.k === "kw") {
            this.next();
            if (this.at(":")) this.next();
            entries.push({ key: { k: "Keyword", v: kt.v }, pat: this.parsePattern() });
          } else this.expected("a field name, string key or '}' in the map pattern");
        }
        this.next();
        return { k: "PMap", entries, loc };
      }
      case "id": {
        const w = t.v as string;
        if (w === "_") {
          this.next();
          return { k: "PWild", loc };
        }
        if (w === "true" || w === "false") {
          this.next();
          return { k: "PLit", value: { k: "Bool", v: w === "true" }, loc };
        }
        if (w === "null") {
          this.next();
          return { k: "PLit", value: { k: "Null" }, loc };
        }
        if (RESERVED.has(w)) this.expected("a pattern");
        this.next();
        const q = this.qualName(w);
        const path = [q.name];
        while (this.at(".") && !this.peek().nl) {
          this.next();
          const part = this.expectAnyWord("a variant name after '.'");
          path.push(part.v);
        }
        if (this.at("{") && !this.peek().nl) {
          this.next();
          const fields: { name: string; pat: Pattern }[] = [];
          for (;;) {
            this.skipSeparators();
            if (this.at("}")) break;
            const f = this.expectAnyWord("a field name or '}' in the struct pattern");
            this.checkGluedColon();
            let pat: Pattern;
            if (this.at(":")) {
              this.next();
              pat = this.parsePattern();
            } else {
              if (RESERVED.has(f.v)) this.fail(`expected ':' after field '${f.v}'`);
              pat = { k: "PBind", name: f.v, loc: this.loc(f) };
            }
            fields.push({ name: f.v, pat });
          }
          this.next();
          return { k: "PStruct", ns: q.ns, path, fields, loc };
        }
        if (path.length > 1 || q.ns !== null) return { k: "PStruct", ns: q.ns, path, fields: null, loc };
        return { k: "PBind", name: w, loc };
      }
      default:
        this.expected("a pattern");
    }
  }
}
