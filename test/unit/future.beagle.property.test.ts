// The future laws through the Beagle API itself: a random sequence of spawn
// (a task awaiting a future), resolve, reject, cancel and yield becomes a Beagle
// program; what it prints (each transition's success, what every waiter saw,
// the final states) must match a TypeScript model of the laws.
import { test, expect } from "bun:test";
import fc from "fast-check";
import { createRuntime, runMainFiber } from "../../vm/run.ts";
import { Closure } from "../../vm/objects.ts";

type Cmd =
  | { k: "wait"; f: number }
  | { k: "resolve"; f: number; v: number }
  | { k: "reject"; f: number; e: number }
  | { k: "cancel"; f: number }
  | { k: "yield" };

const NF = 3;
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.nat(NF - 1).map((f): Cmd => ({ k: "wait", f })),
  fc.tuple(fc.nat(NF - 1), fc.nat(99)).map(([f, v]): Cmd => ({ k: "resolve", f, v })),
  fc.tuple(fc.nat(NF - 1), fc.nat(99)).map(([f, e]): Cmd => ({ k: "reject", f, e })),
  fc.nat(NF - 1).map((f): Cmd => ({ k: "cancel", f })),
  fc.constant<Cmd>({ k: "yield" }),
);

function program(initial: boolean[], cmds: Cmd[]): string {
  const lines = ["use beagle.async as async", "fn main() {", "  let log = atom({})"];
  initial.forEach((pending, i) => {
    lines.push(`  let f${i} = async/make-future(async/FutureState.${pending ? "Pending" : "Running"} {})`);
  });
  let w = 0;
  for (const c of cmds) {
    switch (c.k) {
      case "wait":
        lines.push(`  async/spawn(fn() {
    let r = try { ["ok", async/await(f${c.f})] } catch (e) { ["err", to-string(e)] }
    swap!(log, fn(m) { assoc(m, ${w}, r) })
  })`);
        w++;
        break;
      case "resolve":
        lines.push(`  println(async/resolve-future!(f${c.f}, ${c.v}))`);
        break;
      case "reject":
        lines.push(`  println(async/reject-future!(f${c.f}, "e${c.e}"))`);
        break;
      case "cancel":
        lines.push(`  println(async/cancel(f${c.f}))`);
        break;
      case "yield":
        lines.push("  async/sleep(0)");
    }
  }
  lines.push("  async/sleep(1)");
  for (let i = 0; i < w; i++) lines.push(`  println("w${i}", get(deref(log), ${i}))`);
  for (let i = 0; i < NF; i++) lines.push(`  println(async/future-state(f${i}))`);
  lines.push("}");
  return lines.join("\n");
}

function model(initial: boolean[], cmds: Cmd[]): string {
  const out: string[] = [];
  const st = initial.map((p) => ({ s: p ? "Pending" : "Running", v: "" }));
  const waiters: number[] = [];
  const settle = (f: number, s: string, v: string) => {
    const x = st[f]!;
    if (x.s !== "Pending" && x.s !== "Running") return out.push("false");
    x.s = s;
    x.v = v;
    out.push("true");
  };
  for (const c of cmds) {
    if (c.k === "wait") waiters.push(c.f);
    else if (c.k === "resolve") settle(c.f, "Resolved", String(c.v));
    else if (c.k === "reject") settle(c.f, "Rejected", `"e${c.e}"`);
    else if (c.k === "cancel") settle(c.f, "Cancelled", "");
  }
  waiters.forEach((f, i) => {
    const x = st[f]!;
    const seen =
      x.s === "Resolved"
        ? `["ok", ${x.v}]`
        : x.s === "Rejected"
          ? `["err", ${x.v}]`
          : x.s === "Cancelled"
            ? `["err", "Error.Cancelled"]`
            : "null";
    out.push(`w${i} ${seen}`);
  });
  for (const x of st) {
    out.push(
      x.s === "Resolved"
        ? `FutureState.Resolved { value: ${x.v} }`
        : x.s === "Rejected"
          ? `FutureState.Rejected { error: ${x.v} }`
          : `FutureState.${x.s}`,
    );
  }
  return out.join("\n") + "\n";
}

test("spawned waiters, resolve, reject and cancel obey the future laws", () => {
  fc.assert(
    fc.property(
      fc.array(fc.boolean(), { minLength: NF, maxLength: NF }),
      fc.array(cmd, { maxLength: 14 }),
      (initial, cmds) => {
        const rt = createRuntime();
        let out = "";
        rt.vm.write = (s: string) => {
          out += s;
        };
        const mod = rt.loader.compile(program(initial, cmds), "laws.bg");
        runMainFiber(rt.vm, new Closure(mod.init, []), null);
        const main = runMainFiber(rt.vm, mod.ns.vars.get("main")!.value, null);
        expect(main.error).toBeUndefined();
        expect(out).toBe(model(initial, cmds));
      },
    ),
    { numRuns: 60 },
  );
}, 60_000);
