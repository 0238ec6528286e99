// The JIT against the interpreter on the same Beagle programs: the six
// benchmark programs (bench/programs/) at reduced sizes, plus small programs
// for call-heavy recursion and a tight loop. Each cell is the median CPU time
// (user + system) of fresh processes, engines interleaved; outputs are
// compared before anything is timed.
//
//   bun bench/jit.ts [--runs N] [--only a,b]

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");
const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const RUNS = Number(opt("--runs") ?? 3);
const ONLY = opt("--only")?.split(",");

const tmp = mkdtempSync(join(tmpdir(), "beagle-jit-bench-"));
const extra: Record<string, string> = {
  fib: `namespace fib
fn fib(n) { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } }
fn main() { println(fib(27)) }
`,
  loop: `namespace loop
fn main() {
  let mut i = 0
  let mut acc = 0
  while i < 3000000 { acc = (acc + i * 7) % 1000003
    i = i + 1 }
  println(acc)
}
`,
};
for (const [name, src] of Object.entries(extra)) writeFileSync(join(tmp, `${name}.bg`), src);

const cases: { name: string; file: string; arg?: string }[] = [
  { name: "binary-trees", file: join(ROOT, "bench/programs/binary-trees.bg"), arg: "14" },
  { name: "fannkuch-redux", file: join(ROOT, "bench/programs/fannkuch-redux.bg"), arg: "8" },
  { name: "nbody", file: join(ROOT, "bench/programs/nbody.bg"), arg: "50000" },
  { name: "spectral-norm", file: join(ROOT, "bench/programs/spectral-norm.bg"), arg: "200" },
  { name: "mandelbrot", file: join(ROOT, "bench/programs/mandelbrot.bg"), arg: "400" },
  { name: "fasta", file: join(ROOT, "bench/programs/fasta.bg"), arg: "100000" },
  { name: "fib(27)", file: join(tmp, "fib.bg") },
  { name: "loop 3M", file: join(tmp, "loop.bg") },
].filter((c) => !ONLY || ONLY.includes(c.name));

const ENGINES: [string, Record<string, string>][] = [
  ["interpreter", { BEAGLE_JIT: "0" }],
  ["jit", {}],
];

function run(file: string, arg: string | undefined, env: Record<string, string>): { out: string; cpu: number } {
  const p = Bun.spawnSync([process.execPath, join(ROOT, "beagle.ts"), file, ...(arg ? [arg] : [])], {
    env: { ...process.env, BEAGLE_JIT: "", BEAGLE_JIT_THRESHOLD: "", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  if (p.exitCode !== 0) throw new Error(`${file} failed: ${p.stderr.toString()}`);
  const u = p.resourceUsage!;
  const cpu = (Number(u.cpuTime.user) + Number(u.cpuTime.system)) / 1e6;
  return { out: p.stdout.toString(), cpu };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
};

console.log(`| program | interpreter CPU (s) | JIT CPU (s) | speed-up |`);
console.log(`|---|---:|---:|---:|`);
try {
  for (const c of cases) {
    const outs = ENGINES.map(([, env]) => run(c.file, c.arg, env).out);
    if (outs[0] !== outs[1]) throw new Error(`${c.name}: the engines print different output`);
    const times: number[][] = ENGINES.map(() => []);
    for (let r = 0; r < RUNS; r++)
      for (let i = 0; i < ENGINES.length; i++) times[i]!.push(run(c.file, c.arg, ENGINES[i]![1]).cpu);
    const [ti, tj] = times.map(median) as [number, number];
    console.log(`| ${c.name} | ${ti.toFixed(2)} | ${tj.toFixed(2)} | ${(ti / tj).toFixed(1)}× |`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
