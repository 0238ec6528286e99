// Child processes: spawning with pipes, exit as an event, reaping, killing.
//
// Plain TypeScript over ffi/spawn.ts; the VM layer (vm/process.ts) turns what
// this returns into Beagle values. Every child is reaped exactly once, by
// `reap()`, which runs when its exit is noticed:
//   - Linux: a pidfd (pidfd_open) watched READABLE on the event loop from spawn
//     until the exit, so a child nobody waits for is reaped as soon as the loop
//     next turns;
//   - elsewhere (macOS, kernels before 5.3, or no poller): waitpid(WNOHANG)
//     polled on a timer while someone waits, plus a sweep on every spawn and at
//     shutdown.
// `shutdown()` (program exit) sends SIGTERM to every live child that was not
// detached, SIGKILL after a grace period, and reaps them all.
import { closeFd, makePipe, setNonBlocking } from "../../ffi/fd.ts";
import { libc } from "../../ffi/libc.ts";
import { PLATFORM } from "../../ffi/constants.ts";
import {
  type ExitInfo,
  SIGNALS,
  type StdioSpec,
  killPid,
  pidfdOpen,
  spawn as posixSpawn,
  waitPid,
} from "../../ffi/spawn.ts";
import { errnoName } from "../../ffi/errno.ts";
import { strerror } from "../../ffi/libc.ts";
import { READABLE } from "../poller.ts";
import { blockingSleep } from "../../vm/builtins/core.ts";
import { PipeStream } from "./stream.ts";

export type { ExitInfo };

const F_SETPIPE_SZ = 1031;

/**
 * Linux: a 1 MiB pipe instead of 64 KiB, so a bulk transfer costs 16x fewer
 * read/write calls and wake-ups. Best effort: above /proc/sys/fs/pipe-max-size
 * (or elsewhere) the pipe keeps its size.
 */
function growPipe(fd: number) {
  if (PLATFORM === "linux") libc.fcntl(fd, F_SETPIPE_SZ, 1 << 20);
}

/** What the table needs of an event loop (the VM's IoContext has this shape). */
export interface ProcessIo {
  watchFd(
    fd: number,
    interest: number,
    ready: (ev: { readable: boolean; hangup: boolean; error: boolean }) => void,
  ): () => void;
  addTimer(ms: number, fire: () => void): () => void;
}

export type StdioMode = "pipe" | "inherit" | "null";

export interface SpawnOptions {
  command: string;
  args: string[];
  /** the child's whole environment as NAME=value pairs */
  env: Record<string, string>;
  cwd?: string;
  stdin: StdioMode;
  stdout: StdioMode;
  stderr: StdioMode;
  /** left running when the program exits (still reaped if it exits first) */
  detach: boolean;
  /** its own process group: kill, cancellation and exit signal the whole group (its children too) */
  group?: boolean;
}

export interface SysFailure {
  errno: number;
  code: string; // "ENOENT"
  message: string; // strerror
}

export function failure(errno: number): SysFailure {
  return { errno, code: errnoName(errno), message: strerror(errno) };
}

/** Default grace between SIGTERM and SIGKILL when a child is terminated. */
export const GRACE_MS = 2000;

export class Child {
  exit: ExitInfo | null = null;
  private exitWaiters = new Set<(e: ExitInfo) => void>();
  /** releases the pidfd watch (Linux) */
  stopWatch: (() => void) | null = null;
  /** true once SIGTERM was sent by terminate(); a second terminate is a no-op */
  terminating = false;

  constructor(
    readonly id: number,
    readonly pid: number,
    public pidfd: number,
    readonly stdin: PipeStream | null,
    readonly stdout: PipeStream | null,
    readonly stderr: PipeStream | null,
    readonly detached: boolean,
    readonly command: string,
    readonly owner: ProcessTable,
    readonly group = false,
  ) {}

  /** Send `signal` to the child, or to its whole process group when it leads one. */
  signal(signal: number): number {
    return this.group ? killPid(-this.pid, signal) : killPid(this.pid, signal);
  }

  /** Call `cb` once with the exit (at once if known); the returned function unsubscribes. */
  onExit(cb: (e: ExitInfo) => void): () => void {
    if (this.exit) {
      cb(this.exit);
      return () => {};
    }
    this.exitWaiters.add(cb);
    return () => this.exitWaiters.delete(cb);
  }

  /** Record the exit and tell the waiters (called once, by the table's reap). */
  settle(info: ExitInfo) {
    this.exit = info;
    const ws = [...this.exitWaiters];
    this.exitWaiters.clear();
    for (const w of ws) w(info);
  }

  get waiterCount(): number {
    return this.exitWaiters.size;
  }
}

const pipeFinalizer = new FinalizationRegistry<PipeStream[]>((streams) => {
  for (const s of streams) s.close();
});

export class ProcessTable {
  private nextId = 1;
  /** every child not yet reaped, by id */
  private readonly live = new Map<number, Child>();
  private pollTimer: (() => void) | null = null;
  private pollDelay = 1;
  spawned = 0;

  constructor(private readonly io: ProcessIo | null) {}

  /** Children started and not yet reaped. */
  get liveCount(): number {
    return this.live.size;
  }

  /** Start a child; its pipes (our ends) are non-blocking and close-on-exec. */
  spawn(o: SpawnOptions): Child | SysFailure {
    this.sweep();
    const created: number[] = []; // every fd we made, closed on failure
    const childEnds: number[] = []; // the child's ends, closed in the parent after spawn
    const ours: (number | null)[] = [null, null, null];
    const stdio: StdioSpec[] = [];
    try {
      const modes = [o.stdin, o.stdout, o.stderr];
      for (let i = 0; i < 3; i++) {
        const m = modes[i];
        if (m === "pipe") {
          // blocking for the child (O_NONBLOCK is per open file), non-blocking for us
          const [r, w] = makePipe(false);
          created.push(r, w);
          const [mine, theirs] = i === 0 ? [w, r] : [r, w];
          setNonBlocking(mine, true);
          growPipe(mine);
          ours[i] = mine;
          childEnds.push(theirs);
          stdio.push({ kind: "fd", fd: theirs });
        } else stdio.push({ kind: m === "null" ? "null" : "inherit" });
      }
    } catch (e) {
      for (const fd of created) closeFd(fd);
      const errno = (e as { errno?: number }).errno ?? 24;
      return failure(errno);
    }
    const env = Object.entries(o.env).map(([k, v]) => `${k}=${v}`);
    const pid = posixSpawn({
      file: o.command,
      argv: [o.command, ...o.args],
      env,
      cwd: o.cwd,
      stdio: stdio as [StdioSpec, StdioSpec, StdioSpec],
      newGroup: o.group === true,
    });
    for (const fd of childEnds) closeFd(fd);
    if (pid < 0) {
      for (const fd of ours) if (fd !== null) closeFd(fd);
      return failure(-pid);
    }
    const pidfd = pidfdOpen(pid);
    const child = new Child(
      this.nextId++,
      pid,
      pidfd >= 0 ? pidfd : -1,
      ours[0] !== null ? new PipeStream(ours[0], "stdin") : null,
      ours[1] !== null ? new PipeStream(ours[1], "stdout") : null,
      ours[2] !== null ? new PipeStream(ours[2], "stderr") : null,
      o.detach,
      o.command,
      this,
      o.group === true,
    );
    this.live.set(child.id, child);
    // a handle the program drops without closing still gives its fds back when collected
    const streams = [child.stdin, child.stdout, child.stderr].filter((s) => s !== null);
    if (streams.length) pipeFinalizer.register(child, streams);
    this.spawned++;
    if (child.pidfd >= 0 && this.io) {
      try {
        child.stopWatch = this.io.watchFd(child.pidfd, READABLE, () => this.reap(child));
      } catch {
        // no poller (BEAGLE_IO=sleep): exits are polled while someone waits
      }
    }
    return child;
  }

  /** Reap `child` if it has exited (never blocks); true once it is reaped. */
  reap(child: Child, block = false): boolean {
    if (child.exit) return true;
    const r = waitPid(child.pid, block);
    if (r === null) return false;
    // ECHILD: someone else reaped it (should not happen); report it as gone
    const info = typeof r === "number" ? { code: null, signal: null, raw: -1 } : r;
    this.live.delete(child.id);
    child.stopWatch?.();
    child.stopWatch = null;
    if (child.pidfd >= 0) closeFd(child.pidfd);
    child.pidfd = -1;
    child.settle(info);
    return true;
  }

  /** Reap every child that has already exited (cheap: one WNOHANG waitpid each). */
  sweep() {
    for (const c of [...this.live.values()]) this.reap(c);
  }

  /**
   * Call `cb` with the exit of `child`; the returned function stops waiting.
   * Without a pidfd watch the table polls waitpid on a timer (1 ms doubling
   * to 50 ms) while at least one such wait is outstanding.
   */
  onExit(child: Child, cb: (e: ExitInfo) => void): () => void {
    if (!child.exit) this.reap(child);
    const off = child.onExit(cb);
    if (!child.exit && !child.stopWatch) this.startPolling();
    return off;
  }

  private startPolling() {
    if (this.pollTimer || !this.io) return;
    this.pollDelay = 1;
    const tick = () => {
      this.pollTimer = null;
      let waiting = false;
      for (const c of [...this.live.values()]) {
        if (c.stopWatch) continue;
        if (!this.reap(c) && c.waiterCount > 0) waiting = true;
      }
      if (waiting) {
        this.pollDelay = Math.min(this.pollDelay * 2, 50);
        this.pollTimer = this.io!.addTimer(this.pollDelay, tick);
      }
    };
    this.pollTimer = this.io.addTimer(this.pollDelay, tick);
  }

  /** Block this thread until `child` exits (BlockingHandler's wait). */
  waitBlocking(child: Child): ExitInfo {
    this.reap(child, true);
    return child.exit!;
  }

  /** kill(2) by signal name or number: 0, or a failure (ESRCH once it is gone: reaped or not). */
  kill(child: Child, signal: string | number): SysFailure | null {
    const n =
      typeof signal === "number" ? signal : (SIGNALS[signal.toUpperCase()] ?? SIGNALS[`SIG${signal.toUpperCase()}`]);
    if (n === undefined) return failure(22); // EINVAL
    if (child.exit) return failure(3); // ESRCH: never signal a reaped pid (it may be reused)
    const r = child.signal(n);
    return r === 0 ? null : failure(-r);
  }

  /**
   * SIGTERM now, SIGKILL after `graceMs` if it is still running; reaped by the
   * exit watch. Pipes stay open for whoever still reads them; dropping the
   * handle closes them.
   */
  terminate(child: Child, graceMs = GRACE_MS) {
    if (child.exit || child.terminating) return;
    child.terminating = true;
    child.signal(SIGNALS.SIGTERM!);
    const io = this.io;
    if (!io) return;
    const stopTimer = io.addTimer(graceMs, () => {
      if (!this.reap(child)) child.signal(SIGNALS.SIGKILL!);
    });
    // the timer must not keep an idle program alive once the child is gone
    child.onExit(() => stopTimer());
    if (!child.stopWatch) this.onExit(child, () => {});
  }

  /** Close the child's pipes (our ends); a live child is still reaped when it exits. */
  release(child: Child) {
    child.stdin?.close();
    child.stdout?.close();
    child.stderr?.close();
  }

  /**
   * Program exit: every live child that was not detached gets SIGTERM, then
   * SIGKILL after `graceMs`; all of them are reaped before this returns.
   * Detached children keep running (the init process adopts them). Pipes closed.
   */
  shutdown(graceMs = GRACE_MS) {
    if (this.pollTimer) this.pollTimer();
    this.pollTimer = null;
    this.sweep();
    const doomed = [...this.live.values()].filter((c) => !c.detached);
    for (const c of doomed) c.signal(SIGNALS.SIGTERM!);
    const deadline = performance.now() + graceMs;
    let sleep = 1;
    while (doomed.some((c) => !this.reap(c)) && performance.now() < deadline) {
      blockingSleep(sleep);
      sleep = Math.min(sleep * 2, 20);
    }
    for (const c of doomed) {
      if (c.exit) continue;
      c.signal(SIGNALS.SIGKILL!);
      this.reap(c, true);
    }
    for (const c of this.live.values()) {
      // detached: stop watching; the child outlives us
      c.stopWatch?.();
      c.stopWatch = null;
      if (c.pidfd >= 0) closeFd(c.pidfd);
      c.pidfd = -1;
    }
    for (const c of doomed) this.release(c);
    this.live.clear();
  }
}
