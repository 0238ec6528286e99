// A file too big to become one string (a sparse 2.2 GB file: no disk space used)
// is an EFBIG error under every handler, never Ok("") as it used to be under the
// default one; a normal file next to it still reads.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { closeSync, openSync, ftruncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expectCleanStderr, finish, spawnProgram, tempDir } from "./harness.ts";

let t: ReturnType<typeof tempDir>;
let big = "";
let small = "";

beforeAll(() => {
  t = tempDir();
  big = join(t.dir, "big.bin");
  const fd = openSync(big, "w");
  ftruncateSync(fd, 2200 * 1024 * 1024);
  closeSync(fd);
  small = join(t.dir, "small.txt");
  writeFileSync(small, "hello\n");
});
afterAll(() => t.cleanup());

describe("a file over 2 GiB", () => {
  test("read-file answers EFBIG under the default, blocking and threaded handlers; read-full-file raises", async () => {
    const file = join(t.dir, "read.bg");
    writeFileSync(
      file,
      [
        "use beagle.async as async",
        "fn show(r) {",
        "  match r {",
        '    Result.Ok { value } => println("ok", length(value)),',
        "    Result.Err { error } => println(error.message)",
        "  }",
        "}",
        "fn main(args) {",
        "  let big = args[0]",
        "  show(async/read-file(big))",
        "  show(async/run-blocking(fn() { async/read-file(big) }))",
        "  show(async/run-threaded(fn() { async/read-file(big) }))",
        "  println(try { read-full-file(big) } catch (e) { e.message })",
        "  show(async/read-file(args[1]))",
        "}",
      ].join("\n"),
    );
    const r = await finish(spawnProgram(file, { args: [big, small] }), 60_000);
    expectCleanStderr(r.stderr);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines.length).toBe(5);
    for (const l of lines.slice(0, 4)) {
      expect(l).toContain("File too large");
      expect(l).not.toStartWith("ok");
    }
    expect(lines[0]).toStartWith("EFBIG");
    expect(lines[1]).toContain("2306867200 bytes");
    expect(lines[4]).toBe("ok 6");
  });
});
