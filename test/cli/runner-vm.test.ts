// The test runner with the real VM: --filter by test name, a filter that matches nothing,
// a timeout that names the running test and keeps what came before, failure locations,
// per-test times, CTRF output, capped snapshot diffs, and children that die with the runner.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { cappedDiff, MAX_DIFF_LINES } from "../../cli/test-runner.ts";

const ROOT = resolve(import.meta.dir, "../..");
const ESC = String.fromCharCode(27);
const BEAGLE_TS = join(ROOT, "beagle.ts");

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "beagle-runner-vm-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const p = join(dir, name);
  mkdirSync(join(p, ".."), { recursive: true });
  writeFileSync(p, text);
  return p;
}

function beagleTest(args: string[]) {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1" };
  delete env.BEAGLE_TEST_BLOCKS;
  delete env.BEAGLE_TEST_RUNNER_COMMAND;
  const r = Bun.spawnSync([process.execPath, BEAGLE_TS, "test", ...args], {
    cwd: dir,
    env,
    stdout: "pipe",
    stderr: "pipe",
  });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}

const BLOCKS = `test "alpha adds" {
    assert-eq!(1 + 1, 2)
}

test "beta fails" {
    let x = 3
    assert-eq!(x, 4)
}

test "gamma throws" {
    throw(:gamma)
}
`;

describe("filter", () => {
  test("matches test names as well as paths; only the matching blocks run", () => {
    write("f/names.bg", BLOCKS);
    write("f/other.bg", 'test "unrelated" { assert!(true) }\n');
    const r = beagleTest(["f", "--filter", "alpha"]);
    expect(r.out).toContain("  PASS  f/names.bg");
    expect(r.out).toContain("test pass: alpha adds");
    expect(r.out).not.toContain("beta");
    expect(r.out).not.toContain("other.bg");
    expect(r.code).toBe(0);
    const byPath = beagleTest(["f", "--filter", "other"]);
    expect(byPath.out).toContain("test pass: unrelated");
    expect(byPath.out).not.toContain("names.bg");
  });

  test("a filter that matches nothing exits non-zero", () => {
    write("g/one.bg", 'test "one" { assert!(true) }\n');
    const r = beagleTest(["g", "--filter", "no-such-test"]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("No test file or test name matches 'no-such-test'");
  });
});

describe("failures", () => {
  test("a failing assertion or throw in a test block shows its file, line and caret", () => {
    write("h/fails.bg", BLOCKS);
    const r = beagleTest(["h/fails.bg"]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("test FAIL: beta fails");
    expect(r.out).toMatch(
      /fails\.bg:7:5: AssertError: assert-eq! failed\n(.*\n){2}\s+assert-eq!\(x, 4\)\n\s+\^\n\s+at main\/test beta fails \(.*fails\.bg:7\)/,
    );
    expect(r.out).toMatch(/fails\.bg:11:5: Uncaught exception: :gamma/);
  });

  test("--verbose shows per-test times", () => {
    write("v/timed.bg", 'test "quick" { assert!(true) }\n');
    const r = beagleTest(["v/timed.bg", "--verbose"]);
    expect(r.out).toMatch(/test pass: quick \(\d+(\.\d+)? ms\)/);
    expect(r.out).toMatch(/PASS {2}v\/timed\.bg \(\d+\.\d\ds\)/);
  });

  test("a timed-out file names the test that was running and keeps the results before it", () => {
    write(
      "t/hang.bg",
      [
        "fn main() {",
        '    println("main ran")',
        "}",
        'test "finishes" { assert!(true) }',
        'test "hangs forever" {',
        "    let mut i = 0",
        "    while true { i = i + 1 }",
        "}",
        'test "never reached" { assert!(true) }',
        "",
      ].join("\n"),
    );
    const r = beagleTest(["t/hang.bg", "--timeout", "3000"]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("timed out after 3000 ms (killed) while running test 'hangs forever'");
    expect(r.out).toContain("test pass: finishes");
    expect(r.out).toContain("main ran");
    expect(r.out).not.toContain("never reached");
  });

  test("a huge snapshot mismatch prints a capped diff with a summary", () => {
    write(
      "s/huge.bg",
      'fn main() {\n    for i in range(0, 50000) { println("line", i) }\n}\n// @beagle.core.snapshot\n// just this\n',
    );
    const r = beagleTest(["s/huge.bg"]);
    expect(r.code).toBe(1);
    expect(r.out.length).toBeLessThan(20_000);
    expect(r.out).toMatch(/\.\.\. diff cut after \d+ lines \(expected 1 line, 50000 in stdout\)/);
  });
});

describe("cappedDiff", () => {
  test("small diffs are whole; long ones are cut to the limit plus a summary", () => {
    expect(cappedDiff("a\nb", "a\nc").some((l) => l.startsWith("... diff cut"))).toBe(false);
    const long = Array.from({ length: 1000 }, (_, i) => `x${i}`).join("\n");
    const cut = cappedDiff("y", long);
    expect(cut.length).toBe(MAX_DIFF_LINES + 1);
    expect(cut.at(-1)).toBe(`... diff cut after ${MAX_DIFF_LINES} lines (expected 1 line, 1000 in stdout)`);
  });
});

describe("--ctrf", () => {
  test("writes a CTRF report: one test per file and per block", () => {
    write("c/blocks.bg", BLOCKS);
    write("c/snap.bg", 'fn main() { println("hi") }\n// @beagle.core.snapshot\n// hi\n');
    const r = beagleTest(["c", "--ctrf", "report.json"]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("CTRF report written to report.json");
    const rep = JSON.parse(readFileSync(join(dir, "report.json"), "utf8"));
    expect(rep.reportFormat).toBe("CTRF");
    expect(rep.results.tool.name).toBe("beagle");
    const byName = Object.fromEntries(
      rep.results.tests.map((t: { name: string; status: string }) => [t.name, t.status]),
    );
    expect(byName).toEqual({
      "c/blocks.bg": "failed",
      "c/blocks.bg > alpha adds": "passed",
      "c/blocks.bg > beta fails": "failed",
      "c/blocks.bg > gamma throws": "failed",
      "c/snap.bg": "passed",
    });
    expect(rep.results.summary).toMatchObject({ tests: 5, passed: 2, failed: 3, skipped: 0, pending: 0, other: 0 });
    expect(rep.results.summary.stop).toBeGreaterThanOrEqual(rep.results.summary.start);
    const failed = rep.results.tests.find((t: { name: string }) => t.name === "c/blocks.bg > beta fails");
    expect(failed.message).toContain("AssertError");
  });
});

describe("progress line", () => {
  test.skipIf(!existsSync("/usr/bin/script"))(
    "on a terminal, a [done/total] line is shown and cleared",
    () => {
      write("p/a.bg", 'test "a" { assert!(true) }\n');
      write("p/b.bg", 'test "b" { assert!(true) }\n');
      const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1" };
      delete env.CI;
      delete env.BEAGLE_TEST_BLOCKS;
      const r = Bun.spawnSync(["script", "-qec", `${process.execPath} ${BEAGLE_TS} test p --jobs 1`, "/dev/null"], {
        cwd: dir,
        env,
        stdin: "ignore",
        stdout: "pipe",
      });
      const raw = r.stdout.toString();
      expect(raw).toContain("[0/2] p/a.bg");
      expect(raw).toContain("[1/2] p/b.bg");
      expect(raw).toContain("\x1b[2K\r");
      const plain = raw.replace(new RegExp(`${ESC}\\[2K\\r(\\[[^\\n]*?(?=${ESC}|\\n|$))?`, "g"), "").replace(/\r/g, "");
      expect(plain).toContain("  PASS  p/a.bg\n");
      expect(plain.trimEnd().split("\n").at(-1)).toBe("2 passed, 0 failed");
      // piped (not a terminal): no progress line at all
      expect(beagleTest(["p"]).out + beagleTest(["p"]).err).not.toContain("[0/2]");
    },
    60_000,
  );
});

/** Pids of processes whose command line mentions `needle`. */
function processesMentioning(needle: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const cmd = readFileSync(`/proc/${e}/cmdline`, "utf8");
      if (cmd.includes(needle)) out.push(Number(e));
    } catch {}
  }
  return out;
}

describe("children die with the runner", () => {
  test.skipIf(!existsSync("/proc/self/cmdline"))(
    "SIGKILL of `beagle test` takes its running test files down",
    async () => {
      const marker = `spin-${process.pid}-${Date.now()}`;
      const f = write(`k/${marker}.bg`, 'test "spins" {\n    let mut i = 0\n    while true { i = i + 1 }\n}\n');
      const runner = Bun.spawn([process.execPath, BEAGLE_TS, "test", f, "--timeout", "60000"], {
        cwd: dir,
        stdout: "ignore",
        stderr: "ignore",
      });
      // wait until the child VM runs the file
      for (let i = 0; i < 200 && processesMentioning(marker).length === 0; i++) await Bun.sleep(50);
      const children = processesMentioning(marker);
      expect(children.length).toBeGreaterThan(0);
      runner.kill("SIGKILL");
      await runner.exited;
      // the watchdog kills the orphaned process group once the runner is gone
      for (let i = 0; i < 200 && processesMentioning(marker).length > 0; i++) await Bun.sleep(50);
      const left = processesMentioning(marker);
      for (const pid of left) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {}
      }
      expect(left).toEqual([]);
    },
  );
});
