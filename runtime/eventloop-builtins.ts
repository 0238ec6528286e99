// Plain functions behind the event-loop builtins named by the async plan
// (`event-loop-create`, `event-loop-run-once`, `file-read-async`, ...). They
// speak plain JS values: the VM converts results ({ ok: true, value } or
// { ok: false, code, errno, message, path }) into Beagle Result values.
// Completions are kept per loop until taken with event-loop-take-completion.
import { cpuCount } from "./cpu.ts";
import { EventLoop, type Completion, type EventLoopOptions } from "./event-loop.ts";
import type { FileOpName, FileResult } from "./file-ops.ts";
import { READABLE, WRITABLE } from "./poller.ts";

/** What event-loop-take-completion hands back: file results, or ok(null)/ok(readiness). */
export type LoopResult = FileResult;

/** An event-loop handle as Beagle code holds it. */
export class LoopHandle {
  readonly done = new Map<number, LoopResult>();
  constructor(readonly loop: EventLoop) {}
}

function record(h: LoopHandle, c: Completion): void {
  if (c.kind === "file") h.done.set(c.id, c.result);
  else if (c.kind === "timer") h.done.set(c.id, { ok: true, value: null });
  else {
    const { readable, writable, hangup, error } = c;
    h.done.set(c.id, { ok: true, value: { readable, writable, hangup, error } });
  }
}

// ---------------------------------------------------------------- loop

export function eventLoopCreate(opts?: EventLoopOptions): LoopHandle {
  return new LoopHandle(new EventLoop(opts));
}

/**
 * Block up to `timeoutMs` (negative: until something happens) and store what
 * completed. Returns how many operations completed in this call.
 */
export function eventLoopRunOnce(h: LoopHandle, timeoutMs: number): number {
  const got = h.loop.runOnce(timeoutMs);
  for (const c of got) record(h, c);
  return got.length;
}

/** Wake a blocked event-loop-run-once (from this thread; Workers use loop.wakeHandle). */
export function eventLoopWake(h: LoopHandle): null {
  h.loop.wake();
  return null;
}

/** The result of operation `id` if it has completed (then forgotten), else null. */
export function eventLoopTakeCompletion(h: LoopHandle, id: number): LoopResult | null {
  const r = h.done.get(id);
  if (r === undefined) return null;
  h.done.delete(id);
  return r;
}

/** Whether operation `id` has completed and not been taken yet. */
export function eventLoopCompletionReady(h: LoopHandle, id: number): boolean {
  return h.done.has(id);
}

/** Operations still in flight (file ops, timers, fd watches). */
export function eventLoopPending(h: LoopHandle): number {
  return h.loop.pending;
}

/** Cancel a timer, fd watch or file operation (whose result is then dropped). */
export function eventLoopCancel(h: LoopHandle, id: number): boolean {
  h.done.delete(id);
  return h.loop.cancel(id);
}

/** Close the loop: workers stopped, fds closed. Idempotent. */
export function eventLoopDestroy(h: LoopHandle): null {
  void h.loop.close();
  h.done.clear();
  return null;
}

export function getCpuCount(): number {
  return cpuCount();
}

// ---------------------------------------------------------------- timers and fds

/** A timer firing after `delayMs`; its completion is ok(null). Returns its id. */
export function timerSet(h: LoopHandle, delayMs: number): number {
  return h.loop.addTimer(delayMs);
}

export function timerCancel(h: LoopHandle, id: number): boolean {
  return h.loop.cancelTimer(id);
}

/** One-shot readiness watch on `fd`; completion ok({ readable, writable, hangup, error }). */
export function fdWatchAsync(h: LoopHandle, fd: number, readable: boolean, writable: boolean): number {
  return h.loop.watchFd(fd, (readable ? READABLE : 0) | (writable ? WRITABLE : 0), { oneShot: true });
}

// ---------------------------------------------------------------- files

function file(h: LoopHandle, op: FileOpName, path: string, dest?: string, data?: string | Uint8Array): number {
  return h.loop.submitFile({ op, path, dest, data });
}

/** ok(string): the file's contents as UTF-8. */
export const fileReadAsync = (h: LoopHandle, path: string) => file(h, "read", path);
/** ok(Uint8Array). */
export const fileReadBytesAsync = (h: LoopHandle, path: string) => file(h, "readBytes", path);
/** ok(bytes written); creates or truncates. */
export const fileWriteAsync = (h: LoopHandle, path: string, content: string | Uint8Array) =>
  file(h, "write", path, undefined, content);
/** ok(bytes written); creates if missing. */
export const fileAppendAsync = (h: LoopHandle, path: string, content: string | Uint8Array) =>
  file(h, "append", path, undefined, content);
/** ok(null). */
export const fileDeleteAsync = (h: LoopHandle, path: string) => file(h, "delete", path);
/** ok({ size, mtimeMs, mode, isFile, isDirectory }). */
export const fileStatAsync = (h: LoopHandle, path: string) => file(h, "stat", path);
/** ok(size in bytes). */
export const fileSizeAsync = (h: LoopHandle, path: string) => file(h, "size", path);
/** ok(boolean); never an error. */
export const fileExistsAsync = (h: LoopHandle, path: string) => file(h, "exists", path);
/** ok(boolean); a missing path is false. */
export const fileIsFileAsync = (h: LoopHandle, path: string) => file(h, "isFile", path);
/** ok(boolean); a missing path is false. */
export const fileIsDirectoryAsync = (h: LoopHandle, path: string) => file(h, "isDirectory", path);
/** ok(string[]) in OS order. */
export const fileReaddirAsync = (h: LoopHandle, path: string) => file(h, "readdir", path);
/** ok(null); the parent must exist. */
export const fileMkdirAsync = (h: LoopHandle, path: string) => file(h, "mkdir", path);
/** ok(null); like mkdir -p. */
export const fileMkdirAllAsync = (h: LoopHandle, path: string) => file(h, "mkdirAll", path);
/** ok(null); the directory must be empty. */
export const fileRmdirAsync = (h: LoopHandle, path: string) => file(h, "rmdir", path);
/** ok(null); like rm -r (a missing path is ENOENT). */
export const fileRmdirAllAsync = (h: LoopHandle, path: string) => file(h, "rmdirAll", path);
/** ok(null). */
export const fileRenameAsync = (h: LoopHandle, from: string, to: string) => file(h, "rename", from, to);
/** ok(bytes copied). */
export const fileCopyAsync = (h: LoopHandle, from: string, to: string) => file(h, "copy", from, to);

/** Every builtin under its Beagle name, for the VM to install. */
export const EVENT_LOOP_BUILTINS = {
  "event-loop-create": eventLoopCreate,
  "event-loop-run-once": eventLoopRunOnce,
  "event-loop-wake": eventLoopWake,
  "event-loop-take-completion": eventLoopTakeCompletion,
  "event-loop-completion-ready?": eventLoopCompletionReady,
  "event-loop-pending": eventLoopPending,
  "event-loop-cancel": eventLoopCancel,
  "event-loop-destroy": eventLoopDestroy,
  "get-cpu-count": getCpuCount,
  "timer-set": timerSet,
  "timer-cancel": timerCancel,
  "fd-watch-async": fdWatchAsync,
  "file-read-async": fileReadAsync,
  "file-read-bytes-async": fileReadBytesAsync,
  "file-write-async": fileWriteAsync,
  "file-append-async": fileAppendAsync,
  "file-delete-async": fileDeleteAsync,
  "file-stat-async": fileStatAsync,
  "file-size-async": fileSizeAsync,
  "file-exists-async": fileExistsAsync,
  "file-is-file-async": fileIsFileAsync,
  "file-is-directory-async": fileIsDirectoryAsync,
  "file-readdir-async": fileReaddirAsync,
  "file-mkdir-async": fileMkdirAsync,
  "file-mkdir-all-async": fileMkdirAllAsync,
  "file-rmdir-async": fileRmdirAsync,
  "file-rmdir-all-async": fileRmdirAllAsync,
  "file-rename-async": fileRenameAsync,
  "file-copy-async": fileCopyAsync,
} as const;
