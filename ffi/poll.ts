// poll(2) bindings. struct pollfd is { int fd; short events; short revents; }
// = 8 bytes on every platform we support.
import { errno, libc } from "./libc.ts";
import { StructArray } from "./struct-array.ts";

const SIZE = 8;

/** A growable array of struct pollfd. */
export class PollFdArray extends StructArray {
  constructor(capacity = 16) {
    super(SIZE, capacity);
  }
  set(i: number, fd: number, events: number): void {
    this.view.setInt32(i * SIZE, fd, true);
    this.view.setInt16(i * SIZE + 4, events, true);
    this.view.setInt16(i * SIZE + 6, 0, true);
  }
  revents(i: number): number {
    return this.view.getUint16(i * SIZE + 6, true);
  }
}

/** poll(2) over the first `n` entries: ready count or -errno. */
export function pollFds(fds: PollFdArray, n: number, timeoutMs: number): number {
  const r = libc.poll(fds.view, n, timeoutMs);
  return r < 0 ? -errno() : r;
}
