// Running a Beagle program: set up a VM with the prelude, load the file, run
// its top-level code and then `main`, and report errors the way users expect.
import { existsSync, readFileSync } from "node:fs";
import { formatDiagnostic, BeagleSyntaxError } from "../compiler/diagnostics.ts";
import { disassemble } from "./bytecode.ts";
import { Closure, Fiber, FiberState } from "./objects.ts";
import { Struct, type Value } from "./values.ts";
import { formatValue } from "./print.ts";
import { PersistentVector } from "./collections/vector.ts";
import { VM, writeAll } from "./vm.ts";
import { Loader } from "./loader.ts";
import { installVmBuiltins } from "./vm-builtins.ts";
import { builtins as stdBuiltins, nsBuiltins } from "./builtins/index.ts";
import { bindCoreTypes } from "./core-types.ts";
import { embeddedStdlib } from "../stdlib/embedded.ts";
import { parseProgram } from "../compiler/parser.ts";
import { CodeGen } from "../compiler/codegen.ts";
import { installAsync, type AsyncRuntime } from "./async/runtime.ts";

export interface Runtime {
  vm: VM;
  loader: Loader;
  async: AsyncRuntime;
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
  if (!opts.noStd) loader.loadStdlib("beagle.async");
  return { vm, loader, async };
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

/** Print an uncaught error: the value on stdout (as upstream), a located diagnostic on stderr. */
export function reportUncaught(vm: VM, fiber: Fiber, prefix = "Uncaught exception:") {
  vm.write(`${prefix} ${formatValue(fiber.error, 0)}\n`);
  vm.flush();
  const site = fiber.errorAt;
  if (site) {
    const file = site.proto.file;
    const line = site.proto.lines[site.pc] || site.proto.line;
    const col = site.proto.cols[site.pc] || 1;
    const src = vm.sources.get(file) ?? "";
    printErr(formatDiagnostic(file, src, line, col, describeError(fiber.error)));
  } else printErr(describeError(fiber.error));
}

export function reportCompileError(e: BeagleSyntaxError, vm: VM | null, source: string) {
  const src = vm?.sources.get(e.file) ?? source;
  printErr(formatDiagnostic(e.file, src, e.line, e.col, e.message));
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

export async function runFile(path: string, args: string[]): Promise<number> {
  if (!path || !existsSync(path)) {
    printErr(`beagle: cannot open ${path ?? "(no file given)"}`);
    return 2;
  }
  const source = readFileSync(path, "utf8");
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
  try {
    return await runProgram(rt, path, source, args);
  } finally {
    // fds and pool workers are released on success, error and deadlock alike
    await rt.async.backend.close();
  }
}

async function runProgram(rt: Runtime, path: string, source: string, args: string[]): Promise<number> {
  const { vm, loader } = rt;
  let mod;
  try {
    mod = loader.compile(source, path);
  } catch (e) {
    if (e instanceof BeagleSyntaxError) {
      vm.flush();
      reportCompileError(e, vm, source);
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
    const fiber = runMainFiber(vm, m, wantsArgs ? [PersistentVector.from(args)] : null);
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
      return 1;
    }
  }
  let failed = 0;
  if (process.env.BEAGLE_TEST_BLOCKS === "1" && mod.tests.length) {
    vm.write("@@beagle-test-blocks-begin\n");
    for (const t of mod.tests) {
      const f = runMainFiber(vm, t.fn, null);
      vm.flush();
      const ok = f.error === undefined && f.state === FiberState.Done;
      if (!ok) failed++;
      const message = ok ? "" : f.error !== undefined ? describeError(f.error) : "test never finished (blocked)";
      printErr(`@@beagle-test ${JSON.stringify({ name: t.name, ok, message })}`);
    }
  }
  vm.flush();
  return failed ? 1 : 0;
}

export async function disasmFile(path: string): Promise<number> {
  if (!path || !existsSync(path)) {
    printErr(`beagle: cannot open ${path ?? "(no file given)"}`);
    return 2;
  }
  const source = readFileSync(path, "utf8");
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
