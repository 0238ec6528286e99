// The VM: explicit frames (deep recursion, constant-space tail calls), the
// scheduler's time slices, errors as SystemError values with their sites,
// dynamic bindings and continuations, the number representation, iteration,
// and the `disasm` command.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createRuntime, runMainFiber } from "../../vm/run.ts";
import { Closure, type Fiber, FiberState } from "../../vm/objects.ts";
import { BFloat, Struct, type Value } from "../../vm/values.ts";
import { BeagleRuntimeError } from "../../vm/errors.ts";
import { formatValue } from "../../vm/print.ts";
import { typeKeyOf, T } from "../../vm/types.ts";

/** A runtime whose stdout is captured, with test hooks in beagle.core. */
function runtime() {
  const rt = createRuntime();
  const out: string[] = [];
  rt.vm.write = (s: string) => {
    out.push(s);
  };
  rt.vm.flush = () => {};
  const depths: number[] = [];
  // how many frames the calling fiber has right now
  rt.vm.defineIntrinsic("beagle.core", "__test-depth", (fiber) => {
    depths.push(fiber.frames.length);
    return fiber.frames.length;
  });
  rt.vm.defineBuiltin("beagle.core", "__test-fail", (kind) => {
    throw new BeagleRuntimeError(kind as "IndexError", `failed on purpose (${String(kind)})`);
  });
  return { ...rt, out, depths, text: () => out.join("") };
}

/** Compile `source`, run its top level and main; return the runtime and main's fiber. */
function run(source: string, file = "vm.bg") {
  const rt = runtime();
  const mod = rt.loader.compile(source, file);
  const init = runMainFiber(rt.vm, new Closure(mod.init, []), null);
  let fiber: Fiber = init;
  const main = mod.ns.vars.get("main")?.value;
  if (init.error === undefined && main !== undefined) fiber = runMainFiber(rt.vm, main, null);
  return { ...rt, mod, fiber };
}

describe("frames", () => {
  test("tail calls run in constant frame depth", () => {
    const src = (n: number) =>
      `fn down(n) { if n == 0 { __test-depth() } else { down(n - 1) } }\nfn main() { down(${n}) }`;
    const a = run(src(10));
    const b = run(src(200000));
    expect(a.fiber.error).toBeUndefined();
    expect(b.fiber.error).toBeUndefined();
    expect(b.fiber.result).toBe(a.fiber.result as number);
  });

  test("tail calls through multi-arity functions and protocol methods stay tail calls", () => {
    const r = run(`
protocol Step { fn step(self, n) }
struct S {}
extend S with Step { fn step(self, n) { if n == 0 { __test-depth() } else { step(self, n - 1) } } }
fn m { (n) => m(n, 0)  (n, acc) => if n == 0 { __test-depth() } else { m(n - 1, acc + 1) } }
fn main() { [step(S {}, 3), step(S {}, 100000), m(3), m(100000)] }`);
    expect(r.fiber.error).toBeUndefined();
    const [p1, p2, m1, m2] = (r.fiber.result as { toArray(): number[] }).toArray();
    expect(p2).toBe(p1);
    expect(m2).toBe(m1);
  });

  test("deep non-tail recursion uses fiber frames, not the JS stack", () => {
    const r = run(`fn deep(n) { if n == 0 { __test-depth() } else { 1 + deep(n - 1) } }\nfn main() { deep(100000) }`);
    expect(r.fiber.error).toBeUndefined();
    expect(r.depths[0]).toBeGreaterThan(100000);
    expect(r.fiber.result).toBe(r.depths[0]! + 100000);
  });

  test("a finished fiber has no frames left and keeps its result", () => {
    const r = run(`fn main() { [1, 2] }`);
    expect(r.fiber.state).toBe(FiberState.Done);
    expect(r.fiber.frames.length).toBe(0);
    expect(formatValue(r.fiber.result, 0)).toBe("[1, 2]");
  });
});

describe("scheduling", () => {
  test("a busy fiber is preempted so that others run", () => {
    const rt = runtime();
    const marks: number[] = [];
    rt.vm.defineIntrinsic("beagle.core", "__test-mark", (fiber) => {
      marks.push(fiber.id);
      return null;
    });
    const mod = rt.loader.compile(
      `
fn spin(name, n) {
    let mut i = 0
    while i < n {
        if i % 20000 == 0 { __test-mark() }
        i = i + 1
    }
    name
}`,
      "sched.bg",
    );
    rt.vm.runInit(mod);
    const spin = mod.ns.vars.get("spin")!.value;
    const order: string[] = [];
    const a = rt.vm.spawn(spin, ["a", 200000]);
    const b = rt.vm.spawn(spin, ["b", 200000]);
    a.onDone = () => order.push("a");
    b.onDone = () => order.push("b");
    rt.vm.runUntilIdle();
    expect(a.result).toBe("a");
    expect(b.result).toBe("b");
    expect(order).toEqual(["a", "b"]);
    // both made progress in turns: the probes of the two fibers interleave
    expect(marks.length).toBe(20);
    const lastA = marks.lastIndexOf(a.id);
    const firstB = marks.indexOf(b.id);
    expect(firstB).toBeGreaterThanOrEqual(0);
    expect(firstB).toBeLessThan(lastA);
  });

  test("threads run alongside main and finish before the program ends", () => {
    const r = run(`
fn main() {
    let done = atom([])
    thread(fn() { swap!(done, fn(v) { push(v, "thread") }) })
    swap!(done, fn(v) { push(v, "main") })
    done
}`);
    expect(r.fiber.error).toBeUndefined();
    // the thread ran after main returned, but before the VM went idle
    expect(formatValue(r.fiber.result, 0)).toBe('Atom { value: ["main", "thread"] }');
  });
});

describe("errors", () => {
  test("a builtin's failure becomes a catchable SystemError of its kind", () => {
    const r = run(`fn main() { try { __test-fail("IndexError") } catch (e) { e } }`);
    const e = r.fiber.result as Struct;
    expect(e).toBeInstanceOf(Struct);
    expect(e.type.displayName).toBe("SystemError.IndexError");
    expect(formatValue(e, 0)).toBe(
      'SystemError.IndexError { message: "failed on purpose (IndexError)", location: "main/main (vm.bg:1)" }',
    );
  });

  test("an uncaught error ends the fiber with the value and the failing site", () => {
    const r = run(`fn main() {\n    let x = 1\n    x.field\n}`);
    expect(r.fiber.state).toBe(FiberState.Done);
    expect(formatValue(r.fiber.error as Value, 0)).toBe(
      `SystemError.TypeError { message: "Cannot access property 'field' on Int", location: "main/main (vm.bg:1)" }`,
    );
    const site = r.fiber.errorAt!;
    expect(site.proto.name).toBe("main");
    expect(site.proto.lines[site.pc]).toBe(3);
    expect(site.proto.cols[site.pc]).toBe(5);
  });

  test("a runtime error in an operator leaves the operand stack consistent for resume", () => {
    const r = run(`fn main() { [1 + try { 2 + "x" } catch (e, resume) { resume(10) }, 3] }`);
    expect(r.fiber.error).toBeUndefined();
    expect(formatValue(r.fiber.result, 0)).toBe("[11, 3]");
  });

  test("throwing through a binding body restores the dynamic variable and the fiber's binding count", () => {
    const r = run(`
let dynamic d = 1
fn main() {
    let inside = try { binding (d = 2) { throw(d) } } catch (e) { e }
    [inside, d]
}`);
    expect(formatValue(r.fiber.result, 0)).toBe("[2, 1]");
    expect(r.fiber.bindings).toBe(0);
  });

  test("resuming a continuation twice runs two independent copies of the frames", () => {
    const r = run(`
fn main() {
    try {
        let mut local = 100
        let got = throw("x")
        local = local + got
        [local]
    } catch (e, resume) {
        [resume(1), resume(2)]
    }
}`);
    expect(formatValue(r.fiber.result, 0)).toBe("[[101], [102]]");
  });
});

describe("values", () => {
  test("Ints are JS numbers in the safe range and bigints beyond; results wrap at 61 bits", () => {
    const r = run(`fn main() { [9007199254740991 + 1, 1152921504606846975 + 1, 3 * 4] }`);
    const [a, b, c] = (r.fiber.result as { toArray(): Value[] }).toArray();
    expect(typeof a === "bigint" || typeof a === "number").toBe(true);
    expect(String(a)).toBe("9007199254740992");
    expect(b).toBe(-1152921504606846976n);
    expect(c).toBe(12);
  });

  test("integral Floats are boxed so they stay Floats", () => {
    const r = run(`fn main() { [2.0, 1 + 1.0, 2.5, 0.5 * 4.0] }`);
    const [a, b, c, d] = (r.fiber.result as { toArray(): Value[] }).toArray();
    expect(a).toBeInstanceOf(BFloat);
    expect(b).toBeInstanceOf(BFloat);
    expect(c).toBe(2.5);
    expect(d).toBeInstanceOf(BFloat);
    for (const v of [a, b, c, d]) expect(typeKeyOf(v as Value)).toBe(T.Float);
    expect(typeKeyOf(2)).toBe(T.Int);
  });

  test("struct defaults run through a synchronous call at construction", () => {
    const r = run(`
let made = atom(0)
fn make() { swap!(made, fn(n) { n + 1 }) }
struct T { id: make() }
fn main() { [T {}.id, T {}.id, T { id: 9 }.id, deref(made)] }`);
    expect(formatValue(r.fiber.result, 0)).toBe("[1, 2, 9, 2]");
  });

  test("for iterates vectors, ranges, strings, maps, sets and user Seqables", () => {
    const r = run(`
struct Down { n }
struct DownSeq { n }
extend Down with Seqable { fn seq(self) { if self.n == 0 { null } else { DownSeq { n: self.n } } } }
extend DownSeq with Seq {
    fn first(self) { self.n }
    fn next(self) { if self.n == 1 { null } else { DownSeq { n: self.n - 1 } } }
}
fn collect(c) {
    let mut out = []
    for x in c { out = push(out, x) }
    out
}
fn main() {
    println(collect([1, 2]), collect(range(0, 3)), collect("hé"), collect({:a 1}), collect(#{5}), collect(Down { n: 3 }), collect(null))
    try { collect(5) } catch (e) { println(e.message) }
}`);
    expect(r.fiber.error).toBeUndefined();
    expect(r.text()).toBe('[1, 2] [0, 1, 2] ["h", "é"] [[:a, 1]] [5] [3, 2, 1] []\nCannot iterate over Int\n');
  });
});

describe("disasm", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "beagle-disasm-"));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test("`beagle disasm FILE` lists each function's bytecode with source lines", () => {
    const file = join(dir, "d.bg");
    writeFileSync(file, "fn add(a, b) {\n    a + b\n}\nfn main() {\n    println(add(1, 2))\n}\n");
    const r = Bun.spawnSync([process.execPath, resolve(import.meta.dir, "../../beagle.ts"), "disasm", file], {
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(r.exitCode).toBe(0);
    const text = r.stdout.toString();
    expect(text).toContain("fn main/add params=2");
    expect(text).toContain("fn main/main params=0");
    expect(text).toMatch(/^\s+2\s+\d+\s+Add$/m);
    expect(text).toMatch(/LoadGlobal \d+ {2}; println/);
    expect(text).toMatch(/TailCall 1/);
  });

  test("main(args) receives the command-line arguments as one vector of strings", () => {
    const file = join(dir, "args.bg");
    writeFileSync(file, "fn main(args) {\n    println(args, length(args))\n}\n");
    const beagle = resolve(import.meta.dir, "../../beagle.ts");
    const r = Bun.spawnSync([process.execPath, beagle, file, "x", "y z"], { stdout: "pipe", stderr: "pipe" });
    expect(r.stderr.toString()).toBe("");
    expect(r.stdout.toString()).toBe('["x", "y z"] 2\n');
    const none = Bun.spawnSync([process.execPath, beagle, "run", file], { stdout: "pipe", stderr: "pipe" });
    expect(none.stdout.toString()).toBe("[] 0\n");
  });

  test("`beagle disasm` reports compile errors like a run does", () => {
    const file = join(dir, "bad.bg");
    writeFileSync(file, "fn main() {\n    nope\n}\n");
    const r = Bun.spawnSync([process.execPath, resolve(import.meta.dir, "../../beagle.ts"), "disasm", file], {
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(r.exitCode).toBe(1);
    expect(r.stderr.toString()).toContain(`${file}:2:5: Undefined variable: nope`);
  });
});
