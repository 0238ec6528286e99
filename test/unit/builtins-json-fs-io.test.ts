// json-encode/json-decode, the synchronous filesystem builtins (Result values
// with errno-named errors) and beagle.io handles, including stdin.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BFloat, Keyword, type Struct } from "../../vm/values.ts";
import { PersistentMap } from "../../vm/collections/map.ts";
import { PersistentVector } from "../../vm/collections/vector.ts";
import { equal } from "../../vm/equal.ts";
import { B, bindTestCoreTypes, errKind, errMessage } from "./builtins-helpers.ts";

bindTestCoreTypes();
const kw = Keyword.of;
const vec = (...xs: unknown[]) => PersistentVector.from(xs);

/** "Ok:<value>" / "Err:<Variant>" for a Result struct. */
function tag(r: unknown): string {
  const s = r as Struct;
  if (s.type.name === "Ok") return "Ok";
  return "Err:" + (s.f[0] as Struct).type.name;
}
const okValue = (r: unknown) => (r as Struct).f[0];

describe("json", () => {
  test("encoding", () => {
    expect(B["json-encode"]!(PersistentMap.from([[kw("a"), vec(1, new BFloat(2), "x\n", null, true)]]))).toBe(
      '{"a":[1,2.0,"x\\n",null,true]}',
    );
    expect(B["json-encode"]!("\u0001é")).toBe('"\\u0001é"');
    expect(B["json-encode"]!(0.1)).toBe("0.1");
    expect(B["json-encode"]!(2n ** 59n)).toBe("576460752303423488");
    expect(errMessage(() => B["json-encode"]!(NaN))).toBe("Cannot encode NaN to JSON");
    expect(errKind(() => B["json-encode"]!(PersistentMap.from([[vec(), 1]])))).toBe("JsonError");
  });

  test("decoding", () => {
    const v = B["json-decode"]!('{"a": {"b": [1, -2.5e1, "\\u00e9"]}}');
    expect(equal(v, PersistentMap.from([["a", PersistentMap.from([["b", vec(1, -25, "é")]])]]))).toBe(true); // equal compares Int and Float numerically
    const inner = ((v as PersistentMap).get("a") as PersistentMap).get("b") as PersistentVector;
    expect(inner.get(1)).toBeInstanceOf(BFloat);
    expect(B["json-decode"]!("12345678901234567890")).toBe(BigInt.asIntN(61, 12345678901234567890n));
    expect(errMessage(() => B["json-decode"]!("[1,]"))).toBe(
      "JSON parse error at position 3: Unexpected character ']'",
    );
    expect(errMessage(() => B["json-decode"]!('{"a":1'))).toBe("Unexpected end of JSON input at position 6");
    expect(errMessage(() => B["json-decode"]!("01"))).toBe(
      "JSON parse error at position 1: Unexpected content after JSON value",
    );
    expect(errMessage(() => B["json-decode"]!('"\\x"'))).toBe("Invalid escape sequence '\\x' at position 1");
    expect(errMessage(() => B["json-decode"]!("-"))).toBe("Invalid number '-' at position 0");
  });

  test("deep nesting is limited, not a JS stack overflow", () => {
    expect(errKind(() => B["json-decode"]!("[".repeat(600) + "]".repeat(600)))).toBe("JsonError");
  });
});

describe("filesystem", () => {
  let dir = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "beagle-fs-unit-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("Result-returning operations", () => {
    const p = join(dir, "f.txt");
    expect(okValue(B["__fs-write-file"]!(p, "héllo"))).toBe(6);
    expect(okValue(B["__fs-read-file"]!(p))).toBe("héllo");
    expect(okValue(B["__fs-append-file"]!(p, "!"))).toBe(1);
    expect(okValue(B["__fs-file-size"]!(p))).toBe(7);
    expect(B["__fs-exists?"]!(p)).toBe(true);
    expect(B["__fs-is-file?"]!(p)).toBe(true);
    expect(B["__fs-is-directory?"]!(dir)).toBe(true);
    expect(okValue(B["__fs-copy"]!(p, p + ".c"))).toBe(7);
    expect(okValue(B["__fs-rename"]!(p + ".c", p + ".d"))).toBe(null);
    expect(((okValue(B["__fs-read-dir"]!(dir)) as PersistentVector).toArray() as string[]).sort()).toEqual([
      "f.txt",
      "f.txt.d",
    ]);
    expect(okValue(B["__fs-delete-file"]!(p + ".d"))).toBe(null);
  });

  test("errno mapping", () => {
    const missing = join(dir, "missing");
    const r = B["__fs-read-file"]!(missing) as Struct;
    expect(tag(r)).toBe("Err:NotFound");
    expect((r.f[0] as Struct).f[0]).toBe(missing);
    expect(tag(B["__fs-create-dir"]!(dir))).toBe("Err:AlreadyExists");
    expect(tag(B["__fs-read-file"]!(dir))).toBe("Err:IsDirectory");
    writeFileSync(join(dir, "plain"), "x");
    expect(tag(B["__fs-read-dir"]!(join(dir, "plain")))).toBe("Err:NotDirectory");
    expect(okValue(B["__fs-create-dir-all"]!(join(dir, "a/b")))).toBe(null);
    const notEmpty = B["__fs-remove-dir"]!(join(dir, "a")) as Struct;
    expect(tag(notEmpty)).toBe("Err:IO");
    expect(String((notEmpty.f[0] as Struct).f[0])).toContain("ENOTEMPTY");
    expect(okValue(B["__fs-remove-dir-all"]!(join(dir, "a")))).toBe(null);
    if (process.getuid?.() !== 0) {
      expect(tag(B["__fs-write-file"]!("/proc/version", "x"))).toMatch(/Err:(PermissionDenied|IO)/);
    }
  });

  test("raw upstream-style builtins return 0 or a negative errno", () => {
    expect(B["fs-mkdir"]!(join(dir, "m"), 0o755)).toBe(0);
    expect(B["fs-mkdir"]!(join(dir, "m"), 0o755)).toBe(-17);
    expect(B["fs-rmdir"]!(join(dir, "m"))).toBe(0);
    expect(B["fs-unlink"]!(join(dir, "nope"))).toBe(-2);
    expect(B["fs-access"]!(dir, 0)).toBe(0);
    expect(B["fs-file-size"]!(join(dir, "nope"))).toBe(-1);
    expect(B["fs-readdir"]!(join(dir, "nope"))).toBe(null);
  });

  test("read-full-file throws an IOError", () => {
    expect(errKind(() => B["read-full-file"]!(join(dir, "nope")))).toBe("IOError");
  });
});

describe("io handles", () => {
  test("positioned reads and writes on one handle", () => {
    const dir = mkdtempSync(join(tmpdir(), "beagle-io-unit-"));
    const p = join(dir, "h.txt");
    const h = okValue(B["__io-open"]!(p, "w+"));
    expect(okValue(B["__io-write"]!(h, "abc\ndef"))).toBe(7);
    expect(tag(B["__io-close"]!(h))).toBe("Ok");
    const r = okValue(B["__io-open"]!(p, "rb"));
    expect(okValue(B["__io-read-line"]!(r))).toBe("abc\n");
    expect(okValue(B["__io-read-line"]!(r))).toBe("def");
    expect(tag(B["__io-read-line"]!(r))).toBe("Err:IO");
    expect(B["__io-eof?"]!(r)).toBe(true);
    B["__io-close"]!(r);
    expect(tag(B["__io-read"]!(r, 1))).toBe("Err:IO");
    // a multi-byte character split across reads is decoded once complete
    writeFileSync(p, "é");
    const s = okValue(B["__io-open"]!(p, "r"));
    expect(okValue(B["__io-read"]!(s, 1))).toBe("");
    expect(okValue(B["__io-read"]!(s, 1))).toBe("é");
    B["__io-close"]!(s);
    rmSync(dir, { recursive: true, force: true });
  });

  test("a program reads stdin line by line", () => {
    const dir = mkdtempSync(join(tmpdir(), "beagle-stdin-"));
    const file = join(dir, "prog.bg");
    writeFileSync(
      file,
      `namespace stdin_test
use beagle.io as io
fn main() {
  let mut n = 0
  loop {
    match io/read-stdin-line() {
      Result.Ok { value } => { n = n + 1
        print(n, value) },
      _ => break()
    }
  }
  println("lines:", n)
}
`,
    );
    const root = join(import.meta.dir, "../..");
    const p = Bun.spawnSync([process.execPath, join(root, "beagle.ts"), file], {
      stdin: Buffer.from("first\nsecond\nno newline"),
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(p.stderr.toString()).toBe("");
    expect(p.stdout.toString()).toBe("1 first\n2 second\n3 no newlinelines: 3\n");
    rmSync(dir, { recursive: true, force: true });
  });
});
