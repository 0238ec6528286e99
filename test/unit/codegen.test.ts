// The code generator: what bytecode it emits for the constructs whose shape
// matters (tail calls, cells for captured `let mut`, boundary thunks, compile-
// time enum variants, line tables), the compile errors it reports, and that the
// compiled programs compute the right thing.

import { describe, expect, test } from "bun:test";
import { createRuntime, runMainFiber } from "../../vm/run.ts";
import { Closure, FiberState, MultiFn } from "../../vm/objects.ts";
import { FnProto, OP_NAMES, type Op, operandCount } from "../../vm/bytecode.ts";
import { Struct, type Value } from "../../vm/values.ts";
import { BeagleSyntaxError } from "../../compiler/diagnostics.ts";
import { formatValue } from "../../vm/print.ts";

function compile(source: string, file = "t.bg") {
  const rt = createRuntime();
  const mod = rt.loader.compile(source, file);
  return { rt, mod };
}

/** The value a top-level name is bound to. */
function global(mod: { ns: { vars: Map<string, { value: Value }> } }, name: string): Value {
  const v = mod.ns.vars.get(name);
  if (!v) throw new Error(`no global ${name}`);
  return v.value;
}

function protoOf(v: Value): FnProto {
  if (!(v instanceof Closure)) throw new Error("not a closure");
  v.proto.lazy?.();
  return v.proto;
}

/** Decoded instructions: [name, operands][] */
function instrs(p: FnProto): [string, number[]][] {
  p.lazy?.();
  const out: [string, number[]][] = [];
  for (let pc = 0; pc < p.code.length; ) {
    const op = p.code[pc]! as Op;
    const n = operandCount(op, p.code, pc);
    out.push([OP_NAMES[op]!, Array.from(p.code.subarray(pc + 1, pc + 1 + n))]);
    pc += 1 + n;
  }
  return out;
}
const ops = (p: FnProto) => instrs(p).map(([n]) => n);

/** Function prototypes created inside `p` (closures, thunks), depth first. */
function nested(p: FnProto): FnProto[] {
  const out: FnProto[] = [];
  for (const c of p.consts) {
    if (c instanceof FnProto) {
      out.push(c, ...nested(c));
    }
  }
  return out;
}

/** Compile, run top-level code and main; return stdout and the main fiber. */
function run(source: string) {
  const { rt, mod } = compile(source);
  const out: string[] = [];
  rt.vm.write = (s: string) => {
    out.push(s);
  };
  rt.vm.flush = () => {};
  const init = runMainFiber(rt.vm, new Closure(mod.init, []), null);
  if (init.error !== undefined) return { out: out.join(""), error: init.error, result: null as Value };
  const main = mod.ns.vars.get("main")?.value;
  if (main === undefined) return { out: out.join(""), error: undefined, result: init.result };
  const f = runMainFiber(rt.vm, main, null);
  expect(f.state).toBe(FiberState.Done);
  return { out: out.join(""), error: f.error, result: f.result };
}

function compileError(source: string): BeagleSyntaxError {
  try {
    compile(source);
  } catch (e) {
    if (e instanceof BeagleSyntaxError) return e;
    throw e;
  }
  throw new Error("expected a compile error");
}

describe("calls", () => {
  test("a call in tail position is a TailCall; elsewhere a Call", () => {
    const { mod } = compile(`
fn down(n) { if n == 0 { 0 } else { down(n - 1) } }
fn deep(n) { if n == 0 { 0 } else { 1 + deep(n - 1) } }
fn last(f) { f(1) }
`);
    expect(ops(protoOf(global(mod, "down")))).toContain("TailCall");
    expect(ops(protoOf(global(mod, "deep")))).not.toContain("TailCall");
    expect(ops(protoOf(global(mod, "deep")))).toContain("Call");
    expect(ops(protoOf(global(mod, "last")))).toEqual(["LoadLocal", "SmallInt", "TailCall", "Return"]);
  });

  test("a call inside a try body is never a tail call (the boundary frame must stay)", () => {
    const { mod } = compile(`fn f(g) { try { g() } catch (e) { 0 } }`);
    const thunks = nested(protoOf(global(mod, "f"))).filter((p) => p.isThunk);
    expect(thunks.length).toBe(2); // the body and the catch handler
    for (const t of thunks) expect(ops(t)).not.toContain("TailCall");
  });

  test("pipes desugar to plain calls", () => {
    const { mod } = compile(`
fn inc(x) { x + 1 }
fn add(a, b) { a + b }
fn f() { 1 |> inc |> add(10) }
fn g() { add(inc(1), 10) }
`);
    expect(instrs(protoOf(global(mod, "f")))).toEqual(instrs(protoOf(global(mod, "g"))));
  });

  test("functions may call functions defined later in the file", () => {
    expect(run(`fn main() { println(later(2)) }\nfn later(x) { x * 21 }`).out).toBe("42\n");
  });
});

describe("locals and closures", () => {
  test("a `let mut` captured by a closure lives in a cell", () => {
    const { mod } = compile(`
fn f() {
    let mut x = 0
    let g = fn() { x = x + 1 }
    g()
    x
}
fn h() {
    let mut y = 0
    y = y + 1
    y
}
`);
    const f = protoOf(global(mod, "f"));
    expect(ops(f)).toContain("MakeCell");
    expect(ops(f)).toContain("LoadCell");
    const inner = nested(f)[0]!;
    expect(ops(inner)).toContain("LoadEnvCell");
    expect(ops(inner)).toContain("StoreEnvCell");
    // not captured: a plain local slot
    const h = protoOf(global(mod, "h"));
    expect(ops(h)).not.toContain("MakeCell");
    expect(ops(h)).not.toContain("LoadCell");
  });

  test("an immutable capture is copied into the closure, not boxed", () => {
    const { mod } = compile(`fn f(n) { fn(x) { x + n } }`);
    const f = protoOf(global(mod, "f"));
    expect(ops(f)).not.toContain("MakeCell");
    expect(ops(nested(f)[0]!)).toContain("LoadEnv");
  });

  test("a named inner function refers to itself without capturing", () => {
    const { mod } = compile(`fn f() { fn down(n) { if n == 0 { 0 } else { down(n - 1) } } down(3) }`);
    const inner = nested(protoOf(global(mod, "f")))[0]!;
    expect(ops(inner)).toContain("LoadSelf");
  });

  test("shared cells: closures created in one call see each other's writes", () => {
    const r = run(`
fn pair() {
    let mut v = 1
    [fn(x) { v = x }, fn() { v }]
}
fn main() {
    let [set, get] = pair()
    let [set2, get2] = pair()
    set(5)
    println(get(), get2())
}`);
    expect(r.out).toBe("5 1\n");
  });
});

describe("literals and names", () => {
  test("small ints are inline; large ints and floats are constants", () => {
    const { mod } = compile(`
fn small() { 5 }
fn big() { 1152921504606846975 }
fn float() { 2.0 }
`);
    expect(instrs(protoOf(global(mod, "small")))[0]).toEqual(["SmallInt", [5]]);
    const big = protoOf(global(mod, "big"));
    expect(ops(big)[0]).toBe("Const");
    expect(big.consts).toContain(1152921504606846975n);
    expect(ops(protoOf(global(mod, "float")))[0]).toBe("Const");
  });

  test("E.V of a unit variant is resolved at compile time; a local named E is a field access", () => {
    const { mod } = compile(`
enum E { A, B { x } }
fn unit() { E.A }
fn shadowed(E) { E.A }
`);
    const unit = protoOf(global(mod, "unit"));
    expect(ops(unit)).toEqual(["Const", "Return"]);
    expect(unit.consts[0]).toBeInstanceOf(Struct);
    expect(ops(protoOf(global(mod, "shadowed")))).toContain("GetField");
  });

  test("struct literal fields may be written in any order", () => {
    expect(run(`struct P { x, y }\nfn main() { println(P { y: 2, x: 1 }) }`).out).toBe("P { x: 1, y: 2 }\n");
  });

  test("string interpolation converts each part with to-string and joins them", () => {
    const { mod } = compile(`fn f(x) { "a ${"${"}x} b" }`);
    const o = ops(protoOf(global(mod, "f")));
    expect(o).toContain("ToStr");
    expect(o).toContain("ConcatN");
  });

  test("if tests for exactly true; && and || jump on exactly false / true", () => {
    const { mod } = compile(`
fn i(c) { if c { 1 } else { 2 } }
fn a(x, y) { x && y }
fn o(x, y) { x || y }
`);
    expect(ops(protoOf(global(mod, "i")))).toContain("JumpIfNotTrue");
    expect(ops(protoOf(global(mod, "a")))).toContain("JumpIfFalse");
    expect(ops(protoOf(global(mod, "o")))).toContain("JumpIfTrue");
  });
});

describe("boundaries: try bodies are thunks", () => {
  test("return inside a try body returns from the home function", () => {
    const { mod } = compile(`fn f(x) { try { if x { return(1) } } catch (e) { 0 } 2 }`);
    const body = nested(protoOf(global(mod, "f"))).find((p) => p.isThunk && ops(p).includes("ReturnNonLocal"));
    expect(body).toBeDefined();
    const r = run(`fn f(x) { try { if x { return(1) } } catch (e) { 0 } 2 }\nfn main() { println(f(true), f(false)) }`);
    expect(r.out).toBe("1 2\n");
  });

  test("break and continue inside a try body jump into the loop of the home frame", () => {
    const src = `fn f() { for i in [1, 2, 3] { try { if i == 1 { continue() } if i == 3 { break(i) } } catch (e) { 0 } } }`;
    const { mod } = compile(src);
    const thunkOps = nested(protoOf(global(mod, "f"))).flatMap((p) => ops(p));
    expect(thunkOps.filter((o) => o === "JumpNonLocal").length).toBe(2);
    expect(run(src + "\nfn main() { println(f()) }").out).toBe("3\n");
  });
});

describe("functions", () => {
  test("multi-arity functions become one MultiFn indexed by arity", () => {
    const { mod } = compile(`fn f { () => 0  (a) => 1  (a, b, ...r) => 2 }`);
    const f = global(mod, "f");
    expect(f).toBeInstanceOf(MultiFn);
    const m = f as MultiFn;
    expect(m.byArity[0]).toBeInstanceOf(Closure);
    expect(m.byArity[1]).toBeInstanceOf(Closure);
    expect(m.variadic?.proto.nparams).toBe(2);
  });

  test("inside a multi-arity function its own name means the whole function", () => {
    expect(run(`fn g { () => g(1)  (x) => x + 1 }\nfn main() { println(g()) }`).out).toBe("2\n");
    expect(run(`fn main() { fn h { () => h(1)  (x) => x * 3 } println(h()) }`).out).toBe("3\n");
  });

  test("docstrings are reachable from the values they document", () => {
    const { mod } = compile(`/// Adds.\nfn add(a, b) { a + b }\n/// A point.\nstruct P { x }`);
    expect((protoOf(global(mod, "add")) as FnProto & { doc?: string }).doc).toBe("Adds.");
    expect((global(mod, "P") as { doc?: string }).doc).toBe("A point.");
  });
});

describe("line tables", () => {
  test("every instruction of a function knows its source line; the header line is kept", () => {
    const { mod } = compile(`\n\nfn add(a, b) {\n    a + b\n}`);
    const p = protoOf(global(mod, "add"));
    expect(p.line).toBe(3);
    expect(instrs(p).length).toBeGreaterThan(1);
    let pc = 0;
    for (const [name, args] of instrs(p)) {
      if (name !== "Return") expect(p.lines[pc]).toBe(4);
      pc += 1 + args.length;
    }
  });

  test("a try body reports errors at its home function's header line", () => {
    const { mod } = compile(`\nfn f() {\n    try {\n        null.x\n    } catch (e) { e }\n}`);
    const f = protoOf(global(mod, "f"));
    for (const t of nested(f)) expect(t.line).toBe(2);
  });
});

describe("compile errors carry positions", () => {
  const cases: [string, string, number, number, RegExp][] = [
    ["break outside a loop", "fn f() {\n  break(1)\n}", 2, 3, /break outside of a loop/],
    ["continue outside a loop", "fn f() {\n  continue()\n}", 2, 3, /continue outside of a loop/],
    [
      "assigning an immutable local",
      "fn f() {\n  let x = 1\n  x = 2\n}",
      3,
      3,
      /Cannot assign to immutable variable 'x'/,
    ],
    [
      "assigning an immutable capture",
      "fn f() {\n  let x = 1\n  fn() { x = 2 }\n}",
      3,
      10,
      /Cannot assign to immutable variable 'x'/,
    ],
    ["undefined variable", "fn f() {\n  nope\n}", 2, 3, /Undefined variable: nope/],
    [
      "binding a variable that is not dynamic",
      "let v = 1\nfn f() {\n  binding (v = 2) { v }\n}",
      3,
      3,
      /not a dynamic variable/,
    ],
    [
      "unknown field in a pattern",
      "struct P { x }\nfn f(p) {\n  match p { P { y } => y }\n}",
      3,
      13,
      /Field 'y' does not exist on P/,
    ],
    [
      "extending an unknown type",
      "protocol Q { fn q(self) }\nextend Nope with Q { fn q(self) { 1 } }",
      2,
      1,
      /Undefined: Nope/,
    ],
    [
      "a method the protocol does not have",
      "protocol Q { fn q(self) }\nextend Int with Q { fn z(self) { 1 } }",
      2,
      21,
      /has no method z/,
    ],
    ["top-level let mut", "let mut x = 1", 1, 5, /not allowed at top level/],
  ];
  for (const [name, src, line, col, msg] of cases) {
    test(name, () => {
      const e = compileError(src);
      expect(e.message).toMatch(msg);
      expect([e.line, e.col]).toEqual([line, col]);
    });
  }
});

describe("compiled programs compute the right values", () => {
  const cases: [string, string][] = [
    ["1 + 2 << 3", "17"],
    ["[7 / 2, -7 / 2, 7 % 3, -7 % 3]", "[3, -3, 1, -1]"],
    ["1152921504606846975 + 1", "-1152921504606846976"],
    ["match [1, [2, 3]] { [a, [b, ...c]] => [a, b, c] }", "[1, 2, [3]]"],
    ["for i in range(0, 5) { i * 2 }", "8"],
    ["loop { break(5) } |> fn(x) { x + 1 }", "6"],
    ['"${1}${[2]}${:k}"', "1[2]:k"],
  ];
  for (const [expr, expected] of cases) {
    test(expr, () => {
      const r = run(`fn main() { println(${expr}) }`);
      expect(r.error).toBeUndefined();
      expect(r.out).toBe(expected + "\n");
    });
  }

  test("top-level code runs in order before main", () => {
    expect(run(`println("a")\nlet x = 1\nprintln("b", x)\nfn main() { println("main") }`).out).toBe("a\nb 1\nmain\n");
  });

  test("main's return value is not printed", () => {
    const r = run(`fn main() { 42 }`);
    expect(r.out).toBe("");
    expect(r.result).toBe(42);
  });

  test("printing an error value", () => {
    const r = run(`fn main() { try { null.x } catch (e) { e } }`);
    expect(formatValue(r.result, 0)).toMatch(
      /^SystemError\.TypeError \{ message: "Cannot access property 'x' on null", location: "main\/main \(t\.bg:1\)" \}$/,
    );
  });
});
