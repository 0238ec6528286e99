// kqueue(2)/kevent(2) bindings for macOS and the BSDs. struct kevent on 64-bit:
//   uintptr_t ident @0; int16_t filter @8; uint16_t flags @10;
//   uint32_t fflags @12; intptr_t data @16; void *udata @24   (32 bytes)
// udata carries our token.
import { KQ } from "./constants.ts";
import { check, errno, libc } from "./libc.ts";
import { StructArray } from "./struct-array.ts";

const SIZE = KQ.KEVENT_SIZE;

export function kqueueCreate(): number {
  if (!libc.kqueue) throw new Error("kqueue is not available on this platform");
  return check(libc.kqueue(), "kqueue");
}

/** A growable array of struct kevent, used both as changelist and eventlist. */
export class KEventArray extends StructArray {
  constructor(capacity = 16) {
    super(SIZE, capacity);
  }
  set(i: number, ident: number, filter: number, flags: number, token: number): void {
    const v = this.view;
    const at = i * SIZE;
    v.setUint32(at, ident >>> 0, true);
    v.setUint32(at + 4, 0, true);
    v.setInt16(at + 8, filter, true);
    v.setUint16(at + 10, flags, true);
    v.setUint32(at + 12, 0, true);
    v.setUint32(at + 16, 0, true);
    v.setUint32(at + 20, 0, true);
    v.setUint32(at + 24, token >>> 0, true);
    v.setUint32(at + 28, Math.floor(token / 2 ** 32), true);
  }
  ident(i: number): number {
    return this.view.getUint32(i * SIZE, true);
  }
  filter(i: number): number {
    return this.view.getInt16(i * SIZE + 8, true);
  }
  flags(i: number): number {
    return this.view.getUint16(i * SIZE + 10, true);
  }
  /** For EV_ERROR entries, data holds the errno. */
  data(i: number): number {
    return this.view.getInt32(i * SIZE + 16, true);
  }
  token(i: number): number {
    const at = i * SIZE + 24;
    return this.view.getUint32(at, true) + this.view.getUint32(at + 4, true) * 2 ** 32;
  }
}

const timeout = new DataView(new ArrayBuffer(16));

/**
 * kevent(2): apply `nchanges` changes and collect up to `nevents` events.
 * timeoutMs < 0 blocks indefinitely. Returns the event count or -errno.
 */
export function kevent(
  kq: number,
  changes: KEventArray | null,
  nchanges: number,
  events: KEventArray | null,
  nevents: number,
  timeoutMs: number,
): number {
  let ts: DataView | null = null;
  if (timeoutMs >= 0) {
    const sec = Math.floor(timeoutMs / 1000);
    timeout.setUint32(0, sec, true);
    timeout.setUint32(4, 0, true);
    timeout.setUint32(8, (timeoutMs - sec * 1000) * 1e6, true);
    timeout.setUint32(12, 0, true);
    ts = timeout;
  }
  const r = libc.kevent!(kq, changes ? changes.view : null, nchanges, events ? events.view : null, nevents, ts);
  return r < 0 ? -errno() : r;
}
