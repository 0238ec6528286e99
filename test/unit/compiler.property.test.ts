// Random source text never crashes the compiler (parser + code generator)
// with anything but a Beagle syntax/compile error. Inputs are mutations of our
// own Beagle test programs, so most of them get deep into code generation.
import { test, expect } from "bun:test";
import fc from "fast-check";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseProgram } from "../../compiler/parser.ts";
import { CodeGen } from "../../compiler/codegen.ts";
import { BeagleSyntaxError } from "../../compiler/diagnostics.ts";
import { createRuntime } from "../../vm/run.ts";

const dir = join(import.meta.dir, "../bg/lang");
const samples = readdirSync(dir)
  .filter((f) => f.endsWith(".bg"))
  .map((f) => readFileSync(join(dir, f), "utf8"))
  // modules next to the samples are not there for the mutated copies
  .map((s) => s.replace(/^use (?!beagle\.)[^\n]*$/gm, ""));

const tokens = [
  "{",
  "}",
  "(",
  ")",
  "[",
  "]",
  ",",
  "=>",
  "=",
  "let",
  "mut",
  "fn",
  "match",
  "if",
  "else",
  "break(1)",
  "continue()",
  "return()",
  "x",
  "E.V",
  "Point {",
  "...",
  ":k",
  '"s"',
  "1.5",
  "-",
  "|>",
  "perform",
  "handle",
  "try",
  "catch (e)",
  "\n",
];

const mutation = fc.oneof(
  fc.record({ k: fc.constant("delete" as const), at: fc.nat(), len: fc.integer({ min: 1, max: 30 }) }),
  fc.record({ k: fc.constant("insert" as const), at: fc.nat(), tok: fc.constantFrom(...tokens) }),
  fc.record({ k: fc.constant("truncate" as const), at: fc.nat() }),
);

function mutate(src: string, ms: { k: string; at: number; len?: number; tok?: string }[]): string {
  let s = src;
  for (const m of ms) {
    const at = s.length ? m.at % s.length : 0;
    if (m.k === "delete") s = s.slice(0, at) + s.slice(at + m.len!);
    else if (m.k === "insert") s = s.slice(0, at) + " " + m.tok + " " + s.slice(at);
    else s = s.slice(0, at);
  }
  return s;
}

test("mutated programs compile or fail with a located Beagle error", () => {
  const { loader } = createRuntime();
  let compiled = 0;
  fc.assert(
    fc.property(fc.nat(samples.length - 1), fc.array(mutation, { minLength: 1, maxLength: 4 }), (i, ms) => {
      const src = mutate(samples[i]!, ms);
      try {
        const prog = parseProgram(src, "fuzz.bg");
        new CodeGen(loader, "fuzz.bg", src).compileProgram(prog);
        compiled++;
      } catch (e) {
        if (!(e instanceof BeagleSyntaxError)) throw e;
        expect(e.line).toBeGreaterThanOrEqual(0);
      }
    }),
    { numRuns: 1500 },
  );
  // the mutations must not all die in the parser, or this tests nothing
  expect(compiled).toBeGreaterThan(50);
});
