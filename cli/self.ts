// Where this CLI lives and how to start it again in a child process: as
// `bun beagle.ts` from a checkout, or as the compiled executable itself.

import { join, resolve } from "node:path";

/** True inside an executable produced by `bun build --compile`. */
export function isStandalone(): boolean {
  if (Bun.isStandaloneExecutable) return true;
  // Older Bun: compiled modules live in Bun's embedded file system.
  const p = import.meta.path;
  return p.startsWith("/$bunfs/") || p.includes("~BUN");
}

/** The checkout this file belongs to (meaningless inside a compiled executable). */
export const REPO_ROOT = resolve(import.meta.dir, "..");

export const BEAGLE_TS = join(REPO_ROOT, "beagle.ts");

/** argv prefix that starts this CLI: append a subcommand and its arguments. */
export function beagleCommand(): string[] {
  return isStandalone() ? [process.execPath] : [process.execPath, BEAGLE_TS];
}
