// beagle.http against other implementations, across processes: Bun's fetch
// against a Beagle server, and the Beagle client against a Bun.serve server.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runBeagle, startBeagle } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "beagle-http-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function program(name: string, src: string): string {
  const file = join(dir, name);
  writeFileSync(file, src);
  return file;
}

test("Bun's fetch against a Beagle server: routes, JSON, bodies, 100 concurrent keep-alive requests", async () => {
  const file = program(
    "server.bg",
    `use beagle.socket as socket
use beagle.http as http
fn main() {
  let listener = socket/listen("127.0.0.1", 0)
  println(socket/local-port(listener))
  http/serve-listener(listener, http/config-from-opts({}), http/router([
    http/route("GET", "/json/:id", fn(req) { http/json("{\\"id\\": " ++ req.params["id"] ++ "}") }),
    http/route("POST", "/upper", fn(req) { http/ok(uppercase(req.body)) })
  ], http/default-not-found))
}
`,
  );
  const server = await startBeagle(file);
  try {
    const base = `http://127.0.0.1:${server.match[1]}`;
    const j = await fetch(`${base}/json/7`);
    expect(j.status).toBe(200);
    expect(j.headers.get("content-type")).toBe("application/json");
    expect(await j.json()).toEqual({ id: 7 });
    const up = await fetch(`${base}/upper`, { method: "POST", body: "straße ok" });
    expect(await up.text()).toBe("STRASSE OK");
    const missing = await fetch(`${base}/nothing`);
    expect(missing.status).toBe(404);
    const many = await Promise.all(
      Array.from({ length: 100 }, (_, i) => fetch(`${base}/json/${i}`).then((r) => r.json())),
    );
    expect(many.map((m) => (m as { id: number }).id)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  } finally {
    await server.stop();
  }
}, 30_000);

test("the Beagle client against Bun.serve: status, headers, body, redirects, chunked responses, pooling", async () => {
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      const u = new URL(req.url);
      if (u.pathname === "/start") return Response.redirect("/target", 302);
      if (u.pathname === "/stream") {
        // no content-length: Bun sends this chunked
        const body = new ReadableStream({
          start(c) {
            c.enqueue(new TextEncoder().encode("part1-"));
            c.enqueue(new TextEncoder().encode("part2"));
            c.close();
          },
        });
        return new Response(body);
      }
      return new Response(`${req.method} ${u.pathname} ${req.headers.get("x-who")}`, {
        headers: { "x-served-by": "bun" },
      });
    },
  });
  try {
    const file = program(
      "client.bg",
      `use beagle.http as http
fn main(args) {
  let base = "http://127.0.0.1:" ++ args[0]
  let r = unwrap!(http/get(base ++ "/plain", {:headers {"X-Who" "beagle"}}))
  println(r.status, r.body, http/header(r, "X-Served-By"))
  let f = unwrap!(http/get(base ++ "/start"))
  println(f.status, f.body)
  println(unwrap!(http/get(base ++ "/stream")).body)
  let c = http/client()
  for i in range(0, 5) { http/client-get(c, base ++ "/p" ++ to-string(i)) }
  println(unwrap!(http/client-post(c, base ++ "/last", {:body "x"})).body)
  http/client-close(c)
}
`,
    );
    const { out, err } = await runBeagle(file, [String(server.port)]);
    expect(err).toBe("");
    expect(out).toBe("200 GET /plain beagle bun\n200 GET /target null\npart1-part2\nPOST /last null\n");
  } finally {
    server.stop(true);
  }
}, 30_000);

test("WebSocket both ways: Bun's client against a Beagle server, the Beagle client against Bun.serve", async () => {
  const file = program(
    "ws-server.bg",
    `use beagle.socket as socket
use beagle.ws as ws
fn main() {
  let listener = socket/listen("127.0.0.1", 0)
  println(socket/local-port(listener))
  socket/on-connection(listener, fn(conn) { ws/handle-ws-connection(conn, fn(c, m) { "echo:" ++ m }, 1048576) })
}
`,
  );
  const wsServer = await startBeagle(file);
  try {
    const sock = new WebSocket(`ws://127.0.0.1:${wsServer.match[1]}/x`);
    const got: string[] = [];
    await new Promise<void>((resolve, reject) => {
      sock.onerror = () => reject(new Error("websocket error"));
      sock.onopen = () => {
        sock.send("one");
        sock.send("x".repeat(100_000));
      };
      sock.onmessage = (e) => {
        got.push(String(e.data));
        if (got.length === 2) resolve();
      };
    });
    expect(got[0]).toBe("echo:one");
    expect(got[1]!.length).toBe(100_005);
    sock.close(1000);
  } finally {
    await wsServer.stop();
  }

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req, srv) {
      return srv.upgrade(req) ? undefined : new Response("no", { status: 400 });
    },
    websocket: {
      message(w, m) {
        w.send(typeof m === "string" ? m.toUpperCase() : m);
      },
    },
  });
  try {
    const client = program(
      "ws-client.bg",
      `use beagle.ws as ws
fn main(args) {
  let c = ws/connect("ws://127.0.0.1:" ++ args[0] ++ "/")
  ws/send(c, "shout")
  println(ws/receive(c))
  ws/send-binary(c, core/__bytes-from-values([0, 255, 128]))
  println(core/__bytes-values(ws/receive(c)))
  ws/close(c)
}
`,
    );
    const { out, err } = await runBeagle(client, [String(server.port)]);
    expect(err).toBe("");
    expect(out).toBe("SHOUT\n[0, 255, 128]\n");
  } finally {
    server.stop(true);
  }
}, 30_000);
