// Cancellation releases whatever a task is parked on (issue 11): fd watches of socket
// reads, pool operations, future waiters, channel queues, timers; with-timeout around a
// real socket read and a real blocking file op; channels under many producers; what the
// program reports for errors nobody awaited and for a stuck program.
import { afterAll, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRuntime, runMainFiber, runTask } from "../../vm/run.ts";
import { Closure } from "../../vm/objects.ts";
import { formatValue } from "../../vm/print.ts";
import type { LoopBackend } from "../../vm/async/loop-backend.ts";
import type { Value } from "../../vm/values.ts";

const rt = createRuntime();
const dir = mkdtempSync(join(tmpdir(), "beagle-cancel-"));
afterAll(async () => {
  await rt.async.backend.close();
  rmSync(dir, { recursive: true, force: true });
});
let n = 0;

function run(src: string, args: Value[] = []): Value {
  const mod = rt.loader.compile(
    `use beagle.async as async\nuse beagle.socket as socket\nuse beagle.channel as chan\n${src}`,
    `cancel-${n++}.bg`,
  );
  runMainFiber(rt.vm, new Closure(mod.init, []), null);
  const f = runTask(rt.vm, mod.ns.vars.get("go")!.value, args);
  if (f.error !== undefined) throw new Error(`Beagle error: ${formatValue(f.error, 0)}`);
  return f.result;
}
const show = (v: Value) => formatValue(v, 0);
const backend = () => rt.async.backend as LoopBackend;

test("with-timeout around a socket read with no data: TimedOut, the task's finally ran, the fd watch released", () => {
  const r = run(`fn go() {
  let l = socket/listen("127.0.0.1", 0)
  let c = socket/connect("127.0.0.1", socket/local-port(l))
  let s = socket/accept(l)
  let cleaned = atom(false)
  let r = async/with-timeout(30, fn() { try { socket/read(s, 10) } finally { reset!(cleaned, true) } })
  let watched = __watched-fds()
  // the socket itself is still usable afterwards
  socket/write(c, "hi")
  let again = socket/read(s, 10)
  socket/close(c)
  socket/close(s)
  socket/close-listener(l)
  [r, deref(cleaned), watched, again]
}`);
  expect(show(r)).toBe('[TimeoutResult.TimedOut, true, 0, "hi"]');
  expect(backend().watchedFds).toBe(0);
  expect(rt.async.ioInflight).toBe(0);
});

test("cancelling a task parked on a socket accept releases its watch and delivers Error.Cancelled", () => {
  const r = run(`fn go() {
  let l = socket/listen("127.0.0.1", 0)
  let t = async/spawn(fn() { try { socket/accept(l); "accepted" } catch (e) { e } })
  async/sleep(2)
  let during = __watched-fds()
  async/cancel(t)
  async/sleep(2)
  socket/close-listener(l)
  [during, __watched-fds()]
}`);
  expect(show(r)).toBe("[1, 0]");
  expect(rt.async.ioInflight).toBe(0);
});

test("with-timeout around a file op that blocks a pool worker: TimedOut at once, the late result is dropped", () => {
  const fifo = join(dir, "fifo");
  expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
  const r = run(
    `fn go(path) {
  let cleaned = atom(false)
  let r = async/with-timeout(30, fn() { try { async/read-file(path) } finally { reset!(cleaned, true) } })
  [r, deref(cleaned)]
}`,
    [fifo],
  );
  expect(show(r)).toBe("[TimeoutResult.TimedOut, true]");
  // the worker is still inside open(2) of the FIFO: let it finish, then nothing wakes anyone
  expect(backend().pending).toBe(1);
  const w = openSync(fifo, "w");
  closeSync(w);
  for (let i = 0; i < 200 && backend().pending > 0; i++) run(`fn go() { async/sleep(5) }`);
  expect(backend().pending).toBe(0);
  expect(show(run(`fn go() { async/tasks() }`))).toBe("[]");
});

test("a cancelled awaiter leaves the future's waiter list", () => {
  const f = run(`fn go() {
  let never = async/make-future(async/FutureState.Pending {})
  let t = async/spawn(fn() { async/await(never) })
  async/sleep(1)
  async/cancel(t)
  async/sleep(1)
  never
}`);
  expect(rt.async.core(f).waiterCount).toBe(0);
});

test("1,000 producers and 10 consumers: every message delivered exactly once; a bounded channel stays within its capacity", () => {
  const r = run(`fn go() {
  let c = chan/make-channel(8)
  let producers = map(fn(p) { async/spawn(fn() { chan/send!(c, p * 10) ; chan/send!(c, p * 10 + 1) }) }, range(0, 1000))
  let consumers = map(fn(k) {
    async/spawn(fn() { chan/drain(c) })
  }, range(0, 10))
  async/await-all(producers)
  chan/close!(c)
  let got = reduce(fn(acc, xs) { concat(acc, xs) }, [], async/await-all(consumers))
  [count(got), count(distinct(got)), reduce(fn(a, x) { a + x }, 0, got), chan/channel-high-water(c), chan/channel-waiting(c)]
}`);
  // sum of p*10 + p*10+1 over p < 1000 = 20 * 499500 + 1000
  expect(show(r)).toBe(`[2000, 2000, ${20 * 499500 + 1000}, 8, 0]`);
});

test("sleeps under run-threaded do not occupy the file pool", () => {
  const r = run(`fn go() {
  async/run-threaded(fn() {
    let sleepers = map(fn(i) { async/spawn(fn() { async/sleep(100000) }) }, range(0, 10))
    async/sleep(1)
    let pool = __pool-pending()
    for s in sleepers { async/cancel(s) }
    pool
  })
}`);
  expect(r).toBe(0);
  expect(rt.async.timers.size).toBe(0);
});

function beagle(src: string, env: Record<string, string> = {}) {
  const file = join(dir, `p${n++}.bg`);
  writeFileSync(file, src);
  const p = spawnSync(process.execPath, ["beagle.ts", file], { encoding: "utf8", env: { ...process.env, ...env } });
  return { code: p.status, out: p.stdout, err: p.stderr };
}

test("an error in a task nobody awaits is reported on stderr and fails the program", () => {
  const p = beagle(`use beagle.async as async
fn main() {
  async/spawn(fn() { throw("lost") })
  async/sleep(5)
  println("main done")
}`);
  expect(p.out).toBe("main done\n");
  expect(p.err).toContain("error in a task nobody awaited");
  expect(p.err).toContain('"lost"'.replaceAll('"', "")); // the value
  expect(p.err).not.toContain("    at async"); // no JS frames
  expect(p.code).toBe(1);
});

test("an awaited failure is not reported twice; BEAGLE_DUMP_TASKS lists what a stuck program waits on", () => {
  const ok = beagle(`use beagle.async as async
fn main() {
  let t = async/spawn(fn() { throw("seen") })
  println(try { async/await(t) } catch (e) { e })
}`);
  expect(ok.code).toBe(0);
  expect(ok.err).toBe("");
  const stuck = beagle(
    `use beagle.async as async
use beagle.channel as chan
fn main() {
  let c = chan/make-channel()
  let t = async/spawn(fn() { chan/receive(c) })
  async/await(t)
}`,
    { BEAGLE_DUMP_TASKS: "1" },
  );
  expect(stuck.code).toBe(1);
  expect(stuck.err).toContain("can never happen");
  expect(stuck.err).toMatch(/task \d+: parked on channel receive/);
});
