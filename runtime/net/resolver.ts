// Host-name resolution off the loop thread. getaddrinfo() blocks (DNS, files,
// NSS), so the evented path hands it to a resolver Worker: each lookup gets a
// socket pair; the Worker runs getaddrinfo, sends the answer down its end
// (MSG_NOSIGNAL: a cancelled lookup whose reader is gone raises no SIGPIPE) and
// closes it; the loop watches our end like any socket, so a lookup parks only
// its own task. The Worker is created on first use from inline source (no
// extra entry point for single-file executables) and never keeps the process
// alive (unref). Numeric hosts and "localhost" never get here (tcp.ts
// numericHosts).
import { SYS } from "../../ffi/constants.ts";
import { closeFd, makeSocketPair, readFd } from "../../ffi/fd.ts";
import { decodeAddr, resolve } from "../../ffi/socket.ts";
import { READABLE } from "../poller.ts";
import { EAGAIN } from "./tcp.ts";

/** What the loop lends a lookup: one fd watch (vm/async/io-ops.ts IoContext.watchFd). */
export interface WatchFd {
  watchFd(fd: number, interest: number, ready: () => void): () => void;
  addTimer(ms: number, fire: () => void): () => void;
}

/** A lookup the Worker never answers (it could not start) fails after this long instead of parking forever. */
export const RESOLVE_TIMEOUT_MS = 60_000;

/** Numeric addresses of `host`, or an error text (blocking: BlockingHandler, listen). */
export function resolveBlocking(host: string): string[] | string {
  const r = resolve(host);
  if (!r.ok) return `cannot resolve ${host}: ${r.message}`;
  if (r.hosts.length === 0) return `cannot resolve ${host}: no addresses`;
  return r.hosts;
}

// The Worker's whole program: only bun:ffi, no imports of ours (so it also runs
// inside a `beagle build` executable, where our sources are not files). It
// answers { ok, message, addrs: [sockaddr bytes...] }; the loop thread decodes.
const WORKER_SOURCE = `
import { dlopen, read, toArrayBuffer } from "bun:ffi";
const darwin = ${JSON.stringify(process.platform === "darwin")};
const paths = darwin ? ["/usr/lib/libSystem.B.dylib"] : ["libc.so.6", "libc.musl-x86_64.so.1", "libc.musl-aarch64.so.1", "libc.so"];
let lib = null;
for (const p of paths) {
  try {
    lib = dlopen(p, {
      getaddrinfo: { args: ["ptr", "ptr", "ptr", "ptr"], returns: "i32" },
      freeaddrinfo: { args: ["ptr"], returns: "void" },
      gai_strerror: { args: ["i32"], returns: "cstring" },
      send: { args: ["i32", "ptr", "u64", "i32"], returns: "i64" },
      close: { args: ["i32"], returns: "i32" },
    }).symbols;
    break;
  } catch {}
}
const NOSIGNAL = darwin ? 0 : 0x4000;
function lookup(host) {
  const hints = new Uint8Array(64);
  new DataView(hints.buffer).setInt32(8, 1, true); // SOCK_STREAM
  const out = new BigUint64Array(1);
  const rc = lib.getaddrinfo(Buffer.from(host + "\\0"), null, hints, out);
  if (rc !== 0) return { ok: false, message: String(lib.gai_strerror(rc)), addrs: [] };
  const head = Number(out[0]);
  const addrs = [];
  // struct addrinfo: 4 x i32, addrlen at 16, then Linux: addr, canonname, next; BSD: canonname, addr, next
  const addrOff = darwin ? 32 : 24;
  let p = head;
  for (let guard = 0; p && guard < 256; guard++) {
    const alen = read.u32(p, 16);
    const ap = read.ptr(p, addrOff);
    if (ap && alen > 0) addrs.push(Array.from(new Uint8Array(toArrayBuffer(ap, 0, alen))));
    p = read.ptr(p, 40);
  }
  lib.freeaddrinfo(head);
  return { ok: true, message: "", addrs };
}
self.onmessage = (m) => {
  const { host, fd } = m.data;
  let answer;
  try {
    answer = lib ? lookup(host) : { ok: false, message: "cannot load libc in the resolver", addrs: [] };
  } catch (e) {
    answer = { ok: false, message: String(e), addrs: [] };
  }
  const bytes = new TextEncoder().encode(JSON.stringify(answer));
  if (lib) {
    lib.send(fd, bytes, bytes.length, NOSIGNAL);
    lib.close(fd);
  }
};
`;

let worker: Worker | null = null;

function getWorker(): Worker {
  if (worker) return worker;
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "application/javascript" }));
  worker = new Worker(url);
  worker.unref();
  return worker;
}

/**
 * Resolve `host` on the resolver Worker; `done` gets the numeric addresses or
 * an error text, on the loop thread. Returns a cancel function.
 */
export function resolveOffLoop(host: string, io: WatchFd, done: (r: string[] | string) => void): () => void {
  let ours: number;
  let theirs: number;
  try {
    [ours, theirs] = makeSocketPair(true, SYS.SOCK_STREAM);
  } catch (e) {
    done(`cannot resolve ${host}: ${e instanceof Error ? e.message : String(e)}`);
    return () => {};
  }
  let over = false;
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(4096);
  const finish = () => {
    over = true;
    release();
    cancelTimer();
    closeFd(ours);
  };
  const cancelTimer = io.addTimer(RESOLVE_TIMEOUT_MS, () => {
    if (over) return;
    finish();
    done(`cannot resolve ${host}: no answer from the resolver in ${RESOLVE_TIMEOUT_MS / 1000} s`);
  });
  const release = io.watchFd(ours, READABLE, () => {
    for (;;) {
      const n = readFd(ours, buf);
      if (n === -EAGAIN) return;
      if (n > 0) {
        chunks.push(buf.slice(0, n));
        continue;
      }
      finish();
      if (n < 0) return done(`cannot resolve ${host}: resolver failed`);
      try {
        const text = new TextDecoder().decode(Buffer.concat(chunks));
        const r = JSON.parse(text) as { ok: boolean; addrs: number[][]; message: string };
        if (!r.ok) return done(`cannot resolve ${host}: ${r.message}`);
        const hosts: string[] = [];
        for (const a of r.addrs) {
          const h = decodeAddr(Uint8Array.from(a)).host;
          if (h && !hosts.includes(h)) hosts.push(h);
        }
        if (hosts.length === 0) return done(`cannot resolve ${host}: no addresses`);
        return done(hosts);
      } catch {
        return done(`cannot resolve ${host}: resolver failed`);
      }
    }
  });
  try {
    getWorker().postMessage({ host, fd: theirs });
  } catch (e) {
    finish();
    closeFd(theirs);
    done(`cannot resolve ${host}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return () => {
    if (!over) finish();
  };
}
