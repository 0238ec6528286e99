// Builtins that need the VM itself: printing to our stdout buffer, type
// reflection, apply, threads, eval. The standard library's other TypeScript
// builtins live in vm/builtins/.
import { Closure, type Fiber, FiberState, INTRINSIC_DONE } from "./objects.ts";
import { EnumType, Struct, StructType, TypeDescriptor, setFieldDefaultEvaluator, type Value } from "./values.ts";
import { type CompilerWarning, compilerWarnings } from "../compiler/diagnostics.ts";
import { formatValue, rawRepr } from "./print.ts";
import { equal } from "./equal.ts";
import { PersistentVector } from "./collections/vector.ts";
import { PUSHED, callValue } from "./interp.ts";
import { typeError } from "./errors.ts";
import { T, typeKeyOf } from "./types.ts";
import type { VM } from "./vm.ts";
import type { Loader } from "./loader.ts";
import { installReflect } from "./builtins/reflect.ts";

/** A green thread handle as Beagle sees it. */
export class ThreadHandle {
  constructor(readonly fiber: Fiber) {}
  beaglePrint(): string {
    return "Thread";
  }
}

export function installVmBuiltins(vm: VM, loader: Loader) {
  const core = "beagle.core";
  const def = (name: string, fn: (...a: Value[]) => Value) => vm.defineBuiltin(core, name, fn);

  for (const [name, t] of Object.entries(T)) vm.core.intern(name).value = t;

  def("__raw-repr", (v) => formatValue(v, 0));
  def("__write-stdout", (s) => {
    vm.write(String(s));
    return null;
  });
  def("__flush-stdout", () => {
    vm.flush();
    return null;
  });
  // Fallback printing, replaced by the prelude's Format-aware versions.
  const printJoin = (args: Value[]) => args.map((a) => formatValue(a, 0)).join(" ");
  def("print", (...args) => {
    vm.write(printJoin(args));
    return args.length ? args[args.length - 1] : null;
  });
  def("println", (...args) => {
    vm.write(printJoin(args) + "\n");
    return args.length ? args[args.length - 1] : null;
  });
  // upstream's raw printers (present without the prelude too): one value, its built-in text
  def("_print", (v) => {
    vm.write(rawRepr(v));
    return v;
  });
  def("_println", (v) => {
    vm.write(rawRepr(v) + "\n");
    return v;
  });
  // A built-in type descriptor is its own type, as upstream (`type-of(String)` is `String`); a struct or
  // enum type's type is still `Type`. Protocol dispatch keeps keying descriptors on `Type` (typeKeyOf).
  def("type-of", (v) => (v instanceof TypeDescriptor ? v : typeKeyOf(v)));
  def("equal", (a, b) => equal(a, b));
  // Compiler warnings (compiler/diagnostics.ts) as upstream's beagle.core Diagnostic structs.
  const diagnostic = (w: CompilerWarning): Value => {
    const type = vm.core.vars.get("Diagnostic")?.value;
    const severity = vm.core.vars.get("DiagnosticSeverity")?.value;
    if (!(type instanceof StructType)) return null;
    const warning = severity instanceof EnumType ? (severity.variants.get("warning")?.unit ?? null) : null;
    const byName: Record<string, Value> = {
      severity: warning,
      kind: w.kind,
      "file-name": w.file,
      line: w.line,
      column: w.col,
      message: w.message,
      "enum-name": w.enumName,
      "missing-variants": w.missingVariants ? PersistentVector.from(w.missingVariants) : null,
    };
    return new Struct(
      type,
      type.fields.map((f) => byName[f] ?? null),
    );
  };
  def("diagnostics", () => PersistentVector.from([...compilerWarnings.values()].flat().map(diagnostic)));
  def("diagnostics-for-file", (file) =>
    PersistentVector.from((compilerWarnings.get(String(file)) ?? []).map(diagnostic)),
  );
  def("files-with-diagnostics", () =>
    PersistentVector.from([...compilerWarnings].filter(([, ws]) => ws.length).map(([f]) => f)),
  );
  def("clear-diagnostics", () => {
    compilerWarnings.clear();
    return null;
  });
  def("current-namespace", () => vm.currentNamespace);

  vm.defineIntrinsic(core, "apply", (fiber, args) => {
    const [f, list] = args;
    const arr =
      list instanceof PersistentVector
        ? list.toArray()
        : list === null
          ? []
          : typeError("apply expects a vector of arguments");
    const r = callValue(vm, fiber, f, arr);
    return r === PUSHED ? INTRINSIC_DONE : r;
  });

  vm.defineIntrinsic(core, "thread", (_fiber, args) => {
    const f = args[0];
    // threads run under beagle.async's ambient handler, as main does
    const ambient = vm.namespaces.get("beagle.async")?.vars.get("__main__")?.value;
    const t = ambient !== undefined ? vm.spawn(ambient, [f, null]) : vm.spawn(f, []);
    t.isThread = true;
    return new ThreadHandle(t);
  });
  vm.defineIntrinsic(core, "thread-id", (fiber) => fiber.id);
  vm.defineIntrinsic(core, "set-thread-exception-handler!", (fiber, args) => {
    fiber.exceptionHandler = args[0];
    return null;
  });
  def("set-default-exception-handler!", (f) => {
    vm.defaultExceptionHandler = f;
    return null;
  });
  vm.defineIntrinsic(core, "eval", (fiber, args) => {
    const code = args[0];
    if (typeof code !== "string") typeError("eval expects a string");
    const mod = loader.compileEval(code);
    const r = callValue(vm, fiber, new Closure(mod.init, []), []);
    return r === PUSHED ? INTRINSIC_DONE : r;
  });
  def("gc", () => {
    (globalThis as { Bun?: { gc(force: boolean): void } }).Bun?.gc(true);
    return null;
  });
  // Docstrings live on namespace variables: find the variable holding the value.
  def("__doc", (v) => {
    for (const ns of vm.namespaces.values()) for (const x of ns.vars.values()) if (x.value === v && x.doc) return x.doc;
    return null;
  });
  def("__apropos", (q) => {
    const query = String(q);
    const hits: string[] = [];
    for (const ns of vm.namespaces.values())
      for (const [name, x] of ns.vars)
        if (!name.startsWith("__") && x.value !== undefined && (name.includes(query) || x.doc?.includes(query)))
          hits.push(`${ns.name}/${name}`);
    return PersistentVector.from(hits.sort());
  });
  def("struct-name", (t) =>
    t instanceof StructType || t instanceof EnumType || t instanceof TypeDescriptor ? t.name : null,
  );
  def("__fiber-state", (t) =>
    t instanceof ThreadHandle ? (t.fiber.state === FiberState.Done ? "done" : "running") : null,
  );
  installReflect(vm, loader);
  // defaults of fields a redefinition added, for instances made before it
  setFieldDefaultEvaluator((thunk) => vm.callSync(thunk, []));
}
