// Property test: random nestings of handle / perform / resume (zero-, one-
// and multi-shot, handlers that perform to outer handlers, tail resumes),
// reset / shift, try / throw / resumable catch and dynamic `binding`s,
// generated as Beagle source, run in-process on the VM, and
// compared with a small reference machine written here directly.
//
// The reference machine keeps the continuation as an explicit list of
// immutable frames; `perform` splits the list at the nearest handler of its
// effect (deep handlers: the handler frame goes into the continuation),
// `shift` at the nearest reset (the reset frame goes into k too), and calling
// a continuation appends its frames to the current list. Frames are never
// mutated, so multi-shot resumption needs no copying.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { createRuntime, runMainFiber } from "../../vm/run.ts";
import { formatValue } from "../../vm/print.ts";
import type { PersistentVector } from "../../vm/collections/vector.ts";

// ------------------------------------------------------------------ terms

const EFFECTS = 3;
/** sums are taken modulo this, so repeated multi-shot sums stay small integers */
const MOD = 1000;

type Term =
  | { k: "lit"; n: number }
  | { k: "var" } // the performed operation's value (handler bodies only)
  | { k: "add"; a: Term; b: Term } // (a + b) % MOD; a is evaluated before b
  | { k: "tick"; n: number; e: Term } // append n to the log, then e
  | { k: "perform"; eff: number; e: Term }
  | { k: "handle"; eff: number; body: Term; e: Term } // body: the handler, e: the handled expression
  | { k: "reset"; e: Term }
  | { k: "shift"; body: Term } // body may call k through `resume`
  | { k: "resume"; e: Term; tail: boolean } // resume / k; tail: effect/resume-tail in tail position
  | { k: "throw"; e: Term }
  | { k: "bind"; n: number; e: Term } // binding (d = n) { e }
  | { k: "dyn" } // the dynamic variable d (0 outside any binding)
  | { k: "try"; e: Term; body: Term; resumable: boolean }; // body: the catch clause

/**
 * Where a term appears: the main program, a handler's body, a shift's body,
 * a catch clause (catchR: one that may resume). `var` is the performed
 * value in a handler and the caught value in a catch; `resume` is the
 * handler's resume, the shift's k or the catch's resume.
 */
type Ctx = "main" | "handler" | "shift" | "catch" | "catchR";

const hasVar = (c: Ctx) => c === "handler" || c === "catch" || c === "catchR";
const hasResume = (c: Ctx) => c === "handler" || c === "shift" || c === "catchR";

const lit = fc.integer({ min: 0, max: 9 }).map((n): Term => ({ k: "lit", n }));
const eff = fc.integer({ min: 0, max: EFFECTS - 1 });

const memo = new Map<string, fc.Arbitrary<Term>>();

/**
 * Terms of a context and depth. `effs` are the effects with a handler around
 * the term; performs mostly pick one of them (and sometimes any effect, so
 * unhandled performs occur too).
 */
function term(ctx: Ctx, depth: number, effs: number[]): fc.Arbitrary<Term> {
  const key = `${ctx}/${depth}/${effs.join(",")}`;
  const hit = memo.get(key);
  if (hit) return hit;
  const leaves: fc.Arbitrary<Term>[] = [lit, fc.constant<Term>({ k: "dyn" })];
  if (hasVar(ctx)) leaves.push(fc.constant<Term>({ k: "var" }));
  let arb: fc.Arbitrary<Term>;
  if (depth <= 0) {
    arb = fc.oneof(...leaves);
  } else {
    const sub = term(ctx, depth - 1, effs);
    const performEff = effs.length
      ? fc.oneof({ arbitrary: fc.constantFrom(...effs), weight: 6 }, { arbitrary: eff, weight: 1 })
      : eff;
    const options: fc.WeightedArbitrary<Term>[] = [
      { arbitrary: fc.oneof(...leaves), weight: 1 },
      { arbitrary: fc.record({ a: sub, b: sub }).map(({ a, b }): Term => ({ k: "add", a, b })), weight: 3 },
      {
        arbitrary: fc
          .record({ n: fc.integer({ min: 10, max: 99 }), e: sub })
          .map(({ n, e }): Term => ({ k: "tick", n, e })),
        weight: 2,
      },
      {
        arbitrary: fc.record({ eff: performEff, e: sub }).map(({ eff, e }): Term => ({ k: "perform", eff, e })),
        weight: 4,
      },
      { arbitrary: sub.map((e): Term => ({ k: "throw", e })), weight: 1 },
    ];
    if (ctx === "main") {
      options.push(
        {
          arbitrary: eff.chain((e) =>
            fc
              .record({ body: handlerBody(effs), e: term(ctx, depth - 1, [...new Set([...effs, e])].sort()) })
              .map(({ body, e: inner }): Term => ({ k: "handle", eff: e, body, e: inner })),
          ),
          weight: 5,
        },
        { arbitrary: sub.map((e): Term => ({ k: "reset", e })), weight: 2 },
        {
          arbitrary: fc
            .record({ n: fc.integer({ min: 1, max: 9 }), e: sub })
            .map(({ n, e }): Term => ({ k: "bind", n, e })),
          weight: 2,
        },
        {
          // a reset with a shift somewhere at its top level (the shift may be under a handler in `e`)
          arbitrary: fc
            .record({ e: sub, body: term("shift", 2, effs), first: fc.boolean() })
            .map(({ e, body, first }): Term => {
              const sh: Term = { k: "shift", body };
              return { k: "reset", e: first ? { k: "add", a: sh, b: e } : { k: "add", a: e, b: sh } };
            }),
          weight: 2,
        },
        { arbitrary: term("shift", 2, effs).map((body): Term => ({ k: "shift", body })), weight: 2 },
        {
          arbitrary: fc
            .boolean()
            .chain((resumable) =>
              fc
                .record({ e: sub, body: term(resumable ? "catchR" : "catch", 2, effs) })
                .map(({ e, body }): Term => ({ k: "try", e, body, resumable })),
            ),
          weight: 3,
        },
      );
    } else if (hasResume(ctx)) {
      options.push({ arbitrary: sub.map((e): Term => ({ k: "resume", e, tail: false })), weight: 4 });
    }
    arb = fc.oneof(...options);
  }
  memo.set(key, arb);
  return arb;
}

/** Whole programs: mostly one or two handlers around a random term, sometimes anything. */
const program: fc.Arbitrary<Term> = fc.oneof(
  {
    arbitrary: fc
      .tuple(eff, eff)
      .chain(([a, b]) =>
        fc
          .record({ ha: handlerBody([]), hb: handlerBody([a]), e: term("main", 4, [...new Set([a, b])].sort()) })
          .map(({ ha, hb, e }): Term => ({ k: "handle", eff: a, body: ha, e: { k: "handle", eff: b, body: hb, e } })),
      ),
    weight: 2,
  },
  {
    arbitrary: eff.chain((a) =>
      fc
        .record({ h: handlerBody([]), e: term("main", 4, [a]) })
        .map(({ h, e }): Term => ({ k: "handle", eff: a, body: h, e })),
    ),
    weight: 2,
  },
  { arbitrary: term("main", 5, []), weight: 1 },
);

/** A handler body: resumes zero, one or several times; sometimes a tail resume. */
function handlerBody(effs: number[]): fc.Arbitrary<Term> {
  return fc.oneof(
    { arbitrary: term("handler", 2, effs), weight: 4 },
    { arbitrary: term("handler", 1, effs).map((e): Term => ({ k: "resume", e, tail: true })), weight: 3 },
    {
      // explicitly multi-shot
      arbitrary: fc.record({ a: term("handler", 1, effs), b: term("handler", 1, effs) }).map(
        ({ a, b }): Term => ({
          k: "add",
          a: { k: "resume", e: a, tail: false },
          b: { k: "resume", e: b, tail: false },
        }),
      ),
      weight: 2,
    },
  );
}

// ------------------------------------------------------------------ reference machine

type Env = { v: number; k: Frame[] | null };

type Frame =
  | { t: "try"; body: Term; resumable: boolean }
  | { t: "throw" }
  | { t: "bind"; v: number }
  | { t: "addL"; b: Term; env: Env }
  | { t: "addR"; a: number }
  | { t: "perform"; eff: number }
  | { t: "handle"; eff: number; body: Term }
  | { t: "reset" }
  | { t: "resume"; k: Frame[] };

class Unhandled extends Error {}
/** Nested multi-shot handlers can take exponential time: such programs are skipped. */
class TooLong extends Error {}
const STEP_LIMIT = 200_000;

/** What the generated programs exercised (checked at the end, so the generator stays useful). */
const seen = {
  handled: 0,
  resumes: 0,
  multiShot: 0,
  zeroShot: 0,
  shifts: 0,
  errors: 0,
  outerPerform: 0,
  caught: 0,
  resumableCatches: 0,
  dynBound: 0,
};

/** A runtime error (unhandled perform, shift outside reset) as catch clauses see it: see `cv` in the Beagle prelude of each case. */
const SYSTEM_ERROR = 500;

/**
 * Evaluate a program: its value (or "ERR" if something is thrown and not
 * caught; an unhandled perform or a shift outside a reset throws) and the tick log.
 */
function model(program: Term): { value: number | "ERR"; log: number[] } | null {
  const log: number[] = [];
  const stack: Frame[] = [];
  let mode: "eval" | "ret" = "eval";
  let cur: Term = program;
  let env: Env = { v: 0, k: null };
  let val = 0;
  let steps = 0;
  /** throw v from the current point: to the nearest try, whose clause runs with the frames above it as resume */
  const raise = (v: number) => {
    let i = stack.length - 1;
    while (i >= 0 && stack[i]!.t !== "try") i--;
    if (i < 0) throw new Unhandled();
    const t = stack[i] as { t: "try"; body: Term; resumable: boolean };
    const k = stack.splice(i);
    seen.caught++;
    if (t.resumable) seen.resumableCatches++;
    env = { v, k: t.resumable ? k : null };
    cur = t.body;
    mode = "eval";
  };
  try {
    for (;;) {
      if (++steps > STEP_LIMIT) throw new TooLong();
      if (mode === "eval") {
        const t = cur;
        switch (t.k) {
          case "lit":
            val = t.n;
            mode = "ret";
            break;
          case "var":
            val = env.v;
            mode = "ret";
            break;
          case "add":
            stack.push({ t: "addL", b: t.b, env });
            cur = t.a;
            break;
          case "tick":
            log.push(t.n);
            cur = t.e;
            break;
          case "perform":
            stack.push({ t: "perform", eff: t.eff });
            cur = t.e;
            break;
          case "handle":
            stack.push({ t: "handle", eff: t.eff, body: t.body });
            cur = t.e;
            break;
          case "reset":
            stack.push({ t: "reset" });
            cur = t.e;
            break;
          case "shift": {
            let i = stack.length - 1;
            while (i >= 0 && stack[i]!.t !== "reset") i--;
            if (i < 0) {
              seen.errors++;
              raise(SYSTEM_ERROR);
              break;
            }
            seen.shifts++;
            const k = stack.splice(i);
            env = { v: 0, k };
            cur = t.body;
            break;
          }
          case "throw":
            stack.push({ t: "throw" });
            cur = t.e;
            break;
          case "bind":
            stack.push({ t: "bind", v: t.n });
            cur = t.e;
            break;
          case "dyn": {
            let i = stack.length - 1;
            while (i >= 0 && stack[i]!.t !== "bind") i--;
            val = i < 0 ? 0 : (stack[i] as { v: number }).v;
            if (i >= 0) seen.dynBound++;
            mode = "ret";
            break;
          }
          case "try":
            stack.push({ t: "try", body: t.body, resumable: t.resumable });
            cur = t.e;
            break;
          case "resume":
            stack.push({ t: "resume", k: env.k! });
            cur = t.e;
            seen.resumes++;
            break;
        }
      } else {
        const f = stack.pop();
        if (!f) return { value: val, log };
        switch (f.t) {
          case "addL":
            stack.push({ t: "addR", a: val });
            env = f.env;
            cur = f.b;
            mode = "eval";
            break;
          case "addR":
            val = (f.a + val) % MOD;
            break;
          case "perform": {
            let i = stack.length - 1;
            while (i >= 0 && !(stack[i]!.t === "handle" && (stack[i] as { eff: number }).eff === f.eff)) i--;
            if (i < 0) {
              seen.errors++;
              raise(SYSTEM_ERROR);
              break;
            }
            const h = stack[i] as { t: "handle"; eff: number; body: Term };
            const k = stack.splice(i);
            seen.handled++;
            if (env.k) seen.outerPerform++; // performed from inside a handler or shift body
            const shots = countResumes(h.body);
            if (shots === 0) seen.zeroShot++;
            if (shots > 1) seen.multiShot++;
            env = { v: val, k };
            cur = h.body;
            mode = "eval";
            break;
          }
          case "handle":
          case "reset":
          case "try":
          case "bind":
            break;
          case "resume":
            for (const fr of f.k) stack.push(fr);
            break;
          case "throw":
            raise(val);
            break;
        }
      }
    }
  } catch (e) {
    if (e instanceof Unhandled) return { value: "ERR", log };
    if (e instanceof TooLong) return null;
    throw e;
  }
}

function countResumes(t: Term): number {
  switch (t.k) {
    case "lit":
    case "var":
    case "dyn":
    case "shift":
      return 0;
    case "add":
      return countResumes(t.a) + countResumes(t.b);
    case "resume":
      return 1 + countResumes(t.e);
    case "handle":
      return countResumes(t.e);
    case "try":
      return countResumes(t.e) + countResumes(t.body);
    default:
      return countResumes(t.e);
  }
}

// ------------------------------------------------------------------ Beagle source

function toBeagle(program: Term, ns: string): string {
  const handlers: string[] = [];
  const emit = (t: Term, ctx: Ctx): string => {
    switch (t.k) {
      case "lit":
        return String(t.n);
      case "var":
        return ctx === "handler" ? "op.v" : "cv(e)";
      case "add":
        return `((${emit(t.a, ctx)} + ${emit(t.b, ctx)}) % ${MOD})`;
      case "tick":
        return `(note(${t.n}) + ${emit(t.e, ctx)})`;
      case "perform":
        return `(perform E${t.eff}.Op { v: ${emit(t.e, ctx)} })`;
      case "handle": {
        const name = `H${handlers.length}`;
        handlers.push(name);
        const body = emit(t.body, "handler");
        handlers[handlers.indexOf(name)] =
          `struct ${name} {}\nextend ${name} with effect/Handler(E${t.eff}) {\n  fn handle(self, op, resume) {\n    ${body}\n  }\n}\n`;
        return `(handle effect/Handler(E${t.eff}) with ${name} {} {\n${emit(t.e, ctx)}\n})`;
      }
      case "reset":
        return `(reset { ${emit(t.e, ctx)} })`;
      case "shift":
        return `shift(fn(k) { ${emit(t.body, "shift")} })`;
      case "throw":
        return `throw(${emit(t.e, ctx)})`;
      case "bind":
        return `(binding (d = ${t.n}) { ${emit(t.e, ctx)} })`;
      case "dyn":
        return "d";
      case "try":
        return `(try { ${emit(t.e, ctx)} } catch (${t.resumable ? "e, resume" : "e"}) { ${emit(t.body, t.resumable ? "catchR" : "catch")} })`;
      case "resume": {
        const k = ctx === "shift" ? "k" : "resume";
        return t.tail ? `effect/resume-tail(${k}, ${emit(t.e, ctx)})` : `${k}(${emit(t.e, ctx)})`;
      }
    }
  };
  const main = emit(program, "main");
  const effects = Array.from({ length: EFFECTS }, (_, i) => `enum E${i} { Op { v } }\n`).join("");
  return `namespace ${ns}
use beagle.effect as effect
${effects}
let dynamic d = 0
let log = atom([])
let last-error = atom(null)
fn note(n) {
  swap!(log, fn(l) { push(l, n) })
  0
}
fn cv(e) { if type-of(e) == Int { e } else { ${SYSTEM_ERROR} } }
${handlers.join("\n")}
fn main() {
  let r = try {
${main}
  } catch (e) {
    reset!(last-error, e)
    "ERR"
  }
  [[r, deref(log)], deref(last-error)]
}
`;
}

// ------------------------------------------------------------------ running

const rt = createRuntime();
let caseNo = 0;

/** Compile and run a program in the shared runtime (a namespace per case); main's value. */
function runBeagle(src: string, ns: string): unknown {
  const { vm, loader } = rt;
  const mod = loader.runSource(src, `${ns}.bg`);
  const main = mod.ns.vars.get("main")!.value;
  const fiber = runMainFiber(vm, main, null);
  if (fiber.error !== undefined) throw new Error(`uncaught: ${formatValue(fiber.error, 0)}\n${src}`);
  return fiber.result;
}

/** The model's printed `[value, log]`, or null if the program runs too long to bother. */
function expected(program: Term): string | null {
  const m = model(program);
  if (!m) return null;
  const v = m.value === "ERR" ? `"ERR"` : String(m.value);
  return `[${v}, [${m.log.join(", ")}]]`;
}

/** The program's `[value, log]` as Beagle prints it, and the error it caught (if any). */
function run(program: Term): { text: string; error: string } {
  const ns = `fx_prop_${caseNo++}`;
  const r = runBeagle(toBeagle(program, ns), ns) as PersistentVector;
  return { text: formatValue(r.get(0)!, 1), error: formatValue(r.get(1)!, 1) };
}

function actual(program: Term): string {
  return run(program).text;
}

describe("effects: random programs agree with the reference machine", () => {
  test("a few hand-written programs", () => {
    const L = (n: number): Term => ({ k: "lit", n });
    const programs: Term[] = [
      // handle E0 with resume(v) + resume(v + 1) { 1 + perform E0 3 } = 4 + 5
      {
        k: "handle",
        eff: 0,
        body: {
          k: "add",
          a: { k: "resume", e: { k: "var" }, tail: false },
          b: { k: "resume", e: { k: "add", a: { k: "var" }, b: L(1) }, tail: false },
        },
        e: { k: "add", a: L(1), b: { k: "perform", eff: 0, e: L(3) } },
      },
      // zero-shot
      { k: "handle", eff: 1, body: L(7), e: { k: "tick", n: 11, e: { k: "perform", eff: 1, e: L(0) } } },
      // shift through a handler
      {
        k: "reset",
        e: {
          k: "handle",
          eff: 2,
          body: { k: "resume", e: L(1), tail: true },
          e: {
            k: "add",
            a: {
              k: "shift",
              body: { k: "add", a: { k: "resume", e: L(1), tail: false }, b: { k: "resume", e: L(2), tail: false } },
            },
            b: { k: "perform", eff: 2, e: L(5) },
          },
        },
      },
      // unhandled
      { k: "tick", n: 12, e: { k: "perform", eff: 2, e: L(0) } },
    ];
    expect(programs.map(expected)).toEqual(["[9, []]", "[7, [11]]", "[5, []]", `["ERR", [12]]`]);
    for (const p of programs) expect(actual(p)).toBe(expected(p)!);
  });

  test("random nestings (handle/perform/resume, multi- and zero-shot, reset/shift, try/throw, binding)", () => {
    fc.assert(
      fc.property(program, (program) => {
        const want = expected(program);
        fc.pre(want !== null);
        const got = run(program);
        if (got.text !== want) {
          const msg = `mismatch\n  model: ${want}\n  beagle: ${got.text} (error: ${got.error})\n${toBeagle(program, "shown")}`;
          if (process.env.FX_DEBUG) console.error(msg);
          throw new Error(msg);
        }
      }),
      { numRuns: Number(process.env.FX_RUNS ?? 200), seed: Number(process.env.FX_SEED ?? 0x5eed) },
    );
    // the generated programs really exercise the machinery
    expect(seen.handled).toBeGreaterThan(80);
    expect(seen.multiShot).toBeGreaterThan(10);
    expect(seen.zeroShot).toBeGreaterThan(10);
    expect(seen.shifts).toBeGreaterThan(10);
    expect(seen.outerPerform).toBeGreaterThan(5);
    expect(seen.errors).toBeGreaterThan(5);
    expect(seen.caught).toBeGreaterThan(10);
    expect(seen.resumableCatches).toBeGreaterThan(5);
    expect(seen.dynBound).toBeGreaterThan(10);
    if (process.env.FX_STATS) console.log(seen);
  }, 60_000);
});
