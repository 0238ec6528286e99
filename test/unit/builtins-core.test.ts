// Atoms (identity CAS, upstream's deref error), assertions and system builtins.
import { expect, test } from "bun:test";
import type { Struct } from "../../vm/values.ts";
import { PersistentVector } from "../../vm/collections/vector.ts";
import { atomType } from "../../vm/core-types.ts";
import { blockingSleep } from "../../vm/builtins/core.ts";
import { B, bindTestCoreTypes, errKind, errMessage } from "./builtins-helpers.ts";

bindTestCoreTypes();

test("atoms", () => {
  const a = B.atom!(1) as Struct;
  expect(a.type).toBe(atomType());
  expect(B.deref!(a)).toBe(1);
  expect(B["reset!"]!(a, 2)).toBe(2);
  const v = PersistentVector.from([1]);
  B["reset!"]!(a, v);
  expect(B["compare-and-swap!"]!(a, PersistentVector.from([1]), 3)).toBe(false);
  expect(B["compare-and-swap!"]!(a, v, 3)).toBe(true);
  expect(B.deref!(a)).toBe(3);
  expect(B["compare-and-swap!"]!(B.atom!(NaN), NaN, 0)).toBe(true);
  expect(errKind(() => B.deref!(5))).toBe("throw");
  expect(errMessage(() => B.deref!(5))).toBe("deref expects an atom but got: 5");
  expect(B["atom-address"]!(a)).toBe(B["atom-address"]!(a));
  expect(B["atom-address"]!(a)).not.toBe(B["atom-address"]!(B.atom!(0)));
});

test("assertions raise AssertError with upstream's messages", () => {
  expect(B["assert!"]!(0)).toBe(null);
  expect(errMessage(() => B["assert!"]!(null))).toBe("assert! failed: expected truthy value, got null");
  expect(errKind(() => B["assert!"]!(false))).toBe("AssertError");
  expect(B["assert-eq!"]!(PersistentVector.from([1]), PersistentVector.from([1]))).toBe(null);
  expect(errMessage(() => B["assert-eq!"]!("a", PersistentVector.from(["b"])))).toBe(
    'assert-eq! failed\n  expected: ["b"]\n       got: a',
  );
  expect(errMessage(() => B["assert-ne!"]!(2, 2))).toBe("assert-ne! failed: both values are 2");
});

test("time and system", () => {
  const t0 = B["time-now"]!() as number;
  blockingSleep(20);
  const t1 = B["time-now"]!() as number;
  expect(Number.isInteger(t0)).toBe(true);
  expect(t1 - t0).toBeGreaterThanOrEqual(15_000_000);
  expect(B["get-cpu-count"]!()).toBeGreaterThan(0);
  expect(["linux", "macos", "windows", "freebsd"]).toContain(B["get-os"]!());
  expect(B["heap-bytes"]!()).toBeGreaterThan(0);
});
