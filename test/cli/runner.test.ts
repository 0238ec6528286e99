// The test runner driven against a scripted stand-in for the VM
// (test/cli/fixtures/fake-vm.ts), so these tests do not depend on the compiler.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs, runSuite, summaryLine, type SuiteConfig } from "../../cli/test-runner.ts";

const ROOT = resolve(import.meta.dir, "../..");
const FAKE_VM = [process.execPath, join(import.meta.dir, "fixtures", "fake-vm.ts"), "run"];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "beagle-runner-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, lines: string[]): string {
  const p = join(dir, name);
  mkdirSync(join(p, ".."), { recursive: true });
  writeFileSync(p, lines.join("\n") + "\n");
  return p;
}

async function suite(files: string[], over: Partial<SuiteConfig> = {}) {
  const out: string[] = [];
  const summary = await runSuite(files, {
    paths: [],
    filter: null,
    updateSnapshots: false,
    timeoutMs: 10_000,
    jobs: 4,
    verbose: false,
    ctrf: null,
    command: FAKE_VM,
    cwd: dir,
    print: (l) => out.push(l),
    color: false,
    ...over,
  });
  return { summary, out, text: out.join("\n") };
}

/** Run the real CLI (`bun beagle.ts ...`) with the fake VM substituted. */
function cli(args: string[], cwd = dir) {
  const r = Bun.spawnSync([process.execPath, join(ROOT, "beagle.ts"), ...args], {
    cwd,
    env: { ...process.env, BEAGLE_TEST_RUNNER_COMMAND: JSON.stringify(FAKE_VM), NO_COLOR: "1" },
    stdout: "pipe",
    stderr: "pipe",
  });
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

describe("argument parsing", () => {
  test("options and paths", () => {
    expect(
      parseArgs(["a", "--filter", "x", "--update-snapshots", "--timeout=500", "-j", "3", "b", "--ctrf", "r.json"]),
    ).toEqual({
      paths: ["a", "b"],
      filter: "x",
      updateSnapshots: true,
      timeoutMs: 500,
      jobs: 3,
      verbose: false,
      ctrf: "r.json",
    });
  });
  test("errors", () => {
    expect(parseArgs(["--jobs", "0"])).toHaveProperty("error");
    expect(parseArgs(["--timeout"])).toHaveProperty("error");
    expect(parseArgs(["--bogus"])).toHaveProperty("error");
    expect(parseArgs(["--ctrf"])).toHaveProperty("error");
  });
});

describe("running files", () => {
  test("a matching snapshot passes; a mismatch fails with a diff", async () => {
    const ok = file("ok.bg", ["//! out hello", "//! out 42", "// @beagle.core.snapshot", "// hello", "// 42"]);
    const bad = file("bad.bg", [
      "//! out hello",
      "//! out 43",
      "//! out end",
      "// @beagle.core.snapshot",
      "// hello",
      "// 42",
      "// end",
    ]);
    const { summary, out } = await suite([ok, bad]);
    expect(summary.passed).toBe(1);
    expect(summary.failed).toBe(1);
    expect(out).toContain("  PASS  ok.bg");
    const i = out.indexOf("  FAIL  bad.bg");
    expect(i).toBeGreaterThan(-1);
    expect(out.slice(i + 1, i + 10)).toEqual([
      "        stdout does not match the expectation block:",
      "          --- expected",
      "          +++ actual stdout",
      "          @@ -1,3 +1,3 @@",
      "           hello",
      "          -42",
      "          +43",
      "           end",
      "",
    ]);
    expect(out.at(-1)).toBe("1 passed, 1 failed");
  });

  test("non-zero exit fails even when stdout matches, and shows stderr", async () => {
    const f = file("crash.bg", [
      "//! out hello",
      "//! err crash.bg:3:1: boom",
      "//! exit 1",
      "// @beagle.core.snapshot",
      "// hello",
    ]);
    const { summary, text } = await suite([f]);
    expect(summary.failed).toBe(1);
    expect(text).toContain("exited with code 1");
    expect(text).toContain("crash.bg:3:1: boom");
  });

  test("a file without expectations passes when it exits 0", async () => {
    const f = file("plain.bg", ["//! out whatever"]);
    expect((await suite([f])).summary.passed).toBe(1);
  });

  // Not a skipped test: it tests the runner's `// Skip` directive on fixture files
  // (which would fail with exit 3 if the runner ran them instead of skipping them).
  test("skip", async () => {
    const a = file("skip-a.bg", ["// Skip", "//! exit 3", "// @beagle.core.snapshot", "// x"]);
    const b = file("skip-b.bg", ["// Skip: needs sockets", "//! exit 3", "// @beagle.core.snapshot", "// x"]);
    const { summary, out } = await suite([a, b]);
    expect(summary.skipped).toBe(2);
    expect(out).toContain("  SKIP  skip-a.bg");
    expect(out).toContain("  SKIP  skip-b.bg (needs sockets)");
    expect(out.at(-1)).toBe("0 passed, 0 failed, 2 skipped");
  });

  test("test blocks: every block reported, failures fail the file", async () => {
    const f = file("blocks.bg", [
      "//! out main ran",
      "//! block adds|ok",
      "//! block breaks|fail|assert-eq! failed: expected 2, got 3",
      "//! block-out printed by a block",
      "// @beagle.core.snapshot",
      "// main ran",
      'test "adds" { }',
      'test "breaks" { }',
    ]);
    const { summary, out } = await suite([f]);
    expect(summary.failed).toBe(1);
    expect(summary.blocksPassed).toBe(1);
    expect(summary.blocksFailed).toBe(1);
    // Output printed by blocks does not count against the snapshot.
    expect(out.join("\n")).not.toContain("does not match");
    expect(out).toContain("        test pass: adds");
    expect(out).toContain("        test FAIL: breaks");
    expect(out).toContain("          assert-eq! failed: expected 2, got 3");
    expect(out.at(-2)).toBe("test blocks: 1 passed, 1 failed");
  });

  test("passing blocks pass the file", async () => {
    const f = file("blocks-ok.bg", ["//! block one|ok", "//! block two|ok", 'test "one" { }', 'test "two" { }']);
    const { summary, out } = await suite([f]);
    expect(summary.passed).toBe(1);
    expect(out).toContain("        test pass: two");
  });

  test("declared blocks that are never reported fail the file", async () => {
    const f = file("blocks-missing.bg", ['test "one" { }']);
    const { summary, text } = await suite([f]);
    expect(summary.failed).toBe(1);
    expect(text).toContain("declares 1 test block(s) but none reported");
  });

  test("a timeout kills the process group and is reported", async () => {
    const f = file("slow.bg", [
      "//! out started",
      "//! sleeper",
      "//! sleep 20000",
      "// @beagle.core.snapshot",
      "// started",
    ]);
    const t0 = performance.now();
    const { summary, text } = await suite([f], { timeoutMs: 500 });
    // The grandchild holds the output pipes: only killing the whole process group
    // ends the run before the runner's 2 s give-up on the pipes.
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(summary.failed).toBe(1);
    expect(text).toContain("timed out after 500 ms (killed)");
  });

  test("files run in parallel and are reported in order", async () => {
    const files = [0, 1, 2, 3].map((i) =>
      file(`par/p${i}.bg`, [`//! sleep ${800 - i * 200}`, `//! out ${i}`, "// @beagle.core.snapshot", `// ${i}`]),
    );
    const t0 = performance.now();
    const { summary, out } = await suite(files, { jobs: 4 });
    const elapsed = performance.now() - t0;
    expect(summary.passed).toBe(4);
    // Sequential would take 2000 ms of sleeping alone.
    expect(elapsed).toBeLessThan(1900);
    expect(out.filter((l) => l.startsWith("  PASS"))).toEqual([0, 1, 2, 3].map((i) => `  PASS  par/p${i}.bg`));
  });

  test("--update-snapshots rewrites the block in place, keeping the marker", async () => {
    const f = file("update.bg", [
      "//! out fresh",
      '//! raw "  indented\\n\\nlast\\n"',
      "// Expect",
      "// stale",
      "",
      "// trailing comment stays",
    ]);
    const { summary, out } = await suite([f], { updateSnapshots: true });
    expect(summary.passed).toBe(1);
    expect(out).toContain("  PASS  update.bg (snapshot updated)");
    expect(readFileSync(f, "utf8")).toBe(
      [
        "//! out fresh",
        '//! raw "  indented\\n\\nlast\\n"',
        "// Expect",
        "// fresh",
        "// |  indented",
        "//",
        "// last",
        "",
        "// trailing comment stays",
        "",
      ].join("\n"),
    );
    // And now it passes without updating.
    expect((await suite([f])).out).toContain("  PASS  update.bg");
  });

  test("--update-snapshots leaves a crashing file alone", async () => {
    const lines = ["//! out partial", "//! exit 2", "// @beagle.core.snapshot", "// old"];
    const f = file("update-crash.bg", lines);
    const { summary } = await suite([f], { updateSnapshots: true });
    expect(summary.failed).toBe(1);
    expect(readFileSync(f, "utf8")).toBe(lines.join("\n") + "\n");
  });

  test("an empty expectation block fails", async () => {
    const f = file("empty.bg", ["//! out x", "// @beagle.core.snapshot"]);
    const { summary, text } = await suite([f]);
    expect(summary.failed).toBe(1);
    expect(text).toContain("block is empty");
  });

  test("the summary line format", () => {
    expect(summaryLine({ passed: 3, failed: 0, skipped: 0 })).toBe("3 passed, 0 failed");
    expect(summaryLine({ passed: 3, failed: 1, skipped: 2 })).toBe("3 passed, 1 failed, 2 skipped");
  });
});

describe("the CLI (bun beagle.ts test)", () => {
  test("directories are searched recursively; --filter keeps paths containing S; exit code", () => {
    const base = join(dir, "cli-a");
    file("cli-a/test/one.bg", ["//! out 1", "// @beagle.core.snapshot", "// 1"]);
    file("cli-a/test/sub/two.bg", ["//! out 2", "// @beagle.core.snapshot", "// 2"]);
    file("cli-a/test/sub/not-a-test.bg", ["//! exit 9"]);
    file("cli-a/test/sub/three-bad.bg", ["//! out 3", "// @beagle.core.snapshot", "// three"]);

    const all = cli(["test"], base); // default: ./test
    expect(all.stdout).toContain("  PASS  test/one.bg");
    expect(all.stdout).toContain("  PASS  test/sub/two.bg");
    expect(all.stdout).toContain("  FAIL  test/sub/three-bad.bg");
    expect(all.stdout).not.toContain("not-a-test");
    expect(all.stdout.trimEnd().split("\n").at(-1)).toBe("2 passed, 1 failed");
    expect(all.code).toBe(1);

    const some = cli(["test", "test", "--filter", "sub/t"], base);
    expect(some.stdout).toContain("  PASS  test/sub/two.bg");
    expect(some.stdout).not.toContain("one.bg");
    expect(some.stdout).toContain("  FAIL  test/sub/three-bad.bg");

    const one = cli(["test", "test/one.bg", "test/sub/two.bg"], base);
    expect(one.stdout.trimEnd().split("\n").at(-1)).toBe("2 passed, 0 failed");
    expect(one.code).toBe(0);
  });

  test("usage errors exit 2", () => {
    expect(cli(["test", "does-not-exist"]).code).toBe(2);
    expect(cli(["test", "--jobs", "zero"]).code).toBe(2);
  });
});
