// TCP and UDP sockets above the raw FFI calls: opening a listening, connecting
// or datagram socket for a numeric address with the options we always want,
// and waiting for one fd on this thread (the BlockingHandler's way). No Beagle
// values here: results are fds, -errno numbers and plain objects.
import { SYS } from "../../ffi/constants.ts";
import { ERRNO, errnoName } from "../../ffi/errno.ts";
import { closeFd } from "../../ffi/fd.ts";
import { strerror } from "../../ffi/libc.ts";
import { PollFdArray, pollFds } from "../../ffi/poll.ts";
import { NET, bindFd, connectFd, encodeAddr, ipVersion, listenFd, openSocket, setIntOpt } from "../../ffi/socket.ts";
import { READABLE, WRITABLE } from "../poller.ts";

export const EAGAIN = ERRNO.EAGAIN!;
export const EINPROGRESS = ERRNO.EINPROGRESS!;

/** A failed socket call as text: "Connection refused (ECONNREFUSED, os error 111)". */
export function describeErrno(e: number): string {
  return `${strerror(e)} (${errnoName(e)}, os error ${e})`;
}

/** The numeric addresses a host stands for without a resolver, or null when it needs one. */
export function numericHosts(host: string): string[] | null {
  const h = host.replace(/^\[|\]$/g, "");
  if (ipVersion(h) !== 0) return [h];
  if (h === "localhost" || h === "") return ["127.0.0.1", "::1"];
  return null;
}

export interface ListenOptions {
  backlog?: number;
  /** SO_REUSEPORT: several sockets (processes, threads) accept on one port */
  reusePort?: boolean;
}

/** A listening TCP socket on a numeric address, or -errno. "::" accepts IPv4 too. */
export function listenTcp(host: string, port: number, opts: ListenOptions = {}): number {
  const a = encodeAddr(host, port);
  if (!a) return -ERRNO.EINVAL!;
  const fd = openSocket(a.family, SYS.SOCK_STREAM);
  if (fd < 0) return fd;
  setIntOpt(fd, NET.SOL_SOCKET, NET.SO_REUSEADDR, 1);
  if (opts.reusePort) {
    const r = setIntOpt(fd, NET.SOL_SOCKET, NET.SO_REUSEPORT, 1);
    if (r < 0) return fail(fd, r);
  }
  if (a.family === NET.AF_INET6) setIntOpt(fd, NET.IPPROTO_IPV6, NET.IPV6_V6ONLY, 0);
  let r = bindFd(fd, a.buf);
  if (r < 0) return fail(fd, r);
  r = listenFd(fd, opts.backlog ?? 1024);
  if (r < 0) return fail(fd, r);
  return fd;
}

/** A bound UDP socket, or -errno. */
export function bindUdp(host: string, port: number): number {
  const a = encodeAddr(host, port);
  if (!a) return -ERRNO.EINVAL!;
  const fd = openSocket(a.family, SYS.SOCK_DGRAM);
  if (fd < 0) return fd;
  if (a.family === NET.AF_INET6) setIntOpt(fd, NET.IPPROTO_IPV6, NET.IPV6_V6ONLY, 0);
  const r = bindFd(fd, a.buf);
  return r < 0 ? fail(fd, r) : fd;
}

function fail(fd: number, r: number): number {
  closeFd(fd);
  return r;
}

/**
 * Start connecting to a numeric address: { fd, pending } (pending: wait for
 * writable, then check SO_ERROR), or { fd: -errno }.
 */
export function startConnect(host: string, port: number): { fd: number; pending: boolean } {
  const a = encodeAddr(host, port);
  if (!a) return { fd: -ERRNO.EINVAL!, pending: false };
  const fd = openSocket(a.family, SYS.SOCK_STREAM);
  if (fd < 0) return { fd, pending: false };
  const r = connectFd(fd, a.buf);
  if (r === 0) return { fd, pending: false };
  if (r === -EINPROGRESS) return { fd, pending: true };
  closeFd(fd);
  return { fd: r, pending: false };
}

/** Set TCP_NODELAY: small writes go out at once (request/response traffic). */
export function setNoDelay(fd: number): void {
  setIntOpt(fd, NET.IPPROTO_TCP, NET.TCP_NODELAY, 1);
}

const one = new PollFdArray(1);

/** Block this thread until `fd` is ready for `interest` (READABLE | WRITABLE) or hangs up. */
export function waitFd(fd: number, interest: number): void {
  const events = (interest & READABLE ? SYS.POLLIN : 0) | (interest & WRITABLE ? SYS.POLLOUT : 0);
  for (;;) {
    one.set(0, fd, events);
    const r = pollFds(one, 1, -1);
    if (r >= 0 || r !== -ERRNO.EINTR!) return;
  }
}
