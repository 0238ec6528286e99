// Portable poll(2) backend. It keeps the registration table in JS and rebuilds
// the pollfd array only when registrations change, so a steady-state wait is a
// single FFI call. O(n) per wait, which is fine for a fallback.
import { SYS } from "../ffi/constants.ts";
import { ERRNO, SysError } from "../ffi/errno.ts";
import { PollFdArray, pollFds } from "../ffi/poll.ts";
import { strerror } from "../ffi/libc.ts";
import { READABLE, WRITABLE, toKernelTimeout, type Poller, type ReadyEvent } from "./poller.ts";

interface Entry {
  fd: number;
  interest: number;
  token: number;
}

function mask(interest: number): number {
  let m = SYS.POLLRDHUP;
  if (interest & READABLE) m |= SYS.POLLIN | SYS.POLLPRI;
  if (interest & WRITABLE) m |= SYS.POLLOUT;
  return m;
}

export class PollPoller implements Poller {
  readonly backend = "poll" as const;
  private entries = new Map<number, Entry>();
  private order: Entry[] = [];
  private fds = new PollFdArray(16);
  private dirty = false;
  private closed = false;

  register(fd: number, interest: number, token: number): void {
    if (this.entries.has(fd)) throw new SysError("poll register", ERRNO.EEXIST!, strerror(ERRNO.EEXIST!));
    if (fd < 0) throw new SysError("poll register", ERRNO.EBADF!, strerror(ERRNO.EBADF!));
    this.entries.set(fd, { fd, interest, token });
    this.dirty = true;
  }

  modify(fd: number, interest: number, token: number): void {
    const e = this.entries.get(fd);
    if (!e) throw new SysError("poll modify", ERRNO.ENOENT!, strerror(ERRNO.ENOENT!));
    e.interest = interest;
    e.token = token;
    this.dirty = true;
  }

  deregister(fd: number): void {
    if (!this.entries.delete(fd)) throw new SysError("poll deregister", ERRNO.ENOENT!, strerror(ERRNO.ENOENT!));
    this.dirty = true;
  }

  private rebuild(): void {
    this.order = [...this.entries.values()];
    this.fds.ensure(this.order.length);
    for (let i = 0; i < this.order.length; i++) this.fds.set(i, this.order[i]!.fd, mask(this.order[i]!.interest));
    this.dirty = false;
  }

  wait(timeoutMs: number): ReadyEvent[] {
    if (this.closed) throw new Error("poller is closed");
    if (this.dirty) this.rebuild();
    const deadline = timeoutMs >= 0 ? performance.now() + timeoutMs : Infinity;
    let timeout = toKernelTimeout(timeoutMs);
    for (;;) {
      const n = pollFds(this.fds, this.order.length, timeout);
      if (n >= 0) return this.collect(n);
      if (-n !== ERRNO.EINTR) throw new SysError("poll", -n, strerror(-n));
      if (deadline !== Infinity) timeout = toKernelTimeout(Math.max(0, deadline - performance.now()));
    }
  }

  private collect(n: number): ReadyEvent[] {
    const out: ReadyEvent[] = [];
    for (let i = 0; i < this.order.length && out.length < n; i++) {
      const r = this.fds.revents(i);
      if (r === 0) continue;
      out.push({
        token: this.order[i]!.token,
        readable: (r & (SYS.POLLIN | SYS.POLLPRI)) !== 0,
        writable: (r & SYS.POLLOUT) !== 0,
        hangup: (r & (SYS.POLLHUP | SYS.POLLRDHUP)) !== 0,
        // POLLNVAL: the fd was closed while registered — report, don't spin silently.
        error: (r & (SYS.POLLERR | SYS.POLLNVAL)) !== 0,
      });
    }
    return out;
  }

  close(): void {
    this.closed = true;
    this.entries.clear();
    this.order = [];
  }
}
