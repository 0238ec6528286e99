// File handles for beagle.io (synchronous). A handle is a small Int; 0, 1 and
// 2 are stdin, stdout and stderr. The Beagle side (stdlib/beagle.io.bg) wraps
// handles in `File { handle }`. Every operation returns a Result:
//   open(path, mode)  -> ok(handle)        modes "r" "w" "a" "r+" "w+" "a+" (a "b" is ignored)
//   read(h, n)        -> ok(string)        up to n bytes, "" at end of file
//   read-line(h)      -> ok(line incl. "\n") or err(Error.IO { message: "EOF" })
//   read-char(h)      -> ok(byte) or err(Error.IO { message: "EOF or error" })
//   write(h, s)       -> ok(bytes written)
//   flush(h) / close(h) -> ok(null)
import * as fs from "node:fs";
import { StringDecoder } from "node:string_decoder";
import { err, errorValue, ok } from "../core-types.ts";
import { errorFromNode } from "./fs.ts";
import { blockingSleep } from "./core.ts";
import { argInt, argStr, type Builtin } from "./util.ts";

interface Handle {
  fd: number;
  path: string;
  /** Byte position of the next unread byte for seekable files; null for streams/append. */
  pos: number | null;
  append: boolean;
  readable: boolean;
  writable: boolean;
  buf: Buffer;
  eof: boolean;
  decoder: StringDecoder;
  std: boolean;
}

const CHUNK = 64 * 1024;
const handles = new Map<number, Handle>();
let nextHandle = 3;

function stdHandle(fd: number, path: string, readable: boolean): Handle {
  return {
    fd,
    path,
    pos: null,
    append: false,
    readable,
    writable: !readable,
    buf: Buffer.alloc(0),
    eof: false,
    decoder: new StringDecoder("utf8"),
    std: true,
  };
}
handles.set(0, stdHandle(0, "<stdin>", true));
handles.set(1, stdHandle(1, "<stdout>", false));
handles.set(2, stdHandle(2, "<stderr>", false));

const ioErr = (message: string) => err(errorValue("IO", { message }));

function get(h: unknown): Handle | null {
  const id = typeof h === "number" ? h : -1;
  return handles.get(id) ?? null;
}

/** Read more bytes into h.buf; returns false at end of input. */
function fill(h: Handle): boolean {
  if (h.eof) return false;
  const tmp = Buffer.allocUnsafe(CHUNK);
  for (;;) {
    try {
      const position = h.pos === null ? null : h.pos + h.buf.length;
      const n = fs.readSync(h.fd, tmp, 0, CHUNK, position);
      if (n === 0) {
        h.eof = true;
        return false;
      }
      h.buf = h.buf.length === 0 ? Buffer.from(tmp.subarray(0, n)) : Buffer.concat([h.buf, tmp.subarray(0, n)]);
      return true;
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === "EAGAIN" || code === "EINTR") {
        blockingSleep(5);
        continue;
      }
      if (code === "EOF") {
        h.eof = true;
        return false;
      }
      throw e;
    }
  }
}

function consume(h: Handle, n: number): Buffer {
  const out = h.buf.subarray(0, n);
  h.buf = h.buf.subarray(n);
  if (h.pos !== null) h.pos += n;
  return out;
}

function parseMode(mode: string): { flags: string; append: boolean; readable: boolean; writable: boolean } | null {
  const m = mode.replace(/b/g, "");
  switch (m) {
    case "r":
      return { flags: "r", append: false, readable: true, writable: false };
    case "r+":
      return { flags: "r+", append: false, readable: true, writable: true };
    case "w":
      return { flags: "w", append: false, readable: false, writable: true };
    case "w+":
      return { flags: "w+", append: false, readable: true, writable: true };
    case "a":
      return { flags: "a", append: true, readable: false, writable: true };
    case "a+":
      return { flags: "a+", append: true, readable: true, writable: true };
    default:
      return null;
  }
}

export const builtins: Record<string, Builtin> = {
  "__io-open"(p, m) {
    const path = argStr(p, "open");
    const mode = parseMode(argStr(m, "open"));
    if (!mode) return ioErr(`Invalid file mode: ${m}`);
    try {
      const fd = fs.openSync(path, mode.flags, 0o644);
      const id = nextHandle++;
      handles.set(id, {
        fd,
        path,
        pos: mode.append ? null : 0,
        append: mode.append,
        readable: mode.readable,
        writable: mode.writable,
        buf: Buffer.alloc(0),
        eof: false,
        decoder: new StringDecoder("utf8"),
        std: false,
      });
      return ok(id);
    } catch (e) {
      return err(errorFromNode(e, path, "open"));
    }
  },

  "__io-close"(hv) {
    const h = get(hv);
    if (!h) return ioErr("Failed to close file: invalid handle");
    if (h.std) return ok(null);
    handles.delete(hv as number);
    try {
      fs.closeSync(h.fd);
      return ok(null);
    } catch (e) {
      return err(errorFromNode(e, h.path, "close"));
    }
  },

  "__io-read"(hv, n) {
    const h = get(hv);
    if (!h?.readable) return ioErr("Read error: handle is not open for reading");
    const want = argInt(n, "read");
    try {
      while (h.buf.length < want && fill(h));
      const bytes = consume(h, Math.min(want, h.buf.length));
      return ok(h.decoder.write(bytes) + (h.eof && h.buf.length === 0 ? h.decoder.end() : ""));
    } catch (e) {
      return err(errorFromNode(e, h.path, "read"));
    }
  },

  "__io-read-line"(hv) {
    const h = get(hv);
    if (!h?.readable) return ioErr("Read error: handle is not open for reading");
    try {
      let nl = h.buf.indexOf(10);
      while (nl < 0 && fill(h)) nl = h.buf.indexOf(10);
      if (nl < 0 && h.buf.length === 0) return ioErr("EOF");
      const bytes = consume(h, nl < 0 ? h.buf.length : nl + 1);
      return ok(bytes.toString("utf8"));
    } catch (e) {
      return err(errorFromNode(e, h.path, "read-line"));
    }
  },

  "__io-read-char"(hv) {
    const h = get(hv);
    if (!h?.readable) return ioErr("EOF or error");
    try {
      if (h.buf.length === 0 && !fill(h)) return ioErr("EOF or error");
      return ok(consume(h, 1)[0]!);
    } catch {
      return ioErr("EOF or error");
    }
  },

  "__io-write"(hv, s) {
    const h = get(hv);
    if (!h?.writable) return ioErr("Write error: handle is not open for writing");
    const bytes = Buffer.from(argStr(s, "write"), "utf8");
    let off = 0;
    while (off < bytes.length) {
      try {
        const n = fs.writeSync(h.fd, bytes, off, bytes.length - off, h.pos);
        off += n;
        if (h.pos !== null) h.pos += n;
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === "EAGAIN" || code === "EINTR") {
          blockingSleep(1);
          continue;
        }
        return err(errorFromNode(e, h.path, "write"));
      }
    }
    if (h.pos !== null) h.buf = Buffer.alloc(0);
    return ok(bytes.length);
  },

  "__io-flush"(hv) {
    const h = get(hv);
    if (!h) return ioErr("Failed to flush file");
    try {
      if (!h.std && h.writable) fs.fsyncSync(h.fd);
    } catch {
      // fsync is not supported on every fd (pipes); flushing is then a no-op.
    }
    return ok(null);
  },

  "__io-eof?"(hv) {
    const h = get(hv);
    if (!h) return true;
    if (h.buf.length > 0) return false;
    try {
      return !fill(h);
    } catch {
      return true;
    }
  },
};
