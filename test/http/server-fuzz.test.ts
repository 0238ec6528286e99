// Random and mutated requests against a real beagle.http server: every
// connection gets an answer or is closed (never a hang), answers are 2xx/4xx/5xx,
// and the server is still serving at the end.
import { expect, test } from "bun:test";
import fc from "fast-check";
import { connect } from "node:net";
import { join } from "node:path";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { startBeagle } from "./helpers.ts";

function exchange(port: number, data: Uint8Array): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = connect(port, "127.0.0.1");
    const timer = setTimeout(() => {
      s.destroy();
      reject(
        new Error(`no answer and no close for ${JSON.stringify(Buffer.from(data).toString("latin1").slice(0, 80))}`),
      );
    }, 8000);
    s.on("data", (c: Buffer) => chunks.push(c));
    s.on("error", () => {}); // a reset counts as closed
    s.on("close", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString("latin1"));
    });
    s.end(data);
  });
}

test("hostile requests: an answer or a close each time, and the server survives", async () => {
  const dir = mkdtempSync(join(tmpdir(), "beagle-http-fuzz-"));
  const file = join(dir, "server.bg");
  writeFileSync(
    file,
    `use beagle.socket as socket
use beagle.http as http
fn main() {
  let listener = socket/listen("127.0.0.1", 0)
  println(socket/local-port(listener))
  http/serve-listener(listener, http/config-from-opts({:max-header-bytes 1024, :max-body-bytes 2048}),
    fn(req) { http/ok(req.method ++ " " ++ req.path ++ " " ++ to-string(length(req.body))) })
}
`,
  );
  const server = await startBeagle(file);
  try {
    const port = Number(server.match[1]);
    const base = fc.constantFrom(
      "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
      "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
      "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
      `GET / HTTP/1.1\r\nX: ${"a".repeat(2000)}\r\n\r\n`,
    );
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 600 }),
      fc
        .tuple(base, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }))
        .map(([b, edits]) => {
          const w = new TextEncoder().encode(b);
          for (const [at, v] of edits) w[at % w.length] = v;
          return w;
        }),
      base.map((b) => new TextEncoder().encode(b.repeat(3))),
    );
    await fc.assert(
      fc.asyncProperty(input, async (data) => {
        const answer = await exchange(port, data);
        for (const m of answer.matchAll(/HTTP\/1\.1 (\d{3})/g)) {
          const status = Number(m[1]);
          expect(status === 200 || (status >= 400 && status < 600)).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
    const ok = await fetch(`http://127.0.0.1:${port}/still`);
    expect(await ok.text()).toBe("GET /still 0");
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
