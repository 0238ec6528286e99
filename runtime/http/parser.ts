// HTTP/1.1 message parsing on raw bytes, for beagle.http's server and client.
//
// Hostile input is the normal case here: every limit is checked before bytes
// are buffered past it, anything ambiguous that could smuggle a second request
// (Content-Length together with Transfer-Encoding, two different lengths, bare
// CR, obs-fold, control characters in a header) is rejected with a 4xx status,
// and the parser never throws. A parser keeps its buffer and scan positions
// between pushes, so a request dripped in one byte at a time costs O(n).

export interface HttpLimits {
  /** request/status line plus headers (and chunked trailers), in bytes */
  maxHeaderBytes: number;
  /** decoded body, in bytes */
  maxBodyBytes: number;
}

export const DEFAULT_LIMITS: HttpLimits = { maxHeaderBytes: 16384, maxBodyBytes: 10 * 1024 * 1024 };

export interface HttpHead {
  /** request: method, target, version; response: version, status, reason */
  startLine: [string, string, string];
  /** names lowercased, in arrival order; repeated names are kept */
  headers: [string, string][];
}

export interface ParsedMessage extends HttpHead {
  body: Uint8Array;
  /** whether the connection may carry another message after this one */
  keepAlive: boolean;
}

export type ParseResult =
  | { kind: "more" }
  | { kind: "message"; message: ParsedMessage }
  | { kind: "error"; status: number; message: string };

const MORE: ParseResult = { kind: "more" };
const CR = 13;
const LF = 10;
/** longest chunk-size line (size, extensions) we accept */
const MAX_CHUNK_LINE = 1024;

// RFC 9110 token characters
const TOKEN = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
  TOKEN[c.charCodeAt(0)] = 1;

const latin1 = new TextDecoder("latin1");

class Fail {
  constructor(
    readonly status: number,
    readonly message: string,
  ) {}
}

const enum Stage {
  Head,
  FixedBody,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  UntilClose,
  Done,
}

/**
 * Parses one message after another from a byte stream. `push` adds bytes,
 * `next` returns the next complete message, "more", or an error (after which
 * the connection must be closed: the stream's framing is no longer known).
 */
export class MessageParser {
  private buf = new Uint8Array(4096);
  private start = 0;
  private end = 0;
  /** where the search for the end of the head resumes */
  private scan = 0;
  private stage = Stage.Head;
  private head: HttpHead | null = null;
  private keepAlive = true;
  private remaining = 0;
  private bodyParts: Uint8Array[] = [];
  private bodyLen = 0;
  private trailerBytes = 0;
  private failed: ParseResult | null = null;
  private eof = false;

  constructor(
    readonly kind: "request" | "response",
    readonly limits: HttpLimits = DEFAULT_LIMITS,
    /** response parsing: the request method this answers (HEAD has no body) */
    public requestMethod = "GET",
    /** how head bytes become text (default: one char per byte; beagle.http passes its byte-exact decoding) */
    private readonly decode: (bytes: Uint8Array) => string = (b) => latin1.decode(b),
  ) {}

  /** bytes received but not yet consumed by a returned message */
  get buffered(): number {
    return this.end - this.start;
  }

  /** Whether a message is partly received (an EOF now would cut it). */
  get midMessage(): boolean {
    return this.stage !== Stage.Head || this.end > this.start;
  }

  push(bytes: Uint8Array): void {
    if (this.failed || bytes.length === 0) return;
    if (this.end + bytes.length > this.buf.length) {
      const live = this.end - this.start;
      if (live + bytes.length > this.buf.length || this.start === 0) {
        const grown = new Uint8Array(Math.max(this.buf.length * 2, live + bytes.length));
        grown.set(this.buf.subarray(this.start, this.end));
        this.buf = grown;
      } else {
        this.buf.copyWithin(0, this.start, this.end);
      }
      this.scan -= this.start;
      this.end = live;
      this.start = 0;
    }
    this.buf.set(bytes, this.end);
    this.end += bytes.length;
  }

  /** Remove and return the bytes received past the last complete message (between messages only). */
  takeRest(): Uint8Array {
    if (this.stage !== Stage.Head) return new Uint8Array(0);
    const rest = this.buf.slice(this.start, this.end);
    this.start = 0;
    this.end = 0;
    this.scan = 0;
    return rest;
  }

  /** The peer closed: a body delimited by the close is complete now. */
  pushEof(): void {
    this.eof = true;
  }

  next(): ParseResult {
    if (this.failed) return this.failed;
    try {
      return this.step();
    } catch (e) {
      if (!(e instanceof Fail)) throw e;
      this.failed = { kind: "error", status: e.status, message: e.message };
      return this.failed;
    }
  }

  private step(): ParseResult {
    for (;;) {
      switch (this.stage) {
        case Stage.Head: {
          const headEnd = this.findHeadEnd();
          if (headEnd < 0) {
            if (this.end - this.start > this.limits.maxHeaderBytes) throw this.headTooLarge();
            return this.eof && this.end > this.start ? this.truncated() : MORE;
          }
          if (headEnd - this.start > this.limits.maxHeaderBytes) throw this.headTooLarge();
          this.head = this.parseHead(this.buf.subarray(this.start, headEnd));
          this.start = headEnd;
          this.scan = headEnd;
          this.frameBody();
          break;
        }
        case Stage.FixedBody: {
          const n = Math.min(this.remaining, this.end - this.start);
          if (n > 0) this.takeBody(n);
          if (this.remaining > 0) return this.eof ? this.truncated() : MORE;
          this.stage = Stage.Done;
          break;
        }
        case Stage.ChunkSize: {
          const line = this.readLine(MAX_CHUNK_LINE, "chunk size line too long");
          if (line === null) return this.eof ? this.truncated() : MORE;
          const size = parseChunkSize(line);
          if (size === 0) {
            this.stage = Stage.Trailers;
          } else {
            if (this.bodyLen + size > this.limits.maxBodyBytes) throw new Fail(413, "body too large");
            this.remaining = size;
            this.stage = Stage.ChunkData;
          }
          break;
        }
        case Stage.ChunkData: {
          const n = Math.min(this.remaining, this.end - this.start);
          if (n > 0) this.takeBody(n);
          if (this.remaining > 0) return this.eof ? this.truncated() : MORE;
          this.stage = Stage.ChunkDataEnd;
          break;
        }
        case Stage.ChunkDataEnd: {
          const line = this.readLine(2, "missing CRLF after chunk data");
          if (line === null) return this.eof ? this.truncated() : MORE;
          if (line.length !== 0) throw new Fail(400, "missing CRLF after chunk data");
          this.stage = Stage.ChunkSize;
          break;
        }
        case Stage.Trailers: {
          const room = this.limits.maxHeaderBytes - this.trailerBytes;
          const line = this.readLine(room, "trailers too large", 431);
          if (line === null) return this.eof ? this.truncated() : MORE;
          this.trailerBytes += line.length + 2;
          if (line.length === 0) this.stage = Stage.Done;
          else checkHeaderLine(line);
          break;
        }
        case Stage.UntilClose: {
          const n = this.end - this.start;
          if (n > 0) {
            if (this.bodyLen + n > this.limits.maxBodyBytes) throw new Fail(413, "body too large");
            this.remaining = n;
            this.takeBody(n);
          }
          if (!this.eof) return MORE;
          this.stage = Stage.Done;
          break;
        }
        case Stage.Done:
          return this.finish();
      }
    }
  }

  private headTooLarge(): Fail {
    return this.kind === "request"
      ? new Fail(431, "request header fields too large")
      : new Fail(502, "response head too large");
  }

  private truncated(): ParseResult {
    throw new Fail(400, "connection closed in the middle of a message");
  }

  /** Index just past the blank line ending the head, or -1. Accepts CRLF or bare LF line ends. */
  private findHeadEnd(): number {
    const b = this.buf;
    // skip empty lines before a request line (RFC 9112 §2.2)
    while (this.start < this.end && this.scan === this.start && (b[this.start] === CR || b[this.start] === LF)) {
      if (b[this.start] === CR && this.start + 1 >= this.end) return -1;
      if (b[this.start] === CR && b[this.start + 1] !== LF) throw new Fail(400, "bare CR");
      this.start += b[this.start] === CR ? 2 : 1;
      this.scan = this.start;
    }
    let i = Math.max(this.scan, this.start);
    for (; i < this.end; i++) {
      if (b[i] !== LF) continue;
      // LF at i: the head ends if the line before it is empty
      if (i + 1 < this.end && b[i + 1] === LF) return i + 2;
      if (i + 2 < this.end && b[i + 1] === CR && b[i + 2] === LF) return i + 3;
      if (i + 2 >= this.end) break; // not enough bytes yet to decide
    }
    this.scan = Math.max(this.start, i - 1);
    return -1;
  }

  private parseHead(bytes: Uint8Array): HttpHead {
    // one decode of the whole head, then line splitting on the string (CR, LF are ASCII)
    const lines = this.decode(bytes).split("\n");
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i]!;
      if (l.charCodeAt(l.length - 1) === CR) lines[i] = l.slice(0, -1);
    }
    const first = lines[0] ?? "";
    const startLine = this.kind === "request" ? parseRequestLine(first) : parseStatusLine(first);
    const headers: [string, string][] = [];
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.length === 0) continue;
      headers.push(checkHeaderLine(line));
    }
    return { startLine, headers };
  }

  /** Decide how the body is framed (RFC 9112 §6.3) and whether the connection stays open. */
  private frameBody(): void {
    const h = this.head!;
    const version = this.kind === "request" ? h.startLine[2] : h.startLine[0];
    const connection = tokensOf(h.headers, "connection");
    this.keepAlive =
      version === "HTTP/1.1"
        ? !connection.includes("close")
        : connection.includes("keep-alive") && version === "HTTP/1.0";
    const te = tokensOf(h.headers, "transfer-encoding");
    const lengths = h.headers.filter(([n]) => n === "content-length").flatMap(([, v]) => v.split(","));
    this.bodyParts = [];
    this.bodyLen = 0;
    this.trailerBytes = 0;
    if (this.kind === "response") {
      const status = Number(h.startLine[1]);
      if (this.requestMethod === "HEAD" || (status >= 100 && status < 200) || status === 204 || status === 304) {
        this.stage = Stage.Done;
        return;
      }
    }
    if (te.length > 0) {
      if (lengths.length > 0) throw new Fail(400, "both Transfer-Encoding and Content-Length");
      if (te[te.length - 1] !== "chunked") {
        if (this.kind === "request") throw new Fail(501, `unsupported transfer coding ${te.join(", ")}`);
        this.keepAlive = false;
        this.stage = Stage.UntilClose;
        return;
      }
      if (te.length > 1) throw new Fail(501, `unsupported transfer coding ${te.join(", ")}`);
      this.stage = Stage.ChunkSize;
      return;
    }
    if (lengths.length > 0) {
      const first = lengths[0]!.trim();
      for (const l of lengths) if (l.trim() !== first) throw new Fail(400, "conflicting Content-Length values");
      if (!/^[0-9]{1,16}$/.test(first)) throw new Fail(400, "invalid Content-Length");
      const n = Number(first);
      if (n > this.limits.maxBodyBytes) throw new Fail(413, "body too large");
      this.remaining = n;
      this.stage = n === 0 ? Stage.Done : Stage.FixedBody;
      return;
    }
    if (this.kind === "response") {
      this.keepAlive = false;
      this.stage = Stage.UntilClose;
      return;
    }
    this.stage = Stage.Done;
  }

  private takeBody(n: number): void {
    this.bodyParts.push(this.buf.slice(this.start, this.start + n));
    this.bodyLen += n;
    this.start += n;
    this.scan = this.start;
    this.remaining -= n;
  }

  /** The next CRLF- (or LF-) terminated line of at most `max` bytes, or null if incomplete. */
  private readLine(max: number, tooLong: string, status = 400): string | null {
    const b = this.buf;
    const limit = Math.min(this.end, this.start + max + 2);
    for (let i = this.start; i < limit; i++) {
      if (b[i] !== LF) continue;
      const lineEnd = i > this.start && b[i - 1] === CR ? i - 1 : i;
      const line = latin1.decode(b.subarray(this.start, lineEnd));
      this.start = i + 1;
      this.scan = this.start;
      return line;
    }
    if (this.end - this.start > max + 1) throw new Fail(status, tooLong);
    return null;
  }

  private finish(): ParseResult {
    const body = this.bodyParts.length === 1 ? this.bodyParts[0]! : concat(this.bodyParts, this.bodyLen);
    const message: ParsedMessage = { ...this.head!, body, keepAlive: this.keepAlive && !this.eof };
    this.head = null;
    this.bodyParts = [];
    this.bodyLen = 0;
    this.stage = Stage.Head;
    if (this.start === this.end) {
      this.start = 0;
      this.end = 0;
    }
    this.scan = this.start;
    return { kind: "message", message };
  }
}

function concat(parts: Uint8Array[], len: number): Uint8Array {
  const out = new Uint8Array(len);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Any byte <= 0x20 or DEL: never valid inside a request target. */
export function hasControlOrSpace(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 32 || c === 127) return true;
  }
  return false;
}

/** A control character other than tab: never valid in a header value or reason phrase. */
export function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 32 && c !== 9) || c === 127) return true;
  }
  return false;
}

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TOKEN[c] === 0) return false;
  }
  return true;
}

function parseRequestLine(line: string): [string, string, string] {
  const parts = line.split(" ");
  if (parts.length !== 3) throw new Fail(400, "malformed request line");
  const [method, target, version] = parts as [string, string, string];
  if (!isToken(method)) throw new Fail(400, "malformed method");
  if (target.length === 0 || hasControlOrSpace(target)) throw new Fail(400, "malformed request target");
  if (!/^HTTP\/1\.[01]$/.test(version)) {
    throw /^HTTP\/\d\.\d$/.test(version)
      ? new Fail(505, "HTTP version not supported")
      : new Fail(400, "malformed version");
  }
  return [method, target, version];
}

function parseStatusLine(line: string): [string, string, string] {
  const m = /^(HTTP\/1\.[01]) ([0-9]{3})(?: (.*))?$/.exec(line);
  if (!m) throw new Fail(502, "malformed status line");
  return [m[1]!, m[2]!, m[3] ?? ""];
}

/** `name: value` with a token name and no control characters; the name lowercased, the value trimmed. */
function checkHeaderLine(line: string): [string, string] {
  const c0 = line.charCodeAt(0);
  if (c0 === 32 || c0 === 9) throw new Fail(400, "obsolete header line folding");
  const colon = line.indexOf(":");
  if (colon <= 0) throw new Fail(400, "malformed header line");
  const name = line.slice(0, colon);
  if (!isToken(name)) throw new Fail(400, "malformed header name");
  let a = colon + 1;
  let b = line.length;
  while (a < b && (line.charCodeAt(a) === 32 || line.charCodeAt(a) === 9)) a++;
  while (b > a && (line.charCodeAt(b - 1) === 32 || line.charCodeAt(b - 1) === 9)) b--;
  const value = line.slice(a, b);
  if (hasControl(value)) throw new Fail(400, "control character in header value");
  return [name.toLowerCase(), value];
}

function tokensOf(headers: [string, string][], name: string): string[] {
  const out: string[] = [];
  for (const [n, v] of headers) {
    if (n !== name) continue;
    for (const t of v.split(",")) {
      const s = t.trim().toLowerCase();
      if (s) out.push(s);
    }
  }
  return out;
}

function parseChunkSize(line: string): number {
  const semi = line.indexOf(";");
  const hex = (semi < 0 ? line : line.slice(0, semi)).trim();
  if (!/^[0-9a-fA-F]{1,12}$/.test(hex)) throw new Fail(400, "invalid chunk size");
  return parseInt(hex, 16);
}
