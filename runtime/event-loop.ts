// The event loop the VM's scheduler drives: one poller, one waker, a timer
// heap and (started on first use) the file worker pool. runOnce() blocks in
// the poller until an fd is ready, a timer is due, a pooled file operation
// completes or someone wakes it, and returns what happened as completions.
// Every submission gets an id from one counter, so ids never collide across
// files, timers and fd watches.
import { createPoller } from "./create-poller.ts";
import { FilePool, type PoolCompletion } from "./file-pool.ts";
import type { FileRequest, FileResult } from "./file-ops.ts";
import { READABLE, type Poller, type PollerBackend } from "./poller.ts";
import { TimerHeap } from "./timers.ts";
import { Waker, type WakeHandle, type WakerKind } from "./waker.ts";

export interface EventLoopOptions {
  /** Poller backend; default BEAGLE_POLLER or the platform's (epoll/kqueue). */
  poller?: PollerBackend;
  /** Waker kind; default eventfd on Linux, pipe elsewhere (BEAGLE_WAKER overrides). */
  waker?: WakerKind;
  /** File pool worker count; default BEAGLE_POOL_SIZE or the CPU count. */
  poolSize?: number;
  /** File pool slots (requests in flight at once, power of two). */
  poolSlots?: number;
  /** File pool inline bytes per slot. */
  poolInlineBytes?: number;
  /** File pool: bytes of large-transfer buffers kept for reuse (default 32 MiB). */
  poolRetainBytes?: number;
  /** Monotonic clock in ms for timers (tests inject a fake one). */
  now?: () => number;
}

export type FileCompletion = { kind: "file"; id: number; result: FileResult };
export type TimerCompletion = { kind: "timer"; id: number };
export type FdCompletion = {
  kind: "fd";
  id: number;
  fd: number;
  readable: boolean;
  writable: boolean;
  hangup: boolean;
  error: boolean;
};
export type Completion = FileCompletion | TimerCompletion | FdCompletion;

interface FdWatch {
  fd: number;
  interest: number;
  oneShot: boolean;
}

const WAKER_TOKEN = 0;

export class EventLoop {
  readonly backend: PollerBackend;
  private poller: Poller;
  private waker: Waker;
  private timers = new TimerHeap();
  private pool: FilePool | null = null;
  private fileIds = new Set<number>();
  private watches = new Map<number, FdWatch>();
  private fdOwner = new Map<number, number>();
  private nextId = 1;
  private now: () => number;
  private scratchPool: PoolCompletion[] = [];
  private scratchTimers: number[] = [];
  private closing: Promise<void> | null = null;

  constructor(private opts: EventLoopOptions = {}) {
    this.now = opts.now ?? (() => performance.now());
    this.poller = createPoller(opts.poller);
    this.backend = this.poller.backend;
    try {
      this.waker = new Waker(opts.waker);
      this.poller.register(this.waker.fd, READABLE, WAKER_TOKEN);
    } catch (e) {
      this.poller.close();
      throw e;
    }
  }

  static create(opts?: EventLoopOptions): EventLoop {
    return new EventLoop(opts);
  }

  get closed(): boolean {
    return this.closing !== null;
  }

  /** Lets another thread (a Worker) wake this loop: pass to wakeFromHandle(). */
  get wakeHandle(): WakeHandle {
    return this.waker.handle;
  }

  /** Workers in the file pool (0 until the first file operation starts it). */
  get poolSize(): number {
    return this.pool?.size ?? 0;
  }

  /** Things that will still produce a completion: file ops, timers, fd watches. */
  get pending(): number {
    return this.fileIds.size + this.timers.size + this.watches.size;
  }

  /** Native buffers held by the file pool (0 when idle): a leak check for tests. */
  nativeOutstanding(): number {
    return this.pool?.nativeOutstanding() ?? 0;
  }

  /** End a blocking runOnce() from this thread; other threads use wakeHandle. */
  wake(): void {
    this.open();
    this.waker.wake();
  }

  // ------------------------------------------------------------------ submissions

  /** Queue a file operation on the pool; its completion carries the returned id. */
  submitFile(req: FileRequest): number {
    this.open();
    const id = this.nextId++;
    this.pool ??= new FilePool({
      size: this.opts.poolSize,
      slots: this.opts.poolSlots,
      inlineBytes: this.opts.poolInlineBytes,
      retainBytes: this.opts.poolRetainBytes,
      wake: this.waker.handle,
    });
    this.pool.submit(id, req);
    this.fileIds.add(id);
    return id;
  }

  /** A one-shot timer `delayMs` from now (negative counts as 0). */
  addTimer(delayMs: number): number {
    this.open();
    const id = this.nextId++;
    this.timers.add(id, this.now() + Math.max(0, delayMs));
    return id;
  }

  cancelTimer(id: number): boolean {
    return this.timers.cancel(id);
  }

  /**
   * Report readiness of `fd` (READABLE | WRITABLE) as "fd" completions until
   * unwatched. Level-triggered: a ready fd is reported on every runOnce until
   * drained. With oneShot the watch ends after its first event.
   */
  watchFd(fd: number, interest: number, opts: { oneShot?: boolean } = {}): number {
    this.open();
    if (this.fdOwner.has(fd)) throw new Error(`fd ${fd} is already watched`);
    const id = this.nextId++;
    this.poller.register(fd, interest, id);
    this.watches.set(id, { fd, interest, oneShot: opts.oneShot ?? false });
    this.fdOwner.set(fd, id);
    return id;
  }

  modifyFd(id: number, interest: number): void {
    const w = this.watches.get(id);
    if (!w) throw new Error(`no fd watch ${id}`);
    this.poller.modify(w.fd, interest, id);
    w.interest = interest;
  }

  /** Stop watching (call before closing the fd). */
  unwatchFd(id: number): boolean {
    const w = this.watches.get(id);
    if (!w) return false;
    this.watches.delete(id);
    this.fdOwner.delete(w.fd);
    this.poller.deregister(w.fd);
    return true;
  }

  /** Cancel whatever `id` is; a running file op finishes but is not reported. */
  cancel(id: number): boolean {
    if (this.timers.cancel(id)) return true;
    if (this.watches.has(id)) return this.unwatchFd(id);
    if (this.fileIds.delete(id)) return this.pool!.cancel(id);
    return false;
  }

  // ------------------------------------------------------------------ the loop

  /**
   * Process everything ready, blocking up to `timeoutMs` (negative: until
   * something happens) when nothing is ready yet. The poller's timeout is
   * the nearer of `timeoutMs` and the next timer, rounded up to whole ms.
   */
  runOnce(timeoutMs = -1): Completion[] {
    this.open();
    const out: Completion[] = [];
    this.collectFiles(out);
    this.collectTimers(out);
    let timeout = out.length > 0 ? 0 : timeoutMs;
    const next = this.timers.nextDeadline();
    if (next !== undefined) {
      const untilNext = Math.max(0, next - this.now());
      timeout = timeout < 0 ? untilNext : Math.min(timeout, untilNext);
    }
    for (const ev of this.poller.wait(timeout)) {
      if (ev.token === WAKER_TOKEN) {
        // Drain first, then re-arm the pool's wake flag, then collect: any
        // completion published after the re-arm writes the waker again.
        this.waker.drain();
        this.pool?.ackWake();
        continue;
      }
      const w = this.watches.get(ev.token);
      if (!w) continue; // unwatched while the event was in flight
      out.push({
        kind: "fd",
        id: ev.token,
        fd: w.fd,
        readable: ev.readable,
        writable: ev.writable,
        hangup: ev.hangup,
        error: ev.error,
      });
      if (w.oneShot) this.unwatchFd(ev.token);
    }
    this.collectFiles(out);
    this.collectTimers(out);
    return out;
  }

  private collectFiles(out: Completion[]): void {
    if (!this.pool) return;
    const got = this.scratchPool;
    got.length = 0;
    this.pool.collect(got);
    for (const c of got) {
      if (!this.fileIds.delete(c.id)) continue;
      out.push({ kind: "file", id: c.id, result: c.result });
    }
  }

  private collectTimers(out: Completion[]): void {
    const ids = this.scratchTimers;
    ids.length = 0;
    this.timers.popExpired(this.now(), ids);
    for (const id of ids) out.push({ kind: "timer", id });
  }

  /**
   * Release everything: stop the pool (waiting for in-flight operations to
   * finish), drop timers and watches (watched fds stay open: they are the
   * caller's), close the poller and waker fds. The promise settles once every
   * worker thread has exited, which needs Bun's event loop to turn.
   */
  close(): Promise<void> {
    if (this.closing !== null) return this.closing;
    const poolDone = this.pool ? this.pool.close() : Promise.resolve();
    for (const id of [...this.watches.keys()]) this.unwatchFd(id);
    this.timers.clear();
    this.fileIds.clear();
    this.poller.deregister(this.waker.fd);
    this.poller.close();
    this.waker.close();
    this.closing = poolDone;
    return poolDone;
  }

  private open(): void {
    if (this.closing !== null) throw new Error("event loop is closed");
  }
}
