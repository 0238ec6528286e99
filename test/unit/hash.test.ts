// Hashing: SipHash core against published and Rust-computed vectors, the
// per-type Beagle feeding (reference §4), caching, and consistency with
// map-key equality.
//
// The RUST_* tables were produced by a Rust program using only std:
//   Int n:      (((n << 3) as u64) as usize).hash(&mut DefaultHasher::new())
//   String s:   s.hash(..)            (UTF-8 bytes + 0xFF; we then mask to 61 bits)
//   Keyword k:  k.as_bytes().hash(..) (usize length prefix + bytes)
//   Float x:    (x.to_bits() as usize).hash(..)
//   raw word w: w.hash(..)
//   bytes:      DefaultHasher::write(&[0, 1, ..]) ; SIP24: SipHasher::new_with_keys(k0, k1)
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { hash64, hashValue, lastHashHi, siphash } from "../../vm/hash.ts";
import { equal, equalKeys } from "../../vm/equal.ts";
import { PersistentVector } from "../../vm/collections/vector.ts";
import { PersistentMap } from "../../vm/collections/map.ts";
import { PersistentSet } from "../../vm/collections/set.ts";
import {
  BFloat,
  EnumType,
  Keyword,
  Struct,
  StructType,
  TypeDescriptor,
  kw,
  mkFloat,
  normInt,
} from "../../vm/values.ts";
import type { Value } from "../../vm/values.ts";

// Generated once with a small Rust program (std DefaultHasher = SipHash-1-3,
// keys 0; deprecated std SipHasher = SipHash-2-4) — see the comment above.
const RUST_INT_HASHES: [string, string][] = [
  ["0", "13646096770106105413"],
  ["1", "2404222719611925354"],
  ["2", "7000022209644146403"],
  ["3", "734991270787736827"],
  ["4", "7370180348639650351"],
  ["5", "13537165373980795457"],
  ["6", "11266387855511437693"],
  ["7", "3198904588321530108"],
  ["8", "9573183374517388194"],
  ["9", "6569230515699692699"],
  ["10", "5625702265340316943"],
  ["-1", "17639814230452341781"],
  ["-2", "1130256924706685635"],
  ["42", "1969670610881234889"],
  ["100", "7977419944699061624"],
  ["1000", "13798879489689228785"],
  ["123456789", "2463367128616043292"],
  ["-987654321", "7421147792891022645"],
  ["9007199254740991", "15704535936803699932"],
  ["-9007199254740991", "2928439206481872346"],
  ["1152921504606846975", "8388020577854770207"],
  ["-1152921504606846976", "17224059632725561478"],
  ["4294967295", "10845011336518014705"],
  ["4294967296", "6696592925062478544"],
  ["536870911", "11950085181048742809"],
  ["536870912", "6961116553929376407"],
];
const RUST_STR_HASHES: [string, string][] = [
  ["", "3476900567878811119"],
  ["a", "8186225505942432243"],
  ["b", "16993177596579750922"],
  ["c", "3102445089172487244"],
  ["d", "7393736521911212725"],
  ["e", "16528679900032520146"],
  ["x", "8312289520117458465"],
  ["y", "4497542318236667727"],
  ["z", "6922738411592503159"],
  ["name", "3546873949167855552"],
  ["age", "11942856677619760021"],
  ["city", "1638844185492824154"],
  ["banana", "16058305234523072579"],
  ["apple", "2678277905398556038"],
  ["apricot", "12878126417170440471"],
  ["hello world", "8170069951894177743"],
  ["héllo", "16660529101961148543"],
  ["😊hello", "10060170687865163004"],
  ["abcdefgh", "6689927370435554326"],
  ["abcdefghi", "14477883060808780077"],
  ["0123456789abcdef0123", "13208162457561716783"],
  ["日本語テキスト", "8363104154391890384"],
];
const RUST_KW_HASHES: [string, string][] = [
  ["a", "13743199064115861684"],
  ["b", "1092363072421750034"],
  ["c", "11023770278228703542"],
  ["d", "6471352220720773138"],
  ["name", "15289763796252084942"],
  ["age", "5535562300180146916"],
  ["city", "11738527547876114555"],
  ["x", "5936343850223842476"],
  ["y", "16568643381607800858"],
  ["z", "3268681360174571390"],
  ["increment", "9929126518464061250"],
  ["decrement", "1040856663637509342"],
  ["k", "18366894867707486448"],
  ["foo", "8088165896119295332"],
  ["a-very-long-keyword-name", "2748992096195282309"],
  ["ключ", "11170173189932204163"],
];
const RUST_FLOAT_HASHES: [string, string][] = [
  ["0e0", "13646096770106105413"],
  ["-0e0", "17224059632725561478"],
  ["1e0", "13833534234735907638"],
  ["2e0", "12773237290464453619"],
  ["5e-1", "1110065286035210778"],
  ["3.14e0", "7947364507610238280"],
  ["-2.5e0", "8964436835984157451"],
  ["1e300", "7376366577797015924"],
  ["inf", "6360562757625781810"],
  ["-inf", "2763489861605345769"],
];
const RUST_RAW_HASHES: [string, string][] = [
  ["11", "1548601315919054830"],
  ["3", "18270091135093349626"],
  ["7", "7364705619221056123"],
];
/** SipHash-1-3, keys 0, of bytes 0, 1, ..., len-1 for len = 0..64 */
const SIP13_BYTES: string[] = [
  "15130871412783076140",
  "7541581120933061747",
  "75343234424780393",
  "5569996484167262381",
  "8990380680374275517",
  "6538700447601091189",
  "16411785027166084315",
  "3389392686435873370",
  "16921169381604339434",
  "8471974163824919394",
  "12654965034304477725",
  "18331003481413385471",
  "12014184315100324290",
  "11587535417075797517",
  "9189037121149337191",
  "17514137373579004394",
  "9904005486622393783",
  "5225236159122152477",
  "12520781802769745533",
  "657325654227320089",
  "7178233520606413056",
  "12789078542145106489",
  "17919454608329460990",
  "3977570258815460607",
  "3537676771234361146",
  "17002024175359114799",
  "17093129966618704050",
  "2617956415000713695",
  "10148157970078042823",
  "13733985653698989701",
  "15287402203675128006",
  "1627832755361535131",
  "3598235784765792923",
  "9202856407763044854",
  "10553938654055027593",
  "4339566747243068355",
  "12427562362022931411",
  "4767789530095809126",
  "14303624326612012511",
  "7815635221972701803",
  "10789553897545236998",
  "10415201511261042281",
  "18207838220946624692",
  "17764808937036073540",
  "15589038657094275581",
  "10040798976277885943",
  "9496695042671623380",
  "9549311219474782733",
  "18311394491808883583",
  "2580226153599493808",
  "4712602803585117193",
  "17391037927609284754",
  "16057047341037159258",
  "17874134160739395262",
  "1723971484596559640",
  "5917965492351738128",
  "11885227340423086102",
  "16506356406159354230",
  "9591275731208426070",
  "1324148796740745644",
  "15661955128340704241",
  "14830153749242959365",
  "11945525818775662948",
  "4061470857350050649",
  "8493894268803903686",
];
/** Published SipHash-2-4 vectors (key 00..0f, message 00..len-1), as u64 hex */
const SIP24_VECTORS: string[] = [
  "726fdb47dd0e0e31",
  "74f839c593dc67fd",
  "0d6c8009d9a94f5a",
  "85676696d7fb7e2d",
  "cf2794e0277187b7",
  "18765564cd99a68d",
  "cbc9466e58fee3ce",
  "ab0200f58b01d137",
  "93f5f5799a932462",
  "9e0082df0ba9e4b0",
  "7a5dbbc594ddb9f3",
  "f4b32f46226bada7",
  "751e8fbc860ee5fb",
  "14ea5627c0843d90",
  "f723ca908e7af2ee",
  "a129ca6149be45e5",
  "3f2acc7f57c29bdb",
  "699ae9f52cbe4794",
  "4bc1b3f0968dd39c",
  "bb6dc91da77961bd",
  "bed65cf21aa2ee98",
  "d0f2cbb02e3b67c7",
  "93536795e3a33e88",
  "a80c038ccd5ccec8",
  "b8ad50c6f649af94",
  "bce192de8a85b8ea",
  "17d835b85bbb15f3",
  "2f2e6163076bcfad",
  "de4daaaca71dc9a5",
  "a6a2506687956571",
  "ad87a3535c49ef28",
  "32d892fad841c342",
  "7127512f72f27cce",
  "a7f32346f95978e3",
  "12e0b01abb051238",
  "15e034d40fa197ae",
  "314dffbe0815a3b4",
  "027990f029623981",
  "cadcd4e59ef40c4d",
  "9abfd8766a33735c",
  "0e3ea96b5304a7d0",
  "ad0c42d6fc585992",
  "187306c89bc215a9",
  "d4a60abcf3792b95",
  "f935451de4f21df2",
  "a9538f0419755787",
  "db9acddff56ca510",
  "d06c98cd5c0975eb",
  "e612a3cb9ecba951",
  "c766e62cfcadaf96",
  "ee64435a9752fe72",
  "a192d576b245165a",
  "0a8787bf8ecb74b2",
  "81b3e73d20b49b6f",
  "7fa8220ba3b2ecea",
  "245731c13ca42499",
  "b78dbfaf3a8d83bd",
  "ea1ad565322a1a0b",
  "60e61c23a3795013",
  "6606d7e446282b93",
  "6ca4ecb15c5f91e1",
  "9f626da15c9625f3",
  "e51b38608ef25f57",
  "958a324ceb064572",
];

const M61 = (1n << 61n) - 1n;
const bytesUpTo = (len: number) => new Uint8Array(len).map((_, i) => i);
const intValue = (s: string): Value => normInt(BigInt(s));

describe("SipHash core", () => {
  test("SipHash-2-4 published vectors (key 00..0f)", () => {
    const key = bytesUpTo(16);
    expect(SIP24_VECTORS.length).toBe(64);
    SIP24_VECTORS.forEach((hex, len) => {
      expect(siphash(bytesUpTo(len), 2, 4, key)).toBe(BigInt("0x" + hex));
    });
  });

  test("SipHash-1-3 with zero keys = Rust DefaultHasher (all tail lengths, multi-block)", () => {
    SIP13_BYTES.forEach((h, len) => {
      expect(siphash(bytesUpTo(len))).toBe(BigInt(h));
    });
  });

  test("first SipHash-2-4 vector spelled out", () => {
    expect(siphash(new Uint8Array(0), 2, 4, bytesUpTo(16))).toBe(0x726fdb47dd0e0e31n);
  });
});

describe("Beagle hash of each kind = upstream", () => {
  test("Int: tagged word n << 3 (small, negative, 2^53 boundary, 61-bit extremes as bigint)", () => {
    for (const [n, h] of RUST_INT_HASHES) expect(hash64(intValue(n))).toBe(BigInt(h));
  });

  test("String: UTF-8 + 0xFF, masked to 61 bits", () => {
    for (const [s, h] of RUST_STR_HASHES) {
      let e = BigInt(h) & M61;
      if (e === 0n) e = 1n;
      expect(hash64(s)).toBe(e);
    }
  });

  test("Keyword: length-prefixed bytes, unmasked; cached on the keyword", () => {
    for (const [s, h] of RUST_KW_HASHES) {
      expect(hash64(kw(s))).toBe(BigInt(h));
      expect(hash64(kw(s))).toBe(BigInt(h)); // second time from the cache
    }
  });

  test("Float: IEEE bits, boxed or not", () => {
    for (const [f, h] of RUST_FLOAT_HASHES) {
      const x = Number(f.replace("inf", "Infinity"));
      expect(hash64(mkFloat(x))).toBe(BigInt(h));
    }
    // a raw non-integral number and a BFloat of an integral value
    expect(hash64(0.5)).toBe(hash64(new BFloat(0.5)));
  });

  test("true / false / null: raw tagged words 11 / 3 / 7", () => {
    const byWord: Record<string, Value> = { "11": true, "3": false, "7": null };
    for (const [w, h] of RUST_RAW_HASHES) expect(hash64(byWord[w])).toBe(BigInt(h));
  });

  test("hashValue returns the low half, lastHashHi the high half", () => {
    const full = hash64(kw("name"));
    const lo = hashValue(kw("name"));
    const hi = lastHashHi();
    expect(BigInt(lo >>> 0) | (BigInt(hi >>> 0) << 32n)).toBe(full);
    expect(lo | 0).toBe(lo);
    expect(hi | 0).toBe(hi);
  });

  test("Int 2 and Float 2.0 hash differently; 0.0 and -0.0 too", () => {
    expect(hash64(2)).not.toBe(hash64(mkFloat(2)));
    expect(hash64(mkFloat(0))).not.toBe(hash64(mkFloat(-0)));
    expect(hash64(-0)).toBe(hash64(mkFloat(-0))); // a raw -0 is a Float
  });

  test("every string length 0..70 (ASCII path) and with a non-ASCII tail (buffer path)", () => {
    const ref = (s: string) => {
      const enc = new TextEncoder().encode(s);
      const b = new Uint8Array(enc.length + 1);
      b.set(enc);
      b[enc.length] = 0xff;
      const h = siphash(b) & M61;
      return h === 0n ? 1n : h;
    };
    for (let n = 0; n <= 70; n++) {
      const s = Array.from({ length: n }, (_, i) => String.fromCharCode(33 + ((i * 7) % 90))).join("");
      expect(hash64(s)).toBe(ref(s));
      expect(hash64(s + "é")).toBe(ref(s + "é"));
      expect(hash64("😊" + s)).toBe(ref("😊" + s));
    }
  });

  test("Int hashes: memoised range, int32, beyond int32, both signs", () => {
    const ref = (b: bigint) => {
      const m = BigInt.asUintN(64, b << 3n);
      return siphash(new Uint8Array(8).map((_, i) => Number((m >> BigInt(8 * i)) & 0xffn)));
    };
    for (const n of [0, 1, 65535, 65536, -1, -65536, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 40 + 3, -(2 ** 52)]) {
      expect(hash64(n)).toBe(ref(BigInt(n)));
      expect(hash64(n)).toBe(ref(BigInt(n))); // memoised second read
    }
  });

  test("long and non-ASCII strings", () => {
    const long = "x".repeat(5000) + "é" + "😊".repeat(100);
    expect(hash64(long)).toBe(hash64(long.slice(0)));
    expect(hash64(long)).not.toBe(hash64(long + "!"));
  });
});

describe("composite hashes", () => {
  const Point = new StructType("t", "Point", ["x", "y"]);
  test("structs hash by type and fields", () => {
    const a = new Struct(Point, [1, "a"]);
    const b = new Struct(Point, [1, "a"]);
    const c = new Struct(Point, [2, "a"]);
    expect(hash64(a)).toBe(hash64(b));
    expect(hash64(a)).not.toBe(hash64(c));
    const Other = new StructType("t", "Other", ["x", "y"]);
    expect(hash64(new Struct(Other, [1, "a"]))).not.toBe(hash64(a));
  });

  test("type descriptors and struct types", () => {
    expect(hash64(new TypeDescriptor("Int"))).toBe(hash64(new TypeDescriptor("Int")));
    expect(hash64(new TypeDescriptor("Int"))).not.toBe(hash64(new TypeDescriptor("Float")));
    const e = new EnumType("t", "E");
    expect(hash64(e)).toBe(hash64(e));
    expect(hash64(Point)).not.toBe(hash64(e));
  });

  test("maps and sets built in different orders hash equally", () => {
    const entries: [Value, Value][] = [];
    for (let i = 0; i < 200; i++) entries.push([i % 3 === 0 ? `k${i}` : i, [i, kw("v")]]);
    const fwd = PersistentMap.from(entries.map(([k, v]) => [k, PersistentVector.from(v)]));
    let rev = PersistentMap.EMPTY;
    for (let i = entries.length - 1; i >= 0; i--)
      rev = rev.assoc(entries[i]![0], PersistentVector.from(entries[i]![1]));
    expect(equal(fwd, rev)).toBe(true);
    expect(hash64(fwd)).toBe(hash64(rev));
    const s1 = PersistentSet.from(entries.map(([k]) => k));
    const s2 = PersistentSet.from(entries.map(([k]) => k).reverse());
    expect(hash64(s1)).toBe(hash64(s2));
    expect(s1.remove(1).count).toBe(s1.count - 1);
    expect(hash64(s1)).not.toBe(hash64(s1.remove(1)));
  });

  test("vectors hash by elements in order; caching does not go stale", () => {
    const v = PersistentVector.from([1, 2, 3]);
    const h = hash64(v);
    expect(hash64(PersistentVector.from([1, 2, 3]))).toBe(h);
    expect(hash64(v.push(4))).not.toBe(h);
    expect(hash64(v.push(4).pop())).toBe(h);
    expect(hash64(PersistentVector.from([3, 2, 1]))).not.toBe(h);
  });

  test("other objects hash by identity; beagleHash overrides", () => {
    const f = () => 1;
    expect(hash64(f)).toBe(hash64(f));
    expect(hash64({})).not.toBe(hash64({}));
    const custom = { beagleHash: () => 0x1234_5678_9abc_def0n, beagleEquals: () => true };
    expect(hash64(custom)).toBe(0x1234_5678_9abc_def0n);
  });
});

// ---------------------------------------------------------------- properties

const Pair = new StructType("p", "Pair", ["a", "b"]);
const scalar: fc.Arbitrary<Value> = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ noDefaultInfinity: false }).map((x) => mkFloat(x)),
  fc.bigInt({ min: -(1n << 60n), max: (1n << 60n) - 1n }).map((b) => normInt(b)),
  fc.string({ maxLength: 6 }),
  fc.constantFrom("a", "b", "é", "😊"),
  fc.constantFrom("a", "b", "name", "age").map((s) => kw(s)),
  fc.constantFrom(true, false, null),
);
const { value: anyValue } = fc.letrec<{ value: Value }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    fc.array(tie("value"), { maxLength: 4 }).map((xs) => PersistentVector.from(xs)),
    fc.array(fc.tuple(scalar, tie("value")), { maxLength: 4 }).map((es) => PersistentMap.from(es)),
    fc.array(scalar, { maxLength: 4 }).map((xs) => PersistentSet.from(xs)),
    fc.tuple(tie("value"), tie("value")).map(([a, b]) => new Struct(Pair, [a, b])),
  ),
}));

/** Rebuild a value structurally (fresh objects, maps/sets re-inserted in reverse). */
function rebuild(v: Value): Value {
  if (v instanceof PersistentVector) return PersistentVector.from(v.toArray().map(rebuild));
  if (v instanceof PersistentMap)
    return PersistentMap.from([...v.entries()].reverse().map(([k, x]) => [rebuild(k), rebuild(x)]));
  if (v instanceof PersistentSet) return PersistentSet.from([...v].reverse().map(rebuild));
  if (v instanceof Struct) return new Struct(v.type, v.f.map(rebuild));
  if (v instanceof BFloat) return new BFloat(v.v);
  if (typeof v === "string") return (" " + v).slice(1);
  return v;
}

describe("properties", () => {
  test("a structural copy is equal, key-equal, and hashes the same", () => {
    fc.assert(
      fc.property(anyValue, (v) => {
        const w = rebuild(v);
        expect(equalKeys(v, w)).toBe(true);
        expect(hash64(v)).toBe(hash64(w));
        // `==` agrees except for NaN inside (NaN != NaN)
        const hasNaN = /NaN/.test(String(Bun.inspect(v)));
        if (!hasNaN) expect(equal(v, w)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  test("equalKeys(a, b) implies equal hashes", () => {
    fc.assert(
      fc.property(anyValue, anyValue, (a, b) => {
        if (equalKeys(a, b)) expect(hash64(a)).toBe(hash64(b));
      }),
      { numRuns: 400 },
    );
  });

  test("Int hashing: number path equals the bigint path", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(1n << 53n) + 1n, max: (1n << 53n) - 1n }), (b) => {
        const m = BigInt.asUintN(64, b << 3n);
        const bytes = new Uint8Array(8);
        for (let i = 0; i < 8; i++) bytes[i] = Number((m >> BigInt(8 * i)) & 0xffn);
        expect(hash64(Number(b))).toBe(siphash(bytes));
      }),
      { numRuns: 300 },
    );
  });

  test("String hashing equals SipHash over TextEncoder bytes + 0xFF", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 40 }), (s) => {
        const enc = new TextEncoder().encode(s);
        const bytes = new Uint8Array(enc.length + 1);
        bytes.set(enc);
        bytes[enc.length] = 0xff;
        let h = siphash(bytes) & M61;
        if (h === 0n) h = 1n;
        expect(hash64(s)).toBe(h);
      }),
      { numRuns: 300 },
    );
  });
});

void Keyword;
