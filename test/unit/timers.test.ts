import { test, expect } from "bun:test";
import fc from "fast-check";
import { TimerHeap } from "../../vm/async/timers.ts";

test("timers fire in deadline order, ties in insertion order; cancelled never fire", () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(1000), fc.boolean()), { maxLength: 200 }), (specs) => {
      const heap = new TimerHeap();
      const fired: number[] = [];
      const timers = specs.map(([d], i) => heap.add(d, () => fired.push(i), 0));
      specs.forEach(([, cancel], i) => {
        if (cancel) heap.cancel(timers[i]!);
      });
      heap.fireDue(10_000);
      const expected = specs
        .map(([d, cancel], i) => ({ d, cancel, i }))
        .filter((t) => !t.cancel)
        .sort((a, b) => a.d - b.d || a.i - b.i)
        .map((t) => t.i);
      expect(fired).toEqual(expected);
      expect(heap.size).toBe(0);
    }),
  );
});

test("100,000 pending timers fire in order", () => {
  const heap = new TimerHeap();
  let last = -1;
  let ok = true;
  let n = 0;
  for (let i = 0; i < 100_000; i++) {
    const d = (i * 7919) % 5000;
    heap.add(
      d,
      () => {
        if (d < last) ok = false;
        last = d;
        n++;
      },
      0,
    );
  }
  expect(heap.nextTimeout(0)).toBe(0);
  heap.fireDue(5000);
  expect(n).toBe(100_000);
  expect(ok).toBe(true);
});
