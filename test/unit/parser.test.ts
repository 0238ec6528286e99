import { describe, expect, test } from "bun:test";
import { parseProgram } from "../../compiler/parser.ts";

describe("parser smoke", () => {
  test("parses a small program", () => {
    const p = parseProgram("namespace a\nfn main() { println(1 + 2) }", "t.bg");
    expect(p.body.length).toBe(2);
  });
});
