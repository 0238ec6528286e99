// Effects, continuations and green threads against baselines in the same run:
//   perform + resume under one handler (tail resume, plain resume in tail
//   position, non-tail resume; the tail resumes also with the tail-resumptive
//   path switched off, i.e. capturing a continuation), reset/shift, resumable
//   throw, against a plain
//   Beagle function call and protocol call doing the same loop, and against
//   a JS generator doing the same yield/resume;
//   fiber switches (async/sleep(0) round trips through the scheduler, a task
//   parking on a future another task settles, thread spawn + finish) against
//   JS generators driven round-robin and async functions awaiting.
//
//   bun bench/effects.ts
//
// Every Beagle benchmark runs N operations per iteration; divide by N for the
// cost of one.
import { bench, do_not_optimize, group, run, summary } from "mitata";
import { createRuntime, runMainFiber, runTask } from "../vm/run.ts";
import { setTailPerform } from "../vm/interp.ts";
import { Closure } from "../vm/objects.ts";
import type { Value } from "../vm/values.ts";

const N = 10_000;
const FIBERS = 100;
const YIELDS = 100;
const SPAWNS = 1_000;

const src = `
use beagle.effect as effect
use beagle.async as async

enum Tick { Inc { n } }

struct TailResume { mut total }
extend TailResume with effect/Handler(Tick) {
  fn handle(self, op, resume) {
    self.total = self.total + op.n
    effect/resume-tail(resume, self.total)
  }
}

struct PlainResume { mut total }
extend PlainResume with effect/Handler(Tick) {
  fn handle(self, op, resume) {
    self.total = self.total + op.n
    resume(self.total)
  }
}

struct NonTailResume { mut total }
extend NonTailResume with effect/Handler(Tick) {
  fn handle(self, op, resume) {
    self.total = self.total + op.n
    let r = resume(self.total)
    r
  }
}

fn tick-loop(n) {
  let mut i = 0
  let mut last = 0
  while i < n {
    last = perform Tick.Inc { n: 1 }
    i = i + 1
  }
  last
}

fn perform-tail() { handle effect/Handler(Tick) with TailResume { total: 0 } { tick-loop(${N}) } }
fn perform-plain() { handle effect/Handler(Tick) with PlainResume { total: 0 } { tick-loop(${N}) } }
fn perform-non-tail() { handle effect/Handler(Tick) with NonTailResume { total: 0 } { tick-loop(${N}) } }

struct Counter { mut total }
fn bump(c, n) {
  c.total = c.total + n
  c.total
}
fn call-loop() {
  let c = Counter { total: 0 }
  let mut i = 0
  let mut last = 0
  while i < ${N} {
    last = bump(c, 1)
    i = i + 1
  }
  last
}

protocol Bump { fn bump-p(self, n) }
extend Counter with Bump {
  fn bump-p(self, n) {
    self.total = self.total + n
    self.total
  }
}
fn protocol-loop() {
  let c = Counter { total: 0 }
  let mut i = 0
  let mut last = 0
  while i < ${N} {
    last = bump-p(c, 1)
    i = i + 1
  }
  last
}

fn shift-loop() {
  reset {
    let mut i = 0
    let mut acc = 0
    while i < ${N} {
      acc = acc + shift(fn(k) { k(1) })
      i = i + 1
    }
    acc
  }
}

fn throw-resume-loop() {
  let mut i = 0
  let mut acc = 0
  while i < ${N} {
    acc = acc + try { throw(i) } catch (e, resume) { resume(1) }
    i = i + 1
  }
  acc
}

fn yield-fibers() {
  let done = atom(0)
  let mut i = 0
  while i < ${FIBERS} {
    thread(fn() {
      let mut j = 0
      while j < ${YIELDS} {
        async/sleep(0)
        j = j + 1
      }
      swap!(done, fn(x) { x + 1 })
    })
    i = i + 1
  }
  while deref(done) < ${FIBERS} { async/sleep(0) }
  deref(done)
}

// a task parks on a future that another task settles, and is woken: SPAWNS rounds
fn await-other() {
  let mut i = 0
  while i < ${SPAWNS} {
    let f = async/make-future(async/FutureState.Pending {})
    let k = i
    async/spawn(fn() { async/resolve-future!(f, k) })
    async/await(f)
    i = i + 1
  }
  i
}

fn spawn-threads() {
  let done = atom(0)
  let mut i = 0
  while i < ${SPAWNS} {
    thread(fn() { swap!(done, fn(x) { x + 1 }) })
    i = i + 1
  }
  while deref(done) < ${SPAWNS} { async/sleep(0) }
  deref(done)
}
`;

const { vm, loader } = createRuntime();
const mod = loader.compile(src, "bench-effects.bg");
runMainFiber(vm, new Closure(mod.init, []), null);

function beagle(name: string): () => Value {
  const f = mod.ns.vars.get(name)!.value;
  return () => {
    const fiber = runMainFiber(vm, f, null);
    if (fiber.error !== undefined) throw new Error(`beagle ${name} failed`);
    return fiber.result;
  };
}

/** The same, with the tail-resumptive path off: every perform captures a continuation. */
function capturing(name: string): () => Value {
  const run = beagle(name);
  return () => {
    setTailPerform(false);
    try {
      return run();
    } finally {
      setTailPerform(true);
    }
  };
}

/** Run under the main handler (EventLoopHandler), as main() does. */
function task(name: string): () => Value {
  const f = mod.ns.vars.get(name)!.value;
  return () => {
    const fiber = runTask(vm, f, []);
    if (fiber.error !== undefined) throw new Error(`beagle ${name} failed`);
    return fiber.result;
  };
}

// sanity: every loop computes what it should before it is timed
for (const [name, want] of [
  ["perform-tail", N],
  ["perform-plain", N],
  ["perform-non-tail", N],
  ["call-loop", N],
  ["protocol-loop", N],
  ["shift-loop", N],
  ["throw-resume-loop", N],
  ["yield-fibers", FIBERS],
  ["spawn-threads", SPAWNS],
] as const) {
  const got = beagle(name)();
  if (got !== want) throw new Error(`${name}: expected ${want}, got ${String(got)}`);
}
// (await-other is not run here: async activity before the perform rows leaves the heap in a
// state where the non-tail row, which grows the stack 30,000 frames deep, is sometimes 10x slower)
if (capturing("perform-tail")() !== N) throw new Error("perform-tail with the tail path off");

/** The JS analogue of a handler resuming every perform: a generator driven by its caller. */
function* jsTicks(n: number): Generator<number, number, number> {
  let last = 0;
  for (let i = 0; i < n; i++) last = yield 1;
  return last;
}

function jsGeneratorLoop(): number {
  const g = jsTicks(N);
  let total = 0;
  let r = g.next(0);
  while (!r.done) {
    total += r.value;
    r = g.next(total);
  }
  return r.value;
}

const jsCounter = { total: 0 };
function jsBump(c: { total: number }, n: number) {
  c.total += n;
  return c.total;
}

function* jsFiber(yields: number, done: { n: number }): Generator<void, void, void> {
  for (let j = 0; j < yields; j++) yield;
  done.n++;
}

group(`perform + resume: ${N} per iteration`, () => {
  summary(() => {
    bench("beagle perform, effect/resume-tail", beagle("perform-tail"));
    bench("beagle perform, resume(v) in tail position", beagle("perform-plain"));
    bench("beagle perform, non-tail resume", beagle("perform-non-tail"));
    bench("beagle perform, effect/resume-tail, tail path off (baseline)", capturing("perform-tail"));
    bench("beagle perform, resume(v) in tail position, tail path off (baseline)", capturing("perform-plain"));
    bench("beagle reset/shift, k(v)", beagle("shift-loop"));
    bench("beagle throw + catch (e, resume)", beagle("throw-resume-loop"));
    bench("beagle plain function call (baseline)", beagle("call-loop"));
    bench("beagle protocol method call (baseline)", beagle("protocol-loop"));
    bench("js generator yield/next (baseline)", () => do_not_optimize(jsGeneratorLoop()));
    bench("js function call (baseline)", () => {
      jsCounter.total = 0;
      let last = 0;
      for (let i = 0; i < N; i++) last = jsBump(jsCounter, 1);
      return do_not_optimize(last);
    });
  });
});

group(`fiber switches: ${FIBERS} fibers x ${YIELDS} yields`, () => {
  summary(() => {
    bench("beagle threads, async/sleep(0) per yield", beagle("yield-fibers"));
    bench("js generators, round-robin (baseline)", () => {
      const done = { n: 0 };
      const queue: Generator<void, void, void>[] = [];
      for (let i = 0; i < FIBERS; i++) queue.push(jsFiber(YIELDS, done));
      while (queue.length) {
        const g = queue.shift()!;
        if (!g.next().done) queue.push(g);
      }
      return do_not_optimize(done.n);
    });
    bench("js async functions, await null (baseline)", async () => {
      const done = { n: 0 };
      const ps: Promise<void>[] = [];
      for (let i = 0; i < FIBERS; i++)
        ps.push(
          (async () => {
            for (let j = 0; j < YIELDS; j++) await null;
            done.n++;
          })(),
        );
      await Promise.all(ps);
      return done.n;
    });
  });
});

group(`park on a future another task settles: ${SPAWNS} per iteration`, () => {
  bench("beagle spawn + await of a future the task resolves", task("await-other"));
  bench("js async functions, the same (baseline)", async () => {
    let n = 0;
    for (let i = 0; i < SPAWNS; i++) {
      let resolve!: (v: number) => void;
      const p = new Promise<number>((r) => {
        resolve = r;
      });
      const k = i;
      void (async () => resolve(k))();
      n += (await p) >= 0 ? 1 : 0;
    }
    return n;
  });
});

group(`thread spawn + finish: ${SPAWNS} per iteration`, () => {
  bench("beagle thread(fn)", beagle("spawn-threads"));
  bench("js generator create + run (baseline)", () => {
    const done = { n: 0 };
    for (let i = 0; i < SPAWNS; i++) {
      const g = jsFiber(0, done);
      g.next();
    }
    return do_not_optimize(done.n);
  });
});

await run();
