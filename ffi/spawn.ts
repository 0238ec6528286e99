// Process primitives over libc: posix_spawnp with file actions and attributes,
// waitpid, kill, and (Linux) pidfd_open through syscall(2). Nothing here knows
// about Beagle values or the event loop; runtime/process/ builds on it.
//
// The opaque posix_spawn types are given generously sized zeroed buffers
// (glibc x86-64: file actions 80 bytes, attributes 336; macOS: one pointer
// each), initialised and destroyed by libc itself.
import { dlopen, type FFIFunction, ptr, type Pointer } from "bun:ffi";
import { PLATFORM } from "./constants.ts";
import { errno } from "./libc.ts";

const LINUX_PATHS = ["libc.so.6", "libc.musl-x86_64.so.1", "libc.musl-aarch64.so.1", "libc.so"];
const DARWIN_PATHS = ["/usr/lib/libSystem.B.dylib", "libSystem.B.dylib"];

const SYMBOLS = {
  posix_spawnp: { args: ["ptr", "ptr", "ptr", "ptr", "ptr", "ptr"], returns: "i32" },
  posix_spawn_file_actions_init: { args: ["ptr"], returns: "i32" },
  posix_spawn_file_actions_destroy: { args: ["ptr"], returns: "i32" },
  posix_spawn_file_actions_adddup2: { args: ["ptr", "i32", "i32"], returns: "i32" },
  posix_spawn_file_actions_addopen: { args: ["ptr", "i32", "ptr", "i32", "u32"], returns: "i32" },
  posix_spawnattr_init: { args: ["ptr"], returns: "i32" },
  posix_spawnattr_destroy: { args: ["ptr"], returns: "i32" },
  posix_spawnattr_setflags: { args: ["ptr", "i16"], returns: "i32" },
  posix_spawnattr_setpgroup: { args: ["ptr", "i32"], returns: "i32" },
  posix_spawnattr_setsigmask: { args: ["ptr", "ptr"], returns: "i32" },
  posix_spawnattr_setsigdefault: { args: ["ptr", "ptr"], returns: "i32" },
  sigemptyset: { args: ["ptr"], returns: "i32" },
  sigfillset: { args: ["ptr"], returns: "i32" },
  waitpid: { args: ["i32", "ptr", "i32"], returns: "i32" },
  kill: { args: ["i32", "i32"], returns: "i32" },
} as const;

// Optional symbols: a chdir file action (glibc 2.29+, macOS 10.15+) and, on
// glibc 2.34+, closefrom so the child keeps nothing but fds 0-2 even if some
// library in this process opened an fd without O_CLOEXEC.
const OPTIONAL = {
  posix_spawn_file_actions_addchdir_np: { args: ["ptr", "ptr"], returns: "i32" },
  posix_spawn_file_actions_addclosefrom_np: { args: ["ptr", "i32"], returns: "i32" },
} as const;

const LINUX_ONLY = {
  // syscall is variadic; every argument here is an integer in a general register
  syscall: { args: ["i64", "i64", "i64"], returns: "i64" },
} as const;

/** A libc function as bun:ffi exposes it; results are numbers (i64 ones may be bigints). */
type Native = (...args: unknown[]) => number;

function openFirst(paths: string[], symbols: Record<string, FFIFunction>): Record<string, Native> {
  let last: unknown;
  for (const p of paths) {
    try {
      return dlopen(p, symbols).symbols as unknown as Record<string, Native>;
    } catch (e) {
      last = e;
    }
  }
  throw new Error(`cannot dlopen libc for process spawning: ${String(last)}`);
}

const paths = PLATFORM === "darwin" ? DARWIN_PATHS : LINUX_PATHS;
const sym = openFirst(paths, PLATFORM === "darwin" ? SYMBOLS : { ...SYMBOLS, ...LINUX_ONLY }) as Record<
  keyof typeof SYMBOLS | keyof typeof LINUX_ONLY,
  Native
>;
const opt: Record<string, Native> = {};
for (const [name, def] of Object.entries(OPTIONAL)) {
  try {
    opt[name] = openFirst(paths, { [name]: def as FFIFunction })[name]!;
  } catch {
    // missing in this libc: the feature degrades (see spawn below)
  }
}

/** posix_spawn flags and numbers that differ between platforms. */
const POSIX_SPAWN_SETPGROUP = 0x02;
const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
const POSIX_SPAWN_CLOEXEC_DEFAULT = 0x4000; // macOS: every fd not named in a file action is closed
const O_RDONLY = 0;
const O_WRONLY = 1;
const WNOHANG = 1;
const SYS_PIDFD_OPEN = 434; // the same number on every Linux architecture (unified syscall table)

export const SIGNALS: Record<string, number> =
  PLATFORM === "darwin"
    ? {
        SIGHUP: 1,
        SIGINT: 2,
        SIGQUIT: 3,
        SIGKILL: 9,
        SIGUSR1: 30,
        SIGUSR2: 31,
        SIGPIPE: 13,
        SIGALRM: 14,
        SIGTERM: 15,
        SIGCONT: 19,
        SIGSTOP: 17,
        SIGABRT: 6,
        SIGSEGV: 11,
      }
    : {
        SIGHUP: 1,
        SIGINT: 2,
        SIGQUIT: 3,
        SIGKILL: 9,
        SIGUSR1: 10,
        SIGUSR2: 12,
        SIGPIPE: 13,
        SIGALRM: 14,
        SIGTERM: 15,
        SIGCONT: 18,
        SIGSTOP: 19,
        SIGABRT: 6,
        SIGSEGV: 11,
      };

export function signalName(n: number): string {
  for (const [name, v] of Object.entries(SIGNALS)) if (v === n) return name;
  return `SIG${n}`;
}

/** What the child's fd 0, 1 or 2 becomes. */
export type StdioSpec = { kind: "inherit" } | { kind: "null" } | { kind: "fd"; fd: number };

export interface SpawnRequest {
  file: string; // looked up in PATH when it has no slash
  argv: string[]; // argv[0] included
  env: string[]; // "NAME=value" entries, the whole environment of the child
  cwd?: string;
  stdio: [StdioSpec, StdioSpec, StdioSpec];
  /** make the child the leader of a new process group (so a signal to -pid reaches its own children) */
  newGroup?: boolean;
}

const enc = new TextEncoder();

/** A NUL-terminated copy of `s`; the caller keeps it referenced while its pointer is in use. */
function cstr(s: string): Uint8Array {
  const b = enc.encode(s);
  const out = new Uint8Array(b.length + 1);
  out.set(b);
  return out;
}

/** A NULL-terminated char*[] over `strings`; `keep` holds the strings' buffers alive. */
function cstrArray(strings: string[], keep: Uint8Array[]): BigUint64Array {
  const arr = new BigUint64Array(strings.length + 1);
  strings.forEach((s, i) => {
    const b = cstr(s);
    keep.push(b);
    arr[i] = BigInt(ptr(b));
  });
  return arr;
}

/** True when `posix_spawnp` can set the child's working directory. */
export const canChdir = typeof opt.posix_spawn_file_actions_addchdir_np === "function";

/**
 * Start a child. Returns its pid, or -errno (ENOENT: not found in PATH,
 * EACCES: not executable, ENOENT/ENOTDIR for a missing cwd, ...): glibc and
 * macOS report the child's exec failure as posix_spawnp's result.
 */
export function spawn(req: SpawnRequest): number {
  const fa = new Uint8Array(256);
  const attr = new Uint8Array(1024);
  const sigs = new Uint8Array(128);
  const keep: Uint8Array[] = [];
  if (sym.posix_spawn_file_actions_init(fa) !== 0) return -errno();
  if (sym.posix_spawnattr_init(attr) !== 0) {
    sym.posix_spawn_file_actions_destroy(fa);
    return -errno();
  }
  try {
    const devnull = cstr("/dev/null");
    keep.push(devnull);
    for (let target = 0; target < 3; target++) {
      const s = req.stdio[target]!;
      let r = 0;
      if (s.kind === "fd") r = sym.posix_spawn_file_actions_adddup2(fa, s.fd, target);
      else if (s.kind === "null")
        r = sym.posix_spawn_file_actions_addopen(fa, target, devnull, target === 0 ? O_RDONLY : O_WRONLY, 0);
      else if (PLATFORM === "darwin") r = sym.posix_spawn_file_actions_adddup2(fa, target, target); // keep it open
      if (r !== 0) return -r;
    }
    if (req.cwd !== undefined) {
      if (!canChdir) return -38; // ENOSYS
      const c = cstr(req.cwd);
      keep.push(c);
      const r = opt.posix_spawn_file_actions_addchdir_np!(fa, c);
      if (r !== 0) return -r;
    }
    if (PLATFORM !== "darwin" && opt.posix_spawn_file_actions_addclosefrom_np) {
      const r = opt.posix_spawn_file_actions_addclosefrom_np(fa, 3);
      if (r !== 0) return -r;
    }
    // The child starts with every signal at its default and none blocked:
    // this process ignores SIGPIPE (so a dead reader is EPIPE, not death), and
    // an ignored disposition would otherwise survive exec into the child.
    sym.sigfillset(sigs);
    sym.posix_spawnattr_setsigdefault(attr, sigs);
    sym.sigemptyset(sigs);
    sym.posix_spawnattr_setsigmask(attr, sigs);
    let flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
    if (req.newGroup) {
      sym.posix_spawnattr_setpgroup(attr, 0); // 0: its own pid becomes the group id
      flags |= POSIX_SPAWN_SETPGROUP;
    }
    if (PLATFORM === "darwin") flags |= POSIX_SPAWN_CLOEXEC_DEFAULT;
    sym.posix_spawnattr_setflags(attr, flags);

    const file = cstr(req.file);
    keep.push(file);
    const argv = cstrArray(req.argv, keep);
    const envp = cstrArray(req.env, keep);
    const pid = new Int32Array(1);
    const r = sym.posix_spawnp(pid, file, fa, attr, argv, envp);
    if (r !== 0) return -r;
    return pid[0]!;
  } finally {
    sym.posix_spawn_file_actions_destroy(fa);
    sym.posix_spawnattr_destroy(attr);
    keep.length = 0;
  }
}

/** A decoded wait status. */
export interface ExitInfo {
  code: number | null; // exit code when the child exited
  signal: number | null; // signal number when a signal killed it
  raw: number; // the wait status as waitpid gave it
}

export function decodeStatus(raw: number): ExitInfo {
  const sig = raw & 0x7f;
  if (sig === 0) return { code: (raw >> 8) & 0xff, signal: null, raw };
  return { code: null, signal: sig, raw };
}

const statusBuf = new Int32Array(1);

/**
 * waitpid(pid) for an exit: the decoded status once the child is reaped,
 * null while it still runs (`block` false), or -errno (ECHILD: not ours or
 * already reaped). EINTR is retried.
 */
export function waitPid(pid: number, block: boolean): ExitInfo | null | number {
  for (;;) {
    const r = sym.waitpid(pid, statusBuf, block ? 0 : WNOHANG);
    if (r === pid) return decodeStatus(statusBuf[0]!);
    if (r === 0) return null;
    const e = errno();
    if (e !== 4 /* EINTR */) return -e;
  }
}

/** kill(2): 0 or -errno (ESRCH when it is gone). */
export function killPid(pid: number, signal: number): number {
  return sym.kill(pid, signal) === 0 ? 0 : -errno();
}

let pidfdWorks: boolean | null = PLATFORM === "linux" ? null : false;

/**
 * A pidfd for `pid` (readable once the child exits; close-on-exec by the
 * kernel's rule for pidfds), or -errno. ENOSYS (kernels before 5.3) switches
 * the caller to the polling fallback for good.
 */
export function pidfdOpen(pid: number): number {
  if (pidfdWorks === false) return -38;
  const fd = Number(sym.syscall(SYS_PIDFD_OPEN, pid, 0));
  if (fd >= 0) {
    pidfdWorks = true;
    return fd;
  }
  const e = errno();
  if (e === 38 /* ENOSYS */) pidfdWorks = false;
  return -e;
}

export type { Pointer };
