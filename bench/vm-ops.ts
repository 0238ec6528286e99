// Micro-benchmarks of single VM operations, each a Beagle loop of N iterations
// doing one kind of work, against the empty loop (the baseline) and against
// the same loop in plain JavaScript, all in one mitata run:
//
//   call          a call to a two-argument Beagle function
//   field get     p.x on a struct
//   field set     p.x = i on a struct with a mut field
//   float arith   x = x * 0.5 + 1.25 (non-integral floats stay unboxed)
//   boxed float   x = x * 1.0 (1.0 is integral: a boxed float on every step)
//   vector get    v[j] on a 32-element persistent vector
//   protocol call length(v): a prelude protocol method on a vector
//   struct alloc  Point { x: i, y: i }
//   closure call  a captured-variable closure called through a local
//
//   bun bench/vm-ops.ts [--against DIR]      (VMOPS_VERBOSE=1: mitata's own report per case)
//
// --against DIR also runs the Beagle cases on the VM of another checkout
// (DIR/vm/run.ts), for A/B comparisons of an interpreter change.
//
// Every (case, VM) pair runs mitata in a fresh process: all cases go through
// the same interpreter function, and its JIT state (so its speed) depends on
// everything that ran before in the process; measured together, a case's
// figure moved by 10x with the order of the cases. The table gives the median
// time per loop iteration and the operation's own cost, (case - empty loop).
import { bench, do_not_optimize, group, run } from "mitata";
import { resolve } from "node:path";

const N = 1_000_000;

const SRC = `
namespace vmops
struct Point { mut x, y }
fn add2(a, b) { a }
fn empty(n) {
  let mut i = 0
  while i < n { i = i + 1 }
  i
}
fn call(n) {
  let mut i = 0
  while i < n { i = add2(i, 1) + 1 }
  i
}
fn field-get(n) {
  let p = Point { x: 1, y: 2 }
  let mut i = 0
  let mut s = 0
  while i < n {
    s = p.x
    i = i + 1
  }
  s
}
fn field-set(n) {
  let p = Point { x: 1, y: 2 }
  let mut i = 0
  while i < n {
    p.x = i
    i = i + 1
  }
  p.x
}
fn float-arith(n) {
  let mut i = 0
  let mut x = 0.5
  while i < n {
    x = x * 0.5 + 1.25
    i = i + 1
  }
  x
}
fn boxed-float(n) {
  let mut i = 0
  let mut x = 3.0
  while i < n {
    x = x * 1.0
    i = i + 1
  }
  x
}
fn vector-get(n) {
  let v = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31]
  let mut i = 0
  let mut j = 0
  let mut s = 0
  while i < n {
    s = v[j]
    j = j + 1
    if j == 32 { j = 0 }
    i = i + 1
  }
  s
}
fn protocol-call(n) {
  let v = [1, 2, 3]
  let mut i = 0
  let mut s = 0
  while i < n {
    s = length(v)
    i = i + 1
  }
  s
}
fn struct-alloc(n) {
  let mut i = 0
  let mut p = null
  while i < n {
    p = Point { x: i, y: i }
    i = i + 1
  }
  p.y
}
fn closure-call(n) {
  let k = 1
  let f = fn(a) { a + k }
  let mut i = 0
  while i < n { i = f(i) }
  i
}
`;

const CASES = [
  "empty",
  "call",
  "field-get",
  "field-set",
  "float-arith",
  "boxed-float",
  "vector-get",
  "protocol-call",
  "struct-alloc",
  "closure-call",
];

// The same loops in JavaScript: what the host does with the same work.
const JS: Record<string, (n: number) => unknown> = {
  empty(n) {
    let i = 0;
    while (i < n) i = i + 1;
    return i;
  },
  call(n) {
    const add2 = (a: number, _b: number) => a;
    let i = 0;
    while (i < n) i = add2(i, 1) + 1;
    return i;
  },
  "float-arith"(n) {
    let i = 0;
    let x = 0.5;
    while (i < n) {
      x = x * 0.5 + 1.25;
      i = i + 1;
    }
    return x;
  },
};

interface Vm {
  label: string;
  call(name: string): unknown;
}

async function loadVm(root: string, label: string): Promise<Vm> {
  const { createRuntime, runMainFiber } = await import(resolve(root, "vm/run.ts"));
  const { Closure } = await import(resolve(root, "vm/objects.ts"));
  const { vm, loader } = createRuntime();
  const mod = loader.compile(SRC, "vm-ops.bg");
  runMainFiber(vm, new Closure(mod.init, []), null);
  const fns = new Map(CASES.map((c) => [c, mod.ns.vars.get(c)!.value]));
  // check every case runs and returns something before timing it
  for (const c of CASES) {
    const r = vm.callSync(fns.get(c), [10]);
    if (r === undefined || r === null) throw new Error(`${label}: case ${c} returned ${r}`);
  }
  return { label, call: (name) => vm.callSync(fns.get(name), [N]) };
}

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const HERE = resolve(import.meta.dir, "..");

if (opt("--child") !== undefined) {
  // One case in a fresh process: the interpreter's JIT state is this case's alone.
  const c = opt("--child")!;
  const root = opt("--root") ?? HERE;
  const lang = opt("--lang") ?? "beagle";
  let fn: () => unknown;
  if (lang === "javascript") {
    const js = JS[c]!;
    fn = () => js(N);
  } else {
    const v = await loadVm(root, "beagle");
    fn = () => v.call(c);
  }
  group(c, () => {
    bench(`${lang} ${c}`, () => do_not_optimize(fn()));
  });
  const r = await run({ format: process.env.VMOPS_VERBOSE ? "mitata" : "quiet" });
  const st = r.benchmarks[0]!.runs[0]!.stats as { p50: number; min: number } | undefined;
  console.log(JSON.stringify({ p50: st?.p50, min: st?.min }));
  process.exit(0);
}

// Parent: every (case, VM) in its own process, then the table.
const roots: [string, string][] = [["beagle", HERE]];
if (opt("--against")) roots.push([`beagle@${opt("--against")}`, resolve(opt("--against")!)]);
const cols = [...roots.map(([l]) => l), "javascript"];
const res = new Map<string, { p50: number; min: number }>();
for (const c of CASES) {
  const runs: [string, string[]][] = roots.map(([l, root]) => [l, ["--child", c, "--root", root]]);
  if (JS[c]) runs.push(["javascript", ["--child", c, "--lang", "javascript"]]);
  for (const [label, extra] of runs) {
    const r = Bun.spawnSync([process.execPath, import.meta.path, ...extra], { stdout: "pipe", stderr: "inherit" });
    const line = r.stdout.toString().trim().split("\n").pop() ?? "{}";
    res.set(`${c}|${label}`, JSON.parse(line));
    process.stderr.write(".");
  }
}
process.stderr.write("\n");
const f = (x: number | undefined) => (x === undefined ? "-" : x.toFixed(1));
console.log(
  `Per iteration of a ${N.toLocaleString("en-US")}-step loop (median of mitata samples, ns), and the operation's own cost over the empty loop:\n`,
);
console.log(`| case | ${cols.map((l) => `${l} ns/iter | ${l} op ns`).join(" | ")} |`);
console.log(`|---|${cols.map(() => "---:|---:").join("|")}|`);
for (const c of CASES) {
  const cells = cols.map((l) => {
    const t = res.get(`${c}|${l}`)?.p50;
    const e = res.get(`empty|${l}`)?.p50;
    return `${f(t === undefined ? undefined : t / N)} | ${c === "empty" || t === undefined || e === undefined ? "-" : f((t - e) / N)}`;
  });
  console.log(`| ${c} | ${cells.join(" | ")} |`);
}
