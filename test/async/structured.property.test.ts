// Random concurrent programs under the virtual clock, against a model of who finishes, who
// is cancelled and in what order (issue 11). A program is data interpreted by one Beagle
// function compiled once, so thousands run in-process in seconds:
//   - tasks that sleep, some inside with-timeout, spawned at time 0;
//   - main's script of sleeps and cancels of those tasks;
//   - a with-scope whose children sleep and one of which may fail (cancelling its siblings);
//   - a producer/consumer pair over a bounded channel.
// Times never tie (task/child durations odd and distinct, timeouts 2 mod 4, main's clock a
// multiple of 4), so the order is fully determined. After every program no task, timer,
// fd watch, pool operation or channel waiter remains.
import { afterAll, expect, test } from "bun:test";
import fc from "fast-check";
import { createRuntime, runMainFiber, runTask } from "../../vm/run.ts";
import { Closure } from "../../vm/objects.ts";
import { formatValue } from "../../vm/print.ts";
import { PersistentVector } from "../../vm/collections/vector.ts";
import type { Value } from "../../vm/values.ts";

const rt = createRuntime();
afterAll(() => rt.async.backend.close());

const SRC = `use beagle.async as async
use beagle.channel as chan

fn note(log, id, what) { swap!(log, fn(l) { push(l, [id, what]) }) }

fn task-body(i, d, to, log) {
  fn() {
    if to > 0 {
      let r = async/with-timeout(to, fn() { async/sleep(d); i })
      note(log, i, if async/timed-out?(r) { "timeout" } else { "done" })
    } else {
      async/sleep(d)
      note(log, i, "done")
    }
  }
}

fn scope-task(children, fail, log) {
  fn() {
    try {
      async/with-scope(fn(s) {
        let mut j = 0
        for dc in children {
          let id = 100 + j
          async/spawn-in-scope(s, fn() { async/sleep(dc); note(log, id, "done") })
          j = j + 1
        }
        if fail > 0 { async/spawn-in-scope(s, fn() { async/sleep(fail); throw("fail") }) }
        null
      })
      "scope-ok"
    } catch (e) { if e == "fail" { "scope-failed" } else { "scope-other: \${e}" } }
  }
}

fn run-prog(tasks, ops, children, fail, cap, k, cdelay) {
  async/with-virtual-time(fn() {
    let log = atom([])
    let mut fs = []
    let mut i = 0
    for t in tasks {
      fs = push(fs, async/spawn(task-body(i, t[0], t[1], log)))
      i = i + 1
    }
    let sf = async/spawn(scope-task(children, fail, log))
    let c = chan/make-channel(cap)
    let producer = async/spawn(fn() { for v in range(0, k) { chan/send!(c, v) } ; chan/close!(c) })
    let consumer = async/spawn(fn() { async/sleep(cdelay); let got = chan/drain(c); note(log, 200, got); got })
    for op in ops {
      if op[0] == 0 { async/sleep(op[1]) } else { async/cancel(get(fs, op[1])) }
    }
    let mut outcomes = []
    for f in fs {
      outcomes = push(outcomes, try { async/await(f); "ok" } catch (e) { "cancelled" })
    }
    let scope-result = async/await(sf)
    async/await(producer)
    async/await(consumer)
    [deref(log), outcomes, scope-result, chan/channel-high-water(c) <= cap, chan/channel-waiting(c)]
  })
}
`;
const mod = rt.loader.compile(SRC, "structured-property.bg");
runMainFiber(rt.vm, new Closure(mod.init, []), null);
const runProg = mod.ns.vars.get("run-prog")!.value;

interface Prog {
  tasks: [number, number][]; // [duration (odd), timeout (2 mod 4) or 0]
  ops: [number, number][]; // [0, sleep ms (multiple of 4)] | [1, task index to cancel]
  children: number[]; // scope children's durations (odd)
  fail: number; // scope failure time (odd) or 0
  cap: number;
  k: number;
  cdelay: number; // consumer's start (odd)
}

const vec = (xs: Value[]) => PersistentVector.from(xs);

/** What must happen: the log in time order, each task's outcome, the scope's result. */
function model(p: Prog): string {
  const events: { at: number; text: string }[] = [];
  let now = 0;
  const cancelledAt = new Map<number, number>();
  for (const [kind, arg] of p.ops) {
    if (kind === 0) now += arg;
    else if (!cancelledAt.has(arg)) cancelledAt.set(arg, now);
  }
  const outcomes = p.tasks.map(([d, to], i) => {
    const end = to > 0 ? Math.min(d, to) : d;
    const c = cancelledAt.get(i);
    if (c !== undefined && c < end) return "cancelled";
    events.push({ at: end, text: `[${i}, "${to > 0 && to < d ? "timeout" : "done"}"]` });
    return "ok";
  });
  p.children.forEach((dc, j) => {
    if (p.fail === 0 || dc < p.fail) events.push({ at: dc, text: `[${100 + j}, "done"]` });
  });
  const got = Array.from({ length: p.k }, (_, i) => i);
  events.push({ at: p.cdelay, text: `[200, [${got.join(", ")}]]` });
  events.sort((a, b) => a.at - b.at);
  const scope = p.fail > 0 ? "scope-failed" : "scope-ok";
  return `[[${events.map((e) => e.text).join(", ")}], [${outcomes.map((o) => `"${o}"`).join(", ")}], "${scope}", true, 0] live 0 timers 0 fds 0 pool 0`;
}

/** Distinct odd numbers (durations never tie with each other or with main's even clock). */
const progArb: fc.Arbitrary<Prog> = fc
  .record({
    nTasks: fc.integer({ min: 0, max: 5 }),
    nChildren: fc.integer({ min: 0, max: 3 }),
    odds: fc.uniqueArray(fc.integer({ min: 0, max: 200 }), { minLength: 10, maxLength: 10 }),
    timeouts: fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 100 })), { minLength: 5, maxLength: 5 }),
    ops: fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 100 })), { maxLength: 5 }),
    withFail: fc.boolean(),
    cap: fc.integer({ min: 1, max: 4 }),
    k: fc.integer({ min: 0, max: 8 }),
  })
  .map((r) => {
    const odd = r.odds.map((x) => 2 * x + 1);
    const tasks: [number, number][] = [];
    for (let i = 0; i < r.nTasks; i++) tasks.push([odd[i]!, r.timeouts[i]! === 0 ? 0 : 4 * r.timeouts[i]! + 2]);
    const children = odd.slice(5, 5 + r.nChildren);
    const fail = r.withFail ? odd[8]! : 0;
    const ops: [number, number][] = r.ops
      .map(([kind, x]): [number, number] => (kind === 0 ? [0, 4 * x] : [1, x % Math.max(1, r.nTasks)]))
      .filter(([kind]) => kind === 0 || r.nTasks > 0);
    return { tasks, ops, children, fail, cap: r.cap, k: r.k, cdelay: odd[9]! };
  });

function run(p: Prog): string {
  const args = [
    vec(p.tasks.map(([d, to]) => vec([d, to]))),
    vec(p.ops.map(([a, b]) => vec([a, b]))),
    vec(p.children),
    p.fail,
    p.cap,
    p.k,
    p.cdelay,
  ];
  const f = runTask(rt.vm, runProg, args);
  if (f.error !== undefined) return `error: ${formatValue(f.error, 0)}`;
  // once the program has run to the end, nothing it started may be left
  const b = rt.async.backend as { watchedFds?: number; pending: number };
  return `${formatValue(f.result, 0)} live ${rt.async.tasks.live.size} timers ${rt.async.timers.size} fds ${b.watchedFds ?? 0} pool ${b.pending}`;
}

const RUNS = Number(process.env.BEAGLE_PROPERTY_RUNS ?? 10_000);

test(`${RUNS} random programs of spawn/sleep/await/cancel/scope/timeout/channel match the model and leak nothing`, () => {
  fc.assert(
    fc.property(progArb, (p) => {
      expect(run(p)).toBe(model(p));
    }),
    { numRuns: RUNS },
  );
  expect(rt.async.tasks.live.size).toBe(0);
  expect(rt.async.timers.size).toBe(0);
}, 120_000);
