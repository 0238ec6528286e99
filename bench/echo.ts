// Echo benchmark (issue 10): examples/echo_server.bg under the EventLoopHandler
// and the ThreadedHandler against Bun.listen and Node's net echo servers, all
// driven by ../shared/bench/loadgen.c (built with gcc into a temp dir, never
// committed): 64-byte ping-pong round trips per second and p99 latency at 1,
// 100 and 1,000 connections, one-connection bulk MiB/s, and each server's peak
// RSS. Every server runs in its own process and exits by itself.
//   bun bench/echo.ts [SECONDS=3]
import { existsSync, mkdirSync, readFileSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import type { Subprocess } from "bun";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..");
const SECONDS = Number(process.argv[2] ?? 3);
const LOADGEN_SRC = join(ROOT, "..", "shared", "bench", "loadgen.c");

function buildLoadgen(): string | null {
  if (!existsSync(LOADGEN_SRC)) return null;
  const dir = join(tmpdir(), "beagle-bench-echo");
  mkdirSync(dir, { recursive: true });
  const bin = join(dir, "loadgen");
  const r = Bun.spawnSync(["gcc", "-O2", "-o", bin, LOADGEN_SRC], { stderr: "pipe" });
  if (r.exitCode !== 0) {
    console.log(`gcc failed: ${r.stderr.toString()}`);
    return null;
  }
  return bin;
}

interface Server {
  name: string;
  cmd: string[];
  /** more processes listening on the same port (SO_REUSEPORT) */
  copies?: number;
}

function servers(): Server[] {
  const bun = process.execPath;
  // threaded.bg `use`s echo_server, found next to it
  const dir = join(tmpdir(), "beagle-bench-echo");
  cpSync(join(ROOT, "bench", "echo", "threaded.bg"), join(dir, "threaded.bg"));
  cpSync(join(ROOT, "examples", "echo_server.bg"), join(dir, "echo_server.bg"));
  const life = String(SECONDS * 8 + 30);
  const list: Server[] = [
    {
      name: "Beagle (EventLoopHandler)",
      cmd: [bun, join(ROOT, "beagle.ts"), join(ROOT, "examples", "echo_server.bg"), "0", "quiet"],
    },
    { name: "Beagle (ThreadedHandler)", cmd: [bun, join(ROOT, "beagle.ts"), join(dir, "threaded.bg"), "0", "quiet"] },
    { name: "Bun.listen", cmd: [bun, join(ROOT, "bench", "echo", "bun-server.ts"), life] },
  ];
  list.push({
    name: "Beagle x2 processes (SO_REUSEPORT)",
    cmd: [bun, join(ROOT, "beagle.ts"), join(ROOT, "examples", "echo_server.bg"), "0", "quiet", "reuseport"],
    copies: 2,
  });
  list.push({
    name: "Beagle x2 Workers (SO_REUSEPORT)",
    cmd: [bun, join(ROOT, "bench", "echo", "workers.ts"), "2", life],
  });
  if (Bun.which("node"))
    list.push({ name: "Node net", cmd: ["node", join(ROOT, "bench", "echo", "node-server.mjs"), life] });
  return list;
}

async function start(s: Server, cmd = s.cmd) {
  const proc = Bun.spawn(cmd, { stdout: "pipe", stderr: "inherit", stdin: "ignore" });
  const reader = proc.stdout.getReader();
  let text = "";
  for (;;) {
    // a multi-Worker server says "N Workers listening on port P" once all listen
    const m = s.cmd.some((c) => c.endsWith("workers.ts"))
      ? /Workers listening on port (\d+)/.exec(text)
      : /port (\d+)/.exec(text);
    if (m) return { proc, port: Number(m[1]) };
    const { value, done } = await reader.read();
    if (done) throw new Error(`${s.name} exited: ${text}`);
    text += new TextDecoder().decode(value);
  }
}

function peakRss(pid: number): number {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? -1) / 1024;
  } catch {
    return -1;
  }
}

function loadgen(bin: string, args: string[]): Record<string, number> {
  const r = Bun.spawnSync([bin, ...args], { stdout: "pipe", stderr: "pipe" });
  const line = r.stdout.toString().trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(line);
  } catch {
    return { error: 1 };
  }
}

const bin = buildLoadgen();
if (!bin) {
  console.log("echo benchmark skipped: needs gcc and ../shared/bench/loadgen.c");
  process.exit(0);
}
const CONNS = [1, 100, 1000];
const rows: string[] = [];
const results: Record<string, number[]> = {};
for (const s of servers()) {
  const { proc, port } = await start(s);
  const others: Subprocess[] = [];
  // further copies take the first one's port (the argument after the program is the port)
  for (let i = 1; i < (s.copies ?? 1); i++) {
    const cmd = s.cmd.slice();
    cmd[3] = String(port);
    others.push((await start(s, cmd)).proc);
  }
  const cells: string[] = [];
  const rps: number[] = [];
  for (const c of CONNS) {
    const r = loadgen(bin, ["pp", String(port), String(c), String(SECONDS), "1"]);
    rps.push(r.rps ?? 0);
    cells.push(r.rps ? `${Math.round(r.rps).toLocaleString("en")} (p99 ${Math.round(r.p99_us ?? 0)} µs)` : "error");
  }
  const bulk = loadgen(bin, ["bulk", String(port), String(256 * 1024 * 1024), "30"]);
  results[s.name] = rps;
  const rss = [proc, ...others].map((p) => peakRss(p.pid).toFixed(0)).join(" + ");
  rows.push(`| ${s.name} | ${cells.join(" | ")} | ${bulk.MiB_s ?? "error"} | ${rss} |`);
  for (const p of [proc, ...others]) {
    p.kill();
    await p.exited;
  }
}
console.log(
  `\n64-byte ping-pong round trips/s (p99 latency), ${SECONDS} s per point after 1 s warm-up; bulk: 256 MiB on one connection\n`,
);
console.log("| server | 1 conn | 100 conns | 1,000 conns | bulk MiB/s | peak RSS MiB |");
console.log("|---|---|---|---|---|---|");
for (const r of rows) console.log(r);
const ev = results["Beagle (EventLoopHandler)"]!;
for (const base of ["Node net", "Bun.listen"]) {
  const b = results[base];
  if (!b) continue;
  console.log(
    `Beagle (EventLoopHandler) / ${base}: ${CONNS.map((c, i) => `${c}: ${(ev[i]! / b[i]!).toFixed(2)}x`).join(", ")}`,
  );
}
