// Both Linux-testable backends (epoll and the poll(2) fallback) against the
// same contract, on pipes and socket pairs: readable, writable, hang-up,
// modify, deregister, tokens, timeouts and errors.
import { afterEach, describe, expect, test } from "bun:test";
import { SysError } from "../../ffi/errno.ts";
import { closeFd, makePipe, makeSocketPair, readFd, writeFd } from "../../ffi/fd.ts";
import { createPoller } from "../../runtime/create-poller.ts";
import {
  READABLE,
  WRITABLE,
  defaultBackend,
  toKernelTimeout,
  type Poller,
  type PollerBackend,
} from "../../runtime/poller.ts";
import { fdCount, quiesce } from "./helpers.ts";

const byte = new Uint8Array([42]);

for (const backend of ["epoll", "poll"] as PollerBackend[]) {
  describe(`${backend} poller`, () => {
    let p: Poller;
    const open: number[] = [];
    const fds = (pair: [number, number]) => {
      open.push(...pair);
      return pair;
    };
    afterEach(() => {
      p?.close();
      for (const fd of open.splice(0)) closeFd(fd);
    });

    test("pipe: nothing ready, then readable with the right token", () => {
      p = createPoller(backend);
      expect(p.backend).toBe(backend);
      const [r, w] = fds(makePipe());
      p.register(r, READABLE, 7);
      expect(p.wait(0)).toEqual([]);
      writeFd(w, byte);
      const ev = p.wait(1000);
      expect(ev).toHaveLength(1);
      expect(ev[0]).toMatchObject({ token: 7, readable: true, writable: false, hangup: false, error: false });
      // Level-triggered: still ready until drained.
      expect(p.wait(0)).toHaveLength(1);
      readFd(r, new Uint8Array(8));
      expect(p.wait(0)).toEqual([]);
    });

    test("pipe: write end is writable until full", () => {
      p = createPoller(backend);
      const [, w] = fds(makePipe());
      p.register(w, WRITABLE, 1);
      expect(p.wait(0)[0]).toMatchObject({ token: 1, writable: true });
      const chunk = new Uint8Array(65536);
      while (writeFd(w, chunk) > 0) {}
      expect(p.wait(0)).toEqual([]);
    });

    test("pipe: closing the writer hangs up the reader", () => {
      p = createPoller(backend);
      const [r, w] = makePipe();
      open.push(r);
      p.register(r, READABLE, 3);
      closeFd(w);
      const ev = p.wait(1000);
      expect(ev).toHaveLength(1);
      expect(ev[0]!.token).toBe(3);
      expect(ev[0]!.hangup).toBe(true);
    });

    test("pipe: closing the reader is an error for the writer", () => {
      p = createPoller(backend);
      const [r, w] = makePipe();
      open.push(w);
      p.register(w, WRITABLE, 4);
      closeFd(r);
      const ev = p.wait(1000);
      expect(ev).toHaveLength(1);
      expect(ev[0]!.error).toBe(true);
    });

    test("socketpair: readable, writable, and hang-up when the peer closes", () => {
      p = createPoller(backend);
      const [a, b] = makeSocketPair();
      open.push(a);
      p.register(a, READABLE | WRITABLE, 11);
      const first = p.wait(1000);
      expect(first[0]).toMatchObject({ token: 11, writable: true, readable: false, hangup: false });
      writeFd(b, byte);
      expect(p.wait(1000)[0]).toMatchObject({ token: 11, readable: true, writable: true });
      closeFd(b);
      const last = p.wait(1000)[0]!;
      expect(last.readable).toBe(true); // the pending byte, then EOF
      expect(last.hangup).toBe(true);
    });

    test("interest 0 still reports hang-up", () => {
      p = createPoller(backend);
      const [a, b] = makeSocketPair();
      open.push(a);
      p.register(a, 0, 5);
      expect(p.wait(0)).toEqual([]);
      closeFd(b);
      expect(p.wait(1000)[0]).toMatchObject({ token: 5, hangup: true });
    });

    test("modify changes interest and token; deregister silences", () => {
      p = createPoller(backend);
      const [a, b] = fds(makeSocketPair());
      p.register(a, READABLE, 1);
      expect(p.wait(0)).toEqual([]);
      p.modify(a, WRITABLE, 2);
      expect(p.wait(0)[0]).toMatchObject({ token: 2, writable: true });
      p.deregister(a);
      writeFd(b, byte);
      expect(p.wait(0)).toEqual([]);
    });

    test("many fds, tokens beyond 32 bits", () => {
      p = createPoller(backend);
      const pairs = Array.from({ length: 40 }, () => fds(makePipe()));
      const big = 2 ** 40 + 5;
      for (const [i, [r]] of pairs.entries()) p.register(r, READABLE, big + i);
      for (const i of [3, 17, 39]) writeFd(pairs[i]![1], byte);
      const got = p
        .wait(1000)
        .map((e) => e.token - big)
        .sort((x, y) => x - y);
      expect(got).toEqual([3, 17, 39]);
    });

    test("errors are SysErrors: double register, unknown fd", () => {
      p = createPoller(backend);
      const [r] = fds(makePipe());
      p.register(r, READABLE, 1);
      expect(() => p.register(r, READABLE, 1)).toThrow(SysError);
      expect(() => p.deregister(99999)).toThrow(SysError);
      expect(() => p.modify(99999, READABLE, 1)).toThrow(SysError);
    });

    test("a timeout with nothing ready returns no events", () => {
      p = createPoller(backend);
      const [r] = fds(makePipe());
      p.register(r, READABLE, 1);
      expect(p.wait(2)).toEqual([]);
    });

    test("close releases the poller's fd", async () => {
      await quiesce();
      const before = fdCount();
      const q = createPoller(backend);
      q.close();
      expect(fdCount()).toBe(before);
    });
  });
}

describe("poller helpers", () => {
  test("kernel timeouts round up to whole ms; negative means forever", () => {
    expect(toKernelTimeout(0)).toBe(0);
    expect(toKernelTimeout(0.01)).toBe(1);
    expect(toKernelTimeout(1.5)).toBe(2);
    expect(toKernelTimeout(-1)).toBe(-1);
    expect(toKernelTimeout(Infinity)).toBe(-1);
  });

  test("BEAGLE_POLLER selects the backend", () => {
    const saved = process.env.BEAGLE_POLLER;
    try {
      process.env.BEAGLE_POLLER = "poll";
      expect(defaultBackend()).toBe("poll");
      expect(createPoller().backend).toBe("poll");
      delete process.env.BEAGLE_POLLER;
      expect(defaultBackend()).toBe(process.platform === "darwin" ? "kqueue" : "epoll");
      process.env.BEAGLE_POLLER = "bogus";
      expect(() => defaultBackend()).toThrow();
    } finally {
      if (saved === undefined) delete process.env.BEAGLE_POLLER;
      else process.env.BEAGLE_POLLER = saved;
    }
  });
});
