// Running out of file descriptors before the event loop has started: the first
// pooled operation answers an I/O error value naming EMFILE at the user's call
// (it used to kill the program with "Internal error: epoll_create1"), and the
// loop starts once fds are free again.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { ROOT, expectCleanStderr, runSource } from "./harness.ts";

const PROGRAM = `use beagle.io as io
use beagle.async as async
fn open-all(acc) {
  match io/open("/dev/null", "r") {
    Result.Ok { value } => open-all(push(acc, value)),
    Result.Err { error } => acc
  }
}
fn show(r) {
  match r { Result.Ok { value } => "ok " ++ to-string(length(value)), Result.Err { error } => error.message }
}
fn main(args) {
  let files = open-all([])
  println(count(files) > 10)
  println(show(async/read-file(args[0])))
  println(show(async/read-file(args[0])))
  for f in files { io/close(f) }
  println(show(async/read-file(args[0])))
  println(show(async/run-threaded(fn() { async/read-file(args[0]) })))
}
`;

describe("fds exhausted before the first async operation", () => {
  test("an EMFILE error value at the call, then the loop starts once fds are free", async () => {
    const r = await runSource(PROGRAM, { nofile: 64, args: [join(ROOT, "README.md")] });
    expectCleanStderr(r.stderr);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("true");
    expect(lines[1]).toStartWith("EMFILE: Too many open files");
    expect(lines[2]).toStartWith("EMFILE");
    expect(lines[3]).toMatch(/^ok \d+$/);
    expect(lines[4]).toMatch(/^ok \d+$/);
  });
});
