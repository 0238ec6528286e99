// Built-in type descriptors and the type key used by protocol dispatch,
// `type-of` and `instance-of`.
import { BFloat, EnumType, Keyword, Struct, StructType, TypeDescriptor, migrate, type Value } from "./values.ts";
import { Builtin, Closure, Continuation, Intrinsic, MultiFn, Protocol, ProtocolMethod } from "./objects.ts";
import { PersistentVector } from "./collections/vector.ts";
import { PersistentMap } from "./collections/map.ts";
import { PersistentSet } from "./collections/set.ts";

export const T = {
  Int: new TypeDescriptor("Int"),
  Float: new TypeDescriptor("Float"),
  String: new TypeDescriptor("String"),
  Bool: new TypeDescriptor("Bool"),
  Null: new TypeDescriptor("Null"),
  Keyword: new TypeDescriptor("Keyword"),
  Function: new TypeDescriptor("Function"),
  Closure: new TypeDescriptor("Closure"),
  MultiArityFunction: new TypeDescriptor("MultiArityFunction"),
  PersistentVector: new TypeDescriptor("PersistentVector"),
  PersistentMap: new TypeDescriptor("PersistentMap"),
  PersistentSet: new TypeDescriptor("PersistentSet"),
  Array: new TypeDescriptor("Array"),
  Regex: new TypeDescriptor("Regex"),
  Continuation: new TypeDescriptor("Continuation"),
  Protocol: new TypeDescriptor("Protocol"),
  Type: new TypeDescriptor("Type"),
  Object: new TypeDescriptor("Object"),
};

/** The dispatch key of a value: a StructType, EnumType or TypeDescriptor. */
export function typeKeyOf(v: Value): unknown {
  switch (typeof v) {
    case "number":
      return Number.isInteger(v) && !Object.is(v, -0) ? T.Int : T.Float;
    case "string":
      return T.String;
    case "boolean":
      return T.Bool;
    case "bigint":
      return T.Int;
    default:
      break; // objects, functions, undefined and symbols: below
  }
  if (v === null || v === undefined) return T.Null;
  if (v instanceof Struct) {
    if (v.type.successor !== null) migrate(v); // made before its struct was redefined
    return v.type.enumType ?? v.type;
  }
  if (v instanceof PersistentVector) return T.PersistentVector;
  if (v instanceof PersistentMap) return T.PersistentMap;
  if (v instanceof PersistentSet) return T.PersistentSet;
  if (Array.isArray(v)) return T.Array;
  if (v instanceof BFloat) return T.Float;
  if (v instanceof Keyword) return T.Keyword;
  if (v instanceof Closure) return v.env.length ? T.Closure : T.Function;
  if (v instanceof Builtin || v instanceof Intrinsic || v instanceof ProtocolMethod) return T.Function;
  if (v instanceof MultiFn) return T.MultiArityFunction;
  if (v instanceof Continuation) return T.Continuation;
  if (v instanceof Protocol) return T.Protocol;
  if (v instanceof StructType || v instanceof EnumType || v instanceof TypeDescriptor) return T.Type;
  const custom = (v as { beagleType?: () => unknown }).beagleType;
  if (typeof custom === "function") return custom.call(v);
  return T.Object;
}

/** Upstream-style kind name used in error messages ("Int", "String", "Point"...). */
export function typeNameOf(v: Value): string {
  const k = typeKeyOf(v);
  if (k instanceof TypeDescriptor) return k.name;
  if (k instanceof StructType) return k.name;
  if (k instanceof EnumType) return k.name;
  return "Object";
}
