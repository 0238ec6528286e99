// File-operation throughput through the event loop's worker pool, by pool
// size (1, 2, 4, 8), against Bun's own fs.promises (and sync fs) on the same
// files in the same run. Also: small vs large payloads, and the inline-SAB vs
// native-memory transfer paths (why large payloads leave the SAB).
//   bun bench/file-pool-throughput.ts [name-regex]
import { bench, group, run, summary } from "mitata";
import * as fs from "node:fs";
import { readFile, stat } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { EventLoop } from "../runtime/event-loop.ts";
import type { FileRequest } from "../runtime/file-ops.ts";

const OPS = 1000;
const SMALL = 100;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "beagle-bench-pool-"));
const small = Array.from({ length: SMALL }, (_, i) => {
  const p = path.join(dir, `s${i}.txt`);
  fs.writeFileSync(p, `line ${i}\n`.repeat(128)); // ~1 KiB
  return p;
});
const bigPath = path.join(dir, "big.txt");
fs.writeFileSync(bigPath, "0123456789abcdef".repeat(65536)); // 1 MiB
const midPath = path.join(dir, "mid.txt");
fs.writeFileSync(midPath, "0123456789abcdef".repeat(512)); // 8 KiB

/** Submit every request and turn the loop until all are back. */
function drive(loop: EventLoop, reqs: FileRequest[]): number {
  for (const r of reqs) loop.submitFile(r);
  let done = 0;
  let bytes = 0;
  while (done < reqs.length) {
    for (const c of loop.runOnce(10_000)) {
      if (c.kind !== "file") continue;
      done++;
      if (!c.result.ok) throw new Error(`${c.result.code} ${c.result.path}`);
      if (typeof c.result.value === "string") bytes += c.result.value.length;
    }
  }
  return bytes;
}

const smallReads: FileRequest[] = Array.from({ length: OPS }, (_, i) => ({ op: "read", path: small[i % SMALL]! }));
const smallStats: FileRequest[] = Array.from({ length: OPS }, (_, i) => ({ op: "size", path: small[i % SMALL]! }));
const bigReads: FileRequest[] = Array.from({ length: 32 }, () => ({ op: "read", path: bigPath }));
const midReads: FileRequest[] = Array.from({ length: OPS }, () => ({ op: "read", path: midPath }));

const loops = new Map<number, EventLoop>();
for (const n of [1, 2, 4, 8]) {
  const loop = new EventLoop({ poolSize: n });
  drive(loop, [{ op: "exists", path: dir }]); // start the workers outside the timing
  loops.set(n, loop);
}
// Transfer-path comparison at 2 workers: 8 KiB results inline in the SAB vs
// forced through malloc'd memory (inline area of 64 bytes); 1 MiB inline needs
// a 1 MiB+ inline area per slot (16 slots here) vs the default native path.
const inline8k = new EventLoop({ poolSize: 2 });
const native8k = new EventLoop({ poolSize: 2, poolInlineBytes: 64 });
const inline1m = new EventLoop({ poolSize: 2, poolSlots: 16, poolInlineBytes: 1 << 21 });
// retainBytes 0: every large transfer mallocs and frees a fresh block.
const fresh1m = new EventLoop({ poolSize: 2, poolRetainBytes: 0 });
for (const l of [inline8k, native8k, inline1m, fresh1m]) drive(l, [{ op: "exists", path: dir }]);

summary(() => {
  group(`${OPS} reads of 1 KiB files`, () => {
    for (const [n, loop] of loops) bench(`pool of ${n}`, () => drive(loop, smallReads));
    bench("Bun fs.promises.readFile", async () => {
      await Promise.all(smallReads.map((r) => readFile(r.path, "utf8")));
    });
    bench("Bun fs.readFileSync (main thread)", () => {
      for (const r of smallReads) fs.readFileSync(r.path, "utf8");
    });
  });
});

summary(() => {
  group(`${OPS} file sizes (stat)`, () => {
    for (const [n, loop] of loops) bench(`pool of ${n}`, () => drive(loop, smallStats));
    bench("Bun fs.promises.stat", async () => {
      await Promise.all(smallStats.map((r) => stat(r.path)));
    });
  });
});

summary(() => {
  group("32 reads of a 1 MiB file", () => {
    for (const [n, loop] of loops) bench(`pool of ${n}`, () => drive(loop, bigReads));
    bench("Bun fs.promises.readFile", async () => {
      await Promise.all(bigReads.map((r) => readFile(r.path, "utf8")));
    });
  });
});

summary(() => {
  group(`transfer path: ${OPS} reads of an 8 KiB file (2 workers)`, () => {
    bench("inline in the SAB slot", () => drive(inline8k, midReads));
    bench("native slot buffer", () => drive(native8k, midReads));
  });
});

summary(() => {
  group("transfer path: 32 reads of a 1 MiB file (2 workers)", () => {
    bench("inline in a 2 MiB SAB slot", () => drive(inline1m, bigReads));
    bench("native slot buffer, reused", () => drive(loops.get(2)!, bigReads));
    bench("native buffer, fresh malloc each time", () => drive(fresh1m, bigReads));
  });
});

await run(process.argv[2] ? { filter: new RegExp(process.argv[2]) } : {});
for (const l of [...loops.values(), inline8k, native8k, inline1m, fresh1m]) await l.close();
fs.rmSync(dir, { recursive: true, force: true });
