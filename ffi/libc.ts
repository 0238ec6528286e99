// The one place that dlopen()s libc for the event loop. Linux and macOS get
// their own symbol tables (epoll/eventfd/pipe2 vs kqueue/pipe, errno via
// __errno_location vs __error) behind a single `LibC` shape, so callers never
// branch on the platform for anything but which backend to build.
import { dlopen, read, type Pointer } from "bun:ffi";
import { PLATFORM } from "./constants.ts";
import { SysError } from "./errno.ts";

type Buf = NodeJS.TypedArray | DataView | null;

export interface LibC {
  close(fd: number): number;
  read(fd: number, buf: Buf, len: number): number;
  write(fd: number, buf: Buf, len: number): number;
  /** fcntl(fd, cmd, arg) with an int argument. */
  fcntl(fd: number, cmd: number, arg: number): number;
  socketpair(domain: number, type: number, protocol: number, fds: Int32Array): number;
  poll(fds: Buf, nfds: number, timeoutMs: number): number;
  clock_gettime(clock: number, ts: Buf): number;
  strerror(errno: number): string;
  /** Linux only. */
  pipe2?(fds: Int32Array, flags: number): number;
  eventfd?(initval: number, flags: number): number;
  epoll_create1?(flags: number): number;
  epoll_ctl?(epfd: number, op: number, fd: number, event: Buf): number;
  epoll_wait?(epfd: number, events: Buf, maxEvents: number, timeoutMs: number): number;
  /** macOS/BSD only. */
  pipe?(fds: Int32Array): number;
  kqueue?(): number;
  kevent?(kq: number, changes: Buf, nchanges: number, events: Buf, nevents: number, timeout: Buf): number;
}

const COMMON = {
  close: { args: ["i32"], returns: "i32" },
  read: { args: ["i32", "ptr", "u64"], returns: "i64_fast" },
  write: { args: ["i32", "ptr", "u64"], returns: "i64_fast" },
  socketpair: { args: ["i32", "i32", "i32", "ptr"], returns: "i32" },
  poll: { args: ["ptr", "u64", "i32"], returns: "i32" },
  clock_gettime: { args: ["i32", "ptr"], returns: "i32" },
  strerror: { args: ["i32"], returns: "cstring" },
} as const;

const LINUX_SYMBOLS = {
  ...COMMON,
  // fcntl is variadic; on x86-64 and aarch64 Linux an int vararg travels in
  // the same register as a named one, so a fixed 3-argument prototype works.
  fcntl: { args: ["i32", "i32", "i32"], returns: "i32" },
  __errno_location: { args: [], returns: "ptr" },
  pipe2: { args: ["ptr", "i32"], returns: "i32" },
  eventfd: { args: ["u32", "i32"], returns: "i32" },
  epoll_create1: { args: ["i32"], returns: "i32" },
  epoll_ctl: { args: ["i32", "i32", "i32", "ptr"], returns: "i32" },
  epoll_wait: { args: ["i32", "ptr", "i32", "i32"], returns: "i32" },
} as const;

const DARWIN_SYMBOLS = {
  ...COMMON,
  // Apple arm64 passes every variadic argument on the stack. Declaring six
  // dummy register arguments pushes the real one (the 9th) to [sp], where
  // fcntl's va_arg reads it. On x86-64 the extra arguments are ignored.
  fcntl: { args: ["i32", "i32", "i64", "i64", "i64", "i64", "i64", "i64", "i64"], returns: "i32" },
  __error: { args: [], returns: "ptr" },
  pipe: { args: ["ptr"], returns: "i32" },
  kqueue: { args: [], returns: "i32" },
  kevent: { args: ["i32", "ptr", "i32", "ptr", "i32", "ptr"], returns: "i32" },
} as const;

const LINUX_PATHS = ["libc.so.6", "libc.musl-x86_64.so.1", "libc.musl-aarch64.so.1", "libc.so"];
const DARWIN_PATHS = ["/usr/lib/libSystem.B.dylib", "libSystem.B.dylib"];

// biome-ignore lint/suspicious/noExplicitAny: the symbol tables are `as const` (readonly arg tuples), which FFIFunction does not accept
function openFirst<T extends Record<string, any>>(paths: string[], symbols: T) {
  let last: unknown;
  for (const p of paths) {
    try {
      return dlopen(p, symbols);
    } catch (e) {
      last = e;
    }
  }
  throw new Error(`cannot dlopen libc (${paths.join(", ")}): ${String(last)}`);
}

function load(): { libc: LibC; errnoPtr: Pointer } {
  if (PLATFORM === "darwin") {
    // biome-ignore lint/suspicious/noExplicitAny: bun:ffi types each symbol from its declaration; LibC is the typed view we hand out
    const sym = openFirst(DARWIN_PATHS, DARWIN_SYMBOLS).symbols as any;
    const fcntl9 = sym.fcntl;
    const libc: LibC = {
      ...sym,
      fcntl: (fd: number, cmd: number, arg: number) => fcntl9(fd, cmd, 0, 0, 0, 0, 0, 0, arg),
      strerror: (n: number) => String(sym.strerror(n)),
    };
    return { libc, errnoPtr: sym.__error() };
  }
  // biome-ignore lint/suspicious/noExplicitAny: bun:ffi types each symbol from its declaration; LibC is the typed view we hand out
  const sym = openFirst(LINUX_PATHS, LINUX_SYMBOLS).symbols as any;
  const libc: LibC = { ...sym, strerror: (n: number) => String(sym.strerror(n)) };
  return { libc, errnoPtr: sym.__errno_location() };
}

const loaded = load();

/** libc for this platform, opened once per thread (each Worker gets its own). */
export const libc: LibC = loaded.libc;

/**
 * The calling thread's errno. The pointer is thread-local and this module is
 * instantiated per thread, so caching it is safe; read it right after the
 * failing call, before anything else can touch errno.
 */
export function errno(): number {
  return read.i32(loaded.errnoPtr, 0);
}

const messages = new Map<number, string>();

/** strerror(3), cached: the messages never change within a process. */
export function strerror(n: number): string {
  let m = messages.get(n);
  if (m === undefined) {
    m = libc.strerror(n);
    messages.set(n, m);
  }
  return m;
}

/** Throw a SysError for the current errno if `ret` signals failure (-1). */
export function check(ret: number, syscall: string): number {
  if (ret < 0) {
    const e = errno();
    throw new SysError(syscall, e, strerror(e));
  }
  return ret;
}
