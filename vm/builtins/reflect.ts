// beagle.reflect: what a program can ask about its own values and definitions,
// plus eval-in-ns (beagle.core).
//
// Every function takes a value or a type: a struct instance answers for its
// struct, an enum variant for its enum, a function for itself. Kinds are the
// keywords :struct, :enum, :function and :primitive. Sources and locations
// come from vm/definitions.ts (recorded by the code generator for each
// top-level fn, struct and enum); byte offsets and lines count the file as it
// was loaded, and a location's range starts at the definition's `///` lines.
// write-source splices new text into the file (refusing when the file no
// longer holds what was loaded) and re-evaluates it in the definition's
// namespace; persist does that for every definition in a text, appending the
// ones that are new.
import { readFileSync, writeFileSync } from "node:fs";
import { EnumType, Keyword, Struct, StructType, TypeDescriptor, type Value } from "../values.ts";
import { Builtin, Closure, Intrinsic, MultiFn, ProtocolMethod, type Var } from "../objects.ts";
import { definitionOf, recordDefinition, type Definition } from "../definitions.ts";
import { typeKeyOf } from "../types.ts";
import { BeagleThrow, runtimeError, typeError } from "../errors.ts";
import { parseProgram } from "../../compiler/parser.ts";
import { PersistentMap, PersistentVector, kindName } from "./util.ts";
import type { VM } from "../vm.ts";
import type { Loader } from "../loader.ts";

const kw = Keyword.of;
const vec = (a: Value[]) => PersistentVector.from(a);
const map = (entries: [Value, Value][]) => PersistentMap.from(entries);

function isFunction(v: Value): boolean {
  return (
    v instanceof Closure ||
    v instanceof MultiFn ||
    v instanceof Builtin ||
    v instanceof Intrinsic ||
    v instanceof ProtocolMethod
  );
}

/** The type a value stands for: a struct/enum type, a function, or a built-in descriptor. */
function target(v: Value): Value {
  if (v instanceof StructType) return v.enumType ?? v;
  if (v instanceof EnumType || v instanceof TypeDescriptor) return v;
  if (v instanceof Struct) return v.type.enumType ?? v.type;
  if (isFunction(v)) return v;
  return typeKeyOf(v);
}

function kindOf(t: Value): string {
  if (t instanceof StructType) return "struct";
  if (t instanceof EnumType) return "enum";
  if (isFunction(t)) return "function";
  return "primitive";
}

function nameOf(v: Value): string {
  if (v instanceof Keyword) return v.name;
  const t = target(v);
  if (t instanceof StructType || t instanceof EnumType || t instanceof TypeDescriptor) return t.name;
  if (t instanceof Closure) return t.proto.qualifiedName;
  if (t instanceof MultiFn || t instanceof Builtin || t instanceof Intrinsic) return t.name;
  if (t instanceof ProtocolMethod) return t.name;
  return kindName(v);
}

const isPrimitive = (v: Value) =>
  v === null ||
  typeof v === "number" ||
  typeof v === "bigint" ||
  typeof v === "string" ||
  typeof v === "boolean" ||
  typeKeyOf(v) === typeKeyOf(1.5);

/** UTF-8 byte length of a JS string. */
const bytes = (s: string) => Buffer.byteLength(s, "utf8");

export function installReflect(vm: VM, loader: Loader) {
  const R = "beagle.reflect";
  const def = (name: string, fn: (...a: Value[]) => Value) => vm.defineBuiltin(R, name, fn);

  /** The namespace variable that holds `v` (its definition), if any; a string names a binding. */
  function varOf(v: Value): Var | undefined {
    if (typeof v === "string") {
      const slash = v.lastIndexOf("/");
      if (slash > 0) return vm.namespaces.get(v.slice(0, slash))?.vars.get(v.slice(slash + 1));
      const own = vm.namespaces.get(vm.currentNamespace)?.vars.get(v);
      if (own && definitionOf(own)) return own;
      for (const ns of vm.namespaces.values()) {
        const x = ns.vars.get(v);
        if (x && definitionOf(x)) return x;
      }
      return undefined;
    }
    const t = v instanceof Struct ? target(v) : v;
    let best: Var | undefined;
    for (const ns of vm.namespaces.values())
      for (const x of ns.vars.values())
        if (x.value === t) {
          if (definitionOf(x)) return x;
          best ??= x;
        }
    return best;
  }
  const definition = (v: Value): Definition | undefined => {
    const x = varOf(v);
    return x ? definitionOf(x) : undefined;
  };

  function fields(v: Value): Value {
    const t = v instanceof Struct ? v.type : target(v);
    return t instanceof StructType ? vec(t.fields.slice()) : null;
  }
  function variants(v: Value): Value {
    const t = target(v);
    return t instanceof EnumType ? vec([...t.variants.keys()]) : null;
  }
  function args(v: Value): Value {
    if (!isFunction(v)) return null;
    const d = definition(v);
    if (d?.params) return vec(d.params);
    if (v instanceof Closure) return vec(Array.from({ length: v.proto.nparams }, (_, i) => `arg${i}`));
    return null;
  }
  function variadic(v: Value): boolean {
    if (v instanceof Closure) return v.proto.variadic;
    if (v instanceof MultiFn) return v.variadic !== null;
    return false;
  }
  function doc(v: Value): Value {
    const t = target(v);
    const x = varOf(v);
    if (x?.doc) return x.doc;
    const d = (t as { doc?: unknown })?.doc;
    return typeof d === "string" ? d : null;
  }

  def("type-of", (v) => target(v));
  def("kind", (v) => kw(kindOf(target(v))));
  def("name", (v) => nameOf(v));
  def("doc", (v) => doc(v));
  def("fields", (v) => fields(v));
  def("variants", (v) => variants(v));
  def("args", (v) => args(v));
  def("variadic?", (v) => variadic(v));
  def("struct?", (v) => target(v) instanceof StructType && !(v instanceof TypeDescriptor));
  def("enum?", (v) => target(v) instanceof EnumType);
  def("function?", (v) => isFunction(v));
  def("primitive?", (v) => isPrimitive(v));
  def("info", (v) => {
    const t = target(v);
    const k = kindOf(t);
    const e: [Value, Value][] = [
      [kw("kind"), kw(k)],
      [kw("name"), nameOf(v)],
      [kw("doc"), doc(v)],
    ];
    if (k === "struct") e.push([kw("fields"), fields(v)]);
    if (k === "enum") e.push([kw("variants"), variants(v)]);
    if (k === "function") {
      e.push([kw("args"), args(v)]);
      e.push([kw("variadic?"), variadic(v)]);
    }
    return map(e);
  });

  const nsArg = (n: Value, fn: string) => {
    if (typeof n !== "string") typeError(`reflect/${fn}: expected a namespace name, got ${kindName(n)}`);
    return vm.namespaces.get(n);
  };
  const visible = (name: string, x: Var) => !name.startsWith("__") && x.value !== undefined;
  def("all-namespaces", () => vec([...vm.namespaces.keys()]));
  def("namespace-members", (n) => {
    const ns = nsArg(n, "namespace-members");
    return ns ? vec([...ns.vars].filter(([k, x]) => visible(k, x)).map(([k]) => k)) : vec([]);
  });
  def("namespace-info", (n) => {
    const ns = nsArg(n, "namespace-info");
    const fns: string[] = [];
    const structs: string[] = [];
    const enums: string[] = [];
    if (ns)
      for (const [k, x] of ns.vars) {
        if (!visible(k, x)) continue;
        if (x.value instanceof StructType) structs.push(k);
        else if (x.value instanceof EnumType) enums.push(k);
        else if (isFunction(x.value)) fns.push(k);
      }
    return map([
      [kw("name"), n],
      [kw("functions"), vec(fns)],
      [kw("structs"), vec(structs)],
      [kw("enums"), vec(enums)],
    ]);
  });
  def("apropos", (q) => {
    const query = String(q);
    const hits: string[] = [];
    for (const ns of vm.namespaces.values())
      for (const [name, x] of ns.vars)
        if (visible(name, x) && (name.includes(query) || x.doc?.includes(query))) hits.push(`${ns.name}/${name}`);
    return vec(hits.sort());
  });

  def("source", (v) => definition(v)?.text ?? null);
  // `name`-style queries on a string are about the string itself; source/location/write-source name a binding
  def("namespace-source", (n) => {
    const ns = nsArg(n, "namespace-source");
    if (!ns) return null;
    const ds: Definition[] = [];
    for (const x of ns.vars.values()) {
      const d = definitionOf(x);
      if (d) ds.push(d);
    }
    if (ds.length === 0) return null;
    ds.sort((a, b) => a.seq - b.seq);
    return ds.map((d) => d.text).join("\n\n");
  });

  /** Start of the `///` lines directly above offset `start` in `src`. */
  function docStart(src: string, start: number): number {
    let s = start;
    for (;;) {
      const lineStart = src.lastIndexOf("\n", s - 1) + 1; // start of the definition's line
      if (lineStart === 0) return s;
      const prevStart = src.lastIndexOf("\n", lineStart - 2) + 1;
      if (
        !src
          .slice(prevStart, lineStart - 1)
          .trimStart()
          .startsWith("///")
      )
        return s;
      s = prevStart;
    }
  }
  function location(d: Definition): Value {
    if (d.file === "<eval>" || d.file === "<repl>") return null;
    const src = vm.sources.get(d.file);
    if (src === undefined) return null;
    const from = docStart(src, d.start);
    const lineOf = (off: number) => src.slice(0, off).split("\n").length;
    return map([
      [kw("file"), d.file],
      [kw("byte-start"), bytes(src.slice(0, from))],
      [kw("byte-end"), bytes(src.slice(0, d.end))],
      [kw("line-start"), lineOf(from)],
      [kw("line-end"), lineOf(d.end)],
    ]);
  }
  def("location", (v) => {
    const d = definition(v);
    return d ? location(d) : null;
  });

  /** Compile and run `code` in namespace `ns`; the current namespace is restored whatever happens. */
  function evalIn(code: string, ns: string): Value {
    const saved = vm.currentNamespace;
    vm.currentNamespace = ns;
    try {
      const mod = loader.compileEval(code);
      return vm.callSync(new Closure(mod.init, []), []);
    } finally {
      vm.currentNamespace = saved;
    }
  }
  vm.defineBuiltin("beagle.core", "eval-in-ns", (code, ns) => {
    if (typeof code !== "string") typeError("eval-in-ns expects a string of code");
    if (typeof ns !== "string") typeError("eval-in-ns expects a namespace name");
    return evalIn(code, ns);
  });

  /** Replace the text of definition `x` (of namespace `ns`) in its file by `text`, then evaluate it. */
  function splice(x: Var, d: Definition, text: string) {
    if (d.file === "<eval>" || d.file.startsWith("stdlib/"))
      throw new BeagleThrow(`reflect: ${x.ns}/${x.name} has no source file to write`);
    let disk: string;
    try {
      disk = readFileSync(d.file, "utf8");
    } catch (e) {
      runtimeError("IOError", `reflect: cannot read ${d.file}: ${(e as Error).message}`);
    }
    if (disk.slice(d.start, d.end) !== d.text)
      throw new BeagleThrow(`reflect: ${d.file} changed on disk since ${x.ns}/${x.name} was loaded; not writing`);
    const updated = disk.slice(0, d.start) + text + disk.slice(d.end);
    writeFileSync(d.file, updated);
    vm.sources.set(d.file, updated);
    shiftAfter(d.file, d.end, text.length - (d.end - d.start), d);
    try {
      evalIn(text, x.ns);
    } finally {
      // the record describes the bytes now on disk even when the new text fails to compile,
      // so a corrected text can be persisted over it; a successful eval recorded the new parameters
      const fresh = definitionOf(x);
      const from = fresh && fresh.file === "<eval>" ? fresh : d;
      recordDefinition(x, { ...from, file: d.file, start: d.start, end: d.start + text.length, text });
    }
  }
  /** Definitions of `file` after offset `at` move by `delta` when text before them changes. */
  function shiftAfter(file: string, at: number, delta: number, except: Definition) {
    for (const ns of vm.namespaces.values())
      for (const v of ns.vars.values()) {
        const o = definitionOf(v);
        if (o && o !== except && o.file === file && o.start >= at) {
          o.start += delta;
          o.end += delta;
        }
      }
  }

  def("write-source", (v, text) => {
    if (typeof text !== "string") typeError("reflect/write-source expects the new text as a string");
    const x = varOf(v);
    const d = x ? definitionOf(x) : undefined;
    if (!x || !d) throw new BeagleThrow("reflect/write-source: no recorded source for this value");
    splice(x, d, text);
    return null;
  });

  def("persist", (nsName, text) => {
    if (typeof nsName !== "string" || typeof text !== "string")
      typeError("reflect/persist expects a namespace name and the text of definitions");
    const ns = vm.namespaces.get(nsName);
    if (!ns) throw new BeagleThrow(`reflect/persist: no namespace ${nsName}`);
    const prog = parseProgram(text, "<persist>");
    const pieces: { name: string; text: string }[] = [];
    for (const t of prog.body)
      if ((t.k === "FnDecl" || t.k === "StructDecl" || t.k === "EnumDecl") && t.span) {
        const name = t.k === "FnDecl" ? t.fn.name! : t.name;
        pieces.push({ name, text: text.slice(t.span[0], t.span[1]) });
      }
    // every existing definition must still match its file before anything is written
    let home: string | null = null;
    for (const x of ns.vars.values()) {
      const d = definitionOf(x);
      if (d && d.file !== "<eval>" && !d.file.startsWith("stdlib/")) home ??= d.file;
    }
    for (const p of pieces) {
      const x = ns.vars.get(p.name);
      const d = x ? definitionOf(x) : undefined;
      if (d && d.file !== "<eval>") {
        const disk = readFileSync(d.file, "utf8");
        if (disk.slice(d.start, d.end) !== d.text)
          throw new BeagleThrow(`reflect/persist: ${d.file} changed on disk since ${nsName}/${p.name} was loaded`);
      }
    }
    const written: Value[] = [];
    for (const p of pieces) {
      const x = ns.vars.get(p.name);
      const d = x ? definitionOf(x) : undefined;
      const updating = x !== undefined && d !== undefined && d.file !== "<eval>";
      if (updating) splice(x!, d!, p.text);
      else {
        if (home === null) throw new BeagleThrow(`reflect/persist: namespace ${nsName} has no source file`);
        const disk = readFileSync(home, "utf8");
        const sep = disk.endsWith("\n") ? "\n" : "\n\n";
        const start = disk.length + sep.length;
        const updated = disk + sep + p.text + "\n";
        writeFileSync(home, updated);
        vm.sources.set(home, updated);
        evalIn(p.text, nsName);
        const nx = ns.intern(p.name);
        const fresh = definitionOf(nx) ?? { params: null, variadic: false };
        recordDefinition(nx, { ...fresh, file: home, start, end: start + p.text.length, text: p.text });
      }
      written.push(
        map([
          [kw("name"), `${nsName}/${p.name}`],
          [kw("action"), updating ? "updated" : "appended"],
        ]),
      );
    }
    return vec(written);
  });
}
