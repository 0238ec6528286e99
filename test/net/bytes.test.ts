// vm/bytes.ts: arbitrary bytes round-trip through strings exactly; valid UTF-8
// reads as text; byte offsets, slices and concatenation work in bytes.
import { expect, test } from "bun:test";
import fc from "fast-check";
import { byteAt, byteConcat, byteLength, byteSlice, bytesToString, indexByte, stringToBytes } from "../../vm/bytes.ts";

const bytes = (...v: number[]) => Uint8Array.from(v);

test("any bytes survive bytes -> string -> bytes exactly", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
      expect(Array.from(stringToBytes(bytesToString(b)))).toEqual(Array.from(b));
    }),
    { numRuns: 2000 },
  );
});

test("valid UTF-8 decodes to the text it encodes (BOM and NUL kept)", () => {
  fc.assert(
    fc.property(fc.string({ unit: "grapheme", maxLength: 40 }), (s) => {
      expect(bytesToString(new TextEncoder().encode(s))).toBe(s);
    }),
  );
  expect(bytesToString(bytes(0xef, 0xbb, 0xbf, 0x41))).toBe("\uFEFFA");
  expect(bytesToString(bytes(0, 0x41, 0))).toBe("\0A\0");
});

test("invalid bytes become one escape each; surrogate encodings are not decoded", () => {
  expect(bytesToString(bytes(0x41, 0xff, 0x42))).toBe("A\uDCFFB");
  expect(bytesToString(bytes(0xed, 0xa0, 0x80))).toBe("\uDCED\uDCA0\uDC80");
  expect(bytesToString(bytes(0xc0, 0x80))).toBe("\uDCC0\uDC80"); // overlong NUL
  expect(byteLength("A\uDCFFB")).toBe(3);
});

test("a character split across two pieces is whole again after byteConcat", () => {
  const euro = new TextEncoder().encode("x€y");
  for (let cut = 0; cut <= euro.length; cut++) {
    const a = bytesToString(euro.subarray(0, cut));
    const b = bytesToString(euro.subarray(cut));
    expect(byteConcat(a, b)).toBe("x€y");
    expect(Array.from(stringToBytes(a + b))).toEqual(Array.from(euro));
  }
});

test("byteConcat of random splits equals the decoding of the whole", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(), (b, k) => {
      const cut = b.length === 0 ? 0 : k % (b.length + 1);
      const whole = bytesToString(b);
      expect(byteConcat(bytesToString(b.subarray(0, cut)), bytesToString(b.subarray(cut)))).toBe(whole);
      expect(byteLength(whole)).toBe(b.length);
    }),
  );
});

test("byteSlice, byteAt and indexByte count bytes", () => {
  const s = "héllo\n€!";
  const b = new TextEncoder().encode(s);
  expect(byteLength(s)).toBe(b.length);
  expect(byteSlice(s, 0, 3)).toBe("hé");
  expect(byteSlice(s, 2)).toBe(bytesToString(b.subarray(2))); // starts inside é: escaped
  expect(byteAt(s, 1)).toBe(0xc3);
  expect(byteAt(s, 99)).toBe(-1);
  expect(indexByte(s, 10, 0)).toBe(6);
  expect(indexByte(s, 10, 7)).toBe(-1);
  expect(indexByte("abc\ndef\n", 10, 4)).toBe(7);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 60 }), fc.nat(70), fc.nat(70), (raw, i, j) => {
      const str = bytesToString(raw);
      expect(Array.from(stringToBytes(byteSlice(str, i, j)))).toEqual(Array.from(raw.subarray(i, Math.max(i, j))));
      expect(indexByte(str, 10, i)).toBe(raw.indexOf(10, i));
    }),
  );
});
