// Timers: 100,000 timers added and fired through runOnce() against Bun's own
// setTimeout in the same run; the heap alone (add + fire, add + cancel); and
// the clock read (performance.now vs clock_gettime over FFI).
//   bun bench/eventloop-timers.ts
import { bench, do_not_optimize, group, run, summary } from "mitata";
import { monotonicMs } from "../ffi/clock.ts";
import { EventLoop } from "../runtime/event-loop.ts";
import { TimerHeap } from "../runtime/timers.ts";

const N = 100_000;
const delays = Array.from({ length: N }, (_, i) => (i * 7919) % 10); // 0..9 ms, scattered
const loop = new EventLoop();

summary(() => {
  group(`${N} timers (0-9 ms) added and fired`, () => {
    bench("EventLoop.addTimer + runOnce", () => {
      for (const d of delays) loop.addTimer(d);
      let fired = 0;
      while (fired < N) fired += loop.runOnce(-1).length;
    });
    bench("baseline: Bun setTimeout", async () => {
      let fired = 0;
      await new Promise<void>((resolve) => {
        for (const d of delays) setTimeout(() => ++fired === N && resolve(), d);
      });
    });
  });
});

summary(() => {
  group(`TimerHeap alone, ${N} timers`, () => {
    bench("add + pop all", () => {
      const h = new TimerHeap();
      for (let i = 0; i < N; i++) h.add(i, delays[i]!);
      do_not_optimize(h.popExpired(Infinity, []));
    });
    bench("add + cancel all", () => {
      const h = new TimerHeap();
      for (let i = 0; i < N; i++) h.add(i, delays[i]!);
      for (let i = 0; i < N; i++) h.cancel(i);
      do_not_optimize(h.nextDeadline());
    });
  });
});

summary(() => {
  group("monotonic clock read", () => {
    bench("performance.now()", () => do_not_optimize(performance.now()));
    bench("clock_gettime(CLOCK_MONOTONIC) via FFI", () => do_not_optimize(monotonicMs()));
  });
});

await run();
await loop.close();
