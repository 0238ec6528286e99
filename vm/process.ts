// beagle.process on the VM: the core builtins (spawn-process, process-kill,
// process-stdin/stdout/stderr, process-wait-async, ...) and the I/O operations
// that Beagle code performs through beagle.async/io, so each runs under all
// three handlers: Blocking (poll(2)/waitpid on this thread), EventLoop (parks
// on the poller: pipe readiness, the child's pidfd), Threaded (as EventLoop:
// the wait is a readiness event, so no pool worker needs to block for it).
//
// A Process handle is the runtime/process Child object itself; pipe data
// travels as byte-exact strings (vm/bytes.ts). Errors are Result.Err values
// naming the errno.
import { existsSync } from "node:fs";
import {
  Child,
  type ExitInfo,
  ProcessTable,
  type SpawnOptions,
  type StdioMode,
  type SysFailure,
} from "../runtime/process/table.ts";
import {
  PipeStream,
  POLLIN,
  POLLOUT,
  type ReadMode,
  type ReadResult,
  WOULD_BLOCK,
  waitAny,
} from "../runtime/process/stream.ts";
import { signalName } from "../ffi/spawn.ts";
import { beforeDying } from "../ffi/signals.ts";

/** Grace between SIGTERM and SIGKILL for children when the program dies of a signal. */
const SIGNAL_GRACE_MS = 300;
import { failure } from "../runtime/process/table.ts";
import { READABLE, WRITABLE } from "../runtime/poller.ts";
import { bytesToString, stringToBytes } from "./bytes.ts";
import { err, errorValue, ok } from "./core-types.ts";
import { registerIoOp, type Abort, type Complete, type IoContext } from "./async/io-ops.ts";
import type { AsyncRuntime } from "./async/runtime.ts";
import type { VM } from "./vm.ts";
import type { Fiber } from "./objects.ts";
import { Keyword, type Value } from "./values.ts";
import { PersistentMap } from "./collections/map.ts";
import { PersistentVector } from "./collections/vector.ts";
import { typeError } from "./errors.ts";
import { formatValue } from "./print.ts";

/** A system failure as the Beagle error value (ENOENT/EACCES as fs reports them; others name the errno). */
export function failureValue(f: SysFailure, what: string, path: string | null = null): Value {
  if (path !== null && f.code === "ENOENT") return errorValue("NotFound", { path });
  if (path !== null && (f.code === "EACCES" || f.code === "EPERM")) return errorValue("PermissionDenied", { path });
  const on = path !== null ? ` ${path}` : "";
  return errorValue("IO", { message: `${what}${on} failed: ${f.message} (${f.code}, os error ${f.errno})` });
}

/** The exit as Beagle data: [code or null, signal name or null, raw wait status]. */
export function exitValue(e: ExitInfo): Value {
  return PersistentVector.from([e.code, e.signal === null ? null : signalName(e.signal), e.raw]);
}

function asChild(v: Value, fn: string): Child {
  if (!(v instanceof Child)) typeError(`${fn}: expected a process handle, got ${formatValue(v, 0)}`);
  return v;
}

function asStream(v: Value, fn: string): PipeStream {
  if (!(v instanceof PipeStream)) typeError(`${fn}: expected a process pipe, got ${formatValue(v, 0)}`);
  return v;
}

function key(m: PersistentMap, name: string): Value {
  const k = m.get(Keyword.of(name));
  return k !== undefined && k !== null ? k : (m.get(name) ?? null);
}

function name(v: Value): string | null {
  if (v === null) return null;
  if (v instanceof Keyword) return v.name;
  if (typeof v === "string") return v;
  return null;
}

function stdioMode(v: Value, which: string, dflt: StdioMode): StdioMode {
  const n = name(v);
  if (n === null) return dflt;
  if (n === "pipe" || n === "inherit" || n === "null") return n;
  typeError(`spawn: ${which} must be :pipe, :inherit or :null, got ${formatValue(v, 0)}`);
}

/** spawn's options map ({:cwd :env :clear-env :stdin :stdout :stderr :detach :group}) as SpawnOptions. */
export function spawnOptions(cmd: Value, args: Value, opts: Value, stderrDefault: StdioMode = "inherit"): SpawnOptions {
  if (typeof cmd !== "string") typeError(`spawn: the command must be a string, got ${formatValue(cmd, 0)}`);
  const argv: string[] = [];
  if (args instanceof PersistentVector) {
    for (const a of args.toArray()) argv.push(typeof a === "string" ? a : formatValue(a, 0));
  } else if (args !== null) typeError(`spawn: args must be a vector of strings, got ${formatValue(args, 0)}`);
  const m = opts instanceof PersistentMap ? opts : opts === null ? PersistentMap.EMPTY : null;
  if (!m) typeError(`spawn: options must be a map, got ${formatValue(opts, 0)}`);
  const env: Record<string, string> = {};
  if (key(m, "clear-env") !== true) {
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  }
  const extra = key(m, "env");
  if (extra instanceof PersistentMap) {
    for (const [k, v] of extra.entries()) {
      const kn = name(k) ?? formatValue(k, 0);
      if (v === null) delete env[kn];
      else env[kn] = typeof v === "string" ? v : formatValue(v, 0);
    }
  } else if (extra !== null) typeError(`spawn: :env must be a map, got ${formatValue(extra, 0)}`);
  const cwd = key(m, "cwd");
  if (cwd !== null && typeof cwd !== "string") typeError(`spawn: :cwd must be a string, got ${formatValue(cwd, 0)}`);
  return {
    command: cmd,
    args: argv,
    env,
    cwd: cwd ?? undefined,
    stdin: stdioMode(key(m, "stdin"), ":stdin", "pipe"),
    stdout: stdioMode(key(m, "stdout"), ":stdout", "pipe"),
    stderr: stdioMode(key(m, "stderr"), ":stderr", stderrDefault),
    detach: key(m, "detach") === true,
    group: key(m, "group") === true,
  };
}

/** The error path of a failed spawn: the missing cwd when that is what ENOENT means. */
function spawnFailure(o: SpawnOptions, f: SysFailure): Value {
  if (f.code === "ENOENT" && o.cwd !== undefined && !existsSync(o.cwd)) return failureValue(f, "spawn", o.cwd);
  return failureValue(f, "spawn", o.command);
}

function readValue(r: ReadResult, s: PipeStream): Value {
  if (typeof r === "number") return err(failureValue(failure(-r), `read from ${s.name}`));
  // a reader at EOF with nothing buffered has no more use for its fd
  if (s.drained) s.close();
  return ok(r === null ? null : bytesToString(r));
}

function dataBytes(v: Value): Uint8Array {
  if (typeof v === "string") return stringToBytes(v);
  typeError(`process write: expected a string, got ${formatValue(v, 0)}`);
}

function readMode(v: Value): ReadMode {
  const n = name(v);
  return n === "line" || n === "all" ? n : "chunk";
}

const EBADF = 9;

/** `f` called at most once (a completion may race with the pipe being closed). */
function once<T>(f: (v: T) => void): (v: T) => void {
  let called = false;
  return (v) => {
    if (called) return;
    called = true;
    f(v);
  };
}

/** An evented read: at once when data (or EOF) is there, else on readiness. */
function readEvented(s: PipeStream, mode: ReadMode, completeOnce: (r: ReadResult) => void, io: IoContext): Abort {
  const complete = once(completeOnce);
  const first = s.tryRead(mode, true);
  if (first !== WOULD_BLOCK) {
    complete(first);
    return () => {};
  }
  const release = s.watch(
    io,
    READABLE,
    () => {
      const r = s.tryRead(mode, true);
      if (r === WOULD_BLOCK) return;
      release();
      complete(r);
    },
    () => complete(-EBADF),
  );
  return release;
}

/** An evented write of all of `data`: bytes written or -errno. */
function writeEvented(s: PipeStream, data: Uint8Array, completeOnce: (n: number) => void, io: IoContext): Abort {
  const complete = once(completeOnce);
  let off = 0;
  let release: Abort | null = null;
  const step = (): boolean => {
    if (s.closed) {
      complete(-EBADF);
      return true;
    }
    while (off < data.length) {
      const n = s.tryWrite(data.subarray(off));
      if (n === WOULD_BLOCK) return false;
      if (n < 0) {
        complete(n);
        return true;
      }
      off += n;
    }
    complete(off);
    return true;
  };
  if (step()) return () => {};
  release = s.watch(
    io,
    WRITABLE,
    () => {
      if (step()) release?.();
    },
    () => complete(-EBADF),
  );
  return () => release?.();
}

function writeValue(n: number): Value {
  return n < 0 ? err(failureValue(failure(-n), "write to stdin")) : ok(n);
}

/** What `run` collects: input written, both outputs read to EOF, the exit. */
interface Communication {
  out: Uint8Array[];
  err: Uint8Array[];
  failed: number; // first -errno seen on a pipe, 0 if none (EPIPE on stdin is ignored: the child chose not to read)
}

function communicateResult(c: Child, com: Communication): Value {
  if (com.failed < 0) return err(failureValue(failure(-com.failed), "read"));
  const join = (parts: Uint8Array[]) => {
    let len = 0;
    for (const p of parts) len += p.length;
    const all = new Uint8Array(len);
    let o = 0;
    for (const p of parts) {
      all.set(p, o);
      o += p.length;
    }
    return bytesToString(all);
  };
  return ok(PersistentVector.from([exitValue(c.exit!), join(com.out), join(com.err)]));
}

let registered = false;

function registerOps() {
  if (registered) return;
  registered = true;

  registerIoOp("process-wait", {
    blocking: ([c]) => exitValue(asChild(c!, "wait").owner.waitBlocking(asChild(c!, "wait"))),
    evented: ([cv], complete) => {
      const c = asChild(cv!, "wait");
      let done = false;
      const off = c.owner.onExit(c, (e) => {
        done = true;
        complete(exitValue(e));
      });
      return () => {
        off();
        // the task waiting on this child was cancelled: the child goes too
        if (!done && !c.detached) c.owner.terminate(c);
      };
    },
  });

  registerIoOp("process-read", {
    blocking: ([sv, mode]) => {
      const s = asStream(sv!, "read");
      return readValue(s.readBlocking(readMode(mode!), true), s);
    },
    evented: ([sv, mode], complete, io) => {
      const s = asStream(sv!, "read");
      if (s.closed) {
        complete(s.eof ? ok(null) : err(failureValue(failure(9), `read from ${s.name}`)));
        return () => {};
      }
      return readEvented(s, readMode(mode!), (r) => complete(readValue(r, s)), io);
    },
  });

  registerIoOp("process-write", {
    blocking: ([sv, data]) => writeValue(asStream(sv!, "write").writeBlocking(dataBytes(data!))),
    evented: ([sv, data], complete, io) =>
      writeEvented(asStream(sv!, "write"), dataBytes(data!), (n) => complete(writeValue(n)), io),
  });

  // [child, input or null] -> ok([exit, stdout, stderr]); the child is killed if the caller is cancelled
  registerIoOp("process-communicate", {
    blocking: ([cv, input]) => {
      const c = asChild(cv!, "run");
      const com: Communication = { out: [], err: [], failed: 0 };
      let data = input === null || input === undefined ? new Uint8Array(0) : dataBytes(input);
      if (c.stdin && data.length === 0) c.stdin.close();
      const readers: [PipeStream, Uint8Array[]][] = [];
      if (c.stdout) readers.push([c.stdout, com.out]);
      if (c.stderr) readers.push([c.stderr, com.err]);
      // one pass tries every open pipe once; poll(2) only when none of them could move
      for (;;) {
        const waits: [number, number][] = [];
        const stdin = c.stdin;
        if (stdin && !stdin.closed) {
          const n = stdin.tryWrite(data);
          if (n === WOULD_BLOCK) waits.push([stdin.fd, POLLOUT]);
          else if (n < 0)
            stdin.close(); // EPIPE: the child stopped reading; not an error of run
          else {
            data = data.subarray(n);
            if (data.length === 0) stdin.close();
          }
        }
        for (const [s, into] of readers) {
          if (s.closed) continue;
          const r = s.tryRead("chunk");
          if (r === WOULD_BLOCK) waits.push([s.fd, POLLIN]);
          else if (r === null) s.close();
          else if (typeof r === "number") {
            com.failed ||= r;
            s.close();
          } else into.push(r);
        }
        const open = readers.filter(([s]) => !s.closed).length + (stdin && !stdin.closed ? 1 : 0);
        if (open === 0) break;
        if (waits.length === open) waitAny(waits);
      }
      c.owner.waitBlocking(c);
      return communicateResult(c, com);
    },
    evented: ([cv, input], complete, io) => {
      const c = asChild(cv!, "run");
      const com: Communication = { out: [], err: [], failed: 0 };
      const aborts: Abort[] = [];
      let pending = 1; // the exit
      let finished = false;
      const part = () => {
        if (--pending === 0) {
          finished = true;
          complete(communicateResult(c, com));
        }
      };
      const data = input === null || input === undefined ? null : dataBytes(input);
      if (c.stdin) {
        if (data === null || data.length === 0) c.stdin.close();
        else {
          pending++;
          const s = c.stdin;
          aborts.push(
            writeEvented(
              s,
              data,
              () => {
                s.close();
                part();
              },
              io,
            ),
          );
        }
      }
      // each output: one watch while it runs, read until it would block, released at EOF
      const drain = (s: PipeStream, into: Uint8Array[]) => {
        pending++;
        let stop: Abort | null = null;
        const pump = (): boolean => {
          for (;;) {
            const r = s.tryRead("chunk");
            if (r === WOULD_BLOCK) return false;
            if (r === null || typeof r === "number") {
              if (typeof r === "number") com.failed ||= r;
              stop?.();
              stop = null;
              s.close();
              part();
              return true;
            }
            into.push(r);
          }
        };
        if (pump()) return;
        stop = s.watch(
          io,
          READABLE,
          () => {
            pump();
          },
          () => part(),
        );
        aborts.push(() => stop?.());
      };
      if (c.stdout) drain(c.stdout, com.out);
      if (c.stderr) drain(c.stderr, com.err);
      aborts.push(c.owner.onExit(c, () => part()));
      return () => {
        for (const a of aborts) a();
        if (finished) return;
        // run owns the child: cancelled, it stops the child and closes the pipes
        if (!c.detached) c.owner.terminate(c);
        c.owner.release(c);
      };
    },
  });
}

/** One process table per runtime; the builtins reach it through the Child handles they return. */
export function installProcess(vm: VM, rt: AsyncRuntime): ProcessTable {
  registerOps();
  const table = new ProcessTable(rt.io);
  // a program killed by SIGTERM/SIGHUP (or a second Ctrl-C) still stops its children first
  beforeDying.push(() => table.shutdown(SIGNAL_GRACE_MS));
  const core = "beagle.core";
  // stdin and stdout default to pipes, stderr to ours (`run` asks for a pipe: :capture-stderr)
  // A child belongs to the task that spawned it: when that task is cancelled (its scope
  // was, a with-timeout expired, async/cancel), the child is terminated, whatever the task
  // was parked on at the time (a read, a write, a sleep). Detached children belong to no one.
  const owned = new WeakMap<Fiber, Set<Child>>();
  const cancelTask = rt.tasks.cancel.bind(rt.tasks);
  rt.tasks.cancel = (fiber: Fiber) => {
    const mine = owned.get(fiber);
    if (mine) for (const c of [...mine]) table.terminate(c);
    cancelTask(fiber);
  };
  vm.defineBuiltin(core, "spawn-process", (cmd, args, opts, stderrDefault) => {
    const o = spawnOptions(cmd, args ?? null, opts ?? null, stderrDefault === "pipe" ? "pipe" : "inherit");
    // a NUL would silently cut an argument short in the C strings: EINVAL instead
    const strings = [o.command, ...o.args, ...Object.entries(o.env).flat(), o.cwd ?? ""];
    if (strings.some((x) => x.includes("\0"))) return err(failureValue(failure(22), "spawn", o.command));
    // what the program printed comes before what a child writes to the same stdout/stderr
    if (o.stdout === "inherit" || o.stderr === "inherit") vm.flush();
    const r = table.spawn(o);
    if ("errno" in r) return err(spawnFailure(o, r));
    const task = vm.current;
    if (task && !o.detach) {
      let mine = owned.get(task);
      if (!mine) {
        mine = new Set();
        owned.set(task, mine);
      }
      const set = mine;
      set.add(r);
      r.onExit(() => set.delete(r));
    }
    return ok(r);
  });
  vm.defineBuiltin(core, "process-pid", (c) => asChild(c, "process-pid").pid);
  vm.defineBuiltin(core, "process-stdin", (c) => (asChild(c, "process-stdin").stdin as unknown as Value) ?? null);
  vm.defineBuiltin(core, "process-stdout", (c) => (asChild(c, "process-stdout").stdout as unknown as Value) ?? null);
  vm.defineBuiltin(core, "process-stderr", (c) => (asChild(c, "process-stderr").stderr as unknown as Value) ?? null);
  vm.defineBuiltin(core, "process-close-stdin", (c) => {
    asChild(c, "close-stdin").stdin?.close();
    return ok(null);
  });
  /** Close every pipe of the process (a child still running is reaped when it exits). */
  vm.defineBuiltin(core, "process-close", (c) => {
    table.release(asChild(c, "close"));
    return null;
  });
  vm.defineBuiltin(core, "process-kill", (c, sig) => {
    const s = sig === null || sig === undefined ? "SIGTERM" : typeof sig === "number" ? sig : name(sig);
    if (s === null)
      typeError(`kill: the signal must be a name (:SIGTERM, "KILL") or a number, got ${formatValue(sig!, 0)}`);
    const f = table.kill(asChild(c, "kill"), s);
    return f ? err(failureValue(f, "kill")) : ok(null);
  });
  /** The exit without waiting: [code, signal] or null while it runs. */
  vm.defineBuiltin(core, "process-exit-now", (c) => {
    const ch = asChild(c, "process-exit-now");
    if (!ch.exit) table.reap(ch);
    return ch.exit ? exitValue(ch.exit) : null;
  });
  /** A Future that resolves with [code, signal] when the child exits (the plan's process-wait-async). */
  vm.defineBuiltin(core, "process-wait-async", (c) => {
    const ch = asChild(c, "process-wait-async");
    const fut = rt.makeFuture("Running");
    table.onExit(ch, (e) => rt.core(fut).resolve(exitValue(e)));
    return fut;
  });
  vm.defineBuiltin(core, "__process-live-count", () => table.liveCount);
  return table;
}

export type { Complete };
