// What a user sees when a program fails: one report on stderr (`file:line:col: Kind: message`,
// the source line and a caret, then the Beagle stack innermost first), hints for likely typos,
// and never a JavaScript stack trace for a mistake a user can make.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { closestAll, editDistance, unclosedBracket } from "../../compiler/diagnostics.ts";

const ROOT = resolve(import.meta.dir, "../..");
const BEAGLE_TS = join(ROOT, "beagle.ts");

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "beagle-report-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(name: string, source: string, files: Record<string, string> = {}) {
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  writeFileSync(join(dir, name), source);
  const env: Record<string, string | undefined> = { ...process.env };
  delete env.BEAGLE_TEST_BLOCKS;
  delete env.BEAGLE_DEBUG;
  const r = Bun.spawnSync([process.execPath, BEAGLE_TS, name], { cwd: dir, env, stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}

/** No JavaScript stack frames or Bun crash banners. */
function noJsTrace(err: string) {
  expect(err).not.toMatch(/\.ts:\d+:\d+\)|^\s+at .*\.ts|Bun v\d|error: Beagle throw/m);
}

describe("one report with the Beagle stack", () => {
  test("header, source line, caret, then the stack innermost first; printed once", () => {
    const r = run(
      "deep.bg",
      [
        "fn inner(x) {",
        "    let y = x / 0",
        "    y",
        "}",
        "fn middle(x) {",
        "    let r = inner(x)",
        "    r + 1",
        "}",
        "fn main() {",
        '    println("start")',
        "    let v = middle(3)",
        "    v",
        "}",
        "",
      ].join("\n"),
    );
    expect(r.code).toBe(1);
    expect(r.out).toBe("start\n");
    expect(r.err.split("\n").slice(0, 7)).toEqual([
      "deep.bg:2:13: RuntimeError: Division by zero",
      "    let y = x / 0",
      "            ^",
      "    at main/inner (deep.bg:2)",
      "    at main/middle (deep.bg:6)",
      "    at main/main (deep.bg:11)",
      "",
    ]);
    expect(r.err.match(/Division by zero/g)?.length).toBe(1);
    noJsTrace(r.err);
  });

  test("the error value's location is upstream's (function and header line); the caret shows the failing line", () => {
    const r = run(
      "loc.bg",
      [
        "fn f(a) {",
        "    let b = a + 1",
        "    b / 0",
        "}",
        "fn main() {",
        "    let e = try { f(1) } catch (e) { e }",
        "    println(e.location)",
        "    f(2)",
        "}",
        "",
      ].join("\n"),
    );
    expect(r.out).toBe("main/f (loc.bg:1)\n");
    expect(r.err.split("\n")[0]).toBe("loc.bg:3:5: RuntimeError: Division by zero");
  });

  test("a very deep stack is cut in the middle", () => {
    const r = run(
      "rec.bg",
      [
        "fn down(n) {",
        "    if n == 0 { throw(:bottom) }",
        "    let r = down(n - 1)",
        "    r",
        "}",
        "fn main() { down(100) }",
        "",
      ].join("\n"),
    );
    expect(r.code).toBe(1);
    const lines = r.err.trimEnd().split("\n");
    expect(lines[0]).toBe("rec.bg:2:17: Uncaught exception: :bottom");
    const frames = lines.filter((l) => l.startsWith("    at "));
    expect(frames.length).toBe(20);
    expect(frames[0]).toBe("    at main/down (rec.bg:2)");
    expect(frames[1]).toBe("    at main/down (rec.bg:3)");
    expect(lines).toContain("    ... 81 more frames ...");
  });

  test("a stack deeper than the capture keeps (2 × 200 frames) still counts every frame", () => {
    const r = run(
      "huge.bg",
      "fn deep(n) { if n == 0 { throw(:bottom) } else { 1 + deep(n - 1) } }\nfn main() { deep(5000) }\n",
    );
    const lines = r.err.trimEnd().split("\n");
    expect(lines.filter((l) => l.startsWith("    at main/deep (huge.bg:1)")).length).toBe(20);
    expect(lines).toContain("    ... 4981 more frames ...");
  });

  test("an error that crosses await shows where the task raised it and the awaiting chain", () => {
    const r = run(
      "task.bg",
      [
        "use beagle.async as async",
        "fn work(n) {",
        "    let x = 10 / n",
        "    x + 1",
        "}",
        "fn waiter(f) {",
        "    let v = async/await(f)",
        "    v + 1",
        "}",
        "fn main() {",
        "    let f = async/spawn(fn() { work(0) })",
        "    let r = waiter(f)",
        "    println(r)",
        "}",
        "",
      ].join("\n"),
    );
    expect(r.code).toBe(1);
    const lines = r.err.trimEnd().split("\n");
    expect(lines[0]).toBe("task.bg:3:13: RuntimeError: Division by zero");
    expect(lines.slice(3)).toEqual([
      "    at main/work (task.bg:3)",
      "  awaited by:",
      "    at main/waiter (task.bg:7)",
      "    at main/main (task.bg:12)",
    ]);
  });
});

describe("errors through several awaits", () => {
  test("each awaiting task's chain is shown, innermost first", () => {
    const r = run(
      "chain.bg",
      [
        "use beagle.async as async",
        "fn leaf(n) {",
        "    let x = 10 / n",
        "    x",
        "}",
        "fn middle() {",
        "    let inner = async/spawn(fn() { leaf(0) })",
        "    let v = async/await(inner)",
        "    v + 1",
        "}",
        "fn main() {",
        "    let outer = async/spawn(fn() { middle() })",
        "    let r = async/await(outer)",
        "    println(r)",
        "}",
        "",
      ].join("\n"),
    );
    expect(r.code).toBe(1);
    expect(r.err.trimEnd().split("\n")).toEqual([
      "chain.bg:3:13: RuntimeError: Division by zero",
      "    let x = 10 / n",
      "            ^",
      "    at main/leaf (chain.bg:3)",
      "  awaited by:",
      "    at main/middle (chain.bg:8)",
      "  awaited by:",
      "    at main/main (chain.bg:13)",
    ]);
  });
});

describe("hints", () => {
  const cases: [string, string, string][] = [
    ["undefined local", "fn main() {\n    let count = 3\n    println(cont)\n}\n", "hint: did you mean 'count'?"],
    ["undefined function", 'fn main() { printn("x") }\n', "hint: did you mean 'print' or 'println'?"],
    ["unknown namespace", "use beagle.jsn as j\nfn main() { 1 }\n", "hint: did you mean 'beagle.json'?"],
    ["unknown alias", 'use beagle.text as text\nfn main() { txt/pad-left("a", 3) }\n', "hint: did you mean 'text'?"],
    [
      "struct field at run time",
      "struct Point { x, y }\nfn main() {\n    let p = Point { x: 1, y: 2 }\n    println(p.xx)\n}\n",
      "hint: did you mean 'x'? (Point has fields: x, y)",
    ],
    [
      "struct field in a literal",
      "struct Pair { left, right }\nfn main() { Pair { left: 1, rigth: 2 } }\n",
      "hint: did you mean 'right'?",
    ],
    ["enum variant", "enum Color { Red, Green }\nfn main() { Color.Gren }\n", "hint: did you mean 'Color.Green'?"],
    ["string + number", 'fn main() {\n    println("a" + 1)\n}\n', "hint: to join strings use ++"],
  ];
  for (const [name, src, hint] of cases) {
    test(name, () => {
      const r = run("hint.bg", src);
      expect(r.code).toBe(1);
      expect(r.err.split("\n")[3]).toStartWith(hint);
      noJsTrace(r.err);
    });
  }

  test("no hint when nothing is close", () => {
    const r = run("nohint.bg", "fn main() { zzzzqqq }\n");
    expect(r.err).not.toContain("hint:");
  });

  test("an unclosed bracket is reported where it was opened too", () => {
    const r = run("open.bg", "fn main() {\n    let x = [1, 2\n    println(x)\n}\n");
    expect(r.code).toBe(1);
    const lines = r.err.trimEnd().split("\n");
    expect(lines[0]).toStartWith("open.bg:4:1: ");
    expect(lines.slice(3)).toEqual([
      "open.bg:2:13: note: this '[' is never closed",
      "    let x = [1, 2",
      "            ^",
    ]);
  });
});

describe("top-level faults are Beagle errors, not JS stack traces", () => {
  test("running a directory", () => {
    mkdirSync(join(dir, "adir"), { recursive: true });
    const s = Bun.spawnSync([process.execPath, BEAGLE_TS, "adir"], { cwd: dir, stderr: "pipe" });
    expect(s.exitCode).toBe(2);
    expect(s.stderr.toString()).toBe(
      "beagle: adir is a directory, not a Beagle file (to run its tests: beagle test adir)\n",
    );
  });

  test("a missing file", () => {
    const s = Bun.spawnSync([process.execPath, BEAGLE_TS, "nope.bg"], { cwd: dir, stderr: "pipe" });
    expect(s.exitCode).toBe(2);
    expect(s.stderr.toString()).toBe("beagle: cannot open nope.bg: no such file\n");
  });

  test("`use` of a module whose file name is a directory", () => {
    mkdirSync(join(dir, "dirmod.bg"), { recursive: true });
    const r = run("usedir.bg", "use dirmod as d\nfn main() { 1 }\n");
    expect(r.code).toBe(1);
    expect(r.err.split("\n")[0]).toBe("usedir.bg:1:1: Cannot resolve namespace 'dirmod'");
    noJsTrace(r.err);
  });

  test("an imported module whose top-level code throws", () => {
    const r = run("importer.bg", 'use thrower as t\nfn main() { println("never") }\n', {
      "thrower.bg": "namespace thrower\nlet ok = 1\nthrow({:bad 1})\n",
    });
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    const lines = r.err.trimEnd().split("\n");
    expect(lines[0]).toEndWith("thrower.bg:3:1: Uncaught exception: {:bad 1}");
    expect(lines[1]).toBe("throw({:bad 1})");
    expect(lines[3]).toMatch(/^ {4}at thrower \(top level\) \(.*thrower\.bg:3\)$/);
    noJsTrace(r.err);
  });
});

describe("edit distance", () => {
  test("known values", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("tset", "test")).toBe(1);
    expect(editDistance("", "abc")).toBe(3);
    expect(closestAll("tset", ["test", "run", "build"])).toEqual(["test"]);
    expect(closestAll("xyz", ["test", "run"])).toEqual([]);
  });

  test("is a metric on short strings (identity, symmetry, triangle inequality)", () => {
    const s = fc.string({ maxLength: 8 });
    fc.assert(
      fc.property(s, s, s, (a, b, c) => {
        expect(editDistance(a, b) === 0).toBe(a === b);
        expect(editDistance(a, b)).toBe(editDistance(b, a));
        expect(editDistance(a, c)).toBeLessThanOrEqual(editDistance(a, b) + editDistance(b, c));
        expect(editDistance(a, b)).toBeLessThanOrEqual(Math.max(a.length, b.length));
      }),
    );
  });

  test("the early exit never changes a result within the bound", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }), fc.nat(4), (a, b, max) => {
        const full = editDistance(a, b);
        const bounded = editDistance(a, b, max);
        if (full <= max) expect(bounded).toBe(full);
        else expect(bounded).toBeGreaterThan(max);
      }),
    );
  });
});

describe("unclosed brackets", () => {
  test("balanced text, strings and comments with brackets in them", () => {
    expect(unclosedBracket('fn f() { "(" ++ "[" } // {\n')).toBeNull();
  });
  test("the innermost opener a wrong closer meets", () => {
    expect(unclosedBracket("f(1, [2, 3)")).toEqual({ ch: "[", line: 1, col: 6 });
    expect(unclosedBracket("{\n  (\n")).toEqual({ ch: "(", line: 2, col: 3 });
  });
});
