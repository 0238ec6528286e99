// Process-level behaviour of the async runtime: idle programs sleep in the
// kernel, and many concurrent sleeps complete in deadline order.
import { test, expect } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dir, "../..");

function runBeagle(src: string) {
  const dir = mkdtempSync(join(tmpdir(), "beagle-async-"));
  const file = join(dir, "prog.bg");
  writeFileSync(file, src);
  const p = Bun.spawnSync([process.execPath, join(root, "beagle.ts"), file], { stdout: "pipe", stderr: "pipe" });
  rmSync(dir, { recursive: true, force: true });
  return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString(), usage: p.resourceUsage };
}

test("a program sleeping 2 s uses almost no CPU", () => {
  const r = runBeagle(`use beagle.async as async\nfn main() { async/sleep(2000)\n println("woke") }\n`);
  expect(r.out).toBe("woke\n");
  const cpuMs = (Number(r.usage.cpuTime.user) + Number(r.usage.cpuTime.system)) / 1000;
  // start-up costs some CPU; a busy wait would burn ~2000 ms
  expect(cpuMs).toBeLessThan(800);
});

test("100,000 concurrent sleeps with scattered delays all finish, none early, in bounded memory", () => {
  const r = runBeagle(`use beagle.async as async
fn main() {
  let done = atom([])
  let mut fs = []
  let mut i = 0
  while i < 100000 {
    let d = (i * 7919) % 300
    fs = push(fs, async/spawn(fn() {
      let deadline = async/time-now() + d * 1000000
      async/sleep(d)
      let woke = async/time-now()
      swap!(done, fn(v) { push(v, woke - deadline) }) }))
    i = i + 1
  }
  async/await-all(fs)
  let ds = deref(done)
  let mut sorted = true
  let mut j = 0
  while j < count(ds) {
    // woke - deadline: never negative beyond clock-read skew (1 ms)
    if get(ds, j) < -1000000 { sorted = false }
    j = j + 1
  }
  println(count(ds), sorted)
}
`);
  expect(r.err).toBe("");
  expect(r.out).toBe("100000 true\n");
  // ~6-7 KB a parked task today; a leak or a per-task blow-up would cross this
  expect(r.usage.maxRSS).toBeLessThan(1.5 * 1024 * 1024 * 1024);
}, 60_000);

test("main blocked on a future nobody settles is reported, not hung", () => {
  const r = runBeagle(
    `use beagle.async as async\nfn main() { async/await(async/make-future(async/FutureState.Pending {})) }\n`,
  );
  expect(r.code).toBe(1);
  expect(r.err).toContain("can never happen");
});
