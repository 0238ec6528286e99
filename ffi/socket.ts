// BSD sockets through bun:ffi: TCP and UDP over IPv4 and IPv6, non-blocking and
// close-on-exec, for the event loop (runtime/net/) and its pool workers.
//
// Every call returns a plain number: >= 0 on success, -errno on failure (like
// ffi/fd.ts readFd), so the hot paths never allocate an exception. EINTR is
// retried everywhere. SIGPIPE never fires: sends pass MSG_NOSIGNAL (Linux) or
// the socket has SO_NOSIGPIPE (macOS).
//
// Addresses are { host, port } with a numeric host ("127.0.0.1", "::1");
// names are resolved with getaddrinfo() (resolve(), blocking: call it off the
// loop thread, see runtime/net/resolver.ts).
import { dlopen, read, toArrayBuffer, type FFIFunction, type Pointer } from "bun:ffi";
import { PLATFORM, SYS } from "./constants.ts";
import { errno, libc } from "./libc.ts";
import { setNonBlocking } from "./fd.ts";

const LINUX_NET = {
  AF_INET: 2,
  AF_INET6: 10,
  SOL_SOCKET: 1,
  SO_REUSEADDR: 2,
  SO_ERROR: 4,
  SO_SNDBUF: 7,
  SO_RCVBUF: 8,
  SO_REUSEPORT: 15,
  SO_NOSIGPIPE: 0,
  IPPROTO_TCP: 6,
  TCP_NODELAY: 1,
  IPPROTO_IPV6: 41,
  IPV6_V6ONLY: 26,
  MSG_NOSIGNAL: 0x4000,
  SHUT_RD: 0,
  SHUT_WR: 1,
  SHUT_RDWR: 2,
};

const DARWIN_NET: typeof LINUX_NET = {
  AF_INET: 2,
  AF_INET6: 30,
  SOL_SOCKET: 0xffff,
  SO_REUSEADDR: 0x4,
  SO_ERROR: 0x1007,
  SO_SNDBUF: 0x1001,
  SO_RCVBUF: 0x1002,
  SO_REUSEPORT: 0x200,
  SO_NOSIGPIPE: 0x1022,
  IPPROTO_TCP: 6,
  TCP_NODELAY: 1,
  IPPROTO_IPV6: 41,
  IPV6_V6ONLY: 27,
  MSG_NOSIGNAL: 0,
  SHUT_RD: 0,
  SHUT_WR: 1,
  SHUT_RDWR: 2,
};

export const NET = PLATFORM === "darwin" ? DARWIN_NET : LINUX_NET;

const EINTR = 4;

const SYMBOLS = {
  socket: { args: ["i32", "i32", "i32"], returns: "i32" },
  bind: { args: ["i32", "ptr", "u32"], returns: "i32" },
  listen: { args: ["i32", "i32"], returns: "i32" },
  accept: { args: ["i32", "ptr", "ptr"], returns: "i32" },
  connect: { args: ["i32", "ptr", "u32"], returns: "i32" },
  recv: { args: ["i32", "ptr", "u64", "i32"], returns: "i64_fast" },
  send: { args: ["i32", "ptr", "u64", "i32"], returns: "i64_fast" },
  recvfrom: { args: ["i32", "ptr", "u64", "i32", "ptr", "ptr"], returns: "i64_fast" },
  sendto: { args: ["i32", "ptr", "u64", "i32", "ptr", "u32"], returns: "i64_fast" },
  shutdown: { args: ["i32", "i32"], returns: "i32" },
  setsockopt: { args: ["i32", "i32", "i32", "ptr", "u32"], returns: "i32" },
  getsockopt: { args: ["i32", "i32", "i32", "ptr", "ptr"], returns: "i32" },
  getsockname: { args: ["i32", "ptr", "ptr"], returns: "i32" },
  getpeername: { args: ["i32", "ptr", "ptr"], returns: "i32" },
  getaddrinfo: { args: ["ptr", "ptr", "ptr", "ptr"], returns: "i32" },
  freeaddrinfo: { args: ["ptr"], returns: "void" },
  gai_strerror: { args: ["i32"], returns: "cstring" },
} as const;

const LINUX_ONLY = { accept4: { args: ["i32", "ptr", "ptr", "i32"], returns: "i32" } } as const;

function open() {
  const paths =
    PLATFORM === "darwin"
      ? ["/usr/lib/libSystem.B.dylib", "libSystem.B.dylib"]
      : ["libc.so.6", "libc.musl-x86_64.so.1", "libc.musl-aarch64.so.1", "libc.so"];
  let last: unknown;
  for (const p of paths) {
    try {
      const table = (PLATFORM === "darwin" ? SYMBOLS : { ...SYMBOLS, ...LINUX_ONLY }) as unknown as Record<
        string,
        FFIFunction
      >;
      // biome-ignore lint/suspicious/noExplicitAny: the symbol table differs per platform (accept4)
      return dlopen(p, table).symbols as any;
    } catch (e) {
      last = e;
    }
  }
  throw new Error(`cannot dlopen libc for sockets: ${String(last)}`);
}

const sym = open();

// ------------------------------------------------------------------ addresses

export interface SockAddr {
  host: string;
  port: number;
}

/** 4 for a dotted IPv4 literal, 6 for an IPv6 literal, 0 otherwise. */
export function ipVersion(host: string): 0 | 4 | 6 {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) return host.split(".").every((p) => Number(p) <= 255) ? 4 : 0;
  if (host.includes(":") && parseIpv6(host.replace(/^\[|\]$/g, "")) !== null) return 6;
  return 0;
}

function parseIpv6(h: string): Uint8Array | null {
  let s = h;
  const pct = s.indexOf("%");
  if (pct >= 0) s = s.slice(0, pct); // scope ids are not supported; the address part still parses
  let tail4: number[] = [];
  const m = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(s);
  if (m) {
    tail4 = m[1]!.split(".").map(Number);
    if (tail4.some((p) => p > 255)) return null;
    s = `${s.slice(0, m.index)}0:0`;
  }
  const dbl = s.split("::");
  if (dbl.length > 2) return null;
  const part = (x: string) => (x === "" ? [] : x.split(":"));
  const head = part(dbl[0]!);
  const rest = dbl.length === 2 ? part(dbl[1]!) : [];
  const fill = 8 - head.length - rest.length;
  if (dbl.length === 1 ? fill !== 0 : fill < 1) return null;
  const groups = [...head, ...Array(dbl.length === 2 ? fill : 0).fill("0"), ...rest];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const g = groups[i]!;
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    const v = Number.parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  }
  if (m) out.set(tail4, 12);
  return out;
}

function formatIpv6(b: Uint8Array): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[2 * i]! << 8) | b[2 * i + 1]!);
  // longest run of zero groups (length >= 2) becomes "::"
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(":");
  if (best < 0) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

export const SOCKADDR_MAX = 128;

/** Encode a numeric address as a sockaddr_in / sockaddr_in6; null if the host is not numeric. */
export function encodeAddr(host: string, port: number): { family: number; buf: Uint8Array; len: number } | null {
  const v = ipVersion(host);
  if (v === 0) return null;
  const buf = new Uint8Array(v === 4 ? 16 : 28);
  const dv = new DataView(buf.buffer);
  const family = v === 4 ? NET.AF_INET : NET.AF_INET6;
  if (PLATFORM === "darwin") {
    buf[0] = buf.length;
    buf[1] = family;
  } else dv.setUint16(0, family, true);
  dv.setUint16(2, port, false);
  if (v === 4) buf.set(host.split(".").map(Number), 4);
  else buf.set(parseIpv6(host.replace(/^\[|\]$/g, ""))!, 8);
  return { family, buf, len: buf.length };
}

/** Decode a sockaddr (IPv4/IPv6) into host and port. */
export function decodeAddr(buf: Uint8Array): SockAddr {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const family = PLATFORM === "darwin" ? buf[1]! : dv.getUint16(0, true);
  const port = dv.getUint16(2, false);
  if (family === NET.AF_INET) return { host: Array.from(buf.subarray(4, 8)).join("."), port };
  if (family === NET.AF_INET6) {
    const a = buf.subarray(8, 24);
    // IPv4-mapped (::ffff:a.b.c.d) reads as the IPv4 address
    if (a.subarray(0, 10).every((x) => x === 0) && a[10] === 0xff && a[11] === 0xff)
      return { host: Array.from(a.subarray(12)).join("."), port };
    return { host: formatIpv6(a), port };
  }
  return { host: "", port: 0 };
}

// ------------------------------------------------------------------ calls

function retry(f: () => number): number {
  for (;;) {
    const r = f();
    if (r >= 0) return r;
    const e = errno();
    if (e !== EINTR) return -e;
  }
}

const intBuf = new Int32Array(1);
const lenBuf = new Uint32Array(1);

/** setsockopt(fd, level, name, int value). */
export function setIntOpt(fd: number, level: number, name: number, value: number): number {
  intBuf[0] = value;
  return retry(() => sym.setsockopt(fd, level, name, intBuf, 4));
}

/** getsockopt(fd, level, name) as an int, or -errno. */
export function getIntOpt(fd: number, level: number, name: number): number {
  intBuf[0] = 0;
  lenBuf[0] = 4;
  const r = retry(() => sym.getsockopt(fd, level, name, intBuf, lenBuf));
  return r < 0 ? r : intBuf[0]!;
}

/** A non-blocking, close-on-exec socket (SOCK_STREAM or SOCK_DGRAM) of `family`, or -errno. */
export function openSocket(family: number, type: number): number {
  const linuxFlags = PLATFORM === "darwin" ? 0 : SYS.SOCK_NONBLOCK | SYS.SOCK_CLOEXEC;
  const fd = retry(() => sym.socket(family, type | linuxFlags, 0));
  if (fd < 0) return fd;
  if (PLATFORM === "darwin") {
    libc.fcntl(fd, SYS.F_SETFD, SYS.FD_CLOEXEC);
    setNonBlocking(fd, true);
    setIntOpt(fd, NET.SOL_SOCKET, NET.SO_NOSIGPIPE, 1);
  }
  return fd;
}

export function bindFd(fd: number, addr: Uint8Array): number {
  return retry(() => sym.bind(fd, addr, addr.length));
}

export function listenFd(fd: number, backlog: number): number {
  return retry(() => sym.listen(fd, backlog));
}

/**
 * connect(2) on a non-blocking socket: 0 when connected at once, -EINPROGRESS
 * while under way (wait for writable, then read SO_ERROR), else -errno.
 */
export function connectFd(fd: number, addr: Uint8Array): number {
  const r = sym.connect(fd, addr, addr.length);
  if (r >= 0) return 0;
  const e = errno();
  // an interrupted connect continues in the background, like EINPROGRESS
  if (e === EINTR) return -(PLATFORM === "darwin" ? 36 : 115);
  return -e;
}

/** The pending error of a socket (SO_ERROR): 0 when a connect succeeded. */
export function socketError(fd: number): number {
  const r = getIntOpt(fd, NET.SOL_SOCKET, NET.SO_ERROR);
  return r < 0 ? -r : r;
}

/** accept a connection: a non-blocking, close-on-exec fd, or -errno (-EAGAIN when none waits). */
export function acceptFd(fd: number): number {
  if (sym.accept4) return retry(() => sym.accept4(fd, null, null, SYS.SOCK_NONBLOCK | SYS.SOCK_CLOEXEC));
  const c = retry(() => sym.accept(fd, null, null));
  if (c < 0) return c;
  libc.fcntl(c, SYS.F_SETFD, SYS.FD_CLOEXEC);
  setNonBlocking(c, true);
  setIntOpt(c, NET.SOL_SOCKET, NET.SO_NOSIGPIPE, 1);
  return c;
}

/** recv into buf[0, len): bytes read (0 = EOF) or -errno. */
export function recvFd(fd: number, buf: Uint8Array, len = buf.byteLength): number {
  return retry(() => sym.recv(fd, buf, len, 0));
}

/** send buf[0, len) without SIGPIPE: bytes sent (maybe fewer) or -errno. */
export function sendFd(fd: number, buf: Uint8Array, len = buf.byteLength): number {
  return retry(() => sym.send(fd, buf, len, NET.MSG_NOSIGNAL));
}

const addrBuf = new Uint8Array(SOCKADDR_MAX);

/** recvfrom into buf: [bytes, sender] or [-errno, null]. */
export function recvFromFd(fd: number, buf: Uint8Array, len = buf.byteLength): [number, SockAddr | null] {
  lenBuf[0] = SOCKADDR_MAX;
  const n = retry(() => sym.recvfrom(fd, buf, len, 0, addrBuf, lenBuf));
  if (n < 0) return [n, null];
  return [n, decodeAddr(addrBuf.subarray(0, lenBuf[0]!))];
}

export function sendToFd(fd: number, buf: Uint8Array, addr: Uint8Array, len = buf.byteLength): number {
  return retry(() => sym.sendto(fd, buf, len, NET.MSG_NOSIGNAL, addr, addr.length));
}

export function shutdownFd(fd: number, how: number): number {
  return retry(() => sym.shutdown(fd, how));
}

function nameOf(f: (fd: number, a: Uint8Array, l: Uint32Array) => number, fd: number): SockAddr | number {
  lenBuf[0] = SOCKADDR_MAX;
  const r = retry(() => f(fd, addrBuf, lenBuf));
  if (r < 0) return r;
  return decodeAddr(addrBuf.subarray(0, lenBuf[0]!));
}

/** The local address of a socket, or -errno. */
export function sockName(fd: number): SockAddr | number {
  return nameOf(sym.getsockname, fd);
}

/** The peer address of a connected socket, or -errno (-ENOTCONN). */
export function peerName(fd: number): SockAddr | number {
  return nameOf(sym.getpeername, fd);
}

// ------------------------------------------------------------------ getaddrinfo

export interface Resolved {
  ok: boolean;
  /** numeric hosts, in the resolver's order, without duplicates */
  hosts: string[];
  /** getaddrinfo's message when !ok */
  message: string;
}

/** The numeric addresses of `host` (blocking getaddrinfo). */
export function resolve(host: string, socktype: number = SYS.SOCK_STREAM): Resolved {
  const hints = new Uint8Array(64);
  const dv = new DataView(hints.buffer);
  dv.setInt32(8, socktype, true);
  const out = new BigUint64Array(1);
  const enc = Buffer.from(`${host}\0`);
  const rc = sym.getaddrinfo(enc, null, hints, out);
  if (rc !== 0) return { ok: false, hosts: [], message: String(sym.gai_strerror(rc)) };
  const hosts: string[] = [];
  const head = Number(out[0]!) as Pointer;
  // struct addrinfo: flags, family, socktype, protocol (4 x i32), addrlen (u32 + pad),
  // then Linux: addr, canonname, next; BSD: canonname, addr, next
  const addrOff = PLATFORM === "darwin" ? 32 : 24;
  let p: Pointer | null = head;
  let guard = 0;
  while (p && guard++ < 256) {
    const alen = read.u32(p, 16);
    const ap = read.ptr(p, addrOff) as Pointer;
    if (ap && alen > 0) {
      const a = decodeAddr(new Uint8Array(toArrayBuffer(ap, 0, alen)).slice());
      if (a.host && !hosts.includes(a.host)) hosts.push(a.host);
    }
    p = read.ptr(p, 40) as Pointer | null;
  }
  sym.freeaddrinfo(head);
  return { ok: true, hosts, message: "" };
}
