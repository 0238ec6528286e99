// Effects, continuations and threads seen from outside: what a user gets on
// stdout/stderr and as the exit code when something is left unhandled.
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dir, "../..");

function runBeagle(src: string) {
  const dir = mkdtempSync(join(tmpdir(), "beagle-fx-"));
  const file = join(dir, "prog.bg");
  writeFileSync(file, src);
  const p = Bun.spawnSync([process.execPath, join(root, "beagle.ts"), file], {
    stdout: "pipe",
    stderr: "pipe",
    cwd: dir,
  });
  rmSync(dir, { recursive: true, force: true });
  return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
}

test("a perform with no handler stops the program with an error naming the effect, at the perform", () => {
  const r = runBeagle(`enum Missing { Op { x } }
fn helper() { perform Missing.Op { x: 1 } }
fn main() {
  println("before")
  helper()
  println("never")
}
`);
  expect(r.code).toBe(1);
  expect(r.out).toBe("before\n");
  expect(r.out).not.toContain("never");
  expect(r.err).toContain(
    "prog.bg:2:15: RuntimeError: Unhandled effect: no handler installed for Missing (performing Missing.Op { x: 1 })",
  );
});

test("shift outside any reset is an error at the shift", () => {
  const r = runBeagle(`fn main() {\n  shift(fn(k) { 1 })\n}\n`);
  expect(r.code).toBe(1);
  expect(r.err).toContain("prog.bg:2:3: RuntimeError: shift without an enclosing reset");
});

test("an uncaught runtime error in a thread is reported and ends only that thread", () => {
  const r = runBeagle(`fn main() {
  thread(fn() { 1 / 0 })
  thread(fn() { throw({:code 7}) })
  thread(fn() {
    let mut i = 0
    while i < 100000 { i = i + 1 }
    println("other thread finished", i)
  })
  println("main finished")
}
`);
  expect(r.code).toBe(0);
  const lines = r.out.trim().split("\n");
  expect(lines).toContain("main finished");
  expect(lines).toContain("other thread finished 100000");
  expect(lines).toContain("Uncaught exception in thread: {:code 7}");
  expect(
    lines.some((l) =>
      l.startsWith('Uncaught exception in thread: SystemError.RuntimeError { message: "Division by zero"'),
    ),
  ).toBe(true);
  expect(r.err).toContain("RuntimeError: Division by zero");
});

test("the program exits only when every thread has finished", () => {
  const r = runBeagle(`fn main() {
  thread(fn() {
    let mut i = 0
    while i < 300000 { i = i + 1 }
    println("thread done")
  })
  println("main done")
}
`);
  expect(r.code).toBe(0);
  expect(r.out).toBe("main done\nthread done\n");
});
