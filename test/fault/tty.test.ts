// On a terminal every line is written at once, whatever the flush timer says:
// the program runs under a pseudo-terminal (util-linux `script`) with the
// timer pushed out of reach, and "started" must still arrive while it spins.
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { BEAGLE, BUN, OutReader, ROOT, tempDir } from "./harness.ts";

const haveScript = spawnSync("script", ["--version"]).status === 0;

describe("stdout on a terminal", () => {
  test.skipIf(!haveScript)("a line printed before a busy loop reaches the terminal at once", async () => {
    const t = tempDir();
    const file = join(t.dir, "tty-busy.bg");
    writeFileSync(file, 'fn main() {\n  println("started")\n  let mut i = 0\n  while true { i = i + 1 }\n}\n');
    const p = Bun.spawn(["script", "-qfc", `'${BUN}' '${BEAGLE}' '${file}'`, "/dev/null"], {
      cwd: ROOT,
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
      env: { ...process.env, BEAGLE_FLUSH_MS: "100000000" },
    });
    try {
      const out = new OutReader(p.stdout);
      const seen = await Promise.race([out.until("started"), Bun.sleep(30_000).then(() => "(nothing within 30 s)")]);
      expect(seen).toContain("started");
    } finally {
      p.kill("SIGTERM"); // script hangs up the terminal: the program gets SIGHUP
      await p.exited;
      // nothing of ours outlives the test: the program under the pty is gone too
      for (let i = 0; i < 50; i++) {
        const left = spawnSync("pgrep", ["-f", file]).stdout.toString().trim();
        if (!left) break;
        if (i === 49) for (const pid of left.split("\n")) process.kill(Number(pid), "SIGKILL");
        await Bun.sleep(100);
      }
      expect(spawnSync("pgrep", ["-f", file]).stdout.toString().trim()).toBe("");
      t.cleanup();
    }
  });
});
