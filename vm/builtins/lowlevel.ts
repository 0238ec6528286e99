// beagle.primitive, beagle.builtin and beagle.runtime: upstream's low-level
// namespaces, as far as they mean something on this VM.
//
// Upstream's objects are headers plus fields; here a raw Array is a JS array
// and a struct a Struct, so "fields" are an array's elements or a struct's
// slots. Type ids: 1 for an Array (as upstream), 2 for a String; writing a
// type id is accepted and ignored (an allocated object is already an Array).
// Compiler hints (specialize-all, breakpoint) do nothing; stop-the-world runs
// a collection. `primitive/set!(obj.field, v)` is compiled as `obj.field = v`
// (compiler/codegen.ts).
import { Keyword, Struct, type Value } from "../values.ts";
import { runtimeError } from "../errors.ts";
import { hash64 } from "../hash.ts";
import { formatValue } from "../print.ts";
import { byteLength } from "../bytes.ts";
import { builtins as core } from "./core.ts";
import { builtins as strings } from "./strings.ts";
import { moduleBuiltins as arr, newArray } from "./array.ts";
import { builtins as sbCore } from "./string-builder.ts";
import { argInt, kindName, normInt, typeError, type Builtin } from "./util.ts";

function fields(obj: Value, fn: string): Value[] {
  if (Array.isArray(obj)) return obj;
  if (obj instanceof Struct) return obj.f as Value[];
  typeError(`${fn}: expected an object with fields, got ${kindName(obj)}`);
}

function isObject(v: Value): boolean {
  return v !== null && typeof v === "object" && !(v instanceof Keyword) ? true : typeof v === "string";
}

const primitive: Record<string, Builtin> = {
  size(obj) {
    if (typeof obj === "string") return byteLength(obj);
    return fields(obj, "primitive/size").length;
  },
  "read-field"(obj, i) {
    const f = fields(obj, "primitive/read-field");
    const k = argInt(i, "primitive/read-field", "index");
    return k >= 0 && k < f.length ? f[k] : null;
  },
  "write-field"(obj, i, v) {
    const f = fields(obj, "primitive/write-field");
    const k = argInt(i, "primitive/write-field", "index");
    if (k < 0 || k >= f.length)
      runtimeError("IndexError", `primitive/write-field: index ${k} out of bounds (${f.length})`);
    f[k] = v;
    return null;
  },
  "is-object": isObject,
  "read-type-id"(v) {
    if (Array.isArray(v)) return 1;
    if (typeof v === "string") return 2;
    return 0;
  },
  "write-type-id": (_obj, _id) => null,
  "read-struct-id"(v) {
    if (v instanceof Struct) return v.type.id;
    typeError(`primitive/read-struct-id: expected a struct, got ${kindName(v)}`);
  },
  "is-string-constant": (v) => typeof v === "string",
  panic(msg) {
    runtimeError("RuntimeError", `panic: ${typeof msg === "string" ? msg : formatValue(msg, 0)}`);
  },
  breakpoint: (..._args) => null,
  "breakpoint!": (..._args) => null,
  __pause: (..._args) => null,
  "string-builder-byte-at": sbCore["string-builder-byte-at"]!,
  "string-builder-set-byte-at!": sbCore["string-builder-set-byte-at!"]!,
  deref: core.deref!,
  "reset!": core["reset!"]!,
  "compare-and-swap!": core["compare-and-swap!"]!,
};

const builtin: Record<string, Builtin> = {
  /** The 64-bit hash maps use, as an Int (61 bits, signed), like upstream's. */
  hash: (v) => normInt(BigInt.asIntN(64, hash64(v))),
  allocate: (n) => newArray(n),
  "allocate-zeroed"(n) {
    return newArray(n).fill(0);
  },
  "fill-object-fields"(obj, v) {
    fields(obj, "builtin/fill-object-fields").fill(v);
    return obj;
  },
  "copy-object"(obj) {
    if (Array.isArray(obj)) return obj.slice();
    if (obj instanceof Struct) return new Struct(obj.type, obj.f.slice());
    typeError(`builtin/copy-object: expected an object, got ${kindName(obj)}`);
  },
  "copy-from-to-object": arr["unsafe-copy-from-array-to"]!,
  "copy-array-range": arr["copy-range"]!,
  "char-code": strings["char-code"]!,
  "char-from-code": strings["char-from-code"]!,
  "is-keyword": (v) => v instanceof Keyword,
  "keyword-to-string": strings["keyword->string"]!,
  "string-to-keyword": strings["string->keyword"]!,
  "get-string-length": strings["__string-length"]!,
};

const runtime: Record<string, Builtin> = {
  /** A hint to upstream's JIT; nothing to do here. */
  "specialize-all": (..._args) => null,
  "stop-the-world"() {
    (globalThis as { Bun?: { gc(force: boolean): void } }).Bun?.gc(true);
    return null;
  },
};

export const namespaces: Record<string, Record<string, Builtin>> = {
  "beagle.primitive": primitive,
  "beagle.builtin": builtin,
  "beagle.runtime": runtime,
};
