// The file worker pool through the event loop: every operation, errors as
// values, 1,000 concurrent operations at pool sizes 1/2/4/8 with each result
// checked, large payloads through native memory, backlog and cancellation, and
// a clean shutdown (fds, worker threads and native buffers back to zero).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { ERRNO } from "../../ffi/errno.ts";
import { EventLoop, type FileCompletion } from "../../runtime/event-loop.ts";
import type { FileRequest, FileResult } from "../../runtime/file-ops.ts";
import { fdCount, quiesce, removeDir, tempDir, waitFor, workerThreads } from "./helpers.ts";

let dir: string;
beforeAll(() => {
  dir = tempDir();
});
afterAll(() => removeDir(dir));

/** Submit requests and run the loop until every one has completed. */
function runAll(loop: EventLoop, reqs: FileRequest[]): FileResult[] {
  const ids = reqs.map((r) => loop.submitFile(r));
  const byId = new Map<number, FileResult>();
  while (byId.size < ids.length) {
    for (const c of loop.runOnce(10000)) if (c.kind === "file") byId.set(c.id, c.result);
  }
  return ids.map((id) => byId.get(id)!);
}

const run1 = (loop: EventLoop, req: FileRequest) => runAll(loop, [req])[0]!;

describe("file operations", () => {
  let loop: EventLoop;
  beforeAll(() => {
    loop = new EventLoop({ poolSize: 2 });
  });
  afterAll(async () => {
    await loop.close();
    expect(loop.nativeOutstanding()).toBe(0);
  });
  const p = (...parts: string[]) => path.join(dir, "ops", ...parts);

  test("write, append, read, size, stat, exists, is-file, is-directory", () => {
    expect(run1(loop, { op: "mkdir", path: p() })).toEqual({ ok: true, value: null });
    expect(run1(loop, { op: "write", path: p("a.txt"), data: "héllo" })).toEqual({ ok: true, value: 6 });
    expect(run1(loop, { op: "append", path: p("a.txt"), data: " wörld" })).toEqual({ ok: true, value: 7 });
    expect(run1(loop, { op: "read", path: p("a.txt") })).toEqual({ ok: true, value: "héllo wörld" });
    expect(run1(loop, { op: "size", path: p("a.txt") })).toEqual({ ok: true, value: 13 });
    const st = run1(loop, { op: "stat", path: p("a.txt") });
    expect(st).toMatchObject({ ok: true, value: { size: 13, isFile: true, isDirectory: false } });
    expect(run1(loop, { op: "exists", path: p("a.txt") })).toEqual({ ok: true, value: true });
    expect(run1(loop, { op: "exists", path: p("missing") })).toEqual({ ok: true, value: false });
    expect(run1(loop, { op: "isFile", path: p("a.txt") })).toEqual({ ok: true, value: true });
    expect(run1(loop, { op: "isFile", path: p() })).toEqual({ ok: true, value: false });
    expect(run1(loop, { op: "isFile", path: p("missing") })).toEqual({ ok: true, value: false });
    expect(run1(loop, { op: "isDirectory", path: p() })).toEqual({ ok: true, value: true });
    expect(run1(loop, { op: "isDirectory", path: p("a.txt") })).toEqual({ ok: true, value: false });
  });

  test("bytes in and out", () => {
    const bytes = new Uint8Array([0, 1, 2, 255, 254]);
    expect(run1(loop, { op: "write", path: p("b.bin"), data: bytes })).toEqual({ ok: true, value: 5 });
    const r = run1(loop, { op: "readBytes", path: p("b.bin") });
    expect(r.ok).toBe(true);
    expect([...(r as { value: Uint8Array }).value]).toEqual([0, 1, 2, 255, 254]);
  });

  test("readdir, mkdir -p, rename, copy, delete, rmdir, rmdir -r", () => {
    expect(run1(loop, { op: "mkdirAll", path: p("x", "y", "z") })).toEqual({ ok: true, value: null });
    expect(run1(loop, { op: "mkdirAll", path: p("x", "y", "z") })).toEqual({ ok: true, value: null });
    expect(run1(loop, { op: "write", path: p("x", "f1"), data: "1" }).ok).toBe(true);
    expect(run1(loop, { op: "copy", path: p("x", "f1"), dest: p("x", "f2") })).toEqual({ ok: true, value: 1 });
    expect(run1(loop, { op: "rename", path: p("x", "f2"), dest: p("x", "f3") })).toEqual({ ok: true, value: null });
    const ls = run1(loop, { op: "readdir", path: p("x") }) as { ok: true; value: string[] };
    expect(ls.value.sort()).toEqual(["f1", "f3", "y"]);
    expect(run1(loop, { op: "readdir", path: p("x", "y", "z") })).toEqual({ ok: true, value: [] });
    expect(run1(loop, { op: "delete", path: p("x", "f3") })).toEqual({ ok: true, value: null });
    expect(run1(loop, { op: "rmdir", path: p("x", "y", "z") })).toEqual({ ok: true, value: null });
    expect(run1(loop, { op: "rmdirAll", path: p("x") })).toEqual({ ok: true, value: null });
    expect(fs.existsSync(p("x"))).toBe(false);
  });

  test("unicode and long paths", () => {
    const name = "ünï-" + "d".repeat(200) + "-🐕.txt";
    expect(run1(loop, { op: "write", path: p(name), data: "dog" }).ok).toBe(true);
    expect(run1(loop, { op: "read", path: p(name) })).toEqual({ ok: true, value: "dog" });
    const deep = p(...Array.from({ length: 30 }, (_, i) => `level-${i}-` + "q".repeat(100)));
    expect(run1(loop, { op: "mkdirAll", path: deep })).toEqual({ ok: true, value: null });
    expect(run1(loop, { op: "isDirectory", path: deep })).toEqual({ ok: true, value: true });
  });

  test("large contents travel through reused native slot buffers", () => {
    const big = "0123456789abcdef".repeat(65536) + "é"; // ~1 MiB, bigger than the inline area
    expect(run1(loop, { op: "write", path: p("big.txt"), data: big })).toEqual({ ok: true, value: big.length + 1 });
    expect(run1(loop, { op: "read", path: p("big.txt") })).toEqual({ ok: true, value: big });
    const bytes = run1(loop, { op: "readBytes", path: p("big.txt") }) as { ok: true; value: Uint8Array };
    expect(bytes.value.byteLength).toBe(big.length + 1);
    // Sequential big transfers reuse a slot's buffer instead of allocating anew.
    const held = loop.nativeOutstanding();
    expect(held).toBeGreaterThan(0);
    for (let i = 0; i < 5; i++) expect(run1(loop, { op: "read", path: p("big.txt") }).ok).toBe(true);
    expect(loop.nativeOutstanding()).toBe(held);
  });

  test("a payload over the keep limit is freed after use", () => {
    const before = loop.nativeOutstanding();
    const huge = "z".repeat(5 << 20); // > 4 MiB
    expect(run1(loop, { op: "write", path: p("huge.txt"), data: huge })).toEqual({ ok: true, value: huge.length });
    expect(run1(loop, { op: "read", path: p("huge.txt") })).toEqual({ ok: true, value: huge });
    // (A slot whose smaller buffer was replaced by the huge one ends with none.)
    expect(loop.nativeOutstanding()).toBeLessThanOrEqual(before);
  });

  test("errors come back as values naming the errno", () => {
    const err = (code: string, extra: { path: string; dest?: string }): FileResult => ({
      ok: false,
      code,
      errno: ERRNO[code]!,
      message: expect.any(String),
      ...extra,
    });
    expect(run1(loop, { op: "read", path: p("nope") })).toEqual(err("ENOENT", { path: p("nope") }));
    expect((run1(loop, { op: "read", path: p("nope") }) as { message: string }).message).toBe(
      "No such file or directory",
    );
    expect(run1(loop, { op: "read", path: p() })).toEqual(err("EISDIR", { path: p() }));
    expect(run1(loop, { op: "read", path: p("a.txt", "child") })).toEqual(
      err("ENOTDIR", { path: p("a.txt", "child") }),
    );
    expect(run1(loop, { op: "mkdir", path: p() })).toEqual(err("EEXIST", { path: p() }));
    expect(run1(loop, { op: "mkdir", path: p("no", "parent") })).toEqual(err("ENOENT", { path: p("no", "parent") }));
    expect(run1(loop, { op: "delete", path: p("nope") })).toEqual(err("ENOENT", { path: p("nope") }));
    expect(run1(loop, { op: "size", path: p("nope") })).toEqual(err("ENOENT", { path: p("nope") }));
    expect(run1(loop, { op: "stat", path: p("nope") })).toEqual(err("ENOENT", { path: p("nope") }));
    expect(run1(loop, { op: "readdir", path: p("a.txt") })).toEqual(err("ENOTDIR", { path: p("a.txt") }));
    expect(run1(loop, { op: "rmdir", path: p() })).toEqual(err("ENOTEMPTY", { path: p() }));
    expect(run1(loop, { op: "rmdirAll", path: p("nope") })).toEqual(err("ENOENT", { path: p("nope") }));
    expect(run1(loop, { op: "write", path: p(), data: "x" })).toEqual(err("EISDIR", { path: p() }));
    expect(run1(loop, { op: "rename", path: p("nope"), dest: p("other") })).toEqual(
      err("ENOENT", { path: p("nope"), dest: p("other") }),
    );
    expect(run1(loop, { op: "copy", path: p("nope"), dest: p("other") })).toEqual(
      err("ENOENT", { path: p("nope"), dest: p("other") }),
    );
    expect(run1(loop, { op: "read", path: "bad\0path" })).toEqual(err("EINVAL", { path: "bad\0path" }));
  });

  test("permission denied is EACCES (skipped as root)", () => {
    if (process.getuid?.() === 0) return;
    const locked = p("locked.txt");
    fs.writeFileSync(locked, "secret");
    fs.chmodSync(locked, 0o000);
    try {
      expect(run1(loop, { op: "read", path: locked })).toMatchObject({
        ok: false,
        code: "EACCES",
        errno: ERRNO.EACCES,
      });
    } finally {
      fs.chmodSync(locked, 0o600);
    }
  });

  test("sleep blocks a worker, not the loop; close cuts it short", async () => {
    const own = new EventLoop({ poolSize: 2 });
    const slow = own.submitFile({ op: "sleep", path: "", ms: 60_000 });
    const fast = own.submitFile({ op: "exists", path: p() });
    const timer = own.addTimer(1);
    const seen: number[] = [];
    while (seen.length < 2) for (const c of own.runOnce(10_000)) seen.push(c.id);
    expect(seen.sort()).toEqual([fast, timer].sort());
    expect(own.pending).toBe(1);
    await own.close(); // returns long before the 60 s sleep would end
    expect(seen).not.toContain(slow);
  });
});

describe("1,000 concurrent operations", () => {
  for (const size of [1, 2, 4, 8]) {
    test(`pool of ${size}: every result correct`, async () => {
      const base = path.join(dir, `conc-${size}`);
      fs.mkdirSync(base);
      for (let i = 0; i < 250; i++) fs.writeFileSync(path.join(base, `in-${i}.txt`), `input ${i} `.repeat((i % 7) + 1));
      const loop = new EventLoop({ poolSize: size });
      try {
        // A mix: 250 reads, 250 writes, 250 sizes, 250 existence checks (half missing).
        const reqs: FileRequest[] = [];
        for (let i = 0; i < 250; i++) {
          reqs.push({ op: "read", path: path.join(base, `in-${i}.txt`) });
          reqs.push({ op: "write", path: path.join(base, `out-${i}.txt`), data: `out ${i}`.repeat((i % 5) + 1) });
          reqs.push({ op: "size", path: path.join(base, `in-${i}.txt`) });
          reqs.push({ op: "exists", path: path.join(base, i % 2 ? `in-${i}.txt` : `nope-${i}`) });
        }
        const results = runAll(loop, reqs);
        expect(loop.poolSize).toBe(size);
        let wrong = 0;
        for (let i = 0; i < 250; i++) {
          const content = `input ${i} `.repeat((i % 7) + 1);
          const [read, write, sz, ex] = results.slice(i * 4, i * 4 + 4) as { ok: boolean; value: unknown }[];
          if (read!.value !== content) wrong++;
          if (write!.value !== `out ${i}`.repeat((i % 5) + 1).length) wrong++;
          if (sz!.value !== content.length) wrong++;
          if (ex!.value !== (i % 2 === 1)) wrong++;
          if (fs.readFileSync(path.join(base, `out-${i}.txt`), "utf8") !== `out ${i}`.repeat((i % 5) + 1)) wrong++;
        }
        expect(wrong).toBe(0);
        expect(loop.pending).toBe(0);
      } finally {
        await loop.close();
      }
      expect(loop.nativeOutstanding()).toBe(0);
    });
  }
});

describe("backlog, cancellation and shutdown", () => {
  test("more requests than slots queue and all complete", async () => {
    const loop = new EventLoop({ poolSize: 2, poolSlots: 4, poolInlineBytes: 64 });
    try {
      const f = path.join(dir, "backlog.txt");
      fs.writeFileSync(f, "b".repeat(1000)); // > 64 bytes inline: native results
      const results = runAll(
        loop,
        Array.from({ length: 200 }, () => ({ op: "read" as const, path: f })),
      );
      expect(results.every((r) => r.ok && r.value === "b".repeat(1000))).toBe(true);
      expect(loop.nativeOutstanding()).toBeLessThanOrEqual(4); // at most one per slot
    } finally {
      await loop.close();
    }
    expect(loop.nativeOutstanding()).toBe(0);
  });

  test("failures after a slot buffer was grown leak nothing", async () => {
    const loop = new EventLoop({ poolSize: 1, poolInlineBytes: 8 });
    try {
      const results = runAll(loop, [
        { op: "read", path: dir }, // a directory: open works, fstat says 4096, read fails
        { op: "write", path: path.join(dir, "no", "such", "dir"), data: "x".repeat(100) },
      ]);
      expect(results.map((r) => !r.ok && r.code)).toEqual(["EISDIR", "ENOENT"]);
    } finally {
      await loop.close();
    }
    expect(loop.nativeOutstanding()).toBe(0);
  });

  test("a cancelled operation is never reported", async () => {
    const loop = new EventLoop({ poolSize: 1, poolSlots: 2 });
    try {
      const ids = Array.from({ length: 10 }, () => loop.submitFile({ op: "exists", path: dir }));
      const running = ids[0]!; // already on a slot
      const queued = ids[9]!; // still in the backlog
      expect(loop.cancel(running)).toBe(true);
      expect(loop.cancel(queued)).toBe(true);
      expect(loop.cancel(queued)).toBe(false);
      const seen: number[] = [];
      while (loop.pending > 0) for (const c of loop.runOnce(5000)) seen.push(c.id);
      expect(seen.sort((a, b) => a - b)).toEqual(ids.slice(1, 9));
    } finally {
      await loop.close();
    }
  });

  test("close with work in flight: workers exit, fds and threads back to the start", async () => {
    // Earlier loops' workers may still be exiting: start from a quiet process.
    await quiesce();
    const fds = fdCount();
    const threads = workerThreads();
    const loop = new EventLoop({ poolSize: 4 });
    for (let i = 0; i < 100; i++)
      loop.submitFile({ op: "write", path: path.join(dir, `late-${i}`), data: "x".repeat(100_000) });
    loop.runOnce(0);
    expect(workerThreads()).toBeGreaterThan(threads);
    await loop.close();
    expect(() => loop.runOnce(0)).toThrow();
    expect(await waitFor(() => workerThreads() === threads)).toBe(true);
    expect(fdCount()).toBe(fds);
  });

  test("many loops opened and closed leave nothing behind", async () => {
    await quiesce();
    const fds = fdCount();
    const threads = workerThreads();
    for (let round = 0; round < 3; round++) {
      const loop = new EventLoop({ poolSize: 2 });
      runAll(loop, [{ op: "exists", path: dir }]);
      await loop.close();
    }
    expect(await waitFor(() => workerThreads() === threads)).toBe(true);
    expect(fdCount()).toBe(fds);
  });

  test("completions come back as file completions with ids", async () => {
    const loop = new EventLoop({ poolSize: 1 });
    try {
      const id = loop.submitFile({ op: "exists", path: dir });
      let got: FileCompletion | undefined;
      while (!got) for (const c of loop.runOnce(5000)) if (c.kind === "file") got = c;
      expect(got).toEqual({ kind: "file", id, result: { ok: true, value: true } });
    } finally {
      await loop.close();
    }
  });
});
