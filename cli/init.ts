// `beagle init NAME`: a project skeleton that runs and tests out of the box.
//
//   NAME/main.bg                 the program (uses the module)
//   NAME/greeting.bg             a module with test blocks of its own
//   NAME/test/greeting_test.bg   a test file: expectation block and test blocks
//
// `beagle test` adds its working directory to BEAGLE_PATH, so test/ files can `use`
// the project's modules.

import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";

export function skeleton(name: string): Record<string, string> {
  return {
    "main.bg": `use greeting as greeting

fn main(args) {
    let who = if length(args) > 0 { args[0] } else { "${name}" }
    println(greeting/hello(who))
}
`,
    "greeting.bg": `namespace greeting

/// A greeting for \`name\`.
fn hello(name) {
    "Hello, " ++ name ++ "!"
}

test "hello greets by name" {
    assert-eq!(hello("Ada"), "Hello, Ada!")
}
`,
    "test/greeting_test.bg": `use greeting as greeting

fn main() {
    println(greeting/hello("test"))
}

test "hello keeps the name as given" {
    assert-eq!(greeting/hello(""), "Hello, !")
}

// @beagle.core.snapshot
// Hello, test!
`,
  };
}

export function runInitCommand(args: string[]): number {
  if (args.length !== 1 || args[0]!.startsWith("-")) {
    process.stderr.write(
      "usage: beagle init NAME   (creates the directory NAME with a program, a module and a test)\n",
    );
    return args[0] === "-h" || args[0] === "--help" ? 0 : 2;
  }
  const dir = resolve(args[0]!);
  const name = basename(dir);
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) {
    process.stderr.write(`beagle init: '${name}' is not a usable project name (letters, digits, - and _)\n`);
    return 2;
  }
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    process.stderr.write(`beagle init: ${args[0]} already exists and is not empty\n`);
    return 2;
  }
  for (const [file, text] of Object.entries(skeleton(name))) {
    const p = join(dir, file);
    mkdirSync(join(p, ".."), { recursive: true });
    writeFileSync(p, text);
  }
  process.stdout.write(
    `Created ${args[0]}/ with main.bg, greeting.bg and test/greeting_test.bg\n` +
      `  cd ${args[0]} && beagle main.bg      run it\n` +
      `  cd ${args[0]} && beagle test .       test it (test/ and the module's own test blocks)\n`,
  );
  return 0;
}
