// epoll(7) bindings with struct epoll_event packed by hand (12 bytes on x86-64,
// 16 elsewhere; see EPOLL.EVENT_SIZE). The 64-bit data field carries a token.
import { EPOLL } from "./constants.ts";
import { check, errno, libc } from "./libc.ts";

export function epollCreate(): number {
  if (!libc.epoll_create1) throw new Error("epoll is Linux-only");
  return check(libc.epoll_create1(EPOLL.CLOEXEC), "epoll_create1");
}

const one = new DataView(new ArrayBuffer(EPOLL.EVENT_SIZE));

function putToken(view: DataView, at: number, token: number): void {
  view.setUint32(at, token >>> 0, true);
  view.setUint32(at + 4, Math.floor(token / 2 ** 32), true);
}

/** epoll_ctl(ADD|MOD|DEL); throws SysError on failure. Tokens up to 2^53. */
export function epollCtl(epfd: number, op: number, fd: number, events: number, token: number): void {
  one.setUint32(0, events >>> 0, true);
  putToken(one, EPOLL.DATA_OFFSET, token);
  check(libc.epoll_ctl!(epfd, op, fd, one), "epoll_ctl");
}

/** A reusable array of struct epoll_event for epoll_wait to fill. */
export class EpollEventBuffer {
  view: DataView;
  constructor(public capacity: number) {
    this.view = new DataView(new ArrayBuffer(capacity * EPOLL.EVENT_SIZE));
  }
  events(i: number): number {
    return this.view.getUint32(i * EPOLL.EVENT_SIZE, true);
  }
  token(i: number): number {
    const at = i * EPOLL.EVENT_SIZE + EPOLL.DATA_OFFSET;
    return this.view.getUint32(at, true) + this.view.getUint32(at + 4, true) * 2 ** 32;
  }
}

/** epoll_wait: number of ready events, or -errno (e.g. -EINTR). */
export function epollWait(epfd: number, buf: EpollEventBuffer, timeoutMs: number): number {
  const n = libc.epoll_wait!(epfd, buf.view, buf.capacity, timeoutMs);
  return n < 0 ? -errno() : n;
}
