// Poller backend on kqueue (macOS/BSD). kqueue tracks read and write interest
// as separate filters, so we keep each fd's current interest to know which
// filters to add or delete, and merge per-filter events back into one
// ReadyEvent per token. Interest 0 registers no filter (so no hang-up report).
// Not exercised by the Linux test suite; it mirrors the epoll backend's contract.
import { KQ } from "../ffi/constants.ts";
import { ERRNO, SysError } from "../ffi/errno.ts";
import { closeFd } from "../ffi/fd.ts";
import { KEventArray, kevent, kqueueCreate } from "../ffi/kqueue.ts";
import { strerror } from "../ffi/libc.ts";
import { READABLE, WRITABLE, toKernelTimeout, type Poller, type ReadyEvent } from "./poller.ts";

export class KqueuePoller implements Poller {
  readonly backend = "kqueue" as const;
  private kq: number;
  private interest = new Map<number, number>();
  private changes = new KEventArray(4);
  private events = new KEventArray(256);

  constructor() {
    this.kq = kqueueCreate();
  }

  private apply(fd: number, from: number, to: number, token: number): void {
    let n = 0;
    const c = this.changes;
    if (to & READABLE) c.set(n++, fd, KQ.EVFILT_READ, KQ.EV_ADD | KQ.EV_ENABLE, token);
    else if (from & READABLE) c.set(n++, fd, KQ.EVFILT_READ, KQ.EV_DELETE, 0);
    if (to & WRITABLE) c.set(n++, fd, KQ.EVFILT_WRITE, KQ.EV_ADD | KQ.EV_ENABLE, token);
    else if (from & WRITABLE) c.set(n++, fd, KQ.EVFILT_WRITE, KQ.EV_DELETE, 0);
    if (n === 0) return;
    const r = kevent(this.kq, c, n, null, 0, 0);
    if (r < 0) throw new SysError("kevent", -r, strerror(-r));
  }

  register(fd: number, interest: number, token: number): void {
    if (this.interest.has(fd)) throw new SysError("kevent", ERRNO.EEXIST!, strerror(ERRNO.EEXIST!));
    this.apply(fd, 0, interest, token);
    this.interest.set(fd, interest);
  }

  modify(fd: number, interest: number, token: number): void {
    const from = this.interest.get(fd);
    if (from === undefined) throw new SysError("kevent", ERRNO.ENOENT!, strerror(ERRNO.ENOENT!));
    this.apply(fd, from, interest, token);
    this.interest.set(fd, interest);
  }

  deregister(fd: number): void {
    const from = this.interest.get(fd);
    if (from === undefined) throw new SysError("kevent", ERRNO.ENOENT!, strerror(ERRNO.ENOENT!));
    this.interest.delete(fd);
    this.apply(fd, from, 0, 0);
  }

  wait(timeoutMs: number): ReadyEvent[] {
    const deadline = timeoutMs >= 0 ? performance.now() + timeoutMs : Infinity;
    let timeout = toKernelTimeout(timeoutMs);
    for (;;) {
      const n = kevent(this.kq, null, 0, this.events, this.events.capacity, timeout);
      if (n >= 0) return this.collect(n);
      if (-n !== ERRNO.EINTR) throw new SysError("kevent", -n, strerror(-n));
      if (deadline !== Infinity) timeout = toKernelTimeout(Math.max(0, deadline - performance.now()));
    }
  }

  private collect(n: number): ReadyEvent[] {
    const byToken = new Map<number, ReadyEvent>();
    const ev = this.events;
    for (let i = 0; i < n; i++) {
      const token = ev.token(i);
      let e = byToken.get(token);
      if (!e) {
        e = { token, readable: false, writable: false, hangup: false, error: false };
        byToken.set(token, e);
      }
      const flags = ev.flags(i);
      if (flags & KQ.EV_ERROR) e.error = true;
      else if (ev.filter(i) === KQ.EVFILT_READ) e.readable = true;
      else if (ev.filter(i) === KQ.EVFILT_WRITE) e.writable = true;
      if (flags & KQ.EV_EOF) e.hangup = true;
    }
    return [...byToken.values()];
  }

  close(): void {
    if (this.kq >= 0) {
      closeFd(this.kq);
      this.kq = -1;
    }
  }
}
