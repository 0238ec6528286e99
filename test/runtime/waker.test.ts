// The waker ends a blocking poller wait: from this thread, and from a Worker
// while the main thread sits in epoll_wait/poll (where Bun's own event loop
// cannot run, so only the fd write can reach us).
import { describe, expect, test } from "bun:test";
import { createPoller } from "../../runtime/create-poller.ts";
import { READABLE, type PollerBackend } from "../../runtime/poller.ts";
import { Waker, defaultWakerKind, type WakerKind } from "../../runtime/waker.ts";
import { fdCount, quiesce, waitFor, workerThreads } from "./helpers.ts";

const WORKER = new URL("./fixtures/wake-worker.ts", import.meta.url).href;

for (const backend of ["epoll", "poll"] as PollerBackend[]) {
  for (const kind of ["eventfd", "pipe"] as WakerKind[]) {
    describe(`${kind} waker on ${backend}`, () => {
      test("wake() makes the waker readable; drain() clears it", async () => {
        await quiesce();
        const before = fdCount();
        const p = createPoller(backend);
        const w = new Waker(kind);
        p.register(w.fd, READABLE, 0);
        expect(p.wait(0)).toEqual([]);
        w.wake();
        w.wake();
        expect(p.wait(1000)).toMatchObject([{ token: 0, readable: true }]);
        w.drain();
        expect(p.wait(0)).toEqual([]);
        p.deregister(w.fd);
        p.close();
        w.close();
        expect(fdCount()).toBe(before);
      });

      test("a Worker's wake ends wait(10000) early, repeatedly", async () => {
        await quiesce();
        const threads = workerThreads();
        const p = createPoller(backend);
        const w = new Waker(kind);
        p.register(w.fd, READABLE, 0);
        const gate = new SharedArrayBuffer(8);
        const cell = new Int32Array(gate);
        const worker = new Worker(WORKER);
        const exited = new Promise((r) => worker.addEventListener("close", r));
        worker.postMessage({ handle: w.handle, delayMs: 20, times: 3, gate });
        for (let i = 0; i < 3; i++) {
          const t0 = performance.now();
          const ev = p.wait(10000);
          const took = performance.now() - t0;
          expect(ev).toMatchObject([{ token: 0, readable: true }]);
          // Returned because of the wake, long before the 10 s timeout.
          expect(took).toBeLessThan(5000);
          w.drain();
          Atomics.store(cell, 1, i + 1);
          Atomics.notify(cell, 1);
        }
        await exited;
        expect(await waitFor(() => workerThreads() === threads)).toBe(true);
        p.close();
        w.close();
      });
    });
  }
}

test("the default waker kind is eventfd on Linux; BEAGLE_WAKER overrides", () => {
  const saved = process.env.BEAGLE_WAKER;
  try {
    delete process.env.BEAGLE_WAKER;
    expect(defaultWakerKind()).toBe(process.platform === "linux" ? "eventfd" : "pipe");
    process.env.BEAGLE_WAKER = "pipe";
    expect(defaultWakerKind()).toBe("pipe");
  } finally {
    if (saved === undefined) delete process.env.BEAGLE_WAKER;
    else process.env.BEAGLE_WAKER = saved;
  }
});
