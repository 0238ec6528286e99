// The event loop as the scheduler will drive it: timers, wakes from Workers,
// pooled file work and fd readiness in one runOnce loop, on both Linux
// backends, leaving no fd or worker behind.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { closeFd, makeSocketPair, readFd, writeFd } from "../../ffi/fd.ts";
import { EventLoop, type Completion } from "../../runtime/event-loop.ts";
import { READABLE, WRITABLE, type PollerBackend } from "../../runtime/poller.ts";
import { fdCount, quiesce, removeDir, tempDir, waitFor, workerThreads } from "./helpers.ts";

const WAKE_WORKER = new URL("./fixtures/wake-worker.ts", import.meta.url).href;

let dir: string;
beforeAll(() => {
  dir = tempDir();
});
afterAll(() => removeDir(dir));

for (const backend of ["epoll", "poll"] as PollerBackend[]) {
  describe(`EventLoop on ${backend}`, () => {
    test("timers, Worker wakes and pooled file work together; nothing left behind", async () => {
      await quiesce();
      const fds = fdCount();
      const loop = new EventLoop({ poller: backend, poolSize: 2 });
      expect(loop.backend).toBe(backend);

      // A Worker that wakes us twice: once amid the work below, once when idle.
      const gate = new SharedArrayBuffer(12);
      const cell = new Int32Array(gate);
      const waker = new Worker(WAKE_WORKER);
      const wakerGone = new Promise((r) => waker.addEventListener("close", r));
      waker.postMessage({ handle: loop.wakeHandle, delayMs: 10, times: 2, gate });

      const files = Array.from({ length: 50 }, (_, i) =>
        loop.submitFile({ op: "write", path: path.join(dir, `${backend}-${i}.txt`), data: `n=${i}` }),
      );
      const timers = [30, 10, 20].map((ms) => loop.addTimer(ms));
      const cancelled = loop.addTimer(15);
      loop.cancel(cancelled);

      const seen = new Map<number, Completion>();
      const timerOrder: number[] = [];
      while (seen.size < files.length + timers.length) {
        for (const c of loop.runOnce(10_000)) {
          seen.set(c.id, c);
          if (c.kind === "timer") timerOrder.push(c.id);
        }
      }
      expect(timerOrder).toEqual([timers[1], timers[2], timers[0]]);
      expect(seen.has(cancelled)).toBe(false);
      for (const id of files) expect(seen.get(id)).toMatchObject({ kind: "file", result: { ok: true } });
      expect(fs.readFileSync(path.join(dir, `${backend}-49.txt`), "utf8")).toBe("n=49");

      // Now idle but for a far-off timer: only the Worker's wake can end the wait.
      const far = loop.addTimer(60_000);
      Atomics.store(cell, 1, 1);
      Atomics.notify(cell, 1);
      while (Atomics.load(cell, 2) < 2) {
        const t0 = performance.now();
        expect(loop.runOnce(10_000)).toEqual([]);
        expect(performance.now() - t0).toBeLessThan(5000);
      }
      Atomics.store(cell, 1, 2);
      Atomics.notify(cell, 1);
      loop.cancel(far);
      await wakerGone;
      expect(loop.pending).toBe(0);
      await loop.close();
      expect(await waitFor(() => workerThreads() === 0)).toBe(true);
      expect(fdCount()).toBe(fds);
    });

    test("fd readiness: socketpair readable and writable, one-shot, modify, unwatch", async () => {
      const loop = new EventLoop({ poller: backend });
      const [a, b] = makeSocketPair();
      try {
        const id = loop.watchFd(a, READABLE);
        expect(loop.runOnce(0)).toEqual([]);
        writeFd(b, new Uint8Array([1]));
        expect(loop.runOnce(1000)).toEqual([
          { kind: "fd", id, fd: a, readable: true, writable: false, hangup: false, error: false },
        ]);
        // Level-triggered until drained.
        expect(loop.runOnce(0)).toHaveLength(1);
        readFd(a, new Uint8Array(4));
        expect(loop.runOnce(0)).toEqual([]);
        loop.modifyFd(id, WRITABLE);
        expect(loop.runOnce(0)).toMatchObject([{ id, writable: true }]);
        expect(() => loop.watchFd(a, READABLE)).toThrow();
        expect(loop.unwatchFd(id)).toBe(true);
        expect(loop.unwatchFd(id)).toBe(false);

        const once = loop.watchFd(b, WRITABLE, { oneShot: true });
        expect(loop.runOnce(1000)).toMatchObject([{ id: once, writable: true }]);
        expect(loop.runOnce(0)).toEqual([]);
        expect(loop.pending).toBe(0);

        const hup = loop.watchFd(a, READABLE);
        closeFd(b);
        expect(loop.runOnce(1000)).toMatchObject([{ id: hup, hangup: true }]);
        expect(loop.cancel(hup)).toBe(true);
      } finally {
        await loop.close();
        closeFd(a);
      }
    });
  });
}

describe("EventLoop", () => {
  test("wake() ends a blocking runOnce", async () => {
    const loop = new EventLoop();
    loop.wake();
    const t0 = performance.now();
    expect(loop.runOnce(10_000)).toEqual([]);
    expect(performance.now() - t0).toBeLessThan(5000);
    await loop.close();
  });

  test("runOnce(0) never blocks; the pool starts only on the first file op", async () => {
    const loop = new EventLoop();
    expect(loop.runOnce(0)).toEqual([]);
    expect(loop.poolSize).toBe(0);
    expect(loop.pending).toBe(0);
    await loop.close();
  });

  test("BEAGLE_POOL_SIZE sets the default pool size", async () => {
    const saved = process.env.BEAGLE_POOL_SIZE;
    process.env.BEAGLE_POOL_SIZE = "3";
    const loop = new EventLoop();
    try {
      const id = loop.submitFile({ op: "exists", path: dir });
      expect(loop.poolSize).toBe(3);
      let done = false;
      while (!done) for (const c of loop.runOnce(10_000)) done ||= c.id === id;
    } finally {
      if (saved === undefined) delete process.env.BEAGLE_POOL_SIZE;
      else process.env.BEAGLE_POOL_SIZE = saved;
      await loop.close();
    }
  });

  test("a closed loop refuses work; close is idempotent", async () => {
    const loop = new EventLoop();
    const first = loop.close();
    expect(loop.close()).toBe(first);
    await first;
    expect(loop.closed).toBe(true);
    expect(() => loop.runOnce(0)).toThrow("closed");
    expect(() => loop.addTimer(1)).toThrow("closed");
    expect(() => loop.submitFile({ op: "exists", path: "/" })).toThrow("closed");
    expect(() => loop.wake()).toThrow("closed");
  });
});
