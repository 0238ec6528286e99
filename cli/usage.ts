// The command line's vocabulary: subcommands, their options, the --help text and
// "did you mean" for a mistyped subcommand. beagle.ts dispatches on it.

import pkg from "../package.json" with { type: "json" };
import { closestAll } from "../compiler/diagnostics.ts";

export const VERSION: string = pkg.version;

/** [usage, description] per line of `beagle --help`; the first word after `beagle` is the subcommand. */
export const COMMANDS: [string, string][] = [
  ["beagle FILE.bg [ARGS...]", "run a program: top-level code, then main() or main(args)"],
  ["beagle run FILE.bg [ARGS...]", "the same (when the file name looks like a subcommand)"],
  ["beagle repl", "interactive read-eval-print loop (also: beagle with no arguments on a terminal)"],
  ["beagle test [PATHS...] [OPTIONS]", "run Beagle test files (default: ./test or ./tests)"],
  ["beagle --all-tests [OPTIONS]", "the project's own Beagle suite (test/bg/ and examples/)"],
  ["beagle init NAME", "create a project: NAME/main.bg, a module and a test"],
  ["beagle build FILE.bg [-o OUT] [--minify]", "single-file executable of a program and every module it uses"],
  ["beagle disasm FILE.bg", "print a file's bytecode"],
  ["beagle --version", "print the version"],
  ["beagle --help", "this help"],
];

export const TEST_OPTIONS: [string, string][] = [
  ["--filter S", "only tests whose file path or test name contains S (no match: exit 1)"],
  ["--update-snapshots, -u", "rewrite mismatching expectation blocks from the actual output"],
  ["--timeout MS", "per-file time limit, default 30000; the test running then is named"],
  ["--jobs N, -j N", "files run at once, default: the number of CPUs"],
  ["--verbose, -v", "per-file and per-test times"],
  ["--ctrf FILE", "also write the results as a CTRF JSON report (Common Test Report Format)"],
];

export const ENVIRONMENT: [string, string][] = [
  ["BEAGLE_PATH", "extra directories (':'-separated) searched for `use`d modules"],
  ["BEAGLE_DEBUG=1", "internal errors show the JavaScript stack"],
  ["NO_COLOR", "no colour in test output"],
];

export const SUBCOMMANDS = ["run", "repl", "test", "init", "build", "disasm", "help", "version"];
const OPTIONS = ["--help", "--version", "--all-tests"];

function table(rows: [string, string][], indent: string): string {
  const w = Math.max(...rows.map(([a]) => a.length)) + 2;
  return rows.map(([a, b]) => `${indent}${a.padEnd(w)}${b}`).join("\n");
}

export function helpText(): string {
  return [
    `Beagle on Bun ${VERSION}`,
    "",
    "Commands:",
    table(COMMANDS, "  "),
    "",
    "Test options (beagle test, beagle --all-tests):",
    table(TEST_OPTIONS, "  "),
    "",
    "Environment:",
    table(ENVIRONMENT, "  "),
    "",
    "Exit codes: 0 success; 1 an uncaught error or a failed test; 2 a usage error.",
  ].join("\n");
}

/** A word that is no file and close to a subcommand: the subcommand(s) meant. */
export function suggestSubcommand(word: string): string[] {
  if (word.endsWith(".bg") || word.includes("/")) return [];
  if (word.startsWith("-")) return closestAll(word, OPTIONS);
  return closestAll(word, SUBCOMMANDS);
}
