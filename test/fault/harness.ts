// Runs real Beagle programs in child processes, optionally under ulimit limits,
// and collects exit status, signal, stdout and stderr. Every child is reaped
// (killed if it outlives its deadline) and every temp dir removed.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";

export const ROOT = resolve(import.meta.dir, "../..");
export const BUN = process.execPath;
export const BEAGLE = join(ROOT, "beagle.ts");

export interface Outcome {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string>;
  /** `ulimit -v` in KiB */
  vmemKb?: number;
  /** `ulimit -n` */
  nofile?: number;
  /** where stdout goes: a pipe we read (default) or a path such as /dev/full */
  stdoutPath?: string;
  /** safety net only: a child still alive after this is killed and the test fails */
  deadlineMs?: number;
  args?: string[];
}

/** A temp dir for one test; `cleanup()` removes it. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "beagle-fault-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The command line: bun beagle.ts FILE under the requested limits (through sh when there are some). */
export function command(file: string, o: RunOptions = {}): string[] {
  const argv = [BUN, BEAGLE, file, ...(o.args ?? [])];
  const limits: string[] = [];
  if (o.vmemKb) limits.push(`ulimit -v ${o.vmemKb}`);
  if (o.nofile) limits.push(`ulimit -n ${o.nofile}`);
  const redirect = o.stdoutPath ? ` > ${shellQuote(o.stdoutPath)}` : "";
  if (!limits.length && !redirect) return argv;
  return [
    "sh",
    "-c",
    `${limits.join("; ")}${limits.length ? "; " : ""}exec ${argv.map(shellQuote).join(" ")}${redirect}`,
  ];
}

export function spawnProgram(file: string, o: RunOptions = {}): Subprocess<"ignore", "pipe", "pipe"> {
  return Bun.spawn(command(file, o), {
    cwd: ROOT,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, BEAGLE_DEBUG: "", ...o.env },
  });
}

/** Reads a child's stdout incrementally; `rest()` reads to the end. */
export class OutReader {
  text = "";
  private readonly reader: { read(): Promise<{ value?: Uint8Array; done?: boolean }>; cancel(): Promise<void> };
  private readonly dec = new TextDecoder();
  done = false;
  constructor(stream: ReadableStream<Uint8Array>) {
    this.reader = stream.getReader();
  }
  /** Read until `needle` is in the text or the stream ends; returns the text so far. */
  async until(needle: string): Promise<string> {
    while (!this.done && !this.text.includes(needle)) {
      const { value, done } = await this.reader.read();
      if (done) this.done = true;
      else if (value) this.text += this.dec.decode(value, { stream: true });
    }
    return this.text;
  }
  async rest(): Promise<string> {
    while (!this.done) {
      const { value, done } = await this.reader.read();
      if (done) this.done = true;
      else if (value) this.text += this.dec.decode(value, { stream: true });
    }
    return this.text;
  }
  /** Stop reading: our end of the pipe closes, so the writer gets EPIPE. */
  async close() {
    this.done = true;
    await this.reader.cancel();
  }
}

export async function finish(
  p: Subprocess<"ignore", "pipe", "pipe">,
  deadlineMs = 60_000,
  out: OutReader = new OutReader(p.stdout),
  err: OutReader = new OutReader(p.stderr),
): Promise<Outcome> {
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    p.kill("SIGKILL");
  }, deadlineMs);
  const [stdout, stderr] = await Promise.all([out.rest(), err.rest()]);
  await p.exited;
  clearTimeout(timer);
  if (timedOut) throw new Error(`child outlived its ${deadlineMs} ms deadline; stderr: ${stderr.slice(0, 500)}`);
  return { code: p.exitCode, signal: p.signalCode === null ? null : String(p.signalCode), stdout, stderr };
}

/** Write `source` to a temp file, run it to the end, remove the file. */
export async function runSource(source: string, o: RunOptions = {}): Promise<Outcome> {
  const t = tempDir();
  try {
    const file = join(t.dir, "prog.bg");
    writeFileSync(file, source);
    return await finish(spawnProgram(file, o), o.deadlineMs);
  } finally {
    t.cleanup();
  }
}

/** A line that looks like a JavaScript stack frame (`at f (/x/y.ts:1:2)`). */
export const JS_FRAME = /^\s*at .*\.(?:ts|js|mjs|cjs)(?::\d+)+\)?\s*$/m;

/** The shape every user-facing error must have: no JS frames, no "Internal error". */
export function expectCleanStderr(stderr: string) {
  if (JS_FRAME.test(stderr)) throw new Error(`stderr has a JS stack frame:\n${stderr.slice(0, 2000)}`);
  if (/Internal error|RangeError|undefined is not/.test(stderr))
    throw new Error(`stderr leaks a JS error:\n${stderr.slice(0, 2000)}`);
}
