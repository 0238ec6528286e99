// The HTTP/1.1 parser against well-formed traffic split at every boundary, and
// against hostile input: it answers a message, "more" or a 4xx/5xx error, never
// throws, and never buffers without bound.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { type HttpLimits, MessageParser, type ParseResult } from "../../runtime/http/parser.ts";
import { chunk, serializeRequest, serializeResponse } from "../../runtime/http/serialize.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const bytes = (s: string) => enc.encode(s);

function parseAll(
  input: Uint8Array,
  parts: number[] = [],
  limits?: HttpLimits,
  kind: "request" | "response" = "request",
) {
  const p = new MessageParser(kind, limits);
  const out: ParseResult[] = [];
  let from = 0;
  for (const at of [...parts, input.length]) {
    p.push(input.subarray(from, at));
    from = at;
    for (;;) {
      const r = p.next();
      if (r.kind === "more") break;
      out.push(r);
      if (r.kind === "error") return out;
    }
  }
  return out;
}

function only(input: string | Uint8Array, limits?: HttpLimits) {
  const r = parseAll(typeof input === "string" ? bytes(input) : input, [], limits);
  expect(r.length).toBe(1);
  return r[0]!;
}

describe("requests", () => {
  test("a GET with headers: names lowercased, values trimmed, keep-alive by default in 1.1", () => {
    const r = only("GET /a/b?x=1 HTTP/1.1\r\nHost: example\r\nX-Thing:   v  \r\n\r\n");
    expect(r.kind).toBe("message");
    if (r.kind !== "message") return;
    expect(r.message.startLine).toEqual(["GET", "/a/b?x=1", "HTTP/1.1"]);
    expect(r.message.headers).toEqual([
      ["host", "example"],
      ["x-thing", "v"],
    ]);
    expect(r.message.body.length).toBe(0);
    expect(r.message.keepAlive).toBe(true);
  });

  test("connection: close and HTTP/1.0 end the connection; 1.0 keep-alive keeps it", () => {
    const a = only("GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
    const b = only("GET / HTTP/1.0\r\n\r\n");
    const c = only("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    expect([a, b, c].map((r) => r.kind === "message" && r.message.keepAlive)).toEqual([false, false, true]);
  });

  test("pipelined requests come out one by one, bodies framed by content-length and chunks", () => {
    const input =
      "POST /one HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello" +
      "POST /two HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: t\r\n\r\n" +
      "GET /three HTTP/1.1\n\n";
    const rs = parseAll(bytes(input));
    expect(
      rs.map((r) => (r.kind === "message" ? `${r.message.startLine[1]}=${dec.decode(r.message.body)}` : r.kind)),
    ).toEqual(["/one=hello", "/two=abcde", "/three="]);
  });

  const bad: [string, string, number][] = [
    ["both framings (smuggling)", "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400],
    ["two different lengths", "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400],
    ["negative length", "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400],
    ["obs-fold", "GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", 400],
    ["bare CR in a value", "GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", 400],
    ["space before the colon", "GET / HTTP/1.1\r\nX : a\r\n\r\n", 400],
    ["a NUL in the target", "GET /\0 HTTP/1.1\r\n\r\n", 400],
    ["a bad chunk size", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400],
    ["a huge chunk size", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n", 400],
    ["gzip transfer coding", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501],
    ["HTTP/2.0 in a 1.1 request line", "GET / HTTP/2.0\r\n\r\n", 505],
    ["garbage", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 400],
  ];
  for (const [what, input, status] of bad) {
    test(`rejects ${what} with ${status}`, () => {
      const r = only(input);
      expect(r.kind === "error" && r.status).toBe(status);
    });
  }

  test("size caps: 431 for a head over the limit (even before its end arrives), 413 for a body", () => {
    const limits = { maxHeaderBytes: 100, maxBodyBytes: 10 };
    const big = `GET / HTTP/1.1\r\nX: ${"a".repeat(200)}`; // no end of head yet
    expect(only(big, limits)).toMatchObject({ kind: "error", status: 431 });
    expect(only("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", limits)).toMatchObject({ kind: "error", status: 413 });
    const chunked = `POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n`;
    expect(only(chunked, limits)).toMatchObject({ kind: "error", status: 413 });
  });

  test("an EOF in the middle of a message is an error, not a short message", () => {
    const p = new MessageParser("request");
    p.push(bytes("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"));
    expect(p.next().kind).toBe("more");
    p.pushEof();
    expect(p.next()).toMatchObject({ kind: "error", status: 400 });
  });
});

describe("responses", () => {
  test("content-length, chunked, until-close and bodiless statuses", () => {
    const rs = parseAll(
      bytes(
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n",
      ),
      [],
      undefined,
      "response",
    );
    expect(
      rs.map((r) => (r.kind === "message" ? `${r.message.startLine[1]}:${dec.decode(r.message.body)}` : r.kind)),
    ).toEqual(["200:hi", "204:", "201:x"]);
    const p = new MessageParser("response");
    p.push(bytes("HTTP/1.0 200 OK\r\n\r\nuntil the end"));
    expect(p.next().kind).toBe("more");
    p.pushEof();
    const r = p.next();
    expect(r.kind === "message" && [dec.decode(r.message.body), r.message.keepAlive]).toEqual(["until the end", false]);
  });

  test("a HEAD response has no body even with a content-length", () => {
    const p = new MessageParser("response", undefined, "HEAD");
    p.push(bytes("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"));
    const r = p.next();
    expect(r.kind === "message" && r.message.body.length).toBe(0);
  });
});

describe("serializing", () => {
  test("header injection through a name or value is refused", () => {
    expect(() =>
      serializeResponse(200, "OK", [["x", "a\r\nset-cookie: evil"]], new Uint8Array(), { keepAlive: true }),
    ).toThrow();
    expect(() => serializeResponse(200, "OK", [["x\r\ny", "a"]], new Uint8Array(), { keepAlive: true })).toThrow();
    expect(() => serializeRequest("GET", "/a b", [], new Uint8Array())).toThrow();
  });
  test("a response carries its length, connection: close when asked, no body for HEAD", () => {
    const r = dec.decode(
      serializeResponse(200, "OK", [["content-type", "text/plain"]], bytes("hey"), { keepAlive: false }),
    );
    expect(r).toBe("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 3\r\nconnection: close\r\n\r\nhey");
    const h = dec.decode(serializeResponse(200, "OK", [], bytes("hey"), { keepAlive: true, headRequest: true }));
    expect(h).toBe("HTTP/1.1 200 OK\r\ncontent-length: 3\r\nconnection: keep-alive\r\n\r\n");
  });
});

// ------------------------------------------------------------------ properties

const token = fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/);
const value = fc.stringMatching(/^[!-~]([ -~]{0,30}[!-~])?$/);
const arbRequest = fc.record({
  method: fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH"),
  path: fc.stringMatching(/^\/[a-zA-Z0-9/._~%-]{0,40}$/),
  headers: fc
    .array(fc.tuple(token, value), { maxLength: 8 })
    .map((hs) => hs.filter(([n]) => n !== "content-length" && n !== "transfer-encoding" && n !== "connection")),
  body: fc.uint8Array({ maxLength: 300 }),
  chunked: fc.boolean(),
});
type Req = typeof arbRequest extends fc.Arbitrary<infer T> ? T : never;

function encodeRequest(r: Req): Uint8Array {
  if (!r.chunked) return serializeRequest(r.method, r.path, r.headers, r.body);
  const head = bytes(
    `${r.method} ${r.path} HTTP/1.1\r\n${r.headers.map(([n, v]) => `${n}: ${v}\r\n`).join("")}transfer-encoding: chunked\r\n\r\n`,
  );
  const parts: Uint8Array[] = [head];
  for (let i = 0; i < r.body.length; i += 7) parts.push(chunk(r.body.subarray(i, i + 7)));
  parts.push(chunk(new Uint8Array()), bytes("\r\n"));
  const len = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(len);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe("properties", () => {
  test("any well-formed pipeline, split at arbitrary points, parses back to the same requests", () => {
    fc.assert(
      fc.property(
        fc.array(arbRequest, { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (reqs, cuts) => {
          const wire = reqs.map(encodeRequest);
          const all = new Uint8Array(wire.reduce((a, w) => a + w.length, 0));
          let at = 0;
          for (const w of wire) {
            all.set(w, at);
            at += w.length;
          }
          const parts = [...new Set(cuts.map((c) => c % (all.length + 1)))].sort((a, b) => a - b);
          const out = parseAll(all, parts);
          expect(out.length).toBe(reqs.length);
          out.forEach((r, i) => {
            expect(r.kind).toBe("message");
            if (r.kind !== "message") return;
            const want = reqs[i]!;
            expect(r.message.startLine).toEqual([want.method, want.path, "HTTP/1.1"]);
            expect([...r.message.body]).toEqual([...want.body]);
            for (const [n, v] of want.headers) expect(r.message.headers).toContainEqual([n, v]);
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  test("one byte at a time gives the same result as all at once", () => {
    fc.assert(
      fc.property(arbRequest, (req) => {
        const wire = encodeRequest(req);
        const whole = parseAll(wire);
        const drip = parseAll(
          wire,
          Array.from({ length: wire.length }, (_, i) => i),
        );
        expect(drip).toEqual(whole);
      }),
      { numRuns: 100 },
    );
  });

  test("random and mutated input: never a throw, errors are 4xx/5xx, buffering stays within the limits", () => {
    const limits = { maxHeaderBytes: 512, maxBodyBytes: 1024 };
    const mutated = fc
      .tuple(arbRequest, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }))
      .map(([r, edits]) => {
        const w = encodeRequest(r).slice();
        for (const [at, b] of edits) if (w.length) w[at % w.length] = b;
        return w;
      });
    const hostile = fc.oneof(
      fc.uint8Array({ maxLength: 3000 }),
      mutated,
      fc.string({ maxLength: 2000 }).map((s) => bytes(`GET / HTTP/1.1\r\n${s}`)),
    );
    fc.assert(
      fc.property(hostile, fc.array(fc.nat(), { maxLength: 5 }), (input, cuts) => {
        const p = new MessageParser("request", limits);
        const parts = [...new Set(cuts.map((c) => c % (input.length + 1)))].sort((a, b) => a - b);
        let from = 0;
        for (const at of [...parts, input.length]) {
          p.push(input.subarray(from, at));
          from = at;
          for (;;) {
            const r = p.next();
            if (r.kind === "error") {
              expect(r.status >= 400 && r.status < 600).toBe(true);
              return;
            }
            if (r.kind === "more") break;
            expect(r.message.body.length).toBeLessThanOrEqual(limits.maxBodyBytes);
          }
          // what is held while waiting is bounded by one head plus one body plus chunk framing
          expect(p.buffered).toBeLessThanOrEqual(limits.maxHeaderBytes + limits.maxBodyBytes + 1100);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
