// The generic I/O operation layer (vm/async/io-ops.ts): one registered
// operation runs under each of the three handlers with the same result; an
// evented operation that completes at once does not park; one that waits on a
// real fd parks its task until the fd is readable, and releases its watch.
import { afterAll, expect, test } from "bun:test";
import { createRuntime, runMainFiber, runTask } from "../../vm/run.ts";
import { Closure } from "../../vm/objects.ts";
import { formatValue } from "../../vm/print.ts";
import { registerIoOp } from "../../vm/async/io-ops.ts";
import { closeFd, makePipe, readFd, writeFd } from "../../ffi/fd.ts";
import { READABLE } from "../../runtime/poller.ts";
import { blockingSleep } from "../../vm/builtins/core.ts";
import type { LoopBackend } from "../../vm/async/loop-backend.ts";

// "test-echo-later": answers its argument, after `ms` milliseconds (0: at once).
registerIoOp("test-echo-later", {
  blocking: ([v, ms]) => {
    blockingSleep(Number(ms));
    return v ?? null;
  },
  evented: ([v, ms], complete, io) => {
    if (ms === 0) {
      complete(v ?? null);
      return () => {};
    }
    return io.addTimer(Number(ms), () => complete(v ?? null));
  },
});

// "test-pipe-read": the next bytes of a pipe fd as a string, parking until readable.
const buf = new Uint8Array(64);
registerIoOp("test-pipe-read", {
  blocking: () => "unsupported",
  evented: ([fd], complete, io) => {
    const release = io.watchFd(Number(fd), READABLE, () => {
      const n = readFd(Number(fd), buf);
      if (n < 0) return; // EAGAIN: stay watched
      release();
      complete(new TextDecoder().decode(buf.subarray(0, n)));
    });
    return release;
  },
});

const rt = createRuntime();
afterAll(() => rt.async.backend.close());

function run(src: string, fn: string, args: unknown[] = []) {
  const mod = rt.loader.compile(src, `io-ops-${fn}.bg`);
  runMainFiber(rt.vm, new Closure(mod.init, []), null);
  return runTask(rt.vm, mod.ns.vars.get(fn)!.value, args as never[]);
}

test("an operation gives the same results under all three handlers", () => {
  const f = run(
    `use beagle.async as async
fn go() {
  let body = fn() { [async/io("test-echo-later", ["a", 0]), async/io("test-echo-later", [42, 5])] }
  [async/run-blocking(body), async/run-threaded(body), async/run-event-loop(body)]
}`,
    "go",
  );
  expect(f.error).toBeUndefined();
  expect(String(f.result)).toBe(String(run(`fn v() { [["a", 42], ["a", 42], ["a", 42]] }`, "v").result));
});

test("evented waits overlap: 20 tasks waiting 30 ms each finish together, not one after another", () => {
  const t0 = performance.now();
  const f = run(
    `use beagle.async as async
fn go() {
  let mut fs = []
  for i in range(0, 20) { fs = push(fs, async/spawn(fn() { async/io("test-echo-later", [i, 30]) })) }
  let mut sum = 0
  for v in async/await-all(fs) { sum = sum + v }
  sum
}`,
    "go",
  );
  expect(f.error).toBeUndefined();
  expect(f.result).toBe(190);
  // sequential waits would take 600 ms; overlapped ones about 30
  expect(performance.now() - t0).toBeLessThan(500);
  expect(rt.async.ioInflight).toBe(0);
});

test("a task parks on a pipe until another task's write makes it readable; the watch is released", () => {
  const [r, w] = makePipe(true);
  rt.vm.defineBuiltin("beagle.core", "test-pipe-write", (s) => {
    writeFd(w, new TextEncoder().encode(String(s)));
    return null;
  });
  try {
    const f = run(
      `use beagle.async as async
fn go(fd) {
  let reader = async/spawn(fn() { async/io("test-pipe-read", [fd]) })
  async/sleep(20)
  test-pipe-write("ping")
  async/await(reader)
}`,
      "go",
      [r],
    );
    expect(f.error).toBeUndefined();
    expect(f.result).toBe("ping");
    expect((rt.async.backend as LoopBackend).watchedFds).toBe(0);
    expect(rt.async.ioInflight).toBe(0);
  } finally {
    closeFd(r);
    closeFd(w);
  }
});

test('"deadline" bounds an operation without a task: in time gives its result, too late an Error.Timeout with the operation released', () => {
  const timersBefore = rt.async.timers.size;
  const f = run(
    `use beagle.async as async
fn go() {
  let quick = async/io("deadline", ["test-echo-later", ["fast", 5], 500, "echo"])
  let slow = async/io("deadline", ["test-echo-later", ["slow", 500], 20, "echo"])
  [quick, slow]
}`,
    "go",
  );
  expect(f.error).toBeUndefined();
  expect(formatValue(f.result, 0)).toBe('["fast", Result.Err { error: Error.Timeout { operation: "echo" } }]');
  // the slow operation's own timer and both deadline timers are gone
  expect(rt.async.timers.size).toBe(timersBefore);
  expect(rt.async.ioInflight).toBe(0);
});
