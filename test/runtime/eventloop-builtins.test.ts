// The plain-function builtins the VM installs under Beagle names.
import { afterAll, beforeAll, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { closeFd, makeSocketPair, writeFd } from "../../ffi/fd.ts";
import * as B from "../../runtime/eventloop-builtins.ts";
import { removeDir, tempDir } from "./helpers.ts";

let dir: string;
let loop: B.LoopHandle;
beforeAll(() => {
  dir = tempDir();
  loop = B.eventLoopCreate({ poolSize: 2 });
});
afterAll(async () => {
  B.eventLoopDestroy(loop);
  await loop.loop.close(); // the same promise: settles when the workers are gone
  removeDir(dir);
});

/** Run the loop until `id` completes, then take its result. */
function await_(id: number): unknown {
  while (!B.eventLoopCompletionReady(loop, id)) B.eventLoopRunOnce(loop, 10_000);
  return B.eventLoopTakeCompletion(loop, id);
}

test("every builtin is exported under its Beagle name", () => {
  const names = Object.keys(B.EVENT_LOOP_BUILTINS);
  for (const n of [
    "event-loop-create",
    "event-loop-run-once",
    "event-loop-wake",
    "get-cpu-count",
    "file-read-async",
    "event-loop-take-completion",
  ])
    expect(names).toContain(n);
  for (const f of Object.values(B.EVENT_LOOP_BUILTINS)) expect(typeof f).toBe("function");
});

test("get-cpu-count", () => {
  expect(B.getCpuCount()).toBe(os.availableParallelism());
});

test("file round trip through op ids and take-completion", () => {
  const f = path.join(dir, "a.txt");
  expect(await_(B.fileWriteAsync(loop, f, "hi"))).toEqual({ ok: true, value: 2 });
  expect(await_(B.fileAppendAsync(loop, f, "!"))).toEqual({ ok: true, value: 1 });
  const id = B.fileReadAsync(loop, f);
  expect(B.eventLoopTakeCompletion(loop, id)).toBeNull(); // not run yet
  expect(await_(id)).toEqual({ ok: true, value: "hi!" });
  expect(B.eventLoopTakeCompletion(loop, id)).toBeNull(); // taken once
  expect(await_(B.fileSizeAsync(loop, f))).toEqual({ ok: true, value: 3 });
  expect(await_(B.fileExistsAsync(loop, f))).toEqual({ ok: true, value: true });
  expect(await_(B.fileIsFileAsync(loop, f))).toEqual({ ok: true, value: true });
  expect(await_(B.fileIsDirectoryAsync(loop, dir))).toEqual({ ok: true, value: true });
  expect(await_(B.fileStatAsync(loop, f))).toMatchObject({ ok: true, value: { size: 3, isFile: true } });
  expect(await_(B.fileCopyAsync(loop, f, path.join(dir, "b.txt")))).toEqual({ ok: true, value: 3 });
  expect(await_(B.fileRenameAsync(loop, path.join(dir, "b.txt"), path.join(dir, "c.txt")))).toEqual({
    ok: true,
    value: null,
  });
  expect(await_(B.fileMkdirAsync(loop, path.join(dir, "d")))).toEqual({ ok: true, value: null });
  expect(await_(B.fileMkdirAllAsync(loop, path.join(dir, "d", "e", "f")))).toEqual({ ok: true, value: null });
  expect(await_(B.fileRmdirAsync(loop, path.join(dir, "d", "e", "f")))).toEqual({ ok: true, value: null });
  expect((await_(B.fileReaddirAsync(loop, dir)) as { value: string[] }).value.sort()).toEqual(["a.txt", "c.txt", "d"]);
  expect(await_(B.fileRmdirAllAsync(loop, path.join(dir, "d")))).toEqual({ ok: true, value: null });
  expect(await_(B.fileDeleteAsync(loop, path.join(dir, "c.txt")))).toEqual({ ok: true, value: null });
  const bytes = await_(B.fileReadBytesAsync(loop, f)) as { value: Uint8Array };
  expect(Buffer.from(bytes.value).toString()).toBe("hi!");
  expect(fs.existsSync(path.join(dir, "c.txt"))).toBe(false);
});

test("errors are plain values naming the errno", () => {
  const missing = path.join(dir, "missing.txt");
  expect(await_(B.fileReadAsync(loop, missing))).toEqual({
    ok: false,
    code: "ENOENT",
    errno: 2,
    message: "No such file or directory",
    path: missing,
  });
  expect(await_(B.fileMkdirAsync(loop, dir))).toMatchObject({ ok: false, code: "EEXIST", errno: 17, path: dir });
});

test("run-once returns how many operations completed", () => {
  const ids = [B.fileExistsAsync(loop, dir), B.fileExistsAsync(loop, dir), B.timerSet(loop, 0)];
  let n = 0;
  while (n < 3) n += B.eventLoopRunOnce(loop, 10_000);
  expect(n).toBe(3);
  expect(ids.map((id) => B.eventLoopTakeCompletion(loop, id))).toEqual([
    { ok: true, value: true },
    { ok: true, value: true },
    { ok: true, value: null },
  ]);
});

test("timers: set, cancel, pending", () => {
  const keep = B.timerSet(loop, 1);
  const drop = B.timerSet(loop, 1);
  expect(B.timerCancel(loop, drop)).toBe(true);
  expect(B.eventLoopPending(loop)).toBe(1);
  expect(await_(keep)).toEqual({ ok: true, value: null });
  expect(B.eventLoopCompletionReady(loop, drop)).toBe(false);
  expect(B.eventLoopPending(loop)).toBe(0);
});

test("wake ends a blocking run-once; cancel drops a file op", () => {
  B.eventLoopWake(loop);
  expect(B.eventLoopRunOnce(loop, 10_000)).toBe(0);
  const id = B.fileExistsAsync(loop, dir);
  expect(B.eventLoopCancel(loop, id)).toBe(true);
  while (B.eventLoopPending(loop) > 0) B.eventLoopRunOnce(loop, 10_000);
  B.eventLoopRunOnce(loop, 0);
  expect(B.eventLoopTakeCompletion(loop, id)).toBeNull();
});

test("fd-watch-async reports readiness once", () => {
  const [a, b] = makeSocketPair();
  try {
    const id = B.fdWatchAsync(loop, a, true, false);
    writeFd(b, new Uint8Array([1]));
    expect(await_(id)).toEqual({ ok: true, value: { readable: true, writable: false, hangup: false, error: false } });
    expect(B.eventLoopPending(loop)).toBe(0);
  } finally {
    closeFd(a);
    closeFd(b);
  }
});
