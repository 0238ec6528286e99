// Start-up time of a hello-world run, hyperfine style: N spawns of each command,
// interleaved round by round so machine noise hits all of them alike, against the
// baseline `bun -e 'console.log(1)'` measured in the same run.
//
//   bun bench/startup.ts [--runs N] [--write]
//
// --write puts the table into docs/cli.md between the startup markers.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { compileEntry, entrySource } from "../cli/build.ts";

const ROOT = resolve(import.meta.dir, "..");
const HELLO = join(ROOT, "examples", "hello.bg");
const DOC = join(ROOT, "docs", "cli.md");
const BEGIN = "<!-- startup:begin -->";
const END = "<!-- startup:end -->";

const args = process.argv.slice(2);
const runsAt = args.indexOf("--runs");
const RUNS = runsAt >= 0 ? Number(args[runsAt + 1]) : 20;
const WRITE = args.includes("--write");
const WARMUP = 2;

interface Case {
  name: string;
  argv: string[];
  expect?: string;
  times: number[];
  error?: string;
}

function spawnOnce(c: Case): number {
  const t0 = performance.now();
  const r = Bun.spawnSync(c.argv, { cwd: ROOT, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const dt = performance.now() - t0;
  if (r.exitCode !== 0 || (c.expect && !r.stdout.toString().includes(c.expect))) {
    c.error ??= `exit ${r.exitCode}: ${(r.stderr.toString() || r.stdout.toString()).trim().split("\n").slice(0, 3).join(" | ")}`;
  }
  return dt;
}

function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * (s.length - 1)))]!;
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  const sd = Math.sqrt(s.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, s.length - 1));
  return { mean, sd, min: s[0]!, median: q(0.5), p90: q(0.9) };
}

const work = mkdtempSync(join(tmpdir(), "beagle-startup-"));
try {
  const bun = process.execPath;
  const cases: Case[] = [
    { name: "bun -e 'console.log(1)' (baseline)", argv: [bun, "-e", "console.log(1)"], times: [] },
    {
      name: "bun beagle.ts examples/hello.bg",
      argv: [bun, join(ROOT, "beagle.ts"), HELLO],
      expect: "Hello, world!",
      times: [],
    },
    {
      name: "./beagle examples/hello.bg (launcher)",
      argv: [join(ROOT, "beagle"), HELLO],
      expect: "Hello, world!",
      times: [],
    },
  ];

  // The compiled CLI and the compiled program, built fresh for this run.
  process.stderr.write("building the compiled CLI and hello program...\n");
  const cliExe = join(work, "beagle");
  const cli = compileEntry(join(ROOT, "beagle.ts"), cliExe);
  if (cli.code === 0) {
    cases.push({
      name: "compiled CLI: beagle examples/hello.bg",
      argv: [cliExe, HELLO],
      expect: "Hello, world!",
      times: [],
    });
  } else process.stderr.write(`compiled CLI build failed:\n${cli.output}\n`);
  const entry = join(work, "hello-main.ts");
  writeFileSync(entry, entrySource(HELLO, ROOT));
  const helloExe = join(work, "hello");
  const prog = compileEntry(entry, helloExe);
  if (prog.code === 0) {
    cases.push({
      name: "beagle build hello.bg -o hello; ./hello",
      argv: [helloExe],
      expect: "Hello, world!",
      times: [],
    });
  } else process.stderr.write(`hello build failed:\n${prog.output}\n`);

  for (let i = 0; i < WARMUP; i++) for (const c of cases) spawnOnce(c);
  for (const c of cases) c.error = undefined;
  for (let r = 0; r < RUNS; r++) for (const c of cases) c.times.push(spawnOnce(c));

  const base = stats(cases[0]!.times).mean;
  const rows = cases.map((c) => {
    const s = stats(c.times);
    const f = (x: number) => x.toFixed(1);
    return `| ${c.name} | ${f(s.mean)} ± ${f(s.sd)} | ${f(s.median)} | ${f(s.min)} | ${f(s.p90)} | ${(s.mean / base).toFixed(2)}× |${c.error ? ` fails: ${c.error.replaceAll("|", "/")}` : ""}`;
  });
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const table = [
    `Measured ${new Date().toISOString().slice(0, 10)} with \`bun bench/startup.ts\`: ${RUNS} runs each after ${WARMUP} warm-up runs,`,
    `Bun ${Bun.version}, ${process.platform}/${process.arch}, ${cpus().length} × ${cpu}. Times in ms, wall clock per spawn.`,
    "",
    "| command | mean ± sd | median | min | p90 | vs baseline |",
    "|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
  console.log(table);

  if (WRITE) {
    const doc = existsSync(DOC) ? readFileSync(DOC, "utf8") : "";
    const a = doc.indexOf(BEGIN);
    const b = doc.indexOf(END);
    if (a < 0 || b < a) {
      process.stderr.write(`no ${BEGIN} ... ${END} section in ${DOC}; not written\n`);
      process.exitCode = 1;
    } else {
      writeFileSync(DOC, doc.slice(0, a + BEGIN.length) + "\n" + table + "\n" + doc.slice(b));
      process.stderr.write(`wrote ${DOC}\n`);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
