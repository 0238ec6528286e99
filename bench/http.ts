// HTTP keep-alive requests per second and WebSocket round trips: the Beagle
// server (beagle.http / beagle.ws) against Bun.serve and Node's http, all in
// one run, driven by the same load generator (wrk, one thread, installed from
// Debian's packages if missing). Reports rps, p99 latency and the server's
// peak RSS.
//
//   bun bench/http.ts [SECONDS]        (default 3 s per cell)
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const seconds = Number(process.argv[2] ?? 3);
const dir = mkdtempSync(join(tmpdir(), "beagle-bench-http-"));

function ensureWrk(): void {
  if (spawnSync("wrk", ["--version"]).error === undefined) return;
  console.log("installing wrk (apt-get)...");
  spawnSync(
    "sh",
    [
      "-c",
      "apt-get install -y wrk >/dev/null 2>&1 || (apt-get update >/dev/null && apt-get install -y wrk >/dev/null)",
    ],
    {
      stdio: "inherit",
    },
  );
}

const beagleServer = `use beagle.socket as socket
use beagle.http as http
fn main() {
  let listener = socket/listen("127.0.0.1", 0)
  println(socket/local-port(listener))
  http/serve-listener(listener, http/config-from-opts({}), http/router([
    http/route("GET", "/hello", fn(req) { http/ok("Hello, World!") }),
    http/route("GET", "/json", fn(req) { http/json(json-encode({"id" 1, "title" "write docs", "done" false})) })
  ], http/default-not-found))
}
`;

const bunServer = `const s = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch(req) {
  const p = new URL(req.url).pathname;
  if (p === "/hello") return new Response("Hello, World!", { headers: { "content-type": "text/plain; charset=utf-8" } });
  if (p === "/json") return Response.json({ id: 1, title: "write docs", done: false });
  return new Response("not found", { status: 404 });
}});
console.log(s.port);
`;

const nodeServer = `const http = require("http");
const s = http.createServer((req, res) => {
  if (req.url === "/hello") { res.writeHead(200, { "content-type": "text/plain; charset=utf-8" }); res.end("Hello, World!"); }
  else if (req.url === "/json") { res.writeHead(200, { "content-type": "application/json" }); res.end(JSON.stringify({ id: 1, title: "write docs", done: false })); }
  else { res.writeHead(404); res.end(); }
});
s.listen(0, "127.0.0.1", () => console.log(s.address().port));
`;

type Server = { name: string; cmd: string[] };

function servers(): Server[] {
  writeFileSync(join(dir, "server.bg"), beagleServer);
  writeFileSync(join(dir, "bun-server.ts"), bunServer);
  writeFileSync(join(dir, "node-server.cjs"), nodeServer);
  return [
    { name: "beagle.http", cmd: [process.execPath, join(root, "beagle.ts"), join(dir, "server.bg")] },
    { name: "Bun.serve", cmd: [process.execPath, join(dir, "bun-server.ts")] },
    { name: "node http", cmd: ["node", join(dir, "node-server.cjs")] },
  ];
}

async function start(s: Server): Promise<{ port: number; proc: ReturnType<typeof Bun.spawn> }> {
  const proc = Bun.spawn(s.cmd, { stdout: "pipe", stderr: "inherit" });
  const reader = proc.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${s.name} exited`);
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return { port: Number(text.trim()), proc };
}

function peakRssMb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

function wrk(port: number, path: string, conns: number): { rps: number; p99: string } {
  const r = spawnSync("wrk", ["-t1", `-c${conns}`, `-d${seconds}s`, "--latency", `http://127.0.0.1:${port}${path}`], {
    encoding: "utf8",
  });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1] ?? 0);
  const p99 = /99%\s+(\S+)/.exec(r.stdout)?.[1] ?? "?";
  return { rps, p99 };
}

async function wsRoundTrips(port: number, ms: number): Promise<number> {
  const sock = new WebSocket(`ws://127.0.0.1:${port}/`);
  await new Promise((ok, fail) => {
    sock.onopen = ok;
    sock.onerror = fail;
  });
  let n = 0;
  const until = performance.now() + ms;
  await new Promise<void>((done) => {
    sock.onmessage = () => {
      n++;
      if (performance.now() < until) sock.send("ping");
      else done();
    };
    sock.send("ping");
  });
  sock.close();
  return n / (ms / 1000);
}

async function main() {
  ensureWrk();
  const rows: string[] = [];
  const table: Record<string, Record<string, number>> = {};
  for (const s of servers()) {
    const { port, proc } = await start(s);
    try {
      wrk(port, "/hello", 10); // warm-up (JIT, caches)
      for (const path of ["/hello", "/json"]) {
        for (const c of [1, 50, 256]) {
          const r = wrk(port, path, c);
          const key = `${path} c=${c}`;
          table[key] ??= {};
          table[key][s.name] = r.rps;
          rows.push(`| ${s.name} | ${path} | ${c} | ${Math.round(r.rps)} | ${r.p99} |`);
        }
      }
      rows.push(`| ${s.name} | peak RSS | | ${peakRssMb(proc.pid!)} MB | |`);
    } finally {
      proc.kill();
      await proc.exited;
    }
  }
  console.log(`\nkeep-alive HTTP/1.1, wrk -t1, ${seconds} s per cell\n`);
  console.log("| server | path | conns | req/s | p99 |\n|---|---|---|---|---|");
  for (const r of rows) console.log(r);
  console.log("\n| cell | beagle / node | beagle / Bun |\n|---|---|---|");
  for (const [cell, v] of Object.entries(table)) {
    const b = v["beagle.http"] ?? 0;
    console.log(`| ${cell} | ${(b / (v["node http"] ?? 1)).toFixed(2)} | ${(b / (v["Bun.serve"] ?? 1)).toFixed(2)} |`);
  }

  // WebSocket: sequential round trips on one connection
  writeFileSync(
    join(dir, "ws-echo-server.bg"),
    `use beagle.socket as socket
use beagle.ws as ws
fn main() {
  let listener = socket/listen("127.0.0.1", 0)
  println(socket/local-port(listener))
  socket/on-connection(listener, fn(conn) { ws/handle-ws-connection(conn, fn(c, m) { m }, 1048576) })
}
`,
  );
  writeFileSync(
    join(dir, "ws-bun.ts"),
    `const s = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch(r, srv) { return srv.upgrade(r) ? undefined : new Response("x") }, websocket: { message(w, m) { w.send(m) } } });
console.log(s.port);
`,
  );
  console.log("\n| WebSocket echo server | round trips/s (1 connection, sequential) |\n|---|---|");
  for (const s of [
    { name: "beagle.ws", cmd: [process.execPath, join(root, "beagle.ts"), join(dir, "ws-echo-server.bg")] },
    { name: "Bun.serve websocket", cmd: [process.execPath, join(dir, "ws-bun.ts")] },
  ]) {
    const { port, proc } = await start(s);
    try {
      await wsRoundTrips(port, 500);
      console.log(`| ${s.name} | ${Math.round(await wsRoundTrips(port, seconds * 1000))} |`);
    } finally {
      proc.kill();
      await proc.exited;
    }
  }
}

try {
  await main();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
