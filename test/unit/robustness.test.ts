// Compiler-side robustness (issue 16): expressions too deep for the recursive
// passes are located Beagle errors, long source lines are cut in diagnostics,
// and a byte order mark is skipped.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { createRuntime, runMainFiber } from "../../vm/run.ts";
import { parseProgram } from "../../compiler/parser.ts";
import { CodeGen, CompileError } from "../../compiler/codegen.ts";
import { BeagleSyntaxError, formatDiagnostic } from "../../compiler/diagnostics.ts";
import { lex } from "../../compiler/lexer.ts";
import type { Expr } from "../../compiler/ast.ts";

const chain = (n: number) => Array.from({ length: n }, () => "1").join(" + ");

function runMain(source: string): string {
  const rt = createRuntime();
  let out = "";
  rt.vm.write = (s: string) => {
    out += s;
  };
  rt.vm.flush = () => {};
  const mod = rt.loader.compile(source, "t.bg");
  const main = mod.ns.vars.get("main")!.value;
  const f = runMainFiber(rt.vm, main, null);
  if (f.error !== undefined) throw new Error("main failed");
  return out;
}

describe("expressions too deep", () => {
  test("20,000 chained additions are a located syntax error, not a JS RangeError", () => {
    const src = `fn main() {\n  println(${chain(20_000)})\n}\n`;
    let err: unknown;
    try {
      parseProgram(src, "deep.bg");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BeagleSyntaxError);
    const e = err as BeagleSyntaxError;
    expect(e.message).toContain("too deep");
    expect(e.line).toBe(2);
    expect(e.col).toBeGreaterThan(10);
    // the caret points at an operator of the chain
    expect(src.split("\n")[1]![e.col - 1]).toBe("+");
  });

  test("long but reasonable chains still compile and run", () => {
    expect(runMain(`fn main() { println(${chain(3000)}) }`)).toBe("3000\n");
  });

  test("the code generator turns host stack exhaustion into a located CompileError", () => {
    // an AST deeper than the parser allows, built by hand
    const rt = createRuntime();
    const src = "fn main() { 0 }";
    const prog = parseProgram(src, "hand.bg");
    const decl = prog.body[0] as unknown as { fn: { arities: { body: Expr[] }[] } };
    const loc = { line: 1, col: 13 };
    const one = { k: "Lit", value: { k: "Int", v: 1 }, loc } as unknown as Expr;
    let e = one;
    for (let i = 0; i < 200_000; i++) e = { k: "Binary", op: "+", l: e, r: one, loc } as Expr;
    decl.fn.arities[0]!.body = [e];
    let err: unknown;
    try {
      new CodeGen(rt.loader, "hand.bg", src).compileProgram(prog);
    } catch (x) {
      err = x;
    }
    expect(err).toBeInstanceOf(CompileError);
    expect((err as CompileError).message).toContain("too deep");
  });
});

describe("diagnostic excerpts", () => {
  test("a 40,000-character line is cut around the column", () => {
    const line = "[".repeat(20_000) + "]".repeat(20_000);
    const d = formatDiagnostic("f.bg", line, 1, 419, "expression is nested too deeply");
    const [, shown, caret] = d.split("\n");
    expect(shown!.length).toBeLessThanOrEqual(170);
    expect(shown![caret!.length - 1]).toBe("[");
  });

  test("property: the caret always sits under the character at the column", () => {
    const alphabet = "abcdefghij+-*/ ()[]";
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...alphabet), minLength: 1, maxLength: 2000 }),
        fc.nat(),
        (text, c) => {
          const col = (c % text.length) + 1;
          const [, shown, caret] = formatDiagnostic("f.bg", text, 1, col, "m").split("\n");
          expect(shown!.length).toBeLessThanOrEqual(170);
          expect(caret!.endsWith("^")).toBe(true);
          expect(shown![caret!.length - 1]).toBe(text[col - 1]);
        },
      ),
      { numRuns: 300 },
    );
  });

  test("short lines are shown whole", () => {
    expect(formatDiagnostic("f.bg", "let x = )", 1, 9, "m")).toBe("f.bg:1:9: m\nlet x = )\n        ^");
  });
});

describe("byte order mark", () => {
  test("a leading BOM is skipped by the lexer; columns count from after it", () => {
    const { tokens } = lex("\ufeffx + y", "f.bg");
    expect(tokens[0]!.v).toBe("x");
    expect(tokens[0]!.col).toBe(1);
    expect(tokens[1]!.col).toBe(3);
  });

  test("a program text starting with a BOM runs (compiled from memory, not through the file reader)", () => {
    expect(runMain("\ufefffn main() { println(40 + 2) }")).toBe("42\n");
  });

  test("eval of a string starting with a BOM", () => {
    expect(runMain('fn main() { println(eval("\ufeff1 + 2")) }')).toBe("3\n");
  });
});
