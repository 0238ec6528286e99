// A small line diff for showing snapshot mismatches: unified format with context,
// line numbers in hunk headers, and lines whose whitespace would otherwise be
// invisible shown quoted.

type Op = { kind: " " | "-" | "+"; text: string; a: number; b: number };

/** Edit script between two line arrays (LCS on the part between common prefix/suffix). */
export function diffLines(a: string[], b: string[]): Op[] {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;

  const ops: Op[] = [];
  for (let i = 0; i < pre; i++) ops.push({ kind: " ", text: a[i]!, a: i, b: i });

  const am = a.slice(pre, a.length - suf);
  const bm = b.slice(pre, b.length - suf);
  const n = am.length;
  const m = bm.length;
  if (n * m > 4_000_000) {
    // Too big for the quadratic table: show the middle as removed then added.
    for (let i = 0; i < am.length; i++) ops.push({ kind: "-", text: am[i]!, a: pre + i, b: -1 });
    for (let j = 0; j < bm.length; j++) ops.push({ kind: "+", text: bm[j]!, a: -1, b: pre + j });
  } else {
    // lcs[i][j] = LCS length of am[i..] and bm[j..]
    const w = m + 1;
    const lcs = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * w + j] =
          am[i] === bm[j] ? lcs[(i + 1) * w + j + 1]! + 1 : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && am[i] === bm[j]) {
        ops.push({ kind: " ", text: am[i]!, a: pre + i, b: pre + j });
        i++;
        j++;
      } else if (j < m && (i === n || lcs[i * w + j + 1]! >= lcs[(i + 1) * w + j]!)) {
        ops.push({ kind: "+", text: bm[j]!, a: -1, b: pre + j });
        j++;
      } else {
        ops.push({ kind: "-", text: am[i]!, a: pre + i, b: -1 });
        i++;
      }
    }
    // Within each run of changes, show removals before additions.
    for (let k = pre; k < ops.length; ) {
      if (ops[k]!.kind === " ") {
        k++;
        continue;
      }
      let e = k;
      while (e < ops.length && ops[e]!.kind !== " ") e++;
      const run = ops.slice(k, e);
      const sorted = [...run.filter((o) => o.kind === "-"), ...run.filter((o) => o.kind === "+")];
      ops.splice(k, e - k, ...sorted);
      k = e;
    }
  }
  for (let k = 0; k < suf; k++) {
    const ia = a.length - suf + k;
    const ib = b.length - suf + k;
    ops.push({ kind: " ", text: a[ia]!, a: ia, b: ib });
  }
  return ops;
}

/** Control characters other than tab and newline. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is what this regex is for
const INVISIBLE = /[\u0000-\u0008\u000b-\u001f\u007f]/;

/** Show a line so that whitespace and control characters are visible when they matter. */
function show(text: string): string {
  const invisible = text !== text.trim() || INVISIBLE.test(text);
  return invisible ? JSON.stringify(text) : text;
}

/**
 * Unified diff of expected vs actual text, `context` lines around each change.
 * Returns "" when the texts are equal.
 */
export function unifiedDiff(
  expected: string,
  actual: string,
  opts: { context?: number; expectedLabel?: string; actualLabel?: string } = {},
): string {
  if (expected === actual) return "";
  const context = opts.context ?? 3;
  const a = expected === "" ? [] : expected.split("\n");
  const b = actual === "" ? [] : actual.split("\n");
  const ops = diffLines(a, b);
  const out: string[] = [`--- ${opts.expectedLabel ?? "expected"}`, `+++ ${opts.actualLabel ?? "actual"}`];
  const changed = ops.map((o) => o.kind !== " ");
  let k = 0;
  while (k < ops.length) {
    if (!changed[k]) {
      k++;
      continue;
    }
    // Grow a hunk: from `context` lines before this change to `context` lines after
    // the last change that is within 2*context lines of the previous one.
    const start = Math.max(0, k - context);
    let end = k;
    while (true) {
      let next = end + 1;
      while (next < ops.length && !changed[next]) next++;
      if (next < ops.length && next - end <= 2 * context) end = next;
      else break;
    }
    const stop = Math.min(ops.length, end + context + 1);
    const hunk = ops.slice(start, stop);
    const aLines = hunk.filter((o) => o.kind !== "+");
    const bLines = hunk.filter((o) => o.kind !== "-");
    const aStart = aLines.length ? aLines[0]!.a + 1 : firstIndex(ops, start, "a");
    const bStart = bLines.length ? bLines[0]!.b + 1 : firstIndex(ops, start, "b");
    out.push(`@@ -${aStart},${aLines.length} +${bStart},${bLines.length} @@`);
    for (const o of hunk) out.push(`${o.kind}${o.kind === " " ? o.text : show(o.text)}`);
    k = stop;
  }
  return out.join("\n");
}

/** Line number (0-based count of lines before) on one side at op position `pos`. */
function firstIndex(ops: Op[], pos: number, side: "a" | "b"): number {
  let count = 0;
  for (let k = 0; k < pos; k++) {
    const o = ops[k]!;
    if (side === "a" ? o.kind !== "+" : o.kind !== "-") count++;
  }
  return count;
}
