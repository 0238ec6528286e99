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
import { resolve } from "../../ffi/socket.ts";
import { READABLE } from "../poller.ts";
import { EAGAIN } from "./tcp.ts";

/** What the loop lends a lookup: one fd watch (vm/async/io-ops.ts IoContext.watchFd). */
export interface WatchFd {
  watchFd(fd: number, interest: number, ready: () => void): () => void;
}

/** Numeric addresses of `host`, or an error text (blocking: BlockingHandler, listen). */
export function resolveBlocking(host: string): string[] | string {
  const r = resolve(host);
  if (!r.ok) return `cannot resolve ${host}: ${r.message}`;
  if (r.hosts.length === 0) return `cannot resolve ${host}: no addresses`;
  return r.hosts;
}

// The Worker's whole program. It imports only bun:ffi and ffi/socket.ts (by URL).
const WORKER_SOURCE = (socketModule: string) => `
import { resolve } from ${JSON.stringify(socketModule)};
import { dlopen } from "bun:ffi";
const lib = dlopen(${JSON.stringify(process.platform === "darwin" ? "/usr/lib/libSystem.B.dylib" : "libc.so.6")}, {
  send: { args: ["i32", "ptr", "u64", "i32"], returns: "i64" },
  close: { args: ["i32"], returns: "i32" },
}).symbols;
const NOSIGNAL = ${process.platform === "darwin" ? 0 : 0x4000};
self.onmessage = (m) => {
  const { host, fd } = m.data;
  let answer;
  try { answer = resolve(host); } catch (e) { answer = { ok: false, hosts: [], message: String(e) }; }
  const bytes = new TextEncoder().encode(JSON.stringify(answer));
  lib.send(fd, bytes, bytes.length, NOSIGNAL);
  lib.close(fd);
};
`;

let worker: Worker | null = null;

function getWorker(): Worker {
  if (worker) return worker;
  const mod = new URL("../../ffi/socket.ts", import.meta.url).href;
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE(mod)], { type: "application/javascript" }));
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
    closeFd(ours);
  };
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
        const r = JSON.parse(text) as { ok: boolean; hosts: string[]; message: string };
        if (!r.ok) return done(`cannot resolve ${host}: ${r.message}`);
        if (r.hosts.length === 0) return done(`cannot resolve ${host}: no addresses`);
        return done(r.hosts);
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
