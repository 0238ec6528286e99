// Platform constants for the libc calls we make. Linux and macOS disagree on
// many numbers (O_NONBLOCK, CLOCK_MONOTONIC, errno values above 34), so every
// caller reads them from here instead of hard-coding one platform's value.

export type Platform = "linux" | "darwin";

export const PLATFORM: Platform = process.platform === "darwin" ? "darwin" : "linux";

export interface SysConstants {
  O_NONBLOCK: number;
  O_CLOEXEC: number;
  F_GETFL: number;
  F_SETFL: number;
  F_SETFD: number;
  FD_CLOEXEC: number;
  CLOCK_MONOTONIC: number;
  AF_UNIX: number;
  SOCK_STREAM: number;
  SOCK_DGRAM: number;
  /** Linux lets socket()/socketpair() take these in the type; macOS does not (0). */
  SOCK_NONBLOCK: number;
  SOCK_CLOEXEC: number;
  POLLIN: number;
  POLLPRI: number;
  POLLOUT: number;
  POLLERR: number;
  POLLHUP: number;
  POLLNVAL: number;
  /** Linux-only: peer shut down its write half. 0 where unsupported. */
  POLLRDHUP: number;
}

const LINUX: SysConstants = {
  O_NONBLOCK: 0o4000,
  O_CLOEXEC: 0o2000000,
  F_GETFL: 3,
  F_SETFL: 4,
  F_SETFD: 2,
  FD_CLOEXEC: 1,
  CLOCK_MONOTONIC: 1,
  AF_UNIX: 1,
  SOCK_STREAM: 1,
  SOCK_DGRAM: 2,
  SOCK_NONBLOCK: 0o4000,
  SOCK_CLOEXEC: 0o2000000,
  POLLIN: 0x1,
  POLLPRI: 0x2,
  POLLOUT: 0x4,
  POLLERR: 0x8,
  POLLHUP: 0x10,
  POLLNVAL: 0x20,
  POLLRDHUP: 0x2000,
};

const DARWIN: SysConstants = {
  O_NONBLOCK: 0x4,
  O_CLOEXEC: 0x1000000,
  F_GETFL: 3,
  F_SETFL: 4,
  F_SETFD: 2,
  FD_CLOEXEC: 1,
  CLOCK_MONOTONIC: 6,
  AF_UNIX: 1,
  SOCK_STREAM: 1,
  SOCK_DGRAM: 2,
  SOCK_NONBLOCK: 0,
  SOCK_CLOEXEC: 0,
  POLLIN: 0x1,
  POLLPRI: 0x2,
  POLLOUT: 0x4,
  POLLERR: 0x8,
  POLLHUP: 0x10,
  POLLNVAL: 0x20,
  POLLRDHUP: 0,
};

export const SYS: SysConstants = PLATFORM === "darwin" ? DARWIN : LINUX;

/** Linux epoll(7). */
export const EPOLL = {
  CLOEXEC: 0o2000000,
  CTL_ADD: 1,
  CTL_DEL: 2,
  CTL_MOD: 3,
  IN: 0x001,
  PRI: 0x002,
  OUT: 0x004,
  ERR: 0x008,
  HUP: 0x010,
  RDHUP: 0x2000,
  ONESHOT: 1 << 30,
  /**
   * struct epoll_event is `__attribute__((packed))` on x86-64 only: 4-byte
   * events then 8-byte data at offset 4 (12 bytes). Elsewhere data is 8-aligned.
   */
  EVENT_SIZE: process.arch === "x64" ? 12 : 16,
  DATA_OFFSET: process.arch === "x64" ? 4 : 8,
} as const;

/** Linux eventfd(2). */
export const EFD = { NONBLOCK: 0o4000, CLOEXEC: 0o2000000 } as const;

/** BSD/macOS kqueue(2). struct kevent is 32 bytes on 64-bit macOS. */
export const KQ = {
  EVFILT_READ: -1,
  EVFILT_WRITE: -2,
  EV_ADD: 0x0001,
  EV_DELETE: 0x0002,
  EV_ENABLE: 0x0004,
  EV_DISABLE: 0x0008,
  EV_ONESHOT: 0x0010,
  EV_CLEAR: 0x0020,
  EV_RECEIPT: 0x0040,
  EV_ERROR: 0x4000,
  EV_EOF: 0x8000,
  KEVENT_SIZE: 32,
} as const;
