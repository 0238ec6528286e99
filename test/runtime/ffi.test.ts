// The libc layer: errno and strerror, pipes, socket pairs, eventfd, the
// monotonic clock and native memory.
import { describe, expect, test } from "bun:test";
import { monotonicMs } from "../../ffi/clock.ts";
import { ERRNO, SysError, errnoName } from "../../ffi/errno.ts";
import { closeFd, makeEventFd, makePipe, makeSocketPair, readFd, setNonBlocking, writeFd } from "../../ffi/fd.ts";
import { check, errno, libc, strerror } from "../../ffi/libc.ts";
import { nativeAlloc, nativeFree, nativeView } from "../../ffi/memory.ts";
import { fdCount, quiesce } from "./helpers.ts";

describe("errno", () => {
  test("a failing call sets errno, named and explained", () => {
    expect(libc.close(987654)).toBe(-1);
    expect(errno()).toBe(ERRNO.EBADF!);
    expect(errnoName(ERRNO.EBADF!)).toBe("EBADF");
    expect(strerror(ERRNO.ENOENT!)).toBe("No such file or directory");
  });

  test("check() throws a SysError carrying code, errno and message", () => {
    let caught: unknown;
    try {
      check(libc.close(987654), "close");
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(SysError);
    const e = caught as SysError;
    expect(e.code).toBe("EBADF");
    expect(e.errno).toBe(ERRNO.EBADF!);
    expect(e.message).toContain("Bad file descriptor");
  });

  test("unknown errno values still get a name", () => {
    expect(errnoName(4000)).toBe("E4000");
  });
});

describe("fds", () => {
  test("pipe: bytes written come out, EAGAIN when empty, EOF after close", async () => {
    await quiesce();
    const before = fdCount();
    const [r, w] = makePipe();
    expect(fdCount()).toBe(before + 2);
    const buf = new Uint8Array(16);
    expect(readFd(r, buf)).toBe(-ERRNO.EAGAIN!);
    expect(writeFd(w, new Uint8Array([1, 2, 3]))).toBe(3);
    expect(readFd(r, buf)).toBe(3);
    expect([...buf.subarray(0, 3)]).toEqual([1, 2, 3]);
    closeFd(w);
    expect(readFd(r, buf)).toBe(0);
    closeFd(r);
    expect(fdCount()).toBe(before);
  });

  test("socketpair is bidirectional", () => {
    const [a, b] = makeSocketPair();
    const buf = new Uint8Array(8);
    expect(writeFd(a, new Uint8Array([7]))).toBe(1);
    expect(readFd(b, buf)).toBe(1);
    expect(writeFd(b, new Uint8Array([9, 9]))).toBe(2);
    expect(readFd(a, buf)).toBe(2);
    closeFd(a);
    closeFd(b);
  });

  test("eventfd counts writes and resets on read", () => {
    const fd = makeEventFd();
    const one = new Uint8Array(new BigUint64Array([1n]).buffer);
    writeFd(fd, one);
    writeFd(fd, one);
    const out = new BigUint64Array(1);
    expect(readFd(fd, new Uint8Array(out.buffer))).toBe(8);
    expect(out[0]).toBe(2n);
    expect(readFd(fd, new Uint8Array(out.buffer))).toBe(-ERRNO.EAGAIN!);
    closeFd(fd);
  });

  test("setNonBlocking toggles O_NONBLOCK", () => {
    const [r, w] = makePipe(false);
    setNonBlocking(r, true);
    expect(readFd(r, new Uint8Array(1))).toBe(-ERRNO.EAGAIN!);
    closeFd(r);
    closeFd(w);
  });
});

describe("clock and memory", () => {
  test("monotonicMs never goes backwards and tracks performance.now", () => {
    const a = monotonicMs();
    const p0 = performance.now();
    Bun.sleepSync(5);
    const b = monotonicMs();
    const p1 = performance.now();
    expect(b).toBeGreaterThanOrEqual(a);
    // Same clock rate: the two deltas agree (loosely: the test may be preempted).
    expect(Math.abs(b - a - (p1 - p0))).toBeLessThan(50);
  });

  test("native memory round-trips bytes and frees", () => {
    const p = nativeAlloc(1 << 20);
    const v = nativeView(p, 1 << 20);
    v[0] = 1;
    v[(1 << 20) - 1] = 2;
    expect(nativeView(p, 1 << 20)[(1 << 20) - 1]).toBe(2);
    nativeFree(p);
    expect(nativeView(0, 0).byteLength).toBe(0);
  });
});
