// spawn and await under the stdlib's task handlers skip the continuation capture
// (AsyncRuntime.fastPerform): the fast path is taken where it applies, not where a program
// handles Async itself, and every program gives the same output with it as without it.
import { afterAll, expect, test } from "bun:test";
import fc from "fast-check";
import { createRuntime, runMainFiber, runTask } from "../../vm/run.ts";
import { Closure } from "../../vm/objects.ts";
import { formatValue } from "../../vm/print.ts";
import type { Value } from "../../vm/values.ts";

const rt = createRuntime();
afterAll(async () => {
  await rt.async.backend.close();
});

const src = `
use beagle.async as async
use beagle.effect as effect

// plan: one int per task. kind = p % 5: 0 returns, 1 throws, 2 sleeps then returns,
// 3 spawns a child and awaits it, 4 is cancelled while it waits on a future nobody settles.
fn task(p, i) {
  let kind = p % 5
  if kind == 0 { i * 10 }
  else if kind == 1 { throw("boom " ++ to-string(i)) }
  else if kind == 2 { async/sleep(0)
    i + 1000 }
  else if kind == 3 { async/await(async/spawn(fn() { i * 7 })) + 1 }
  else { async/await(async/make-future(async/FutureState.Pending {})) }
}

fn run-plan(plan) {
  let mut fs = []
  let mut i = 0
  for p in plan {
    let k = i
    fs = push(fs, async/spawn(fn() { task(p, k) }))
    i = i + 1
  }
  let mut j = 0
  for p in plan {
    if p % 5 == 4 { async/cancel(fs[j]) }
    j = j + 1
  }
  let mut out = []
  for f in fs {
    let r = try { async/await(f) } catch (e) { "caught " ++ to-string(e) }
    out = push(out, r)
  }
  out
}

fn go(plan) { run-plan(plan) }
fn go-threaded(plan) { async/run-threaded(fn() { run-plan(plan) }) }

// a program's own Async handler that delegates to the stdlib's: its operations take the
// ordinary path (its handle runs), and the delegated ones still work
struct Logging { log }
extend Logging with effect/Handler(async/Async) {
  fn handle(self, op, resume) {
    swap!(self.log, fn(n) { n + 1 })
    effect/handle(async/EventLoopHandler {}, op, resume)
  }
}
fn go-logging(n) {
  let log = atom(0)
  let r = handle effect/Handler(async/Async) with Logging { log: log } {
    let mut fs = []
    let mut i = 0
    while i < n {
      let k = i
      fs = push(fs, async/spawn(fn() { k * 2 }))
      i = i + 1
    }
    async/await-all(fs)
  }
  [deref(log), r]
}
`;

const mod = rt.loader.compile(src, "fast-perform.bg");
runMainFiber(rt.vm, new Closure(mod.init, []), null);

function call(name: string, args: Value[]): string {
  const f = runTask(rt.vm, mod.ns.vars.get(name)!.value, args);
  if (f.error !== undefined) return `error: ${formatValue(f.error, 0)}`;
  return formatValue(f.result, 0);
}

/** Run with the fast path counted (hits), or switched off. */
function withFast<T>(mode: "count" | "off", body: () => T): { value: T; hits: number } {
  const saved = rt.vm.fastPerform!;
  let hits = 0;
  rt.vm.fastPerform =
    mode === "off"
      ? null
      : (fiber, effect, handler, impl, op) => {
          const r = saved(fiber, effect, handler, impl, op);
          if (r !== undefined) hits++;
          return r;
        };
  try {
    return { value: body(), hits };
  } finally {
    rt.vm.fastPerform = saved;
  }
}

const plan = (xs: number[]) => rt.loader.compile(`[${xs.join(", ")}]`, "plan.bg");
function vec(xs: number[]): Value {
  const m = plan(xs);
  const f = runTask(rt.vm, new Closure(m.init, []), []);
  return f.result;
}

test("spawn and await under EventLoopHandler take the fast path: one hit per spawn and per await", () => {
  const { value, hits } = withFast("count", () => call("go", [vec([0, 0, 0, 3])]));
  expect(value).toBe("[0, 10, 20, 22]");
  // 4 spawns + 4 awaits + the nested spawn and await of the kind-3 task
  expect(hits).toBe(10);
});

test("a program's own Async handler runs its handle for every operation (no fast path for it)", () => {
  const { value, hits } = withFast("count", () => call("go-logging", [5]));
  // 5 spawns + 5 awaits went through Logging.handle; the tasks' bodies perform nothing
  expect(value).toBe("[10, [0, 2, 4, 6, 8]]");
  expect(hits).toBe(0);
});

test("errors, sleeps, nested tasks and cancellation give the same results with and without the fast path", () => {
  const p = [1, 4, 2, 3, 0, 4, 1];
  const on = withFast("count", () => call("go", [vec(p)]));
  const off = withFast("off", () => call("go", [vec(p)]));
  expect(on.value).toBe(off.value);
  expect(on.hits).toBeGreaterThan(0);
  expect(on.value).toContain('"caught boom 0"');
  expect(on.value).toContain("Cancelled");
  expect(on.value).toContain("1002");
});

test("property: any plan gives the same output with the fast path as without, under both task handlers", () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 12 }), fc.boolean(), (xs, threaded) => {
      const name = threaded ? "go-threaded" : "go";
      const on = withFast("count", () => call(name, [vec(xs)]));
      const off = withFast("off", () => call(name, [vec(xs)]));
      expect(on.value).toBe(off.value);
      expect(on.value.startsWith("error")).toBe(false);
      // every spawn and every await of the plan's own tasks was answered without a capture
      expect(on.hits).toBeGreaterThanOrEqual(2 * xs.length);
    }),
    { numRuns: 40 },
  );
});
