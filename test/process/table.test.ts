// ProcessTable without a pidfd watch: the path macOS and kernels before 5.3
// take (and a loop that cannot watch fds). Exits are found by waitpid(WNOHANG)
// on a timer while someone waits, by the sweep on spawn, and at shutdown.
import { expect, test } from "bun:test";
import * as fs from "node:fs";
import { ProcessTable, type ProcessIo, type SpawnOptions } from "../../runtime/process/table.ts";

/** An io whose fd watches fail (no poller) and whose timers are Bun's. */
function pollingIo(): ProcessIo & { timers: number } {
  const io = {
    timers: 0,
    watchFd(): () => void {
      throw new Error("no poller");
    },
    addTimer(ms: number, fire: () => void) {
      io.timers++;
      const t = setTimeout(() => {
        io.timers--;
        fire();
      }, ms);
      return () => {
        if (io.timers > 0) io.timers--;
        clearTimeout(t);
      };
    },
  };
  return io;
}

function opts(command: string, args: string[], more: Partial<SpawnOptions> = {}): SpawnOptions {
  return {
    command,
    args,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    stdin: "null",
    stdout: "null",
    stderr: "null",
    detach: false,
    ...more,
  };
}

const alive = (pid: number) => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
};

test("without a pidfd watch, a wait is answered by polling waitpid, and the polling stops", async () => {
  const io = pollingIo();
  const table = new ProcessTable(io);
  const c = table.spawn(opts("sh", ["-c", "sleep 0.05; exit 5"]));
  if ("errno" in c) throw new Error(c.code);
  expect(c.stopWatch).toBeNull();
  const exit = await new Promise((resolve) => table.onExit(c, resolve));
  expect(exit).toEqual({ code: 5, signal: null, raw: 5 << 8 });
  expect(table.liveCount).toBe(0);
  await Bun.sleep(120);
  expect(io.timers).toBe(0); // nobody waits: no timer keeps the program alive
  table.shutdown(100);
});

test("terminate without a pidfd: SIGTERM, SIGKILL after the grace for a child that ignores it", async () => {
  const table = new ProcessTable(pollingIo());
  const c = table.spawn(opts("sh", ["-c", "trap '' TERM; echo ready; sleep 30; sleep 30"], { stdout: "pipe" }));
  if ("errno" in c) throw new Error(c.code);
  // wait for "ready": the trap is set
  while (!(c.stdout!.tryRead("line") instanceof Uint8Array)) await Bun.sleep(5);
  table.terminate(c, 100);
  const exit = await new Promise((resolve) => table.onExit(c, resolve));
  expect(exit).toEqual({ code: null, signal: 9, raw: 9 });
  table.release(c);
  expect(c.stdout!.closed).toBe(true);
  table.shutdown(100);
});

test("children nobody waited for are reaped by the next spawn's sweep", async () => {
  const table = new ProcessTable(pollingIo());
  const a = table.spawn(opts("true", []));
  if ("errno" in a) throw new Error(a.code);
  await Bun.sleep(100);
  expect(a.exit).toBeNull(); // nothing looked yet: a zombie until the sweep
  const b = table.spawn(opts("true", []));
  if ("errno" in b) throw new Error(b.code);
  expect(a.exit).toEqual({ code: 0, signal: null, raw: 0 });
  table.shutdown(100);
  expect(b.exit).not.toBeNull();
});

test("shutdown kills and reaps live children but leaves detached ones running", () => {
  const table = new ProcessTable(null);
  const a = table.spawn(opts("sleep", ["30"]));
  const d = table.spawn(opts("sleep", ["31"], { detach: true }));
  if ("errno" in a || "errno" in d) throw new Error("spawn failed");
  table.shutdown(200);
  expect(a.exit?.signal).toBe(15);
  expect(alive(a.pid)).toBe(false);
  expect(alive(d.pid)).toBe(true);
  process.kill(d.pid, "SIGKILL");
});

test("a failed spawn gives the errno and leaves no fd behind", () => {
  const table = new ProcessTable(null);
  const before = fs.readdirSync("/proc/self/fd").length;
  const r = table.spawn(opts("no-such-command-beagle", [], { stdin: "pipe", stdout: "pipe", stderr: "pipe" }));
  expect("errno" in r && r.code).toBe("ENOENT");
  const r2 = table.spawn(opts("true", [], { stdout: "pipe", cwd: "/no/such/dir" }));
  expect("errno" in r2 && r2.code).toBe("ENOENT");
  expect(fs.readdirSync("/proc/self/fd").length).toBe(before);
});
