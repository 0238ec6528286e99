// Expected-output blocks in Beagle test files: finding, decoding, re-encoding.
//
// A block is a marker line followed by `//` lines:
//
//   // @beagle.core.snapshot        (upstream HEAD)   or   // Expect   (legacy, upstream 6c5499a)
//   // hello                        -> "hello"         (each line trimmed at both ends)
//   // |  indented                  -> "  indented"    (verbatim after the bar)
//   //                              -> ""              (a bare `//` is an empty line)
//
// The block ends at the first line that does not start with `//` (no leading
// whitespace allowed, as upstream). The decoded lines are joined with "\n" and the
// whole text is trimmed; the program's whole stdout is trimmed too; the two are
// compared exactly.

export const SNAPSHOT_MARKER = "// @beagle.core.snapshot";
export const LEGACY_MARKER = "// Expect";

export interface Expectation {
  /** The marker as written in the file (one of the two constants above). */
  marker: string;
  /** Index (0-based) of the marker line. */
  markerLine: number;
  /** Index of the first line after the block (exclusive end). */
  endLine: number;
  /** Decoded, joined and trimmed expected output. */
  expected: string;
}

export function splitLines(text: string): string[] {
  return text.split(/\r?\n/);
}

function isMarkerLine(line: string, marker: string): boolean {
  return line.trim() === marker;
}

/** Decode one `//` line of an expectation block. */
export function decodeLine(line: string): string {
  let rest = line;
  // Upstream strips every leading "//" pair (`//// x` reads as `x`).
  while (rest.startsWith("//")) rest = rest.slice(2);
  const lead = rest.trimStart();
  if (lead.startsWith("|")) return lead.slice(1);
  return rest.trim();
}

/**
 * Find the file's expectation block: the first `// @beagle.core.snapshot` line, or
 * (only if there is none) the first `// Expect` line. The marker must be alone on
 * its line (surrounding whitespace allowed), so prose that mentions it is ignored.
 */
export function findExpectation(source: string): Expectation | null {
  const lines = splitLines(source);
  for (const marker of [SNAPSHOT_MARKER, LEGACY_MARKER]) {
    const markerLine = lines.findIndex((l) => isMarkerLine(l, marker));
    if (markerLine < 0) continue;
    let endLine = markerLine + 1;
    const decoded: string[] = [];
    while (endLine < lines.length && lines[endLine]!.startsWith("//")) {
      decoded.push(decodeLine(lines[endLine]!));
      endLine++;
    }
    return { marker, markerLine, endLine, expected: decoded.join("\n").trim() };
  }
  return null;
}

/** The comparison rule: both sides trimmed as a whole, then compared exactly. */
export function outputMatches(expected: string, actualStdout: string): boolean {
  return expected.trim() === actualStdout.trim();
}

/** Encode one output line as a `//` line that decodes back to exactly that line. */
export function encodeLine(line: string): string {
  if (line === "") return "//";
  const needsVerbatim = line !== line.trim() || line.trimStart().startsWith("|");
  return needsVerbatim ? `// |${line}` : `// ${line}`;
}

/** Encode (trimmed) output as the lines of an expectation block, marker excluded. */
export function encodeOutput(stdout: string): string[] {
  const text = stdout.trim();
  if (text === "") return [];
  return text.split("\n").map(encodeLine);
}

/**
 * Rewrite the file's expectation block from actual stdout, keeping the marker line
 * as written and everything before and after the block. Returns null when the file
 * has no block (only files that already carry one are snapshot tests).
 */
export function rewriteExpectation(source: string, stdout: string): string | null {
  const exp = findExpectation(source);
  if (!exp) return null;
  const eol = source.includes("\r\n") ? "\r\n" : "\n";
  const lines = splitLines(source);
  const next = [...lines.slice(0, exp.markerLine + 1), ...encodeOutput(stdout), ...lines.slice(exp.endLine)];
  return next.join(eol);
}

export interface SkipInfo {
  reason: string | null;
}

/**
 * `// Skip` or `// Skip: reason` on a line of its own (outside the expectation
 * block, whose lines are output, not directives) skips the file.
 */
export function findSkip(source: string): SkipInfo | null {
  const lines = splitLines(source);
  const exp = findExpectation(source);
  for (let i = 0; i < lines.length; i++) {
    if (exp && i > exp.markerLine && i < exp.endLine) continue;
    const m = /^\s*\/\/\s*Skip(?:\s*$|\s*:(.*)$|\s+(.*)$)/.exec(lines[i]!);
    if (m) {
      const reason = (m[1] ?? m[2] ?? "").trim();
      return { reason: reason === "" ? null : reason };
    }
  }
  return null;
}

/** Names of `test "name" { ... }` blocks declared at the start of a line. */
export function testBlockNames(source: string): string[] {
  const names: string[] = [];
  const re = /^[ \t]*test[ \t]+"((?:[^"\\\n]|\\.)*)"/gm;
  for (let m = re.exec(source); m; m = re.exec(source)) names.push(m[1]!);
  return names;
}

export function hasTestBlocks(source: string): boolean {
  return testBlockNames(source).length > 0;
}

/** A file is a test file if it carries an expectation block or test blocks. */
export function isTestFile(source: string): boolean {
  return findExpectation(source) !== null || hasTestBlocks(source);
}
