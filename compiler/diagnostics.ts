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
export function formatDiagnostic(file: string, source: string, line: number, col: number, message: string): string {
  const text = sourceLine(source, line);
  let pad = "";
  const upto = Math.max(0, col - 1);
  for (let i = 0; i < upto; i++) pad += i < text.length && text.charCodeAt(i) === 9 ? "\t" : " ";
  return `${file}:${line}:${col}: ${message}\n${text}\n${pad}^`;
}
