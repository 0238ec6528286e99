// Running a Beagle program: set up a VM with the prelude, load the file, run
// its top-level code and then `main`, and report errors the way users expect.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname } from "node:path";
import {
  formatDiagnostic,
  BeagleSyntaxError,
  hintFor,
  sourceLine,
  unclosedBracket,
  type HintContext,
} from "../compiler/diagnostics.ts";
import { disassemble } from "./bytecode.ts";
import { Closure, type Fiber, FiberState } from "./objects.ts";
import { EnumType, Struct, StructType, type Value } from "./values.ts";
import { formatValue } from "./print.ts";
import { PersistentVector } from "./collections/vector.ts";
import { VM, writeAll } from "./vm.ts";
import {
  awaitersOfValue,
  BeagleRuntimeError,
  BeagleThrow,
  type Trace,
  type TraceFrame,
  traceOfFiber,
  traceOfValue,
} from "./errors.ts";
import { Loader } from "./loader.ts";
import { installVmBuiltins } from "./vm-builtins.ts";
import { builtins as stdBuiltins, nsBuiltins } from "./builtins/index.ts";
import { bindCoreTypes } from "./core-types.ts";
import { embeddedStdlib } from "../stdlib/embedded.ts";
import { parseProgram } from "../compiler/parser.ts";
import { CodeGen, type CompiledModule, CompileError } from "../compiler/codegen.ts";
import { installAsync, type AsyncRuntime } from "./async/runtime.ts";
import { installNet } from "./net-ops.ts";
import { installProcess } from "./process.ts";
import type { ProcessTable } from "../runtime/process/table.ts";

export interface Runtime {
  vm: VM;
  loader: Loader;
  async: AsyncRuntime;
  /** children started by the program: killed and reaped at exit unless detached */
  processes: ProcessTable;
}

/** A VM with builtins and the prelude loaded. */
export function createRuntime(opts: { noStd?: boolean } = {}): Runtime {
  const vm = new VM();
  const loader = new Loader(vm);
  vm.loader = loader;
  for (const [name, fn] of Object.entries(stdBuiltins)) vm.defineBuiltin("beagle.core", name, fn);
  for (const [ns, fns] of Object.entries(nsBuiltins))
    for (const [name, fn] of Object.entries(fns)) vm.defineBuiltin(ns, name, fn);
  installVmBuiltins(vm, loader);
  if (!opts.noStd && embeddedStdlib["std.bg"] !== undefined) {
    loader.loadStdlib("std");
    bindCoreTypes((name) => vm.core.vars.get(name)?.value);
  }
  loader.markLoaded("beagle.core");
  loader.loadStdlib("beagle.effect");
  const async = installAsync(vm);
  installNet(vm);
  const processes = installProcess(vm, async);
  if (!opts.noStd) loader.loadStdlib("beagle.async");
  return { vm, loader, async, processes };
}

function printErr(s: string) {
  writeAll(2, s.endsWith("\n") ? s : s + "\n");
}

/** The one-line description of an error value. */
export function describeError(v: Value): string {
  if (v instanceof Struct && v.type.enumType?.name === "SystemError") {
    const msg = v.f[v.type.slots.get("message")!];
    return `${v.type.name}: ${typeof msg === "string" ? msg : formatValue(msg, 0)}`;
  }
  return `Uncaught exception: ${formatValue(v, 0)}`;
}

/** Frames of the runtime's own machinery, left out of stack traces. */
const INTERNAL_FILES = new Set(["stdlib/beagle.async.bg", "stdlib/beagle.effect.bg"]);
/** Longer stacks are cut in the middle. */
const STACK_HEAD = 10;
const STACK_TAIL = 10;

function frameLine(f: TraceFrame): number {
  return f.proto.lines[f.pc] || f.proto.line;
}

function frameName(f: TraceFrame): string {
  return f.proto.name === "<init>" || f.proto.name === "__init__"
    ? `${f.proto.ns} (top level)`
    : `${f.proto.ns}/${f.proto.name}`;
}

function stackLines(trace: Trace): string[] {
  const frames = trace.filter((f) => !INTERNAL_FILES.has(f.proto.file));
  const lines = frames.map((f) => `    at ${frameName(f)} (${f.proto.file}:${frameLine(f)})`);
  if (lines.length <= STACK_HEAD + STACK_TAIL + 1) return lines;
  const cut = lines.length - STACK_HEAD - STACK_TAIL + (trace.omitted ?? 0);
  return [...lines.slice(0, STACK_HEAD), `    ... ${cut} more frames ...`, ...lines.slice(lines.length - STACK_TAIL)];
}

/**
 * The one report of an uncaught error: `file:line:col: Kind: message`, the source line and a
 * caret at the place the error was raised, then the Beagle stack innermost first. An error
 * that reached this fiber through `await` is shown where its task raised it, with the task's
 * stack, then the awaiting chain.
 */
export function errorReport(vm: VM, value: Value, fiberTrace: Trace | undefined, site?: Fiber["errorAt"]): string {
  const origin = traceOfValue(value) ?? fiberTrace;
  const top = origin?.find((f) => !INTERNAL_FILES.has(f.proto.file));
  let out: string;
  if (top) {
    const file = top.proto.file;
    const col = top.proto.cols[top.pc] || 1;
    const src = vm.sources.get(file) ?? "";
    out = withHint(
      formatDiagnostic(file, src, frameLine(top), col, describeError(value)),
      describeError(value),
      vm,
      file,
      src,
      frameLine(top),
    );
  } else if (site) {
    const file = site.proto.file;
    const line = site.proto.lines[site.pc] || site.proto.line;
    out = formatDiagnostic(file, vm.sources.get(file) ?? "", line, site.proto.cols[site.pc] || 1, describeError(value));
  } else out = describeError(value);
  const lines = origin ? stackLines(origin) : [];
  if (lines.length) out += "\n" + lines.join("\n");
  if (origin && fiberTrace && origin !== fiberTrace) {
    for (const t of [...awaitersOfValue(value), fiberTrace]) {
      const awaiting = stackLines(t);
      if (awaiting.length) out += "\n  awaited by:\n" + awaiting.join("\n");
    }
  }
  return out;
}

/** Print an uncaught error: one report on stderr (a thread's error also on stdout, as upstream). */
export function reportUncaught(vm: VM, fiber: Fiber, prefix = "Uncaught exception:") {
  if (prefix !== "Uncaught exception:") vm.write(`${prefix} ${formatValue(fiber.error, 0)}\n`);
  vm.flush();
  printErr(errorReport(vm, fiber.error, traceOfFiber(fiber), fiber.errorAt));
}

export function reportCompileError(e: BeagleSyntaxError, vm: VM | null, source: string) {
  const src = vm?.sources.get(e.file) ?? source;
  let text = withHint(formatDiagnostic(e.file, src, e.line, e.col, e.message), e.message, vm, e.file, src, e.line);
  const open = e instanceof CompileError ? null : unclosedBracket(src);
  if (open && /expected|unexpected|end of (input|file)/i.test(e.message)) {
    const where = formatDiagnostic(e.file, src, open.line, open.col, `note: this '${open.ch}' is never closed`);
    text += `\n${where}`;
  }
  printErr(text);
}

/** What hints may look at, from a VM and the file the error is in. */
export function hintContext(vm: VM | null, file: string, source: string): HintContext {
  const types = () => {
    const out: (StructType | EnumType)[] = [];
    for (const ns of vm?.namespaces.values() ?? [])
      for (const v of ns.vars.values())
        if (v.value instanceof StructType || v.value instanceof EnumType) out.push(v.value);
    return out;
  };
  return {
    source,
    *globals() {
      if (!vm) return;
      for (const v of vm.core.vars.keys()) if (!v.startsWith("__")) yield v;
      for (const ns of vm.namespaces.values())
        if (ns.name !== "beagle.core" && !ns.name.startsWith("beagle.")) for (const v of ns.vars.keys()) yield v;
    },
    *namespaces() {
      for (const k of Object.keys(embeddedStdlib)) yield k.replace(/\.bg$/, "");
      try {
        for (const f of readdirSync(dirname(file))) if (f.endsWith(".bg")) yield f.slice(0, -3);
      } catch {}
    },
    fieldsOf(name) {
      for (const t of types())
        if (t instanceof StructType && (t.name === name || t.displayName === name)) return t.fields;
      return undefined;
    },
    variantsOf(name) {
      for (const t of types()) if (t instanceof EnumType && t.name === name) return [...t.variants.keys()];
      return undefined;
    },
  };
}

/** A diagnostic followed by a `hint:` line when one applies. */
function withHint(text: string, message: string, vm: VM | null, file: string, source: string, line: number): string {
  const hint = hintFor(message, hintContext(vm, file, source), sourceLine(source, line));
  return hint ? `${text}\nhint: ${hint}` : text;
}

/**
 * Run `fn(args)` as the main fiber (threads run alongside); returns it when
 * everything is idle. Like upstream, it runs under beagle.async's ambient
 * EventLoopHandler when that namespace is loaded.
 */
export function runMainFiber(vm: VM, fn: Value, args: Value[] | null): Fiber {
  const ambient = vm.namespaces.get("beagle.async")?.vars.get("__main__")?.value;
  // __main__(f, arg) calls f() when arg is null, else f(arg): main takes at most one argument.
  if (ambient !== undefined && args !== null && args.length > 1) throw new Error("runMainFiber: at most one argument");
  const main =
    ambient !== undefined
      ? vm.spawn(ambient, [fn, args === null || args.length === 0 ? null : args[0]])
      : vm.spawn(fn, args ?? []);
  main.isMain = true;
  vm.runUntilIdle((f) => {
    if (f !== main && f.error !== undefined && !vm.handleUncaught(f))
      reportUncaught(vm, f, "Uncaught exception in thread:");
  });
  return main;
}

/** Call fn(...args) as a task under the ambient handler and run until idle (embedding, benchmarks). */
export function runTask(vm: VM, fn: Value, args: Value[]): Fiber {
  const call = vm.namespaces.get("beagle.async")?.vars.get("__call__")?.value;
  const fiber = call !== undefined ? vm.spawn(call, [fn, PersistentVector.from(args)]) : vm.spawn(fn, args);
  vm.runUntilIdle();
  return fiber;
}

/** The program's text, or null after saying why it cannot be read (missing, a directory, no permission). */
export function readProgram(path: string | undefined): string | null {
  if (!path) {
    printErr("beagle: no file given (usage: beagle FILE.bg [ARGS...]; beagle --help)");
    return null;
  }
  try {
    if (statSync(path).isDirectory()) {
      printErr(`beagle: ${path} is a directory, not a Beagle file (to run its tests: beagle test ${path})`);
      return null;
    }
    return stripBom(readFileSync(path, "utf8"));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    printErr(`beagle: cannot open ${path}: ${code === "ENOENT" ? "no such file" : (code ?? String(e))}`);
    return null;
  }
}

function stripBom(s: string): string {
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

export async function runFile(path: string, args: string[]): Promise<number> {
  const source = readProgram(path);
  if (source === null) return 2;
  return runSource(source, path, args);
}

/**
 * Run a program given as text (a built executable: `path` is the name errors show), with
 * `modules` (namespace -> file name and text) found before any file on disk.
 */
export async function runSource(
  source: string,
  path: string,
  args: string[],
  modules: Record<string, { file: string; source: string }> = {},
): Promise<number> {
  const noStd = /^\s*\/\/\s*no-std\b/m.test(source.split("\n").slice(0, 5).join("\n"));
  let rt: Runtime;
  try {
    rt = createRuntime({ noStd });
  } catch (e) {
    if (e instanceof BeagleSyntaxError) {
      reportCompileError(e, null, "");
      return 1;
    }
    throw e;
  }
  rt.loader.includeDirs.push(...(process.env.BEAGLE_PATH ?? "").split(":").filter(Boolean));
  for (const [name, m] of Object.entries(modules)) rt.loader.bundled.set(name, m);
  try {
    return await runProgram(rt, path, source, args);
  } finally {
    // children, fds and pool workers are released on success, error and deadlock alike
    rt.processes.shutdown();
    await rt.async.backend.close();
  }
}

async function runProgram(rt: Runtime, path: string, source: string, args: string[]): Promise<number> {
  const { vm, loader } = rt;
  let mod: CompiledModule;
  try {
    mod = loader.compile(source, path);
  } catch (e) {
    if (e instanceof BeagleSyntaxError) {
      vm.flush();
      reportCompileError(e, vm, source);
      return 1;
    }
    // the top-level code of a module this file `use`s threw
    if (e instanceof BeagleThrow) {
      vm.flush();
      printErr(errorReport(vm, e.value, undefined));
      return 1;
    }
    if (e instanceof BeagleRuntimeError) {
      vm.flush();
      printErr(`${path}: ${e.kind}: ${e.message}`);
      return 1;
    }
    throw e;
  }
  vm.currentNamespace = mod.ns.name;
  const init = runMainFiber(vm, new Closure(mod.init, []), null);
  if (init.error !== undefined) {
    reportUncaught(vm, init);
    return 1;
  }
  const mainVar = mod.ns.vars.get("main");
  if (mainVar && mainVar.value !== undefined) {
    const m = mainVar.value;
    const wantsArgs = m instanceof Closure && m.proto.nparams === 1;
    // Ctrl-C cancels every task (finally blocks run) and the program exits 130 (vm/async/runtime.ts)
    rt.async.gracefulSigint = true;
    const fiber = runMainFiber(vm, m, wantsArgs ? [PersistentVector.from(args)] : null);
    rt.async.gracefulSigint = false;
    if (rt.async.interrupted) {
      vm.flush();
      return 130;
    }
    if (fiber.error !== undefined) {
      if (!vm.handleUncaught(fiber)) reportUncaught(vm, fiber);
      vm.flush();
      return 1;
    }
    if (fiber.state !== FiberState.Done) {
      vm.flush();
      printErr(
        `${path}: main is waiting for something that can never happen (every task is blocked, no timer or I/O pending)`,
      );
      // BEAGLE_DUMP_TASKS=1: what each task is parked on (vm/async/runtime.ts)
      if (process.env.BEAGLE_DUMP_TASKS) for (const l of rt.async.describeTasks()) printErr(`  ${l}`);
      return 1;
    }
    // a task failed and nobody awaited it: say so, and fail the program (as Trio/Tokio/Node do)
    const unobserved = rt.async.unobservedErrors();
    if (unobserved.length) {
      vm.flush();
      for (const e of unobserved)
        printErr(`error in a task nobody awaited:\n${errorReport(vm, e, undefined, undefined)}`);
      return 1;
    }
  }
  let failed = 0;
  if (process.env.BEAGLE_TEST_BLOCKS === "1" && mod.tests.length) {
    vm.write("@@beagle-test-blocks-begin\n");
    // `beagle test --filter S` selected this file by test name: only those blocks run
    const only = process.env.BEAGLE_TEST_FILTER;
    for (const t of mod.tests) {
      if (only && !t.name.includes(only)) continue;
      vm.flush();
      // so a runner that has to kill a hung file can say which test was running
      printErr(`@@beagle-test-start ${JSON.stringify({ name: t.name })}`);
      const started = performance.now();
      const f = runMainFiber(vm, t.fn, null);
      vm.flush();
      const ms = Math.round((performance.now() - started) * 10) / 10;
      const ok = f.error === undefined && f.state === FiberState.Done;
      if (!ok) failed++;
      // a failure carries the whole report: file:line:col, the source line, caret and stack
      const message = ok
        ? ""
        : f.error !== undefined
          ? errorReport(vm, f.error, traceOfFiber(f), f.errorAt)
          : "test never finished (every task is blocked)";
      printErr(`@@beagle-test ${JSON.stringify({ name: t.name, ok, message, ms })}`);
    }
  }
  vm.flush();
  return failed ? 1 : 0;
}

export async function disasmFile(path: string): Promise<number> {
  const source = readProgram(path);
  if (source === null) return 2;
  const { vm, loader } = createRuntime();
  try {
    vm.sources.set(path, source);
    const prog = parseProgram(source, path);
    const mod = new CodeGen(loader, path, source).compileProgram(prog);
    let out = disassemble(mod.init);
    for (const v of mod.ns.vars.values()) {
      if (v.value instanceof Closure) out += "\n" + disassemble(v.value.proto);
    }
    writeAll(1, out);
    return 0;
  } catch (e) {
    if (e instanceof BeagleSyntaxError) {
      reportCompileError(e, vm, source);
      return 1;
    }
    throw e;
  }
}

export { FiberState };
