// Whole-program comparison: the same six benchmark programs written in Beagle,
// Python and JavaScript (bench/programs/), run under Beagle (bun beagle.ts),
// CPython (python3) and Bun in the same session. Each run is a fresh process
// timed by wall clock (spawn + performance.now), rounds interleaved so machine
// noise hits all three alike; the figure reported is the median.
//
//   bun bench/languages.ts [--quick] [--runs N] [--only a,b] [--no-write]
//
// --quick   smaller sizes (a smoke run in seconds; nothing is written)
// --runs N  repetitions per program and language (default 5; 3 with --quick)
// --only    a comma-separated subset of the programs
// --no-write  print the table only; by default a full run replaces the figures
//           between the markers in docs/performance.md
//
// Before timing, every program's three outputs are compared: a mismatch is
// reported and that program's ratios are marked.
//
// With a mirror of upstream Beagle at hand (UPSTREAM_REPO, default ../.mirror/
// jimmyhmiller+beagle/repo beside the checkout), upstream's own benchmark programs
// (benchmarks/benchmarksgame/*.bg) are read from it into a temp dir, never
// committed, and timed unchanged under our Beagle in the same rounds: code we
// did not write, against the same CPython figures.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, platform, arch, tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");
const PROGRAMS = join(ROOT, "bench", "programs");
const DOC = join(ROOT, "docs", "performance.md");
const BEGIN = "<!-- languages:begin -->";
const END = "<!-- languages:end -->";

const args = process.argv.slice(2);
const QUICK = args.includes("--quick");
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const RUNS = Number(opt("--runs") ?? (QUICK ? 3 : 5));
const ONLY = opt("--only")?.split(",");
const WRITE = !QUICK && !args.includes("--no-write");

interface Program {
  name: string;
  size: number;
  quick: number;
}

const ALL: Program[] = [
  { name: "binary-trees", size: 16, quick: 10 },
  { name: "fannkuch-redux", size: 9, quick: 7 },
  { name: "nbody", size: 250000, quick: 10000 },
  { name: "spectral-norm", size: 400, quick: 100 },
  { name: "mandelbrot", size: 800, quick: 200 },
  { name: "fasta", size: 250000, quick: 10000 },
];

type Lang = "beagle" | "cpython" | "bun";
const LANGS: Lang[] = ["beagle", "cpython", "bun"];
const BUN = process.execPath;
const PYTHON = Bun.which("python3") ?? "python3";

function argv(lang: Lang, p: Program, size: number): string[] {
  const base = join(PROGRAMS, p.name);
  switch (lang) {
    case "beagle":
      return [BUN, join(ROOT, "beagle.ts"), base + ".bg", String(size)];
    case "cpython":
      return [PYTHON, base + ".py", String(size)];
    case "bun":
      return [BUN, base + ".js", String(size)];
  }
}

interface Run {
  ms: number;
  /** user + system CPU time of the process (includes JIT and GC threads) */
  cpu: number;
  out: string;
  ok: boolean;
  err: string;
}

function runOnce(cmd: string[]): Run {
  const t0 = performance.now();
  const r = Bun.spawnSync(cmd, { cwd: ROOT, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const ms = performance.now() - t0;
  const cpu = Number(r.resourceUsage?.cpuTime.total ?? 0n) / 1000;
  return {
    ms,
    cpu,
    out: r.stdout.toString(),
    ok: r.exitCode === 0,
    err: r.stderr.toString().trim().split("\n").slice(0, 3).join(" | "),
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const programs = ALL.filter((p) => !ONLY || ONLY.includes(p.name));

// upstream's programs, extracted from the mirror for this run only
const UPSTREAM_REPO = process.env.UPSTREAM_REPO ?? join(ROOT, "..", ".mirror", "jimmyhmiller+beagle", "repo");
const upstreamDir = existsSync(UPSTREAM_REPO) ? mkdtempSync(join(tmpdir(), "beagle-upstream-bench-")) : null;
const upstreamFile = new Map<string, string>();
if (upstreamDir) {
  for (const p of programs) {
    const path = `benchmarks/benchmarksgame/${p.name.replace(/-/g, "_")}.bg`;
    const r = Bun.spawnSync(["git", `--git-dir=${UPSTREAM_REPO}`, "show", `HEAD:${path}`], { stdout: "pipe" });
    if (r.exitCode !== 0) continue;
    const file = join(upstreamDir, `${p.name.replace(/-/g, "_")}.bg`);
    writeFileSync(file, r.stdout);
    upstreamFile.set(p.name, file);
  }
  process.on("exit", () => rmSync(upstreamDir, { recursive: true, force: true }));
}
const upstreamArgv = (p: Program, size: number) => [
  BUN,
  join(ROOT, "beagle.ts"),
  upstreamFile.get(p.name)!,
  String(size),
];
const times = new Map<string, number[]>();
const cpuTimes = new Map<string, number[]>();
const problems = new Map<string, string>();
const key = (p: Program, l: Lang) => `${p.name}/${l}`;

// 1. outputs agree (this run also warms the file cache)
for (const p of programs) {
  const size = QUICK ? p.quick : p.size;
  const outs = LANGS.map((l) => ({ l, r: runOnce(argv(l, p, size)) }));
  for (const { l, r } of outs) if (!r.ok) problems.set(p.name, `${l} failed: ${r.err}`);
  const ref = outs.find((o) => o.l === "cpython")!.r.out;
  for (const { l, r } of outs) {
    if (r.ok && r.out !== ref) problems.set(p.name, `${l} output differs from CPython's`);
  }
  console.log(`${p.name} ${size}: ${problems.get(p.name) ?? "outputs agree"}`);
  if (upstreamFile.has(p.name)) {
    const r = runOnce(upstreamArgv(p, size));
    if (!r.ok) {
      console.log(`  upstream's ${p.name} failed under our Beagle: ${r.err}`);
      upstreamFile.delete(p.name);
    }
  }
}

// 2. timing, interleaved round by round
for (let round = 0; round < RUNS; round++) {
  for (const p of programs) {
    const size = QUICK ? p.quick : p.size;
    for (const l of LANGS) {
      const r = runOnce(argv(l, p, size));
      if (!r.ok) problems.set(p.name, `${l} failed: ${r.err}`);
      const k = key(p, l);
      if (!times.has(k)) times.set(k, []);
      times.get(k)!.push(r.ms);
      if (!cpuTimes.has(k)) cpuTimes.set(k, []);
      cpuTimes.get(k)!.push(r.cpu);
    }
    if (upstreamFile.has(p.name)) {
      const r = runOnce(upstreamArgv(p, size));
      const k = `${p.name}/upstream`;
      if (!times.has(k)) times.set(k, []);
      times.get(k)!.push(r.ok ? r.ms : Number.NaN);
    }
  }
  process.stderr.write(`round ${round + 1}/${RUNS} done\n`);
}

// 3. the tables: wall time (what the user waits for) and CPU time (less sensitive to a busy machine)
const fmt = (ms: number) => (ms / 1000).toFixed(ms < 100 ? 3 : 2);
const ratio = (x: number) => (x >= 10 ? x.toFixed(0) : x.toFixed(2)) + "×";
function renderTable(t: Map<string, number[]>, unit: string): string {
  const rows: string[] = [
    `| program | size | Beagle ${unit} | CPython ${unit} | Bun ${unit} | Beagle / CPython | Beagle / Bun |`,
    "|---|---:|---:|---:|---:|---:|---:|",
  ];
  let geoPy = 0;
  let geoBun = 0;
  for (const p of programs) {
    const [b, c, j] = LANGS.map((l) => median(t.get(key(p, l))!));
    geoPy += Math.log(b! / c!);
    geoBun += Math.log(b! / j!);
    const mark = problems.has(p.name) ? " ⚠" : "";
    rows.push(
      `| ${p.name}${mark} | ${(QUICK ? p.quick : p.size).toLocaleString("en-US")} | ${fmt(b!)} | ${fmt(c!)} | ${fmt(j!)} | ${ratio(b! / c!)} | ${ratio(b! / j!)} |`,
    );
  }
  if (programs.length > 1) {
    rows.push(
      `| geometric mean | | | | | ${ratio(Math.exp(geoPy / programs.length))} | ${ratio(Math.exp(geoBun / programs.length))} |`,
    );
  }
  return rows.join("\n");
}

const pyVersion = Bun.spawnSync([PYTHON, "--version"]).stdout.toString().trim();
const cpu = cpus();
const machine = `${cpu.length} × ${cpu[0]?.model.trim() ?? "unknown CPU"}, ${platform()}/${arch()}`;
const date = new Date().toISOString().slice(0, 10);
const header =
  `Measured ${date} with \`bun bench/languages.ts${QUICK ? " --quick" : ""}\`: medians of ${RUNS} runs per cell ` +
  `(fresh process each, start-up included, rounds interleaved), on ${machine}; ` +
  `Bun ${Bun.version}, ${pyVersion}. A ratio above 1× means Beagle is slower.`;
const notes = [...problems].map(([n, m]) => `\n⚠ ${n}: ${m}`).join("");
function renderUpstream(): string {
  const rows = programs.filter((p) => upstreamFile.has(p.name));
  if (rows.length === 0) return "";
  const lines = [
    "Upstream's own programs (benchmarks/benchmarksgame/, read from a mirror, unchanged) under our Beagle, wall time, median (s):",
    "",
    "| program | size | upstream's program (s) | CPython (s) | upstream's program / CPython |",
    "|---|---:|---:|---:|---:|",
  ];
  for (const p of rows) {
    const u = median(times.get(`${p.name}/upstream`)!);
    const c = median(times.get(key(p, "cpython"))!);
    lines.push(
      `| ${p.name} | ${(QUICK ? p.quick : p.size).toLocaleString("en-US")} | ${fmt(u)} | ${fmt(c)} | ${ratio(u / c)} |`,
    );
  }
  return `\n${lines.join("\n")}\n`;
}

const table =
  `${header}\n\nWall time, median (s):\n\n${renderTable(times, "(s)")}\n\n` +
  `CPU time of the process (user + system, includes JIT compiler and GC threads), median (s):\n\n${renderTable(cpuTimes, "CPU (s)")}\n${renderUpstream()}${notes}`;
console.log("\n" + table);

if (WRITE) {
  const block = `${BEGIN}\n${table}\n${END}`;
  let doc = existsSync(DOC) ? readFileSync(DOC, "utf8") : `# Performance\n\n${BEGIN}\n${END}\n`;
  if (!doc.includes(BEGIN)) doc += `\n${BEGIN}\n${END}\n`;
  doc = doc.replace(new RegExp(`${BEGIN}[\\s\\S]*?${END}`), () => block);
  writeFileSync(DOC, doc);
  console.log(`\nwrote ${DOC}`);
}
