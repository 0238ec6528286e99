// How the VM's stdout buffer reaches fd 1 safely (docs/architecture.md, "Output"):
// a write error ends the program the way a C program would end (EPIPE: die of
// SIGPIPE, quietly; anything else, ENOSPC included: one line on stderr, exit 1),
// never a JS stack trace; and signals that arrive while output is buffered are
// caught (ffi/signals.ts), the buffer flushed, then the signal re-raised.
import { writeSync } from "node:fs";
import { isatty } from "node:tty";
import { catchSignals, dieOfSignal, releaseSignals, takeSignal } from "../ffi/signals.ts";

/** Longest time (ms of running) output may wait in the buffer when stdout is not a terminal (BEAGLE_FLUSH_MS). */
export const FLUSH_INTERVAL_MS = flushInterval(process.env.BEAGLE_FLUSH_MS);

function flushInterval(s: string | undefined): number {
  const n = s ? Number(s) : Number.NaN;
  return Number.isFinite(n) && n >= 0 ? n : 5;
}

let stdoutTty: boolean | undefined;
/** Is fd 1 a terminal? (Then every write is flushed at once.) */
export function stdoutIsTty(): boolean {
  if (stdoutTty === undefined) {
    try {
      stdoutTty = isatty(1);
    } catch {
      stdoutTty = false;
    }
  }
  return stdoutTty;
}

const ERRNO_TEXT: Record<string, string> = {
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EIO: "input/output error",
  EBADF: "bad file descriptor (stdout is closed)",
  EFBIG: "file too large",
};

let dying = false;

/** A write to stdout/stderr failed with `code`: end the program as a C program would. */
function writeFailed(fd: number, code: string | undefined, e: unknown): never | void {
  if (fd === 2 || dying) return; // nowhere left to report it
  dying = true;
  if (code === "EPIPE") dieOfSignal(13); // the reader is gone: SIGPIPE, no message
  const why = code ? `${code} (${ERRNO_TEXT[code] ?? "write failed"})` : String(e);
  try {
    writeSync(2, `beagle: cannot write to stdout: ${why}\n`);
  } catch {}
  process.exit(1);
}

/** Write everything, even to a pipe that accepts it piecewise. */
export function writeAll(fd: number, data: string) {
  let buf = Buffer.from(data);
  while (buf.length) {
    try {
      const n = writeSync(fd, buf);
      buf = buf.subarray(n);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EAGAIN" || code === "EINTR") continue;
      writeFailed(fd, code, e);
      return;
    }
  }
}

let armed = false;

/**
 * Between two time slices of running Beagle code: from the first one on,
 * SIGINT/SIGTERM/SIGHUP are caught so that `flush` can run before the process
 * dies of them. Short programs never get here and pay nothing.
 */
export function sliceBoundary(flush: () => void) {
  if (!armed) armed = catchSignals();
  const s = takeSignal();
  if (s) {
    flush();
    dieOfSignal(s);
  }
}

/** About to block (output already flushed): signals act at once again. */
export function beforeBlocking() {
  if (!armed) return;
  releaseSignals();
  armed = false;
  const s = takeSignal();
  if (s) dieOfSignal(s);
}
