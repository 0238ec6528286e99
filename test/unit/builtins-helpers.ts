// Shared setup for the builtin unit tests: the prelude types that TS
// builtins construct (Result, Error, Atom, Range), bound without a VM.
import { EnumType, StructType } from "../../vm/values.ts";
import { bindCoreTypes, coreTypesBound } from "../../vm/core-types.ts";
import { BeagleRuntimeError, BeagleThrow } from "../../vm/errors.ts";
import { builtins } from "../../vm/builtins/index.ts";
import type { Value } from "../../vm/values.ts";

export const B = builtins as Record<string, (...a: Value[]) => Value>;

export function bindTestCoreTypes(): void {
  if (coreTypesBound()) return;
  const result = new EnumType("beagle.core", "Result");
  result.addVariant("Ok", ["value"]);
  result.addVariant("Err", ["error"]);
  const error = new EnumType("beagle.core", "Error");
  for (const [name, fields] of [
    ["NotFound", ["path"]],
    ["PermissionDenied", ["path"]],
    ["AlreadyExists", ["path"]],
    ["IsDirectory", ["path"]],
    ["NotDirectory", ["path"]],
    ["Timeout", ["operation"]],
    ["Cancelled", []],
    ["IO", ["message"]],
    ["Other", ["code", "message"]],
  ] as [string, string[]][])
    error.addVariant(name, fields);
  const types: Record<string, unknown> = {
    Result: result,
    Error: error,
    Atom: new StructType("beagle.core", "Atom", ["value"]),
    Range: new StructType("beagle.core", "Range", ["current", "end", "step"]),
    StringBuffer: new StructType("beagle.core", "StringBuffer", ["content"], [true]),
  };
  bindCoreTypes((n) => types[n]);
}

/** The SystemError kind a builtin call raises, or "none". */
export function errKind(f: () => unknown): string {
  try {
    f();
    return "none";
  } catch (e) {
    if (e instanceof BeagleRuntimeError) return e.kind;
    if (e instanceof BeagleThrow) return "throw";
    throw e;
  }
}

/** The message of the Beagle error a builtin call raises. */
export function errMessage(f: () => unknown): string {
  try {
    f();
    return "";
  } catch (e) {
    if (e instanceof BeagleRuntimeError) return e.message;
    if (e instanceof BeagleThrow) return String(e.value);
    throw e;
  }
}
