// Shared by the network tests: start a Beagle program as a child process and
// wait for it to say its port; count a process's open fds; reap children.
import type { Subprocess } from "bun";
import { readdirSync, readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";

export const ROOT = join(import.meta.dir, "..", "..");

export interface Child {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  port: number;
  stderr(): Promise<string>;
  /** everything written to stdout so far */
  stdout(): string;
}

/** Run `bun beagle.ts ARGS` (optionally under `ulimit -n`) until it prints "port N". */
export async function startBeagle(args: string[], opts: { fdLimit?: number } = {}): Promise<Child> {
  const bun = process.execPath;
  const cmd = opts.fdLimit
    ? ["sh", "-c", `ulimit -n ${opts.fdLimit} && exec "$0" beagle.ts "$@"`, bun, ...args]
    : [bun, "beagle.ts", ...args];
  const proc = Bun.spawn(cmd, { cwd: ROOT, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const reader = proc.stdout.getReader();
  let text = "";
  for (;;) {
    const m = /port (\d+)/.exec(text);
    if (m) {
      let out = text;
      // Drains the rest of stdout for the test to read; a read error surfaces as an unhandled rejection.
      void (async () => {
        for (;;) {
          const r = await reader.read();
          if (r.done) return;
          out += new TextDecoder().decode(r.value);
        }
      })();
      let err = "";
      const errDone = (async () => {
        for await (const chunk of proc.stderr) err += new TextDecoder().decode(chunk);
      })();
      return {
        proc,
        port: Number(m[1]),
        stdout: () => out,
        stderr: async () => {
          await errDone;
          return err;
        },
      };
    }
    const { value, done } = await reader.read();
    if (done) throw new Error(`server exited before listening: ${text} ${await new Response(proc.stderr).text()}`);
    text += new TextDecoder().decode(value);
  }
}

export async function stop(c: Child): Promise<void> {
  c.proc.kill();
  await c.proc.exited;
}

/** Open fds of process `pid` (Linux /proc). */
export function fdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Peak resident set of process `pid` in KiB (VmHWM), or -1 where /proc has none. */
export function peakRssKiB(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : -1;
  } catch {
    return -1;
  }
}

/** CPU time (user + system) of process `pid` in clock ticks. */
export function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return Number(f[11]) + Number(f[12]);
}

export function open(port: number, host = "127.0.0.1"): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host }, () => resolve(s));
    s.once("error", reject);
  });
}

/** Send `data` and collect exactly `data.length` echoed bytes. */
export function echo(s: Socket, data: Uint8Array, pieces: Uint8Array[] = [data]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const got: Buffer[] = [];
    let n = 0;
    const onData = (b: Buffer) => {
      got.push(b);
      n += b.length;
      if (n >= data.length) {
        s.off("data", onData);
        resolve(Buffer.concat(got));
      }
    };
    s.on("data", onData);
    s.once("error", reject);
    (async () => {
      for (const p of pieces) {
        s.write(p);
        if (pieces.length > 1) await Bun.sleep(30);
      }
    })().catch(reject);
  });
}

/**
 * Close by reset (RST, no FIN): no TIME_WAIT entry is left on the client's port. Tests that
 * open thousands of connections use it, so they do not fill the machine's ephemeral port
 * range for a minute (other tests bind random ports in it). The server sees ECONNRESET.
 */
export function resetSocket(s: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (s.destroyed) return resolve();
    s.once("close", () => resolve());
    s.resetAndDestroy();
  });
}

export function closeSocket(s: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (s.destroyed) return resolve();
    s.once("close", () => resolve());
    s.end();
    s.destroy();
  });
}

export async function waitUntil(cond: () => boolean, what: string, ms = 20000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}
