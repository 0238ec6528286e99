// TCP and UDP for Beagle: the registered I/O operations (vm/async/io-ops.ts)
// behind beagle.socket and beagle.udp, the `core/tcp-*`, `core/udp-*` and
// event-loop builtins, and the `core/__bytes-*` helpers of vm/bytes.ts.
//
// A socket is known to Beagle by an Int id (never the fd: a stale id after
// close fails cleanly instead of touching a reused fd). Each open socket is a
// Conn holding its fd and the operations waiting on it; all waiters of one fd
// share one poller watch whose interest is the union of theirs, so a task can
// read while another writes on the same socket.
//
// Results: every operation completes with Result.Ok { value } or
// Result.Err { error: Error.IO { message } }, the message in upstream's words
// plus the errno ("Connect failed: Connection refused (ECONNREFUSED, os error
// 111)"); beagle.socket throws the message in the task that asked, as upstream.
//
// Handlers: EventLoopHandler tries the call at once and parks on readiness
// only on EAGAIN. BlockingHandler loops on poll(2) for the one fd.
// ThreadedHandler uses the evented path too (see docs/networking.md: a
// blocking recv on a pool worker would pin a worker per idle connection).
import { ERRNO } from "../ffi/errno.ts";
import { closeFd } from "../ffi/fd.ts";
import {
  NET,
  acceptFd,
  encodeAddr,
  ipVersion,
  peerName,
  recvFd,
  recvFromFd,
  sendFd,
  sendToFd,
  shutdownFd,
  sockName,
  socketError,
} from "../ffi/socket.ts";
import {
  EAGAIN,
  bindUdp,
  describeErrno,
  listenTcp,
  numericHosts,
  setNoDelay,
  startConnect,
  waitFd,
} from "../runtime/net/tcp.ts";
import { resolveBlocking, resolveOffLoop } from "../runtime/net/resolver.ts";
import { READABLE, WRITABLE } from "../runtime/poller.ts";
import { eventLoopCreate, eventLoopWake, type LoopHandle } from "../runtime/eventloop-builtins.ts";
import { cpuCount } from "../runtime/cpu.ts";
import {
  type Abort,
  type Complete,
  type FdReadiness,
  type IoContext,
  type IoOp,
  ioOp as ioOpOf,
  registerIoOp,
} from "./async/io-ops.ts";
import { err, errorValue, isOk as isOkResult, ok } from "./core-types.ts";
import { PersistentVector } from "./collections/vector.ts";
import { BeagleRuntimeError, typeError } from "./errors.ts";
import { Struct, type Value } from "./values.ts";
import { type VM, writeAll } from "./vm.ts";
import {
  byteAt,
  byteConcat,
  byteLength,
  byteSlice,
  bytesToString,
  byteValues,
  fromByteValues,
  indexByte,
  stringToBytes,
} from "./bytes.ts";

const EMFILE = ERRNO.EMFILE!;
const ENFILE = ERRNO.ENFILE!;
const ECONNABORTED = ERRNO.ECONNABORTED!;
const EBADF = ERRNO.EBADF!;
const EINVAL = ERRNO.EINVAL!;

type Kind = "tcp" | "listener" | "udp";

interface Waiter {
  interest: number;
  /** Try again now that the fd may be ready; `closed`: the socket was closed under it. */
  fire(closed: boolean): void;
}

class Conn {
  closed = false;
  waiters: Waiter[] = [];
  watchRelease: Abort | null = null;
  watchInterest = 0;
  io: IoContext | null = null;
  /** the last recv returned less than asked: the socket is empty until the poller says readable */
  drained = false;
  /** the write that has started sending and not finished (writes go out whole, in turn) */
  writer: object | null = null;
  constructor(
    readonly id: number,
    readonly fd: number,
    readonly kind: Kind,
    readonly v6: boolean,
  ) {}
}

const conns = new Map<number, Conn>();
let nextId = 1;

function addConn(fd: number, kind: Kind, v6: boolean): Conn {
  const c = new Conn(nextId++, fd, kind, v6);
  conns.set(c.id, c);
  return c;
}

/** Open sockets (leak checks in tests). */
export function openSocketCount(): number {
  return conns.size;
}

function ioError(message: string): Value {
  return err(errorValue("IO", { message }));
}

function fail(what: string, e: number): Value {
  return ioError(`${what} failed: ${describeErrno(e)}`);
}

function lookup(id: Value, kind: Kind): Conn | null {
  const c = typeof id === "number" ? conns.get(id) : undefined;
  if (!c || c.closed || c.kind !== kind) return null;
  return c;
}

function closedError(what: string): Value {
  return ioError(`${what} failed: socket is closed (EBADF, os error ${EBADF})`);
}

// ------------------------------------------------------------------ readiness

// A watch outlives the operation that made it: after a completion the fd stays
// registered (an echo's next read then costs no epoll_ctl). The first event
// that no waiter wants ends it, so an fd nobody waits on cannot spin the loop.

function releaseWatch(c: Conn): void {
  if (c.watchRelease) {
    c.watchRelease();
    c.watchRelease = null;
  }
  c.watchInterest = 0;
}

/** Make the watch match the waiters; `lazy`: keep a watch that covers them (or that nobody needs yet). */
function syncWatch(c: Conn, lazy = false): void {
  let want = 0;
  for (const w of c.waiters) want |= w.interest;
  if (want === c.watchInterest) return;
  if (lazy && (want & ~c.watchInterest) === 0) return;
  releaseWatch(c);
  c.watchInterest = want;
  if (want !== 0) c.watchRelease = c.io!.watchFd(c.fd, want, (ev) => dispatch(c, ev));
}

function dispatch(c: Conn, ev: FdReadiness): void {
  const any = ev.hangup || ev.error;
  if (ev.readable || any) c.drained = false;
  let wanted = false;
  for (const w of c.waiters.slice()) {
    if (any || (w.interest & READABLE && ev.readable) || (w.interest & WRITABLE && ev.writable)) {
      wanted = true;
      w.fire(false);
    }
  }
  if (c.closed) return;
  if (!wanted && c.waiters.length === 0) releaseWatch(c);
  else syncWatch(c, wanted);
}

interface Parked {
  /** the operation finished: forget the waiter, keep the watch for the next one */
  done(): void;
  /** the operation was abandoned: forget the waiter and release what only it needed */
  abort: Abort;
}

/** Park `fire` until `c` is ready for `interest`. */
function await_(c: Conn, io: IoContext, interest: number, fire: (closed: boolean) => void): Parked {
  if (c.io !== io) {
    // the socket moves to another loop (a core/event-loop-create loop): its old watch goes
    releaseWatch(c);
    c.io = io;
  }
  const w: Waiter = { interest, fire };
  c.waiters.push(w);
  syncWatch(c, true);
  const remove = (): boolean => {
    const i = c.waiters.indexOf(w);
    if (i < 0) return false;
    c.waiters.splice(i, 1);
    return true;
  };
  return {
    done: () => {
      remove();
    },
    abort: () => {
      if (remove() && !c.closed) syncWatch(c);
    },
  };
}

/**
 * The evented shape shared by every operation: `attempt()` does the call and
 * returns a result, or undefined on EAGAIN (then wait for `interest` and retry).
 */
function evented(
  c: Conn,
  io: IoContext,
  interest: number,
  what: string,
  attempt: () => Value | undefined,
  complete: Complete,
  justTried = false,
): Abort {
  // justTried: the caller's fast path just got EAGAIN; go straight to waiting
  const first = justTried ? undefined : attempt();
  if (first !== undefined) {
    complete(first);
    return () => {};
  }
  const parked = await_(c, io, interest, (closed) => {
    const r = closed ? closedError(what) : attempt();
    if (r === undefined) return;
    parked.done();
    complete(r);
  });
  return parked.abort;
}

/** The blocking shape: retry `attempt` after poll(2) says the fd is ready. */
function blocking(c: Conn, interest: number, attempt: () => Value | undefined): Value {
  for (;;) {
    const r = attempt();
    if (r !== undefined) return r;
    waitFd(c.fd, interest);
  }
}

// ------------------------------------------------------------------ attempts

let scratch = new Uint8Array(64 * 1024);
function scratchOf(n: number): Uint8Array {
  if (scratch.length < n) scratch = new Uint8Array(Math.min(n, 16 * 1024 * 1024));
  return scratch;
}

function readCount(n: Value): number {
  const k = typeof n === "number" ? n : Number(n);
  if (!Number.isInteger(k) || k < 1) typeError(`socket read size must be a positive Int, got ${String(n)}`);
  return k;
}

// The last string a read produced and its bytes: an echo writes back exactly
// that string, and then its bytes need no encoding (binary data is the slow case).
let lastReadString = "";
let lastReadBytes = new Uint8Array(0);

function decodeRead(buf: Uint8Array, r: number): string {
  const s = bytesToString(buf.subarray(0, r));
  if (r >= 256) {
    lastReadString = s;
    lastReadBytes = buf.slice(0, r);
  }
  return s;
}

function readAttempt(c: Conn, n: number): () => Value | undefined {
  return () => {
    if (c.closed) return closedError("Read");
    const buf = scratchOf(n);
    const want = Math.min(n, buf.length);
    const r = recvFd(c.fd, buf, want);
    c.drained = r > 0 && r < want;
    if (r >= 0) return ok(decodeRead(buf, r));
    if (r === -EAGAIN) return undefined;
    return fail("Read", -r);
  };
}

// The last large string the write fast path encoded: when it could not send all of it, the
// write op that sends the rest gets the same string and needs no second encoding.
let lastWriteString = "";
let lastWriteBytes: Uint8Array = new Uint8Array(0);

function dataBytes(data: Value): Uint8Array {
  if (typeof data !== "string") typeError(`socket write expects a String, got ${data === null ? "null" : typeof data}`);
  if (data.length >= 256) {
    if (data === lastReadString) return lastReadBytes;
    if (data === lastWriteString) return lastWriteBytes;
  }
  return stringToBytes(data);
}

function startOffset(from: Value | undefined, bytes: Uint8Array): number {
  const k = typeof from === "number" ? from : 0;
  return Number.isInteger(k) && k > 0 ? Math.min(k, bytes.length) : 0;
}

/**
 * One write's attempts. Writes on a socket go out one after another: a write
 * that has sent part of its bytes holds `c.writer` until all are sent (or it
 * fails or is abandoned), so a second task's bytes never land in the middle.
 */
function writeAttempt(
  c: Conn,
  bytes: Uint8Array,
  inTurn = true,
  from = 0,
): { attempt: () => Value | undefined; abandon(): void } {
  let off = from;
  const me = {};
  const finish = (r: Value): Value => {
    if (c.writer === me) c.writer = null;
    return r;
  };
  return {
    attempt: () => {
      if (c.closed) return finish(closedError("Write"));
      // wait for the write in progress (not when blocking the thread: nothing else could finish it)
      if (inTurn && c.writer !== null && c.writer !== me) return undefined;
      c.writer = me;
      while (off < bytes.length) {
        const r = sendFd(c.fd, bytes.subarray(off));
        if (r > 0) off += r;
        else if (r === -EAGAIN) return undefined;
        else return finish(fail("Write", -r));
      }
      return finish(ok(bytes.length));
    },
    abandon: () => {
      if (c.writer === me) c.writer = null;
    },
  };
}

function acceptAttempt(l: Conn): () => Value | undefined {
  return () => {
    if (l.closed) return closedError("Accept");
    for (;;) {
      const fd = acceptFd(l.fd);
      if (fd >= 0) {
        setNoDelay(fd);
        return ok(addConn(fd, "tcp", l.v6).id);
      }
      if (fd === -EAGAIN) return undefined;
      if (fd === -ECONNABORTED) continue; // the client gave up before we took it
      return fail("Accept", -fd);
    }
  };
}

/** Bytes of the largest datagram we can receive (UDP over IPv4/IPv6 without jumbograms). */
const MAX_DATAGRAM = 65536;

function recvFromAttempt(c: Conn, n: number): () => Value | undefined {
  return () => {
    if (c.closed) return closedError("Receive");
    const buf = scratchOf(MAX_DATAGRAM);
    const [r, from] = recvFromFd(c.fd, buf, MAX_DATAGRAM);
    if (r >= 0) {
      const keep = Math.min(r, n);
      const data = bytesToString(buf.subarray(0, keep));
      return ok(PersistentVector.from([data, from!.host, from!.port, r > n, r]));
    }
    if (r === -EAGAIN) return undefined;
    return fail("Receive", -r);
  };
}

function sendToAttempt(c: Conn, bytes: Uint8Array, addr: Uint8Array): () => Value | undefined {
  return () => {
    if (c.closed) return closedError("Send");
    const r = sendToFd(c.fd, bytes, addr);
    if (r >= 0) return ok(r);
    if (r === -EAGAIN) return undefined;
    return fail("Send", -r);
  };
}

// ------------------------------------------------------------------ connect

/** Connect to the first of `hosts` that accepts; `done` gets ok(id) or the last error. */
function connectHosts(hosts: string[], port: number, io: IoContext, done: Complete): Abort {
  let i = 0;
  let lastErr = ERRNO.ECONNREFUSED!;
  let stop: Abort = () => {};
  let over = false;
  const next = (): void => {
    while (!over && i < hosts.length) {
      const host = hosts[i++]!;
      const s = startConnect(host, port);
      if (s.fd < 0) {
        lastErr = -s.fd;
        continue;
      }
      const c = addConn(s.fd, "tcp", ipVersion(host) === 6);
      const finish = (): boolean => {
        const e = socketError(c.fd);
        if (e === 0) {
          setNoDelay(c.fd);
          over = true;
          done(ok(c.id));
          return true;
        }
        lastErr = e;
        closeConn(c);
        return false;
      };
      if (!s.pending) {
        if (finish()) return;
        continue;
      }
      const parked = await_(c, io, WRITABLE, () => {
        parked.abort();
        if (!finish()) next();
      });
      stop = () => {
        parked.abort();
        closeConn(c);
      };
      return;
    }
    if (!over) {
      over = true;
      done(fail("Connect", lastErr));
    }
  };
  next();
  return () => {
    if (over) return;
    over = true;
    stop();
  };
}

function connectBlocking(host: string, port: number): Value {
  const hosts = numericHosts(host) ?? resolveBlocking(host);
  if (typeof hosts === "string") return ioError(`Connect failed: ${hosts}`);
  let lastErr = ERRNO.ECONNREFUSED!;
  for (const h of hosts) {
    const s = startConnect(h, port);
    if (s.fd < 0) {
      lastErr = -s.fd;
      continue;
    }
    const c = addConn(s.fd, "tcp", ipVersion(h) === 6);
    if (s.pending) waitFd(c.fd, WRITABLE);
    const e = socketError(c.fd);
    if (e === 0) {
      setNoDelay(c.fd);
      return ok(c.id);
    }
    lastErr = e;
    closeConn(c);
  }
  return fail("Connect", lastErr);
}

function portOf(p: Value): number {
  const n = typeof p === "number" ? p : Number(p);
  if (!Number.isInteger(n) || n < 0 || n > 65535) typeError(`port must be an Int 0..65535, got ${String(p)}`);
  return n;
}

// ------------------------------------------------------------------ close

function closeConn(c: Conn): void {
  if (c.closed) return;
  c.closed = true;
  conns.delete(c.id);
  if (c.watchRelease) {
    c.watchRelease();
    c.watchRelease = null;
  }
  c.watchInterest = 0;
  const ws = c.waiters;
  c.waiters = [];
  for (const w of ws) w.fire(true);
  closeFd(c.fd);
}

// ------------------------------------------------------------------ registration

const WHAT: Record<string, string> = {
  "tcp-connect": "Connect",
  "tcp-accept": "Accept",
  "tcp-read": "Read",
  "tcp-write": "Write",
  "udp-send-to": "Send",
  "udp-recv-from": "Receive",
};

/**
 * Register an op whose bad arguments (a TypeError raised while starting it)
 * come back as its failure, so they are thrown in the task that asked (the
 * handler runs the op outside the task's try/catch).
 */
function registerNetOp(kind: string, op: IoOp): void {
  const what = WHAT[kind]!;
  const asFailure = (e: unknown): Value => {
    if (e instanceof BeagleRuntimeError) return ioError(`${what} failed: ${e.kind}: ${e.message}`);
    throw e;
  };
  registerIoOp(kind, {
    blocking: (args) => {
      try {
        return op.blocking(args);
      } catch (e) {
        return asFailure(e);
      }
    },
    evented: (args, complete, io) => {
      try {
        return op.evented(args, complete, io);
      } catch (e) {
        complete(asFailure(e));
        return () => {};
      }
    },
  });
}

function conn(id: Value, kind: Kind): Conn | null {
  return lookup(id, kind);
}

registerNetOp("tcp-connect", {
  blocking: ([host, port]) => connectBlocking(String(host), portOf(port ?? null)),
  evented: ([host, port], complete, io) => {
    const p = portOf(port ?? null);
    const hosts = numericHosts(String(host));
    if (hosts) return connectHosts(hosts, p, io, complete);
    let stop: Abort | null = null;
    let over = false;
    const cancelLookup = resolveOffLoop(String(host), io, (r) => {
      if (over) return;
      if (typeof r === "string") {
        over = true;
        complete(ioError(`Connect failed: ${r}`));
      } else stop = connectHosts(r, p, io, complete);
    });
    return () => {
      over = true;
      cancelLookup();
      stop?.();
    };
  },
});

registerNetOp("tcp-accept", {
  blocking: ([id]) => {
    const l = conn(id ?? null, "listener");
    return l ? blocking(l, READABLE, acceptAttempt(l)) : closedError("Accept");
  },
  evented: ([id], complete, io) => {
    const l = conn(id ?? null, "listener");
    if (!l) {
      complete(closedError("Accept"));
      return () => {};
    }
    return evented(l, io, READABLE, "Accept", acceptAttempt(l), complete);
  },
});

registerNetOp("tcp-read", {
  blocking: ([id, n]) => {
    const c = conn(id ?? null, "tcp");
    return c ? blocking(c, READABLE, readAttempt(c, readCount(n ?? null))) : closedError("Read");
  },
  evented: ([id, n, justTried], complete, io) => {
    const c = conn(id ?? null, "tcp");
    if (!c) {
      complete(closedError("Read"));
      return () => {};
    }
    return evented(c, io, READABLE, "Read", readAttempt(c, readCount(n ?? null)), complete, justTried === true);
  },
});

registerNetOp("tcp-write", {
  // [id, data, from?]: send data's bytes from byte offset `from` (what the fast path left)
  blocking: ([id, data, from]) => {
    const c = conn(id ?? null, "tcp");
    if (!c) return closedError("Write");
    const bytes = dataBytes(data ?? null);
    return blocking(c, WRITABLE, writeAttempt(c, bytes, false, startOffset(from, bytes)).attempt);
  },
  evented: ([id, data, from], complete, io) => {
    const c = conn(id ?? null, "tcp");
    if (!c) {
      complete(closedError("Write"));
      return () => {};
    }
    const bytes = dataBytes(data ?? null);
    const w = writeAttempt(c, bytes, true, startOffset(from, bytes));
    const abort = evented(c, io, WRITABLE, "Write", w.attempt, complete);
    return () => {
      abort();
      w.abandon();
    };
  },
});

function udpTarget(c: Conn, host: Value, port: Value): Uint8Array | string {
  let h = String(host);
  const hosts = numericHosts(h);
  if (!hosts) return `Send failed: host must be a numeric address or localhost, got ${h}`;
  h = c.v6
    ? (hosts.find((x) => ipVersion(x) === 6) ?? `::ffff:${hosts[0]}`)
    : (hosts.find((x) => ipVersion(x) === 4) ?? "");
  const a = encodeAddr(h, portOf(port));
  if (!a) return `Send failed: ${String(host)} is not reachable from this socket's address family (EAFNOSUPPORT)`;
  return a.buf;
}

registerNetOp("udp-send-to", {
  blocking: ([id, data, host, port]) => {
    const c = conn(id ?? null, "udp");
    if (!c) return closedError("Send");
    const addr = udpTarget(c, host ?? null, port ?? null);
    if (typeof addr === "string") return ioError(addr);
    return blocking(c, WRITABLE, sendToAttempt(c, dataBytes(data ?? null), addr));
  },
  evented: ([id, data, host, port], complete, io) => {
    const c = conn(id ?? null, "udp");
    const addr = c ? udpTarget(c, host ?? null, port ?? null) : "";
    if (!c || typeof addr === "string") {
      complete(c ? ioError(addr as string) : closedError("Send"));
      return () => {};
    }
    return evented(c, io, WRITABLE, "Send", sendToAttempt(c, dataBytes(data ?? null), addr), complete);
  },
});

registerNetOp("udp-recv-from", {
  blocking: ([id, n]) => {
    const c = conn(id ?? null, "udp");
    return c ? blocking(c, READABLE, recvFromAttempt(c, readCount(n ?? null))) : closedError("Receive");
  },
  evented: ([id, n], complete, io) => {
    const c = conn(id ?? null, "udp");
    if (!c) {
      complete(closedError("Receive"));
      return () => {};
    }
    return evented(c, io, READABLE, "Receive", recvFromAttempt(c, readCount(n ?? null)), complete);
  },
});

// ------------------------------------------------------------------ builtins

const loops = new Map<number, LoopHandle>();
let nextLoop = 1;

// Upstream's low-level polling API: `tcp-read-async(loop, id, n, 0)` starts the
// operation on that event loop and returns an op id; `event-loop-run-once`
// drives the loop; `tcp-result-pop-for-op-id` tells whether (and how) the op
// finished, `tcp-result-value-for-op-id` / `-data-for-op-id` give its value.
// Type codes as upstream's: 1/2 connect ok/err, 3/4 accept, 5/6 read, 7/8 write;
// ours for UDP: 9/10 send-to, 11/12 recv-from (value: [data, host, port, truncated, size]).
interface OpResult {
  code: number;
  value: Value;
  data: Value;
}

class PollingLoop {
  readonly fdReady = new Map<number, (ev: FdReadiness) => void>();
  readonly results = new Map<number, OpResult>();
  readonly popped = new Map<number, OpResult>();
  nextOp = 1;
  completedSinceRun = 0;
  readonly io: IoContext;
  constructor(readonly h: LoopHandle) {
    this.io = {
      watchFd: (fd, interest, ready) => {
        const id = h.loop.watchFd(fd, interest);
        this.fdReady.set(id, ready);
        return () => {
          if (this.fdReady.delete(id)) h.loop.unwatchFd(id);
        };
      },
      addTimer: (ms, fire) => {
        const id = h.loop.addTimer(ms);
        this.fdReady.set(id, () => fire());
        return () => {
          if (this.fdReady.delete(id)) h.loop.cancelTimer(id);
        };
      },
    };
  }
  start(kind: string, okCode: number, args: Value[]): number {
    const op = this.nextOp++;
    ioOpOf(kind).evented(
      args,
      (r) => {
        const isOk = isOkResult(r);
        const inner = r instanceof Struct ? (r.f[0] ?? null) : null;
        const message = inner instanceof Struct ? (inner.f[0] ?? null) : String(inner);
        this.results.set(
          op,
          isOk ? { code: okCode, value: inner, data: inner } : { code: okCode + 1, value: -1, data: message },
        );
        this.completedSinceRun++;
      },
      this.io,
    );
    return op;
  }
  runOnce(ms: number): number {
    this.completedSinceRun = 0;
    for (const c of this.h.loop.runOnce(this.completedSinceRun > 0 ? 0 : ms)) {
      if (c.kind === "fd") this.fdReady.get(c.id)?.(c);
      else if (c.kind === "timer") {
        const fire = this.fdReady.get(c.id);
        this.fdReady.delete(c.id);
        fire?.({ readable: false, writable: false, hangup: false, error: false });
      }
    }
    return this.completedSinceRun;
  }
  pop(op: number): number {
    const r = this.results.get(op);
    if (!r) return 0;
    this.results.delete(op);
    this.popped.set(op, r);
    if (this.popped.size > 1024) this.popped.delete(this.popped.keys().next().value!);
    return r.code;
  }
}

const polling = new Map<number, PollingLoop>();

function pollingLoop(id: Value): PollingLoop {
  const p = typeof id === "number" ? polling.get(id) : undefined;
  if (!p) typeError(`no event loop ${String(id)} (make one with event-loop-create)`);
  return p;
}

function listenHost(host: Value): string | null {
  const hosts = numericHosts(String(host));
  if (hosts) return hosts[0]!;
  const r = resolveBlocking(String(host));
  return typeof r === "string" ? null : (r[0] ?? null);
}

function addressVector(a: ReturnType<typeof sockName>): Value {
  if (typeof a === "number") return null;
  return PersistentVector.from([a.host, a.port]);
}

function anyConn(id: Value): Conn | null {
  const c = typeof id === "number" ? conns.get(id) : undefined;
  return c && !c.closed ? c : null;
}

/** Define the net builtins in beagle.core. */
export function installNet(vm: VM): void {
  const def = (name: string, fn: (...args: Value[]) => Value) => vm.defineBuiltin("beagle.core", name, fn);

  // -- event loops (upstream's phase 2 names; our scheduler drives its own loop)
  // (pool size optional; upstream's last "future atom" argument of the *-async calls is accepted and ignored)
  const create = (pool: Value = null) => {
    const n = typeof pool === "number" && pool > 0 ? pool : undefined;
    const id = nextLoop++;
    const h = eventLoopCreate({ poolSize: n });
    loops.set(id, h);
    polling.set(id, new PollingLoop(h));
    return id;
  };
  def("event-loop-create", create);
  def("event-loop-create-threaded", create);
  def("event-loop-run-once", (id, ms) => {
    const p = polling.get(id as number);
    return p ? p.runOnce(typeof ms === "number" ? ms : 0) : -1;
  });
  def("event-loop-wake", (id) => {
    const h = loops.get(id as number);
    if (!h) return -1;
    eventLoopWake(h);
    return 1;
  });
  def("event-loop-destroy", (id) => {
    const h = loops.get(id as number);
    if (!h) return -1;
    loops.delete(id as number);
    polling.delete(id as number);
    void h.loop.close();
    return 1;
  });
  def("get-cpu-count", () => cpuCount());

  // -- upstream's op-id API on an event-loop-create loop (see PollingLoop)
  def("tcp-connect-async", (loop, host, port, _legacy: Value = null) =>
    pollingLoop(loop).start("tcp-connect", 1, [host, port]),
  );
  def("tcp-accept-async", (loop, id, _legacy: Value = null) => pollingLoop(loop).start("tcp-accept", 3, [id]));
  def("tcp-read-async", (loop, id, n, _legacy: Value = null) => pollingLoop(loop).start("tcp-read", 5, [id, n]));
  def("tcp-write-async", (loop, id, data, _legacy: Value = null) =>
    pollingLoop(loop).start("tcp-write", 7, [id, data]),
  );
  def("udp-send-to-async", (loop, id, data, host, port) =>
    pollingLoop(loop).start("udp-send-to", 9, [id, data, host, port]),
  );
  def("udp-recv-from-async", (loop, id, n) => pollingLoop(loop).start("udp-recv-from", 11, [id, n]));
  def("tcp-result-pop-for-op-id", (loop, op) => pollingLoop(loop).pop(op as number));
  def("tcp-result-value-for-op-id", (loop, op) => pollingLoop(loop).popped.get(op as number)?.value ?? null);
  def("tcp-result-data-for-op-id", (loop, op) => pollingLoop(loop).popped.get(op as number)?.data ?? null);

  // -- TCP (synchronous parts; the waiting parts are the io ops above)
  def("tcp-listen", (_loop, host, port, backlog) => tcpListen(host, port, backlog, false));
  def("tcp-listen-reuse-port", (_loop, host, port, backlog) => tcpListen(host, port, backlog, true));
  def("tcp-close", (_loop, id) => {
    const c = anyConn(id);
    if (c?.kind !== "tcp") return -1;
    closeConn(c);
    return 1;
  });
  def("tcp-close-listener", (_loop, id) => {
    const c = anyConn(id);
    if (c?.kind !== "listener") return -1;
    closeConn(c);
    return 1;
  });
  // shutdown(2): how = "read" | "write" | "both"; 1, or -errno
  def("tcp-shutdown", (_loop, id, how) => {
    const c = anyConn(id);
    if (c?.kind !== "tcp") return -EBADF;
    const h = how === "read" ? NET.SHUT_RD : how === "both" ? NET.SHUT_RDWR : NET.SHUT_WR;
    const r = shutdownFd(c.fd, h);
    return r < 0 ? r : 1;
  });
  // Ready-I/O fast paths (upstream's): data, "" at EOF, or false = park (not ready, or an error the op reports)
  def("tcp-try-read", (_loop, id, n) => {
    const c = lookup(id, "tcp");
    // drained: a recv now would almost surely be EAGAIN; the io op waits for readiness instead
    if (!c || c.drained || c.waiters.some((w) => w.interest & READABLE)) return false;
    const k = readCount(n);
    const buf = scratchOf(k);
    const want = Math.min(k, buf.length);
    const r = recvFd(c.fd, buf, want);
    c.drained = r > 0 && r < want;
    return r >= 0 ? decodeRead(buf, r) : false;
  });
  // true: all sent; false: nothing sent (park); Int: bytes sent, send the rest with the io op
  def("tcp-try-write", (_loop, id, data) => {
    const c = lookup(id, "tcp");
    if (!c || c.writer !== null) return false;
    const bytes = dataBytes(data);
    if (bytes.length === 0) return true;
    if (bytes.length >= 256) {
      lastWriteString = data as string;
      lastWriteBytes = bytes;
    }
    const r = sendFd(c.fd, bytes);
    if (r === bytes.length) return true;
    return r > 0 ? r : false;
  });
  def("tcp-local-address", (_loop, id) => {
    const c = anyConn(id);
    return c ? addressVector(sockName(c.fd)) : null;
  });
  def("tcp-peer-address", (_loop, id) => {
    const c = anyConn(id);
    return c ? addressVector(peerName(c.fd)) : null;
  });
  def("__net-open-sockets", () => conns.size);
  def("__net-report", (msg) => {
    vm.flush();
    writeAll(2, `${String(msg)}\n`);
    return null;
  });
  def("__net-strerror", (e) => describeErrno(Math.abs(Number(e))));

  // -- UDP
  def("udp-bind", (_loop, host, port) => {
    const h = listenHost(host);
    if (h === null) return -EINVAL;
    const fd = bindUdp(h, portOf(port));
    if (fd < 0) return fd;
    return addConn(fd, "udp", ipVersion(h) === 6).id;
  });
  def("udp-close", (_loop, id) => {
    const c = anyConn(id);
    if (c?.kind !== "udp") return -1;
    closeConn(c);
    return 1;
  });

  // -- bytes in strings (vm/bytes.ts)
  const str = (s: Value, who: string): string => {
    if (typeof s !== "string") typeError(`${who} expects a String`);
    return s;
  };
  const int = (v: Value, d: number): number =>
    typeof v === "number" ? v : v === null || v === undefined ? d : Number(v);
  def("__bytes-length", (s) => byteLength(str(s, "byte-length")));
  def("__bytes-slice", (s, a, b) =>
    byteSlice(str(s, "byte-slice"), int(a, 0), b === null || b === undefined ? undefined : int(b, 0)),
  );
  def("__bytes-at", (s, i) => byteAt(str(s, "byte-at"), int(i, 0)));
  def("__bytes-index", (s, b, from) => indexByte(str(s, "index-byte"), int(b, 0), int(from, 0)));
  def("__bytes-concat", (a, b) => byteConcat(str(a, "byte-concat"), str(b, "byte-concat")));
  def("__bytes-join", (v) => {
    if (!(v instanceof PersistentVector)) typeError("byte-join expects a vector of Strings");
    const parts = v.toArray().map((x) => str(x, "byte-join"));
    if (parts.every((x) => x.isWellFormed())) return parts.join("");
    const bytes = parts.map(stringToBytes);
    const all = new Uint8Array(bytes.reduce((n, b) => n + b.length, 0));
    let o = 0;
    for (const b of bytes) {
      all.set(b, o);
      o += b.length;
    }
    return bytesToString(all);
  });
  def("__bytes-values", (s) => PersistentVector.from(byteValues(str(s, "bytes"))));
  def("__bytes-from-values", (v) => {
    const vals = v instanceof PersistentVector ? v.toArray() : Array.isArray(v) ? v : null;
    if (vals === null) typeError("bytes->string expects a vector of Ints 0..255");
    return fromByteValues(vals.map((x: Value) => Number(x) & 0xff));
  });
}

function tcpListen(host: Value, port: Value, backlog: Value, reusePort: boolean): number {
  const h = listenHost(host);
  if (h === null) return -EINVAL;
  const fd = listenTcp(h, portOf(port), {
    backlog: typeof backlog === "number" && backlog > 0 ? backlog : 1024,
    reusePort,
  });
  if (fd < 0) return fd;
  return addConn(fd, "listener", ipVersion(h) === 6).id;
}

export { EMFILE, ENFILE };
