// `beagle repl`: read, evaluate, print, with the async runtime running underneath.
//
// Each input (one line, or several while a bracket or string is open) compiles as a
// small module in the namespace `user`, so `fn`, `struct`, `let` and `use` persist
// and a later definition replaces an earlier one. The input runs as a task under the
// ambient event-loop handler, like main: `await`, `sleep` and spawned tasks work. While
// the prompt waits, a timer keeps the VM's loop turning (timers, I/O completions,
// background tasks), so a spawned task's output appears at the prompt.
//
// Commands: `:doc NAME` (docstring and arity), `:help`, `:quit` (or end of input).

import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Expr } from "../compiler/ast.ts";
import { CodeGen, CompileError } from "../compiler/codegen.ts";
import { BeagleSyntaxError, isIncomplete } from "../compiler/diagnostics.ts";
import { parseProgram } from "../compiler/parser.ts";
import type { FnProto } from "../vm/bytecode.ts";
import { traceOfFiber } from "../vm/errors.ts";
import { Closure, type Fiber, FiberState } from "../vm/objects.ts";
import { formatValue, repr } from "../vm/print.ts";
import { createRuntime, errorReport, reportCompileError, reportUncaught } from "../vm/run.ts";
import { VERSION } from "./usage.ts";

const NS = "user";
const HISTORY_MAX = 1000;
/** How often the loop turns while the prompt waits (ms). */
const PUMP_MS = 10;

export interface ReplIo {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  terminal: boolean;
  historyFile: string | null;
}

export async function runRepl(args: string[], io?: ReplIo): Promise<number> {
  if (args.includes("-h") || args.includes("--help")) {
    process.stdout.write("usage: beagle repl   (:doc NAME, :help, :quit; history in ~/.beagle_history)\n");
    return 0;
  }
  const terminal = io?.terminal ?? Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const historyFile =
    io?.historyFile !== undefined ? io.historyFile : terminal ? join(homedir(), ".beagle_history") : null;
  const rt = createRuntime();
  const { vm, loader } = rt;
  loader.includeDirs.push(process.cwd(), ...(process.env.BEAGLE_PATH ?? "").split(":").filter(Boolean));
  vm.namespace(NS);
  vm.currentNamespace = NS;

  // The fiber evaluating the current input: the VM may block for timers and I/O only while it runs.
  let current: Fiber | null = null;
  const blockingIdle = vm.idleHook;
  vm.idleHook = () => (current !== null && current.state !== FiberState.Done ? (blockingIdle?.() ?? false) : false);
  const onFiberDone = (f: Fiber) => {
    if (f !== current && f.error !== undefined && !vm.handleUncaught(f))
      reportUncaught(vm, f, "Uncaught exception in thread:");
  };

  /** One non-blocking turn: due timers, finished I/O, then every runnable fiber. */
  const pump = () => {
    if (rt.async.backend.pending > 0 || rt.async.timers.nextTimeout() === 0) {
      if (rt.async.backend.pending > 0) rt.async.backend.wait(0);
      rt.async.timers.fireDue();
    }
    vm.runUntilIdle(onFiberDone);
    vm.flush();
  };

  let counter = 0;
  const evaluate = (code: string) => {
    const file = `<repl:${++counter}>`;
    let init: FnProto;
    let echo = false;
    try {
      vm.sources.set(file, code);
      const prog = parseProgram(code, file, { aliases: vm.namespace(NS).aliases.keys() });
      prog.body.unshift({ k: "Namespace", name: NS, loc: { line: 1, col: 1 } });
      const last = prog.body[prog.body.length - 1];
      echo = last?.k === "ExprStmt" && !isPrintCall(last.e);
      init = new CodeGen(loader, file, code).compileProgram(prog).init;
    } catch (e) {
      if (e instanceof BeagleSyntaxError) return reportCompileError(e, vm, code);
      throw e;
    }
    const ambient = vm.namespaces.get("beagle.async")?.vars.get("__main__")?.value;
    const fn = new Closure(init, []);
    const fiber = ambient !== undefined ? vm.spawn(ambient, [fn, null]) : vm.spawn(fn, []);
    current = fiber;
    vm.runUntilIdle(onFiberDone);
    current = null;
    vm.flush();
    if (fiber.error !== undefined) {
      if (!vm.handleUncaught(fiber))
        process.stderr.write(`${errorReport(vm, fiber.error, traceOfFiber(fiber), fiber.errorAt)}\n`);
    } else if (fiber.state !== FiberState.Done) {
      process.stderr.write("error: this input is waiting for something that can never happen\n");
    } else if (fiber.result !== null && fiber.result !== undefined && echo) {
      out.write(`${repr(fiber.result)}\n`);
    }
  };

  const out = io?.output ?? process.stdout;
  if (terminal) out.write(`Beagle on Bun ${VERSION} — :help for help, :quit or Ctrl-D to leave\n`);
  const history = historyFile && existsSync(historyFile) ? loadHistory(historyFile) : [];
  const rl = createInterface({
    input: io?.input ?? process.stdin,
    output: terminal ? out : undefined,
    terminal,
    history,
    historySize: HISTORY_MAX,
    prompt: "beagle> ",
  });
  const timer = setInterval(pump, PUMP_MS);
  let pending = "";
  let quitting = false;
  const prompt = () => {
    if (!terminal) return;
    rl.setPrompt(pending ? "   ...> " : "beagle> ");
    rl.prompt();
  };

  const done = new Promise<void>((resolveDone) => {
    rl.on("close", () => resolveDone());
    rl.on("line", (line) => {
      if (quitting) return;
      if (!pending && line.trim().startsWith(":")) {
        if (command(line.trim())) {
          quitting = true;
          rl.close();
          return;
        }
        return prompt();
      }
      pending = pending ? `${pending}\n${line}` : line;
      // open brackets or strings continue; so does a doc comment, which belongs to what follows
      if (isIncomplete(pending) || /^\s*\/\/\//.test(line)) return prompt();
      const code = pending;
      pending = "";
      if (code.trim()) {
        if (historyFile) saveHistory(historyFile, code);
        try {
          evaluate(code);
        } catch (e) {
          process.stderr.write(`internal error: ${e instanceof Error ? e.message : String(e)}\n`);
          if (process.env.BEAGLE_DEBUG) throw e;
        }
      }
      prompt();
    });
  });

  /** A `:` command; true to quit. */
  const command = (line: string): boolean => {
    const [cmd, ...rest] = line.split(/\s+/);
    switch (cmd) {
      case ":q":
      case ":quit":
      case ":exit":
        return true;
      case ":doc":
        out.write(`${docFor(rest.join(" "))}\n`);
        return false;
      case ":help":
        out.write(
          [
            "Type Beagle code; a line with an open bracket or string continues on the next.",
            "Definitions (fn, struct, enum, let, use) stay for the session; redefining replaces.",
            "  :doc NAME   documentation of a function or value (NAME, alias/NAME or ns/NAME)",
            "  :quit       leave (also Ctrl-D)",
          ].join("\n") + "\n",
        );
        return false;
      default:
        process.stderr.write(`unknown command ${cmd} (:doc NAME, :help, :quit)\n`);
        return false;
    }
  };

  const docFor = (name: string): string => {
    if (!name) return "usage: :doc NAME";
    const slash = name.lastIndexOf("/");
    const candidates: [string, string][] = [];
    if (slash > 0) {
      const q = name.slice(0, slash);
      candidates.push([vm.namespace(NS).aliases.get(q) ?? q, name.slice(slash + 1)]);
    } else for (const ns of [NS, "beagle.core"]) candidates.push([ns, name]);
    for (const [ns, n] of candidates) {
      const v = vm.namespaces.get(ns)?.vars.get(n);
      if (!v || v.value === undefined) continue;
      const val = v.value;
      const head =
        val instanceof Closure
          ? `${ns}/${n} — fn of ${val.proto.nparams}${val.proto.variadic ? "+" : ""} argument${val.proto.nparams === 1 ? "" : "s"}`
          : `${ns}/${n} = ${formatValue(val, 0)}`;
      return v.doc ? `${head}\n${v.doc.replace(/^/gm, "  ")}` : `${head}\n  (no documentation)`;
    }
    return `no definition named ${name}`;
  };

  prompt();
  await done;
  // what is still running in the background finishes before the session ends, as after main
  clearInterval(timer);
  if (pending.trim()) evaluate(pending);
  current = null;
  vm.idleHook = blockingIdle;
  vm.runUntilIdle(onFiberDone);
  vm.flush();
  if (terminal) out.write("\n");
  await rt.async.backend.close();
  return 0;
}

/** print/println return their argument: echoing it would show it twice. */
function isPrintCall(e: Expr): boolean {
  return e.k === "Call" && e.fn.k === "Var" && /^e?print(ln)?$/.test(e.fn.name.name);
}

function loadHistory(file: string): string[] {
  try {
    const entries = readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => l.length > 0)
      .map((l) => l.replace(/\\n/g, "\n"));
    return entries.slice(-HISTORY_MAX).reverse(); // readline wants the newest first
  } catch {
    return [];
  }
}

function saveHistory(file: string, entry: string) {
  try {
    appendFileSync(file, `${entry.replace(/\n/g, "\\n")}\n`);
  } catch {
    // a history that cannot be written is no reason to stop
  }
}

export { CompileError };
