// stdout reaches the reader while the program runs and on every way out:
// flushed within milliseconds of running, flushed before SIGINT/SIGTERM/SIGHUP
// take effect, a closed pipe ends the program as SIGPIPE would, and a full
// disk is a one-line error.
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { OutReader, expectCleanStderr, finish, runSource, spawnProgram, tempDir } from "./harness.ts";

const BUSY = 'fn main() {\n  println("started")\n  let mut i = 0\n  while true { i = i + 1 }\n}\n';

describe("stdout", () => {
  for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
    test(`output printed before a busy loop is seen at once, and the program dies of ${sig}`, async () => {
      const t = tempDir();
      try {
        const file = join(t.dir, "busy.bg");
        writeFileSync(file, BUSY);
        const p = spawnProgram(file);
        const out = new OutReader(p.stdout);
        // the reader sees the line while the program is still spinning
        expect(await out.until("started\n")).toBe("started\n");
        expect(p.exitCode).toBeNull();
        p.kill(sig);
        const r = await finish(p, 20_000, out);
        expect(r.stdout).toBe("started\n");
        expect(r.signal).toBe(sig);
        expect(r.stderr).toBe("");
      } finally {
        t.cleanup();
      }
    });
  }

  for (const sig of ["SIGTERM", "SIGINT"] as const) {
    test(`output still in the buffer when ${sig} arrives is written before the program dies`, async () => {
      const t = tempDir();
      try {
        const file = join(t.dir, "held.bg");
        // Run a few time slices first (signals are caught from the first one on), then print
        // into the buffer, say "ready" on stderr (unbuffered) and spin. The flush timer is
        // pushed out of reach, so only the signal path can deliver the lines.
        writeFileSync(
          file,
          [
            "use beagle.io as io",
            "fn main() {",
            "  let mut i = 0",
            "  while i < 200000 { i = i + 1 }",
            '  for j in range(0, 1000) { println("line", j) }',
            '  io/write-stderr("ready\\n")',
            "  while true { i = i + 1 }",
            "}",
          ].join("\n"),
        );
        const p = spawnProgram(file, { env: { BEAGLE_FLUSH_MS: "100000000" } });
        const err = new OutReader(p.stderr);
        await err.until("ready\n");
        p.kill(sig);
        const r = await finish(p, 20_000, undefined, err);
        // SIGINT may also land in the async runtime's idle wait (after the stderr write), where
        // it cancels every task and the program exits 130: output must be complete either way
        if (sig === "SIGINT" && r.signal === null) expect(r.code).toBe(130);
        else expect(r.signal).toBe(sig);
        expect(r.stdout.split("\n")).toEqual([...Array.from({ length: 1000 }, (_, i) => `line ${i}`), ""]);
      } finally {
        t.cleanup();
      }
    });
  }

  test("a closed pipe ends an endless writer quietly, with SIGPIPE's status", async () => {
    const t = tempDir();
    try {
      const file = join(t.dir, "gen.bg");
      writeFileSync(file, 'fn main() {\n  let mut i = 0\n  while true { println("line", i)  i = i + 1 }\n}\n');
      const p = spawnProgram(file);
      const out = new OutReader(p.stdout);
      expect(await out.until("\n")).toStartWith("line 0\n");
      await out.close(); // our end of the pipe closes: the next write gets EPIPE
      const r = await finish(p, 20_000, out);
      expect(r.signal).toBe("SIGPIPE");
      expect(r.stderr).toBe("");
    } finally {
      t.cleanup();
    }
  });

  test("a full device (/dev/full) is a one-line error and exit status 1", async () => {
    const r = await runSource('fn main() {\n  for i in range(0, 100000) { println("x", i) }\n}\n', {
      stdoutPath: "/dev/full",
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("beagle: cannot write to stdout: ENOSPC (no space left on device)\n");
    expectCleanStderr(r.stderr);
  });

  test("a short program's output is complete through a pipe", async () => {
    const r = await runSource('fn main() {\n  for i in range(0, 50000) { println(i) }\n  print("no newline")\n}\n');
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines.length).toBe(50001);
    expect(lines[49999]).toBe("49999");
    expect(lines[50000]).toBe("no newline");
  });
});
