// Running Beagle programs as real child processes for the HTTP tests.
import { join } from "node:path";

export const root = join(import.meta.dir, "../..");

export interface Running {
  proc: ReturnType<typeof Bun.spawn>;
  /** the first match of `ready` in the program's stdout */
  match: RegExpExecArray;
  stop: () => Promise<void>;
}

/**
 * Start `bun beagle.ts FILE ARGS...` and wait until its stdout matches `ready`
 * (by default a line holding just the port it listens on).
 */
export async function startBeagle(file: string, args: string[] = [], ready = /^(\d+)\n/m): Promise<Running> {
  const proc = Bun.spawn([process.execPath, join(root, "beagle.ts"), file, ...args], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const reader = proc.stdout.getReader();
  let text = "";
  let match = ready.exec(text);
  while (!match) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${file} exited: ${await new Response(proc.stderr).text()}`);
    text += new TextDecoder().decode(value);
    match = ready.exec(text);
  }
  reader.releaseLock();
  return {
    proc,
    match,
    stop: async () => {
      proc.kill("SIGKILL");
      await proc.exited;
    },
  };
}

/** Run `bun beagle.ts FILE ARGS...` to its end: stdout, stderr. */
export async function runBeagle(file: string, args: string[] = []): Promise<{ out: string; err: string }> {
  const p = Bun.spawn([process.execPath, join(root, "beagle.ts"), file, ...args], { stdout: "pipe", stderr: "pipe" });
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  await p.exited;
  return { out, err };
}
