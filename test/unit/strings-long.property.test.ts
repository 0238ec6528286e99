// substring/get on long strings: isSimple remembers the last long string it
// scanned, so these check that alternating long strings with and without
// surrogate pairs never reuse the wrong answer.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { builtins as B } from "../../vm/builtins/strings.ts";

const longString = fc
  .array(fc.oneof(fc.constantFrom("a", "é", "z"), fc.constantFrom("😊", "𝄞")), { minLength: 256, maxLength: 600 })
  .map((cs) => cs.join(""));

describe("code-point slicing of long strings", () => {
  test("substring and get agree with Array.from, however strings alternate", () => {
    fc.assert(
      fc.property(fc.array(longString, { minLength: 2, maxLength: 4 }), fc.nat(), (strs, seed) => {
        for (let round = 0; round < 3; round++) {
          for (const s of strs) {
            const cps = Array.from(s);
            const a = (seed + round * 7) % cps.length;
            const e = Math.min(cps.length, a + 1 + ((seed >> 3) % 40));
            expect(B.substring!(s, a, e)).toBe(cps.slice(a, e).join(""));
            expect(B["__string-get"]!(s, a)).toBe(cps[a]);
            expect(B["__string-length"]!(s)).toBe(cps.length);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  test("an ASCII-only long string after one with surrogates slices by units", () => {
    const astral = "😊".repeat(300);
    const ascii = "x".repeat(299) + "y";
    expect(B.substring!(astral, 299, 300)).toBe("😊");
    expect(B.substring!(ascii, 299, 300)).toBe("y");
    expect(B.substring!(astral, 0, 2)).toBe("😊😊");
  });
});
