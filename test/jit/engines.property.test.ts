// The JIT is checked against the interpreter, the reference: random programs
// (Int arithmetic past 2^53 and around the 61-bit wrap, floats including
// integral ones, closures, loops, recursion deeper than the compiled-depth
// limit, exceptions, performs with one-shot and multi-shot handlers) must give
// the same value under both engines, errors and their locations included.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { createRuntime, runMainFiber } from "../../vm/run.ts";
import { formatValue } from "../../vm/print.ts";
import { jitStats, setJitThreshold, jitThreshold } from "../../vm/jit/compile.ts";

type E =
  | { k: "int"; v: string }
  | { k: "float"; v: string }
  | { k: "var"; i: number }
  | { k: "bin"; op: string; a: E; b: E }
  | { k: "if"; c: E; d: E; a: E; b: E }
  | { k: "call"; f: string; a: E; b: E }
  | { k: "str"; a: E };

const INTS = [
  "0",
  "1",
  "2",
  "3",
  "7",
  "-1",
  "255",
  "2147483647",
  "9007199254740991",
  "9007199254740993",
  "1152921504606846975",
  "-1152921504606846976",
];
const FLOATS = ["0.5", "1.5", "2.0", "-2.5", "0.1", "3.0"];
const OPS = ["+", "-", "*", "/", "%", "<", "<=", ">", ">=", "==", "!=", "&", "|", "^", "<<", ">>"];

/** Expressions over `nvars` variables that may call `fns` (each with two arguments). */
function expr(nvars: number, fns: string[]): fc.Arbitrary<E> {
  const { e } = fc.letrec<{ e: E }>((tie) => ({
    e: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      { weight: 6, arbitrary: fc.constantFrom(...INTS).map((v): E => ({ k: "int", v })) },
      { weight: 3, arbitrary: fc.constantFrom(...FLOATS).map((v): E => ({ k: "float", v })) },
      { weight: 8, arbitrary: fc.nat(nvars - 1).map((i): E => ({ k: "var", i })) },
      {
        weight: 12,
        arbitrary: fc
          .record({ op: fc.constantFrom(...OPS), a: tie("e"), b: tie("e") })
          .map((r): E => ({ k: "bin", op: r.op, a: r.a as E, b: r.b as E })),
      },
      {
        weight: 2,
        arbitrary: fc
          .record({ c: tie("e"), d: tie("e"), a: tie("e"), b: tie("e") })
          .map((r): E => ({ k: "if", c: r.c as E, d: r.d as E, a: r.a as E, b: r.b as E })),
      },
      ...(fns.length
        ? [
            {
              weight: 5,
              arbitrary: fc
                .record({ f: fc.constantFrom(...fns), a: tie("e"), b: tie("e") })
                .map((r): E => ({ k: "call", f: r.f, a: r.a as E, b: r.b as E })),
            },
          ]
        : []),
      { weight: 1, arbitrary: tie("e").map((a): E => ({ k: "str", a: a as E })) },
    ),
  }));
  return e;
}

function render(e: E, vars: string[]): string {
  switch (e.k) {
    case "int":
    case "float":
      return e.v.startsWith("-") ? `(${e.v})` : e.v;
    case "var":
      return vars[e.i]!;
    case "bin":
      return `(${render(e.a, vars)} ${e.op} ${render(e.b, vars)})`;
    case "if":
      return `(if ${render(e.c, vars)} < ${render(e.d, vars)} { ${render(e.a, vars)} } else { ${render(e.b, vars)} })`;
    case "call":
      return `${e.f}(${render(e.a, vars)}, ${render(e.b, vars)})`;
    case "str":
      return `"<\${${render(e.a, vars)}}>"`;
  }
}

// Helpers every program has: a closure maker, a thrower, a one-shot and a
// multi-shot effect. Calls to them from compiled code hand over to the interpreter.
const HELPERS = ["mk", "thr", "ask", "pick"];

interface Program {
  f0: E;
  usePick: boolean;
  f1: E;
  f2: E;
  loopBody: E;
  loopN: number;
  forBody: E;
  recBody: E;
  recN: number;
  items: { fn: string; a: E; b: E; resume: boolean }[];
}

const program: fc.Arbitrary<Program> = fc.record({
  f0: expr(2, ["mk", "thr", "ask"]),
  usePick: fc.boolean(),
  f1: expr(2, ["f0", "mk", "thr", "ask", "lp"]),
  f2: expr(2, ["f0", "f1", "rec", "lp", "thr", "fl", "st"]),
  loopBody: expr(3, []),
  loopN: fc.integer({ min: 0, max: 60 }),
  forBody: expr(3, []),
  recBody: expr(2, []),
  recN: fc.constantFrom(0, 1, 5, 30, 700, 1500),
  items: fc.array(
    fc.record({
      fn: fc.constantFrom("f0", "f1", "f2", "lp", "rec", "fl", "st", ...HELPERS),
      a: expr(0 + 1, []),
      b: expr(1, []),
      resume: fc.boolean(),
    }),
    { minLength: 1, maxLength: 6 },
  ),
});

function source(p: Program, ns: string): string {
  const xy = ["x", "y"];
  const lines = [
    `namespace ${ns}`,
    "use beagle.effect as effect",
    "enum Ask { Get { n } }",
    "struct Twice {}",
    "extend Twice with effect/Handler(Ask) {",
    "  fn handle(self, op, resume) { resume(op.n * 2) }",
    "}",
    "enum Fork { Pick { n } }",
    "struct Both {}",
    "extend Both with effect/Handler(Fork) {",
    "  fn handle(self, op, resume) { resume(op.n) + resume(op.n + 1) }",
    "}",
    "fn mk(x, y) {",
    "  let g = fn(z) { z * x + y }",
    "  g(x)",
    "}",
    "fn thr(x, y) { if x > y { throw(x) } else { y } }",
    "fn ask(x, y) { (perform Ask.Get { n: x }) + y }",
    "fn pick(x, y) { (perform Fork.Pick { n: x }) * y }",
    `fn lp(x, y) {`,
    `  let mut i = 0`,
    `  let mut acc = x`,
    `  while i < ${p.loopN} {`,
    `    acc = ${render(p.loopBody, ["acc", "i", "y"])}`,
    `    i = i + 1`,
    `  }`,
    `  acc`,
    `}`,
    // a for loop over a vector (iterators in compiled code), a struct with a mutable field,
    // a match: more instructions of the compiled tier
    `fn fl(x, y) {`,
    `  let mut acc = x`,
    `  for z in [x, y, 3, 0.5, x] { acc = ${render(p.forBody, ["acc", "z", "y"])} }`,
    `  acc`,
    `}`,
    "struct Pt { mut a, b }",
    "fn st(x, y) {",
    "  let p = Pt { a: x, b: y }",
    "  p.a = p.a - p.b",
    "  match p.a { 0 => p.b, _ => p.a }",
    "}",
    `fn rec(x, y) { if x <= 0 { y } else { (${render(p.recBody, xy)}) + rec(x - 1, y) } }`,
    `fn f0(x, y) { ${p.usePick ? "pick(x, 1) + " : ""}${render(p.f0, xy)} }`,
    `fn f1(x, y) { ${render(p.f1, xy)} }`,
    `fn f2(x, y) { ${render(p.f2, xy)} }`,
    "fn main() {",
    "  handle effect/Handler(Ask) with Twice {} { [",
  ];
  for (const it of p.items) {
    const a = it.fn === "rec" ? String(p.recN) : render(it.a, ["7"]);
    // a resumed error gives the failed operation an Int: in a loop whose slot was typed Float,
    // the frame must not re-enter compiled code that keeps the slot as a double
    const handler = it.resume ? "catch (e, resume) { resume(1) }" : "catch (e) { e }";
    lines.push(
      `    try { handle effect/Handler(Fork) with Both {} { ${it.fn}(${a}, ${render(it.b, ["3"])}) } } ${handler},`,
    );
  }
  lines.push("  ] }", "}");
  return lines.join("\n");
}

const interp = createRuntime();
const jit = createRuntime();
const warm = createRuntime();
let caseNo = 0;

function runIn(rt: ReturnType<typeof createRuntime>, threshold: number, src: string, ns: string): string {
  const saved = jitThreshold;
  setJitThreshold(threshold);
  try {
    // the same file name in both runtimes: error locations must match exactly
    const mod = rt.loader.runSource(src, `${ns}.bg`);
    const fiber = runMainFiber(rt.vm, mod.ns.vars.get("main")!.value, null);
    if (fiber.error !== undefined) return `uncaught ${formatValue(fiber.error, 1)}`;
    return formatValue(fiber.result, 1);
  } finally {
    setJitThreshold(saved);
  }
}

/** The interpreter's answer, and the JIT's: everything compiled at once, or after a few iterations (entering loops mid-way). */
function both(src: string, ns: string): [string, string] {
  const t0 = performance.now();
  const a = runIn(interp, Number.POSITIVE_INFINITY, src, ns);
  const t1 = performance.now();
  const b = runIn(jit, 0, src, ns);
  if (process.env.JIT_PROP_SHOW)
    console.log(`interp ${(t1 - t0).toFixed(0)} ms, jit ${(performance.now() - t1).toFixed(0)} ms`);
  const c = runIn(warm, 5, src, ns);
  return [a, b === c ? b : `${b}\n(threshold 5: ${c})`];
}

describe("JIT against the interpreter", () => {
  test("random programs give the same values, errors and error locations", () => {
    const before = jitStats.compiled;
    fc.assert(
      fc.property(program, (p) => {
        const ns = `jit_prop_${caseNo++}`;
        const src = source(p, ns);
        const [a, b] = both(src, ns);
        if (process.env.JIT_PROP_SHOW) console.log(src, "\n=>", a);
        if (a !== b) throw new Error(`engines disagree\n${src}\ninterpreter: ${a}\njit:         ${b}`);
      }),
      { numRuns: 200 },
    );
    // the programs really ran compiled code
    expect(jitStats.compiled - before).toBeGreaterThan(60);
  }, 120_000);

  test("a hand-written program covering every helper agrees", () => {
    const ns = `jit_fixed_${caseNo++}`;
    const L = (v: string): E => (v.includes(".") ? { k: "float", v } : { k: "int", v });
    const V = (i: number): E => ({ k: "var", i });
    const bin = (op: string, a: E, b: E): E => ({ k: "bin", op, a, b });
    const p: Program = {
      f0: bin("+", { k: "call", f: "ask", a: V(0), b: L("1") }, { k: "call", f: "mk", a: V(1), b: L("2") }),
      usePick: true,
      f1: bin("*", { k: "call", f: "f0", a: V(0), b: V(1) }, L("9007199254740991")),
      f2: bin("-", { k: "call", f: "rec", a: L("700"), b: V(0) }, { k: "call", f: "lp", a: V(0), b: V(1) }),
      loopBody: bin("+", bin("*", V(0), L("3")), bin("<<", V(1), L("2"))),
      loopN: 60,
      forBody: bin("+", V(0), bin("*", V(1), V(2))),
      recBody: bin("+", L("0.5"), L("0.5")),
      recN: 1500,
      items: ["f0", "f1", "f2", "lp", "rec", "thr"].map((fn) => ({ fn, a: L("7"), b: L("2.0"), resume: false })),
    };
    const src = source(p, ns);
    const [a, b] = both(src, ns);
    expect(b).toBe(a);
    // six values, one of them an Int that wrapped past 2^60 to a negative one, and the thrown 7
    expect(a).toMatch(/^\[[^,]+(, [^,]+){5}\]$/);
    expect(a).toMatch(/, -\d{17,}, /);
    expect(a).toEndWith(", 7]");
  });
});
