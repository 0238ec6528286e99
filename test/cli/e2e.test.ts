// End-to-end: real Beagle programs through the real VM, the test runner on them,
// and both single-file executables (the CLI itself, and a program built with
// `beagle build`) run from a temporary directory outside the checkout.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { compileEntry } from "../../cli/build.ts";
import { findExpectation } from "../../cli/snapshot.ts";

const ROOT = resolve(import.meta.dir, "../..");
const BEAGLE_TS = join(ROOT, "beagle.ts");
const HELLO = join(ROOT, "examples", "hello.bg");
const HELLO_EXPECTED = findExpectation(readFileSync(HELLO, "utf8"))!.expected;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "beagle-e2e-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function run(argv: string[], cwd = dir) {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1" };
  delete env.BEAGLE_TEST_RUNNER_COMMAND;
  delete env.BEAGLE_TEST_BLOCKS;
  // a hang (e.g. a pool worker that cannot start) fails the test instead of stalling it
  const r = Bun.spawnSync(argv, { cwd, env, stdout: "pipe", stderr: "pipe", stdin: "ignore", timeout: 30_000 });
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

const beagle = (...args: string[]) => run([process.execPath, BEAGLE_TS, ...args]);
const lastLine = (s: string) => s.trimEnd().split("\n").at(-1);

// File work on the Worker pool: its worker script must be embedded in executables too.
const POOLED_IO = `use beagle.async as async
fn main() {
  println(async/write-file("pooled.txt", "through the pool"))
  println(async/read-file("pooled.txt"))
}
`;
const POOLED_EXPECTED = 'Result.Ok { value: 16 }\nResult.Ok { value: "through the pool" }\n';

describe("the VM through the CLI", () => {
  test("examples/hello.bg prints its expectation block", () => {
    const r = beagle(HELLO);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(HELLO_EXPECTED);
  });

  test("`run FILE` is the same as `FILE`", () => {
    expect(beagle("run", HELLO).stdout).toBe(beagle(HELLO).stdout);
  });

  test("beagle test: snapshot pass and fail, test blocks, exit codes", () => {
    const good = join(dir, "good.bg");
    writeFileSync(
      good,
      [
        "fn main() {",
        '    println("one")',
        "    println([1, 2])",
        "}",
        'test "arithmetic" {',
        "    assert-eq!(1 + 1, 2)",
        "}",
        "// @beagle.core.snapshot",
        "// one",
        "// [1, 2]",
        "",
      ].join("\n"),
    );
    const bad = join(dir, "bad.bg");
    writeFileSync(
      bad,
      [
        "fn main() {",
        '    println("two")',
        "}",
        'test "wrong" {',
        "    assert-eq!(1 + 1, 3)",
        "}",
        "// @beagle.core.snapshot",
        "// three",
        "",
      ].join("\n"),
    );
    const r = beagle("test", good, bad);
    expect(r.stdout).toContain("  PASS  good.bg");
    expect(r.stdout).toContain("        test pass: arithmetic");
    expect(r.stdout).toContain("  FAIL  bad.bg");
    expect(r.stdout).toContain("          -three");
    expect(r.stdout).toContain("          +two");
    expect(r.stdout).toContain("        test FAIL: wrong");
    expect(lastLine(r.stdout)).toBe("1 passed, 1 failed");
    expect(r.code).toBe(1);
  });

  // The VM writes `@@beagle-test-blocks-begin` to stdout before the first block
  // (docs/testing.md, "Contract"), so the runner can cut block output off.
  test("output printed by test blocks does not count against the snapshot", () => {
    const f = join(dir, "block-prints.bg");
    writeFileSync(
      f,
      [
        'fn main() { println("from main") }',
        'test "prints" { println("from a block") }',
        "// @beagle.core.snapshot",
        "// from main",
        "",
      ].join("\n"),
    );
    const r = beagle("test", f);
    expect(r.stdout).toContain("  PASS  block-prints.bg");
    expect(r.code).toBe(0);
  });

  test("a runtime error fails the file and shows the error", () => {
    const f = join(dir, "throws.bg");
    writeFileSync(
      f,
      ['fn main() { println("before") throw("boom") }', "// @beagle.core.snapshot", "// before", ""].join("\n"),
    );
    const r = beagle("test", f);
    expect(r.stdout).toContain("  FAIL  throws.bg");
    expect(r.stdout).toContain("exited with code");
    expect(r.stdout).toContain("boom");
    expect(r.code).toBe(1);
  });

  test("--update-snapshots with the real VM", () => {
    const f = join(dir, "update.bg");
    writeFileSync(
      f,
      ['fn main() { println("fresh") println("  padded") }', "// @beagle.core.snapshot", "// stale", ""].join("\n"),
    );
    const r = beagle("test", f, "--update-snapshots");
    expect(r.stdout).toContain("  PASS  update.bg (snapshot updated)");
    expect(readFileSync(f, "utf8")).toContain("// @beagle.core.snapshot\n// fresh\n// |  padded\n");
    expect(lastLine(beagle("test", f).stdout)).toBe("1 passed, 0 failed");
  });
});

describe("single-file executables", () => {
  test("the compiled CLI runs a program and its own test runner outside the checkout", () => {
    const exe = join(dir, "beagle");
    const b = compileEntry(BEAGLE_TS, exe);
    expect(b.output).not.toContain("error");
    expect(b.code).toBe(0);
    const work = mkdtempSync(join(dir, "cli-"));
    copyFileSync(HELLO, join(work, "hello.bg"));

    const r = run([exe, "hello.bg"], work);
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe(HELLO_EXPECTED);

    writeFileSync(join(work, "pooled.bg"), POOLED_IO);
    const p = run([exe, "pooled.bg"], work);
    expect(p.stdout).toBe(POOLED_EXPECTED);
    expect(p.code).toBe(0);

    // The runner must re-invoke the executable itself, not `bun beagle.ts`.
    const t = run([exe, "test", "hello.bg"], work);
    expect(t.stdout).toContain("  PASS  hello.bg");
    expect(lastLine(t.stdout)).toBe("1 passed, 0 failed");
    expect(t.code).toBe(0);
  }, 120_000);

  test("beagle build makes a program executable that runs anywhere", () => {
    const exe = join(dir, "hello");
    const b = beagle("build", HELLO, "-o", exe);
    expect(b.code).toBe(0);
    expect(existsSync(exe)).toBe(true);
    const work = mkdtempSync(join(dir, "prog-"));
    const r = run([exe], work);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(HELLO_EXPECTED);

    const src = join(dir, "pooled.bg");
    writeFileSync(src, POOLED_IO);
    const pexe = join(dir, "pooled");
    expect(beagle("build", src, "-o", pexe).code).toBe(0);
    const p = run([pexe], work);
    expect(p.stdout).toBe(POOLED_EXPECTED);
    expect(p.code).toBe(0);
  }, 120_000);

  test("beagle build embeds every module the program uses; the executable runs with the sources gone", () => {
    const src = mkdtempSync(join(dir, "multi-"));
    mkdirSync(join(src, "lib"));
    writeFileSync(
      join(src, "app.bg"),
      [
        "use helper as h",
        "use lib.util as u",
        "use beagle.text as text",
        "fn main(args) {",
        '    println(h/twice(21), u/shout("hi"), text/pad-left("7", 3, "0"), args)',
        "    if length(args) > 1 { u/fail() }",
        "}",
        "",
      ].join("\n"),
    );
    writeFileSync(join(src, "helper.bg"), "namespace helper\nuse lib.util as u\nfn twice(x) { u/id(x) * 2 }\n");
    writeFileSync(
      join(src, "lib", "util.bg"),
      'namespace lib.util\nfn id(x) { x }\nfn shout(s) { s ++ "!" }\nfn fail() {\n    1 / 0\n}\n',
    );
    const exe = join(dir, "multi-app");
    const b = beagle("build", join(src, "app.bg"), "-o", exe);
    expect(b.code).toBe(0);
    expect(b.stderr).toContain("with helper.bg, lib/util.bg");
    rmSync(src, { recursive: true, force: true });
    const elsewhere = mkdtempSync(join(dir, "elsewhere-"));
    const r = run([exe, "x"], elsewhere);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe('42 hi! 007 ["x"]\n');
    // errors inside an embedded module name it as it was named in the source tree
    const e = run([exe, "x", "y"], elsewhere);
    expect(e.code).toBe(1);
    expect(e.stderr.split("\n")[0]).toBe("lib/util.bg:5:5: RuntimeError: Division by zero");
    expect(e.stderr).toContain("    at lib.util/fail (lib/util.bg:5)");
  }, 120_000);

  test("beagle build refuses a program whose modules cannot all be found", () => {
    const src = join(dir, "broken.bg");
    writeFileSync(src, "use not.there as n\nfn main() { 1 }\n");
    const b = beagle("build", src, "-o", join(dir, "broken"));
    expect(b.code).toBe(1);
    expect(b.stderr).toContain("broken.bg:1:1: Cannot resolve namespace 'not.there'");
    expect(b.stderr).toContain("beagle build: not built");
    expect(existsSync(join(dir, "broken"))).toBe(false);
  });

  test("beagle build usage errors", () => {
    expect(beagle("build").code).toBe(2);
    expect(beagle("build", join(dir, "missing.bg"), "-o", join(dir, "x")).code).toBe(2);
  });
});
