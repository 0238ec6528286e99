// Diagnostics shared by the compiler and the runtime: a syntax error type and
// the `file:line:col: message` + source line + caret rendering.

/** A syntax error at a 1-based line/column of a source file. */
export class BeagleSyntaxError extends Error {
  file: string;
  line: number;
  col: number;
  constructor(message: string, file: string, line: number, col: number) {
    super(message);
    this.name = "BeagleSyntaxError";
    this.file = file;
    this.line = line;
    this.col = col;
  }
  /** The full three-line rendering for this error. */
  format(source: string): string {
    return formatDiagnostic(this.file, source, this.line, this.col, this.message);
  }
}

/** Returns the text of 1-based line `line` (without its line terminator), or "" if absent. */
export function sourceLine(source: string, line: number): string {
  let start = 0;
  for (let l = 1; l < line; l++) {
    const nl = source.indexOf("\n", start);
    if (nl < 0) return "";
    start = nl + 1;
  }
  let end = source.indexOf("\n", start);
  if (end < 0) end = source.length;
  if (end > start && source.charCodeAt(end - 1) === 13) end--; // CRLF
  return source.slice(start, end);
}

/**
 * `file:line:col: message`, then the source line, then a caret under column `col`
 * (1-based). Tabs before the column are kept so the caret lines up in a terminal.
 */
/** Longest source line a diagnostic shows whole; longer ones are cut to a window around the column. */
const MAX_EXCERPT = 160;

export function formatDiagnostic(file: string, source: string, line: number, col: number, message: string): string {
  let text = sourceLine(source, line);
  let upto = Math.max(0, col - 1);
  if (text.length > MAX_EXCERPT) {
    const start = Math.max(0, Math.min(upto - 70, text.length - (MAX_EXCERPT - 20)));
    const end = Math.min(text.length, start + MAX_EXCERPT - 20);
    const head = start > 0 ? "..." : "";
    text = head + text.slice(start, end) + (end < text.length ? "..." : "");
    upto = upto - start + head.length;
  }
  let pad = "";
  for (let i = 0; i < upto; i++) pad += i < text.length && text.charCodeAt(i) === 9 ? "\t" : " ";
  return `${file}:${line}:${col}: ${message}\n${text}\n${pad}^`;
}

// ---------------------------------------------------------------- hints

/** Edit distance (Damerau–Levenshtein, adjacent swaps count one); stops early once above `max`. */
export function editDistance(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, before[j - 2]! + 1);
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    before = prev;
    prev = cur;
  }
  return prev[b.length]!;
}

const KEYWORDS = new Set(
  "fn let mut if else match for in while loop break continue return struct enum protocol extend with namespace use as try catch throw handle perform reset shift true false null test binding future await".split(
    " ",
  ),
);

/**
 * The candidates closest to `name` by edit distance (up to three equally close), if close
 * enough to be a likely typo: 1 edit for names up to 3 characters, 2 up to 8, 3 beyond.
 */
export function closestAll(name: string, candidates: Iterable<string>, identifiers = false): string[] {
  const max = name.length <= 3 ? 1 : name.length <= 8 ? 2 : 3;
  let best: string[] = [];
  let bestD = max;
  const seen = new Set<string>();
  for (const c of candidates) {
    if (c === name || seen.has(c) || (identifiers && KEYWORDS.has(c))) continue;
    seen.add(c);
    const d = editDistance(name, c, bestD);
    if (d < bestD || (d === bestD && best.length === 0)) {
      best = [c];
      bestD = d;
    } else if (d === bestD) best.push(c);
  }
  return best.sort().slice(0, 3);
}

/** The closest candidate (see closestAll), or null. */
export function closest(name: string, candidates: Iterable<string>): string | null {
  return closestAll(name, candidates)[0] ?? null;
}

function orList(names: string[], prefix = ""): string {
  const q = names.map((n) => `'${prefix}${n}'`);
  return q.length <= 1 ? q.join("") : `${q.slice(0, -1).join(", ")} or ${q[q.length - 1]}`;
}

/** What a hint may look at: names in scope, namespaces that exist, a type's fields. */
export interface HintContext {
  /** the source the error is in (its identifiers stand in for the locals in scope) */
  source: string;
  /** global names visible from the file: its namespace's and the prelude's */
  globals(): Iterable<string>;
  /** namespaces that could be `use`d */
  namespaces(): Iterable<string>;
  /** field names of a struct type, by display name */
  fieldsOf(type: string): string[] | undefined;
  /** variant names of an enum, by name */
  variantsOf(type: string): string[] | undefined;
}

/** Identifiers written in a source text (Beagle names may contain - ? ! * < > = and digits). */
export function identifiersIn(source: string): Set<string> {
  const out = new Set<string>();
  const cleaned = source.replace(/\/\/[^\n]*/g, " ").replace(/"(?:[^"\\]|\\.)*"/g, " ");
  for (const m of cleaned.matchAll(/[A-Za-z_][A-Za-z0-9_\-?!*<>=]*/g)) out.add(m[0]!.replace(/[-=<>]+$/, ""));
  return out;
}

/** A one-line hint for a diagnostic message, or null. `line` is the source line the caret is on. */
export function hintFor(full: string, ctx: HintContext, line = ""): string | null {
  const message = full.replace(/^[A-Za-z]+Error: /, "");
  let m = /^Undefined variable: (?:([\w.-]+)\/)?(\S+)$/.exec(message);
  if (m) {
    const name = m[2]!;
    // names written in the file (its locals among them) first: a global only when no local is as close
    const local = m[1] ? [] : closestAll(name, identifiersIn(ctx.source), true);
    const global = closestAll(name, ctx.globals(), true);
    const c =
      local.length && (!global.length || editDistance(name, local[0]!) <= editDistance(name, global[0]!))
        ? local
        : global;
    return c.length ? `did you mean ${orList(c, m[1] ? `${m[1]}/` : "")}?` : null;
  }
  m = /^Cannot resolve namespace '([^']+)'$/.exec(message);
  if (m) {
    const c = closestAll(m[1]!, ctx.namespaces());
    return c.length ? `did you mean ${orList(c)}?` : null;
  }
  m = /^Unknown namespace alias '([^']+)'$/.exec(message);
  if (m) {
    const aliases = [...ctx.source.matchAll(/\buse\s+[\w.-]+\s+as\s+([\w-]+)/g)].map((a) => a[1]!);
    const c = closest(m[1]!, aliases);
    return c
      ? `did you mean '${c}'?`
      : aliases.length
        ? null
        : `no namespace is imported as '${m[1]}' (add: use NAMESPACE as ${m[1]})`;
  }
  m = /Field '([^']+)' does not exist on (\S+)$/.exec(message);
  if (m) {
    const fields = ctx.fieldsOf(m[2]!);
    const c = fields && closest(m[1]!, fields);
    return c
      ? `did you mean '${c}'? (${m[2]} has fields: ${fields.join(", ")})`
      : fields
        ? `${m[2]} has fields: ${fields.join(", ") || "(none)"}`
        : null;
  }
  m = /Enum (\S+) has no variant (\S+)$/.exec(message);
  if (m) {
    const vs = ctx.variantsOf(m[1]!);
    const c = vs && closest(m[2]!, vs);
    return c ? `did you mean '${m[1]}.${c}'?` : null;
  }
  if (/^Arithmetic requires numeric operands.*\bstring\b/.test(message) && /[^+]\+[^+]/.test(` ${line} `))
    return 'to join strings use ++ (and to-string for other values): "a" ++ to-string(1)';
  return null;
}

/**
 * The bracket left open when a file's brackets do not balance: the innermost opener that a
 * wrong closer (or the end of the file) met. Strings and `//` comments are skipped.
 */
export function unclosedBracket(source: string): { ch: string; line: number; col: number } | null {
  const close: Record<string, string> = { ")": "(", "]": "[", "}": "{" };
  const stack: { ch: string; line: number; col: number }[] = [];
  let line = 1;
  let col = 1;
  for (let i = 0; i < source.length; i++, col++) {
    const c = source[i]!;
    if (c === "\n") {
      line++;
      col = 0;
    } else if (c === "/" && source[i + 1] === "/") {
      while (i + 1 < source.length && source[i + 1] !== "\n") i++;
    } else if (c === '"') {
      for (i++, col++; i < source.length && source[i] !== '"'; i++, col++) {
        if (source[i] === "\\") {
          i++;
          col++;
        }
        if (source[i] === "\n") {
          line++;
          col = 0;
        }
      }
    } else if (c === "(" || c === "[" || c === "{") stack.push({ ch: c, line, col });
    else if (c in close) {
      const top = stack.pop();
      if (!top) return null; // a stray closer: the parser's own message says it
      if (top.ch !== close[c]) return top;
    }
  }
  return stack.pop() ?? null;
}

/**
 * Whether `source` stops inside an open bracket or string (a REPL keeps reading then). Counts
 * openers and closers, skipping strings and `//` comments; an excess closer is not "open".
 */
export function isIncomplete(source: string): boolean {
  let depth = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === "/" && source[i + 1] === "/") {
      while (i + 1 < source.length && source[i + 1] !== "\n") i++;
    } else if (c === '"') {
      i++;
      while (i < source.length && source[i] !== '"') i += source[i] === "\\" ? 2 : 1;
      if (i >= source.length) return true;
    } else if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
  }
  return depth > 0;
}

/** A compiler warning, as upstream's `Diagnostic` (beagle.core): read back with `diagnostics()`. */
export interface CompilerWarning {
  kind: string;
  file: string;
  line: number;
  col: number;
  message: string;
  enumName: string | null;
  missingVariants: string[] | null;
}

/** Warnings by source file, in the order they were found; a file's entry is replaced when it is compiled again. */
export const compilerWarnings = new Map<string, CompilerWarning[]>();

export function recordWarning(w: CompilerWarning) {
  const list = compilerWarnings.get(w.file) ?? [];
  compilerWarnings.set(w.file, list);
  list.push(w);
}
