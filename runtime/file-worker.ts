// A file-pool worker: claims slots from the shared request ring, runs the
// blocking file operation with node:fs, writes the result into the slot and
// publishes it on the completion ring, waking the main thread through the
// waker fd only when no wake is already outstanding. It blocks in Atomics.wait
// between requests and never depends on postMessage after startup, because the
// main thread may be parked in epoll_wait where Bun's event loop does not run.
import * as fs from "node:fs";
import { ERRNO, errnoName } from "../ffi/errno.ts";
import { MAX_READ_BYTES, RES, fileTooLarge, opName, type FileOpName } from "./file-ops.ts";
import { C, F, H, PoolLayout } from "./pool-layout.ts";
import { wakeFromHandle, type WakeHandle } from "./waker.ts";

export interface WorkerInit {
  sab: SharedArrayBuffer;
  slots: number;
  inlineBytes: number;
  wake: WakeHandle;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

class Runner {
  private L: PoolLayout;
  constructor(private init: WorkerInit) {
    this.L = new PoolLayout(init.sab, init.slots, init.inlineBytes);
  }

  run(): void {
    const { ctl } = this.L;
    Atomics.add(ctl, C.LIVE, 1);
    try {
      while (Atomics.load(ctl, C.SHUTDOWN) === 0) {
        const slot = this.claim();
        if (slot >= 0) {
          this.execute(slot);
          this.publish(slot);
        }
      }
    } finally {
      Atomics.sub(ctl, C.LIVE, 1);
      Atomics.notify(ctl, C.LIVE);
    }
  }

  /** Take one slot from the request ring, or sleep until main rings (-1). */
  private claim(): number {
    const { ctl, reqRing, mask } = this.L;
    // Read the doorbell before looking at the ring or SHUTDOWN: anything main
    // does afterwards changes it, so the wait below cannot miss a submit or
    // the shutdown (waiting on REQ_TAIL would miss the shutdown).
    const bell = Atomics.load(ctl, C.DOORBELL);
    if (Atomics.load(ctl, C.SHUTDOWN) !== 0) return -1;
    const head = Atomics.load(ctl, C.REQ_HEAD);
    const tail = Atomics.load(ctl, C.REQ_TAIL);
    if (head === tail) {
      Atomics.add(ctl, C.IDLE, 1);
      Atomics.wait(ctl, C.DOORBELL, bell);
      Atomics.sub(ctl, C.IDLE, 1);
      return -1;
    }
    const slot = Atomics.load(reqRing, head & mask);
    return Atomics.compareExchange(ctl, C.REQ_HEAD, head, (head + 1) | 0) === head ? slot : -1;
  }

  private publish(slot: number): void {
    const { ctl, compRing, mask } = this.L;
    const at = Atomics.add(ctl, C.COMP_RESERVE, 1) & mask;
    Atomics.store(compRing, at, slot + 1);
    if (Atomics.compareExchange(ctl, C.WAKE_PENDING, 0, 1) === 0) wakeFromHandle(this.init.wake);
  }

  private execute(slot: number): void {
    const L = this.L;
    const { hdr } = L;
    const op = opName(hdr[L.h(slot, H.OP)]!);
    const aLen = hdr[L.h(slot, H.A_LEN)]!;
    const bLen = hdr[L.h(slot, H.B_LEN)]!;
    const dataLen = L.num[L.f(slot, F.DATA_LEN)]!;
    const req = hdr[L.h(slot, H.REQ_IN_BUF)] === 1 ? L.buffer(slot, aLen + bLen + dataLen) : L.inline(slot);
    const path = decoder.decode(req.subarray(0, aLen));
    const dest = decoder.decode(req.subarray(aLen, aLen + bLen));
    const data = req.subarray(aLen + bLen, aLen + bLen + dataLen);
    hdr[L.h(slot, H.RES_IN_BUF)] = 0;
    try {
      this.perform(slot, op, path, dest, data);
      hdr[L.h(slot, H.STATUS)] = 0;
    } catch (e) {
      this.fail(slot, e);
    }
  }

  private perform(slot: number, op: FileOpName, path: string, dest: string, data: Uint8Array): void {
    switch (op) {
      case "read":
        return this.readFile(slot, RES.STRING, path);
      case "readBytes":
        return this.readFile(slot, RES.BYTES, path);
      case "write":
        fs.writeFileSync(path, data);
        return this.number(slot, RES.NUMBER, data.byteLength);
      case "append":
        fs.appendFileSync(path, data);
        return this.number(slot, RES.NUMBER, data.byteLength);
      case "delete":
        fs.unlinkSync(path);
        return this.none(slot);
      case "stat": {
        const st = fs.statSync(path);
        const L = this.L;
        L.num[L.f(slot, F.MTIME)] = st.mtimeMs;
        L.num[L.f(slot, F.MODE)] = st.mode;
        L.num[L.f(slot, F.KIND)] = st.isFile() ? 1 : st.isDirectory() ? 2 : 0;
        return this.number(slot, RES.STAT, st.size);
      }
      case "size":
        return this.number(slot, RES.NUMBER, fs.statSync(path).size);
      case "exists":
        return this.number(slot, RES.BOOL, fs.existsSync(path) ? 1 : 0);
      case "isFile":
        return this.number(slot, RES.BOOL, statOrNull(path)?.isFile() ? 1 : 0);
      case "isDirectory":
        return this.number(slot, RES.BOOL, statOrNull(path)?.isDirectory() ? 1 : 0);
      case "readdir":
        // Names cannot contain NUL, so NUL-joined UTF-8 is an unambiguous list.
        return this.bytes(slot, RES.LIST, encoder.encode(fs.readdirSync(path).join("\0")));
      case "mkdir":
        fs.mkdirSync(path);
        return this.none(slot);
      case "mkdirAll":
        fs.mkdirSync(path, { recursive: true });
        return this.none(slot);
      case "rmdir":
        fs.rmdirSync(path);
        return this.none(slot);
      case "rmdirAll":
        fs.rmSync(path, { recursive: true });
        return this.none(slot);
      case "rename":
        fs.renameSync(path, dest);
        return this.none(slot);
      case "copy":
        fs.copyFileSync(path, dest);
        return this.number(slot, RES.NUMBER, fs.statSync(dest).size);
      case "sleep": {
        const ms = this.L.num[this.L.f(slot, F.NUM)]!;
        // Sleeping on SHUTDOWN lets close() cut the sleep short.
        Atomics.wait(this.L.ctl, C.SHUTDOWN, 0, Math.max(0, ms));
        return this.none(slot);
      }
    }
  }

  private none(slot: number): void {
    this.L.hdr[this.L.h(slot, H.RES_KIND)] = RES.NONE;
  }

  private number(slot: number, kind: number, n: number): void {
    const L = this.L;
    L.hdr[L.h(slot, H.RES_KIND)] = kind;
    L.num[L.f(slot, F.NUM)] = n;
  }

  /**
   * Read a regular file straight into its destination (inline or native), one
   * copy fewer than readFileSync + copy. Files whose size stat cannot tell
   * (procfs, pipes report 0) go through readFileSync.
   */
  private readFile(slot: number, kind: number, path: string): void {
    const fd = fs.openSync(path, "r");
    try {
      const size = fs.fstatSync(fd).size;
      if (size > MAX_READ_BYTES) throw fileTooLarge(path, size);
      if (size === 0) return this.bytes(slot, kind, fs.readFileSync(fd));
      const L = this.L;
      const target = this.resultArea(slot, kind, size);
      let got = 0;
      while (got < size) {
        const n = fs.readSync(fd, target, got, size - got, null);
        if (n === 0) break; // the file shrank under us: report what is there
        got += n;
      }
      L.num[L.f(slot, F.RES_LEN)] = got;
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Space for a `len`-byte result: the inline area, or the slot's native buffer. */
  private resultArea(slot: number, kind: number, len: number): Uint8Array {
    const L = this.L;
    L.hdr[L.h(slot, H.RES_KIND)] = kind;
    L.num[L.f(slot, F.RES_LEN)] = len;
    if (len <= L.inlineBytes) return L.inline(slot);
    L.hdr[L.h(slot, H.RES_IN_BUF)] = 1;
    return L.buffer(slot, len);
  }

  /** Result bytes go inline when they fit, else into the slot's native buffer. */
  private bytes(slot: number, kind: number, src: Uint8Array): void {
    this.resultArea(slot, kind, src.byteLength).set(src);
  }

  /** Errors are values: errno in STATUS, its name inline; main adds strerror. */
  private fail(slot: number, e: unknown): void {
    const L = this.L;
    const err = e as NodeJS.ErrnoException;
    let errno = typeof err?.errno === "number" ? Math.abs(err.errno) : 0;
    let code = typeof err?.code === "string" && /^E[A-Z0-9]+$/.test(err.code) ? err.code : "";
    if (!errno && code && ERRNO[code] !== undefined) errno = ERRNO[code]!;
    if (!errno) {
      // Not a system error (e.g. a path with a NUL byte): report EINVAL.
      errno = ERRNO.EINVAL!;
      code = "EINVAL";
    }
    if (!code) code = errnoName(errno);
    L.hdr[L.h(slot, H.STATUS)] = errno;
    L.hdr[L.h(slot, H.RES_IN_BUF)] = 0;
    const w = encoder.encodeInto(code, L.inline(slot));
    L.num[L.f(slot, F.RES_LEN)] = w.written;
  }
}

function statOrNull(path: string): fs.Stats | null {
  try {
    return fs.statSync(path, { throwIfNoEntry: false }) ?? null;
  } catch {
    return null;
  }
}

declare const self: Worker;

self.onmessage = (e: MessageEvent<WorkerInit>) => {
  // The loop blocks this worker's thread until shutdown; afterwards we drop
  // the listener so nothing keeps the worker alive.
  self.onmessage = null;
  new Runner(e.data).run();
};
