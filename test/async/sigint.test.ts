// Ctrl-C cancels the root scope: every task gets Error.Cancelled, finally blocks run, the
// program exits 130; a second Ctrl-C while cleanup hangs ends it at once. Real child
// processes, signalled once their output says they are parked.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "beagle-sigint-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function runUntil(src: string, marker: string, signals: number) {
  const file = join(dir, `p${Math.random().toString(36).slice(2)}.bg`);
  writeFileSync(file, src);
  const p = Bun.spawn([process.execPath, "beagle.ts", file], { stdout: "pipe", stderr: "pipe" });
  const reader = p.stdout.getReader();
  let out = "";
  while (!out.includes(marker)) {
    const { value, done } = await reader.read();
    if (done) break;
    out += new TextDecoder().decode(value);
  }
  for (let i = 0; i < signals; i++) {
    p.kill("SIGINT");
    if (i + 1 < signals) {
      // the second one once the first has been acted on (cleanup output started)
      while (!out.includes("cleanup started")) {
        const { value, done } = await reader.read();
        if (done) break;
        out += new TextDecoder().decode(value);
      }
    }
  }
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    out += new TextDecoder().decode(value);
  }
  const code = await p.exited;
  return { out, code, signal: p.signalCode, err: await new Response(p.stderr).text() };
}

test("SIGINT: every task's finally runs and the program exits 130", async () => {
  const r = await runUntil(
    `use beagle.async as async
fn main() {
  let ts = map(fn(i) {
    async/spawn(fn() { try { async/sleep(100000) } finally { println("cleanup \${i}") } })
  }, range(0, 3))
  async/sleep(1)
  println("ready")
  try { async/await-all(ts) } finally { println("main cleanup") }
}`,
    "ready",
    1,
  );
  expect(r.code).toBe(130);
  const lines = r.out.trim().split("\n").sort();
  expect(lines).toEqual(["cleanup 0", "cleanup 1", "cleanup 2", "main cleanup", "ready"]);
  expect(r.err).toBe("");
}, 20_000);

test("SIGINT reaches tasks and main parked in the prelude's sleep", async () => {
  const r = await runUntil(
    `use beagle.async as async
fn main() {
  let t = async/spawn(fn() { try { sleep(100000) } finally { println("task cleanup") } })
  sleep(1)
  println("ready")
  try { sleep(100000) } finally { println("main cleanup") }
}`,
    "ready",
    1,
  );
  expect(r.code).toBe(130);
  expect(r.out.trim().split("\n").sort()).toEqual(["main cleanup", "ready", "task cleanup"]);
}, 20_000);

test("a second SIGINT during a cleanup that hangs ends the program at once", async () => {
  const r = await runUntil(
    `use beagle.async as async
fn main() {
  let t = async/spawn(fn() { try { async/sleep(100000) } finally { println("cleanup started"); loop { async/sleep(100000) } } })
  async/sleep(1)
  println("ready")
  async/await(t)
}`,
    "ready",
    2,
  );
  expect(r.out).toContain("cleanup started");
  // killed by SIGINT's default action (a shell shows 130), not a normal exit
  expect(r.signal).toBe("SIGINT");
}, 20_000);
