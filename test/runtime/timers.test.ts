// The timer heap alone (deterministic, with a model-based fast-check property)
// and timers driven by the real event loop: 100,000 fire in deadline order.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { EventLoop } from "../../runtime/event-loop.ts";
import { TimerHeap } from "../../runtime/timers.ts";

describe("TimerHeap", () => {
  test("pops in deadline order, ties in insertion order", () => {
    const h = new TimerHeap();
    h.add(1, 30);
    h.add(2, 10);
    h.add(3, 20);
    h.add(4, 10);
    expect(h.size).toBe(4);
    expect(h.nextDeadline()).toBe(10);
    expect(h.popExpired(15, [])).toEqual([2, 4]);
    expect(h.popExpired(100, [])).toEqual([3, 1]);
    expect(h.size).toBe(0);
    expect(h.nextDeadline()).toBeUndefined();
  });

  test("cancel is lazy but exact: cancelled timers never fire", () => {
    const h = new TimerHeap();
    for (let i = 0; i < 10; i++) h.add(i, i);
    expect(h.cancel(0)).toBe(true);
    expect(h.cancel(0)).toBe(false);
    expect(h.cancel(99)).toBe(false);
    expect(h.cancel(5)).toBe(true);
    expect(h.size).toBe(8);
    expect(h.nextDeadline()).toBe(1);
    expect(h.popExpired(100, [])).toEqual([1, 2, 3, 4, 6, 7, 8, 9]);
  });

  test("re-adding an id replaces its deadline", () => {
    const h = new TimerHeap();
    h.add(1, 5);
    h.add(1, 50);
    expect(h.size).toBe(1);
    expect(h.popExpired(10, [])).toEqual([]);
    expect(h.popExpired(50, [])).toEqual([1]);
  });

  test("mass cancellation does not grow the heap without bound", () => {
    const h = new TimerHeap();
    for (let i = 0; i < 100_000; i++) {
      h.add(i, i);
      h.cancel(i);
    }
    expect(h.size).toBe(0);
    expect(h.heapLength).toBeLessThan(200);
  });

  test("order survives a sweep of cancelled entries", () => {
    const h = new TimerHeap();
    const deadline = (id: number) => (id * 37) % 101;
    for (let id = 0; id < 300; id++) h.add(id, deadline(id));
    for (let id = 0; id < 300; id++) if (id % 4 !== 0) h.cancel(id);
    for (let id = 300; id < 400; id++) h.add(id, deadline(id)); // triggers sweeps
    expect(h.heapLength).toBeLessThan(400);
    const live = [...Array.from({ length: 75 }, (_, i) => i * 4), ...Array.from({ length: 100 }, (_, i) => 300 + i)];
    const expected = live.sort((a, b) => deadline(a) - deadline(b) || a - b);
    expect(h.popExpired(Infinity, [])).toEqual(expected);
  });

  test("property: random adds/cancels/advances fire exactly the live timers, in (deadline, insertion) order", () => {
    type Op = { t: "add"; delay: number } | { t: "cancel"; pick: number } | { t: "advance"; by: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ t: fc.constant("add" as const), delay: fc.integer({ min: 0, max: 50 }) }),
      fc.record({ t: fc.constant("cancel" as const), pick: fc.nat() }),
      fc.record({ t: fc.constant("advance" as const), by: fc.integer({ min: 0, max: 30 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 600 }), (ops) => {
        const h = new TimerHeap();
        // Model: the list of live timers; firing = sort by (deadline, seq).
        const model: { id: number; deadline: number; seq: number }[] = [];
        const cancelled = new Set<number>();
        let now = 0;
        let nextId = 1;
        const fired: number[] = [];
        const expected: number[] = [];
        const fire = () => {
          const due = model.filter((m) => m.deadline <= now).sort((a, b) => a.deadline - b.deadline || a.seq - b.seq);
          for (const m of due) model.splice(model.indexOf(m), 1);
          expected.push(...due.map((m) => m.id));
          h.popExpired(now, fired);
        };
        for (const o of ops) {
          if (o.t === "add") {
            const id = nextId++;
            h.add(id, now + o.delay);
            model.push({ id, deadline: now + o.delay, seq: id });
          } else if (o.t === "cancel") {
            if (nextId === 1) continue;
            const id = 1 + (o.pick % (nextId - 1));
            const live = model.findIndex((m) => m.id === id);
            expect(h.cancel(id)).toBe(live >= 0);
            if (live >= 0) {
              model.splice(live, 1);
              cancelled.add(id);
            }
          } else {
            now += o.by;
            fire();
          }
          expect(h.size).toBe(model.length);
          const next = model.length ? Math.min(...model.map((m) => m.deadline)) : undefined;
          expect(h.nextDeadline()).toBe(next);
        }
        now += 1000;
        fire();
        expect(fired).toEqual(expected);
        for (const id of fired) expect(cancelled.has(id)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

describe("timers on the event loop", () => {
  test("100,000 pending timers all fire, in deadline order", () => {
    // The clock stands still while we add, so each deadline is exactly start + delay.
    const start = performance.now();
    let frozen = true;
    const loop = new EventLoop({ now: () => (frozen ? start : performance.now()) });
    try {
      const deadlineOf = new Map<number, number>();
      let seed = 12345;
      for (let i = 0; i < 100_000; i++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        const delay = seed % 40;
        const id = loop.addTimer(delay);
        deadlineOf.set(id, start + delay);
      }
      expect(loop.pending).toBe(100_000);
      frozen = false;
      const fired: number[] = [];
      while (fired.length < 100_000) {
        for (const c of loop.runOnce(1000)) if (c.kind === "timer") fired.push(c.id);
      }
      expect(new Set(fired).size).toBe(100_000);
      // Deadlines never go backwards; equal deadlines keep submission order (ids rise).
      let inOrder = true;
      for (let i = 1; i < fired.length; i++) {
        const a = deadlineOf.get(fired[i - 1]!)!;
        const b = deadlineOf.get(fired[i]!)!;
        if (!(b > a || (b === a && fired[i]! > fired[i - 1]!))) inOrder = false;
      }
      expect(inOrder).toBe(true);
      expect(loop.pending).toBe(0);
    } finally {
      void loop.close();
    }
  });

  test("a timer never fires early; cancelled timers never fire", () => {
    const loop = new EventLoop();
    try {
      const t0 = performance.now();
      const keep = loop.addTimer(15);
      const drop = loop.addTimer(5);
      expect(loop.cancelTimer(drop)).toBe(true);
      expect(loop.cancel(drop)).toBe(false);
      const got: number[] = [];
      while (got.length === 0) for (const c of loop.runOnce(1000)) got.push(c.id);
      expect(got).toEqual([keep]);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(15);
      expect(loop.runOnce(0)).toEqual([]);
    } finally {
      void loop.close();
    }
  });

  test("the next deadline bounds the poller timeout (fake clock)", () => {
    let now = 1000;
    const loop = new EventLoop({ now: () => now });
    try {
      const a = loop.addTimer(10);
      now += 9;
      expect(loop.runOnce(0)).toEqual([]);
      now += 1;
      expect(loop.runOnce(0)).toEqual([{ kind: "timer", id: a }]);
      // With a timer already due, runOnce(-1) returns at once instead of blocking.
      const b = loop.addTimer(0);
      expect(loop.runOnce(-1)).toEqual([{ kind: "timer", id: b }]);
    } finally {
      void loop.close();
    }
  });
});
