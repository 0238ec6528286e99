// Properties of values that are not structs, read with `.` as upstream allows:
//   type descriptors  .name (String), .id (Int: negative for built-in types,
//                     positive for struct and enum types)
//   functions         .name ("ns/fn"), .arity (fixed parameters)
//   collections       .count (vectors, maps, sets, strings, raw Arrays)
// Anything else is the usual "Cannot access property" TypeError.
import { EnumType, StructType, TypeDescriptor, type Value } from "../values.ts";
import { Builtin, Closure, Intrinsic, MultiFn } from "../objects.ts";
import { T } from "../types.ts";
import { PersistentVector, PersistentMap, PersistentSet } from "./util.ts";
import { cpLen } from "./strings.ts";

export const NO_PROPERTY: unique symbol = Symbol("no-property");

const descriptorIds = new Map<TypeDescriptor, number>();
for (const [i, t] of Object.values(T).entries()) descriptorIds.set(t, -(i + 1));

/** A descriptor's id: built-in types are negative (stable per run), user types positive. */
export function typeId(t: TypeDescriptor | StructType | EnumType): number {
  if (t instanceof TypeDescriptor) {
    let id = descriptorIds.get(t);
    if (id === undefined) {
      id = -(descriptorIds.size + 1);
      descriptorIds.set(t, id);
    }
    return id;
  }
  return t.id;
}

function arityOf(f: Value): number | null {
  if (f instanceof Closure) return f.proto.nparams;
  if (f instanceof MultiFn) {
    const i = f.byArity.findIndex((c) => c !== undefined);
    return i >= 0 ? i : (f.variadic?.proto.nparams ?? 0);
  }
  if (f instanceof Builtin || f instanceof Intrinsic) return f.fn.length;
  return null;
}

function fnName(f: Value): string | null {
  if (f instanceof Closure) return f.proto.qualifiedName;
  if (f instanceof MultiFn || f instanceof Builtin || f instanceof Intrinsic) return f.name;
  return null;
}

export function builtinProperty(obj: Value, name: string): Value {
  if (obj instanceof TypeDescriptor || obj instanceof StructType || obj instanceof EnumType) {
    if (name === "name") return obj instanceof StructType ? obj.displayName : obj.name;
    if (name === "id") return typeId(obj);
    return NO_PROPERTY;
  }
  if (name === "count") {
    if (obj instanceof PersistentVector || obj instanceof PersistentMap || obj instanceof PersistentSet)
      return obj.count;
    if (Array.isArray(obj)) return obj.length;
    if (typeof obj === "string") return cpLen(obj);
    return NO_PROPERTY;
  }
  if (name === "name") return fnName(obj) ?? NO_PROPERTY;
  if (name === "arity") return arityOf(obj) ?? NO_PROPERTY;
  return NO_PROPERTY;
}
