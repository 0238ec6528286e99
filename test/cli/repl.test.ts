// `beagle repl`, driven through piped stdin (what CI runs) and, where `script` exists,
// through a pseudo-terminal.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { isIncomplete } from "../../compiler/diagnostics.ts";

const ROOT = resolve(import.meta.dir, "../..");
const ESC = String.fromCharCode(27);
const BEAGLE_TS = join(ROOT, "beagle.ts");

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "beagle-repl-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function env() {
  const e: Record<string, string | undefined> = { ...process.env, HOME: dir };
  delete e.BEAGLE_TEST_BLOCKS;
  return e;
}

/** A whole session from piped stdin. */
function session(lines: string[]) {
  const r = Bun.spawnSync([process.execPath, BEAGLE_TS, "repl"], {
    cwd: dir,
    env: env(),
    stdin: new TextEncoder().encode(lines.join("\n") + "\n"),
    stdout: "pipe",
    stderr: "pipe",
  });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}

describe("repl with piped stdin", () => {
  test("values print; definitions stay; multi-line input while brackets are open", () => {
    const r = session([
      "fn sq(x) { x * x }",
      "sq(7)",
      "let v = [1,",
      "  2,",
      "  3]",
      "map(fn(x) {",
      "  sq(x)",
      "}, v)",
      '"a string"',
    ]);
    expect(r.err).toBe("");
    expect(r.out).toBe('49\n[1, 4, 9]\n"a string"\n');
    expect(r.code).toBe(0);
  });

  test("functions and structs can be redefined", () => {
    const r = session([
      "fn f(x) { x + 1 }",
      "f(1)",
      "fn f(x) { x * 10 }",
      "f(1)",
      "struct P { a }",
      "P { a: 1 }",
      "struct P { a, b }",
      "P { a: 1, b: 2 }",
    ]);
    expect(r.err).toBe("");
    expect(r.out).toBe("2\n10\nP { a: 1 }\nP { a: 1, b: 2 }\n");
  });

  test("errors are reported and the session goes on", () => {
    const r = session(["let x = 5", '"a" + 1', "nope(1)", "(1, ", "]", "x * 2"]);
    expect(r.code).toBe(0);
    expect(r.out).toBe("10\n");
    expect(r.err).toContain("TypeError: Arithmetic requires numeric operands");
    expect(r.err).toContain("hint: to join strings use ++");
    expect(r.err).toContain("Undefined variable: nope");
    expect(r.err).not.toMatch(/\.ts:\d+/);
  });

  test("use of stdlib and local modules", () => {
    writeFileSync(join(dir, "helper.bg"), "namespace helper\nfn twice(x) { x * 2 }\n");
    const r = session(["use helper as h", "h/twice(21)", "use beagle.text as text", 'text/pad-left("7", 3, "0")']);
    expect(r.err).toBe("");
    expect(r.out).toBe('42\n"007"\n');
  });

  test(":doc shows a docstring, :quit ends the session, println does not echo", () => {
    const r = session([
      "/// Adds one.",
      "/// Really.",
      "fn inc(x) { x + 1 }",
      ":doc inc",
      ":doc missing-thing",
      'println("shown once")',
      ":quit",
      'println("never")',
    ]);
    expect(r.err).toBe("");
    expect(r.out).toBe(
      "user/inc — fn of 1 argument\n  Adds one.\n  Really.\nno definition named missing-thing\nshown once\n",
    );
  });

  test("await at the prompt", () => {
    const r = session([
      "use beagle.async as async",
      "let f = async/spawn(fn() { async/sleep(20)\n 6 * 7 })",
      "async/await(f)",
    ]);
    expect(r.err).toBe("");
    expect(r.out).toEndWith("42\n");
  });

  test("a spawned task runs while the prompt waits for input", async () => {
    const p = Bun.spawn([process.execPath, BEAGLE_TS, "repl"], {
      cwd: dir,
      env: env(),
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
    });
    p.stdin.write('use beagle.async as async\nasync/spawn(fn() { async/sleep(50)\n println("from the task") })\n');
    p.stdin.flush();
    // stdin stays open: the task's output must arrive while the REPL is waiting for a line
    const reader = p.stdout.getReader();
    let seen = "";
    while (!seen.includes("from the task")) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += new TextDecoder().decode(value);
    }
    expect(seen).toContain("from the task");
    p.stdin.write(":quit\n");
    p.stdin.end();
    expect(await p.exited).toBe(0);
  });
});

describe("repl on a terminal", () => {
  const hasScript = existsSync("/usr/bin/script");
  test.skipIf(!hasScript)("`beagle` with no arguments on a TTY starts it; prompts; history is saved", () => {
    const input = join(dir, "tty-input.txt");
    writeFileSync(input, "1 + 2\n[10,\n 20]\n:quit\n");
    const cmd = `${process.execPath} ${BEAGLE_TS} < /dev/tty`;
    const r = Bun.spawnSync(["script", "-qec", cmd, "/dev/null"], {
      cwd: dir,
      env: env(),
      stdin: Bun.file(input),
      stdout: "pipe",
    });
    const out = r.stdout
      .toString()
      .replace(new RegExp(`${ESC}\\[[0-9;]*[A-Za-z]`, "g"), "")
      .replace(/\r/g, "");
    expect(out).toContain("beagle> ");
    expect(out).toContain("   ...> ");
    expect(out).toContain("\n3\n");
    expect(out).toContain("[10, 20]");
    expect(readFileSync(join(dir, ".beagle_history"), "utf8")).toBe("1 + 2\n[10,\\n 20]\n");
  });
});

describe("isIncomplete", () => {
  test("open brackets and strings continue; balanced or over-closed input does not", () => {
    expect(isIncomplete("fn f() {")).toBe(true);
    expect(isIncomplete('"abc')).toBe(true);
    expect(isIncomplete('"a{" ++ "b"')).toBe(false);
    expect(isIncomplete("f(1) // (")).toBe(false);
    expect(isIncomplete("]")).toBe(false);
  });
});
