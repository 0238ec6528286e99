// File-descriptor plumbing: pipes, socket pairs, eventfd, non-blocking mode and
// raw read/write. Everything the event loop creates is close-on-exec so a
// spawned child never inherits our poller or waker.
import { EFD, PLATFORM, SYS } from "./constants.ts";
import { check, errno, libc } from "./libc.ts";

/** close(2). EINTR is not retried: on Linux and macOS the fd is gone anyway. */
export function closeFd(fd: number): void {
  const r = libc.close(fd);
  if (r < 0) {
    const e = errno();
    if (e !== 4 /* EINTR */) check(r, "close");
  }
}

/** fcntl F_SETFL O_NONBLOCK on or off. */
export function setNonBlocking(fd: number, on = true): void {
  const flags = check(libc.fcntl(fd, SYS.F_GETFL, 0), "fcntl(F_GETFL)");
  const next = on ? flags | SYS.O_NONBLOCK : flags & ~SYS.O_NONBLOCK;
  if (next !== flags) check(libc.fcntl(fd, SYS.F_SETFL, next), "fcntl(F_SETFL)");
}

function setCloexec(fd: number): void {
  check(libc.fcntl(fd, SYS.F_SETFD, SYS.FD_CLOEXEC), "fcntl(F_SETFD)");
}

/** A pipe as [readFd, writeFd], close-on-exec, optionally non-blocking. */
export function makePipe(nonBlocking = true): [number, number] {
  const fds = new Int32Array(2);
  if (libc.pipe2) {
    check(libc.pipe2(fds, SYS.O_CLOEXEC | (nonBlocking ? SYS.O_NONBLOCK : 0)), "pipe2");
  } else {
    check(libc.pipe!(fds), "pipe");
    for (const fd of fds) {
      setCloexec(fd);
      if (nonBlocking) setNonBlocking(fd, true);
    }
  }
  return [fds[0]!, fds[1]!];
}

/** A connected AF_UNIX stream (or datagram) socket pair. */
export function makeSocketPair(nonBlocking = true, type = SYS.SOCK_STREAM): [number, number] {
  const fds = new Int32Array(2);
  const linuxFlags = SYS.SOCK_CLOEXEC | (nonBlocking ? SYS.SOCK_NONBLOCK : 0);
  check(libc.socketpair(SYS.AF_UNIX, type | linuxFlags, 0, fds), "socketpair");
  if (PLATFORM === "darwin") {
    for (const fd of fds) {
      setCloexec(fd);
      if (nonBlocking) setNonBlocking(fd, true);
    }
  }
  return [fds[0]!, fds[1]!];
}

/** Linux eventfd(2), non-blocking and close-on-exec. */
export function makeEventFd(): number {
  if (!libc.eventfd) throw new Error("eventfd is Linux-only");
  return check(libc.eventfd(0, EFD.NONBLOCK | EFD.CLOEXEC), "eventfd");
}

/** read(2) into `buf`: bytes read (0 = EOF) or -errno (e.g. -EAGAIN). */
export function readFd(fd: number, buf: Uint8Array, len = buf.byteLength): number {
  const n = libc.read(fd, buf, len);
  return n < 0 ? -errno() : n;
}

/** write(2) from `buf`: bytes written or -errno. */
export function writeFd(fd: number, buf: Uint8Array, len = buf.byteLength): number {
  const n = libc.write(fd, buf, len);
  return n < 0 ? -errno() : n;
}
