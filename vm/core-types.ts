// Prelude-declared types that TypeScript builtins need to construct or
// recognise: Result, Error, SystemError, Atom, Range, StringBuffer.
//
// They are declared in stdlib/std.bg (namespace beagle.core). After std.bg has
// loaded, the VM calls bindCoreTypes(lookup) with a lookup of beagle.core
// globals; a name declared with `enum` must resolve to its EnumType and a
// `struct` to its StructType. Until then the helpers throw a clear error.
import { EnumType, Struct, StructType, type Value } from "./values.ts";
import type { SystemErrorKind } from "./errors.ts";

interface Bound {
  Result: EnumType;
  Error: EnumType;
  SystemError: EnumType | null;
  Atom: StructType;
  Range: StructType | null;
  StringBuffer: StructType | null;
}

let bound: Bound | null = null;

function asEnum(v: unknown, name: string): EnumType {
  if (v instanceof EnumType) return v;
  const inner =
    (v as { enumType?: unknown; type?: unknown } | null)?.enumType ?? (v as { type?: unknown } | null)?.type;
  if (inner instanceof EnumType) return inner;
  throw new Error(`bindCoreTypes: beagle.core/${name} is not an enum (got ${String(v)})`);
}

function asStruct(v: unknown, name: string): StructType {
  if (v instanceof StructType) return v;
  const inner = (v as { type?: unknown } | null)?.type;
  if (inner instanceof StructType) return inner;
  throw new Error(`bindCoreTypes: beagle.core/${name} is not a struct type (got ${String(v)})`);
}

function optional<T>(f: () => T): T | null {
  try {
    return f();
  } catch {
    return null;
  }
}

/** Called by the VM once std.bg has been loaded. */
export function bindCoreTypes(lookup: (name: string) => Value): void {
  bound = {
    Result: asEnum(lookup("Result"), "Result"),
    Error: asEnum(lookup("Error"), "Error"),
    SystemError: optional(() => asEnum(lookup("SystemError"), "SystemError")),
    Atom: asStruct(lookup("Atom"), "Atom"),
    Range: optional(() => asStruct(lookup("Range"), "Range")),
    StringBuffer: optional(() => asStruct(lookup("StringBuffer"), "StringBuffer")),
  };
}

export function coreTypesBound(): boolean {
  return bound !== null;
}

function b(): Bound {
  if (!bound) throw new Error("core types used before std.bg was loaded (bindCoreTypes not called)");
  return bound;
}

function variant(e: EnumType, name: string): StructType {
  const t = e.variants.get(name);
  if (!t) throw new Error(`enum ${e.name} has no variant ${name}`);
  return t;
}

function build(t: StructType, fields: Record<string, Value>): Struct {
  if (t.unit) return t.unit;
  return new Struct(
    t,
    t.fields.map((f) => (f in fields ? fields[f] : null)),
  );
}

/** `Result.Ok { value }` */
export function ok(value: Value): Struct {
  return build(variant(b().Result, "Ok"), { value });
}

/** `Result.Err { error }` */
export function err(error: Value): Struct {
  return build(variant(b().Result, "Err"), { error });
}

/** A variant of the prelude `Error` enum, e.g. errorValue("NotFound", { path }). */
export function errorValue(variantName: string, fields: Record<string, Value>): Struct {
  return build(variant(b().Error, variantName), fields);
}

/** `SystemError.<kind> { message, location }` */
export function systemError(kind: SystemErrorKind, message: string, location: string): Struct {
  const e = b().SystemError;
  if (!e) throw new Error("SystemError enum is not bound");
  return build(variant(e, kind), { message, location });
}

export function isResult(v: Value): boolean {
  return v instanceof Struct && v.type.enumType === b().Result;
}

export function isOk(v: Value): boolean {
  return v instanceof Struct && v.type === variant(b().Result, "Ok");
}

// ---------------------------------------------------------------- atoms

export function atomType(): StructType {
  return b().Atom;
}

export function isAtom(v: Value): v is Struct {
  return v instanceof Struct && bound !== null && v.type === bound.Atom;
}

export function makeAtom(value: Value): Struct {
  return new Struct(b().Atom, [value]);
}

export function rangeType(): StructType | null {
  return bound?.Range ?? null;
}
