// Stress: a million performs under one handler run in constant space when the
// handler resumes in tail position, and 100,000 green threads can be parked
// at once and all finish. Bounds are on memory (heap growth measured after a
// forced GC), not on time.
import { expect, test } from "bun:test";
import { createRuntime, runMainFiber } from "../../vm/run.ts";
import { formatValue } from "../../vm/print.ts";
import { PersistentVector } from "../../vm/collections/vector.ts";
import type { Value } from "../../vm/values.ts";

const MB = 1024 * 1024;
const rt = createRuntime();

/** Load `src` (its own namespace) into the shared runtime and run its main; main's value as JS. */
function run(src: string, ns: string): Value[] {
  const mod = rt.loader.runSource(src, `${ns}.bg`);
  const fiber = runMainFiber(rt.vm, mod.ns.vars.get("main")!.value, null);
  rt.vm.flush();
  if (fiber.error !== undefined) throw new Error(`uncaught: ${formatValue(fiber.error, 0)}`);
  const r = fiber.result;
  if (!(r instanceof PersistentVector)) throw new Error(`unexpected result ${formatValue(r, 1)}`);
  return r.toArray();
}

const asNumbers = (v: Value) => (v as PersistentVector).toArray().map(Number);

function performLoop(ns: string, resumeExpr: string) {
  return `namespace ${ns}
use beagle.effect as effect

enum Tick { Inc { n } }
struct Count { mut total }
extend Count with effect/Handler(Tick) {
  fn handle(self, op, resume) {
    self.total = self.total + op.n
    ${resumeExpr}
  }
}

fn main() {
  // heap after a full GC before and after the loop; in between, samples
  // without a GC (a GC in the middle of the loop makes JSC drop the
  // interpreter's optimized code for a while: slow, not wrong)
  gc()
  let before = heap-bytes()
  let samples = atom([])
  let h = Count { total: 0 }
  let r = handle effect/Handler(Tick) with h {
    let mut i = 0
    let mut last = 0
    while i < 1000000 {
      last = perform Tick.Inc { n: 1 }
      if i % 100000 == 0 { swap!(samples, fn(s) { push(s, heap-bytes()) }) }
      i = i + 1
    }
    gc()
    swap!(samples, fn(s) { push(s, heap-bytes()) })
    last
  }
  [r, h.total, before, deref(samples)]
}
`;
}

for (const [name, resumeExpr] of [
  ["effect/resume-tail", "effect/resume-tail(resume, self.total)"],
  ["resume(v) in tail position", "resume(self.total)"],
] as const) {
  test(`1,000,000 performs under one handler with ${name} run in bounded memory`, () => {
    const ns = `fx_stress_${name.replace(/\W+/g, "_")}`;
    const [r, total, before, samples] = run(performLoop(ns, resumeExpr), ns);
    expect(r).toBe(1_000_000);
    expect(total).toBe(1_000_000);
    const s = asNumbers(samples!);
    expect(s.length).toBe(11);
    const after = s[s.length - 1]!;
    if (process.env.FX_STATS)
      console.log({
        name,
        peakMB: (Math.max(...s) - (before as number)) / MB,
        keptMB: (after - (before as number)) / MB,
      });
    // a frame or a continuation kept per perform would be ~100 MB or more by the end
    expect(after - (before as number)).toBeLessThan(8 * MB);
    expect(Math.max(...s) - (before as number)).toBeLessThan(64 * MB);
  }, 60_000);
}

test("100,000 green threads parked at once all finish, in bounded memory", () => {
  const n = 100_000;
  const [arrived, parkedBytes, done, baseline, after] = run(
    `namespace fx_stress_fibers
use beagle.async as async

fn heap() {
  gc()
  heap-bytes()
}

fn main() {
  let n = ${n}
  let baseline = heap()
  let gate = async/make-future(async/FutureState.Pending {})
  let arrived = atom(0)
  let done = atom(0)
  let mut i = 0
  while i < n {
    thread(fn() {
      swap!(arrived, fn(x) { x + 1 })
      async/await(gate)
      async/sleep(0)
      swap!(done, fn(x) { x + 1 })
    })
    i = i + 1
  }
  // every thread runs until it parks on the gate
  while deref(arrived) < n { async/sleep(1) }
  let parked = heap() - baseline
  async/resolve-future!(gate, :go)
  while deref(done) < n { async/sleep(1) }
  [deref(arrived), parked, deref(done), baseline, heap()]
}
`,
    "fx_stress_fibers",
  );
  expect(arrived).toBe(n);
  expect(done).toBe(n);
  const perFiber = (parkedBytes as number) / n;
  if (process.env.FX_STATS)
    console.log({
      perFiber,
      parkedMB: (parkedBytes as number) / MB,
      leftMB: ((after as number) - (baseline as number)) / MB,
    });
  // a parked fiber (its frames, the captured continuation, the waiter) stays small
  expect(perFiber).toBeLessThan(4096);
  // and once they have all finished, nothing of them is retained
  expect((after as number) - (baseline as number)).toBeLessThan(16 * MB);
}, 120_000);
