// The future laws, checked against a model over random operation sequences:
// Pending/Running settle at most once, terminal states never change, and
// every waiter is told exactly once, with the final outcome.
import { test, expect } from "bun:test";
import fc from "fast-check";
import { FutureCore, type Outcome } from "../../vm/async/future.ts";

type Cmd = { k: "start" } | { k: "resolve"; v: number } | { k: "reject"; e: string } | { k: "cancel" } | { k: "await" };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.constant<Cmd>({ k: "start" }),
  fc.integer().map((v): Cmd => ({ k: "resolve", v })),
  fc.string().map((e): Cmd => ({ k: "reject", e })),
  fc.constant<Cmd>({ k: "cancel" }),
  fc.constant<Cmd>({ k: "await" }),
);

interface Model {
  status: string;
  value: unknown;
}

function modelStep(m: Model, c: Cmd): boolean {
  const terminal = m.status === "Resolved" || m.status === "Rejected" || m.status === "Cancelled";
  switch (c.k) {
    case "start":
      if (m.status !== "Pending") return false;
      m.status = "Running";
      return true;
    case "resolve":
      if (terminal) return false;
      Object.assign(m, { status: "Resolved", value: c.v });
      return true;
    case "reject":
      if (terminal) return false;
      Object.assign(m, { status: "Rejected", value: c.e });
      return true;
    case "cancel":
      if (terminal) return false;
      Object.assign(m, { status: "Cancelled", value: null });
      return true;
    case "await":
      return false;
  }
}

test("future transitions follow the model and waiters wake exactly once", () => {
  fc.assert(
    fc.property(
      fc.constantFrom<"Pending" | "Running">("Pending", "Running"),
      fc.array(cmd, { maxLength: 40 }),
      (initial, cmds) => {
        const f = new FutureCore(initial);
        const m: Model = { status: initial, value: null };
        const notified: Outcome[][] = [];
        let cancelHooks = 0;
        f.onCancel = () => cancelHooks++;
        for (const c of cmds) {
          let changed: boolean;
          switch (c.k) {
            case "start":
              changed = f.start();
              break;
            case "resolve":
              changed = f.resolve(c.v);
              break;
            case "reject":
              changed = f.reject(c.e);
              break;
            case "cancel":
              changed = f.cancel();
              break;
            case "await": {
              const got: Outcome[] = [];
              notified.push(got);
              f.onSettle((o) => got.push(o));
              changed = false;
            }
          }
          expect(changed).toBe(modelStep(m, c));
          expect(f.status).toBe(m.status as FutureCore["status"]);
        }
        // every waiter: exactly once if settled, never if not; all see the final outcome
        for (const got of notified) {
          if (f.settled) {
            expect(got.length).toBe(1);
            expect(got[0]).toEqual(f.outcome()!);
          } else expect(got.length).toBe(0);
        }
        expect(cancelHooks).toBe(f.status === "Cancelled" ? 1 : 0);
      },
    ),
    { numRuns: 2000 },
  );
});

test("a late result after cancellation is discarded", () => {
  const f = new FutureCore("Running");
  expect(f.cancel()).toBe(true);
  expect(f.resolve(42)).toBe(false);
  expect(f.status).toBe("Cancelled");
  expect(f.value).toBe(null);
});
