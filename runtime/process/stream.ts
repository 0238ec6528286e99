// Our end of one pipe to a child: non-blocking reads into a byte buffer that
// serves chunk, line and read-to-end requests, and writes that report how far
// they got. Everything here is bytes; the VM layer decodes them (vm/bytes.ts).
//
// Each method tries once and reports WOULD_BLOCK instead of waiting; the
// caller parks on the poller (EventLoop) or blocks in poll(2) (Blocking) and
// tries again. That keeps one implementation of the byte rules for every
// handler.
import { closeFd, readFd, writeFd } from "../../ffi/fd.ts";
import { PollFdArray, pollFds } from "../../ffi/poll.ts";

export const WOULD_BLOCK = Symbol("would-block");
const EAGAIN = new Set([11, 35]); // Linux, macOS
const EINTR = 4;
/** One read(2) asks for this much: the pipe's capacity after growPipe (1 MiB on Linux). */
const CHUNK = 1024 * 1024;

export type ReadMode = "chunk" | "line" | "all";

/** A completed read: bytes (an empty array never means EOF), null at EOF, or -errno. */
export type ReadResult = Uint8Array | null | number;

const scratch = new Uint8Array(CHUNK);

/**
 * Length of `b` without a trailing incomplete UTF-8 sequence: up to 3 bytes
 * that are a valid start of a character whose remaining bytes have not
 * arrived. Bytes that can never become valid UTF-8 are not held back.
 */
export function completeUtf8Prefix(b: Uint8Array): number {
  const n = b.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const c = b[n - back]!;
    if (c < 0x80) return n; // ASCII: nothing pending
    if (c < 0xc0) continue; // continuation byte: look for its lead
    if (c < 0xc2 || c > 0xf4) return n; // never a valid lead
    const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
    if (need <= back) return n; // complete (or overlong with junk: not ours to hold)
    if (back >= 2) {
      // the second byte's range depends on the lead (no overlongs, surrogates or > U+10FFFF)
      const d = b[n - back + 1]!;
      const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
      const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
      if (d < lo || d > hi) return n;
    }
    return n - back;
  }
  return n;
}

/** What a pipe needs of the event loop. */
export interface WatchIo {
  watchFd(fd: number, interest: number, ready: () => void): () => void;
}

interface Watcher {
  release: () => void;
  onClosed: () => void;
}

export class PipeStream {
  private readonly watchers = new Set<Watcher>();
  /** bytes read from the pipe but not yet returned */
  private buf: Uint8Array = new Uint8Array(0);
  private start = 0;
  private end = 0;
  /** the pipe reported EOF (reads) */
  eof = false;

  constructor(
    public fd: number,
    readonly name: "stdin" | "stdout" | "stderr",
  ) {}

  get closed(): boolean {
    return this.fd < 0;
  }

  /**
   * Watch this pipe on the loop. The watch is released before the fd is closed
   * (a closed fd must never stay registered), and `onClosed` then tells the
   * operation that was waiting that the pipe went away under it.
   */
  watch(io: WatchIo, interest: number, ready: () => void, onClosed: () => void): () => void {
    const w: Watcher = { release: io.watchFd(this.fd, interest, ready), onClosed };
    this.watchers.add(w);
    return () => {
      if (this.watchers.delete(w)) w.release();
    };
  }

  close() {
    const ws = [...this.watchers];
    this.watchers.clear();
    for (const w of ws) w.release();
    if (this.fd >= 0) closeFd(this.fd);
    this.fd = -1;
    for (const w of ws) w.onClosed();
  }

  /** EOF seen and every byte handed out: the fd has no more use. */
  get drained(): boolean {
    return this.eof && this.end === this.start;
  }

  private get buffered(): number {
    return this.end - this.start;
  }

  private append(data: Uint8Array) {
    if (this.start === this.end) this.start = this.end = 0;
    if (this.end + data.length > this.buf.length) {
      const live = this.buffered;
      const cap = Math.max(live + data.length, this.buf.length * 2, CHUNK);
      const next = cap > this.buf.length ? new Uint8Array(cap) : this.buf;
      next.set(this.buf.subarray(this.start, this.end), 0);
      this.buf = next;
      this.start = 0;
      this.end = live;
    }
    this.buf.set(data, this.end);
    this.end += data.length;
  }

  private take(n: number): Uint8Array {
    const out = this.buf.slice(this.start, this.start + n);
    this.start += n;
    return out;
  }

  /** One read(2) when nothing is buffered: a view of the shared scratch buffer, or a copy. */
  private readDirect(borrow: boolean): Uint8Array | number | typeof WOULD_BLOCK {
    for (;;) {
      const n = readFd(this.fd, scratch);
      if (n > 0) return borrow ? scratch.subarray(0, n) : scratch.slice(0, n);
      if (n === 0) {
        this.eof = true;
        return 0;
      }
      if (-n === EINTR) continue;
      if (EAGAIN.has(-n)) return WOULD_BLOCK;
      return n;
    }
  }

  /** One read(2) into the buffer: >0 bytes, 0 at EOF, WOULD_BLOCK, or -errno. */
  private fill(): number | typeof WOULD_BLOCK {
    if (this.fd < 0) return -9; // EBADF: closed by us
    for (;;) {
      const n = readFd(this.fd, scratch);
      if (n > 0) {
        this.append(scratch.subarray(0, n));
        return n;
      }
      if (n === 0) {
        this.eof = true;
        return 0;
      }
      if (-n === EINTR) continue;
      if (EAGAIN.has(-n)) return WOULD_BLOCK;
      return n;
    }
  }

  /**
   * Try to complete a read without blocking. "chunk": what is there (at least
   * one byte, cut before a split UTF-8 character unless at EOF); "line": up to
   * and including the next "\n" (the rest at EOF); "all": everything to EOF.
   * `borrow`: the bytes may be a view of a buffer the next read reuses (the
   * caller decodes them at once), which saves a copy of every streamed chunk.
   */
  tryRead(mode: ReadMode, borrow = false): ReadResult | typeof WOULD_BLOCK {
    if (mode === "chunk" && this.buffered === 0 && !this.eof && this.fd >= 0) {
      // the common streaming case: hand out what one read gives, unless it ends mid-character
      const r = this.readDirect(borrow);
      if (r instanceof Uint8Array) {
        const cut = completeUtf8Prefix(r);
        if (cut === r.length) return r;
        this.append(r);
      } else if (r !== 0) return r;
    }
    for (;;) {
      const have = this.buffered;
      if (mode === "line" && have > 0) {
        const nl = this.buf.subarray(this.start, this.end).indexOf(10);
        if (nl >= 0) return this.take(nl + 1);
      }
      if (mode === "chunk" && have > 0) {
        const cut = this.eof ? have : completeUtf8Prefix(this.buf.subarray(this.start, this.end));
        if (cut > 0) return this.take(cut);
      }
      if (this.eof) {
        if (mode === "all") return this.take(have);
        return have > 0 ? this.take(have) : null;
      }
      const r = this.fill();
      if (r === WOULD_BLOCK) return WOULD_BLOCK;
      if (typeof r === "number" && r < 0) return r;
    }
  }

  /** Blocking read on this thread: poll(2) until the read completes. */
  readBlocking(mode: ReadMode, borrow = false): ReadResult {
    for (;;) {
      const r = this.tryRead(mode, borrow);
      if (r !== WOULD_BLOCK) return r;
      waitFd(this.fd, POLLIN);
    }
  }

  /** write(2) once: bytes written (maybe fewer than asked), WOULD_BLOCK, or -errno (EPIPE...). */
  tryWrite(data: Uint8Array): number | typeof WOULD_BLOCK {
    if (this.fd < 0) return -9;
    if (data.length === 0) return 0;
    for (;;) {
      const n = writeFd(this.fd, data);
      if (n >= 0) return n;
      if (-n === EINTR) continue;
      if (EAGAIN.has(-n)) return WOULD_BLOCK;
      return n;
    }
  }

  /** Write all of `data`, blocking in poll(2) when the pipe is full: bytes written or -errno. */
  writeBlocking(data: Uint8Array): number {
    let off = 0;
    while (off < data.length) {
      const n = this.tryWrite(data.subarray(off));
      if (n === WOULD_BLOCK) {
        waitFd(this.fd, POLLOUT);
        continue;
      }
      if (n < 0) return n;
      off += n;
    }
    return off;
  }
}

export const POLLIN = 0x001;
export const POLLOUT = 0x004;
const one = new PollFdArray(4);

/** Block until `fd` is ready for `events` (or hangs up / errors: the next call reports it). */
export function waitFd(fd: number, events: number) {
  one.set(0, fd, events);
  for (;;) {
    const r = pollFds(one, 1, -1);
    if (r >= 0 || -r !== EINTR) return;
  }
}

/** Block until any of `fds` (with their events) is ready. */
export function waitAny(entries: [fd: number, events: number][]) {
  const arr = new PollFdArray(entries.length);
  entries.forEach(([fd, ev], i) => {
    arr.set(i, fd, ev);
  });
  for (;;) {
    const r = pollFds(arr, entries.length, -1);
    if (r >= 0 || -r !== EINTR) return;
  }
}
