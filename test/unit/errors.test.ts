// How a user's mistakes reach the terminal: an uncaught runtime error prints one
// report on stderr — `file:line:col: Kind: message`, the source line and a caret,
// then the Beagle stack — and the process exits 1 (stdout keeps only what the
// program printed). Compile errors print the same located diagnostic before
// anything runs.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "../..");
const BEAGLE_TS = join(ROOT, "beagle.ts");

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "beagle-errors-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

let counter = 0;
/** Write `source` to a fresh file and run it; returns the file path too. */
function runSource(source: string) {
  const file = join(dir, `prog${counter++}.bg`);
  writeFileSync(file, source);
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1" };
  delete env.BEAGLE_TEST_BLOCKS;
  delete env.BEAGLE_DEBUG;
  const r = Bun.spawnSync([process.execPath, BEAGLE_TS, file], {
    cwd: dir,
    env,
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
  });
  return { file, code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

/** The first three lines of the report: header, source line, caret line (the stack follows). */
function diagnostic(stderr: string) {
  const lines = stderr.trimEnd().split("\n");
  expect(lines.length).toBeGreaterThanOrEqual(3);
  const [header, src, caret] = lines.slice(0, 3) as [string, string, string];
  return { header, src, caret, caretCol: caret.indexOf("^") + 1 };
}

describe("uncaught runtime errors", () => {
  test("null property access: one report on stderr (file:line:col, source line, caret, stack), exit 1", () => {
    const r = runSource(
      [
        "fn helper(p) {",
        "    p.name",
        "}",
        "",
        "fn main() {",
        '    println("before")',
        "    helper(null)",
        "}",
        "",
      ].join("\n"),
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("before\n");
    const d = diagnostic(r.stderr);
    expect(d.header).toBe(`${r.file}:2:5: TypeError: Cannot access property 'name' on null`);
    expect(d.src).toBe("    p.name");
    expect(d.caretCol).toBe(5);
  });

  test("a thrown value that nobody catches", () => {
    const r = runSource(["fn main() {", '    throw("boom")', "}", ""].join("\n"));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    const d = diagnostic(r.stderr);
    expect(d.header).toBe(`${r.file}:2:5: Uncaught exception: boom`);
    expect(d.src).toBe('    throw("boom")');
    expect(d.caretCol).toBe(5);
  });

  test("calling a non-function points at the call", () => {
    const r = runSource(["fn main() {", "    let x = 1", "    let y = x(2)", "}", ""].join("\n"));
    expect(r.code).toBe(1);
    const d = diagnostic(r.stderr);
    expect(d.header).toBe(`${r.file}:3:13: TypeError: Value is not callable (got Int)`);
    expect(d.src).toBe("    let y = x(2)");
    expect(d.caretCol).toBe(13);
  });

  test("wrong arity", () => {
    const r = runSource(["fn two(a, b) { a }", "fn main() {", "    two(1)", "}", ""].join("\n"));
    expect(r.code).toBe(1);
    expect(diagnostic(r.stderr).header).toBe(
      `${r.file}:3:5: ArityError: Arity mismatch for 'main/two': expected 2 args, got 1`,
    );
  });

  test("division by zero in top-level code", () => {
    const r = runSource(['println("start")', "let x = 10 / 0", 'println("never")', ""].join("\n"));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("start\n");
    expect(r.stdout).not.toContain("never");
    const d = diagnostic(r.stderr);
    expect(d.header).toMatch(
      new RegExp(`^${r.file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:2:\\d+: RuntimeError: Division by zero$`),
    );
    expect(d.src).toBe("let x = 10 / 0");
  });

  test("an error inside a callback is reported where the callback's code is", () => {
    const r = runSource(
      ["fn main() {", "    let v = map(fn(x) {", "        x.missing", "    }, [1])", "}", ""].join("\n"),
    );
    expect(r.code).toBe(1);
    const d = diagnostic(r.stderr);
    expect(d.header).toBe(`${r.file}:3:9: TypeError: Cannot access property 'missing' on Int`);
    expect(d.src).toBe("        x.missing");
  });

  test("a rethrown runtime error keeps its kind and the catch site is reported", () => {
    const r = runSource(
      [
        "struct P { x }",
        "fn main() {",
        "    try {",
        "        P { x: 1 }.y",
        "    } catch (e) {",
        "        throw(e)",
        "    }",
        "}",
        "",
      ].join("\n"),
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    const d = diagnostic(r.stderr);
    expect(d.header).toBe(`${r.file}:6:9: FieldError: Field 'y' does not exist on P`);
  });

  test("a caught error does not stop the program", () => {
    const r = runSource(
      ["fn main() {", "    let r = try { null.x } catch (e) { e.message }", "    println(r)", "}", ""].join("\n"),
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("Cannot access property 'x' on null\n");
  });
});

describe("compile errors", () => {
  const cases: [string, string[], number, number, string][] = [
    [
      "syntax error",
      ["fn main() {", '    println("hi"', "}"],
      3,
      1,
      "expected ',' or ')' to close the argument list, found '}'",
    ],
    [
      "let mut at top level",
      ["let mut x = 1"],
      1,
      5,
      "'let mut' is not allowed at top level (use an atom for shared mutable state)",
    ],
    [
      "assigning an immutable local",
      ["fn main() {", "    let x = 1", "    x = 2", "}"],
      3,
      5,
      "Cannot assign to immutable variable 'x'",
    ],
    ["undefined variable", ["fn main() {", "    println(nope)", "}"], 2, 13, "Undefined variable: nope"],
    [
      "unknown field in a struct literal",
      ["struct P { x }", "fn main() {", "    P { y: 1 }", "}"],
      3,
      5,
      "Field 'y' does not exist on P",
    ],
    [
      "integer literal too large",
      ["fn main() {", "    1152921504606846976", "}"],
      2,
      5,
      "integer literal 1152921504606846976 does not fit in 61 bits (-1152921504606846976 to 1152921504606846975)",
    ],
    ["unknown namespace", ["use no.such.thing as t"], 1, 1, "Cannot resolve namespace 'no.such.thing'"],
    ["break outside a loop", ["fn main() {", "    break(1)", "}"], 2, 5, "break outside of a loop"],
    ["unknown enum variant", ["enum E { A, B }", "fn main() {", "    E.C", "}"], 3, 5, "Enum E has no variant C"],
  ];
  for (const [name, lines, line, col, message] of cases) {
    test(name, () => {
      const r = runSource(lines.join("\n") + "\n");
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      const d = diagnostic(r.stderr);
      expect(d.header).toBe(`${r.file}:${line}:${col}: ${message}`);
      expect(d.src).toBe(lines[line - 1]!);
      expect(d.caretCol).toBe(col);
    });
  }

  test("nothing runs when the file does not compile", () => {
    const r = runSource(['println("top level")', "fn main() {", "    undefined-thing()", "}", ""].join("\n"));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("Undefined variable: undefined-thing");
  });
});
