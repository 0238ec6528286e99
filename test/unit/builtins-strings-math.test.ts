// String and math builtins: code-point semantics, Rust-compatible edge cases,
// Int/Float result types and the error kinds raised for bad arguments.
import { describe, expect, test } from "bun:test";
import { BFloat, Keyword, isFloat, isInt } from "../../vm/values.ts";
import { B, errKind, errMessage } from "./builtins-helpers.ts";

const fl = (v: unknown) => (v instanceof BFloat ? v.v : (v as number));

describe("strings", () => {
  test("length, get and substring count code points", () => {
    expect(B["__string-length"]!("😊héllo")).toBe(6);
    expect(B["__string-get"]!("😊a", 0)).toBe("😊");
    expect(B["__string-get"]!("😊a", 1)).toBe("a");
    expect(errKind(() => B["__string-get"]!("ab", 2))).toBe("IndexError");
    expect(errMessage(() => B["__string-get"]!("ab", 2))).toBe("String index 2 out of bounds (length 2)");
    expect(B["__string-get-or"]!("ab", 9, "d")).toBe("d");
    expect(B.substring!("😊hello", 1, 3)).toBe("he");
    expect(errMessage(() => B.substring!("abc", 2, 1))).toBe("substring end (1) is less than start (2)");
    expect(errKind(() => B.substring!("abc", 1, 4))).toBe("StringError");
    expect(errKind(() => B.substring!(3, 0, 1))).toBe("TypeError");
  });

  test("index-of and last-index-of return code-point indexes", () => {
    expect(B["index-of"]!("😊hello", "hello")).toBe(1);
    expect(B["last-index-of"]!("😊l😊l", "l")).toBe(3);
    expect(B["index-of"]!("abc", "")).toBe(0);
    expect(B["last-index-of"]!("abc", "")).toBe(3);
    expect(B["index-of"]!("abc", "z")).toBe(-1);
  });

  // split, lines and words return upstream's raw Array (a JS array here)
  test("split follows Rust's str::split", () => {
    expect(B.split!("a,b,,c", ",")).toEqual(["a", "b", "", "c"]);
    expect(B.split!("", ",")).toEqual([""]);
    expect(B.split!("ab", "")).toEqual(["", "a", "b", ""]);
  });

  test("lines and words", () => {
    expect(B.lines!("a\r\nb\n\nc\n")).toEqual(["a", "b", "", "c"]);
    expect(B.lines!("")).toEqual([]);
    expect(B.lines!("\n")).toEqual([""]);
    expect(B.words!(" a\t b\n")).toEqual(["a", "b"]);
  });

  test("replace and replace-first, including empty patterns and $", () => {
    expect(B.replace!("aXbX", "X", "$&")).toBe("a$&b$&");
    expect(B.replace!("ab", "", "-")).toBe("-a-b-");
    expect(B.replace!("", "", "-")).toBe("-");
    expect(B["replace-first"]!("aXbX", "X", "$1")).toBe("a$1bX");
    expect(B["replace-first"]!("ab", "", "-")).toBe("-ab");
  });

  test("padding uses the first code point of the pad string", () => {
    expect(B["pad-left"]!("7", 3, "0")).toBe("007");
    expect(B["pad-right"]!("é", 3, "😊x")).toBe("é😊😊");
    expect(B["pad-left"]!("abcd", 2, "0")).toBe("abcd");
    expect(B["pad-left"]!("a", -5, "0")).toBe("a");
  });

  test("string-concat requires two strings", () => {
    expect(B["string-concat"]!("a", "b")).toBe("ab");
    expect(errMessage(() => B["string-concat"]!("a", 1))).toBe("Expected string, got Int");
    expect(errMessage(() => B["string-concat"]!(null, "a"))).toBe("Expected string, got Null");
  });

  test("to-number, parse-int and parse-float-string", () => {
    expect(B["to-number"]!("42")).toBe(42);
    expect(B["to-number"]!("+42")).toBe(42);
    const f = B["to-number"]!("2.0");
    expect(isFloat(f)).toBe(true);
    expect(fl(f)).toBe(2);
    expect(B["to-number"]!("1152921504606846975")).toBe(1152921504606846975n);
    expect(errKind(() => B["to-number"]!("1152921504606846976"))).toBe("ParseError");
    expect(errMessage(() => B["to-number"]!("x1"))).toBe(
      "Cannot parse 'x1' as a number: invalid digit found in string",
    );
    expect(B["parse-int"]!("-0")).toBe(0);
    expect(B["parse-int"]!("007")).toBe(7);
    expect(B["parse-int"]!("1.5")).toBe(null);
    expect(B["parse-int"]!("-1152921504606846976")).toBe(-1152921504606846976n);
    expect(B["parse-int"]!("-1152921504606846977")).toBe(null);
    expect(fl(B["parse-float-string"]!("-inf"))).toBe(-Infinity);
    expect(Number.isNaN(fl(B["parse-float-string"]!("NaN")))).toBe(true);
    expect(fl(B["parse-float-string"]!(".5"))).toBe(0.5);
    expect(B["parse-float-string"]!("0x10")).toBe(null);
    expect(B["parse-float-string"]!("")).toBe(null);
  });

  test("keywords and characters", () => {
    expect(B["string->keyword"]!("a")).toBe(Keyword.of("a"));
    expect(B["keyword->string"]!(Keyword.of("a-b"))).toBe("a-b");
    expect(B["char-code"]!("😊x")).toBe(0x1f60a);
    expect(errKind(() => B["char-code"]!(""))).toBe("IndexError");
    expect(errKind(() => B["char-from-code"]!(0xd800))).toBe("ArgumentError");
    expect(B["__utf8-length"]!("é😊")).toBe(6);
  });
});

describe("math", () => {
  test("rounding family returns Float, round is half away from zero", () => {
    for (const [x, r] of [
      [2.5, 3],
      [-2.5, -3],
      [0.5, 1],
      [-0.4, -0],
      [1.4999999999999998, 1],
    ] as const) {
      const v = B.round!(x);
      expect(isFloat(v)).toBe(true);
      expect(Object.is(fl(v), r)).toBe(true);
    }
    expect(isFloat(B.floor!(3))).toBe(true);
    expect(isFloat(B.sqrt!(4))).toBe(true);
    expect(fl(B.sqrt!(4))).toBe(2);
  });

  test("truncate and to-int produce Ints, wrapping huge floats into 61 bits", () => {
    expect(B.truncate!(-1.9)).toBe(-1);
    expect(B["to-int"]!(new BFloat(5))).toBe(5);
    expect(B.truncate!(NaN)).toBe(0);
    expect(isInt(B.truncate!(1e30))).toBe(true);
    expect(B.truncate!(7n)).toBe(7n);
  });

  test("abs keeps the type; min/max/clamp are Int only for Int operands", () => {
    expect(B.abs!(-3)).toBe(3);
    expect(fl(B.abs!(new BFloat(-2)))).toBe(2);
    expect(isFloat(B.abs!(new BFloat(-2)))).toBe(true);
    expect(B.abs!(-(2n ** 60n))).toBe(-(2n ** 60n)); // wraps like upstream
    expect(B.max!(1, 2)).toBe(2);
    expect(isFloat(B.max!(3, 2.5))).toBe(true);
    expect(B.min!(2n ** 55n, 3)).toBe(3);
    expect(B.clamp!(10, 0, 5)).toBe(5);
    expect(isFloat(B.clamp!(1, 0.5, 5))).toBe(true);
    expect(errMessage(() => B.max!(1, "x"))).toBe("Expected a number (Int or Float) but got String");
    expect(errKind(() => B.abs!(null))).toBe("TypeError");
  });

  test("gcd, lcm, predicates", () => {
    expect(B.gcd!(0, 0)).toBe(0);
    expect(B.gcd!(-4, 6)).toBe(2);
    expect(B.lcm!(21, 6)).toBe(42);
    expect(B["even?"]!(2n ** 58n)).toBe(true);
    expect(B["odd?"]!(new BFloat(3))).toBe(false);
    expect(B["zero?"]!(new BFloat(-0))).toBe(true);
    expect(B["negative?"]!(-0.5)).toBe(true);
    expect(B["positive?"]!("1")).toBe(false);
  });

  test("random ranges", () => {
    for (let i = 0; i < 200; i++) {
      const r = fl(B.random!());
      expect(r >= 0 && r < 1).toBe(true);
      const k = B["random-range"]!(-3, 3) as number;
      expect(k >= -3 && k < 3 && Number.isInteger(k)).toBe(true);
    }
    expect(B["random-int"]!(-5)).toBe(0);
  });
});
