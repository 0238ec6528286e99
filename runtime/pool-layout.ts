// Memory layout of the file pool's SharedArrayBuffer, shared by the main thread
// and the workers. One SAB holds:
//
//   ctl[16]         counters and flags (below)
//   reqRing[S]      slot numbers submitted by main, claimed by workers (MPMC)
//   compRing[S]     slot numbers + 1 completed by workers, drained by main (MPSC)
//   hdr[S * 8]      per-slot int32 header (H_*)
//   num[S * 8]      per-slot float64 fields (F_*): lengths, pointers, results
//   inline[S * I]   per-slot byte area for paths, small payloads and results
//
// A slot belongs to main until published in reqRing, to one worker from claim
// until it publishes it in compRing, then to main again. Payloads larger than
// the inline area live in the slot's native buffer (ffi/memory.ts), whose
// pointer and capacity are slot fields: whoever owns the slot may grow it, and
// it stays with the slot for reuse, because a fresh malloc of a large block is
// mmap'd and page-faulted on every use (measured: see docs/event-loop.md).
// S is a power of two so ring indices are `counter & (S - 1)`, and the int32
// counters may wrap freely.
import { nativeAlloc, nativeFree, nativeView } from "../ffi/memory.ts";

export const C = {
  REQ_HEAD: 0, // next ring position to claim (workers CAS it forward)
  REQ_TAIL: 1, // next ring position main fills
  SHUTDOWN: 2, // 1 = workers finish their current op and exit
  COMP_RESERVE: 3, // next completion position (workers Atomics.add)
  WAKE_PENDING: 4, // 1 = a waker write is outstanding; coalesces wakes
  LIVE: 5, // workers inside their loop (main waits for 0 before freeing)
  IDLE: 6, // workers asleep on DOORBELL (main skips notify when 0)
  NATIVE: 7, // live native slot buffers (both threads allocate and free)
  DOORBELL: 8, // bumped on every submit and on shutdown; idle workers Atomics.wait on it
} as const;
const CTL_INTS = 16;

export const H = {
  OP: 0,
  STATUS: 1, // 0 = ok, >0 = errno
  A_LEN: 2, // UTF-8 bytes of path
  B_LEN: 3, // UTF-8 bytes of dest
  REQ_IN_BUF: 4, // 1 = request payload in the slot buffer, else inline
  RES_KIND: 5, // RES.*
  RES_IN_BUF: 6, // 1 = result bytes in the slot buffer, else inline
} as const;
const HDR_INTS = 8;

export const F = {
  BUF_PTR: 0, // the slot's native buffer (0 = none); persists across requests
  DATA_LEN: 1, // bytes of write/append content, after path and dest
  BUF_CAP: 2, // its capacity in bytes
  RES_LEN: 3, // bytes of a STRING/BYTES/LIST result, or of the error code name
  NUM: 4, // BOOL/NUMBER result; STAT size
  MTIME: 5,
  MODE: 6,
  KIND: 7, // STAT: 1 file, 2 directory, 0 other
} as const;
const NUM_F64 = 8;

export interface PoolParams {
  slots: number;
  inlineBytes: number;
}

export class PoolLayout {
  readonly ctl: Int32Array;
  readonly reqRing: Int32Array;
  readonly compRing: Int32Array;
  readonly hdr: Int32Array;
  readonly num: Float64Array;
  readonly bytes: Uint8Array;
  readonly mask: number;
  private inlines: Uint8Array[] = [];

  constructor(
    readonly sab: SharedArrayBuffer,
    readonly slots: number,
    readonly inlineBytes: number,
  ) {
    this.mask = slots - 1;
    let at = 0;
    this.ctl = new Int32Array(sab, at, CTL_INTS);
    at += CTL_INTS * 4;
    this.reqRing = new Int32Array(sab, at, slots);
    at += slots * 4;
    this.compRing = new Int32Array(sab, at, slots);
    at += slots * 4;
    this.hdr = new Int32Array(sab, at, slots * HDR_INTS);
    at += slots * HDR_INTS * 4;
    this.num = new Float64Array(sab, at, slots * NUM_F64);
    at += slots * NUM_F64 * 8;
    this.bytes = new Uint8Array(sab, at, slots * inlineBytes);
    // One view per slot, made once: inline() is on every request's path.
    for (let s = 0; s < slots; s++) this.inlines.push(this.bytes.subarray(s * inlineBytes, (s + 1) * inlineBytes));
  }

  static byteLength(slots: number, inlineBytes: number): number {
    return CTL_INTS * 4 + slots * (8 + HDR_INTS * 4 + NUM_F64 * 8 + inlineBytes);
  }

  static create(p: PoolParams): PoolLayout {
    if (p.slots < 1 || (p.slots & (p.slots - 1)) !== 0) throw new RangeError("slots must be a power of two");
    if (p.inlineBytes % 8 !== 0) throw new RangeError("inlineBytes must be a multiple of 8");
    return new PoolLayout(new SharedArrayBuffer(PoolLayout.byteLength(p.slots, p.inlineBytes)), p.slots, p.inlineBytes);
  }

  h(slot: number, field: number): number {
    return slot * HDR_INTS + field;
  }
  f(slot: number, field: number): number {
    return slot * NUM_F64 + field;
  }
  inline(slot: number): Uint8Array {
    return this.inlines[slot]!;
  }

  /** The first `len` bytes of the slot's native buffer, growing it if needed. Caller owns the slot. */
  buffer(slot: number, len: number): Uint8Array {
    const { num } = this;
    let p = num[this.f(slot, F.BUF_PTR)]!;
    if (num[this.f(slot, F.BUF_CAP)]! < len) {
      this.dropBuffer(slot);
      // Round up so a slightly bigger payload next time reuses the block.
      const cap = Math.max(65536, 2 ** Math.ceil(Math.log2(len)));
      p = nativeAlloc(cap);
      Atomics.add(this.ctl, C.NATIVE, 1);
      num[this.f(slot, F.BUF_PTR)] = p;
      num[this.f(slot, F.BUF_CAP)] = cap;
    }
    return nativeView(p, len);
  }

  bufferCapacity(slot: number): number {
    return this.num[this.f(slot, F.BUF_CAP)]!;
  }

  /** Free the slot's native buffer, if any. Caller owns the slot. */
  dropBuffer(slot: number): void {
    const p = this.num[this.f(slot, F.BUF_PTR)]!;
    if (p === 0) return;
    nativeFree(p);
    Atomics.sub(this.ctl, C.NATIVE, 1);
    this.num[this.f(slot, F.BUF_PTR)] = 0;
    this.num[this.f(slot, F.BUF_CAP)] = 0;
  }
}
