// The TextMate grammar in editors/vscode, loaded with vscode-textmate and Oniguruma (the
// engine VS Code uses): every regex compiles, every .bg file of the project tokenizes with
// every character covered and no string or interpolation left open at the end, and known
// constructs get the scopes an editor colours.

import { beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import * as onig from "vscode-oniguruma";
import * as tm from "vscode-textmate";

const ROOT = resolve(import.meta.dir, "../..");
const GRAMMAR = join(ROOT, "editors/vscode/syntaxes/beagle.tmLanguage.json");

let grammar: tm.IGrammar;
beforeAll(async () => {
  const wasm = readFileSync(join(ROOT, "node_modules/vscode-oniguruma/release/onig.wasm"));
  await onig.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new tm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new onig.OnigScanner(patterns),
      createOnigString: (s: string) => new onig.OnigString(s),
    }),
    loadGrammar: async (scope: string) =>
      scope === "source.beagle" ? tm.parseRawGrammar(readFileSync(GRAMMAR, "utf8"), GRAMMAR) : null,
  });
  const g = await registry.loadGrammar("source.beagle");
  if (!g) throw new Error("grammar did not load");
  grammar = g;
});

interface Tok {
  text: string;
  scopes: string[];
}

function tokenize(source: string): { lines: Tok[][]; end: tm.StateStack } {
  let state = tm.INITIAL;
  const lines: Tok[][] = [];
  for (const line of source.split("\n")) {
    const r = grammar.tokenizeLine(line, state);
    // tokens cover the line from 0 to its end, without gaps or overlaps
    let at = 0;
    for (const t of r.tokens) {
      expect(t.startIndex).toBe(at);
      at = t.endIndex;
    }
    expect(at).toBeGreaterThanOrEqual(line.length);
    lines.push(r.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes })));
    state = r.ruleStack;
  }
  return { lines, end: state };
}

/** The innermost scope of the first token whose text is `text`. */
function scopeOf(lines: Tok[][], text: string): string {
  for (const l of lines) for (const t of l) if (t.text === text) return t.scopes[t.scopes.length - 1]!;
  throw new Error(`no token ${JSON.stringify(text)}`);
}

function bgFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith(".") || e.name === "node_modules") continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) bgFiles(p, out);
    else if (e.name.endsWith(".bg")) out.push(p);
  }
  return out;
}

describe("TextMate grammar", () => {
  test("known constructs get their scopes", () => {
    const { lines } = tokenize(
      [
        "namespace demo.app",
        "use beagle.text as text",
        "/// Squares a number.",
        "fn square-it?(x) {",
        '    let s = "n=${x * 2} \\n done"',
        "    match x { Shape.Circle { r } => :round, _ => 0x1F + 1.5 }",
        "    text/pad-left(s, 3, null)",
        "}",
        'test "squares" { assert-eq!(square-it?(2), true) }',
        "// @beagle.core.snapshot",
        "// some output",
      ].join("\n"),
    );
    expect(scopeOf(lines, "namespace")).toBe("keyword.other.namespace.beagle");
    expect(scopeOf(lines, "demo.app")).toBe("entity.name.namespace.beagle");
    expect(scopeOf(lines, "text")).toBe("entity.name.namespace.alias.beagle");
    expect(scopeOf(lines, "/// Squares a number.")).toBe("comment.line.documentation.beagle");
    expect(scopeOf(lines, "square-it?")).toBe("entity.name.function.beagle");
    expect(scopeOf(lines, "${")).toBe("punctuation.section.interpolation.begin.beagle");
    expect(scopeOf(lines, "\\n")).toBe("constant.character.escape.beagle");
    expect(scopeOf(lines, "match")).toBe("keyword.control.beagle");
    expect(scopeOf(lines, "Shape")).toBe("entity.name.type.beagle");
    expect(scopeOf(lines, "Circle")).toBe("entity.name.type.variant.beagle");
    expect(scopeOf(lines, ":round")).toBe("constant.other.symbol.keyword.beagle");
    expect(scopeOf(lines, "0x1F")).toBe("constant.numeric.hex.beagle");
    expect(scopeOf(lines, "1.5")).toBe("constant.numeric.float.beagle");
    expect(scopeOf(lines, "pad-left")).toBe("entity.name.function.call.beagle");
    expect(scopeOf(lines, "null")).toBe("constant.language.beagle");
    expect(scopeOf(lines, "test")).toBe("keyword.other.test.beagle");
    expect(scopeOf(lines, "// some output")).toBe("markup.inline.raw.beagle");
    // inside the interpolation it is code again
    const interp = lines[4]!.find((t) => t.text === "x")!;
    expect(interp.scopes).toContain("meta.interpolation.beagle");
    expect(interp.scopes.at(-1)).toBe("variable.other.beagle");
  });

  test("every .bg file of the project tokenizes, with nothing left open at the end", () => {
    const files = [
      ...bgFiles(join(ROOT, "test")),
      ...bgFiles(join(ROOT, "examples")),
      ...bgFiles(join(ROOT, "stdlib")),
    ];
    expect(files.length).toBeGreaterThan(50);
    const stillOpen: string[] = [];
    for (const f of files) {
      const { end, lines } = tokenize(readFileSync(f, "utf8"));
      const last = lines.at(-1)?.at(-1)?.scopes ?? ["source.beagle"];
      // at the end of a file only the root scope (or the expected-output block) may be open
      const open = last.filter((s) => s !== "source.beagle" && !s.includes("snapshot") && !s.startsWith("comment."));
      if (open.length && last.some((s) => s.startsWith("string.") || s.startsWith("meta.interpolation")))
        stillOpen.push(`${f}: ${open.join(" ")}`);
      expect(end).toBeDefined();
    }
    expect(stillOpen).toEqual([]);
  }, 60_000);
});
