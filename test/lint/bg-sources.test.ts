// The cheap lint for our Beagle sources (issue 18): every .bg file under stdlib/, examples/
// and test/ parses with the project's parser, has no trailing whitespace, and does not mix
// tabs and spaces in its indentation. Files meant not to parse are listed in NOT_PARSING
// with the reason; the syntax-error tests write their broken programs to temp files, so the
// list is empty today.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Glob } from "bun";
import { parseProgram } from "../../compiler/parser.ts";

const ROOT = resolve(import.meta.dir, "../..");
const DIRS = ["stdlib", "examples", "test"];

/** Path (from the repository root) -> why the file is meant not to parse. */
const NOT_PARSING = new Map<string, string>();

/** The problems of one source text, as `file:line: what` strings (empty when clean). */
function sourceProblems(text: string, file: string, mustParse: boolean): string[] {
  const problems: string[] = [];
  if (mustParse) {
    try {
      parseProgram(text, file);
    } catch (e) {
      problems.push(`${file}: does not parse: ${String(e instanceof Error ? e.message : e).split("\n")[0]}`);
    }
  }
  let tabLine = 0;
  let spaceLine = 0;
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, "");
    const at = `${file}:${i + 1}`;
    if (/[ \t]$/.test(line)) problems.push(`${at}: trailing whitespace`);
    const indent = /^[ \t]*/.exec(line)![0];
    if (indent.includes("\t") && indent.includes(" ")) problems.push(`${at}: tabs and spaces mixed in the indentation`);
    else if (indent.includes("\t")) tabLine ||= i + 1;
    else if (indent.length > 0) spaceLine ||= i + 1;
  }
  if (tabLine && spaceLine)
    problems.push(`${file}:${tabLine}: indented with tabs, but line ${spaceLine} is indented with spaces`);
  return problems;
}

function bgFiles(): string[] {
  const files: string[] = [];
  for (const dir of DIRS)
    for (const f of new Glob("**/*.bg").scanSync({ cwd: join(ROOT, dir), onlyFiles: true })) files.push(`${dir}/${f}`);
  return files.sort();
}

describe("Beagle sources", () => {
  const files = bgFiles();

  test("the scan finds the stdlib, the examples and the Beagle tests", () => {
    for (const dir of DIRS) expect(files.filter((f) => f.startsWith(`${dir}/`)).length).toBeGreaterThan(0);
    expect(files).toContain("stdlib/std.bg");
  });

  test("every file parses, has no trailing whitespace and no tab/space-mixed indentation", () => {
    const problems = files.flatMap((f) => sourceProblems(readFileSync(join(ROOT, f), "utf8"), f, !NOT_PARSING.has(f)));
    expect(problems).toEqual([]);
  });

  test("every file listed as not parsing exists and really does not parse", () => {
    for (const [f, why] of NOT_PARSING) {
      expect(why.length).toBeGreaterThan(0);
      expect(files).toContain(f);
      expect(() => parseProgram(readFileSync(join(ROOT, f), "utf8"), f)).toThrow();
    }
  });
});

describe("the checker itself", () => {
  test("a clean program has no problems", () => {
    expect(sourceProblems('fn main() {\n  println("hi")\n}\n', "ok.bg", true)).toEqual([]);
  });

  test("reports a program that does not parse, with the parser's message", () => {
    const [p, ...rest] = sourceProblems("fn main( {\n", "bad.bg", true);
    expect(rest).toEqual([]);
    expect(p).toStartWith("bad.bg: does not parse: ");
    expect(sourceProblems("fn main( {\n", "bad.bg", false)).toEqual([]);
  });

  test("reports trailing spaces and tabs with the line, also before a CRLF ending", () => {
    expect(sourceProblems("let x = 1 \nlet y = 2\t\r\nlet z = 3\r\n", "t.bg", false)).toEqual([
      "t.bg:1: trailing whitespace",
      "t.bg:2: trailing whitespace",
    ]);
  });

  test("reports indentation mixing tabs and spaces on a line, or across the file", () => {
    expect(sourceProblems("fn f() {\n \tg()\n}\n", "m.bg", false)).toEqual([
      "m.bg:2: tabs and spaces mixed in the indentation",
    ]);
    expect(sourceProblems("fn f() {\n\tg()\n  h()\n}\n", "m.bg", false)).toEqual([
      "m.bg:2: indented with tabs, but line 3 is indented with spaces",
    ]);
    expect(sourceProblems("fn f() {\n\tg()\n\th()\n}\n", "tabs.bg", false)).toEqual([]);
  });
});
