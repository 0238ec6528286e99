// PipeStream's byte rules, checked with fast-check over a real pipe: whatever
// pieces the writer uses and whatever mix of chunk/line/all reads the reader
// does, the bytes come out exactly once and in order; lines end at "\n";
// chunks never split a UTF-8 character (so each decodes on its own).
import { expect, test } from "bun:test";
import fc from "fast-check";
import { closeFd, makePipe, writeFd } from "../../ffi/fd.ts";
import { PipeStream, WOULD_BLOCK, completeUtf8Prefix, type ReadMode } from "../../runtime/process/stream.ts";
import { bytesToString, stringToBytes } from "../../vm/bytes.ts";

const enc = new TextEncoder();
const fatal = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Offsets that fall strictly inside a valid multi-byte character of `b` (the oracle: a fatal decoder). */
function insideCharacter(b: Uint8Array): Set<number> {
  const inside = new Set<number>();
  for (let i = 0; i < b.length; i++) {
    for (let len = 2; len <= 4 && i + len <= b.length; len++) {
      try {
        if ([...fatal.decode(b.subarray(i, i + len))].length === 1) {
          for (let k = i + 1; k < i + len; k++) inside.add(k);
          break;
        }
      } catch {
        // not a character of this length
      }
    }
  }
  return inside;
}

test("completeUtf8Prefix cuts at the last character boundary at or before the end", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary", maxLength: 40 }), fc.nat(), (s, k) => {
      const b = enc.encode(s);
      const cut = k % (b.length + 1);
      const p = completeUtf8Prefix(b.subarray(0, cut));
      // the boundaries of the encoded string
      const bounds = [0];
      let o = 0;
      for (const ch of s) {
        o += enc.encode(ch).length;
        bounds.push(o);
      }
      const want = Math.max(...bounds.filter((x) => x <= cut));
      expect(p).toBe(want);
    }),
    { numRuns: 500 },
  );
});

const piece = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.string({ unit: "binary", maxLength: 100 }).map((s) => enc.encode(s)),
  fc.constantFrom(enc.encode("\n"), enc.encode("line\n"), enc.encode("\u00e9"), enc.encode("\u{1f600}")),
);

test("reads of any mode over any write pieces return every byte once, in order", () => {
  fc.assert(
    fc.property(
      fc.array(piece, { maxLength: 30 }),
      fc.array(fc.constantFrom<ReadMode>("chunk", "line", "chunk", "line", "all"), { minLength: 1, maxLength: 10 }),
      (pieces, modes) => {
        const [r, w] = makePipe(true);
        const s = new PipeStream(r, "stdout");
        const got: Uint8Array[] = [];
        const inside = insideCharacter(Buffer.concat(pieces));
        let offset = 0;
        const check = (mode: ReadMode, v: Uint8Array) => {
          got.push(v);
          offset += v.length;
          if (mode === "chunk") {
            expect(v.length).toBeGreaterThan(0);
            // a chunk never ends inside a character of the stream
            expect(inside.has(offset)).toBe(false);
          }
          if (mode === "line" && !s.eof) expect(v[v.length - 1]).toBe(10);
        };
        try {
          let m = 0;
          for (const p of pieces) {
            if (p.length) expect(writeFd(w, p)).toBe(p.length);
            const mode = modes[m++ % modes.length]!;
            if (mode === "all") continue; // would wait for EOF
            const v = s.tryRead(mode);
            if (v !== WOULD_BLOCK && v !== null && typeof v !== "number") check(mode, v);
          }
          closeFd(w);
          for (;;) {
            const mode = modes[m++ % modes.length]!;
            const v = s.tryRead(mode);
            if (v === WOULD_BLOCK) throw new Error("would block after the writer closed");
            if (v === null) break;
            if (typeof v === "number") throw new Error(`read error ${v}`);
            check(mode, v);
            if (mode === "all") {
              // everything was read: the next read says EOF
              expect(s.tryRead("chunk")).toBeNull();
              break;
            }
          }
          const all = Buffer.concat(pieces);
          expect(Buffer.compare(Buffer.concat(got), all)).toBe(0);
          // decoded piece by piece and joined, the text is the same bytes again
          expect(Buffer.compare(stringToBytes(got.map((g) => bytesToString(g)).join("")), all)).toBe(0);
        } finally {
          s.close();
        }
      },
    ),
    { numRuns: 300 },
  );
});
