// examples/echo_server.bg as a real server process, driven by node:net clients
// in this process: byte-exact echo of random binary data (invalid UTF-8, NUL,
// a character split across two reads), 1,000 concurrent clients x 64 KiB,
// clients that reset mid-transfer (no SIGPIPE), and fds back to where they were.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { type Child, closeSocket, echo, resetSocket, fdCount, open, startBeagle, stop, waitUntil } from "./helpers.ts";

let server: Child;
let baseFds = 0;

beforeAll(async () => {
  server = await startBeagle(["examples/echo_server.bg", "0", "quiet"]);
  baseFds = fdCount(server.proc.pid);
});
afterAll(async () => {
  await stop(server);
});

test("binary data comes back byte-for-byte, including a character split across two writes", async () => {
  const s = await open(server.port);
  const euro = Buffer.from("x€y");
  const split = [euro.subarray(0, 2), euro.subarray(2)];
  expect(Buffer.compare(await echo(s, euro, split), euro)).toBe(0);
  const nasty = Buffer.from([0, 0xff, 0xfe, 0xed, 0xa0, 0x80, 0xef, 0xbb, 0xbf, 0xc3, 0, 10, 13]);
  expect(Buffer.compare(await echo(s, nasty), nasty)).toBe(0);
  const random = randomBytes(200_000);
  expect(Buffer.compare(await echo(s, random), random)).toBe(0);
  await closeSocket(s);
});

test("1,000 concurrent clients each echo 64 KiB of random bytes", async () => {
  const clients = await Promise.all(Array.from({ length: 1000 }, () => open(server.port)));
  const payloads = clients.map(() => randomBytes(64 * 1024));
  const echoed = await Promise.all(clients.map((s, i) => echo(s, payloads[i]!)));
  let wrong = 0;
  for (let i = 0; i < echoed.length; i++) if (Buffer.compare(echoed[i]!, payloads[i]!) !== 0) wrong++;
  expect(wrong).toBe(0);
  await Promise.all(clients.map(resetSocket));
  await waitUntil(() => fdCount(server.proc.pid) <= baseFds, "the server to close every connection");
}, 120_000);

test("clients that reset in the middle of a transfer never take the server down", async () => {
  for (let i = 0; i < 20; i++) {
    const s = await open(server.port);
    s.write(randomBytes(1 << 20));
    s.resetAndDestroy();
  }
  const s = await open(server.port);
  const data = Buffer.from("still here");
  expect((await echo(s, data)).toString()).toBe("still here");
  await closeSocket(s);
  await waitUntil(() => fdCount(server.proc.pid) <= baseFds, "the server to drop the reset connections");
  expect(server.proc.exitCode).toBeNull();
}, 60_000);
