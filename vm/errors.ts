// How TypeScript code raises Beagle-level errors.
//
// A builtin that fails throws a BeagleRuntimeError; the VM turns it into a
// `SystemError.<kind> { message, location }` value at the failing call site, so
// Beagle `try/catch` (and `catch (e, resume)`) can handle it. A builtin that
// must throw an arbitrary Beagle value (e.g. a string, as upstream's `deref`
// does) throws BeagleThrow.
import type { Value } from "./values.ts";

export type SystemErrorKind =
  | "StructError"
  | "ParseError"
  | "CompileError"
  | "TypeError"
  | "ArityError"
  | "RuntimeError"
  | "ThreadError"
  | "FFIError"
  | "FunctionError"
  | "FieldError"
  | "IndexError"
  | "MutabilityError"
  | "JsonError"
  | "AssertError"
  | "IOError"
  | "AllocationError"
  | "ArgumentError"
  | "InvalidArgument"
  | "StringError"
  | "RegexError"
  | "EncodingError"
  | "CopyError";

export class BeagleRuntimeError extends Error {
  constructor(
    readonly kind: SystemErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export class BeagleThrow extends Error {
  constructor(readonly value: Value) {
    super("Beagle throw");
  }
}

export function runtimeError(kind: SystemErrorKind, message: string): never {
  throw new BeagleRuntimeError(kind, message);
}

export function typeError(message: string): never {
  throw new BeagleRuntimeError("TypeError", message);
}
