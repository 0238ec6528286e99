// The command line itself: --version, --help, a mistyped subcommand, `beagle init`.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { COMMANDS, SUBCOMMANDS, TEST_OPTIONS } from "../../cli/usage.ts";

const ROOT = resolve(import.meta.dir, "../..");
const BEAGLE_TS = join(ROOT, "beagle.ts");

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "beagle-flags-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function beagle(args: string[], cwd = dir) {
  const env: Record<string, string | undefined> = { ...process.env };
  delete env.BEAGLE_TEST_BLOCKS;
  const r = Bun.spawnSync([process.execPath, BEAGLE_TS, ...args], {
    cwd,
    env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}

describe("flags", () => {
  test("--version prints the package version", () => {
    const r = beagle(["--version"]);
    expect(r.code).toBe(0);
    expect(r.out).toStartWith(`beagle ${pkg.version} `);
  });

  test("--help has a line for every subcommand and every test option", () => {
    const r = beagle(["--help"]);
    expect(r.code).toBe(0);
    const lines = r.out.split("\n");
    for (const sub of SUBCOMMANDS.filter((s) => s !== "help" && s !== "version"))
      expect(lines.some((l) => l.trimStart().startsWith(`beagle ${sub}`))).toBe(true);
    for (const [usage] of [...COMMANDS, ...TEST_OPTIONS]) expect(lines.some((l) => l.includes(usage))).toBe(true);
    expect(lines.some((l) => l.includes("--all-tests"))).toBe(true);
  });

  test("no arguments and no terminal: usage on stderr, exit 2", () => {
    const r = beagle([]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("beagle repl");
  });

  test("a mistyped subcommand gets a suggestion, not a missing-file error", () => {
    const r = beagle(["tset"]);
    expect(r.code).toBe(2);
    expect(r.err).toBe("beagle: unknown command 'tset' (did you mean 'test'?); see beagle --help\n");
    expect(beagle(["--verison"]).err).toContain("did you mean '--version'?");
    expect(beagle(["biuld"]).err).toContain("did you mean 'build'?");
  });

  test("a word far from every subcommand is taken as a file name", () => {
    const r = beagle(["program-that-is-missing"]);
    expect(r.code).toBe(2);
    expect(r.err).toBe("beagle: cannot open program-that-is-missing: no such file\n");
  });
});

describe("beagle init", () => {
  test("makes a project that runs and whose tests pass", () => {
    const r = beagle(["init", "myproj"]);
    expect(r.code).toBe(0);
    const proj = join(dir, "myproj");
    for (const f of ["main.bg", "greeting.bg", "test/greeting_test.bg"]) expect(existsSync(join(proj, f))).toBe(true);
    expect(beagle(["main.bg"], proj).out).toBe("Hello, myproj!\n");
    expect(beagle(["main.bg", "Ada"], proj).out).toBe("Hello, Ada!\n");
    const t = beagle(["test", "."], proj);
    expect(t.out).toContain("test pass: hello greets by name");
    expect(t.out).toContain("test pass: hello keeps the name as given");
    expect(t.out.trimEnd().split("\n").pop()).toBe("2 passed, 0 failed");
    expect(t.code).toBe(0);
  });

  test("refuses a non-empty directory and a bad name", () => {
    expect(beagle(["init", "myproj2"]).code).toBe(0);
    const again = beagle(["init", "myproj2"]);
    expect(again.code).toBe(2);
    expect(again.err).toContain("already exists");
    expect(beagle(["init", "9 bad"]).code).toBe(2);
    expect(beagle(["init"]).code).toBe(2);
  });
});
