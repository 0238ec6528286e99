// `beagle test [PATHS...]` and `beagle --all-tests`.
//
// Each test file runs in its own process (`beagle run FILE` with BEAGLE_TEST_BLOCKS=1),
// several at once, each under a timeout. A file passes when
//   - its stdout (trimmed) equals its expectation block (trimmed), if it has one,
//   - every `test "name" { }` block it declares reported ok, and
//   - the process exited with code 0.
// See docs/testing.md for the file format and the contract with the VM.

import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { unifiedDiff } from "./diff.ts";
import { beagleCommand, isStandalone, REPO_ROOT } from "./self.ts";
import {
  findExpectation,
  findSkip,
  isTestFile,
  outputMatches,
  rewriteExpectation,
  testBlockNames,
} from "./snapshot.ts";

/** Prefix of a test-block report line on the child's stderr. */
export const BLOCK_REPORT_PREFIX = "@@beagle-test ";
/** Line the VM writes to stdout before running the first test block. */
export const BLOCKS_BEGIN_MARKER = "@@beagle-test-blocks-begin";
/** Environment variable that asks the VM to run test blocks. */
export const TEST_BLOCKS_ENV = "BEAGLE_TEST_BLOCKS";
/** Prefix of the line the VM writes to stderr as a test block starts. */
export const BLOCK_START_PREFIX = "@@beagle-test-start ";
/** Environment variable that limits the test blocks run to names containing it. */
export const TEST_FILTER_ENV = "BEAGLE_TEST_FILTER";
/** A snapshot diff longer than this many lines is cut, with a summary. */
export const MAX_DIFF_LINES = 120;

export const DEFAULT_TIMEOUT_MS = 30_000;
const MAX_CAPTURE = 8 * 1024 * 1024;
const TAIL_LINES = 40;

export interface RunnerOptions {
  paths: string[];
  filter: string | null;
  updateSnapshots: boolean;
  timeoutMs: number;
  jobs: number;
  verbose: boolean;
  /** write a CTRF JSON report here */
  ctrf: string | null;
}

export interface SuiteConfig extends RunnerOptions {
  /** argv prefix that runs one file; the file path is appended. */
  command: string[];
  cwd: string;
  /** Receives the report, one chunk per line (no trailing newline). */
  print: (line: string) => void;
  color: boolean;
  env?: Record<string, string | undefined>;
  /** files chosen by a test name rather than their path: only matching blocks run in them */
  blockFilter?: { text: string; files: Set<string> };
  /** a live "[done/total] file" line on stderr (a terminal) */
  progress?: boolean;
}

export interface BlockResult {
  name: string;
  ok: boolean;
  message: string;
  /** how long the block ran, when the VM says */
  ms?: number;
}

export interface FileResult {
  file: string;
  display: string;
  status: "pass" | "fail" | "skip";
  skipReason: string | null;
  details: string[];
  blocks: BlockResult[];
  durationMs: number;
  updated: boolean;
  /** a test block that started and never reported (the file was killed while running it) */
  running?: string | null;
}

export interface Summary {
  passed: number;
  failed: number;
  skipped: number;
  blocksPassed: number;
  blocksFailed: number;
  results: FileResult[];
}

export interface ProcessOutcome {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
}

const USAGE =
  "usage: beagle test [PATHS...] [--filter S] [--update-snapshots] [--timeout MS] [--jobs N] [--verbose] [--ctrf FILE]\n" +
  "       beagle --all-tests [--filter S] [--update-snapshots] [--timeout MS] [--jobs N] [--verbose] [--ctrf FILE]";

export function defaultJobs(): number {
  try {
    return Math.max(1, availableParallelism());
  } catch {
    return 1;
  }
}

export function parseArgs(args: string[]): RunnerOptions | { error: string } | { help: true } {
  const opts: RunnerOptions = {
    paths: [],
    filter: null,
    updateSnapshots: false,
    timeoutMs: DEFAULT_TIMEOUT_MS,
    jobs: defaultJobs(),
    verbose: false,
    ctrf: null,
  };
  const positiveInt = (name: string, v: string | undefined): number | string => {
    if (v === undefined) return `${name} needs a value`;
    const n = Number(v);
    return Number.isInteger(n) && n > 0 ? n : `${name} must be a positive integer, got '${v}'`;
  };
  for (let i = 0; i < args.length; i++) {
    let a = args[i]!;
    let inline: string | undefined;
    const eq = a.indexOf("=");
    if (a.startsWith("--") && eq > 0) {
      inline = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    const value = () => (inline !== undefined ? inline : args[++i]);
    switch (a) {
      case "-h":
      case "--help":
        return { help: true };
      case "-u":
      case "--update-snapshots":
        opts.updateSnapshots = true;
        break;
      case "-v":
      case "--verbose":
        opts.verbose = true;
        break;
      case "--filter": {
        const v = value();
        if (v === undefined) return { error: "--filter needs a value" };
        opts.filter = v;
        break;
      }
      case "--ctrf": {
        const v = value();
        if (v === undefined) return { error: "--ctrf needs a file name" };
        opts.ctrf = v;
        break;
      }
      case "--timeout": {
        const n = positiveInt("--timeout", value());
        if (typeof n === "string") return { error: n };
        opts.timeoutMs = n;
        break;
      }
      case "-j":
      case "--jobs": {
        const n = positiveInt("--jobs", value());
        if (typeof n === "string") return { error: n };
        opts.jobs = n;
        break;
      }
      case "--":
        opts.paths.push(...args.slice(i + 1));
        i = args.length;
        break;
      default:
        if (a.startsWith("-") && a !== "-") return { error: `unknown option '${args[i]}'` };
        opts.paths.push(a);
    }
  }
  return opts;
}

function walk(dir: string, out: string[]): void {
  let entries: import("node:fs").Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  entries.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith(".") || e.name === "node_modules") continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile() && e.name.endsWith(".bg")) {
      let source: string;
      try {
        source = readFileSync(p, "utf8");
      } catch {
        continue;
      }
      if (isTestFile(source)) out.push(p);
    }
  }
}

/**
 * Test files under the given paths (absolute). Directories are searched
 * recursively for .bg files that carry an expectation block or test blocks; a
 * file named explicitly is always included. Throws on a path that does not exist.
 */
export function discover(paths: string[], cwd: string): string[] {
  const files: string[] = [];
  for (const p of paths) {
    const abs = resolve(cwd, p);
    if (!existsSync(abs)) throw new Error(`path not found: ${p}`);
    if (statSync(abs).isDirectory()) walk(abs, files);
    else files.push(abs);
  }
  return [...new Set(files)];
}

export function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) ? rel : file;
}

/** Run one command, capturing output, killing its whole process group on timeout. */
export function runProcess(
  argv: string[],
  opts: { cwd: string; env: Record<string, string | undefined>; timeoutMs: number },
  track?: Set<number>,
): Promise<ProcessOutcome> {
  const started = performance.now();
  return new Promise((resolveOutcome) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: opts.cwd,
      env: opts.env as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // own process group, so a timeout kills grandchildren too
    });
    const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
    const sizes = { out: 0, err: 0 };
    const truncated = { out: false, err: false };
    const collect = (which: "out" | "err") => (d: Buffer) => {
      if (sizes[which] >= MAX_CAPTURE) {
        truncated[which] = true;
        return;
      }
      chunks[which].push(d);
      sizes[which] += d.length;
    };
    child.stdout!.on("data", collect("out"));
    child.stderr!.on("data", collect("err"));

    let timedOut = false;
    let settled = false;
    const pid = child.pid;
    if (pid !== undefined) track?.add(pid);
    const killGroup = () => {
      if (pid === undefined) return;
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        try {
          child.kill("SIGKILL");
        } catch {}
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
      // If something outside the group still holds the pipes, stop waiting for them.
      setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        finish(null, "SIGKILL");
      }, 2000).unref();
    }, opts.timeoutMs);

    const finish = (code: number | null, signal: string | null, spawnError?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (pid !== undefined) track?.delete(pid);
      let stdout = Buffer.concat(chunks.out).toString("utf8");
      let stderr = Buffer.concat(chunks.err).toString("utf8");
      if (truncated.out) stdout += `\n[stdout truncated after ${MAX_CAPTURE} bytes]\n`;
      if (truncated.err) stderr += `\n[stderr truncated after ${MAX_CAPTURE} bytes]\n`;
      if (spawnError) stderr += `failed to start ${argv[0]}: ${spawnError.message}\n`;
      resolveOutcome({
        stdout,
        stderr,
        code: spawnError ? 127 : code,
        signal,
        timedOut,
        durationMs: performance.now() - started,
      });
    };
    child.on("error", (e) => finish(null, null, e));
    child.on("close", (code, signal) => finish(code, signal));
  });
}

/** Split the child's stderr into test-block reports and everything else. */
export function parseBlockReports(stderr: string): { blocks: BlockResult[]; other: string; running: string | null } {
  const blocks: BlockResult[] = [];
  const other: string[] = [];
  let running: string | null = null;
  for (const line of stderr.split("\n")) {
    if (line.startsWith(BLOCK_START_PREFIX)) {
      try {
        const r = JSON.parse(line.slice(BLOCK_START_PREFIX.length));
        if (r && typeof r.name === "string") {
          running = r.name;
          continue;
        }
      } catch {}
    }
    if (line.startsWith(BLOCK_REPORT_PREFIX)) {
      try {
        const r = JSON.parse(line.slice(BLOCK_REPORT_PREFIX.length));
        if (r && typeof r.name === "string" && typeof r.ok === "boolean") {
          const b: BlockResult = { name: r.name, ok: r.ok, message: typeof r.message === "string" ? r.message : "" };
          if (typeof r.ms === "number") b.ms = r.ms;
          blocks.push(b);
          running = null;
          continue;
        }
      } catch {}
    }
    other.push(line);
  }
  return { blocks, other: other.join("\n"), running };
}

/** Stdout before the test blocks started (what the snapshot is compared with), and after. */
export function splitStdout(stdout: string): { main: string; blocks: string } {
  const lines = stdout.split("\n");
  const at = lines.findIndex((l) => l.replace(/\r$/, "") === BLOCKS_BEGIN_MARKER);
  if (at < 0) return { main: stdout, blocks: "" };
  return { main: lines.slice(0, at).join("\n"), blocks: lines.slice(at + 1).join("\n") };
}

function tail(text: string, n = TAIL_LINES): string[] {
  const lines = text.replace(/\s+$/, "").split("\n");
  if (lines.length <= n) return lines;
  return [`... (${lines.length - n} earlier lines not shown)`, ...lines.slice(-n)];
}

/** Judge one finished run. Pure apart from rewriting the file under --update-snapshots. */
export function evaluate(
  file: string,
  display: string,
  source: string,
  run: ProcessOutcome,
  opts: { updateSnapshots: boolean; timeoutMs: number; verbose?: boolean },
): FileResult {
  const details: string[] = [];
  let failed = false;
  let updated = false;
  const { blocks, other: stderr, running } = parseBlockReports(run.stderr);
  const { main: stdout } = splitStdout(run.stdout);
  const exp = findExpectation(source);
  const declared = testBlockNames(source);
  const blockFailures = blocks.filter((b) => !b.ok);
  let processFailed = false;

  if (run.timedOut) {
    failed = processFailed = true;
    details.push(
      `timed out after ${opts.timeoutMs} ms (killed) ${
        running !== null
          ? `while running test '${running}'`
          : blocks.length > 0
            ? `after test '${blocks[blocks.length - 1]!.name}'`
            : "before any test block started (in the top-level code or main)"
      }`,
    );
  } else if (run.code === null || run.signal) {
    failed = processFailed = true;
    details.push(`killed by signal ${run.signal ?? "?"}`);
  } else if (run.code !== 0) {
    failed = true;
    if (blockFailures.length === 0) {
      processFailed = true;
      details.push(`exited with code ${run.code}`);
    }
  }

  const finished = !run.timedOut && !run.signal && run.code !== null;
  if (exp && finished) {
    const canUpdate = run.code === 0 || blocks.length > 0;
    const matches = exp.expected !== "" && outputMatches(exp.expected, stdout);
    if (!matches) {
      if (opts.updateSnapshots && canUpdate && stdout.trim() !== "") {
        const next = rewriteExpectation(source, stdout);
        if (next !== null && next !== source) {
          writeFileSync(file, next);
          updated = true;
        }
      } else if (exp.expected === "") {
        failed = true;
        details.push(
          `the ${exp.marker} block is empty: write the expected output after it, or run with --update-snapshots`,
        );
      } else if (!processFailed) {
        failed = true;
        details.push("stdout does not match the expectation block:");
        details.push(...cappedDiff(exp.expected, stdout.trim()).map((l) => "  " + l));
      } else if (stdout.trim() !== "") {
        details.push("stdout:", ...tail(stdout).map((l) => "  " + l));
      }
    }
  } else if (processFailed && stdout.trim() !== "") {
    details.push("stdout:", ...tail(stdout).map((l) => "  " + l));
  }

  if (declared.length > 0 && blocks.length === 0 && finished && run.code === 0) {
    failed = true;
    details.push(
      `declares ${declared.length} test block(s) but none reported ` +
        `(the VM runs them and reports on stderr when ${TEST_BLOCKS_ENV}=1)`,
    );
  }
  for (const b of blocks) {
    const time = opts.verbose && b.ms !== undefined ? ` (${b.ms} ms)` : "";
    details.push(`test ${b.ok ? "pass" : "FAIL"}: ${b.name}${time}`);
    if (!b.ok) {
      failed = true;
      for (const l of (b.message || "(no message)").split("\n")) details.push("  " + l);
    }
  }
  if (failed && stderr.trim() !== "") details.push("stderr:", ...tail(stderr).map((l) => "  " + l));

  return {
    file,
    display,
    status: failed ? "fail" : "pass",
    skipReason: null,
    details,
    blocks,
    durationMs: run.durationMs,
    updated,
    running,
  };
}

/**
 * The snapshot diff, cut to MAX_DIFF_LINES with a summary of the rest (a runaway program's
 * megabytes of output must not become megabytes of report).
 */
export function cappedDiff(expected: string, actual: string): string[] {
  const expLines = expected.split("\n").length;
  const actLines = actual.split("\n").length;
  const summary = `(expected ${expLines} line${expLines === 1 ? "" : "s"}, ${actual.length > 0 ? actLines : 0} in stdout)`;
  // far more output than expected: compare only a prefix (the diff of the rest says nothing new)
  const limit = Math.max(expLines * 2, MAX_DIFF_LINES) + 1;
  const cutActual = actLines > limit ? actual.split("\n").slice(0, limit).join("\n") : actual;
  const lines = unifiedDiff(expected, cutActual, { expectedLabel: "expected", actualLabel: "actual stdout" }).split(
    "\n",
  );
  if (lines.length <= MAX_DIFF_LINES && cutActual === actual) return lines;
  const shown = lines.slice(0, MAX_DIFF_LINES);
  return [...shown, `... diff cut after ${shown.length} lines ${summary}`];
}

export async function runOne(file: string, cfg: SuiteConfig, track?: Set<number>): Promise<FileResult> {
  const display = displayPath(file, cfg.cwd);
  let source: string;
  try {
    source = readFileSync(file, "utf8");
  } catch (e) {
    return {
      file,
      display,
      status: "fail",
      skipReason: null,
      blocks: [],
      durationMs: 0,
      updated: false,
      details: [`cannot read file: ${(e as Error).message}`],
    };
  }
  const skip = findSkip(source);
  if (skip) {
    return {
      file,
      display,
      status: "skip",
      skipReason: skip.reason,
      details: [],
      blocks: [],
      durationMs: 0,
      updated: false,
    };
  }
  const base = cfg.env ?? process.env;
  // test files may `use` the project's modules: the runner's directory is on the module path
  const beaglePath = [base.BEAGLE_PATH, cfg.cwd].filter(Boolean).join(":");
  const env: Record<string, string | undefined> = { ...base, [TEST_BLOCKS_ENV]: "1", BEAGLE_PATH: beaglePath };
  if (cfg.blockFilter?.files.has(file)) env[TEST_FILTER_ENV] = cfg.blockFilter.text;
  else delete env[TEST_FILTER_ENV];
  const run = await runProcess([...cfg.command, file], { cwd: cfg.cwd, env, timeoutMs: cfg.timeoutMs }, track);
  return evaluate(file, display, source, run, cfg);
}

function paint(cfg: SuiteConfig, code: string, text: string): string {
  return cfg.color ? `\x1b[${code}m${text}\x1b[0m` : text;
}

export function formatResult(r: FileResult, cfg: SuiteConfig): string[] {
  const time = cfg.verbose ? ` (${(r.durationMs / 1000).toFixed(2)}s)` : "";
  if (r.status === "skip") {
    return [`  ${paint(cfg, "33", "SKIP")}  ${r.display}${r.skipReason ? ` (${r.skipReason})` : ""}`];
  }
  const head =
    r.status === "pass"
      ? `  ${paint(cfg, "32", "PASS")}  ${r.display}${r.updated ? " (snapshot updated)" : ""}${time}`
      : `  ${paint(cfg, "31", "FAIL")}  ${r.display}${time}`;
  return [head, ...r.details.map((d) => "        " + d)];
}

export function summaryLine(s: Pick<Summary, "passed" | "failed" | "skipped">): string {
  return `${s.passed} passed, ${s.failed} failed${s.skipped > 0 ? `, ${s.skipped} skipped` : ""}`;
}

/**
 * A process that outlives the runner to kill its children's process groups if the runner
 * dies without doing so itself (SIGKILL, a crash): it reads `+PGID` / `-PGID` lines and, when
 * its stdin closes (the kernel closes it when the runner dies, whatever killed it), kills the
 * groups still listed. It ignores the terminal's signals so a Ctrl-C cannot take it first.
 */
export class Watchdog {
  private readonly child: ReturnType<typeof spawn> | null;
  constructor() {
    let child: ReturnType<typeof spawn> | null = null;
    try {
      const awk =
        "/^[+]/ { live[substr($0, 2)] = 1; next } /^-/ { delete live[substr($0, 2)] } " +
        'END { for (p in live) system("kill -KILL -- -" p " 2>/dev/null") }';
      child = spawn("sh", ["-c", `trap '' INT TERM HUP; exec awk '${awk}'`], {
        stdio: ["pipe", "ignore", "ignore"],
        detached: true,
      });
      child.on("error", () => {});
      child.stdin!.on("error", () => {});
      child.unref();
      (child.stdin as unknown as { unref?: () => void }).unref?.();
    } catch {
      child = null;
    }
    this.child = child;
  }
  get pid(): number | undefined {
    return this.child?.pid;
  }
  add(pid: number) {
    this.child?.stdin?.write(`+${pid}\n`);
  }
  remove(pid: number) {
    this.child?.stdin?.write(`-${pid}\n`);
  }
  /** Normal end: nothing is left to kill. */
  close() {
    this.child?.stdin?.end();
  }
}

/** The set of running children's pids, mirrored to a watchdog. */
class LiveSet extends Set<number> {
  constructor(private readonly dog: Watchdog | null) {
    super();
  }
  override add(pid: number): this {
    this.dog?.add(pid);
    return super.add(pid);
  }
  override delete(pid: number): boolean {
    this.dog?.remove(pid);
    return super.delete(pid);
  }
}

/** Run the files (absolute paths, in report order) and print the report. */
export async function runSuite(files: string[], cfg: SuiteConfig): Promise<Summary> {
  const results: (FileResult | undefined)[] = new Array(files.length);
  const dog = new Watchdog();
  const live = new LiveSet(dog);
  let printed = 0;
  let next = 0;
  let finished = 0;
  const running = new Set<string>();
  const progress = (line: string | null) => {
    if (!cfg.progress) return;
    process.stderr.write(line === null ? "\x1b[2K\r" : `\x1b[2K\r${line.slice(0, (process.stderr.columns || 80) - 1)}`);
  };
  const showProgress = () => {
    const first = running.values().next().value;
    progress(
      `[${finished}/${files.length}]${first ? ` ${displayPath(first, cfg.cwd)}` : ""}${running.size > 1 ? ` (+${running.size - 1})` : ""}`,
    );
  };
  const flush = () => {
    let any = false;
    while (printed < files.length && results[printed]) {
      if (!any) progress(null);
      any = true;
      for (const line of formatResult(results[printed]!, cfg)) cfg.print(line);
      printed++;
    }
    if (any || cfg.progress) showProgress();
  };
  const onSignal = () => {
    for (const pid of live) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {}
    }
    process.exit(130);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const worker = async () => {
      while (next < files.length) {
        const i = next++;
        running.add(files[i]!);
        showProgress();
        results[i] = await runOne(files[i]!, cfg, live);
        running.delete(files[i]!);
        finished++;
        flush();
      }
    };
    await Promise.all(Array.from({ length: Math.min(cfg.jobs, Math.max(1, files.length)) }, worker));
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    dog.close();
  }
  flush();
  progress(null);
  const done = results as FileResult[];
  const summary: Summary = {
    passed: done.filter((r) => r.status === "pass").length,
    failed: done.filter((r) => r.status === "fail").length,
    skipped: done.filter((r) => r.status === "skip").length,
    blocksPassed: done.reduce((n, r) => n + r.blocks.filter((b) => b.ok).length, 0),
    blocksFailed: done.reduce((n, r) => n + r.blocks.filter((b) => !b.ok).length, 0),
    results: done,
  };
  cfg.print("");
  if (summary.blocksPassed + summary.blocksFailed > 0) {
    cfg.print(`test blocks: ${summary.blocksPassed} passed, ${summary.blocksFailed} failed`);
  }
  cfg.print(summaryLine(summary));
  return summary;
}

/**
 * The results in CTRF (Common Test Report Format, ctrf.io), as upstream's `beag test --ctrf`
 * writes them: one test per file, plus one per test block (named `FILE > BLOCK`).
 */
export function ctrfReport(summary: Summary, start: number, stop: number) {
  type CtrfTest = {
    name: string;
    status: "passed" | "failed" | "skipped";
    duration: number;
    filePath: string;
    message?: string;
  };
  const tests: CtrfTest[] = [];
  for (const r of summary.results) {
    const status = r.status === "pass" ? "passed" : r.status === "fail" ? "failed" : "skipped";
    const t: CtrfTest = { name: r.display, status, duration: Math.round(r.durationMs), filePath: r.display };
    const fileDetails = r.details.filter((d) => !/^ *test (pass|FAIL): /.test(d));
    if (r.status === "fail" && fileDetails.length) t.message = fileDetails.join("\n");
    if (r.status === "skip" && r.skipReason) t.message = r.skipReason;
    tests.push(t);
    for (const b of r.blocks) {
      const bt: CtrfTest = {
        name: `${r.display} > ${b.name}`,
        status: b.ok ? "passed" : "failed",
        duration: Math.round(b.ms ?? 0),
        filePath: r.display,
      };
      if (!b.ok) bt.message = b.message;
      tests.push(bt);
    }
  }
  const count = (s: CtrfTest["status"]) => tests.filter((t) => t.status === s).length;
  return {
    reportFormat: "CTRF",
    specVersion: "0.0.0",
    results: {
      tool: { name: "beagle" },
      summary: {
        tests: tests.length,
        passed: count("passed"),
        failed: count("failed"),
        skipped: count("skipped"),
        pending: 0,
        other: 0,
        start,
        stop,
      },
      tests,
    },
  };
}

function useColor(): boolean {
  return Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && !process.env.CI;
}

/**
 * argv prefix that runs one file. BEAGLE_TEST_RUNNER_COMMAND (a JSON array) replaces
 * it; the runner's own tests use that to drive a scripted stand-in for the VM.
 */
export function fileCommand(): string[] {
  const override = process.env.BEAGLE_TEST_RUNNER_COMMAND;
  if (override) {
    const argv = JSON.parse(override);
    if (Array.isArray(argv) && argv.length > 0 && argv.every((a) => typeof a === "string")) return argv;
    throw new Error("BEAGLE_TEST_RUNNER_COMMAND must be a JSON array of strings");
  }
  return [...beagleCommand(), "run"];
}

function configFrom(opts: RunnerOptions, cwd: string): SuiteConfig {
  return {
    ...opts,
    command: fileCommand(),
    cwd,
    print: (line) => process.stdout.write(line + "\n"),
    color: useColor(),
    progress: Boolean(process.stderr.isTTY) && !process.env.CI,
  };
}

async function runWith(opts: RunnerOptions, roots: string[], cwd: string, emptyMessage: string): Promise<number> {
  let files: string[];
  try {
    files = discover(roots, cwd);
  } catch (e) {
    process.stderr.write(`beagle test: ${(e as Error).message}\n`);
    return 2;
  }
  const cfg = configFrom(opts, cwd);
  if (opts.filter !== null) {
    const f = opts.filter;
    const byName = new Set<string>();
    files = files.filter((p) => {
      if (p.includes(f) || displayPath(p, cwd).includes(f)) return true;
      let source = "";
      try {
        source = readFileSync(p, "utf8");
      } catch {}
      if (!testBlockNames(source).some((n) => n.includes(f))) return false;
      byName.add(p);
      return true;
    });
    cfg.blockFilter = { text: f, files: byName };
  }
  if (files.length === 0) {
    cfg.print(opts.filter !== null ? `No test file or test name matches '${opts.filter}'` : emptyMessage);
    cfg.print("");
    cfg.print(summaryLine({ passed: 0, failed: 0, skipped: 0 }));
    // a filter that selects nothing is a mistake (a typo would otherwise pass silently)
    return opts.filter !== null ? 1 : 0;
  }
  const started = Date.now();
  const summary = await runSuite(files, cfg);
  if (opts.ctrf !== null) {
    try {
      writeFileSync(opts.ctrf, JSON.stringify(ctrfReport(summary, started, Date.now()), null, 2) + "\n");
      cfg.print(`CTRF report written to ${opts.ctrf}`);
    } catch (e) {
      process.stderr.write(`beagle test: cannot write ${opts.ctrf}: ${(e as NodeJS.ErrnoException).code ?? e}\n`);
      return 2;
    }
  }
  return summary.failed > 0 ? 1 : 0;
}

/** `beagle test [PATHS...] [--filter S] [--update-snapshots] [--timeout MS] [--jobs N]` */
export async function runTestCommand(args: string[]): Promise<number> {
  const parsed = parseArgs(args);
  if ("help" in parsed) {
    console.log(USAGE);
    return 0;
  }
  if ("error" in parsed) {
    process.stderr.write(`beagle test: ${parsed.error}\n${USAGE}\n`);
    return 2;
  }
  const cwd = process.cwd();
  let roots = parsed.paths;
  if (roots.length === 0) {
    const dir = ["test", "tests"].find((d) => existsSync(join(cwd, d)) && statSync(join(cwd, d)).isDirectory());
    if (!dir) {
      process.stderr.write("beagle test: no test/ or tests/ directory here; name the files or directories to test\n");
      return 2;
    }
    roots = [dir];
  }
  return runWith(parsed, roots, cwd, `No test files found in ${roots.join(", ")}`);
}

/** The project's whole Beagle suite: test/bg/ and every examples/ file that carries expectations. */
export function allTestRoots(root: string): string[] {
  return ["test/bg", "examples"].map((d) => join(root, d)).filter((d) => existsSync(d));
}

/** `beagle --all-tests [--filter S] [--update-snapshots] [--timeout MS] [--jobs N]` */
export async function runAllTests(args: string[]): Promise<number> {
  const parsed = parseArgs(args);
  if ("help" in parsed) {
    console.log(USAGE);
    return 0;
  }
  if ("error" in parsed) {
    process.stderr.write(`beagle --all-tests: ${parsed.error}\n${USAGE}\n`);
    return 2;
  }
  if (parsed.paths.length > 0) {
    process.stderr.write(`beagle --all-tests takes no paths (use 'beagle test PATHS...')\n`);
    return 2;
  }
  const root = isStandalone() ? process.cwd() : REPO_ROOT;
  const roots = allTestRoots(root);
  const cwd = process.cwd();
  if (roots.length === 0) {
    console.log(
      `No test/bg or examples directory under ${root}\n\n${summaryLine({ passed: 0, failed: 0, skipped: 0 })}`,
    );
    return 0;
  }
  return runWith(
    parsed,
    roots,
    cwd,
    `No test files found under ${roots.map((r) => displayPath(r, cwd) + sep).join(", ")}`,
  );
}
