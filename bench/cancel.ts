// Cancellation and timeouts in numbers, against Bun in the same run (issue 11):
//   N with-timeout calls that do not time out   vs Promise.race + setTimeout + clearTimeout
//   N sleeps cancelled while parked             vs AbortController aborting a timer promise
//   N channel ping-pong round trips (2 tasks)    vs a minimal Bun async queue
// One timed run each (bounded loops), wall clock; BENCH_N overrides N (default 100,000).
import { createRuntime, runMainFiber, runTask } from "../vm/run.ts";
import { Closure } from "../vm/objects.ts";

const N = Number(process.env.BENCH_N ?? 100_000);

const src = `
use beagle.async as async
use beagle.channel as chan
fn timeouts(n) {
  let mut i = 0
  let mut ok = 0
  while i < n {
    let r = async/with-timeout(1000, fn() { i })
    if !async/timed-out?(r) { ok = ok + 1 }
    i = i + 1
  }
  ok
}
fn cancelled-sleeps(n) {
  let mut i = 0
  let mut fs = []
  while i < n {
    fs = push(fs, async/spawn(fn() { async/sleep(100000) }))
    i = i + 1
  }
  async/sleep(0)
  for f in fs { async/cancel(f) }
  async/sleep(0)
  __async-pending-timers()
}
fn ping-pong(n) {
  let a = chan/make-channel(1)
  let b = chan/make-channel(1)
  let other = async/spawn(fn() {
    let mut i = 0
    while i < n { chan/send!(b, chan/receive(a) + 1); i = i + 1 }
  })
  let mut i = 0
  let mut v = 0
  while i < n { chan/send!(a, v); v = chan/receive(b); i = i + 1 }
  async/await(other)
  v
}
`;
const { vm, loader, async: art } = createRuntime();
const mod = loader.compile(src, "bench-cancel.bg");
runMainFiber(vm, new Closure(mod.init, []), null);
const call = (name: string, n: number) => {
  const f = runTask(vm, mod.ns.vars.get(name)!.value, [n]);
  if (f.error !== undefined) throw new Error(`${name} failed`);
  return f.result;
};
function time<T>(f: () => T): [number, T] {
  const t = performance.now();
  const r = f();
  return [performance.now() - t, r];
}
async function timeAsync<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const r = await f();
  return [performance.now() - t, r];
}

// Bun baselines
async function bunTimeouts(n: number) {
  let ok = 0;
  for (let i = 0; i < n; i++) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<"timeout">((res) => {
      timer = setTimeout(() => res("timeout"), 1000);
    });
    const r = await Promise.race([(async () => i)(), deadline]);
    clearTimeout(timer);
    if (r !== "timeout") ok++;
  }
  return ok;
}
async function bunCancelledSleeps(n: number) {
  const ctrls: AbortController[] = [];
  const ps: Promise<unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const c = new AbortController();
    ctrls.push(c);
    ps.push(
      new Promise((res) => {
        const t = setTimeout(res, 100000);
        c.signal.addEventListener("abort", () => {
          clearTimeout(t);
          res("aborted");
        });
      }),
    );
  }
  for (const c of ctrls) c.abort();
  await Promise.all(ps);
  return 0;
}
class Queue<T> {
  private items: T[] = [];
  private waiters: ((v: T) => void)[] = [];
  put(v: T) {
    const w = this.waiters.shift();
    if (w) w(v);
    else this.items.push(v);
  }
  get(): Promise<T> {
    if (this.items.length) return Promise.resolve(this.items.shift()!);
    return new Promise((res) => this.waiters.push(res));
  }
}
async function bunPingPong(n: number) {
  const a = new Queue<number>();
  const b = new Queue<number>();
  const other = (async () => {
    for (let i = 0; i < n; i++) b.put((await a.get()) + 1);
  })();
  let v = 0;
  for (let i = 0; i < n; i++) {
    a.put(v);
    v = await b.get();
  }
  await other;
  return v;
}

const rows: [string, number, number][] = [];
{
  const [tb, rb] = time(() => call("timeouts", N));
  const [tj, rj] = await timeAsync(() => bunTimeouts(N));
  if (rb !== N || rj !== N) throw new Error("timeouts: wrong count");
  rows.push([`${N} with-timeout calls that finish in time`, tb, tj]);
}
{
  const [tb, left] = time(() => call("cancelled-sleeps", N));
  const [tj] = await timeAsync(() => bunCancelledSleeps(N));
  if (left !== 0 || art.timers.size !== 0) throw new Error("cancelled sleeps left timers behind");
  rows.push([`${N} parked sleeps cancelled`, tb, tj]);
}
{
  const [tb, rb] = time(() => call("ping-pong", N));
  const [tj, rj] = await timeAsync(() => bunPingPong(N));
  if (rb !== N || rj !== N) throw new Error("ping-pong: wrong result");
  rows.push([`${N} channel ping-pong round trips`, tb, tj]);
}
console.log("| work | Beagle | Bun | ratio |");
console.log("|---|---|---|---|");
for (const [what, b, j] of rows)
  console.log(`| ${what} | ${(b / 1000).toFixed(2)} s | ${j.toFixed(0)} ms | ${(b / j).toFixed(0)}x |`);
await art.backend.close();
