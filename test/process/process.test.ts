// beagle.process end to end: real children (cat, sh, sleep) driven from Beagle
// code under the three handlers; byte-exact pipes, exit codes and signals,
// errors as values, cancellation and program exit killing children; the
// process's own fds and children back to where they started.
import { afterAll, beforeAll, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { createRuntime, runMainFiber, runTask } from "../../vm/run.ts";
import { Closure, type Fiber } from "../../vm/objects.ts";
import { bytesToString, stringToBytes } from "../../vm/bytes.ts";
import { formatValue } from "../../vm/print.ts";
import { removeDir, tempDir } from "../runtime/helpers.ts";
import type { LoopBackend } from "../../vm/async/loop-backend.ts";

const rt = createRuntime();
// the parked fibers, so a test can cancel one the way scopes do (fiber.release)
const parked: Fiber[] = [];
const park = rt.vm.park.bind(rt.vm);
rt.vm.park = (f: Fiber) => {
  parked.push(f);
  park(f);
};
rt.vm.defineBuiltin("beagle.core", "test-release-parked", () => {
  let n = 0;
  for (const f of parked.splice(0)) {
    if (f.release) {
      f.release();
      n++;
    }
  }
  return n;
});

let fdsAtStart: string[] = [];
let childrenAtStart: number[] = [];
let tmp = "";

/** Our children, as the kernel lists them (all threads). */
function children(): number[] {
  const out: number[] = [];
  for (const t of fs.readdirSync("/proc/self/task")) {
    try {
      const s = fs.readFileSync(`/proc/self/task/${t}/children`, "utf8").trim();
      if (s) out.push(...s.split(/\s+/).map(Number));
    } catch {
      // thread gone
    }
  }
  return out.sort();
}

/** Our open pipes and pidfds (what spawning creates), by fd and target. */
function pipesAndPidfds(): string[] {
  const out: string[] = [];
  for (const fd of fs.readdirSync("/proc/self/fd")) {
    try {
      const t = fs.readlinkSync(`/proc/self/fd/${fd}`);
      if (t.startsWith("pipe:") || t.includes("pidfd")) out.push(`${fd} ${t}`);
    } catch {
      // closed while we looked (readdir's own fd)
    }
  }
  return out.sort();
}

/** The state letter of a pid (R, S, Z...) or null if it no longer exists. */
function procState(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  } catch {
    return null;
  }
}

beforeAll(() => {
  tmp = tempDir("beagle-proc-");
  childrenAtStart = children();
  fdsAtStart = pipesAndPidfds();
});

afterAll(async () => {
  rt.processes.shutdown(500);
  await rt.async.backend.close();
  removeDir(tmp);
});

let n = 0;
function run(src: string, args: unknown[] = []): unknown {
  const mod = rt.loader.compile(`use beagle.process as proc\nuse beagle.async as async\n${src}`, `proc-${n++}.bg`);
  runMainFiber(rt.vm, new Closure(mod.init, []), null);
  const f = runTask(rt.vm, mod.ns.vars.get("go")!.value, args as never[]);
  if (f.error !== undefined) throw new Error(`Beagle error: ${formatValue(f.error, 0)}`);
  return f.result;
}
const show = (v: unknown) => formatValue(v as never, 0);

test("10 MiB of arbitrary bytes through cat, written and read concurrently, come back byte-exact", () => {
  const bytes = new Uint8Array(10 * 1024 * 1024);
  let x = 12345;
  for (let i = 0; i < bytes.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  const input = bytesToString(bytes);
  const out = run(
    `fn go(data) {
  let p = proc/spawn!("cat")
  let writer = async/spawn(fn() {
    let r = proc/write(p, data)
    proc/close-stdin(p)
    r
  })
  let out = proc/read-all!(p)
  let st = proc/wait(p)
  proc/close(p)
  [async/await(writer), out, st]
}`,
    [input],
  ) as { toArray(): unknown[] };
  const [written, data, status] = out.toArray();
  expect(show(written)).toBe(`Result.Ok { value: ${bytes.length} }`);
  const back = stringToBytes(data as string);
  expect(back.length).toBe(bytes.length);
  expect(Buffer.compare(back, bytes)).toBe(0);
  expect(show(status)).toBe("ExitStatus { code: 0, signal: null }");
});

test("run with :input streams 10 MiB through cat without a pipe deadlock under every handler", () => {
  const text = "0123456789abcdef\u00e9\u4e2d\n".repeat((10 * 1024 * 1024) / 24);
  const got = run(
    `fn go(data) {
  let body = fn() {
    let r = proc/run!("cat", [], {:input data})
    [r.status.code, r.stdout == data, length(r.stdout)]
  }
  [async/run-blocking(body), async/run-threaded(body), async/run-event-loop(body)]
}`,
    [text],
  );
  const row = `[0, true, ${text.length}]`;
  expect(show(got)).toBe(`[${row}, ${row}, ${row}]`);
});

test("100 children at once, each with its own exit code", () => {
  const got = run(`fn go() {
  let mut fs = []
  let quiet = {:stdin :null :stdout :null}
  for i in range(0, 100) {
    fs = push(fs, async/spawn(fn() { proc/wait(proc/spawn!("sh", ["-c", "exit " ++ to-string(i)], quiet)).code }))
  }
  async/await-all(fs)
}`);
  expect(show(got)).toBe(`[${Array.from({ length: 100 }, (_, i) => i).join(", ")}]`);
});

test("a child killed by a signal reports the signal, not a code", () => {
  const got = run(`fn go() {
  let a = proc/spawn!("sleep", ["30"])
  let killed = proc/kill(a, "SIGTERM")
  let b = proc/spawn!("sh", ["-c", "kill -KILL $$"])
  let c = proc/spawn!("sleep", ["30"])
  proc/kill(c, :INT)
  let out = [killed, proc/wait(a), proc/wait(b), proc/wait(c), proc/kill(a)]
  for p in [a, b, c] { proc/close(p) }
  out
}`);
  expect(show(got)).toBe(
    '[Result.Ok { value: null }, ExitStatus { code: null, signal: "SIGTERM" }, ExitStatus { code: null, signal: "SIGKILL" }, ' +
      'ExitStatus { code: null, signal: "SIGINT" }, Result.Err { error: Error.IO { message: "kill failed: No such process (ESRCH, os error 3)" } }]',
  );
});

test("stderr is captured apart from stdout; env extends or replaces; cwd is honoured", () => {
  const dir = fs.realpathSync(tmp);
  const got = run(
    `fn go(dir) {
  let r = proc/run!("sh", ["-c", "echo to-out; echo to-err >&2; echo more-out"])
  let e = proc/run!("sh", ["-c", "echo $GREETING-$HOME"], {:env {"GREETING" "hi" "HOME" null}})
  let c = proc/run!("/usr/bin/env", [], {:clear-env true :env {"ONLY" "this"}})
  let d = proc/run!("pwd", [], {:cwd dir})
  [r.stdout, r.stderr, e.stdout, c.stdout, d.stdout]
}`,
    [dir],
  );
  expect(show(got)).toBe(`["to-out\nmore-out\n", "to-err\n", "hi-\n", "ONLY=this\n", "${dir}\n"]`);
});

test("read-line and read take lines and chunks; :null and :inherit streams are not pipes", () => {
  const got = run(`fn go() {
  let p = proc/spawn!("sh", ["-c", "printf 'one\\ntwo\\nthree'"], {:stdin :null :stderr :null})
  let a = proc/read-line(p)
  let b = proc/read-line(p)
  let c = proc/read-line(p)
  let d = proc/read-line(p)
  let out = [a, b, c, d, proc/wait(p).code, proc/write(p, "x"), proc/read(p, :stderr)]
  proc/close(p)
  out
}`);
  expect(show(got)).toBe(
    '[Result.Ok { value: "one" }, Result.Ok { value: "two" }, Result.Ok { value: "three" }, Result.Ok { value: null }, 0, ' +
      'Result.Err { error: Error.IO { message: "sh: :stdin is not a pipe (spawn it with :stdin :pipe)" } }, ' +
      'Result.Err { error: Error.IO { message: "sh: :stderr is not a pipe (spawn it with :stderr :pipe)" } }]',
  );
});

test("command not found, not executable and a missing cwd are error values", () => {
  const script = path.join(tmp, "not-exec.sh");
  fs.writeFileSync(script, "#!/bin/sh\necho hi\n", { mode: 0o644 });
  const got = run(
    `fn go(script, dir) {
  [proc/spawn("no-such-command-beagle"), proc/run(script), proc/spawn("true", [], {:cwd dir}),
   try { proc/spawn!("no-such-command-beagle") } catch (e) { e }]
}`,
    [script, path.join(tmp, "missing")],
  );
  expect(show(got)).toBe(
    `[Result.Err { error: Error.NotFound { path: "no-such-command-beagle" } }, Result.Err { error: Error.PermissionDenied { path: "${script}" } }, ` +
      `Result.Err { error: Error.NotFound { path: "${path.join(tmp, "missing")}" } }, Error.NotFound { path: "no-such-command-beagle" }]`,
  );
});

test("a NUL byte in an argument is EINVAL, not a silently shortened argument", () => {
  const got = run(`fn go(bad) { [proc/spawn("echo", ["ok", bad]), proc/run("echo", [], {:env {"X" bad}})] }`, [
    "a\u0000b",
  ]);
  const e = 'Result.Err { error: Error.IO { message: "spawn echo failed: Invalid argument (EINVAL, os error 22)" } }';
  expect(show(got)).toBe(`[${e}, ${e}]`);
});

test("writing to a child that has exited is an EPIPE value, not a crash", () => {
  const got = run(`fn go() {
  let p = proc/spawn!("true")
  proc/wait(p)
  let out = [proc/write(p, "hello"), async/run-blocking(fn() { proc/write(p, "again") })]
  proc/close(p)
  out
}`);
  const epipe = 'Result.Err { error: Error.IO { message: "write to stdin failed: Broken pipe (EPIPE, os error 32)" } }';
  expect(show(got)).toBe(`[${epipe}, ${epipe}]`);
});

test("wait, read and write under the Blocking and Threaded handlers give the event loop's results", () => {
  const got = run(`fn go() {
  let body = fn() {
    let p = proc/spawn!("cat")
    let w = proc/write(p, "abc\\ndef\\n")
    let l = proc/read-line(p)
    proc/close-stdin(p)
    let rest = proc/read-all(p)
    let out = [w, l, rest, proc/wait(p)]
    proc/close(p)
    out
  }
  let a = async/run-blocking(body)
  [a == async/run-threaded(body), a == async/run-event-loop(body), a]
}`);
  expect(show(got)).toBe(
    '[true, true, [Result.Ok { value: 8 }, Result.Ok { value: "abc" }, Result.Ok { value: "def\n" }, ExitStatus { code: 0, signal: null }]]',
  );
});

test("cancelling the task that waits on a child kills it (SIGTERM) and reaps it: no zombie", () => {
  const before = children();
  const got = run(`fn go() {
  let p = proc/spawn!("sleep", ["60"])
  let waiter = async/spawn(fn() { proc/wait(p) })
  async/sleep(30)
  let released = test-release-parked()
  let mut st = proc/try-wait(p)
  while st == null {
    async/sleep(5)
    st = proc/try-wait(p)
  }
  proc/close(p)
  [released > 0, proc/pid(p), st]
}`) as { toArray(): unknown[] };
  const [released, pid, status] = got.toArray();
  expect(released).toBe(true);
  expect(show(status)).toBe('ExitStatus { code: null, signal: "SIGTERM" }');
  expect(procState(pid as number)).toBeNull(); // neither running nor a zombie
  expect(children()).toEqual(before);
});

test("a scope that is cancelled (a sibling failed) kills its sleep 60 child: gone from /proc, no zombie", () => {
  const before = children();
  const fdsBefore = pipesAndPidfds();
  const got = run(`fn go() {
  let pid = atom(null)
  let r = try {
    async/with-scope(fn(scope) {
      async/spawn-in-scope(scope, fn() {
        let p = proc/spawn!("sleep", ["60"], {:stdin :null :stdout :null})
        reset!(pid, proc/pid(p))
        try { proc/wait(p) } finally { proc/close(p) }
      })
      async/spawn-in-scope(scope, fn() {
        async/sleep(50)
        throw("sibling failed")
      })
      "not reached"
    })
  } catch (e) { e }
  [r, deref(pid)]
}`) as { toArray(): unknown[] };
  const [r, pid] = got.toArray();
  expect(r).toBe("sibling failed");
  expect(typeof pid).toBe("number");
  // SIGTERM was sent when the wait was cancelled; the exit watch reaps it (well within the grace)
  const deadline = performance.now() + 1500;
  while (procState(pid as number) !== null && performance.now() < deadline) {
    rt.async.backend.wait(20);
  }
  expect(procState(pid as number)).toBeNull();
  expect(children()).toEqual(before);
  expect(pipesAndPidfds()).toEqual(fdsBefore);
});

test("a cancelled task's children are terminated even while it is parked on something else (a read)", () => {
  const before = children();
  const fdsBefore = pipesAndPidfds();
  const got = run(`fn go() {
  let pid = atom(null)
  let reader = async/spawn(fn() {
    let p = proc/spawn!("sleep", ["60"], {:stdin :null})
    reset!(pid, proc/pid(p))
    try { proc/read-all(p) } finally { proc/close(p) }
  })
  async/sleep(30)
  async/cancel(reader)
  let r = try { async/await(reader) } catch (e) { e }
  [r, deref(pid)]
}`) as { toArray(): unknown[] };
  const [r, pid] = got.toArray();
  expect(show(r)).toBe("Error.Cancelled");
  const deadline = performance.now() + 1500;
  while (procState(pid as number) !== null && performance.now() < deadline) rt.async.backend.wait(20);
  expect(procState(pid as number)).toBeNull();
  expect(children()).toEqual(before);
  expect(pipesAndPidfds()).toEqual(fdsBefore);
});

test("with-timeout around run: the late child is killed, its pipes closed, and the result is TimedOut", () => {
  const before = children();
  const fdsBefore = pipesAndPidfds();
  const got = run(`fn go() {
  async/with-timeout(100, fn() { proc/run!("sleep", ["60"]) })
}`);
  expect(show(got)).toBe("TimeoutResult.TimedOut");
  const deadline = performance.now() + 1500;
  while (children().length > before.length && performance.now() < deadline) rt.async.backend.wait(20);
  expect(children()).toEqual(before);
  expect(pipesAndPidfds()).toEqual(fdsBefore);
});

test("a child that ignores SIGTERM is killed after the grace period", () => {
  const got = run(`fn go() {
  let p = proc/spawn!("sh", ["-c", "trap '' TERM; echo ready; sleep 60; sleep 60"])
  proc/read-line(p)
  let waiter = async/spawn(fn() { proc/wait(p) })
  async/sleep(10)
  test-release-parked()
  let mut st = proc/try-wait(p)
  while st == null {
    async/sleep(20)
    st = proc/try-wait(p)
  }
  proc/close(p)
  st
}`);
  expect(show(got)).toBe('ExitStatus { code: null, signal: "SIGKILL" }');
});

test(":group true: kill reaches the shell's own children (the whole process group)", () => {
  const got = run(`fn go() {
  let p = proc/spawn!("sh", ["-c", "sleep 60 & echo $!; wait"], {:group true :stdin :null})
  let grandchild = parse-int(unwrap!(proc/read-line(p)))
  proc/kill(p)
  let st = proc/wait(p)
  proc/close(p)
  [grandchild, st]
}`) as { toArray(): unknown[] };
  const [grandchild, st] = got.toArray();
  expect(show(st)).toBe('ExitStatus { code: null, signal: "SIGTERM" }');
  // the sleep got SIGTERM too; it is not our child (the shell's), so init reaps it
  const deadline = performance.now() + 2000;
  while (
    procState(grandchild as number) !== null &&
    procState(grandchild as number) !== "Z" &&
    performance.now() < deadline
  )
    Bun.sleepSync(10);
  expect([null, "Z"]).toContain(procState(grandchild as number));
});

test("a child nobody waits for is still reaped once it exits", () => {
  const got = run(`fn go() {
  let p = proc/spawn!("true", [], {:stdin :null :stdout :null})
  async/sleep(100)
  proc/pid(p)
}`) as number;
  expect(procState(got)).toBeNull();
});

test("a program's children are killed and reaped when it exits, unless detached", () => {
  const prog = path.join(tmp, "leave.bg");
  fs.writeFileSync(
    prog,
    `use beagle.process as proc
fn main() {
  let a = proc/spawn!("sleep", ["60"])
  let b = proc/spawn!("sleep", ["61"], {:detach true :stdin :null :stdout :null :stderr :null})
  println(proc/pid(a), proc/pid(b))
}
`,
  );
  const r = Bun.spawnSync([process.execPath, path.join(import.meta.dir, "../../beagle.ts"), prog]);
  expect(r.exitCode).toBe(0);
  const [a, b] = r.stdout.toString().trim().split(" ").map(Number);
  expect(procState(a!)).toBeNull();
  expect(procState(b!)).not.toBeNull();
  expect(procState(b!)).not.toBe("Z");
  process.kill(b!, "SIGKILL");
});

test("a program killed by SIGTERM stops its children before it dies", async () => {
  const prog = path.join(tmp, "term.bg");
  fs.writeFileSync(
    prog,
    `use beagle.process as proc
use beagle.async as async
fn main() {
  let p = proc/spawn!("sleep", ["60"], {:stdin :null :stdout :null})
  println(proc/pid(p))
  async/sleep(60000)
}
`,
  );
  const b = Bun.spawn([process.execPath, path.join(import.meta.dir, "../../beagle.ts"), prog], { stdout: "pipe" });
  const reader = b.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  const pid = Number(text.trim());
  expect(procState(pid)).not.toBeNull();
  b.kill("SIGTERM");
  expect(await b.exited).toBe(143);
  expect(procState(pid)).toBeNull();
});

test("fds, children and fd watches are back to their starting counts", () => {
  rt.processes.sweep();
  expect(rt.processes.liveCount).toBe(0);
  expect((rt.async.backend as LoopBackend).watchedFds).toBe(0);
  expect(children()).toEqual(childrenAtStart);
  // every pipe and pidfd we opened is closed: read to EOF, closed by run, or by proc/close
  expect(pipesAndPidfds()).toEqual(fdsAtStart);
});
