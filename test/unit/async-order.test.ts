// Sleeping tasks wake in deadline order: timers fire in deadline order, and
// each woken task runs before any task woken after it. Checked in process at
// the timer layer, where each timer's true deadline is known (a task can be
// preempted between reading the clock and registering its timer).
import { test, expect } from "bun:test";
import { createRuntime, runMainFiber, runTask } from "../../vm/run.ts";
import { Closure } from "../../vm/objects.ts";

test("50,000 concurrent sleeps wake in deadline order, none early", async () => {
  const rt = createRuntime();
  const timers = rt.async.timers;
  const fired: number[] = [];
  const add = timers.add.bind(timers);
  timers.add = (delay, fire, now) => {
    const t = add(
      delay,
      () => {
        fired.push(t.deadline);
        fire();
      },
      now,
    );
    return t;
  };
  const resumed: number[] = [];
  rt.vm.defineBuiltin("beagle.core", "note-resumed", () => {
    resumed.push(performance.now());
    return null;
  });
  const mod = rt.loader.compile(
    `use beagle.async as async
fn go(n) {
  let mut fs = []
  let mut i = 0
  while i < n {
    let d = (i * 7919) % 400
    fs = push(fs, async/spawn(fn() {
      async/sleep(d)
      note-resumed()
    }))
    i = i + 1
  }
  count(async/await-all(fs))
}`,
    "order.bg",
  );
  runMainFiber(rt.vm, new Closure(mod.init, []), null);
  const f = runTask(rt.vm, mod.ns.vars.get("go")!.value, [50_000]);
  expect(f.error).toBeUndefined();
  expect(f.result).toBe(50_000);
  expect(fired.length).toBe(50_000);
  for (let i = 1; i < fired.length; i++) expect(fired[i]! >= fired[i - 1]!).toBe(true);
  // woken tasks run in wake order, each no earlier than its deadline
  expect(resumed.length).toBe(50_000);
  for (let i = 0; i < resumed.length; i++) expect(resumed[i]! >= fired[i]! - 0.001).toBe(true);
  await rt.async.backend.close();
}, 60_000);
