// Finding, compiling and running Beagle source files and namespaces.
import { readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Loc } from "../compiler/ast.ts";
import { parseProgram } from "../compiler/parser.ts";
import { CodeGen, type CompiledModule, type CompilerHost } from "../compiler/codegen.ts";
import { BeagleSyntaxError } from "../compiler/diagnostics.ts";
import { embeddedStdlib } from "../stdlib/embedded.ts";
import type { Namespace } from "./objects.ts";
import type { VM } from "./vm.ts";

export class Loader implements CompilerHost {
  /** namespaces whose file has been loaded (or is loading) */
  private readonly loaded = new Set<string>();
  /** extra directories to search (-I) */
  readonly includeDirs: string[] = [];
  /** modules carried inside a built executable (`beagle build`), by namespace: searched first */
  readonly bundled = new Map<string, { file: string; source: string }>();

  constructor(readonly vm: VM) {}

  get core(): Namespace {
    return this.vm.core;
  }

  namespace(name: string): Namespace {
    return this.vm.namespace(name);
  }

  isLoaded(ns: string): boolean {
    return this.loaded.has(ns);
  }

  markLoaded(ns: string) {
    this.loaded.add(ns);
  }

  require(name: string, fromFile: string, loc: Loc): void {
    if (this.loaded.has(name)) return;
    const found = this.find(name, fromFile, loc);
    if (!found) {
      throw new BeagleSyntaxError(`Cannot resolve namespace '${name}'`, fromFile, loc.line, loc.col);
    }
    this.loaded.add(name);
    this.runSource(found.source, found.file, found.stdlib === true);
  }

  /** Candidate files for a namespace, as upstream searches them. */
  private find(name: string, fromFile: string, loc: Loc): { file: string; source: string; stdlib?: boolean } | null {
    const b = this.bundled.get(name);
    if (b) return b;
    const p = findModuleFile(name, fromFile, this.includeDirs);
    if (p !== null) return { file: p, source: readSource(p, name, fromFile, loc) };
    const src = embeddedStdlib[name + ".bg"];
    if (src !== undefined) return { file: `stdlib/${name}.bg`, source: src, stdlib: true };
    return null;
  }

  /** Compile a whole file and run its top-level code. */
  compile(source: string, file: string, lazy = false): CompiledModule {
    this.vm.sources.set(file, source);
    const prog = parseProgram(source, file);
    const mod = new CodeGen(this, file, source, lazy && !process.env.BEAGLE_EAGER).compileProgram(prog);
    this.loaded.add(mod.ns.name);
    return mod;
  }

  runSource(source: string, file: string, lazy = false): CompiledModule {
    const mod = this.compile(source, file, lazy);
    this.vm.runInit(mod);
    return mod;
  }

  /** Compile `eval` code in the program's namespace. */
  compileEval(code: string): CompiledModule {
    const ns = this.vm.currentNamespace;
    // The code itself is the source (so error positions are the code's own);
    // it runs in the current namespace and sees that namespace's aliases.
    const prog = parseProgram(code, "<eval>", { aliases: this.vm.namespace(ns).aliases.keys() });
    prog.body.unshift({ k: "Namespace", name: ns, loc: { line: 1, col: 1 } });
    this.vm.sources.set("<eval>", code);
    return new CodeGen(this, "<eval>", code).compileProgram(prog);
  }

  loadStdlib(name: string) {
    if (this.loaded.has(name)) return;
    const src = embeddedStdlib[name + ".bg"];
    if (src === undefined) return;
    this.loaded.add(name);
    this.runSource(src, `stdlib/${name}.bg`, true);
  }
}

/** The file a `use NAME` in `fromFile` loads from disk, as upstream searches: null if none (stdlib or missing). */
export function findModuleFile(name: string, fromFile: string, includeDirs: readonly string[]): string | null {
  const parts = name.split(".");
  const candidates = [parts.join("/") + ".bg", name + ".bg"];
  if (parts.length > 1) candidates.push(parts.slice(1).join("/") + ".bg");
  candidates.push(parts[parts.length - 1] + ".bg");
  for (const d of [dirname(resolve(fromFile)), ...includeDirs]) {
    for (const c of candidates) {
      const p = join(d, c);
      if (isFile(p)) return p;
    }
  }
  return null;
}

/** A regular file (a directory named like a module is not one). */
function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** A module's text; an unreadable file is a located error at the `use`, not a JS exception. */
function readSource(p: string, name: string, fromFile: string, loc: Loc): string {
  try {
    const s = readFileSync(p, "utf8");
    return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new BeagleSyntaxError(`Cannot read namespace '${name}' from ${p}: ${code}`, fromFile, loc.line, loc.col);
  }
}
