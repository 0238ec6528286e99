// Runaway recursion ends in a catchable `RuntimeError: Stack overflow` with its
// location, at a frame limit (BEAGLE_MAX_STACK_DEPTH) instead of eating memory.
import { describe, expect, test } from "bun:test";
import { expectCleanStderr, runSource } from "./harness.ts";

const SMALL = { env: { BEAGLE_MAX_STACK_DEPTH: "5000" } };

describe("stack depth limit", () => {
  test("infinite recursion is a catchable RuntimeError, then an uncaught one with the location", async () => {
    const r = await runSource(
      [
        "fn deep(n) { 1 + deep(n + 1) }",
        "fn main() {",
        "  let m = try { deep(0) } catch (e) { e.message }",
        "  println(m)",
        "  deep(0)",
        "}",
      ].join("\n"),
      SMALL,
    );
    expect(r.code).toBe(1);
    expect(r.stdout.split("\n")[0]).toStartWith("Stack overflow");
    expect(r.stdout).toContain("5000");
    expect(r.stderr).toMatch(/prog\.bg:1:\d+: RuntimeError: Stack overflow/);
    expectCleanStderr(r.stderr);
  });

  test("inside an effect handler and under nested handlers", async () => {
    const r = await runSource(
      [
        "use beagle.effect as effect",
        "enum Ask { Get }",
        "struct H {}",
        "extend H with effect/Handler(Ask) { fn handle(self, op, k) { k(1) } }",
        "fn deep(n) { perform Ask.Get + deep(n + 1) }",
        "fn nested(n) { handle effect/Handler(Ask) with H {} { 1 + nested(n + 1) } }",
        "fn main() {",
        "  println(handle effect/Handler(Ask) with H {} { try { deep(0) } catch (e) { e.message } })",
        "  println(try { nested(0) } catch (e) { e.message })",
        '  println("after")',
        "}",
      ].join("\n"),
      SMALL,
    );
    expect(
      r.stdout
        .split("\n")
        .slice(0, 3)
        .map((l) => l.slice(0, 14)),
    ).toEqual(["Stack overflow", "Stack overflow", "after"]);
    expect(r.code).toBe(0);
  });

  test("resuming a continuation whose frames would pass the limit", async () => {
    const r = await runSource(
      [
        "fn down(n) { if n == 0 { shift(fn(k) { k }) } else { 1 + down(n - 1) } }",
        "fn rec(n, k) { if n == 0 { k(0) } else { 1 + rec(n - 1, k) } }",
        "fn main() {",
        "  let k = reset { down(3000) }",
        "  println(k(1))",
        "  println(try { rec(3000, k) } catch (e) { e.message })",
        "}",
      ].join("\n"),
      SMALL,
    );
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe("3001");
    expect(lines[1]).toStartWith("Stack overflow");
    expect(r.code).toBe(0);
  });

  test("a million frames still work under the default limit", async () => {
    const r = await runSource(
      "fn deep(n) { if n == 0 { 0 } else { 1 + deep(n - 1) } }\nfn main() { println(deep(1000000)) }",
    );
    expect(r.stdout).toBe("1000000\n");
    expect(r.code).toBe(0);
  });

  test("the default limit stops a runaway recursion within 4 GB of address space", async () => {
    const r = await runSource("fn deep(n) { 1 + deep(n + 1) }\nfn main() { deep(0) }", { vmemKb: 4_000_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/prog\.bg:1:\d+: RuntimeError: Stack overflow: more than 3000000 frames/);
    expectCleanStderr(r.stderr);
  });
});
