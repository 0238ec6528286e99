// Hostile programs end with a Beagle error report — `file:line:col: Kind: message`,
// the source line and a caret — and exit status 1; no JavaScript stack frame
// appears unless BEAGLE_DEBUG=1 asks for one. Stdout printed before the fault is
// complete.
import { describe, expect, test } from "bun:test";
import { expectCleanStderr, runSource } from "./harness.ts";

interface Case {
  name: string;
  source: string;
  /** expected start of the report's first line, after "prog.bg:" */
  report: RegExp;
  env?: Record<string, string>;
  /** the report may point into the prelude; then the user's line must be in its stack */
  inPrelude?: boolean;
}

const CASES: Case[] = [
  {
    name: "infinite recursion",
    source: 'fn deep(n) { 1 + deep(n + 1) }\nfn main() {\n  println("before")\n  deep(0)\n}\n',
    report: /^1:\d+: RuntimeError: Stack overflow/,
    env: { BEAGLE_MAX_STACK_DEPTH: "20000" },
  },
  {
    name: "20,000 chained additions",
    source: `fn main() {\n  println("before")\n  println(${Array(20000).fill("1").join(" + ")})\n}\n`,
    report: /^3:\d+: expression is too deep/,
  },
  {
    name: "a builtin called with too few arguments",
    source: 'fn main() {\n  println("before")\n  println(deref(atom()))\n}\n',
    report: /^3:\d+: ArityError: Arity mismatch for 'atom'/,
  },
  {
    name: "to-int of infinity",
    source: 'fn main() {\n  println("before")\n  println(to-int(1.0 / 0.0))\n}\n',
    report: /^3:\d+: ArgumentError: to-int/,
  },
  {
    name: "a match no arm accepts, as a call argument",
    source: 'fn main() {\n  println("before")\n  println(match 7 { 1 => "one" })\n}\n',
    report: /^3:\d+: RuntimeError: No matching arm in match for value: 7/,
  },
  {
    name: "division by zero names the faulting line",
    source: 'fn f(a, b) {\n  let c = a + 1\n  c / b\n}\nfn main() {\n  println("before")\n  f(1, 0)\n}\n',
    report: /^3:\d+: RuntimeError: Division by zero/,
  },
  {
    name: "a repeat too large to allocate",
    source: 'fn main() {\n  println("before")\n  println(count(repeat(0, 1 << 40)))\n}\n',
    report: /AllocationError: repeat: /,
    inPrelude: true,
  },
  {
    name: "a line of 40,000 brackets",
    source: `fn main() {\n  println("before")\n  println(${"[".repeat(20000)}${"]".repeat(20000)})\n}\n`,
    report: /^3:\d+: expression is nested too deeply/,
  },
];

describe("hostile programs", () => {
  for (const c of CASES) {
    test(c.name, async () => {
      const r = await runSource(c.source, { env: c.env });
      expect(r.code).toBe(1);
      expectCleanStderr(r.stderr);
      const first = r.stderr.split("\n")[0]!;
      if (c.inPrelude) {
        expect(first).toMatch(c.report);
        expect(r.stderr).toContain("prog.bg:3)");
      } else {
        expect(first).toContain("prog.bg:");
        expect(first.slice(first.indexOf("prog.bg:") + 8)).toMatch(c.report);
      }
      // the report is the source line and a caret, both of a sane length
      const lines = r.stderr.split("\n");
      expect(lines[2]).toMatch(/^\s*\^$/);
      expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(400);
      // a compile error stops before anything runs; a runtime error after the first line
      if (!/too deep|nested/.test(c.report.source)) expect(r.stdout.split("\n")[0]).toBe("before");
    });
  }
});
