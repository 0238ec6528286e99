import { describe, expect, test } from "bun:test";
import { type InterpHole, lex, type Token } from "../../compiler/lexer.ts";
import { BeagleSyntaxError, formatDiagnostic } from "../../compiler/diagnostics.ts";

const toks = (src: string): Token[] => lex(src, "t.bg").tokens.filter((t) => t.k !== "eof");
const kinds = (src: string): string[] => toks(src).map((t) => t.k);
const vals = (src: string): Token["v"][] => toks(src).map((t) => t.v);
const one = (src: string): Token => {
  const ts = toks(src);
  expect(ts.length).toBe(1);
  return ts[0]!;
};
function lexError(src: string): BeagleSyntaxError {
  try {
    lex(src, "t.bg");
  } catch (e) {
    expect(e).toBeInstanceOf(BeagleSyntaxError);
    return e as BeagleSyntaxError;
  }
  throw new Error(`expected a syntax error for ${JSON.stringify(src)}`);
}

describe("punctuation and operators", () => {
  test("every punctuation token", () => {
    expect(kinds("( ) { } [ ] ; , : . ... #{")).toEqual([
      "(",
      ")",
      "{",
      "}",
      "[",
      "]",
      ";",
      ",",
      ":",
      ".",
      "...",
      "#{",
    ]);
  });
  test("every operator token", () => {
    const ops = [
      "+",
      "++",
      "-",
      "*",
      "/",
      "%",
      "==",
      "!=",
      "<",
      "<=",
      ">",
      ">=",
      "<<",
      ">>",
      ">>>",
      "&",
      "&&",
      "|",
      "||",
      "^",
      "|>",
      "|>>",
      "=",
      "=>",
      "!",
    ];
    expect(kinds(ops.join(" "))).toEqual(ops);
  });
  test("operators glued to names where names stop", () => {
    expect(kinds("a+b")).toEqual(["id", "+", "id"]);
    expect(kinds("a*b%c")).toEqual(["id", "*", "id", "%", "id"]);
    expect(kinds("a=b")).toEqual(["id", "=", "id"]);
    expect(kinds("a&b^c|d")).toEqual(["id", "&", "id", "^", "id", "|", "id"]);
    expect(kinds("x|>f")).toEqual(["id", "|>", "id"]);
    expect(kinds("!x")).toEqual(["!", "id"]);
    expect(kinds("!=")).toEqual(["!="]);
  });
});

describe("identifiers", () => {
  test("greedy names with - ? ! < > /", () => {
    for (const name of [
      "a-b",
      "keyword->string",
      "set-subset?",
      "compare-and-swap!",
      "a<b",
      "a>b",
      "total/n",
      "_x",
      "x1",
      "__call_fn",
      "reset!",
      "π",
    ]) {
      const t = one(name);
      expect(t.k).toBe("id");
      expect(t.v).toBe(name);
    }
  });
  test("names stop at delimiters", () => {
    expect(vals("f(x)")).toEqual(["f", null, "x", null]);
    expect(vals("a.b")).toEqual(["a", null, "b"]);
    expect(kinds("a,b;c: d")).toEqual(["id", ",", "id", ";", "id", ":", "id"]);
    expect(kinds("c:d")).toEqual(["id", "kw"]);
    expect(kinds('a"s"')).toEqual(["id", "str"]);
  });
  test("a trailing / is division, // is a comment", () => {
    expect(kinds("a/ b")).toEqual(["id", "/", "id"]);
    expect(kinds("a// comment")).toEqual(["id"]);
    expect(kinds("a / b")).toEqual(["id", "/", "id"]);
  });
  test("reserved words are ids; infinity is a float", () => {
    expect(one("fn").k).toBe("id");
    expect(one("infinity")).toMatchObject({ k: "float", v: Infinity });
    expect(one("-infinity")).toMatchObject({ k: "float", v: -Infinity });
    expect(one("infinityx")).toMatchObject({ k: "id", v: "infinityx" });
  });
});

describe("numbers", () => {
  test("decimal, radix and floats", () => {
    expect(one("42").v).toBe(42);
    expect(one("0").v).toBe(0);
    expect(one("0xFF").v).toBe(255);
    expect(one("0XfF").v).toBe(255);
    expect(one("0o755").v).toBe(493);
    expect(one("0O17").v).toBe(15);
    expect(one("0b1010").v).toBe(10);
    expect(one("0B11").v).toBe(3);
    // biome-ignore lint/suspicious/noApproximativeNumericConstant: the literal as written in the source, not pi
    expect(one("3.14159")).toMatchObject({ k: "float", v: 3.14159 });
    expect(one("1.0")).toMatchObject({ k: "float", v: 1 });
  });
  test("negative literals", () => {
    expect(one("-5")).toMatchObject({ k: "int", v: -5 });
    expect(one("-1.5")).toMatchObject({ k: "float", v: -1.5 });
    expect(one("-0x10")).toMatchObject({ k: "int", v: -16 });
    expect(Object.is(one("-0").v, 0)).toBe(true);
  });
  test("minus vs negative literal", () => {
    expect(kinds("a - 1")).toEqual(["id", "-", "int"]);
    expect(kinds("a -1")).toEqual(["id", "int"]);
    expect(kinds("a-1")).toEqual(["id"]);
    expect(kinds("-x")).toEqual(["-", "id"]);
    expect(kinds("-(x)")).toEqual(["-", "(", "id", ")"]);
  });
  test("61-bit range: numbers in the safe range, bigints beyond", () => {
    expect(one("1152921504606846975").v).toBe(1152921504606846975n); // 2^60 - 1
    expect(one("-1152921504606846976").v).toBe(-1152921504606846976n); // -2^60
    expect(one("9007199254740991").v).toBe(9007199254740991);
    expect(one("9007199254740992").v).toBe(9007199254740992n);
    expect(one("0xFFFFFFFFFFFFFFF").v).toBe(0xfffffffffffffffn);
  });
  test("overflow is a syntax error at the literal", () => {
    const e = lexError("let x =\n  1152921504606846976");
    expect(e.line).toBe(2);
    expect(e.col).toBe(3);
    expect(e.message).toContain("61 bits");
    lexError("-1152921504606846977");
    lexError("0x1000000000000000");
  });
  test("malformed numbers", () => {
    expect(lexError("12abc").message).toContain("invalid number literal");
    lexError("0x");
    lexError("0b102");
    lexError("1e5");
  });
  test("a dot after an int is a field access, not a float", () => {
    expect(kinds("1.foo")).toEqual(["int", ".", "id"]);
  });
});

describe("strings", () => {
  test("escapes", () => {
    expect(one('"a\\nb\\rc\\td\\0e"').v).toBe("a\nb\rc\td\0e");
    expect(one('"\\\\ \\" \\\' \\$"').v).toBe("\\ \" ' $");
    expect(one('"\\u{41}\\u{1F600}"').v).toBe("A\u{1F600}");
    expect(one('"\\q\\z"').v).toBe("qz");
    expect(one('"multi\nline"').v).toBe("multi\nline");
  });
  test("escaped interpolation stays literal", () => {
    expect(one('"Price: \\$100 \\${x}"')).toMatchObject({ k: "str", v: "Price: $100 ${x}" });
  });
  test("interpolation produces holes", () => {
    const t = one('"a ${x + 1} b ${f("}")}"');
    expect(t.k).toBe("istr");
    expect(t.parts!.length).toBe(4);
    expect(t.parts![0]).toBe("a ");
    expect(t.parts![2]).toBe(" b ");
    const src = '"a ${x + 1} b ${f("}")}"';
    const h = t.parts![1] as InterpHole;
    expect(src.slice(h.start, h.end)).toBe("x + 1");
    const h2 = t.parts![3] as InterpHole;
    expect(src.slice(h2.start, h2.end)).toBe('f("}")');
  });
  test("nested braces and strings inside a hole", () => {
    const src = '"${ {:a "x${1}"} }"';
    const t = one(src);
    const h = t.parts![0] as InterpHole;
    expect(src.slice(h.start, h.end)).toBe(' {:a "x${1}"} ');
  });
  test("errors", () => {
    const e = lexError('let s = "abc');
    expect([e.line, e.col]).toEqual([1, 9]);
    expect(e.message).toContain("unterminated string");
    lexError('"${x"');
    lexError('"\\u{110000}"');
    lexError('"\\u{}"');
  });
});

describe("keywords, comments, positions", () => {
  test("keywords", () => {
    expect(one(":name")).toMatchObject({ k: "kw", v: "name" });
    expect(one(":a-b?")).toMatchObject({ k: "kw", v: "a-b?" });
    expect(vals("[:a, :b]")).toEqual([null, "a", null, "b", null]);
    expect(kinds("{:a 1}")).toEqual(["{", "kw", "int", "}"]);
    expect(kinds("x: 1")).toEqual(["id", ":", "int"]);
    expect(kinds('x:"s"')).toEqual(["id", ":", "str"]);
  });
  test("comments are skipped; docstrings attach to the next token", () => {
    const ts = toks("// hi\n/// Doc one\n///   two\nfn f() {} //// not doc\nx");
    expect(ts[0]!.v).toBe("fn");
    expect(ts[0]!.doc).toBe("Doc one\n  two");
    expect(ts[ts.length - 1]!.doc).toBeNull();
  });
  test("directives", () => {
    const r = lex("// no-std\n// Skip: flaky\n// gc-always\nx // Skip\n// @beagle.core.snapshot\n// no-std\n", "t.bg");
    expect(r.directives).toEqual(["no-std", "Skip", "Skip: flaky", "gc-always", "@beagle.core.snapshot"]);
  });
  test("line, column and spacing flags", () => {
    const ts = toks("a  b\n\tc(d)");
    expect(ts.map((t) => [t.line, t.col])).toEqual([
      [1, 1],
      [1, 4],
      [2, 2],
      [2, 3],
      [2, 4],
      [2, 5],
    ]);
    expect(ts.map((t) => t.sp)).toEqual([true, true, true, false, false, false]);
    expect(ts.map((t) => t.nl)).toEqual([false, false, true, false, false, false]);
  });
  test("unexpected characters", () => {
    const e = lexError("x = `y`");
    expect([e.line, e.col]).toEqual([1, 5]);
    lexError("#x");
  });
});

describe("formatDiagnostic", () => {
  test("points a caret at the column", () => {
    expect(formatDiagnostic("f.bg", "one\n  two three\n", 2, 7, "bad")).toBe("f.bg:2:7: bad\n  two three\n      ^");
  });
  test("keeps tabs in the spacing", () => {
    expect(formatDiagnostic("f.bg", "\t\tx y", 1, 5, "m")).toBe("f.bg:1:5: m\n\t\tx y\n\t\t  ^");
  });
  test("CRLF and missing lines", () => {
    expect(formatDiagnostic("f", "a\r\nbc\r\n", 2, 2, "m")).toBe("f:2:2: m\nbc\n ^");
    expect(formatDiagnostic("f", "a", 5, 1, "m")).toBe("f:5:1: m\n\n^");
  });
  test("BeagleSyntaxError carries file, line, col", () => {
    const e = new BeagleSyntaxError("oops", "f.bg", 3, 4);
    expect(e).toBeInstanceOf(Error);
    expect([e.file, e.line, e.col, e.message]).toEqual(["f.bg", 3, 4, "oops"]);
    expect(e.format("\n\nabcdef")).toBe("f.bg:3:4: oops\nabcdef\n   ^");
  });
});
