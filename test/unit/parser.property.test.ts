import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { parseProgram } from "../../compiler/parser.ts";
import { BeagleSyntaxError } from "../../compiler/diagnostics.ts";

// Valid programs in the upstream style; they must parse, and their mutations must
// only ever fail with a BeagleSyntaxError.
const VALID_PROGRAMS: string[] = [
  `namespace demo.basics
// Skip: not really
use beagle.effect as effect

/// Sums two numbers.
fn add(a, b) { a + b }

fn main() {
    let xs = [1, 2, 3]
    let total = xs |>> reduce(fn(acc, x) { acc + x }, 0)
    println("total: \${total} avg: \${total/length(xs)}")
    let m = {:a 1 :b -2, "k" [1, 2]}
    if total > 5 && !empty?(xs) { println("big") } else if total == 0 { null } else { "small" }
}`,
  `namespace shapes

struct Point { x, y }
struct Config {
    name
    debug: false
    mut retries: 1 + 2
}
enum Shape {
    Circle { radius },
    Rect { w, h }
    Empty
}

fn area(s) {
    match s {
        Shape.Circle { radius } => 3 * radius * radius,
        Shape.Rect { w, h: height } => w * height
        Shape.Empty => 0
        _ => -1
    }
}

fn main() {
    let p = Point { x: 1, y: 2 }
    let q = Point { ...p, x: 15 }
    let Point { x, y: py } = q
    println(area(Shape.Rect { w: 2, h: 3 }), p.x, py)
}`,
  `namespace protos
protocol Describe {
    fn describe(self) { "thing" }
    fn size {
        (self)
        (self, unit) => size(self)
    }
}
protocol Handler(T) { fn handle(self, op, resume) }
extend Point with Describe {
    fn describe(self) { "point" }
}
enum Log { Info { message } }
struct ConsoleLogger {}
extend ConsoleLogger with Handler(Log) {
    fn handle(self, op, resume) {
        println(op.message)
        resume(null)
    }
}
fn main() {
    let result = handle Handler(Log) with ConsoleLogger {} {
        perform Log.Info { message: "hello" }
        42
    }
    let r = reset { 1 + shift(fn(k) { k(k(10)) }) }
    let f = future(1 + 2)
}`,
  `namespace control
let dynamic level = 1
letonce cache = atom({})
fn sum {
    () => 0
    (x) => x
    (x, y, ...more) => {
        let mut t = x + y
        for m in more { t = t + m }
        t
    }
}
fn loops(n) {
    let mut i = 0
    let w = while i < n {
        i = i + 1
        if i == 3 { continue() }
        if i > 10 { break(i) }
        i * 10
    }
    let l = loop { break(42) }
    binding (level = 2) { println(level) }
    try {
        throw("boom")
    } catch (e, resume) {
        resume(1)
    }
    try { 1 } catch (e) { return(e) }
    let bits = (n >>> 2) & 31 | 1 << 3 ^ 7
    #{1, 2, 3}
}
test "sums" {
    assert-eq!(sum(1, 2), 3)
    assert!(sum() == 0)
}`,
];

function parseOnlySyntaxErrors(src: string): void {
  try {
    parseProgram(src, "fuzz.bg");
  } catch (e) {
    if (!(e instanceof BeagleSyntaxError)) {
      throw new Error(`non-syntax error for ${JSON.stringify(src)}: ${String(e)}`);
    }
    expect(Number.isInteger(e.line) && e.line >= 1).toBe(true);
    expect(Number.isInteger(e.col) && e.col >= 1).toBe(true);
  }
}

const ALPHABET = [
  ..."abcxyzABZ_019?!-+*/%<>=&|^.,;:()[]{}#\"\\$' \n\t",
  "fn ",
  "let ",
  "mut ",
  "if ",
  "else ",
  "match ",
  "=>",
  "while ",
  "for ",
  " in ",
  "loop ",
  "struct ",
  "enum ",
  "protocol ",
  "extend ",
  " with ",
  "use ",
  " as ",
  "try ",
  "catch ",
  "throw(",
  "break(",
  "continue()",
  "return(",
  "perform ",
  "handle ",
  "reset ",
  "shift(",
  "future(",
  "binding ",
  "test ",
  "namespace ",
  "...",
  "${",
  "//",
  "///",
  "0x1F",
  "-7",
  "1.5",
  ":kw",
  '"s"',
  "|>",
  "|>>",
  "#{",
  "infinity",
  "-infinity",
  "9999999999999999999999",
];

describe("parser robustness (property)", () => {
  test("the valid corpus parses", () => {
    for (const src of VALID_PROGRAMS) expect(() => parseProgram(src, "ok.bg")).not.toThrow();
  });

  test("random strings only raise BeagleSyntaxError", () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), parseOnlySyntaxErrors), { numRuns: 3000 });
    fc.assert(fc.property(fc.string({ unit: "grapheme", maxLength: 100 }), parseOnlySyntaxErrors), { numRuns: 1000 });
  });

  test("random token soups only raise BeagleSyntaxError", () => {
    const soup = fc.array(fc.constantFrom(...ALPHABET), { maxLength: 80 }).map((a) => a.join(""));
    fc.assert(fc.property(soup, parseOnlySyntaxErrors), { numRuns: 5000 });
  });

  test("truncations and mutations of valid programs only raise BeagleSyntaxError", () => {
    const program = fc.constantFrom(...VALID_PROGRAMS);
    fc.assert(
      fc.property(program, fc.nat(), (src, n) => parseOnlySyntaxErrors(src.slice(0, n % (src.length + 1)))),
      { numRuns: 2000 },
    );
    const mutation = fc.tuple(
      program,
      fc.array(fc.tuple(fc.nat(), fc.nat({ max: 3 }), fc.constantFrom(...ALPHABET)), { minLength: 1, maxLength: 5 }),
    );
    fc.assert(
      fc.property(mutation, ([src, edits]) => {
        let s = src;
        for (const [pos, del, ins] of edits) {
          const p = pos % (s.length + 1);
          s = s.slice(0, p) + ins + s.slice(p + del);
        }
        parseOnlySyntaxErrors(s);
      }),
      { numRuns: 3000 },
    );
  });

  test("deep nesting is a syntax error, not a crash", () => {
    for (const open of ["(", "[", "{", "#{", "-", "!", "fn() { ", '"${', "if x { "]) {
      parseOnlySyntaxErrors(open.repeat(20000));
      parseOnlySyntaxErrors("let x = " + open.repeat(5000) + "1");
    }
    // moderately deep nesting is fine
    expect(() => parseProgram("let x = " + "(".repeat(100) + "1" + ")".repeat(100), "ok.bg")).not.toThrow();
  });

  test("a large program parses quickly", () => {
    const big = VALID_PROGRAMS.map((p, i) => p.replace(/namespace \S+/, ""))
      .join("\n")
      .repeat(200);
    const t0 = performance.now();
    parseProgram(big, "big.bg");
    const ms = performance.now() - t0;
    expect(ms).toBeLessThan(2000);
  });
});
