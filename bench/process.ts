// beagle.process against Bun.spawn and node:child_process in one run:
//   spawn + wait of /bin/true N times, one after another and 50 at a time;
//   a pipe of M MiB through cat (written and read at once).
// Each case runs once untimed, then ROUNDS times; the table shows the best and the median.
//   bun bench/process.ts [N=1000] [MiB=100] [ROUNDS=3]
import { spawn as nodeSpawn } from "node:child_process";
import { createRuntime, runMainFiber, runTask } from "../vm/run.ts";
import { Closure } from "../vm/objects.ts";

const N = Number(process.argv[2] ?? 1000);
const MIB = Number(process.argv[3] ?? 100);
const ROUNDS = Number(process.argv[4] ?? 3);
const AT_ONCE = 50;
const CHUNK = "0123456789abcdef".repeat(65536); // 1 MiB of ASCII

const src = `
use beagle.process as proc
use beagle.async as async
let quiet = {:stdin :null :stdout :null :stderr :null}
fn one() { proc/wait(proc/spawn!("/bin/true", [], quiet)).code }
fn sequential(n) {
  let mut i = 0
  while i < n {
    one()
    i = i + 1
  }
  n
}
fn at-once(n, k) {
  let mut done = 0
  while done < n {
    let mut fs = []
    let mut j = 0
    while j < k && done + j < n {
      fs = push(fs, async/spawn(fn() { one() }))
      j = j + 1
    }
    async/await-all(fs)
    done = done + j
  }
  done
}
fn pipe(chunk, mib) {
  let p = proc/spawn!("cat")
  let writer = async/spawn(fn() {
    let mut i = 0
    while i < mib {
      proc/write!(p, chunk)
      i = i + 1
    }
    proc/close-stdin(p)
  })
  let mut total = 0
  let mut more = true
  while more {
    let c = unwrap!(proc/read(p))
    if c == null { more = false } else { total = total + length(c) }
  }
  async/await(writer)
  proc/wait(p)
  proc/close(p)
  total
}
`;

const rt = createRuntime();
const mod = rt.loader.compile(src, "bench-process.bg");
runMainFiber(rt.vm, new Closure(mod.init, []), null);

function beagle(name: string, args: unknown[]): unknown {
  const f = runTask(rt.vm, mod.ns.vars.get(name)!.value, args as never[]);
  if (f.error !== undefined) throw new Error(`beagle ${name} failed`);
  return f.result;
}

async function bunTrue() {
  const p = Bun.spawn(["/bin/true"], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  return await p.exited;
}

function nodeTrue(): Promise<number> {
  return new Promise((resolve, reject) => {
    const c = nodeSpawn("/bin/true", [], { stdio: "ignore" });
    c.on("error", reject);
    c.on("exit", (code) => resolve(code ?? -1));
  });
}

async function inBatches(n: number, k: number, one: () => Promise<number>) {
  for (let done = 0; done < n; done += k) {
    const ps: Promise<number>[] = [];
    for (let j = 0; j < k && done + j < n; j++) ps.push(one());
    await Promise.all(ps);
  }
}

async function bunPipe(mib: number): Promise<number> {
  const p = Bun.spawn(["cat"], { stdin: "pipe", stdout: "pipe", stderr: "inherit" });
  const writer = (async () => {
    for (let i = 0; i < mib; i++) {
      p.stdin.write(CHUNK);
      await p.stdin.flush();
    }
    await p.stdin.end();
  })();
  let total = 0;
  for await (const c of p.stdout) total += c.length;
  await writer;
  await p.exited;
  return total;
}

function nodePipe(mib: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const c = nodeSpawn("cat", [], { stdio: ["pipe", "pipe", "inherit"] });
    let total = 0;
    c.stdout.on("data", (d: Buffer) => {
      total += d.length;
    });
    c.on("error", reject);
    c.on("close", () => resolve(total));
    let i = 0;
    const writeMore = () => {
      while (i < mib) {
        i++;
        if (!c.stdin.write(CHUNK)) {
          c.stdin.once("drain", writeMore);
          return;
        }
      }
      c.stdin.end();
    };
    writeMore();
  });
}

interface Row {
  group: string;
  name: string;
  best: number;
  median: number;
}
const rows: Row[] = [];

async function measure(group: string, name: string, f: () => unknown, check: (v: unknown) => boolean) {
  const times: number[] = [];
  await f(); // warm-up (the interpreter's and JSC's first pass over this code), not timed
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    const v = await f();
    times.push(performance.now() - t0);
    if (!check(v)) throw new Error(`${group} / ${name}: wrong result ${String(v)}`);
  }
  times.sort((a, b) => a - b);
  rows.push({ group, name, best: times[0]!, median: times[Math.floor(times.length / 2)]! });
}

const seq = `spawn + wait /bin/true x${N}, sequential`;
await measure(
  seq,
  "beagle.process",
  () => beagle("sequential", [N]),
  (v) => v === N,
);
await measure(
  seq,
  "Bun.spawn",
  async () => {
    for (let i = 0; i < N; i++) await bunTrue();
    return N;
  },
  (v) => v === N,
);
await measure(
  seq,
  "node:child_process",
  async () => {
    for (let i = 0; i < N; i++) await nodeTrue();
    return N;
  },
  (v) => v === N,
);

const par = `spawn + wait /bin/true x${N}, ${AT_ONCE} at a time`;
await measure(
  par,
  "beagle.process",
  () => beagle("at-once", [N, AT_ONCE]),
  (v) => v === N,
);
await measure(
  par,
  "Bun.spawn",
  () => inBatches(N, AT_ONCE, bunTrue),
  () => true,
);
await measure(
  par,
  "node:child_process",
  () => inBatches(N, AT_ONCE, nodeTrue),
  () => true,
);

const bytes = MIB * CHUNK.length;
const pipe = `${MIB} MiB through cat`;
await measure(
  pipe,
  "beagle.process",
  () => beagle("pipe", [CHUNK, MIB]),
  (v) => v === bytes,
);
await measure(
  pipe,
  "Bun.spawn",
  () => bunPipe(MIB),
  (v) => v === bytes,
);
await measure(
  pipe,
  "node:child_process",
  () => nodePipe(MIB),
  (v) => v === bytes,
);

let last = "";
for (const r of rows) {
  if (r.group !== last) {
    console.log(`\n${r.group}`);
    last = r.group;
  }
  const base = rows.find((x) => x.group === r.group && x.name === "Bun.spawn")!;
  const extra =
    r.group === pipe
      ? `  ${(bytes / 1048576 / (r.median / 1000)).toFixed(0)} MiB/s`
      : `  ${((r.median * 1000) / N).toFixed(0)} us/spawn`;
  console.log(
    `  ${r.name.padEnd(20)} best ${r.best.toFixed(0).padStart(6)} ms  median ${r.median.toFixed(0).padStart(6)} ms  ${(r.median / base.median).toFixed(2)}x Bun${extra}`,
  );
}
rt.processes.shutdown();
await rt.async.backend.close();
