// Catching SIGINT/SIGTERM/SIGHUP while Beagle code runs, so buffered stdout can
// be flushed before the process dies. The interpreter runs synchronously, so a
// JS `process.on("SIGTERM")` callback would only run when the program ends (and
// Ctrl-C would stop working); instead a tiny C handler (compiled by bun:ffi's
// TinyCC on first use, ~6 ms) records the signal, the VM polls it between time
// slices, flushes, and re-raises it with the previous disposition restored, so
// the exit status is the signal's, as a shell expects.
//
// If the C compiler is unavailable the functions report that and do nothing.
import { cc } from "bun:ffi";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const C_SOURCE = `
#include <signal.h>
#include <string.h>
static volatile sig_atomic_t pending = 0;
static struct sigaction saved[65];
static char held[65];
static void on_signal(int s) { pending = s; }
int beagle_sig_catch(int s) {
  if (s <= 0 || s > 64 || held[s]) return 0;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  if (sigaction(s, &sa, &saved[s]) != 0) return -1;
  held[s] = 1;
  return 0;
}
int beagle_sig_release(int s) {
  if (s <= 0 || s > 64 || !held[s]) return 0;
  held[s] = 0;
  return sigaction(s, &saved[s], 0);
}
int beagle_sig_take(void) { int p = pending; pending = 0; return p; }
int beagle_sig_die(int s) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_DFL;
  sigemptyset(&sa.sa_mask);
  sigaction(s, &sa, 0);
  return raise(s);
}
`;

interface SigLib {
  beagle_sig_catch(s: number): number;
  beagle_sig_release(s: number): number;
  beagle_sig_take(): number;
  beagle_sig_die(s: number): number;
}

let lib: SigLib | null | undefined;

function load(): SigLib | null {
  if (lib !== undefined) return lib;
  let dir: string | null = null;
  try {
    dir = mkdtempSync(join(tmpdir(), "beagle-sig-"));
    const file = join(dir, "signals.c");
    writeFileSync(file, C_SOURCE);
    const { symbols } = cc({
      source: file,
      symbols: {
        beagle_sig_catch: { args: ["int"], returns: "int" },
        beagle_sig_release: { args: ["int"], returns: "int" },
        beagle_sig_take: { args: [], returns: "int" },
        beagle_sig_die: { args: ["int"], returns: "int" },
      },
    });
    lib = symbols as unknown as SigLib;
  } catch (e) {
    // no compiler here: never again; a system error (no fds left, say): try again later
    if (typeof (e as { code?: unknown })?.code === "string") {
      if (dir) removeQuietly(dir);
      return null;
    }
    lib = null;
  }
  if (dir) removeQuietly(dir);
  return lib;
}

function removeQuietly(dir: string) {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {}
}

/** The signals a running program is expected to die of with its output intact. */
export const FLUSH_SIGNALS = [2 /* SIGINT */, 15 /* SIGTERM */, 1 /* SIGHUP */];

let catching = false;

/** Start recording FLUSH_SIGNALS instead of dying at once. False if that is not possible here. */
export function catchSignals(): boolean {
  if (catching) return true;
  const l = load();
  if (!l) return false;
  for (const s of FLUSH_SIGNALS) l.beagle_sig_catch(s);
  catching = true;
  return true;
}

/** Restore the dispositions catchSignals replaced (a blocked wait or the program's end). */
export function releaseSignals() {
  if (!catching || !lib) return;
  for (const s of FLUSH_SIGNALS) lib.beagle_sig_release(s);
  catching = false;
}

/** The signal received since the last call, or 0. */
export function takeSignal(): number {
  return lib ? lib.beagle_sig_take() : 0;
}

/** Run just before dying of a caught signal (child processes are stopped there); must not throw. */
export const beforeDying: (() => void)[] = [];

/** Die of signal `s` (its default action), as if it had not been caught. */
export function dieOfSignal(s: number): never {
  for (const f of beforeDying) {
    try {
      f();
    } catch {}
  }
  const l = load();
  if (l) l.beagle_sig_die(s);
  process.exit(128 + s);
}
