// The waker: an fd the poller watches so any thread can end a blocking wait.
// Linux uses an eventfd (one fd, a counter that coalesces wakes); macOS, or
// BEAGLE_WAKER=pipe, uses a non-blocking pipe. Other threads get a WakeHandle
// (plain data, postMessage-able) and call wakeFromHandle(); that path uses
// node:fs so a Worker needs no FFI of its own.
import { writeSync } from "node:fs";
import { PLATFORM } from "../ffi/constants.ts";
import { ERRNO } from "../ffi/errno.ts";
import { closeFd, makeEventFd, makePipe, readFd, writeFd } from "../ffi/fd.ts";

export type WakerKind = "eventfd" | "pipe";

/** What another thread needs to wake the loop. Valid until the loop closes. */
export interface WakeHandle {
  fd: number;
  kind: WakerKind;
}

const EVENTFD_ONE = new Uint8Array(new BigUint64Array([1n]).buffer);
const PIPE_BYTE = new Uint8Array([1]);

/** Wake the loop owning `h`, from any thread. A full pipe already means "awake". */
export function wakeFromHandle(h: WakeHandle): void {
  try {
    writeSync(h.fd, h.kind === "eventfd" ? EVENTFD_ONE : PIPE_BYTE);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
  }
}

export function defaultWakerKind(): WakerKind {
  const env = process.env.BEAGLE_WAKER;
  if (env === "pipe" || env === "eventfd") return env;
  return PLATFORM === "linux" ? "eventfd" : "pipe";
}

export class Waker {
  /** Register this fd for READABLE in the poller. */
  readonly fd: number;
  readonly handle: WakeHandle;
  private writeFd: number;
  private scratch = new Uint8Array(256);
  private closed = false;

  constructor(readonly kind: WakerKind = defaultWakerKind()) {
    if (kind === "eventfd") {
      this.fd = this.writeFd = makeEventFd();
    } else {
      [this.fd, this.writeFd] = makePipe(true);
    }
    this.handle = { fd: this.writeFd, kind };
  }

  /** Wake from this thread (FFI write, no exceptions on the hot path). */
  wake(): void {
    const r = writeFd(this.writeFd, this.kind === "eventfd" ? EVENTFD_ONE : PIPE_BYTE);
    if (r < 0 && -r !== ERRNO.EAGAIN) throw new Error(`waker write failed: errno ${-r}`);
  }

  /** Consume pending wakes so the fd stops being readable. */
  drain(): void {
    if (this.kind === "eventfd") {
      readFd(this.fd, this.scratch, 8);
      return;
    }
    while (readFd(this.fd, this.scratch) === this.scratch.byteLength) {}
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeFd(this.fd);
    if (this.writeFd !== this.fd) closeFd(this.writeFd);
  }
}
