import { describe, expect, test } from "bun:test";
import {
  decodeLine,
  encodeLine,
  encodeOutput,
  findExpectation,
  findSkip,
  isTestFile,
  outputMatches,
  rewriteExpectation,
  testBlockNames,
} from "../../cli/snapshot.ts";

describe("decoding expectation lines", () => {
  test("each line is trimmed at both ends", () => {
    expect(decodeLine("//   hello  ")).toBe("hello");
    expect(decodeLine("//hello")).toBe("hello");
  });
  test("// |text keeps the text after the bar verbatim", () => {
    expect(decodeLine("// |  two spaces  ")).toBe("  two spaces  ");
    expect(decodeLine("//|x")).toBe("x");
    expect(decodeLine("// ||pipe")).toBe("|pipe");
  });
  test("a bare // is an empty line", () => {
    expect(decodeLine("//")).toBe("");
    expect(decodeLine("//    ")).toBe("");
  });
  test("leading // pairs are all stripped, as upstream", () => {
    expect(decodeLine("//// x")).toBe("x");
    expect(decodeLine("// // x")).toBe("// x");
  });
});

describe("finding the expectation block", () => {
  test("@beagle.core.snapshot block, ended by the first non-// line, whole text trimmed", () => {
    const src = [
      "fn main() { println(1) }",
      "// @beagle.core.snapshot",
      "// one",
      "//",
      "// |  three",
      "//",
      "",
      "// not part of it",
    ].join("\n");
    const e = findExpectation(src)!;
    expect(e.marker).toBe("// @beagle.core.snapshot");
    expect(e.markerLine).toBe(1);
    expect(e.endLine).toBe(6);
    expect(e.expected).toBe("one\n\n  three");
  });
  test("legacy // Expect marker", () => {
    const e = findExpectation("main()\n// Expect\n// 42\n// done\n")!;
    expect(e.marker).toBe("// Expect");
    expect(e.expected).toBe("42\ndone");
  });
  test("the new marker wins over the legacy one", () => {
    const e = findExpectation("// Expect\n// a\nx\n// @beagle.core.snapshot\n// b\n")!;
    expect(e.expected).toBe("b");
  });
  test("an indented // line ends the block (upstream requires // at column 0)", () => {
    expect(findExpectation("// @beagle.core.snapshot\n// a\n  // b\n")!.expected).toBe("a");
  });
  test("CRLF files", () => {
    expect(findExpectation("x\r\n// @beagle.core.snapshot\r\n// a  \r\n// b\r\n")!.expected).toBe("a\nb");
  });
  test("the marker must be alone on its line", () => {
    expect(findExpectation("// see // @beagle.core.snapshot below\nfoo")).toBeNull();
    expect(findExpectation("// Expected output follows\n// 1")).toBeNull();
    expect(findExpectation("fn main() {}")).toBeNull();
  });
  test("an empty block decodes to the empty string", () => {
    expect(findExpectation("// @beagle.core.snapshot\n")!.expected).toBe("");
  });
});

describe("comparison", () => {
  test("whole texts trimmed, then exact", () => {
    expect(outputMatches("a\nb", "\n\na\nb\n\n")).toBe(true);
    expect(outputMatches("a\nb", "a \nb\n")).toBe(false); // trailing space inside is visible
    expect(outputMatches("a\n\nb", "a\nb")).toBe(false);
  });
});

describe("encoding and rewriting", () => {
  test("lines that need it are written verbatim with // |", () => {
    expect(encodeLine("")).toBe("//");
    expect(encodeLine("plain")).toBe("// plain");
    expect(encodeLine("  indented")).toBe("// |  indented");
    expect(encodeLine("trailing ")).toBe("// |trailing ");
    expect(encodeLine("|bar")).toBe("// ||bar");
    expect(encodeLine("   ")).toBe("// |   ");
  });
  test("encode then decode is the identity on trimmed output", () => {
    const outputs = ["a\n\n  b\nc  \n|d|\n//e\n   \nf", "x", "[1, 2, 3]\n{:a 1}", "tab\there\n\tlead"];
    for (const out of outputs) {
      const src = ["// @beagle.core.snapshot", ...encodeOutput(out)].join("\n");
      expect(findExpectation(src)!.expected).toBe(out.trim());
    }
  });
  test("rewrite keeps the marker used and the text after the block", () => {
    const src = "main()\n// Expect\n// old\n// stale\n\nfn after() {}\n";
    const next = rewriteExpectation(src, "new\n  indented\n\n")!;
    expect(next).toBe("main()\n// Expect\n// new\n// |  indented\n\nfn after() {}\n");
  });
  test("rewrite of a file without a block is null", () => {
    expect(rewriteExpectation("fn main() {}", "x")).toBeNull();
  });
  test("rewrite keeps CRLF line endings", () => {
    const next = rewriteExpectation("a\r\n// @beagle.core.snapshot\r\n// x\r\n", "y\nz")!;
    expect(next).toBe("a\r\n// @beagle.core.snapshot\r\n// y\r\n// z\r\n");
  });
});

describe("skip and test blocks", () => {
  // Tests the parsing of the `// Skip` directive itself; nothing here is skipped.
  test("// Skip and // Skip: reason", () => {
    expect(findSkip("// Skip\nfn main() {}")).toEqual({ reason: null });
    expect(findSkip("fn main() {}\n// Skip: needs sockets")).toEqual({ reason: "needs sockets" });
    expect(findSkip("// Skipping is not skip\n")).toBeNull();
    expect(findSkip("fn main() {}")).toBeNull();
  });
  test("a // Skip line inside the expectation block is output, not a directive", () => {
    expect(findSkip("main()\n// @beagle.core.snapshot\n// Skip\n")).toBeNull();
  });
  test("test block names", () => {
    const src = 'test "adds" {\n  assert-eq!(1 + 1, 2)\n}\n  test "with \\"quotes\\"" { }\nlet s = "test \\"x\\""\n';
    expect(testBlockNames(src)).toEqual(["adds", 'with \\"quotes\\"']);
  });
  test("a test file has an expectation block or test blocks", () => {
    expect(isTestFile("// @beagle.core.snapshot\n// 1")).toBe(true);
    expect(isTestFile('test "x" { }')).toBe(true);
    expect(isTestFile("fn main() { println(1) }")).toBe(false);
  });
});
