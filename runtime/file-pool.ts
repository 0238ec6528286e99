// Main-thread side of the file worker pool. Requests are encoded into free
// slots of a SharedArrayBuffer (pool-layout.ts) and pushed on a ring that idle
// workers sleep on; completions come back on a second ring and the workers
// poke the event loop's waker, so the main thread can stay blocked in the
// poller instead of Bun's event loop. Requests beyond the slot count wait in a
// JS backlog and are dispatched as slots free up.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { strerror } from "../ffi/libc.ts";
import { defaultPoolSize } from "./cpu.ts";
import { OP_CODE, RES, type FileRequest, type FileResult, type FileStat } from "./file-ops.ts";
import { C, F, H, PoolLayout } from "./pool-layout.ts";
import type { WorkerInit } from "./file-worker.ts";
import type { WakeHandle } from "./waker.ts";

export interface FilePoolOptions {
  /** Worker count; default BEAGLE_POOL_SIZE or the CPU count. */
  size?: number;
  /** Requests in flight at once (power of two); the rest queue in JS. */
  slots?: number;
  /** Per-slot bytes for paths and payloads before falling back to native memory. */
  inlineBytes?: number;
  /** How workers wake the owner's poller. */
  wake: WakeHandle;
  /** Bytes of slot buffers kept for reuse after large transfers (default 32 MiB). */
  retainBytes?: number;
}

export interface PoolCompletion {
  id: number;
  result: FileResult;
}

export const DEFAULT_SLOTS = 256;
export const DEFAULT_INLINE_BYTES = 16384;
export const DEFAULT_RETAIN_BYTES = 32 << 20;
/** A slot buffer bigger than this is freed after use rather than kept. */
const KEEP_MAX = 4 << 20;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Where the worker script is. In a single-file executable (`bun build
 * --compile` with runtime/file-worker.ts as an extra entry point) entry points
 * live in a virtual filesystem relative to their common root, and
 * import.meta.url is the main chunk's, so the build tells us the path
 * (globalThis.BEAGLE_FILE_WORKER) or it is ./runtime/file-worker.ts.
 */
function fileWorkerUrl(): string {
  const own = new URL("./file-worker.ts", import.meta.url).href;
  if (!own.includes("/$bunfs/")) return checked(own, fileURLToPath(own));
  const rel = (globalThis as { BEAGLE_FILE_WORKER?: string }).BEAGLE_FILE_WORKER ?? "./runtime/file-worker.ts";
  // embedded entry points are stored as .js under the virtual root
  return checked(rel, "/$bunfs/root/" + rel.replace(/^\.\//, "").replace(/\.ts$/, ".js"));
}

/**
 * A worker that cannot load reports it through Bun's event loop, which does not
 * run while we block in the poller: requests would wait forever. Fail now instead.
 */
function checked(url: string, path: string): string {
  if (!existsSync(path))
    throw new Error(
      `the file pool's worker script is missing (${path}); was it built without runtime/file-worker.ts as an entry point?`,
    );
  return url;
}

export class FilePool {
  readonly size: number;
  private L: PoolLayout;
  private workers: Worker[] = [];
  private exited: Promise<void>;
  private free: number[] = [];
  private slotId: number[];
  private slotReq: (FileRequest | null)[];
  /** Slot buffer capacity main last accounted for, to track `retained`. */
  private slotCap: number[];
  private retained = 0;
  private retainBytes: number;
  private backlog: { id: number; req: FileRequest }[] = [];
  private backlogHead = 0;
  private cancelled = new Set<number>();
  private tail = 0;
  private compHead = 0;
  private busy = 0;
  private closed = false;

  constructor(opts: FilePoolOptions) {
    this.size = opts.size ?? defaultPoolSize();
    const slots = opts.slots ?? DEFAULT_SLOTS;
    const inlineBytes = opts.inlineBytes ?? DEFAULT_INLINE_BYTES;
    this.L = PoolLayout.create({ slots, inlineBytes });
    this.slotId = new Array(slots).fill(-1);
    this.slotReq = new Array(slots).fill(null);
    this.slotCap = new Array(slots).fill(0);
    this.retainBytes = opts.retainBytes ?? DEFAULT_RETAIN_BYTES;
    for (let s = slots - 1; s >= 0; s--) this.free.push(s);

    const init: WorkerInit = { sab: this.L.sab, slots, inlineBytes, wake: opts.wake };
    const url = fileWorkerUrl();
    const closes: Promise<void>[] = [];
    for (let i = 0; i < this.size; i++) {
      const w = new Worker(url);
      closes.push(new Promise<void>((resolve) => w.addEventListener("close", () => resolve())));
      // Our loop, not Bun's, tracks pending work: don't let idle workers keep
      // the process alive.
      w.unref();
      // Startup is the only postMessage: the worker's own event loop delivers
      // it, so it works while this thread is blocked in the poller.
      w.postMessage(init);
      this.workers.push(w);
    }
    this.exited = Promise.all(closes).then(() => {});
  }

  /** Requests submitted and not yet collected (including the backlog). */
  get pending(): number {
    return this.busy + (this.backlog.length - this.backlogHead);
  }

  /** Live native slot buffers (0 after close): a leak check. */
  nativeOutstanding(): number {
    return Atomics.load(this.L.ctl, C.NATIVE);
  }

  /** Bytes held in slot buffers for reuse (bounded by retainBytes). */
  get retainedBytes(): number {
    return this.retained;
  }

  submit(id: number, req: FileRequest): void {
    if (this.closed) throw new Error("file pool is closed");
    if (OP_CODE[req.op] === undefined) throw new TypeError(`unknown file op "${req.op}"`);
    const slot = this.free.pop();
    if (slot === undefined) this.backlog.push({ id, req });
    else this.dispatch(slot, id, req);
  }

  /** Forget a request: dropped if queued, its result discarded if running. */
  cancel(id: number): boolean {
    for (let i = this.backlogHead; i < this.backlog.length; i++) {
      if (this.backlog[i]!.id === id && !this.cancelled.has(id)) {
        this.cancelled.add(id);
        return true;
      }
    }
    if (this.slotId.includes(id) && !this.cancelled.has(id)) {
      this.cancelled.add(id);
      return true;
    }
    return false;
  }

  /** Call after draining the waker: later completions will write it again. */
  ackWake(): void {
    Atomics.store(this.L.ctl, C.WAKE_PENDING, 0);
  }

  /** Move finished requests to `out`, refill freed slots from the backlog. */
  collect(out: PoolCompletion[]): number {
    const { compRing, mask } = this.L;
    let n = 0;
    for (;;) {
      const at = this.compHead & mask;
      const e = Atomics.load(compRing, at);
      if (e === 0) break;
      Atomics.store(compRing, at, 0);
      this.compHead = (this.compHead + 1) | 0;
      const slot = e - 1;
      const id = this.slotId[slot]!;
      const result = this.decode(slot);
      this.release(slot);
      if (this.cancelled.delete(id)) continue;
      out.push({ id, result });
      n++;
    }
    this.refill();
    return n;
  }

  /**
   * Stop the workers: each finishes its current operation, then exits. Frees
   * every SAB slot's native payload. The returned promise settles when all
   * worker threads are gone (it needs Bun's event loop to run).
   */
  close(timeoutMs = 5000): Promise<void> {
    if (this.closed) return this.exited;
    this.closed = true;
    const { ctl } = this.L;
    Atomics.store(ctl, C.SHUTDOWN, 1);
    Atomics.add(ctl, C.DOORBELL, 1);
    Atomics.notify(ctl, C.DOORBELL);
    Atomics.notify(ctl, C.SHUTDOWN);
    // Wait (bounded) until no worker can touch a slot or the waker any more.
    const deadline = performance.now() + timeoutMs;
    for (let live = Atomics.load(ctl, C.LIVE); live > 0; live = Atomics.load(ctl, C.LIVE)) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      Atomics.wait(ctl, C.LIVE, live, left);
    }
    const quiet = Atomics.load(ctl, C.LIVE) === 0;
    this.backlog = [];
    this.backlogHead = 0;
    this.collect([]); // frees native results of finished work
    if (quiet) {
      // No worker can touch a slot any more: free every slot buffer.
      for (let s = 0; s < this.slotCap.length; s++) this.L.dropBuffer(s);
      this.retained = 0;
    }
    // A stuck worker could still use its slot's buffer: leaking beats use-after-free.
    for (const w of this.workers) w.terminate();
    this.workers = [];
    return this.exited;
  }

  private dispatch(slot: number, id: number, req: FileRequest): void {
    this.encode(slot, req);
    this.slotId[slot] = id;
    this.slotReq[slot] = req;
    this.busy++;
    const { ctl, reqRing, mask } = this.L;
    Atomics.store(reqRing, this.tail & mask, slot);
    this.tail = (this.tail + 1) | 0;
    Atomics.store(ctl, C.REQ_TAIL, this.tail);
    Atomics.add(ctl, C.DOORBELL, 1);
    if (Atomics.load(ctl, C.IDLE) > 0) Atomics.notify(ctl, C.DOORBELL, 1);
  }

  private refill(): void {
    while (this.backlogHead < this.backlog.length && this.free.length > 0) {
      const { id, req } = this.backlog[this.backlogHead++]!;
      if (this.cancelled.delete(id)) continue;
      this.dispatch(this.free.pop()!, id, req);
    }
    if (this.backlogHead === this.backlog.length) {
      this.backlog = [];
      this.backlogHead = 0;
    }
  }

  /** Lay out path, dest and data: inline when they fit, else one native buffer. */
  private encode(slot: number, req: FileRequest): void {
    const L = this.L;
    const { hdr, num } = L;
    const path = req.path;
    const dest = req.dest ?? "";
    const data = req.data ?? "";
    const inl = L.inline(slot);
    const cap = L.inlineBytes;
    hdr[L.h(slot, H.OP)] = OP_CODE[req.op];
    hdr[L.h(slot, H.REQ_IN_BUF)] = 0;
    num[L.f(slot, F.NUM)] = req.ms ?? 0;
    const dataMax = typeof data === "string" ? data.length * 3 : data.byteLength;
    if ((path.length + dest.length) * 3 + dataMax <= cap) {
      // UTF-8 needs at most 3 bytes per UTF-16 unit, so this cannot overflow.
      const a = encoder.encodeInto(path, inl).written;
      const b = encoder.encodeInto(dest, inl.subarray(a)).written;
      let d: number;
      if (typeof data === "string") d = encoder.encodeInto(data, inl.subarray(a + b)).written;
      else {
        inl.set(data, a + b);
        d = data.byteLength;
      }
      this.lengths(slot, a, b, d);
      return;
    }
    const pa = encoder.encode(path);
    const pb = encoder.encode(dest);
    const d = typeof data === "string" ? Buffer.byteLength(data, "utf8") : data.byteLength;
    const total = pa.byteLength + pb.byteLength + d;
    let target = inl;
    if (total > cap) {
      target = L.buffer(slot, total);
      this.account(slot, false);
      hdr[L.h(slot, H.REQ_IN_BUF)] = 1;
    }
    target.set(pa, 0);
    target.set(pb, pa.byteLength);
    if (typeof data === "string") encoder.encodeInto(data, target.subarray(pa.byteLength + pb.byteLength));
    else target.set(data, pa.byteLength + pb.byteLength);
    this.lengths(slot, pa.byteLength, pb.byteLength, d);
  }

  private lengths(slot: number, a: number, b: number, d: number): void {
    const L = this.L;
    L.hdr[L.h(slot, H.A_LEN)] = a;
    L.hdr[L.h(slot, H.B_LEN)] = b;
    L.num[L.f(slot, F.DATA_LEN)] = d;
  }

  private decode(slot: number): FileResult {
    const L = this.L;
    const { hdr, num } = L;
    const status = hdr[L.h(slot, H.STATUS)]!;
    const req = this.slotReq[slot]!;
    if (status !== 0) {
      const code = decoder.decode(L.inline(slot).subarray(0, num[L.f(slot, F.RES_LEN)]!));
      const err: FileResult = { ok: false, code, errno: status, message: strerror(status), path: req.path };
      if (req.dest !== undefined) err.dest = req.dest;
      return err;
    }
    const kind = hdr[L.h(slot, H.RES_KIND)]!;
    switch (kind) {
      case RES.NONE:
        return { ok: true, value: null };
      case RES.BOOL:
        return { ok: true, value: num[L.f(slot, F.NUM)] !== 0 };
      case RES.NUMBER:
        return { ok: true, value: num[L.f(slot, F.NUM)] };
      case RES.STAT: {
        const k = num[L.f(slot, F.KIND)];
        const st: FileStat = {
          size: num[L.f(slot, F.NUM)]!,
          mtimeMs: num[L.f(slot, F.MTIME)]!,
          mode: num[L.f(slot, F.MODE)]!,
          isFile: k === 1,
          isDirectory: k === 2,
        };
        return { ok: true, value: st };
      }
    }
    // STRING, BYTES or LIST: bytes inline or in the slot's native buffer.
    const len = num[L.f(slot, F.RES_LEN)]!;
    const bytes = hdr[L.h(slot, H.RES_IN_BUF)] === 1 ? L.buffer(slot, len) : L.inline(slot).subarray(0, len);
    if (kind === RES.BYTES) return { ok: true, value: bytes.slice() };
    const s = decoder.decode(bytes);
    return { ok: true, value: kind === RES.LIST ? (s === "" ? [] : s.split("\0")) : s };
  }

  /** Track the slot buffer's size; once the slot is done, free it if it is huge or we hold too much. */
  private account(slot: number, done: boolean): void {
    const cap = this.L.bufferCapacity(slot);
    this.retained += cap - this.slotCap[slot]!;
    this.slotCap[slot] = cap;
    if (done && (cap > KEEP_MAX || this.retained > this.retainBytes)) {
      this.L.dropBuffer(slot);
      this.retained -= cap;
      this.slotCap[slot] = 0;
    }
  }

  private release(slot: number): void {
    this.account(slot, true);
    this.slotId[slot] = -1;
    this.slotReq[slot] = null;
    this.free.push(slot);
    this.busy--;
  }
}
