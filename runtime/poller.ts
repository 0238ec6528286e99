// One readiness interface over epoll (Linux), kqueue (macOS/BSD) and poll(2)
// (the portable fallback, selected anywhere with BEAGLE_POLLER=poll).
// Registrations are level-triggered: an fd stays ready until drained, which
// keeps the scheduler simple (it may defer handling an event without losing it).
import { PLATFORM } from "../ffi/constants.ts";

/** Interest bits. 0 is allowed: only hang-up/error are then reported. */
export const READABLE = 1;
export const WRITABLE = 2;

export interface ReadyEvent {
  token: number;
  readable: boolean;
  writable: boolean;
  /** Peer closed (EOF pending on read, or write end gone). */
  hangup: boolean;
  /** An error condition on the fd (e.g. writing to a pipe with no reader). */
  error: boolean;
}

export type PollerBackend = "epoll" | "kqueue" | "poll";

export interface Poller {
  readonly backend: PollerBackend;
  /** Start watching `fd`; the token comes back in its events. Throws SysError. */
  register(fd: number, interest: number, token: number): void;
  /** Change interest and/or token of a registered fd. */
  modify(fd: number, interest: number, token: number): void;
  /** Stop watching `fd` (call before closing it). */
  deregister(fd: number): void;
  /**
   * Block until at least one fd is ready or `timeoutMs` passes
   * (negative: no limit; fractions round up to whole ms). EINTR is retried
   * with the remaining time, so an early return always means readiness.
   */
  wait(timeoutMs: number): ReadyEvent[];
  /** Close the poller's own fd (registered fds are left open). */
  close(): void;
}

/** Kernel poll timeouts are whole ms: round up so we never wake before a deadline. */
export function toKernelTimeout(timeoutMs: number): number {
  if (timeoutMs < 0 || !Number.isFinite(timeoutMs)) return -1;
  return Math.min(Math.ceil(timeoutMs), 0x7fffffff);
}

/** The backend for this process: BEAGLE_POLLER if set, else the platform's best. */
export function defaultBackend(): PollerBackend {
  const env = process.env.BEAGLE_POLLER;
  if (env === "epoll" || env === "kqueue" || env === "poll") return env;
  if (env) throw new Error(`BEAGLE_POLLER must be epoll, kqueue or poll (got "${env}")`);
  return PLATFORM === "darwin" ? "kqueue" : "epoll";
}
