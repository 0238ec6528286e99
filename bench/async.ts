// beagle.async against Bun doing the same work, in one mitata run:
//   spawn + await of 100,000 tasks (Beagle tasks are fibers under the ambient
//   EventLoopHandler; Bun's are async functions), and 10,000 concurrent file
//   reads under ThreadedHandler, EventLoopHandler and plain Bun fs.promises.
import { bench, group, run } from "mitata";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRuntime, runMainFiber, runTask } from "../vm/run.ts";
import { Closure } from "../vm/objects.ts";

const TASKS = 100_000;
const READS = 10_000;
const FILES = 100;

const dir = mkdtempSync(join(tmpdir(), "beagle-bench-async-"));
for (let i = 0; i < FILES; i++) writeFileSync(join(dir, `f${i}.txt`), `file ${i}\n`.repeat(20));

const src = `
use beagle.async as async
fn spawn-await(n) {
  let mut fs = []
  let mut i = 0
  while i < n {
    let k = i
    fs = push(fs, async/spawn(fn() { k }))
    i = i + 1
  }
  count(async/await-all(fs))
}
fn read-all(dir, files, n) {
  let mut fs = []
  let mut i = 0
  while i < n {
    let p = dir ++ "/f" ++ to-string(i % files) ++ ".txt"
    fs = push(fs, async/spawn(fn() { async/read-file(p) }))
    i = i + 1
  }
  count(async/await-all(fs))
}
fn reads-threaded(dir, files, n) { async/run-threaded(fn() { read-all(dir, files, n) }) }
fn reads-event-loop(dir, files, n) { async/run-event-loop(fn() { read-all(dir, files, n) }) }
`;

const { vm, loader } = createRuntime();
const mod = loader.compile(src, "bench-async.bg");
runMainFiber(vm, new Closure(mod.init, []), null);
const fn = (name: string) => mod.ns.vars.get(name)!.value;

function beagle(name: string, args: unknown[]) {
  const f = runTask(vm, fn(name), args);
  if (f.error !== undefined) throw new Error(`beagle ${name} failed`);
  return f.result;
}

group(`spawn + await ${TASKS} tasks`, () => {
  bench("beagle (EventLoopHandler fibers)", () => beagle("spawn-await", [TASKS]));
  bench("bun async functions", async () => {
    const ps: Promise<number>[] = [];
    for (let i = 0; i < TASKS; i++) ps.push((async () => i)());
    let n = 0;
    for (const p of ps) n += (await p) >= 0 ? 1 : 0;
    return n;
  });
});

group(`${READS} concurrent file reads`, () => {
  bench("beagle ThreadedHandler", () => beagle("reads-threaded", [dir, FILES, READS]));
  bench("beagle EventLoopHandler", () => beagle("reads-event-loop", [dir, FILES, READS]));
  bench("bun fs.promises", async () => {
    const ps: Promise<string>[] = [];
    for (let i = 0; i < READS; i++) ps.push(readFile(join(dir, `f${i % FILES}.txt`), "utf8"));
    return (await Promise.all(ps)).length;
  });
});

await run();
rmSync(dir, { recursive: true, force: true });
