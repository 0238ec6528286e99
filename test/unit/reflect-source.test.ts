// beagle.reflect's source, location, write-source and persist against real
// files: each case writes a program into a fresh temp dir, runs it with the
// CLI, and checks both what it printed and the bytes left on disk.
import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dir, "../..");

function withProgram(
  files: Record<string, string>,
  main: string,
  check: (r: { code: number | null; out: string; err: string }, dir: string) => void,
) {
  const dir = mkdtempSync(join(tmpdir(), "beagle-reflect-"));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const p = Bun.spawnSync([process.execPath, join(root, "beagle.ts"), join(dir, main)], {
      stdout: "pipe",
      stderr: "pipe",
      cwd: dir,
    });
    check({ code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() }, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("source and location give a definition's text and its byte/line range, doc lines included", () => {
  const prog = `namespace prog
use beagle.reflect as reflect

/// Says hi.
fn héllo(name) {
    "hi " ++ name
}

fn main() {
    println(reflect/source(héllo))
    let loc = reflect/location(héllo)
    println(loc[:byte-start], loc[:byte-end], loc[:line-start], loc[:line-end])
    println(reflect/args(héllo), reflect/doc(héllo))
}
`;
  withProgram({ "prog.bg": prog }, "prog.bg", (r) => {
    expect(r.err).toBe("");
    const lines = r.out.split("\n");
    expect(lines.slice(0, 3).join("\n")).toBe(`fn héllo(name) {\n    "hi " ++ name\n}`);
    const docAt = Buffer.byteLength(prog.slice(0, prog.indexOf("/// Says")));
    const endAt = Buffer.byteLength(prog.slice(0, prog.indexOf("}\n\nfn main") + 1));
    expect(lines[3]).toBe(`${docAt} ${endAt} 4 7`);
    expect(lines[4]).toBe(`["name"] Says hi.`);
  });
});

test("write-source splices the file, redefines the function, and refuses a file that changed", () => {
  const prog = `namespace prog
use beagle.reflect as reflect
use beagle.fs as fs

fn stub() { 0 }

fn after() { "kept" }

fn main() {
    reflect/write-source(stub, "fn stub() { 12345 }")
    println(stub(), after(), reflect/source(stub))
    // someone else edits the file: the next write must refuse
    let path = reflect/location(stub)[:file]
    let text = match fs/blocking-read-file(path) { Result.Ok { value } => value }
    fs/blocking-write-file(path, replace(text, "12345", "54321"))
    let r = try { reflect/write-source(stub, "fn stub() { 1 }") } catch (e) { "refused" }
    println(r, stub())
}
`;
  withProgram({ "prog.bg": prog }, "prog.bg", (r, dir) => {
    expect(r.err).toBe("");
    expect(r.out).toBe("12345 kept fn stub() { 12345 }\nrefused 12345\n");
    const disk = readFileSync(join(dir, "prog.bg"), "utf8");
    expect(disk).toContain("fn stub() { 54321 }");
    expect(disk).toContain(`fn after() { "kept" }`);
  });
});

test("persist updates existing definitions in place and appends new ones to the namespace's file", () => {
  const lib = `namespace lib

fn one() { 1 }

fn two() { 2 }
`;
  const prog = `namespace prog
use beagle.reflect as reflect
use lib as lib

fn main() {
    let r = reflect/persist("lib", "fn one() { 100 + 1 }\\n\\nfn three() { 3 }")
    println(r[0][:name], r[0][:action], r[1][:name], r[1][:action])
    println(lib/one(), lib/two(), eval("lib/three()"))
    let again = reflect/persist("lib", "fn two() { 22 }")
    println(again[0][:action], lib/two())
}
`;
  withProgram({ "prog.bg": prog, "lib.bg": lib }, "prog.bg", (r, dir) => {
    expect(r.err).toBe("");
    expect(r.out).toBe("lib/one updated lib/three appended\n101 2 3\nupdated 22\n");
    expect(readFileSync(join(dir, "lib.bg"), "utf8")).toBe(
      "namespace lib\n\nfn one() { 100 + 1 }\n\nfn two() { 22 }\n\nfn three() { 3 }\n",
    );
  });
});
