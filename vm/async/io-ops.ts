// Generic asynchronous I/O operations under the three Async handlers.
//
// A resource module (sockets, processes, ...) registers each operation once
// with its three ways of running; Beagle code performs `Async.Io { kind, args }`
// (beagle.async/io) and the handler in scope picks the way:
//   BlockingHandler  -> blocking(args): done on this thread, returns the result;
//   EventLoopHandler -> evented(args, complete, io): readiness-driven, the task parks;
//   ThreadedHandler  -> threaded(args, complete, io) if given (a blocking call on a
//                       pool worker), else evented.
// `complete` may be called synchronously (the fast path: data already there),
// in which case the task never parks. The returned Abort stops the operation and
// releases what it holds (fd watch, timer, pool slot); cancellation calls it and
// the completion is then never delivered.
import type { Value } from "../values.ts";
import { runtimeError } from "../errors.ts";
import { PersistentVector } from "../collections/vector.ts";
import { err, errorValue } from "../core-types.ts";

export type Complete = (result: Value) => void;
export type Abort = () => void;

/** What an evented operation may use of the event loop; every registration returns its release. */
export interface IoContext {
  /** Call `ready` when `fd` is ready for `interest` (poller READABLE | WRITABLE), until released. */
  watchFd(fd: number, interest: number, ready: (ev: FdReadiness) => void): Abort;
  /** Call `fire` once after `ms` milliseconds, unless released first. */
  addTimer(ms: number, fire: () => void): Abort;
}

export interface FdReadiness {
  readable: boolean;
  writable: boolean;
  hangup: boolean;
  error: boolean;
}

export interface IoOp {
  blocking(args: Value[]): Value;
  evented(args: Value[], complete: Complete, io: IoContext): Abort;
  threaded?(args: Value[], complete: Complete, io: IoContext): Abort;
}

const ops = new Map<string, IoOp>();

/** Register `kind` (e.g. "tcp-read"); registering a kind twice is a bug. */
export function registerIoOp(kind: string, op: IoOp): void {
  if (ops.has(kind)) throw new Error(`I/O operation ${kind} registered twice`);
  ops.set(kind, op);
}

export function ioOp(kind: Value): IoOp {
  const op = typeof kind === "string" ? ops.get(kind) : undefined;
  if (!op) runtimeError("RuntimeError", `unknown I/O operation ${String(kind)}`);
  return op;
}

/**
 * "deadline" [kind, args, ms, operation]: run the registered operation `kind`
 * with a time limit, without a task of its own. If `ms` passes first the
 * operation is aborted (its resources released) and the result is
 * Result.Err { error: Error.Timeout { operation } }. BlockingHandler runs the
 * operation to its end (nothing can interrupt a blocked thread), as
 * with-timeout does there.
 */
function deadline(threaded: boolean) {
  return ([kind, args, ms, operation]: Value[], complete: Complete, io: IoContext): Abort => {
    const op = ioOp(kind ?? null);
    const start = threaded && op.threaded ? op.threaded : op.evented;
    let done = false;
    let stopTimer: Abort | null = null;
    const abortInner = start.call(
      op,
      args instanceof PersistentVector ? args.toArray() : [],
      (result) => {
        if (done) return;
        done = true;
        stopTimer?.();
        complete(result);
      },
      io,
    );
    if (done) return abortInner;
    stopTimer = io.addTimer(Math.max(0, Number(ms)), () => {
      if (done) return;
      done = true;
      abortInner();
      complete(err(errorValue("Timeout", { operation: typeof operation === "string" ? operation : String(kind) })));
    });
    return () => {
      done = true;
      stopTimer?.();
      abortInner();
    };
  };
}

registerIoOp("deadline", {
  blocking: ([kind, args]) => ioOp(kind ?? null).blocking(args instanceof PersistentVector ? args.toArray() : []),
  evented: deadline(false),
  threaded: deadline(true),
});
