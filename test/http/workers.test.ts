// serve-with :workers spreads connections over several processes sharing one
// port, and the copies end when the first process does.
import { expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBeagle } from "./helpers.ts";

function childPids(pid: number): number[] {
  const out = Bun.spawnSync(["pgrep", "-P", String(pid)])
    .stdout.toString()
    .trim();
  return out ? out.split("\n").map(Number) : [];
}

test(":workers 2 serves from two processes on one port; killing the server ends its workers", async () => {
  const dir = mkdtempSync(join(tmpdir(), "beagle-http-workers-"));
  const file = join(dir, "server.bg");
  writeFileSync(
    file,
    `use beagle.http as http
fn main() {
  http/serve-with("127.0.0.1", 0, {:workers 2}, fn(req) { http/ok(to-string(http/worker-index())) })
}
`,
  );
  const server = await startBeagle(file, [], /:(\d+) \(2 workers\)/);
  const proc = server.proc;
  try {
    const port = server.match[1];
    // fresh connections until both processes have answered (the kernel hashes each
    // connection; the copy needs a moment to start)
    const seen = new Set<string>();
    const until = Date.now() + 15_000;
    while (Date.now() < until && seen.size < 2) {
      const r = await fetch(`http://127.0.0.1:${port}/`, { headers: { connection: "close" }, keepalive: false });
      seen.add(await r.text());
    }
    expect([...seen].sort()).toEqual(["0", "1"]);
    const workers = childPids(proc.pid!);
    expect(workers.length).toBe(1);
    proc.kill("SIGKILL");
    await proc.exited;
    // the orphaned worker notices within its 250 ms watch and exits
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && workers.some((p) => existsSync(`/proc/${p}`))) await Bun.sleep(50);
    expect(workers.filter((p) => existsSync(`/proc/${p}`))).toEqual([]);
  } finally {
    proc.kill("SIGKILL");
    await proc.exited;
    rmSync(dir, { recursive: true, force: true });
  }
}, 30_000);
