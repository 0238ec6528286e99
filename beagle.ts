#!/usr/bin/env bun
// Beagle on Bun command line. Subcommands live in their own modules; this file
// only dispatches.
//
//   bun beagle.ts FILE.bg [args...]        run a program (also: run FILE)
//   bun beagle.ts test [PATHS...] [opts]   run Beagle tests
//   bun beagle.ts --all-tests              the project's whole Beagle suite
//   bun beagle.ts disasm FILE.bg           print a file's bytecode
//   bun beagle.ts build FILE.bg -o OUT     single-file executable of a program

const argv = process.argv.slice(2);

async function main(): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case undefined:
    case "-h":
    case "--help":
      console.log(
        "usage: beagle FILE.bg [args...] | run FILE.bg [args...] | test [PATHS...] [--filter S] [--update-snapshots] | --all-tests | disasm FILE.bg | build FILE.bg -o OUT",
      );
      return cmd === undefined ? 2 : 0;
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
    default:
      return (await import("./vm/run.ts")).runFile(cmd, rest);
  }
}

process.exitCode = await main();

export {};
