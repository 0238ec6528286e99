// Writing HTTP/1.1 messages. Header names and values are checked, so a value
// taken from user input can never inject a header or split a response.

export type HeaderList = [string, string][];

import { hasControl, hasControlOrSpace, isToken } from "./parser.ts";

const encoder = new TextEncoder();

/** How head text becomes bytes: UTF-8 by default; beagle.http passes its byte-exact encoding. */
export type Encode = (text: string) => Uint8Array;
const utf8: Encode = (t) => encoder.encode(t);

function checkHeader(name: string, value: string): void {
  if (!isToken(name)) throw new Error(`invalid header name ${JSON.stringify(name)}`);
  if (hasControl(value)) throw new Error(`invalid character in header ${name}`);
}

function head(startLine: string, headers: HeaderList, extra: string): string {
  let s = startLine + "\r\n";
  for (const [name, value] of headers) {
    checkHeader(name, value);
    s += `${name}: ${value}\r\n`;
  }
  return s + extra + "\r\n";
}

function withBody(headText: string, body: Uint8Array, encode: Encode): Uint8Array {
  const h = encode(headText);
  if (body.length === 0) return h;
  const out = new Uint8Array(h.length + body.length);
  out.set(h);
  out.set(body, h.length);
  return out;
}

function has(headers: HeaderList, name: string): boolean {
  const lower = name.toLowerCase();
  return headers.some(([n]) => n.toLowerCase() === lower);
}

/**
 * A response with a Content-Length body and a connection header saying whether it stays open
 * (unless the headers have one);
 * a body is never sent for HEAD requests, 1xx, 204 and 304 (its length still is, for HEAD).
 */
export function serializeResponse(
  status: number,
  reason: string,
  headers: HeaderList,
  body: Uint8Array,
  opts: { keepAlive: boolean; headRequest?: boolean },
  encode: Encode = utf8,
): Uint8Array {
  if (!Number.isInteger(status) || status < 100 || status > 999) throw new Error(`invalid status ${status}`);
  if (hasControl(reason)) throw new Error("invalid reason phrase");
  const noBody = (status >= 100 && status < 200) || status === 204 || status === 304;
  let extra = "";
  if (!noBody && !has(headers, "content-length")) extra += `content-length: ${body.length}\r\n`;
  if (!has(headers, "connection")) extra += opts.keepAlive ? "connection: keep-alive\r\n" : "connection: close\r\n";
  const text = head(`HTTP/1.1 ${status} ${reason}`, headers, extra);
  return withBody(text, noBody || opts.headRequest ? new Uint8Array(0) : body, encode);
}

/** A request with a Content-Length body (none for an empty body on GET/HEAD). */
export function serializeRequest(
  method: string,
  target: string,
  headers: HeaderList,
  body: Uint8Array,
  encode: Encode = utf8,
): Uint8Array {
  if (!/^[A-Z]+$/.test(method)) throw new Error(`invalid method ${method}`);
  if (target.length === 0 || hasControlOrSpace(target)) throw new Error("invalid request target");
  const needsLength = body.length > 0 || !(method === "GET" || method === "HEAD");
  const extra = needsLength && !has(headers, "content-length") ? `content-length: ${body.length}\r\n` : "";
  return withBody(head(`${method} ${target} HTTP/1.1`, headers, extra), body, encode);
}

/** One chunk of a chunked body; an empty chunk is the terminator. */
export function chunk(data: Uint8Array): Uint8Array {
  const h = encoder.encode(`${data.length.toString(16)}\r\n`);
  const out = new Uint8Array(h.length + data.length + 2);
  out.set(h);
  out.set(data, h.length);
  out[out.length - 2] = 13;
  out[out.length - 1] = 10;
  return out;
}
