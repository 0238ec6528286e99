import { describe, expect, test } from "bun:test";
import { diffLines, unifiedDiff } from "../../cli/diff.ts";

describe("line diff", () => {
  test("equal texts give no diff", () => {
    expect(unifiedDiff("a\nb", "a\nb")).toBe("");
  });

  test("a changed line in the middle, with context and line numbers", () => {
    const expected = ["1", "2", "3", "4", "5", "6", "7", "8", "9"].join("\n");
    const actual = ["1", "2", "3", "4", "five", "6", "7", "8", "9"].join("\n");
    expect(unifiedDiff(expected, actual, { context: 2 })).toBe(
      ["--- expected", "+++ actual", "@@ -3,5 +3,5 @@", " 3", " 4", "-5", "+five", " 6", " 7"].join("\n"),
    );
  });

  test("insertions and deletions", () => {
    const ops = diffLines(["a", "b", "c"], ["a", "c", "d"]);
    expect(ops.map((o) => o.kind + o.text)).toEqual([" a", "-b", " c", "+d"]);
  });

  test("removals are shown before additions within a change", () => {
    const d = unifiedDiff("x\nold1\nold2\ny", "x\nnew1\nnew2\ny");
    expect(d.split("\n").slice(3)).toEqual([" x", "-old1", "-old2", "+new1", "+new2", " y"]);
  });

  test("distant changes make separate hunks", () => {
    const a = Array.from({ length: 20 }, (_, i) => `l${i}`);
    const b = [...a];
    b[1] = "changed1";
    b[18] = "changed18";
    const d = unifiedDiff(a.join("\n"), b.join("\n"), { context: 1 });
    expect(d.split("\n").filter((l) => l.startsWith("@@"))).toEqual(["@@ -1,3 +1,3 @@", "@@ -18,3 +18,3 @@"]);
  });

  test("whitespace-only differences are made visible", () => {
    const d = unifiedDiff("a\nb", "a \nb");
    expect(d).toContain('+"a "');
    expect(d).toContain("-a");
  });

  test("empty expected", () => {
    expect(unifiedDiff("", "x")).toBe(["--- expected", "+++ actual", "@@ -0,0 +1,1 @@", "+x"].join("\n"));
  });

  test("large inputs fall back without quadratic blow-up", () => {
    const a = Array.from({ length: 3000 }, (_, i) => `a${i}`).join("\n");
    const b = Array.from({ length: 3000 }, (_, i) => `b${i}`).join("\n");
    const t0 = performance.now();
    const d = unifiedDiff(a, b);
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(d.split("\n").length).toBe(3 + 6000);
  });
});
