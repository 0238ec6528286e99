#!/usr/bin/env bun
// Beagle on Bun command line. Subcommands live in their own modules; this file
// only dispatches (cli/usage.ts lists them for --help).

import { helpText, suggestSubcommand, VERSION } from "./cli/usage.ts";

const argv = process.argv.slice(2);

async function main(): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case undefined:
      if (process.stdin.isTTY) return (await import("./cli/repl.ts")).runRepl([]);
      process.stderr.write(`${helpText()}\n`);
      return 2;
    case "-h":
    case "--help":
    case "help":
      process.stdout.write(`${helpText()}\n`);
      return 0;
    case "-V":
    case "--version":
    case "version":
      process.stdout.write(`beagle ${VERSION} (Beagle on Bun, Bun ${Bun.version})\n`);
      return 0;
    case "repl":
      return (await import("./cli/repl.ts")).runRepl(rest);
    case "init":
      return (await import("./cli/init.ts")).runInitCommand(rest);
    case "test":
      return (await import("./cli/test-runner.ts")).runTestCommand(rest);
    case "--all-tests":
      return (await import("./cli/test-runner.ts")).runAllTests(rest);
    case "build":
      return (await import("./cli/build.ts")).runBuildCommand(rest);
    case "disasm":
      return (await import("./vm/run.ts")).disasmFile(rest[0]!);
    case "run":
      return (await import("./vm/run.ts")).runFile(rest[0]!, rest.slice(1));
    default: {
      if (!(await Bun.file(cmd).exists())) {
        const near = suggestSubcommand(cmd);
        if (near.length || cmd.startsWith("-")) {
          const hint = near.length ? ` (did you mean '${near.join("' or '")}'?)` : "";
          process.stderr.write(
            `beagle: unknown ${cmd.startsWith("-") ? "option" : "command"} '${cmd}'${hint}; see beagle --help\n`,
          );
          return 2;
        }
      }
      return (await import("./vm/run.ts")).runFile(cmd, rest);
    }
  }
}

try {
  process.exitCode = await main();
} catch (e) {
  // Every error a user can cause is reported where it happens; what reaches here is a bug of ours.
  if (process.env.BEAGLE_DEBUG) throw e;
  process.stderr.write(
    `beagle: internal error: ${e instanceof Error ? e.message : String(e)} (BEAGLE_DEBUG=1 shows where)\n`,
  );
  process.exitCode = 70;
}
