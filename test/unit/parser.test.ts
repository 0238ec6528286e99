import { describe, expect, test } from "bun:test";
import { parseExpression, parseProgram } from "../../compiler/parser.ts";
import { BeagleSyntaxError } from "../../compiler/diagnostics.ts";
import type { Expr, Pattern, Program, TopLevel } from "../../compiler/ast.ts";

const prog = (src: string, aliases: string[] = []): Program => parseProgram(src, "t.bg", { aliases });
const tops = (src: string): TopLevel[] => prog(src).body;
/** The expressions of a one-function program body: `fn main() { <src> }`. */
const body = (src: string): Expr[] => {
  const p = prog(`fn main() {\n${src}\n}`);
  const f = p.body[p.body.length - 1]!;
  if (f.k !== "FnDecl") throw new Error("not a fn");
  return f.fn.arities[0]!.body;
};
const expr = (src: string, aliases: string[] = []): Expr => parseExpression(src, "t.bg", { aliases });

/** Narrow an AST node to kind `k`, failing the test when it is another kind. */
function kind<N extends { k: string }, K extends N["k"]>(n: N | string | undefined, k: K): Extract<N, { k: K }> {
  expect(typeof n === "object" ? n.k : n).toBe(k);
  return n as Extract<N, { k: K }>;
}

/** A compact S-expression rendering for structural assertions. */
function show(e: Expr | Pattern | null): string {
  if (e === null) return "nil";
  switch (e.k) {
    case "Lit": {
      const v = e.value;
      switch (v.k) {
        case "Int":
          return typeof v.v === "bigint" ? `${v.v}n` : String(v.v);
        case "Float":
          return Number.isInteger(v.v) ? v.v.toFixed(1) : String(v.v);
        case "Str":
          return JSON.stringify(v.v);
        case "Keyword":
          return ":" + v.v;
        case "Bool":
          return String(v.v);
        case "Null":
          return "null";
        default:
          return v satisfies never;
      }
    }
    case "Var":
      return e.name.ns ? `${e.name.ns}/${e.name.name}` : e.name.name;
    case "Interp":
      return `(str ${e.parts.map((p) => (typeof p === "string" ? JSON.stringify(p) : show(p))).join(" ")})`;
    case "Binary":
      return `(${e.op} ${show(e.l)} ${show(e.r)})`;
    case "And":
      return `(&& ${show(e.l)} ${show(e.r)})`;
    case "Or":
      return `(|| ${show(e.l)} ${show(e.r)})`;
    case "Not":
      return `(! ${show(e.e)})`;
    case "Neg":
      return `(neg ${show(e.e)})`;
    case "Call":
      return `(${[show(e.fn), ...e.args.map(show)].join(" ")})`;
    case "Field":
      return `(. ${show(e.obj)} ${e.name})`;
    case "Index":
      return `([] ${show(e.obj)} ${show(e.index)})`;
    case "Assign":
      return `(= ${show(e.target)} ${show(e.value)})`;
    case "Vec":
      return `[${e.items.map(show).join(" ")}]`;
    case "SetLit":
      return `#{${e.items.map(show).join(" ")}}`;
    case "MapLit":
      return `{${e.entries.map(([k, v]) => `${show(k)} ${show(v)}`).join(", ")}}`;
    case "StructLit":
      return `(new ${e.ns ? e.ns + "/" : ""}${e.path.join(".")}${e.spread ? " ..." + show(e.spread) : ""}${e.fields.map((f) => ` ${f.name}:${show(f.value)}`).join("")})`;
    case "If":
      return `(if ${show(e.cond)} ${blk(e.then)}${e.else ? " " + blk(e.else) : ""})`;
    case "While":
      return `(while ${show(e.cond)} ${blk(e.body)})`;
    case "For":
      return `(for ${e.name} ${show(e.iter)} ${blk(e.body)})`;
    case "Loop":
      return `(loop ${blk(e.body)})`;
    case "Break":
      return `(break ${show(e.value)})`;
    case "Continue":
      return "(continue)";
    case "Return":
      return `(return ${show(e.value)})`;
    case "Block":
      return blk(e.body);
    case "Let":
      return `(let${e.mut ? " mut" : ""} ${show(e.pat)} ${show(e.value)})`;
    case "Fn":
      return `(fn${e.name ? " " + e.name : ""}${e.arities.map((a) => ` (${[...a.params.map(show), ...(a.rest ? ["..." + show(a.rest)] : [])].join(" ")}) ${blk(a.body)}`).join("")})`;
    case "Match":
      return `(match ${show(e.subject)}${e.arms.map((a) => ` ${show(a.pat)} => ${blk(a.body)}`).join("")})`;
    case "Throw":
      return `(throw ${show(e.value)})`;
    case "Try":
      return `(try ${blk(e.body)} ${e.errName}${e.resumeName ? " " + e.resumeName : ""} ${blk(e.handler)})`;
    case "Perform":
      return `(perform ${show(e.value)})`;
    case "Handle":
      return `(handle ${q(e.proto)}${e.protoArg ? `(${q(e.protoArg)})` : ""} ${show(e.handler)} ${blk(e.body)})`;
    case "Reset":
      return `(reset ${blk(e.body)})`;
    case "Shift":
      return `(shift ${show(e.fn)})`;
    case "Binding":
      return `(binding ${q(e.name)} ${show(e.value)} ${blk(e.body)})`;
    case "Future":
      return `(future ${show(e.e)})`;
    case "PWild":
      return "_";
    case "PBind":
      return e.name;
    case "PLit":
      return show({ k: "Lit", value: e.value, loc: e.loc });
    case "PVec":
      return `[${[...e.items.map(show), ...(e.rest ? ["..." + show(e.rest)] : [])].join(" ")}]`;
    case "PMap":
      return `{${e.entries.map((en) => `${en.key.k === "Str" ? JSON.stringify(en.key.v) : en.key.k === "Keyword" ? ":" + en.key.v : en.key.k} ${show(en.pat)}`).join(", ")}}`;
    case "PStruct":
      return `${e.ns ? e.ns + "/" : ""}${e.path.join(".")}${e.fields === null ? "" : `{${e.fields.map((f) => `${f.name}:${show(f.pat)}`).join(" ")}}`}`;
  }
}
const blk = (b: Expr[]): string => `{${b.map(show).join("; ")}}`;
const q = (n: { ns: string | null; name: string }): string => (n.ns ? `${n.ns}/${n.name}` : n.name);
const s = (src: string, aliases: string[] = []): string => show(expr(src, aliases));

function syntaxError(src: string): BeagleSyntaxError {
  try {
    parseProgram(src, "t.bg");
  } catch (e) {
    if (!(e instanceof BeagleSyntaxError)) throw e;
    return e;
  }
  throw new Error(`expected a syntax error for ${JSON.stringify(src)}`);
}

// ---------------------------------------------------------------- expressions

describe("literals", () => {
  test("scalars", () => {
    expect(s("42")).toBe("42");
    expect(s("-5")).toBe("-5");
    expect(s("1.5")).toBe("1.5");
    expect(s("infinity")).toBe("Infinity");
    expect(s("-infinity")).toBe("-Infinity");
    expect(s("true")).toBe("true");
    expect(s("null")).toBe("null");
    expect(s(":kw")).toBe(":kw");
    expect(s('"plain"')).toBe('"plain"');
    expect(s("1152921504606846975")).toBe("1152921504606846975n");
  });
  test("interpolation", () => {
    expect(s('"a ${x} b ${f(1) + 2}!"')).toBe('(str "a " x " b " (+ (f 1) 2) "!")');
    expect(s('"${x}"')).toBe("(str x)");
    expect(s('"x is ${if x > 5 { "big" } else { "small" }}"')).toBe('(str "x is " (if (> x 5) {"big"} {"small"}))');
    expect(s('"${ "nested ${y}" }"')).toBe('(str (str "nested " y))');
  });
  test("interpolation locations point into the string", () => {
    const e = kind(expr('"ab ${x}"'), "Interp");
    expect(kind(e.parts[1], "Var").loc).toEqual({ line: 1, col: 7 });
    const e2 = kind(expr('"line1\n  ${ foo }"'), "Interp");
    expect(kind(e2.parts[1], "Var").loc).toEqual({ line: 2, col: 6 });
  });
  test("vectors, sets, maps", () => {
    expect(s("[1, 2, 3]")).toBe("[1 2 3]");
    expect(s("[]")).toBe("[]");
    expect(s("[1, 2,]")).toBe("[1 2]");
    expect(s("[:a :b]")).toBe("[:a :b]");
    expect(s("#{1, 2, 3}")).toBe("#{1 2 3}");
    expect(s("#{}")).toBe("#{}");
    expect(s("{}")).toBe("{}");
    expect(s("{:a 1 :b -2}")).toBe("{:a 1, :b -2}");
    expect(s('{:name "Alice", :age 30}')).toBe('{:name "Alice", :age 30}');
    expect(s('{"string-key" 1 123 "numeric-key"}')).toBe('{"string-key" 1, 123 "numeric-key"}');
    expect(s("{(1 + 2) (10 * 10)}")).toBe("{(+ 1 2) (* 10 10)}");
    expect(s("{:outer {:inner 42}}")).toBe("{:outer {:inner 42}}");
    expect(s("{:a [1, 2] :b f(x)}")).toBe("{:a [1 2], :b (f x)}");
    expect(s("{:k\n  x + 1\n :j 2}")).toBe("{:k (+ x 1), :j 2}");
  });
});

describe("operators and precedence", () => {
  test("arithmetic", () => {
    expect(s("1 + 2 * 3")).toBe("(+ 1 (* 2 3))");
    expect(s("(1 + 2) * 3")).toBe("(* (+ 1 2) 3)");
    expect(s("10 - 3 - 2")).toBe("(- (- 10 3) 2)");
    expect(s("a % b / c")).toBe("(/ (% a b) c)");
    expect(s('"a" ++ "b" ++ c')).toBe('(++ (++ "a" "b") c)');
  });
  test("bitwise binds tighter than arithmetic", () => {
    expect(s("1 + 2 << 3")).toBe("(+ 1 (<< 2 3))");
    expect(s("a & b == c")).toBe("(== (& a b) c)");
    expect(s("a * b | c")).toBe("(* a (| b c))");
    expect(s("a | b ^ c & d << e")).toBe("(| a (^ b (& c (<< d e))))");
    expect(s("x >>> 2 >> 1")).toBe("(>> (>>> x 2) 1)");
    expect(s("(index >>> level) & 31")).toBe("(& (>>> index level) 31)");
  });
  test("comparison, logic", () => {
    expect(s("a < b && c >= d || !e")).toBe("(|| (&& (< a b) (>= c d)) (! e))");
    expect(s("a == b != c")).toBe("(!= (== a b) c)");
    expect(s("a <= b")).toBe("(<= a b)");
    expect(s("!f(x)")).toBe("(! (f x))");
    expect(s("!!x")).toBe("(! (! x))");
  });
  test("unary minus", () => {
    expect(s("-x")).toBe("(neg x)");
    expect(s("-(1 + 2)")).toBe("(neg (+ 1 2))");
    expect(s("-x.y * 2")).toBe("(* (neg (. x y)) 2)");
    expect(s("- 5")).toBe("(neg 5)");
    expect(s("a - -1")).toBe("(- a -1)");
    expect(s("a - -b")).toBe("(- a (neg b))");
    expect(s("(a)-b")).toBe("(- a b)");
  });
  test("'-' needs spaces to be binary", () => {
    expect(s("a-b")).toBe("a-b");
    expect(body("a -1").map(show)).toEqual(["a", "-1"]);
    expect(body("a -b").map(show)).toEqual(["a", "(neg b)"]);
    expect(s("a - 1")).toBe("(- a 1)");
    expect(s("x < y")).toBe("(< x y)");
    expect(s("x<y")).toBe("x<y");
  });
  test("assignment is right-associative and lowest", () => {
    expect(s("a = b = c + 1")).toBe("(= a (= b (+ c 1)))");
    expect(s("p.x = 1")).toBe("(= (. p x) 1)");
    expect(s("v[0] = 1")).toBe("(= ([] v 0) 1)");
    expect(syntaxError("fn f() { 1 = 2 }").message).toContain("invalid assignment target");
  });
  test("pipes", () => {
    expect(s("x |> f(a)")).toBe("(f x a)");
    expect(s("x |>> f(a)")).toBe("(f a x)");
    expect(s("x |> f")).toBe("(f x)");
    expect(s("x |> f |> g(1)")).toBe("(g (f x) 1)");
    expect(s("[1, 2] |>> map(inc) |>> filter(odd?)")).toBe("(filter odd? (map inc [1 2]))");
    expect(s("a + 1 |> f")).toBe("(f (+ a 1))");
    expect(s("x |> s/f(1)", ["s"])).toBe("(s/f x 1)");
    expect(syntaxError("fn f() { x |> 1 }").message).toContain("must be a function call");
  });
  test("binary operators continue on the next line", () => {
    expect(body("[1, 2]\n  |>> map(f)\n  |>> reduce(g, 0)").map(show)).toEqual(["(reduce g 0 (map f [1 2]))"]);
    expect(body("a +\n b").map(show)).toEqual(["(+ a b)"]);
    expect(body("a\n + b").map(show)).toEqual(["(+ a b)"]);
    expect(body("a\n-1").map(show)).toEqual(["a", "-1"]);
    expect(body("f\n(x)").map(show)).toEqual(["f", "x"]);
  });
});

describe("division vs qualified names", () => {
  test("a/b is division unless a is an alias", () => {
    expect(s("total/n")).toBe("(/ total n)");
    expect(s("a/b/c")).toBe("(/ (/ a b) c)");
    expect(s("n/2")).toBe("(/ n 2)");
    expect(s("s/f", ["s"])).toBe("s/f");
    expect(s("s/f/2", ["s"])).toBe("(/ s/f 2)");
    expect(s("core/PersistentVector")).toBe("core/PersistentVector");
  });
  test("use declares aliases for later names, also inside functions", () => {
    const p = prog("use beagle.async as async\nlet x = async/spawn(f)\nlet y = other/n");
    expect(show(kind(p.body[1], "TopLet").value)).toBe("(async/spawn f)");
    expect(show(kind(p.body[2], "TopLet").value)).toBe("(/ other n)");
    const p2 = prog("fn f() {\n  use beagle.async as a\n  a/x\n}\nlet z = a/y");
    expect(p2.body.map((t) => t.k)).toEqual(["Use", "FnDecl", "TopLet"]);
    expect(p2.body[0]).toMatchObject({ k: "Use", ns: "beagle.async", alias: "a", loc: { line: 2, col: 3 } });
    expect(show(kind(p2.body[1], "FnDecl").fn.arities[0]!.body[0]!)).toBe("a/x");
    expect(show(kind(p2.body[2], "TopLet").value)).toBe("a/y");
  });
  test("qualified enum variants and struct literals", () => {
    expect(s("ffi/Type.U8", ["ffi"])).toBe("(. ffi/Type U8)");
    expect(s("async/FutureState.Resolved { value: 1 }", ["async"])).toBe("(new async/FutureState.Resolved value:1)");
    expect(s("m/Point { x: 1 }", ["m"])).toBe("(new m/Point x:1)");
  });
});

describe("postfix", () => {
  test("calls, fields, indexing", () => {
    expect(s("f(1, 2)")).toBe("(f 1 2)");
    expect(s("f()")).toBe("(f)");
    expect(s("f(1, 2,)")).toBe("(f 1 2)");
    expect(s("(f)(x)")).toBe("(f x)");
    expect(s("v[0](x)")).toBe("(([] v 0) x)");
    expect(s("a.b.c")).toBe("(. (. a b) c)");
    expect(s("obj.method(1).x[2]")).toBe("([] (. ((. obj method) 1) x) 2)");
    expect(s("m[:k]")).toBe("([] m :k)");
    expect(s("f(a)(b)")).toBe("((f a) b)");
    expect(s("x.type")).toBe("(. x type)");
  });
  test("struct literals", () => {
    expect(s("Point { x: 1, y: 2 }")).toBe("(new Point x:1 y:2)");
    expect(s("Point {}")).toBe("(new Point)");
    expect(s("Point { x, y }")).toBe("(new Point x:x y:y)");
    expect(s("Point { ...p, x: 15 }")).toBe("(new Point ...p x:15)");
    expect(s("Point { x: 5, y }")).toBe("(new Point x:5 y:y)");
    expect(s("TreeNode {\n  left: y\n  right: y\n}")).toBe("(new TreeNode left:y right:y)");
    expect(s("Action.run { speed: 5 }")).toBe("(new Action.run speed:5)");
    expect(s("Action.walk")).toBe("(. Action walk)");
    expect(s("Point { x: 1 }.x")).toBe("(. (new Point x:1) x)");
    expect(s("Wrapper { inner: Point { x: 1 } }")).toBe("(new Wrapper inner:(new Point x:1))");
    expect(syntaxError("let p = P { ...a, ...b }").message).toContain("only one");
  });
  test("'{' in if/while/for/match heads starts the body, not a struct literal", () => {
    expect(show(body("if x { 1 } else { 2 }")[0]!)).toBe("(if x {1} {2})");
    expect(show(body("while ok { step() }")[0]!)).toBe("(while ok {(step)})");
    expect(show(body("for x in xs { f(x) }")[0]!)).toBe("(for x xs {(f x)})");
    expect(show(body("match x { _ => 1 }")[0]!)).toBe("(match x _ => {1})");
    expect(show(body("if a.b { 1 }")[0]!)).toBe("(if (. a b) {1})");
    expect(show(body("if f(P { x: 1 }) { 1 }")[0]!)).toBe("(if (f (new P x:1)) {1})");
    expect(show(body("if (P {}) == p { 1 }")[0]!)).toBe("(if (== (new P) p) {1})");
    // a literal directly followed by the body's '{' on the same line is still a struct literal
    expect(show(body("if p == P { x: 1 } { 1 }")[0]!)).toBe("(if (== p (new P x:1)) {1})");
  });
  test("a newline ends postfix chains", () => {
    expect(body("x\n[1, 2]").map(show)).toEqual(["x", "[1 2]"]);
    expect(body("x\n{:a 1}").map(show)).toEqual(["x", "{:a 1}"]);
  });
});

describe("control flow", () => {
  test("if / else if / else", () => {
    expect(s("if a { 1 } else if b { 2 } else { 3 }")).toBe("(if a {1} {(if b {2} {3})})");
    expect(s("if a { 1 }")).toBe("(if a {1})");
    expect(s("if a {\n 1\n}\nelse {\n 2\n}")).toBe("(if a {1} {2})");
    expect(s('if x > 5 { "big" } else { "small" }')).toBe('(if (> x 5) {"big"} {"small"})');
  });
  test("loops and call-syntax jumps", () => {
    expect(s("loop { break(42) }")).toBe("(loop {(break 42)})");
    expect(s("loop { break() }")).toBe("(loop {(break nil)})");
    expect(s("while i < 5 { i = i + 1; continue() }")).toBe("(while (< i 5) {(= i (+ i 1)); (continue)})");
    expect(s("for i in range(0, 10) { if i == 5 { break(i * 100) } i }")).toBe(
      "(for i (range 0 10) {(if (== i 5) {(break (* i 100))}); i})",
    );
    expect(s("fn() { return(1) }")).toBe("(fn () {(return 1)})");
    expect(s("fn() { return() }")).toBe("(fn () {(return nil)})");
    expect(syntaxError("fn f() { break }").message).toContain("'('");
    expect(syntaxError("fn f() { continue(1) }").message).toContain("continue takes no arguments");
  });
  test("match with every pattern kind", () => {
    const m = s(`match v {
      0 => "zero",
      -1 => "minus one"
      "s" => 1
      :k => 2, true => 3, null => 4
      _ => 5
      x => x
      [] => 6
      [a, 0, ...rest] => a
      [[x, y], [z, w]] => x
      Point { x, y: py } => py
      Action.run { speed } => speed
      Action.walk => 0
      MyOption.some { value: v } => v
      ffi/Type.U8 => 8
      async/FutureState.Resolved { value } => value
      { name, age: a, "key": b } => name
      P {} => { 1 2 }
    }`);
    expect(m).toBe(
      '(match v 0 => {"zero"} -1 => {"minus one"} "s" => {1} :k => {2} true => {3} null => {4} _ => {5} x => {x}' +
        " [] => {6} [a 0 ...rest] => {a} [[x y] [z w]] => {x} Point{x:x y:py} => {py} Action.run{speed:speed} => {speed}" +
        " Action.walk => {0} MyOption.some{value:v} => {v} ffi/Type.U8 => {8} async/FutureState.Resolved{value:value} => {value}" +
        ' {:name name, :age a, "key" b} => {name} P{} => {1; 2})',
    );
    expect(syntaxError("match x { 1.5 => 1 }").message).toContain("float");
    expect(syntaxError("match x { 1 2 }").message).toContain("'=>'");
  });
  test("match arm bodies: block vs map", () => {
    expect(s("match r { Result.Err { error } => { println(error) {} }, _ => {} }")).toBe(
      "(match r Result.Err{error:error} => {(println error); {}} _ => {})",
    );
    expect(s("match x { 1 => Result.Ok { value: 1 } }")).toBe("(match x 1 => {(new Result.Ok value:1)})");
  });
  test("try / catch / throw", () => {
    expect(s('try { throw("e") } catch (e) { e }')).toBe('(try {(throw "e")} e {e})');
    expect(s("try { 1 }\ncatch (e, resume) { resume(42) }")).toBe("(try {1} e resume {(resume 42)})");
    expect(syntaxError("fn f() { throw 1 }").message).toContain("'('");
  });
});

describe("bindings", () => {
  test("let, let mut, destructuring", () => {
    expect(body("let x = 1; let mut y = 2").map(show)).toEqual(["(let x 1)", "(let mut y 2)"]);
    expect(show(body("let [a, b, ...rest] = v")[0]!)).toBe("(let [a b ...rest] v)");
    expect(show(body("let { name, age: a } = m")[0]!)).toBe("(let {:name name, :age a} m)");
    expect(show(body("let Point { x, y: my_y } = p")[0]!)).toBe("(let Point{x:x y:my_y} p)");
    expect(show(body("let [first, _, last] = v")[0]!)).toBe("(let [first _ last] v)");
    expect(show(body("let p = Point { x: 1 }")[0]!)).toBe("(let p (new Point x:1))");
  });
  test("top-level lets", () => {
    const t = tops(
      "let PI = 3.14\nletonce cache = atom({})\nlet dynamic out = Stdout {}\nlet dynamic level\nlet dynamic = 5",
    );
    expect(t.map((x) => x.k)).toEqual(["TopLet", "LetOnce", "LetDynamic", "LetDynamic", "TopLet"]);
    expect(t[1]).toMatchObject({ name: "cache" });
    expect(show(kind(t[2], "LetDynamic").value)).toBe("(new Stdout)");
    expect(kind(t[3], "LetDynamic").value).toBeNull();
    expect(syntaxError("let mut x = 1").message).toContain("not allowed at top level");
    expect(syntaxError("fn f() { let dynamic x = 1 }").message).toContain("top level");
  });
  test("binding", () => {
    expect(s("binding (out = buf) { print(1) }")).toBe("(binding out buf {(print 1)})");
  });
});

describe("functions", () => {
  test("named, anonymous, rest, destructuring params", () => {
    const f = tops("/// Adds two numbers.\n/// Second line.\nfn add(x, y) { x + y }")[0]!;
    expect(f.k).toBe("FnDecl");
    if (f.k !== "FnDecl") return;
    expect(f.fn.name).toBe("add");
    expect(f.fn.doc).toBe("Adds two numbers.\nSecond line.");
    expect(f.fn.multi).toBe(false);
    expect(show(f.fn)).toBe("(fn add (x y) {(+ x y)})");
    expect(s("fn(x) { x + 1 }")).toBe("(fn (x) {(+ x 1)})");
    expect(s("fn(base, ...rest) { rest }")).toBe("(fn (base ...rest) {rest})");
    expect(s("fn([a, b, ...r], Point { x, y }, { k }) { a }")).toBe("(fn ([a b ...r] Point{x:x y:y} {:k k}) {a})");
    expect(s("fn() { sleep(200) 1 }")).toBe("(fn () {(sleep 200); 1})");
    expect(show(body("fn next() { n }\nnext")[0]!)).toBe("(fn next () {n})");
    expect(syntaxError("fn f(...a, b) { 1 }").message).toContain("last");
  });
  test("multi-arity", () => {
    const t = tops(
      'fn greet {\n  () => greet("World")\n  (name) => "Hello, " ++ name\n  (a, b) => {\n    a\n  }\n}',
    )[0]!;
    if (t.k !== "FnDecl") throw new Error();
    expect(t.fn.multi).toBe(true);
    expect(show(t.fn)).toBe('(fn greet () {(greet "World")} (name) {(++ "Hello, " name)} (a b) {a})');
    expect(s("fn { (x) => x, (x, y) => y }")).toBe("(fn (x) {x} (x y) {y})");
    expect(s("fn sum { () => 0 (x) => x }")).toBe("(fn sum () {0} (x) {x})");
    expect(syntaxError("fn f { (x) x }").message).toContain("'=>'");
  });
});

describe("effects and continuations", () => {
  test("perform / handle", () => {
    expect(s('perform Log.Info { message: "hi" }')).toBe('(perform (new Log.Info message:"hi"))');
    expect(s("perform Counter.Get {}")).toBe("(perform (new Counter.Get))");
    expect(s("handle effect/Handler(Log) with logger { perform x\n 42 }")).toBe(
      "(handle effect/Handler(Log) logger {(perform x); 42})",
    );
    expect(s("handle effect/Handler(timer/Timer) with BlockingTimerHandler {} { f() }")).toBe(
      "(handle effect/Handler(timer/Timer) (new BlockingTimerHandler) {(f)})",
    );
    expect(s("handle H(E) with h {\n f()\n}")).toBe("(handle H(E) h {(f)})");
  });
  test("contextual words stay identifiers", () => {
    expect(s("perform(x)")).toBe("(perform x)");
    expect(s("handle(self, op, resume)")).toBe("(handle self op resume)");
    expect(s("shift")).toBe("shift");
    expect(s("future")).toBe("future");
    expect(s("x.shift")).toBe("(. x shift)");
    expect(s("async/future-state(future)", ["async"])).toBe("(async/future-state future)");
    expect(s("reset!(a, 1)")).toBe("(reset! a 1)");
  });
  test("reset / shift / future", () => {
    expect(s("reset { 1 + shift(fn(k) { 42 }) }")).toBe("(reset {(+ 1 (shift (fn (k) {42})))})");
    expect(s("future(compute(1))")).toBe("(future (compute 1))");
  });
});

// ---------------------------------------------------------------- declarations

describe("declarations", () => {
  test("namespace and use", () => {
    const t = tops("namespace beagle.core;\nuse beagle.primitive as primitive\nnamespace my-kebab.ns");
    expect(t[0]).toMatchObject({ k: "Namespace", name: "beagle.core" });
    expect(t[1]).toMatchObject({ k: "Use", ns: "beagle.primitive", alias: "primitive" });
    expect(t[2]).toMatchObject({ k: "Namespace", name: "my-kebab.ns" });
    expect(syntaxError("use beagle.fs").message).toContain("'as'");
  });
  test("struct with defaults, mut, docs", () => {
    const t = tops(
      "/// A point.\nstruct Config {\n  name\n  /// Debug flag.\n  debug: false\n  mut count: 1 + 2, retries: 3\n}",
    )[0]!;
    if (t.k !== "StructDecl") throw new Error();
    expect(t.doc).toBe("A point.");
    expect(t.fields.map((f) => [f.name, f.default ? show(f.default) : null, f.mut, f.doc])).toEqual([
      ["name", null, false, null],
      ["debug", "false", false, "Debug flag."],
      ["count", "(+ 1 2)", true, null],
      ["retries", "3", false, null],
    ]);
    expect(tops("struct Empty {}")[0]).toMatchObject({ k: "StructDecl", name: "Empty", fields: [] });
    expect(tops("struct P { x, y }")[0]).toMatchObject({ fields: [{ name: "x" }, { name: "y" }] });
    expect(tops("struct S { kind // comment\n line }")[0]).toMatchObject({
      fields: [{ name: "kind" }, { name: "line" }],
    });
  });
  test("enum variants, commas or newlines", () => {
    const t = tops(
      "enum Action {\n  run { speed },\n  /// Walking.\n  walk,\n  stop\n  jump { height, mut h2: 1 }\n}",
    )[0]!;
    if (t.k !== "EnumDecl") throw new Error();
    expect(t.variants.map((v) => [v.name, v.fields ? v.fields.map((f) => f.name) : null, v.doc])).toEqual([
      ["run", ["speed"], null],
      ["walk", null, "Walking."],
      ["stop", null, null],
      ["jump", ["height", "h2"], null],
    ]);
    expect(tops("enum E { A {}, B }")[0]).toMatchObject({
      variants: [
        { name: "A", fields: [] },
        { name: "B", fields: null },
      ],
    });
  });
  test("protocols: stubs, defaults, multi-arity, type params", () => {
    const t = tops(`protocol Indexed {
      /// Get it.
      fn get {
        (coll, index)
        (coll, index, default) => {
          default
        }
      }
      fn length(coll)
      fn format(self, depth) { to-string(self) }
    }
    protocol Handler(T) { fn handle(self, op, resume) }`);
    const p = t[0]!;
    if (p.k !== "ProtocolDecl") throw new Error();
    expect(
      p.members.map((m) => [
        m.name,
        m.doc,
        m.arities.map((a) => [a.params.length, a.body === null ? null : a.body.map(show)]),
      ]),
    ).toEqual([
      [
        "get",
        "Get it.",
        [
          [2, null],
          [3, ["default"]],
        ],
      ],
      ["length", null, [[1, null]]],
      ["format", null, [[2, ["(to-string self)"]]]],
    ]);
    expect(t[1]).toMatchObject({ k: "ProtocolDecl", name: "Handler", typeParams: ["T"] });
  });
  test("extend", () => {
    const t = tops(`extend Point with Axis {
      /// X.
      fn get-x(self) { self.x }
      fn get-y(self) { self.y }
    }
    extend ConsoleLogger with effect/Handler(Log) { fn handle(self, op, resume) { resume(null) } }
    extend m/T with m/P { fn f { (a) => a } }`);
    expect(t[0]).toMatchObject({
      k: "Extend",
      type: { ns: null, name: "Point" },
      proto: { ns: null, name: "Axis" },
      protoArg: null,
    });
    expect(kind(t[0], "Extend").methods.map((m) => [m.name, m.doc])).toEqual([
      ["get-x", "X."],
      ["get-y", null],
    ]);
    expect(t[1]).toMatchObject({ proto: { ns: "effect", name: "Handler" }, protoArg: { ns: null, name: "Log" } });
    expect(t[2]).toMatchObject({ type: { ns: "m", name: "T" }, proto: { ns: "m", name: "P" } });
    expect(kind(t[2], "Extend").methods[0]!.multi).toBe(true);
  });
  test("test blocks and top-level expressions", () => {
    const t = tops('test "addition" {\n  assert-eq!(add(1, 2), 3)\n}\nprintln(x)\nfn(x) { x }(1)\ntest(1)');
    expect(t.map((x) => x.k)).toEqual(["Test", "ExprStmt", "ExprStmt", "ExprStmt"]);
    expect(t[0]).toMatchObject({ name: "addition" });
    expect(show(kind(t[2], "ExprStmt").e)).toBe("((fn (x) {x}) 1)");
  });
  test("declarations are top-level only", () => {
    expect(syntaxError("fn f() { struct S {} }").message).toContain("only allowed at top level");
  });
  test("directives are collected", () => {
    expect(prog("// no-std\n// Skip: later\nnamespace x").directives).toEqual(["no-std", "Skip", "Skip: later"]);
  });
  test("semicolons and several expressions per line", () => {
    expect(body("let a = 1; let b = 2; a + b").map(show)).toEqual(["(let a 1)", "(let b 2)", "(+ a b)"]);
    expect(body("f(1) g(2) 3").map(show)).toEqual(["(f 1)", "(g 2)", "3"]);
  });
});

// ---------------------------------------------------------------- locations and errors

describe("locations", () => {
  test("every node records its first token", () => {
    const p = prog("namespace n\n\nfn main() {\n  let x = a + f(b).c[1]\n  if x { -y } else { !z }\n}");
    const f = p.body[1]!;
    expect(f.loc).toEqual({ line: 3, col: 1 });
    if (f.k !== "FnDecl") throw new Error();
    expect(f.fn.arities[0]!.loc).toEqual({ line: 3, col: 8 });
    const [b0, b1] = f.fn.arities[0]!.body;
    const let_ = kind(b0, "Let");
    const if_ = kind(b1, "If");
    expect(let_.loc).toEqual({ line: 4, col: 3 });
    expect(let_.pat.loc).toEqual({ line: 4, col: 7 });
    const plus = kind(let_.value, "Binary");
    expect(plus.loc).toEqual({ line: 4, col: 11 });
    expect(plus.r.loc).toEqual({ line: 4, col: 15 }); // Index starts at f
    expect(kind(plus.r, "Index").index.loc).toEqual({ line: 4, col: 22 });
    expect(if_.loc).toEqual({ line: 5, col: 3 });
    expect(if_.then[0]!.loc).toEqual({ line: 5, col: 10 });
    expect(kind(if_.then[0], "Neg").e.loc).toEqual({ line: 5, col: 11 });
    expect(if_.else![0]!.loc).toEqual({ line: 5, col: 22 });
  });
  test("division segments inside one name get their own columns", () => {
    const e = kind(expr("  total/count"), "Binary");
    expect(e.loc).toEqual({ line: 1, col: 3 });
    expect(e.r.loc).toEqual({ line: 1, col: 9 });
  });
  test("all locations are positive and inside the source", () => {
    const src = 'fn f(a) { match a { [x, ...r] => x, _ => "${a}" } }\nstruct S { x: 1 }\nlet s = S { x: 2 }';
    const lines = src.split("\n");
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === "object") {
        const o = v as Record<string, unknown>;
        if (o.loc) {
          const l = o.loc as { line: number; col: number };
          expect(l.line).toBeGreaterThanOrEqual(1);
          expect(l.line).toBeLessThanOrEqual(lines.length);
          expect(l.col).toBeGreaterThanOrEqual(1);
          expect(l.col).toBeLessThanOrEqual(lines[l.line - 1]!.length);
        }
        for (const [k, x] of Object.entries(o)) if (k !== "source") walk(x);
      }
    };
    walk(prog(src).body);
  });
});

describe("syntax errors", () => {
  const cases: [string, number, number, string][] = [
    ["fn main() {\n  let x = \n}", 3, 1, "expected an expression, found '}'"],
    ["fn main() {\n  f(1, 2\n}", 3, 1, "expected ',' or ')'"],
    ["fn main() {\n  foo(\n", 3, 1, "expected an expression, found end of input"],
    ["fn main() {\n  1\n", 3, 1, "expected '}' to close the block opened at line 1"],
    ["struct 1 {}", 1, 8, "expected a struct name"],
    ["let [a b] = x", 1, 8, "expected ',' or ']'"],
    ["if x 1", 1, 6, "expected '{' to start the if body"],
    ["match x {\n  1 -> 2\n}", 2, 5, "expected '=>'"],
    ["x = else", 1, 5, "expected an expression, found keyword 'else'"],
    ["let x = _", 1, 9, "'_' can only be used in patterns"],
    ["fn f() { 1 } }", 1, 14, "expected an expression, found '}'"],
    ['let s = "abc ${}"', 1, 16, "expected an expression inside '${}'"],
    ['let s = "abc ${1 2}"', 1, 18, "expected '}' to end the interpolation"],
    ["for [a, b] in x { 1 }", 1, 5, "expected a loop variable name"],
    ["let p = P {x:1}", 1, 13, "missing space after ':'"],
    ["struct S { a:1 }", 1, 13, "missing space after ':'"],
    ["let x = 1 +", 1, 12, "expected an expression, found end of input"],
    ["let x = [1, 2", 1, 14, "expected ',' or ']' to close the vector"],
    ["let m = {:a}", 1, 12, "expected a value after the map key"],
    ["let n = 99999999999999999999", 1, 9, "does not fit in 61 bits"],
    ["extend T with P { 1 }", 1, 19, "expected 'fn' (a method) or '}'"],
    ["protocol P { x }", 1, 14, "expected 'fn' (a protocol member) or '}'"],
    ["fn f(a b) { 1 }", 1, 8, "expected ',' or ')' in the parameter list"],
    ["try { 1 } fin { 2 }", 1, 11, "expected 'catch'"],
    ["try { 1 } finally 2", 1, 19, "expected '{' after 'finally'"],
  ];
  for (const [src, line, col, msg] of cases) {
    test(JSON.stringify(src), () => {
      const e = syntaxError(src);
      expect(e.message).toContain(msg);
      expect([e.line, e.col]).toEqual([line, col]);
      expect(e.file).toBe("t.bg");
      expect(e.message.includes("\n")).toBe(false);
    });
  }
});
