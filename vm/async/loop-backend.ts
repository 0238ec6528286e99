// The async runtime's I/O backend on the FFI event loop (runtime/): file
// operations go to the Worker pool, and the VM's idle wait blocks in the
// poller (epoll/kqueue/poll) until a completion or the next timer deadline.
// The loop, its fds and its workers are created on first use, so programs
// that do no pooled I/O never pay for them.
import { EventLoop } from "../../runtime/event-loop.ts";
import { BEAGLE_FILE_OP, DATA_OPS, TWO_PATH_OPS, type FileResult } from "../../runtime/file-ops.ts";
import { PersistentVector } from "../collections/vector.ts";
import { err, errorValue, ok } from "../core-types.ts";
import { errorFromNode } from "../builtins/fs.ts";
import { runtimeError } from "../errors.ts";
import { blockingSleep } from "../builtins/core.ts";
import type { Value } from "../values.ts";
import type { IoBackend } from "./runtime.ts";
import type { Abort, FdReadiness } from "./io-ops.ts";

/** "EMFILE: Too many open files (os error 24); the event loop could not start" from what its creation threw. */
function loopStartFailure(e: unknown): string {
  const se = e as { code?: unknown; errno?: unknown; message?: unknown };
  if (typeof se?.code === "string" && typeof se.errno === "number") {
    const text = String(se.message ?? "")
      .replace(/^[\w]+: /, "")
      .replace(/ \(E[A-Z0-9]+\)$/, "");
    return `${se.code}: ${text} (os error ${se.errno}); the event loop could not start`;
  }
  return `the event loop could not start: ${e instanceof Error ? e.message : String(e)}`;
}

/** A pool completion as the Beagle Result upstream's async API returns. */
export function toBeagleResult(r: FileResult): Value {
  if (!r.ok) return err(errorFromNode({ code: r.code, message: `${r.message} (os error ${r.errno})` }, r.path));
  const v = r.value;
  if (Array.isArray(v)) return ok(PersistentVector.from(v));
  if (v === undefined) return ok(null);
  return ok(v as Value);
}

export class LoopBackend implements IoBackend {
  private loop: EventLoop | null = null;

  constructor(private readonly makeLoop: () => EventLoop = () => new EventLoop()) {}

  private readonly callbacks = new Map<number, (result: Value) => void>();
  /** fd watches of I/O operations (sockets, pipes), by watch id */
  private readonly fdReady = new Map<number, (ev: FdReadiness) => void>();
  /** operations that failed before reaching the pool, completed on the next wait */
  private failed: (() => void)[] = [];

  get pending(): number {
    return this.callbacks.size + this.failed.length;
  }

  /** Open fds and workers belong to this loop until close(). */
  get started(): boolean {
    return this.loop !== null;
  }

  wait(timeoutMs: number) {
    if (this.failed.length) {
      const ready = this.failed;
      this.failed = [];
      for (const complete of ready) complete();
      return;
    }
    if (!this.loop) {
      // nothing pooled has ever run: a plain timed sleep is all an idle wait needs
      blockingSleep(timeoutMs);
      return;
    }
    for (const c of this.loop.runOnce(timeoutMs)) {
      if (c.kind === "fd") {
        this.fdReady.get(c.id)?.(c);
        continue;
      }
      if (c.kind !== "file") continue;
      const done = this.callbacks.get(c.id);
      if (!done) continue;
      this.callbacks.delete(c.id);
      done(toBeagleResult(c.result));
    }
  }

  /**
   * The loop, created on first use. If it cannot be created (no fds left: EMFILE from
   * epoll_create1, say) this raises a catchable IOError at the caller and leaves nothing
   * behind, so a later operation tries again once fds are free.
   */
  private startLoop(): EventLoop {
    if (this.loop) return this.loop;
    try {
      this.loop = this.makeLoop();
    } catch (e) {
      runtimeError("IOError", loopStartFailure(e));
    }
    return this.loop;
  }

  /** Call `ready` while `fd` is ready for `interest`; the returned function stops watching. */
  watchFd(fd: number, interest: number, ready: (ev: FdReadiness) => void): Abort {
    const loop = this.startLoop();
    const id = loop.watchFd(fd, interest);
    this.fdReady.set(id, ready);
    return () => {
      if (this.fdReady.delete(id)) loop.unwatchFd(id);
    };
  }

  /** Fd watches that are still registered (for leak checks in tests). */
  get watchedFds(): number {
    return this.fdReady.size;
  }

  fileOp(op: string, a: Value, b: Value, done: (result: Value) => void) {
    const name = BEAGLE_FILE_OP[op];
    if (!name) runtimeError("RuntimeError", `unknown file operation ${op}`);
    if (!this.loop) {
      try {
        this.startLoop();
      } catch (e) {
        // the operation fails with an I/O error value, like any other failed file operation
        const message = e instanceof Error ? e.message : String(e);
        this.failed.push(() => done(err(errorValue("IO", { message }))));
        return;
      }
    }
    const loop = this.loop!;
    const req =
      name === "sleep"
        ? { op: name, path: "", ms: Number(a) }
        : TWO_PATH_OPS.has(name)
          ? { op: name, path: String(a), dest: String(b) }
          : DATA_OPS.has(name)
            ? { op: name, path: String(a), data: String(b) }
            : { op: name, path: String(a) };
    let id: number;
    try {
      id = loop.submitFile(req);
    } catch (e) {
      // The pool could not start (e.g. a broken build): the operation fails with an
      // error value, delivered on the next wait (never before the caller has parked).
      const message = `file pool unavailable: ${e instanceof Error ? e.message : String(e)}`;
      this.failed.push(() => done(err(errorValue("IO", { message }))));
      return;
    }
    this.callbacks.set(id, done);
  }

  close(): Promise<void> {
    const loop = this.loop;
    this.loop = null;
    this.callbacks.clear();
    this.fdReady.clear();
    return loop ? loop.close() : Promise.resolve();
  }
}
