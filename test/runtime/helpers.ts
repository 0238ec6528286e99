// Shared helpers for the runtime tests: resource counting and temp dirs.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** Open file descriptors of this process (entries of /proc/self/fd). */
export function fdCount(): number {
  return fs.readdirSync("/proc/self/fd").length;
}

/** Live Bun Worker threads (Bun names them "Worker" in /proc/self/task/<tid>/comm). */
export function workerThreads(): number {
  let n = 0;
  for (const t of fs.readdirSync("/proc/self/task")) {
    try {
      if (fs.readFileSync(`/proc/self/task/${t}/comm`, "utf8").trim() === "Worker") n++;
    } catch {
      // the thread exited while we looked
    }
  }
  return n;
}

/** Poll `cond` (letting Bun's event loop turn) until true or `timeoutMs` passes. */
export async function waitFor(cond: () => boolean, timeoutMs = 3000): Promise<boolean> {
  const end = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > end) return false;
    await Bun.sleep(5);
  }
  return true;
}

export function tempDir(prefix = "beagle-rt-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * Wait (up to 5 s) until no Worker thread is alive. Call before taking a
 * baseline of fds or threads: workers of a loop closed earlier exit, and close
 * their own fds, asynchronously. Best effort: long-lived workers from other
 * test files just stay part of the baseline.
 */
export async function quiesce(): Promise<void> {
  await waitFor(() => workerThreads() === 0, 5000);
}
