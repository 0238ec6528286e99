// When the JIT compiles, what it refuses, and that the switches work.
import { afterEach, describe, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRuntime, runMainFiber } from "../../vm/run.ts";
import { formatValue } from "../../vm/print.ts";
import type { FnProto } from "../../vm/bytecode.ts";
import { Closure } from "../../vm/objects.ts";
import { jitThreshold, setJitThreshold } from "../../vm/jit/compile.ts";

const saved = jitThreshold;
afterEach(() => setJitThreshold(saved));

let n = 0;
function run(src: string, threshold: number) {
  setJitThreshold(threshold);
  const rt = createRuntime();
  const ns = `jit_unit_${n++}`;
  const mod = rt.loader.runSource(`namespace ${ns}\n${src}`, `${ns}.bg`);
  const fiber = runMainFiber(rt.vm, mod.ns.vars.get("main")!.value, null);
  const proto = (name: string): FnProto => {
    const v = mod.ns.vars.get(name)!.value;
    if (!(v instanceof Closure)) throw new Error(`${name} is not a closure`);
    return v.proto;
  };
  return {
    value: fiber.error === undefined ? formatValue(fiber.result, 1) : `error ${formatValue(fiber.error, 1)}`,
    proto,
  };
}

const program = `
fn sq(x) { x * x }
fn guarded(x) { try { 10 / x } catch (e) { -1 } }
fn main() {
  let mut i = 0
  let mut s = 0
  while i < 300 { s = s + sq(i) + guarded(i)
    i = i + 1 }
  s
}
`;

describe("jit", () => {
  test("hot functions and loops are compiled; the result is the interpreter's", () => {
    const off = run(program, Number.POSITIVE_INFINITY);
    expect(off.proto("sq").jit).toBeNull();
    expect(off.proto("main").jit).toBeNull();
    const on = run(program, 100);
    expect(on.proto("sq").jit).not.toBeNull();
    // main is called once: its loop was entered compiled at the loop head
    expect(on.proto("main").jit).not.toBeNull();
    expect(on.value).toBe(off.value);
  });

  test("a function with a try body is refused once and keeps running interpreted", () => {
    const r = run(program, 0);
    expect(r.proto("guarded").jit).toBeNull();
    expect(r.proto("guarded").hot).toBeLessThan(0);
    expect(r.value).toBe(run(program, Number.POSITIVE_INFINITY).value);
  });

  test("below the threshold nothing is compiled", () => {
    const r = run(program, 1_000_000);
    expect(r.proto("sq").jit).toBeNull();
    expect(r.proto("sq").hot).toBe(300);
  });

  test("BEAGLE_JIT=0 leaves everything to the interpreter; BEAGLE_JIT_LOG names what was refused", () => {
    const file = join(tmpdir(), `beagle-jit-unit-${process.pid}.bg`);
    writeFileSync(
      file,
      `namespace log_unit\n${program.replace("fn main()", "fn work()")}\nfn main() { println(work()) }\n`,
    );
    try {
      const go = (env: Record<string, string>) =>
        Bun.spawnSync([process.execPath, join(import.meta.dir, "../../beagle.ts"), file], {
          env: { ...process.env, BEAGLE_JIT: "", BEAGLE_JIT_THRESHOLD: "", ...env },
          stdout: "pipe",
          stderr: "pipe",
        });
      const off = go({ BEAGLE_JIT: "0", BEAGLE_JIT_LOG: "1" });
      const on = go({ BEAGLE_JIT_THRESHOLD: "0", BEAGLE_JIT_LOG: "1" });
      expect(off.stdout.toString()).toMatch(/^-?\d+\n$/);
      expect(on.stdout.toString()).toBe(off.stdout.toString());
      expect(off.stderr.toString()).toBe("");
      expect(on.stderr.toString()).toContain("jit: log_unit/guarded: makes a boundary thunk");
    } finally {
      rmSync(file, { force: true });
    }
  });

  test("compiled code compiles a cold callee instead of handing the caller over", () => {
    const r = run(
      `fn rare(x) { x + 1 }
fn main() {
  let mut i = 0
  let mut s = 0
  while i < 1000 { if i == 500 { s = s + rare(i) }
    s = s + i
    i = i + 1 }
  s
}`,
      100,
    );
    expect(r.value).toBe(String((999 * 1000) / 2 + 501));
    expect(r.proto("rare").jit).not.toBeNull();
    expect(r.proto("main").jitHandOvers).toBe(0);
  });

  test("a rare hand-over lets the loop re-enter compiled code; a hand-over every iteration stops it", () => {
    const rare = run(
      `fn guarded(x) { try { 10 / x } catch (e) { -1 } }
fn main() {
  let mut i = 0
  let mut s = 0
  while i < 5000 { if i % 1000 == 999 { s = s + guarded(i) }
    i = i + 1 }
  s
}`,
      100,
    );
    expect(rare.value).toBe("0");
    // one entry at the first hot loop head and one after each of the 5 hand-overs
    expect(rare.proto("main").jitHandOvers).toBe(5);
    expect(rare.proto("main").jitEntries).toBe(6);
    const every = run(
      `fn guarded(x) { try { 10 / x } catch (e) { -1 } }
fn main() {
  let mut i = 0
  let mut s = 0
  while i < 5000 { s = s + guarded(i + 1)
    i = i + 1 }
  s
}`,
      100,
    );
    expect(every.proto("main").jitHandOvers).toBe(8);
    expect(every.proto("main").jitEntries).toBe(8);
  });

  test("a Float slot is a double in compiled code and a Float again wherever it leaves", () => {
    const src = `struct Box { mut v }
fn keep(x) { x }
fn main() {
  let mut x = 0.0
  let mut y = 1
  let b = Box { v: 0 }
  let mut i = 0
  while i < 300 { x = x + 0.5
    y = y * 2.0
    b.v = x - x
    i = i + 1 }
  [x, y, keep(x), b.v, x / 0, 0.0 - x * 0.0, x < 150, x == 150.0, x % 7]
}`;
    const on = run(src, 100);
    expect(on.proto("main").jit).not.toBeNull();
    expect(on.value).toBe(run(src, Number.POSITIVE_INFINITY).value);
    expect(on.value).toBe(
      "[150.0, 2037035976334486000000000000000000000000000000000000000000000000000000000000000000000000000.0, 150.0, 0.0, infinity, 0.0, false, true, 3.0]",
    );
  });

  test("a resumed error that gives a Float slot an Int keeps the loop interpreted from there", () => {
    const src = `fn work(x) {
  let mut acc = 0.5
  let mut i = 0
  while i < 400 { acc = acc + (if i == 300 { x } else { 1 })
    i = i + 1 }
  acc
}
fn main() { try { work("s") } catch (e, resume) { resume(7) } }`;
    const off = run(src, Number.POSITIVE_INFINITY);
    expect(off.value).toBe("106");
    expect(run(src, 100).value).toBe("106");
    expect(run(src, 0).value).toBe("106");
  });

  test("a resumed error that gives an Int slot a Float keeps the loop interpreted from there", () => {
    // 100 / z is Int / Int; z is 0 once: the division by zero is resumed with a Float
    const src = `fn work() {
  let mut acc = 0
  let mut i = 0
  while i < 400 { let z = if i == 300 { 0 } else { 1 }
    acc = acc + 100 / z
    i = i + 1 }
  acc
}
fn main() { try { work() } catch (e, resume) { resume(2.0) } }`;
    expect(run(src, Number.POSITIVE_INFINITY).value).toBe("39902.0");
    expect(run(src, 100).value).toBe("39902.0");
    expect(run(src, 0).value).toBe("39902.0");
  });

  test("a compiled protocol call site sees an implementation replaced after it cached one", () => {
    setJitThreshold(10);
    const rt = createRuntime();
    const mod = rt.loader.runSource(
      `namespace ic_unit
protocol P { fn who(self) }
struct A {}
extend A with P { fn who(self) { 1 } }
fn main() {
  let a = A {}
  let mut s = 0
  let mut i = 0
  while i < 500 { s = s + who(a)
    i = i + 1 }
  s
}`,
      "ic_unit.bg",
    );
    const main = () => formatValue(runMainFiber(rt.vm, mod.ns.vars.get("main")!.value, null).result, 1);
    expect(main()).toBe("500");
    rt.loader.runSource("namespace ic_unit\nextend A with P { fn who(self) { 2 } }", "ic_unit_2.bg");
    expect(main()).toBe("1000");
  });

  test("compiled code runs a tail-resumptive handler itself: resumed, not resumed, handed over", () => {
    const src = `use beagle.effect as effect
enum Ask { Get { n } }
struct Twice {}
extend Twice with effect/Handler(Ask) { fn handle(self, op, resume) { resume(op.n * 2) } }
struct Stop {}
extend Stop with effect/Handler(Ask) {
  fn handle(self, op, resume) { if op.n == 250 { "stopped" } else { resume(op.n) } }
}
fn guarded(x) { try { x + 1 } catch (e) { 0 } }
struct Slow {}
extend Slow with effect/Handler(Ask) { fn handle(self, op, resume) { resume(guarded(op.n)) } }
fn work(n) {
  let mut s = 0
  let mut i = 0
  while i < n { s = s + perform Ask.Get { n: i }
    i = i + 1 }
  s
}
fn main() {
  [handle effect/Handler(Ask) with Twice {} { work(1000) },
   handle effect/Handler(Ask) with Stop {} { work(1000) },
   handle effect/Handler(Ask) with Slow {} { work(1000) }]
}`;
    const on = run(src, 100);
    expect(on.value).toBe(run(src, Number.POSITIVE_INFINITY).value);
    expect(on.value).toBe(`[999000, "stopped", ${(999 * 1000) / 2 + 1000}]`);
    expect(on.proto("work").jit).not.toBeNull();
    // with only Twice, the loop runs compiled and never hands over at its performs
    const twice = run(
      src.replace(/fn main\(\) \{[\s\S]*$/, "fn main() { handle effect/Handler(Ask) with Twice {} { work(1000) } }"),
      100,
    );
    expect(twice.value).toBe("999000");
    expect(twice.proto("work").jitHandOvers).toBe(0);
  });
});
