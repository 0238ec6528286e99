// Poller backend on Linux epoll. The token rides in epoll_event.data; we always
// ask for EPOLLRDHUP so a socket peer's shutdown shows up as a hang-up.
import { EPOLL } from "../ffi/constants.ts";
import { EpollEventBuffer, epollCreate, epollCtl, epollWait } from "../ffi/epoll.ts";
import { ERRNO, SysError } from "../ffi/errno.ts";
import { closeFd } from "../ffi/fd.ts";
import { strerror } from "../ffi/libc.ts";
import { READABLE, WRITABLE, toKernelTimeout, type Poller, type ReadyEvent } from "./poller.ts";

function mask(interest: number): number {
  let m = EPOLL.RDHUP;
  if (interest & READABLE) m |= EPOLL.IN;
  if (interest & WRITABLE) m |= EPOLL.OUT;
  return m;
}

export class EpollPoller implements Poller {
  readonly backend = "epoll" as const;
  private epfd: number;
  private buf = new EpollEventBuffer(256);

  constructor() {
    this.epfd = epollCreate();
  }

  register(fd: number, interest: number, token: number): void {
    epollCtl(this.epfd, EPOLL.CTL_ADD, fd, mask(interest), token);
  }

  modify(fd: number, interest: number, token: number): void {
    epollCtl(this.epfd, EPOLL.CTL_MOD, fd, mask(interest), token);
  }

  deregister(fd: number): void {
    epollCtl(this.epfd, EPOLL.CTL_DEL, fd, 0, 0);
  }

  wait(timeoutMs: number): ReadyEvent[] {
    const deadline = timeoutMs >= 0 ? performance.now() + timeoutMs : Infinity;
    let timeout = toKernelTimeout(timeoutMs);
    for (;;) {
      const n = epollWait(this.epfd, this.buf, timeout);
      if (n >= 0) return this.collect(n);
      if (-n !== ERRNO.EINTR) throw new SysError("epoll_wait", -n, strerror(-n));
      if (deadline !== Infinity) timeout = toKernelTimeout(Math.max(0, deadline - performance.now()));
    }
  }

  private collect(n: number): ReadyEvent[] {
    const out: ReadyEvent[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const ev = this.buf.events(i);
      out[i] = {
        token: this.buf.token(i),
        readable: (ev & (EPOLL.IN | EPOLL.PRI)) !== 0,
        writable: (ev & EPOLL.OUT) !== 0,
        hangup: (ev & (EPOLL.HUP | EPOLL.RDHUP)) !== 0,
        error: (ev & EPOLL.ERR) !== 0,
      };
    }
    // A full buffer means more may be waiting: grow so the next wait sees more.
    if (n === this.buf.capacity) this.buf = new EpollEventBuffer(this.buf.capacity * 2);
    return out;
  }

  close(): void {
    if (this.epfd >= 0) {
      closeFd(this.epfd);
      this.epfd = -1;
    }
  }
}
