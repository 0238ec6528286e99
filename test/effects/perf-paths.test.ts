// The cheap paths of effects and tasks (docs/async.md, "Cost of effects and tasks"):
// a handler that can only resume in tail position runs on top of the performing frames
// with no continuation captured, and everything at the edges of that path (non-tail,
// stored and multi-shot resumes, handlers that do not resume, perform / throw / binding
// lookups inside the handler, cancellation of a parked task) gives the same result with
// the path switched off (BEAGLE_TAIL_PERFORM=0, setTailPerform) as with it on.
import { afterAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { TimerHeap } from "../../vm/async/timers.ts";
import { createRuntime, runTask } from "../../vm/run.ts";
import { effectStats, setTailPerform, tailOnly } from "../../vm/interp.ts";
import { setJitThreshold } from "../../vm/jit/compile.ts";
import { Closure } from "../../vm/objects.ts";
import { formatValue } from "../../vm/print.ts";

const rt = createRuntime();
afterAll(async () => {
  setTailPerform(true);
  await rt.async.backend.close();
});

const src = `
use beagle.effect as effect
use beagle.async as async

enum Ask { Get {}, Put { v } }
enum Log { Say { msg } }

// tail resumes, both spellings
struct Counter { mut n }
extend Counter with effect/Handler(Ask) {
  fn handle(self, op, resume) {
    match op {
      Ask.Get {} => resume(self.n),
      Ask.Put { v } => {
        self.n = v
        effect/resume-tail(resume, null)
      }
    }
  }
}
fn count-to(n) {
  let mut i = 0
  while i < n {
    perform Ask.Put { v: (perform Ask.Get {}) + 1 }
    i = i + 1
  }
  perform Ask.Get {}
}
fn tail-resumes(n) { handle effect/Handler(Ask) with Counter { n: 0 } { count-to(n) } }

// resume, then use its result: not a tail resume
struct NonTail {}
extend NonTail with effect/Handler(Ask) {
  fn handle(self, op, resume) {
    let r = resume(1)
    r + 100
  }
}
fn non-tail() { handle effect/Handler(Ask) with NonTail {} { (perform Ask.Get {}) + (perform Ask.Get {}) } }

// the continuation stored and resumed after the handle expression has returned
struct Store { saved }
extend Store with effect/Handler(Ask) {
  fn handle(self, op, resume) {
    reset!(self.saved, resume)
    "suspended"
  }
}
fn stored() {
  let a = atom(null)
  let first = handle effect/Handler(Ask) with Store { saved: a } { (perform Ask.Get {}) + 10 }
  let k = deref(a)
  [first, k(1), k(2)]
}

// resumed twice
struct Both {}
extend Both with effect/Handler(Ask) {
  fn handle(self, op, resume) { [resume(1), resume(2)] }
}
fn multi() { handle effect/Handler(Ask) with Both {} { (perform Ask.Get {}) * 10 } }

// never resumed: the handle expression's value is the handler's; the rest of the body never runs
struct Abort {}
extend Abort with effect/Handler(Ask) {
  fn handle(self, op, resume) { "aborted" }
}
fn abort() {
  let log = atom([])
  let r = handle effect/Handler(Ask) with Abort {} {
    swap!(log, fn(l) { push(l, 1) })
    let x = perform Ask.Get {}
    swap!(log, fn(l) { push(l, 2) })
    x
  }
  [r, deref(log)]
}

// resumes on one path, returns early on another
struct Maybe {}
extend Maybe with effect/Handler(Ask) {
  fn handle(self, op, resume) {
    match op {
      Ask.Put { v } => {
        if v < 0 { return("negative") }
        resume(v * 2)
      },
      _ => resume(0)
    }
  }
}
fn maybe(v) { handle effect/Handler(Ask) with Maybe {} { [perform Ask.Put { v: v }, :after] } }

// deep handlers: a perform in a handler goes to the next handler out, not to itself
struct Outer {}
extend Outer with effect/Handler(Ask) {
  fn handle(self, op, resume) { resume(100) }
}
struct Inner {}
extend Inner with effect/Handler(Ask) {
  fn handle(self, op, resume) { resume((perform Ask.Get {}) + 1) }
}
fn deep() {
  handle effect/Handler(Ask) with Outer {} {
    handle effect/Handler(Ask) with Inner {} { (perform Ask.Get {}) * 2 }
  }
}

// ...and not to a handler the performing code installed inside the handle
struct Tagged { tag }
extend Tagged with effect/Handler(Log) {
  fn handle(self, op, resume) { resume(self.tag ++ ":" ++ op.msg) }
}
struct AskLogs {}
extend AskLogs with effect/Handler(Ask) {
  fn handle(self, op, resume) { resume(perform Log.Say { msg: "ask" }) }
}
fn perform-in-handler() {
  handle effect/Handler(Log) with Tagged { tag: "outer" } {
    handle effect/Handler(Ask) with AskLogs {} {
      handle effect/Handler(Log) with Tagged { tag: "inner" } { perform Ask.Get {} }
    }
  }
}

// an error thrown by a handler is not caught inside the body
struct Thrower {}
extend Thrower with effect/Handler(Ask) {
  fn handle(self, op, resume) {
    match op {
      Ask.Get {} => throw("from handler"),
      _ => resume(1)
    }
  }
}
fn handler-throws() {
  try {
    handle effect/Handler(Ask) with Thrower {} {
      try { perform Ask.Get {} } catch (e) { "caught in body: " ++ e }
    }
  } catch (e) {
    "caught outside: " ++ e
  }
}
// a runtime error in a handler, caught around the handle, and resumable from there
struct Divides {}
extend Divides with effect/Handler(Ask) {
  fn handle(self, op, resume) { resume(10 / op.v) }
}
fn handler-fails() {
  let plain = try {
    handle effect/Handler(Ask) with Divides {} { try { perform Ask.Put { v: 0 } } catch (e) { "in body" } }
  } catch (e) {
    "outside"
  }
  let resumed = try {
    handle effect/Handler(Ask) with Divides {} { (perform Ask.Put { v: 0 }) + 1 }
  } catch (e, k) {
    k(7)
  }
  [plain, resumed]
}
// an error in the body after a tail resume
fn body-throws() {
  try {
    handle effect/Handler(Ask) with Counter { n: 5 } {
      let x = perform Ask.Get {}
      throw(x)
    }
  } catch (e) {
    [:caught, e]
  }
}

// a handler sees the dynamic bindings of the handle expression, not the body's
let dynamic level = "top"
struct Level {}
extend Level with effect/Handler(Ask) {
  fn handle(self, op, resume) { resume(level) }
}
fn bindings() {
  binding (level = "around") {
    handle effect/Handler(Ask) with Level {} {
      binding (level = "body") { [perform Ask.Get {}, level] }
    }
  }
}

// a handler type extended again while its handle is running: the next perform uses the new impl
struct Swappable {}
extend Swappable with effect/Handler(Ask) {
  fn handle(self, op, resume) { resume(1) }
}
fn reextend() {
  let h = Swappable {}
  handle effect/Handler(Ask) with h {
    let a = perform Ask.Get {}
    eval("extend Swappable with effect/Handler(Ask) { fn handle(self, op, resume) { resume(a-number()) } }")
    let b = perform Ask.Get {}
    eval("extend Swappable with effect/Handler(Ask) { fn handle(self, op, resume) { resume(1) } }")
    let c = perform Ask.Get {}
    [a, b, c]
  }
}
fn a-number() { 2 }

// a handler that calls a helper in tail position, and nested handles in a loop
struct ViaHelper {}
fn helper(v) { v + 1 }
extend ViaHelper with effect/Handler(Ask) {
  fn handle(self, op, resume) { helper(op.v) }
}
fn via-helper() { handle effect/Handler(Ask) with ViaHelper {} { perform Ask.Put { v: 41 } } }
fn nested-loop(n) {
  let mut total = 0
  let mut i = 0
  while i < n {
    total = total + handle effect/Handler(Ask) with Counter { n: i } {
      handle effect/Handler(Log) with Tagged { tag: "t" } {
        (perform Ask.Get {}) + length(perform Log.Say { msg: "m" })
      }
    }
    i = i + 1
  }
  total
}

// async: a task cancelled while parked in sleep under the stdlib's handler
fn cancel-sleeper() {
  let seen = atom("none")
  let r = async/with-timeout(5, fn() {
    try {
      async/sleep(100000)
      "woke"
    } catch (e) {
      reset!(seen, to-string(e))
      throw(e)
    }
  })
  [r, deref(seen)]
}
fn sleeps(n) {
  let mut i = 0
  while i < n {
    async/sleep(0)
    i = i + 1
  }
  n
}
// a program's own tail-resumptive Async handler: counts operations, forwards each outwards
// (perform inside a handler reaches the next handler out), parks inside its HandlerRun frame
struct CountOps { n }
extend CountOps with effect/Handler(async/Async) {
  fn handle(self, op, resume) {
    swap!(self.n, fn(x) { x + 1 })
    resume(perform op)
  }
}
fn counted-sleeps(n) {
  let c = atom(0)
  let r = handle effect/Handler(async/Async) with CountOps { n: c } { sleeps(n) }
  [r, deref(c)]
}
fn cancel-in-handler() {
  let seen = atom("none")
  let c = atom(0)
  let r = async/with-timeout(5, fn() {
    handle effect/Handler(async/Async) with CountOps { n: c } {
      try {
        async/sleep(100000)
        "woke"
      } catch (e) {
        reset!(seen, to-string(e))
        throw(e)
      }
    }
  })
  [r, deref(seen), deref(c)]
}
// tasks: started by the runtime without __run-task's frames; spawn and await of a settled
// future without a perform under the stdlib's handler, through a program's handler otherwise
fn task-outcomes() {
  let ok = async/spawn(fn() { 40 + 2 })
  let bad = async/spawn(fn() { throw("task failed") })
  let odd = async/spawn(fn(x) { x })
  let not-fn = async/spawn(42)
  let pending = async/spawn(fn() { async/sleep(1)
    :late })
  async/sleep(0)
  [async/await(ok),
   try { async/await(bad) } catch (e) { [:caught, e] },
   try { async/await(odd) } catch (e) { :arity },
   try { async/await(not-fn) } catch (e) { :not-callable },
   async/await(pending),
   async/await(ok)]
}
fn counted-tasks(n) {
  let c = atom(0)
  let r = handle effect/Handler(async/Async) with CountOps { n: c } {
    let mut fs = []
    let mut i = 0
    while i < n {
      let k = i
      fs = push(fs, async/spawn(fn() { k }))
      i = i + 1
    }
    count(async/await-all(fs))
  }
  [r, deref(c)]
}
fn blocking-ops() {
  async/run-blocking(fn() {
    let f = async/spawn(fn() { async/sleep(0)
      21 * 2 })
    async/await(f)
  })
}
`;

const mod = rt.loader.runSource(src, "perf-paths.bg");
const fn = (name: string) => mod.ns.vars.get(name)!.value;

function run(name: string, args: unknown[] = []) {
  const c0 = effectStats.captures;
  const t0 = effectStats.tailPerforms;
  const f = runTask(rt.vm, fn(name), args as never[]);
  const text = f.error !== undefined ? `error: ${formatValue(f.error, 0)}` : formatValue(f.result, 0);
  return { text, captures: effectStats.captures - c0, tail: effectStats.tailPerforms - t0 };
}

/** Run with the fast path on and off: the same text both ways; the stats with it on. */
function both(name: string, args: unknown[] = []) {
  setTailPerform(false);
  const off = run(name, args);
  setTailPerform(true);
  const on = run(name, args);
  expect(on.text).toBe(off.text);
  return on;
}

for (const threshold of [200, 0]) {
  describe(`JIT threshold ${threshold}`, () => {
    test("setup", () => {
      setJitThreshold(threshold);
    });

    test("tail resumes capture no continuation", () => {
      const r = both("tail-resumes", [300]);
      expect(r.text).toBe("300");
      expect(r.captures).toBe(0);
      expect(r.tail).toBe(601);
      // with the path off every perform captures
      setTailPerform(false);
      expect(run("tail-resumes", [10]).captures).toBe(21);
      setTailPerform(true);
    });

    test("a non-tail resume captures", () => {
      const r = both("non-tail");
      expect(r.text).toBe("202");
      expect(r.captures).toBe(2);
      expect(r.tail).toBe(0);
    });

    test("a stored continuation is resumed after the handle returned", () => {
      const r = both("stored");
      expect(r.text).toBe('["suspended", 11, 12]');
      expect(r.captures).toBe(1);
    });

    test("multi-shot", () => {
      const r = both("multi");
      expect(r.text).toBe("[10, 20]");
      expect(r.captures).toBe(1);
    });

    test("a handler that does not resume ends the handle, on the fast path", () => {
      const r = both("abort");
      expect(r.text).toBe('["aborted", [1]]');
      expect(r.captures).toBe(0);
      expect(r.tail).toBe(1);
      expect(both("maybe", [4]).text).toBe("[8, :after]");
      const neg = both("maybe", [-1]);
      expect(neg.text).toBe("negative");
      expect(neg.captures).toBe(0);
      expect(both("via-helper").text).toBe("42");
    });

    test("deep handlers: performs inside a handler go outwards", () => {
      const r = both("deep");
      expect(r.text).toBe("202");
      expect(r.captures).toBe(0);
      expect(r.tail).toBe(2);
      const p = both("perform-in-handler");
      expect(p.text).toBe("outer:ask");
      expect(p.captures).toBe(0);
    });

    test("errors: a handler's error skips the body's try; body errors after a resume", () => {
      expect(both("handler-throws").text).toBe("caught outside: from handler");
      expect(both("handler-fails").text).toBe('["outside", 8]');
      expect(both("body-throws").text).toBe("[:caught, 5]");
    });

    test("a handler re-extended while in use", () => {
      expect(run("reextend").text).toBe("[1, 2, 1]");
    });

    test("dynamic bindings: the handler sees the handle site's", () => {
      expect(both("bindings").text).toBe('["around", "body"]');
    });

    test("nested handles in a loop", () => {
      const r = both("nested-loop", [250]);
      expect(r.text).toBe(String((249 * 250) / 2 + 250 * 3));
      expect(r.captures).toBe(0);
    });

    test("async: sleep, blocking handler and cancellation while parked", () => {
      // under the stdlib's handler a sleep is answered by the async runtime (vm.fastPerform)
      const s = both("sleeps", [300]);
      expect(s.text).toBe("300");
      expect(s.captures).toBe(0);
      // under a program's own tail-resumptive handler: its handle runs, parks, resumes
      const cs = both("counted-sleeps", [300]);
      expect(cs.text).toBe("[300, 300]");
      expect(cs.captures).toBe(0);
      expect(cs.tail).toBe(300);
      const ci = both("cancel-in-handler");
      expect(ci.text).toContain("TimedOut");
      expect(ci.text).toContain("Cancelled");
      expect(ci.text).toEndWith(", 1]");
      expect(ci.captures).toBe(0);
      expect(both("blocking-ops").text).toBe("42");
      expect(both("task-outcomes").text).toBe('[42, [:caught, "task failed"], :arity, :not-callable, :late, 42]');
      // a program's handler sees every spawn and await, and forwards them
      const ct = both("counted-tasks", [50]);
      expect(ct.text).toBe("[50, 100]");
      const c = both("cancel-sleeper");
      expect(c.text).toContain("TimedOut");
      expect(c.text).toContain("Cancelled");
    });

    test("restore", () => {
      setJitThreshold(200);
    });
  });
}

describe("the tail-resume analysis", () => {
  const protoOf = (type: string) => {
    const handle = rt.vm.namespaces.get("beagle.effect")!.vars.get("Handler")!.value as unknown as {
      methods: Map<string, { paramImpls: Map<unknown, Map<unknown, unknown>> }>;
    };
    const t = mod.ns.vars.get(type)!.value;
    for (const m of handle.methods.get("handle")!.paramImpls.values()) {
      const impl = m.get(t);
      if (impl instanceof Closure) {
        impl.proto.lazy?.();
        return impl.proto;
      }
    }
    throw new Error(`no handle for ${type}`);
  };
  const rtVar = rt.vm.namespaces.get("beagle.effect")!.vars.get("resume-tail")!;
  test("accepts tail resumes and handlers that do not resume", () => {
    for (const t of ["Counter", "Abort", "Maybe", "Outer", "Inner", "AskLogs", "Thrower", "Level", "ViaHelper"])
      expect([t, tailOnly(protoOf(t), 2, rtVar)]).toEqual([t, true]);
  });
  test("refuses every other use of resume", () => {
    for (const t of ["NonTail", "Store", "Both"]) expect([t, tailOnly(protoOf(t), 2, rtVar)]).toEqual([t, false]);
  });
  test("resume-tail counts only as beagle.effect/resume-tail", () => {
    expect(tailOnly(protoOf("Counter"), 2, null)).toBe(false);
  });
});

describe("zero-delay timers (the sleep(0) lane beside the heap)", () => {
  test("property: timers fire in (deadline, insertion) order across both lanes; cancelled never fire", () => {
    type Step = { kind: "add"; delay: number; cancel: boolean } | { kind: "tick"; dt: number } | { kind: "fire" };
    const step = fc.oneof(
      fc.record({
        kind: fc.constant("add" as const),
        delay: fc.oneof(fc.constant(0), fc.nat(20)),
        cancel: fc.boolean(),
      }),
      fc.record({ kind: fc.constant("tick" as const), dt: fc.nat(10) }),
      fc.record({ kind: fc.constant("fire" as const) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 80 }), (steps: Step[]) => {
        const heap = new TimerHeap();
        let now = 0;
        const fired: number[] = [];
        const model: { deadline: number; i: number; live: boolean }[] = [];
        const expected: number[] = [];
        const timers: { t: ReturnType<TimerHeap["add"]>; cancel: boolean }[] = [];
        const fireModel = () => {
          const due = model.filter((m) => m.live && m.deadline <= now);
          due.sort((a, b) => a.deadline - b.deadline || a.i - b.i);
          for (const m of due) {
            m.live = false;
            expected.push(m.i);
          }
        };
        for (const s of steps) {
          if (s.kind === "add") {
            const i = model.length;
            const t = heap.add(s.delay, () => fired.push(i), now);
            model.push({ deadline: now + s.delay, i, live: true });
            timers.push({ t, cancel: s.cancel });
            if (s.cancel && i % 2 === 0) {
              heap.cancel(t);
              model[i]!.live = false;
            }
          } else if (s.kind === "tick") now += s.dt;
          else {
            heap.fireDue(now);
            fireModel();
          }
          expect(heap.size).toBe(model.filter((m) => m.live).length);
        }
        // the rest: cancel the odd ones asked for, then fire everything
        timers.forEach(({ t, cancel }, i) => {
          if (cancel && i % 2 === 1 && model[i]!.live) {
            heap.cancel(t);
            model[i]!.live = false;
          }
        });
        const next = model.filter((m) => m.live).reduce((d, m) => Math.min(d, m.deadline), Number.POSITIVE_INFINITY);
        expect(heap.nextDeadline() ?? Number.POSITIVE_INFINITY).toBe(next);
        now += 1000;
        heap.fireDue(now);
        fireModel();
        expect(fired).toEqual(expected);
        expect(heap.size).toBe(0);
      }),
      { numRuns: 500 },
    );
  });
});
