// The native half of beagle.http: HTTP/1.1 parsing and serialization
// (runtime/http/) exposed to Beagle. Parsing runs in TypeScript because it
// is the hot path of every request and must be safe against hostile input;
// routing, handlers, keep-alive and the client stay in Beagle.
//
// A parser belongs to a Beagle struct the module creates (its "handle"), so it
// is collected with it: no ids to free, nothing leaks when a task dies.
import { DEFAULT_LIMITS, MessageParser, type ParsedMessage } from "../../runtime/http/parser.ts";
import { type HeaderList, serializeRequest, serializeResponse } from "../../runtime/http/serialize.ts";
import { bytesToString, stringToBytes } from "../bytes.ts";
import { Struct, type Value } from "../values.ts";
import { runtimeError, typeError } from "../errors.ts";
import { type Builtin, PersistentMap, PersistentVector } from "./util.ts";

const parsers = new WeakMap<Struct, MessageParser>();

function parserOf(handle: Value): MessageParser {
  const p = handle instanceof Struct ? parsers.get(handle) : undefined;
  if (!p) typeError("Expected an HTTP parser handle");
  return p;
}

function str(v: Value, what: string): string {
  if (typeof v !== "string") typeError(`${what} must be a String`);
  return v;
}

function limit(v: Value, fallback: number): number {
  return typeof v === "number" && v >= 0 ? v : fallback;
}

/** Lowercased names to values; a repeated header's values joined with ", " (RFC 9110 §5.3). */
function headerMap(headers: [string, string][]): PersistentMap {
  const seen = new Map<string, string>();
  for (const [n, v] of headers) {
    const prev = seen.get(n);
    seen.set(n, prev === undefined ? v : `${prev}, ${v}`);
  }
  return PersistentMap.from(seen);
}

/** A Beagle headers map as a list of [name, value] (values printed if not strings). */
function headerList(v: Value): HeaderList {
  if (v === null) return [];
  if (!(v instanceof PersistentMap)) typeError("headers must be a map");
  const out: HeaderList = [];
  for (const [k, val] of v.entries()) {
    const name = typeof k === "string" ? k : String((k as { name?: string }).name ?? k);
    out.push([name, typeof val === "string" ? val : String(val)]);
  }
  return out;
}

/** Serializing refuses what would corrupt the stream (header injection, bad status): an ArgumentError. */
function checked(make: () => Uint8Array): string {
  try {
    return bytesToString(make());
  } catch (e) {
    if (e instanceof Error && !(e instanceof TypeError)) runtimeError("ArgumentError", `HTTP: ${e.message}`);
    throw e;
  }
}

function body(v: Value): Uint8Array {
  return v === null ? new Uint8Array(0) : stringToBytes(str(v, "body"));
}

/** ["request", method, path, query, version, headers, body, keep-alive?] or ["response", status, reason, version, ...]. */
function messageVector(kind: "request" | "response", m: ParsedMessage): PersistentVector {
  const [a, b, c] = m.startLine;
  const headers = headerMap(m.headers);
  const body = bytesToString(m.body);
  if (kind === "response") return PersistentVector.from(["response", Number(b), c, a, headers, body, m.keepAlive]);
  const q = b.indexOf("?");
  const path = q < 0 ? b : b.slice(0, q);
  const query = q < 0 ? "" : b.slice(q + 1);
  return PersistentVector.from(["request", a, path, query, c, headers, body, m.keepAlive]);
}

/** The non-empty segments of a path. */
function segments(path: string): string[] {
  return path.split("/").filter((s) => s !== "");
}

/** Route params if `path` matches the pattern's segments (":name" one segment, "*name" the rest), else null. */
function matchSegments(pattern: string[], path: string): PersistentMap | null {
  const parts = segments(path);
  let params = PersistentMap.EMPTY;
  for (let i = 0; i < pattern.length; i++) {
    const seg = pattern[i]!;
    if (seg.startsWith("*")) return params.assoc(seg.slice(1), parts.slice(i).join("/"));
    if (i >= parts.length) return null;
    if (seg.startsWith(":")) params = params.assoc(seg.slice(1), parts[i]!);
    else if (seg !== parts[i]) return null;
  }
  return parts.length === pattern.length ? params : null;
}

// :workers N — a server process re-runs its own command line N-1 times (as
// Node's cluster does); each copy listens on the same port with SO_REUSEPORT
// and learns its role from BEAGLE_HTTP_WORKER = "index:port:parent-pid".
const WORKER_ENV = "BEAGLE_HTTP_WORKER";

function workerRole(): PersistentVector | null {
  const m = /^(\d+):(\d+):(\d+)$/.exec(process.env[WORKER_ENV] ?? "");
  return m ? PersistentVector.from([Number(m[1]), Number(m[2]), Number(m[3])]) : null;
}

function parentAlive(pid: number): boolean {
  if (process.ppid !== pid) return false; // re-parented: the server process is gone
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export const builtins: Record<string, Builtin> = {
  /** null in a server's first process; [index, port, parent pid] in a worker copy. */
  "__http-worker-role": () => workerRole(),
  /** The command line that started this program, to start worker copies of it. */
  "__http-worker-command": () => PersistentVector.from([process.execPath, ...process.argv.slice(1)]),
  /** The environment map that makes a copy worker `index` on `port` of this process. */
  "__http-worker-env": (index, port) =>
    PersistentMap.from([[WORKER_ENV, `${Number(index)}:${Number(port)}:${process.pid}`]]),
  "__http-parent-alive?": (pid) => parentAlive(Number(pid)),
  /** End this worker copy as SIGTERM would (output flushed, children reaped). */
  "__http-stop-worker": () => {
    if (!workerRole()) runtimeError("RuntimeError", "not a worker copy of an HTTP server");
    process.kill(process.pid, "SIGTERM");
    return null;
  },
  /** Attach a parser of "request"s or "response"s with the given caps to `handle`. */
  "__http-parser-init!": (handle, kind, maxHeader, maxBody) => {
    if (!(handle instanceof Struct)) typeError("an HTTP parser handle must be a struct");
    if (kind !== "request" && kind !== "response") typeError('parser kind must be "request" or "response"');
    parsers.set(
      handle,
      new MessageParser(
        kind,
        {
          maxHeaderBytes: limit(maxHeader, DEFAULT_LIMITS.maxHeaderBytes),
          maxBodyBytes: limit(maxBody, DEFAULT_LIMITS.maxBodyBytes),
        },
        "GET",
        // targets and header values are byte-exact strings: what is read can be written back as it came
        bytesToString,
      ),
    );
    return handle;
  },
  /** The method of the request a response parser is reading the answer to (HEAD: no body). */
  "__http-parser-expect!": (handle, method) => {
    parserOf(handle).requestMethod = str(method, "method");
    return null;
  },
  "__http-parser-push!": (handle, data) => {
    parserOf(handle).push(stringToBytes(str(data, "data")));
    return null;
  },
  "__http-parser-eof!": (handle) => {
    parserOf(handle).pushEof();
    return null;
  },
  /**
   * The next message (see messageVector), null when more bytes are needed, or
   * ["error", status, text].
   */
  "__http-parser-next!": (handle) => {
    const p = parserOf(handle);
    const r = p.next();
    if (r.kind === "more") return null;
    if (r.kind === "error") return PersistentVector.from(["error", r.status, r.message]);
    return messageVector(p.kind, r.message);
  },
  /** A route pattern split into segments once, for __http-route-match. */
  "__http-segments": (pattern) => PersistentVector.from(segments(str(pattern, "route pattern"))),
  "__http-route-match": (pattern, path) => {
    if (!(pattern instanceof PersistentVector)) typeError("route segments must be a vector");
    const segs = pattern.toArray();
    if (!segs.every((s) => typeof s === "string")) typeError("route segments must be strings");
    return matchSegments(segs as string[], str(path, "path"));
  },
  /** Bytes received past the last message (they go back to a reader), removed from the parser. */
  "__http-parser-rest!": (handle) => bytesToString(parserOf(handle).takeRest()),
  /** Whether the parser holds part of a message. */
  "__http-parser-busy?": (handle) => parserOf(handle).midMessage,
  "__http-response-bytes": (status, reason, headers, content, keepAlive, headRequest) => {
    if (typeof status !== "number") typeError("status must be an Int");
    const head = headerList(headers);
    const bytes = body(content);
    const why = reason === null ? "" : str(reason, "reason");
    return checked(() =>
      serializeResponse(
        status,
        why,
        head,
        bytes,
        { keepAlive: keepAlive === true, headRequest: headRequest === true },
        stringToBytes,
      ),
    );
  },
  "__http-request-bytes": (method, target, headers, content) => {
    const m = str(method, "method");
    const t = str(target, "target");
    const head = headerList(headers);
    const bytes = body(content);
    return checked(() => serializeRequest(m, t, head, bytes, stringToBytes));
  },
};
