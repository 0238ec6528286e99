// beagle.async file operations on the FFI event loop's Worker pool, in process:
// results are right under concurrency, and every fd and worker is released.
import { test, expect } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRuntime, runMainFiber, runTask } from "../../vm/run.ts";
import { Closure } from "../../vm/objects.ts";
import { LoopBackend } from "../../vm/async/loop-backend.ts";

const openFds = () => readdirSync("/proc/self/fd").length;

const src = `
use beagle.async as async
fn round-trip(dir, n) {
  let mut fs = []
  let mut i = 0
  while i < n {
    let p = dir ++ "/f" ++ to-string(i)
    let body = "content " ++ to-string(i * i)
    fs = push(fs, async/spawn(fn() {
      async/write-file(p, body)
      unwrap!(async/read-file(p)) == body
    }))
    i = i + 1
  }
  let ok = async/await-all(fs)
  [count(ok), all?(fn(x) { x }, ok), async/read-file(dir ++ "/missing")]
}
fn threaded(dir, n) { async/run-threaded(fn() { round-trip(dir, n) }) }
`;

test("1,000 concurrent pooled file round trips are correct and leave no fd or worker behind", async () => {
  const dir = mkdtempSync(join(tmpdir(), "beagle-pool-"));
  const before = openFds();
  const rt = createRuntime();
  expect(rt.async.backend).toBeInstanceOf(LoopBackend);
  const mod = rt.loader.compile(src, "pool-test.bg");
  runMainFiber(rt.vm, new Closure(mod.init, []), null);
  for (const name of ["round-trip", "threaded"]) {
    const f = runTask(rt.vm, mod.ns.vars.get(name)!.value, [dir, 1000]);
    expect(f.error).toBeUndefined();
    const { formatValue } = await import("../../vm/print.ts");
    expect(formatValue(f.result, 0)).toBe(
      `[1000, true, Result.Err { error: Error.NotFound { path: "${dir}/missing" } }]`,
    );
  }
  expect((rt.async.backend as LoopBackend).started).toBe(true);
  expect(openFds()).toBeGreaterThan(before); // the poller, waker and workers are live
  await rt.async.backend.close();
  expect((rt.async.backend as LoopBackend).started).toBe(false);
  expect(openFds()).toBe(before);
  rmSync(dir, { recursive: true, force: true });
});

test("a pool that cannot start fails operations with an error value, never a hang", async () => {
  const { EventLoop } = await import("../../runtime/event-loop.ts");
  const { formatValue } = await import("../../vm/print.ts");
  const broken = () => {
    const loop = new EventLoop();
    loop.submitFile = () => {
      throw new Error("no worker script");
    };
    return loop;
  };
  const rt = createRuntime();
  rt.async.backend = new LoopBackend(broken);
  const mod = rt.loader.compile(
    `use beagle.async as async\nfn go() { [async/read-file("/x"), async/run-threaded(fn() { async/file-exists?("/x") })] }`,
    "broken.bg",
  );
  runMainFiber(rt.vm, new Closure(mod.init, []), null);
  const f = runTask(rt.vm, mod.ns.vars.get("go")!.value, []);
  expect(f.error).toBeUndefined();
  const msg = "file pool unavailable: no worker script";
  expect(formatValue(f.result, 0)).toBe(
    `[Result.Err { error: Error.IO { message: "${msg}" } }, Result.Err { error: Error.IO { message: "${msg}" } }]`,
  );
  await rt.async.backend.close();
});
