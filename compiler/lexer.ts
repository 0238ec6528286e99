// The Beagle lexer: a hand-written scanner over UTF-16 char codes.
//
// Token kinds: punctuation and operators use their own text as the kind
// ("(", "|>>", "#{", "..."), so the parser compares `tok.k === "("`. Other kinds:
//   "id"    identifier or reserved word (text in `v`)
//   "int"   integer literal (`v`: number inside the JS safe range, else bigint)
//   "float" float literal (`v`: number; also `infinity` / `-infinity`)
//   "str"   string without interpolation (`v`: the unescaped text)
//   "istr"  string with `${...}` (`parts`: text pieces and source ranges to parse)
//   "kw"    keyword `:name` (`v`: the name without the colon)
//   "eof"
// Each token records whether whitespace (`sp`) or a newline (`nl`) precedes it;
// the parser uses these for the whitespace-sensitive rules (`a -1`, `f (x)`,
// newline-separated fields, binary operators continuing on the next line).
// See docs/syntax.md for the lexical rules.

import { BeagleSyntaxError } from "./diagnostics.ts";

/** A `${...}` hole inside a string: a source range to be parsed as an expression. */
export interface InterpHole {
  start: number; // offset of the first char after `${`
  end: number; // offset of the closing `}`
  line: number;
  col: number;
}

export interface Token {
  k: string;
  // biome-ignore lint/suspicious/noExplicitAny: the payload depends on k (name, number, bigint, text); parser reads it per kind
  v: any;
  /** For "istr": the literal pieces (already unescaped) and the holes, in order. */
  parts: (string | InterpHole)[] | null;
  start: number;
  end: number;
  line: number;
  col: number;
  /** Whitespace, a comment, or the start of input precedes this token. */
  sp: boolean;
  /** A newline precedes this token (since the previous token). */
  nl: boolean;
  /** The `///` docstring directly preceding this token, if any. */
  doc: string | null;
}

export interface LexResult {
  tokens: Token[];
  directives: string[];
}

export const MAX_INT_61 = (1n << 60n) - 1n;
export const MIN_INT_61 = -(1n << 60n);

const C_TAB = 9,
  C_LF = 10,
  C_CR = 13,
  C_SPACE = 32;

// Characters that end an identifier (besides whitespace). `- ? ! < > /` do NOT.
const STOP = new Uint8Array(128);
for (const ch of '(){}[];:,".|+*%=&^') STOP[ch.charCodeAt(0)] = 1;

// Characters that end a keyword `:name` (besides whitespace); a ':' followed by one of
// these (or by ':' or '.') is a plain colon.
const KW_STOP = new Uint8Array(128);
for (const ch of '(){}[];,":.') KW_STOP[ch.charCodeAt(0)] = 1;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isWs(c: number): boolean {
  return c === C_SPACE || c === C_TAB || c === C_CR || c === C_LF || c === 12 || c === 11;
}
/** May this char start an identifier? */
function isIdentStart(c: number): boolean {
  return (
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    c === 95 /* _ */ ||
    c === 63 /* ? */ ||
    c === 36 /* $ */ ||
    c === 64 /* @ */ ||
    c > 127
  );
}
/** May this char continue an identifier? */
function isIdentChar(c: number): boolean {
  if (c > 127) return !(c === 0xa0 || c === 0x2028 || c === 0x2029 || c === 0xfeff);
  return c > C_SPACE && c !== 127 && STOP[c] === 0;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Tokenize `source[from, to)`. `line`/`col` give the position of `from` (used when
 * lexing the inside of a `${...}` hole). Throws BeagleSyntaxError.
 */
export function lex(source: string, file: string, from = 0, to = source.length, line0 = 1, col0 = 1): LexResult {
  const src = source;
  const tokens: Token[] = [];
  const directives: string[] = [];
  let pos = from;
  let line = line0;
  let lineStart = from - (col0 - 1); // offset of column 1 of the current line
  // a UTF-8 byte order mark at the start of a file is not part of the program (columns count after it)
  if (from === 0 && src.charCodeAt(0) === 0xfeff) pos = lineStart = 1;
  let sp = true;
  let nl = false;
  let doc: string[] | null = null;
  let directivesOpen = from === 0; // directives are only read from a whole file, until the snapshot marker

  const err = (msg: string, at: number, atLine = line, atLineStart = lineStart): never => {
    throw new BeagleSyntaxError(msg, file, atLine, at - atLineStart + 1);
  };

  const push = (k: string, v: Token["v"], start: number, tLine: number, tCol: number): Token => {
    const t: Token = {
      k,
      v,
      parts: null,
      start,
      end: pos,
      line: tLine,
      col: tCol,
      sp,
      nl,
      doc: doc ? doc.join("\n") : null,
    };
    tokens.push(t);
    sp = false;
    nl = false;
    doc = null;
    return t;
  };

  // Reads an integer/float starting at `pos` (a digit). `neg` when a '-' was consumed.
  const readNumber = (start: number, neg: boolean): void => {
    const tCol = start - lineStart + 1;
    let c = src.charCodeAt(pos);
    let big: bigint;
    if (c === 48 && pos + 1 < to) {
      const p = src.charCodeAt(pos + 1) | 32;
      if (p === 120 || p === 111 || p === 98) {
        // x o b
        const radix = p === 120 ? 16 : p === 111 ? 8 : 2;
        pos += 2;
        const ds = pos;
        while (pos < to) {
          const d = hexVal(src.charCodeAt(pos));
          if (d < 0 || d >= radix) break;
          pos++;
        }
        if (pos === ds)
          err(
            `invalid number literal '${src.slice(start, pos)}': expected ${radix === 16 ? "hex" : radix === 8 ? "octal" : "binary"} digits`,
            start,
          );
        if (pos < to && isIdentChar(src.charCodeAt(pos)) && isNumberTerminatorOk(src.charCodeAt(pos)) === false) {
          err(`invalid number literal '${src.slice(start, pos + 1)}'`, start);
        }
        big = BigInt((radix === 16 ? "0x" : radix === 8 ? "0o" : "0b") + src.slice(ds, pos));
        finishInt(big, neg, start, tCol);
        return;
      }
    }
    while (pos < to && isDigit(src.charCodeAt(pos))) pos++;
    let isFloat = false;
    if (pos + 1 < to && src.charCodeAt(pos) === 46 && isDigit(src.charCodeAt(pos + 1))) {
      isFloat = true;
      pos++;
      while (pos < to && isDigit(src.charCodeAt(pos))) pos++;
    }
    c = pos < to ? src.charCodeAt(pos) : 0;
    if (pos < to && isIdentChar(c) && !isNumberTerminatorOk(c)) {
      let e = pos;
      while (e < to && isIdentChar(src.charCodeAt(e))) e++;
      err(`invalid number literal '${src.slice(start, e)}'`, start);
    }
    if (isFloat) {
      push("float", Number(src.slice(start, pos)), start, line, tCol);
      return;
    }
    const digits = src.slice(neg ? start + 1 : start, pos);
    if (digits.length <= 15) {
      const n = Number(digits);
      push("int", neg && n !== 0 ? -n : n, start, line, tCol);
      return;
    }
    finishInt(BigInt(digits), neg, start, tCol);
  };

  const finishInt = (mag: bigint, neg: boolean, start: number, tCol: number): void => {
    const v = neg ? -mag : mag;
    if (v > MAX_INT_61 || v < MIN_INT_61) {
      err(`integer literal ${src.slice(start, pos)} does not fit in 61 bits (${MIN_INT_61} to ${MAX_INT_61})`, start);
    }
    const fits = v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER);
    push("int", fits ? Number(v) : v, start, line, tCol);
  };

  // Scans a string literal starting at the opening quote `pos`.
  const readString = (): void => {
    const start = pos;
    const tLine = line,
      tCol = pos - lineStart + 1;
    const startLineStart = lineStart;
    pos++;
    let buf = "";
    let parts: (string | InterpHole)[] | null = null;
    let chunk = pos;
    for (;;) {
      if (pos >= to) err("unterminated string literal", start, tLine, startLineStart);
      const c = src.charCodeAt(pos);
      if (c === 34) break; // closing quote
      if (c === 92) {
        // backslash
        buf += src.slice(chunk, pos);
        if (pos + 1 >= to) err("unterminated string literal", start, tLine, startLineStart);
        const e = src.charCodeAt(pos + 1);
        pos += 2;
        switch (e) {
          case 110:
            buf += "\n";
            break; // n
          case 114:
            buf += "\r";
            break; // r
          case 116:
            buf += "\t";
            break; // t
          case 48:
            buf += "\0";
            break; // 0
          case 117: {
            // u
            if (pos < to && src.charCodeAt(pos) === 123) {
              const hs = pos + 1;
              let q = hs;
              let cp = 0;
              while (q < to && hexVal(src.charCodeAt(q)) >= 0 && q - hs < 8) {
                cp = cp * 16 + hexVal(src.charCodeAt(q));
                q++;
              }
              if (q === hs || q >= to || src.charCodeAt(q) !== 125 || cp > 0x10ffff) {
                err("invalid unicode escape: expected \\u{HEX} with 1 to 6 hex digits", pos - 2);
              }
              buf += String.fromCodePoint(cp);
              pos = q + 1;
            } else {
              buf += "u";
            }
            break;
          }
          case C_LF:
            buf += "\n";
            line++;
            lineStart = pos;
            break;
          default:
            // \\ \" \' \$ and any other \c mean c (a surrogate pair stays whole)
            if (e >= 0xd800 && e <= 0xdbff && pos < to) {
              buf += src.slice(pos - 1, pos + 1);
              pos++;
            } else buf += String.fromCharCode(e);
        }
        chunk = pos;
        continue;
      }
      if (c === 36 && pos + 1 < to && src.charCodeAt(pos + 1) === 123) {
        // ${
        buf += src.slice(chunk, pos);
        if (parts === null) parts = [];
        if (buf.length > 0) parts.push(buf);
        buf = "";
        pos += 2;
        const hole: InterpHole = { start: pos, end: 0, line, col: pos - lineStart + 1 };
        skipHole(start, tLine, startLineStart);
        hole.end = pos;
        parts.push(hole);
        pos++; // the closing }
        chunk = pos;
        continue;
      }
      if (c === C_LF) {
        line++;
        lineStart = pos + 1;
      }
      pos++;
    }
    buf += src.slice(chunk, pos);
    pos++; // closing quote
    if (parts === null) {
      push("str", buf, start, tLine, tCol);
    } else {
      if (buf.length > 0) parts.push(buf);
      const t = push("istr", null, start, tLine, tCol);
      t.parts = parts;
    }
  };

  // Skips the inside of `${ ... }` up to (not past) its matching `}`.
  const skipHole = (strStart: number, strLine: number, strLineStart: number): void => {
    let depth = 1;
    for (;;) {
      if (pos >= to) err("unterminated string interpolation: expected '}'", strStart, strLine, strLineStart);
      const c = src.charCodeAt(pos);
      if (c === 123) depth++;
      else if (c === 125) {
        depth--;
        if (depth === 0) return;
      } else if (c === 34) {
        skipNestedString(strStart, strLine, strLineStart);
        continue;
      } else if (c === C_LF) {
        line++;
        lineStart = pos + 1;
      }
      pos++;
    }
  };

  const skipNestedString = (strStart: number, strLine: number, strLineStart: number): void => {
    pos++; // opening quote
    for (;;) {
      if (pos >= to) err("unterminated string literal", strStart, strLine, strLineStart);
      const c = src.charCodeAt(pos);
      if (c === 34) {
        pos++;
        return;
      }
      if (c === 92) {
        if (pos + 1 < to && src.charCodeAt(pos + 1) === C_LF) {
          line++;
          lineStart = pos + 2;
        }
        pos += 2;
        continue;
      }
      if (c === 36 && pos + 1 < to && src.charCodeAt(pos + 1) === 123) {
        pos += 2;
        skipHole(strStart, strLine, strLineStart);
        pos++;
        continue;
      }
      if (c === C_LF) {
        line++;
        lineStart = pos + 1;
      }
      pos++;
    }
  };

  const handleComment = (start: number, lineBegins: boolean): void => {
    let e = start;
    while (e < to && src.charCodeAt(e) !== C_LF) e++;
    const isDoc =
      e - start >= 3 && src.charCodeAt(start + 2) === 47 && (e - start === 3 || src.charCodeAt(start + 3) !== 47);
    if (isDoc) {
      let text = src.slice(start + 3, e);
      if (text.charCodeAt(0) === C_SPACE) text = text.slice(1);
      text = text.replace(/\s+$/, "");
      if (doc === null) doc = [];
      doc.push(text);
    } else if (directivesOpen && lineBegins) {
      const text = src.slice(start + 2, e).trim();
      if (text === "@beagle.core.snapshot" || text === "Expect") {
        directives.push(text);
        directivesOpen = false; // what follows is expected output, not directives
      } else if (text === "no-std" || text === "gc-always" || text === "Skip") {
        directives.push(text);
      } else if (text.startsWith("Skip:")) {
        directives.push("Skip");
        directives.push(text);
      } else if (/^@[\w.-]+$/.test(text)) {
        directives.push(text);
      }
    }
    pos = e;
  };

  while (pos < to) {
    const c = src.charCodeAt(pos);
    if (c === C_LF) {
      pos++;
      line++;
      lineStart = pos;
      sp = true;
      nl = true;
      continue;
    }
    if (isWs(c)) {
      pos++;
      sp = true;
      continue;
    }
    const start = pos;
    const tCol = pos - lineStart + 1;
    // is this the first thing on its line?
    if (c === 47 && pos + 1 < to && src.charCodeAt(pos + 1) === 47) {
      let b = pos - 1;
      while (b >= from && (src.charCodeAt(b) === C_SPACE || src.charCodeAt(b) === C_TAB)) b--;
      handleComment(pos, b < from || src.charCodeAt(b) === C_LF || src.charCodeAt(b) === C_CR);
      sp = true;
      continue;
    }
    if (isDigit(c)) {
      readNumber(start, false);
      continue;
    }
    if (isIdentStart(c)) {
      pos++;
      while (pos < to) {
        const d = src.charCodeAt(pos);
        if (!isIdentChar(d)) break;
        if (d === 47 && pos + 1 < to && src.charCodeAt(pos + 1) === 47) break; // a // comment
        pos++;
      }
      // a trailing '/' is a division operator, not part of the name
      while (src.charCodeAt(pos - 1) === 47 && pos - 1 > start) pos--;
      const text = src.slice(start, pos);
      if (text === "infinity") push("float", Infinity, start, line, tCol);
      else push("id", text, start, line, tCol);
      continue;
    }
    const n1 = pos + 1 < to ? src.charCodeAt(pos + 1) : 0;
    const n2 = pos + 2 < to ? src.charCodeAt(pos + 2) : 0;
    switch (c) {
      case 40:
        pos++;
        push("(", null, start, line, tCol);
        continue;
      case 41:
        pos++;
        push(")", null, start, line, tCol);
        continue;
      case 123:
        pos++;
        push("{", null, start, line, tCol);
        continue;
      case 125:
        pos++;
        push("}", null, start, line, tCol);
        continue;
      case 91:
        pos++;
        push("[", null, start, line, tCol);
        continue;
      case 93:
        pos++;
        push("]", null, start, line, tCol);
        continue;
      case 59:
        pos++;
        push(";", null, start, line, tCol);
        continue;
      case 44:
        pos++;
        push(",", null, start, line, tCol);
        continue;
      case 34:
        readString();
        continue;
      case 35: // #
        if (n1 === 123) {
          pos += 2;
          push("#{", null, start, line, tCol);
          continue;
        }
        err("unexpected character '#' (sets are written #{...})", start);
        continue;
      case 46: // .
        if (n1 === 46 && n2 === 46) {
          pos += 3;
          push("...", null, start, line, tCol);
          continue;
        }
        pos++;
        push(".", null, start, line, tCol);
        continue;
      case 58: {
        // : keyword or colon
        if (pos + 1 < to && !isWs(n1) && !KW_STOP[n1]) {
          pos++;
          const ks = pos;
          while (pos < to) {
            const d = src.charCodeAt(pos);
            if (isWs(d) || (d < 128 && KW_STOP[d] && d !== 58 && d !== 46)) break;
            pos++;
          }
          if (pos === ks) err("expected a keyword name after ':'", start);
          push("kw", src.slice(ks, pos), start, line, tCol);
          continue;
        }
        pos++;
        push(":", null, start, line, tCol);
        continue;
      }
      case 43: // +
        if (n1 === 43) {
          pos += 2;
          push("++", null, start, line, tCol);
          continue;
        }
        pos++;
        push("+", null, start, line, tCol);
        continue;
      case 42:
        pos++;
        push("*", null, start, line, tCol);
        continue;
      case 37:
        pos++;
        push("%", null, start, line, tCol);
        continue;
      case 94:
        pos++;
        push("^", null, start, line, tCol);
        continue;
      case 38: // &
        if (n1 === 38) {
          pos += 2;
          push("&&", null, start, line, tCol);
          continue;
        }
        pos++;
        push("&", null, start, line, tCol);
        continue;
      case 124: // |
        if (n1 === 124) {
          pos += 2;
          push("||", null, start, line, tCol);
          continue;
        }
        if (n1 === 62) {
          if (n2 === 62) {
            pos += 3;
            push("|>>", null, start, line, tCol);
            continue;
          }
          pos += 2;
          push("|>", null, start, line, tCol);
          continue;
        }
        pos++;
        push("|", null, start, line, tCol);
        continue;
      case 61: // =
        if (n1 === 61) {
          pos += 2;
          push("==", null, start, line, tCol);
          continue;
        }
        if (n1 === 62) {
          pos += 2;
          push("=>", null, start, line, tCol);
          continue;
        }
        pos++;
        push("=", null, start, line, tCol);
        continue;
      case 33: // !
        if (n1 === 61) {
          pos += 2;
          push("!=", null, start, line, tCol);
          continue;
        }
        pos++;
        push("!", null, start, line, tCol);
        continue;
      case 60: // <
        if (n1 === 60) {
          pos += 2;
          push("<<", null, start, line, tCol);
          continue;
        }
        if (n1 === 61) {
          pos += 2;
          push("<=", null, start, line, tCol);
          continue;
        }
        pos++;
        push("<", null, start, line, tCol);
        continue;
      case 62: // >
        if (n1 === 62) {
          if (n2 === 62) {
            pos += 3;
            push(">>>", null, start, line, tCol);
            continue;
          }
          pos += 2;
          push(">>", null, start, line, tCol);
          continue;
        }
        if (n1 === 61) {
          pos += 2;
          push(">=", null, start, line, tCol);
          continue;
        }
        pos++;
        push(">", null, start, line, tCol);
        continue;
      case 47:
        pos++;
        push("/", null, start, line, tCol);
        continue;
      case 45: {
        // -
        if (isDigit(n1)) {
          pos++;
          readNumber(start, true);
          continue;
        }
        if (src.startsWith("-infinity", pos) && (pos + 9 >= to || !isIdentChar(src.charCodeAt(pos + 9)))) {
          pos += 9;
          push("float", -Infinity, start, line, tCol);
          continue;
        }
        pos++;
        push("-", null, start, line, tCol);
        continue;
      }
      default: {
        const ch = String.fromCodePoint(src.codePointAt(pos)!);
        err(`unexpected character '${ch === "\0" ? "\\0" : ch}'`, start);
      }
    }
  }
  const eofCol = pos - lineStart + 1;
  const eof: Token = {
    k: "eof",
    v: null,
    parts: null,
    start: pos,
    end: pos,
    line,
    col: eofCol,
    sp: true,
    nl,
    doc: null,
  };
  tokens.push(eof);
  return { tokens, directives };
}

/** After a number, these identifier chars end it instead of making it malformed (`1-2`, `a<1`...). */
function isNumberTerminatorOk(c: number): boolean {
  return c === 45 || c === 47 || c === 60 || c === 62 || c === 33 || c === 63;
}

/** Is there whitespace (or the end of input) right after this token? */
export function spaceAfter(source: string, t: Token): boolean {
  if (t.end >= source.length) return true;
  return isWs(source.charCodeAt(t.end)) || (source.charCodeAt(t.end) === 47 && source.charCodeAt(t.end + 1) === 47);
}
