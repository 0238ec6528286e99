// An error raised in compiled code is reported exactly as the interpreter
// reports it: file:line:col, the source line, the caret and the call chain.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dir, "../..");
const dir = mkdtempSync(join(tmpdir(), "beagle-jit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(file: string, env: Record<string, string>) {
  const p = Bun.spawnSync([process.execPath, join(root, "beagle.ts"), file], {
    env: { ...process.env, BEAGLE_JIT: "", BEAGLE_JIT_THRESHOLD: "", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
}

const ENGINES: [string, Record<string, string>][] = [
  ["interpreter", { BEAGLE_JIT: "0" }],
  ["default threshold", {}],
  ["everything compiled", { BEAGLE_JIT_THRESHOLD: "0" }],
];

const programs: Record<string, string> = {
  // fails on the 500th call, long after the function was compiled
  "arith.bg": `namespace arith
fn step(i, x) {
  let y = x * 2
  if i == 500 { y + "no" } else { y }
}
fn main() {
  let mut i = 0
  while i < 1000 { step(i, i)
    i = i + 1 }
}
`,
  // a field of null, two compiled calls deep
  "field.bg": `namespace field
struct Box { v }
fn inner(b) { b.v }
fn outer(b) { 1 + inner(b) }
fn main() {
  let mut i = 0
  while i < 400 { outer(Box { v: i })
    i = i + 1 }
  outer(null)
}
`,
  // an undefined global, a failing builtin and a match with no arm, each after warming up
  "misc.bg": `namespace misc
fn pick(x) { match x { 1 => "one", 2 => "two" } }
fn main() {
  let mut i = 0
  while i < 300 { pick(1 + i % 2)
    i = i + 1 }
  println(try { pick(3) } catch (e) { e })
  println(try { parse-int([1]) } catch (e) { e })
  pick(5)
}
`,
  // a tail-resumptive handler that compiled code runs itself fails on the 500th perform
  "handler.bg": `namespace handler
use beagle.effect as effect
enum Ask { Get { n } }
struct Bad {}
extend Bad with effect/Handler(Ask) {
  fn handle(self, op, resume) { if op.n == 500 { resume(op.n + "x") } else { resume(op.n) } }
}
fn count(n) {
  let mut s = 0
  let mut i = 0
  while i < n { s = s + perform Ask.Get { n: i }
    i = i + 1 }
  s
}
fn main() { println(handle effect/Handler(Ask) with Bad {} { count(1000) }) }
`,
};

describe("errors in compiled code", () => {
  for (const [name, src] of Object.entries(programs)) {
    test(`${name}: the same report from every engine`, () => {
      const file = join(dir, name);
      writeFileSync(file, src);
      const results = ENGINES.map(([, env]) => run(file, env));
      const ref = results[0]!;
      expect(ref.code).not.toBe(0);
      expect(ref.err).toMatch(new RegExp(`${name}:\\d+:\\d+`));
      expect(ref.err).toContain("^");
      for (const r of results.slice(1)) {
        expect(r.code).toBe(ref.code);
        expect(r.out).toBe(ref.out);
        expect(r.err).toBe(ref.err);
      }
    });
  }
});
