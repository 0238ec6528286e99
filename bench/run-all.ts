// `npm run bench`: every benchmark in bench/, one after another (each compares
// against its own baseline in the same run). Pass names to run a subset:
//   bun bench/run-all.ts async effects
import { readdirSync } from "node:fs";
import { join } from "node:path";

const dir = import.meta.dir;
const wanted = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".ts") && f !== "run-all.ts")
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort();

let failed = 0;
for (const f of files) {
  console.log(`\n===== bench/${f}`);
  const p = Bun.spawnSync([process.execPath, join(dir, f)], { stdout: "inherit", stderr: "inherit" });
  if (p.exitCode !== 0) {
    failed++;
    console.log(`bench/${f} exited with ${p.exitCode}`);
  }
}
process.exit(failed ? 1 : 0);
