// beagle.ffi on bun:ffi: load a C library, call its functions with declared
// types, and off-heap memory (buffers, typed cells and arrays).
//
// Memory is a Uint8Array per allocation, kept in a table by its real address
// (bun:ffi's ptr), so the address handed to C is the same bytes Beagle reads
// and writes. A buffer that was deallocated or forgotten (ownership given to C)
// is gone from the table: reading or writing it is a resumable FFIError.
// Buffers nobody references any more are released by a FinalizationRegistry;
// the count of releases (explicit or not, each allocation at most once) is
// __native-memory-free-count. Beagle structs (Buffer, Cell, TypedArray,
// Library) are built by stdlib/beagle.ffi.bg around the addresses and ids
// these natives return.
import { existsSync } from "node:fs";
import { dlopen, ptr, CString, type FFIType } from "bun:ffi";
import { Struct, type Value } from "../values.ts";
import { Builtin } from "../objects.ts";
import {
  mkFloat,
  normInt,
  runtimeError,
  toNum,
  typeError,
  vecToArray,
  kindName,
  argInt,
  argStr,
  type Builtin as BuiltinFn,
} from "./util.ts";
import { isFloat } from "../values.ts";
import { bytesToString } from "../bytes.ts";

interface Region {
  bytes: Uint8Array;
  view: DataView;
}

const regions = new Map<number, Region>();
let freeCount = 0;

function release(addr: number): boolean {
  if (!regions.delete(addr)) return false;
  freeCount++;
  return true;
}

const finalizer = new FinalizationRegistry<number>((addr) => {
  release(addr);
});

function newRegion(size: number): number {
  // the ArrayBuffer first: touching `.buffer` of a small typed array later would move its
  // bytes out of the GC heap and leave an address taken before pointing at the old copy
  const ab = new ArrayBuffer(Math.max(1, size));
  const bytes = new Uint8Array(ab);
  const view = new DataView(ab);
  const addr = Number(ptr(bytes));
  regions.set(addr, { bytes, view });
  return addr;
}

function addrOf(v: Value, fn: string): number {
  if (v instanceof Struct) {
    const slot = v.type.slots.get("ptr");
    if (slot !== undefined) return addrOf(v.f[slot], fn);
  }
  if (typeof v === "number" && Number.isInteger(v)) return v;
  if (typeof v === "bigint") return Number(v);
  typeError(`ffi/${fn}: expected a buffer or pointer, got ${kindName(v)}`);
}

/** The region holding `v` and the offset `off` checked against its size. */
function at(v: Value, off: Value, width: number, fn: string): [DataView, number] {
  const addr = addrOf(v, fn);
  const o = argInt(off, `ffi/${fn}`, "offset");
  const r = regions.get(addr);
  if (!r) runtimeError("FFIError", `ffi/${fn}: use after free or forget (address ${addr})`);
  if (o < 0 || o + width > r.bytes.length)
    runtimeError("FFIError", `ffi/${fn}: offset ${o} out of bounds for ${r.bytes.length} bytes`);
  return [r.view, o];
}

const num = (v: Value): number =>
  typeof v === "number" || typeof v === "bigint" || isFloat(v)
    ? toNum(v)
    : typeError(`ffi: expected a number, got ${kindName(v)}`);
const big = (v: Value): bigint => (typeof v === "bigint" ? v : BigInt(Math.trunc(num(v))));

function getter(width: number, read: (d: DataView, o: number) => Value, name: string): BuiltinFn {
  return (b, off) => {
    const [d, o] = at(b, off, width, name);
    return read(d, o);
  };
}
function setter(width: number, write: (d: DataView, o: number, v: Value) => void, name: string): BuiltinFn {
  return (b, off, v) => {
    const [d, o] = at(b, off, width, name);
    write(d, o, v);
    return null;
  };
}

// ---------------------------------------------------------------- libraries and calls

const libraries: string[] = [];

/** The bun:ffi type of an ffi/Type variant. */
function ffiType(t: Value): string {
  const name = t instanceof Struct ? t.type.name : String(t);
  switch (name) {
    case "U8":
      return "u8";
    case "U16":
      return "u16";
    case "U32":
      return "u32";
    case "U64":
      return "u64";
    case "I8":
      return "i8";
    case "I16":
      return "i16";
    case "I32":
      return "i32";
    case "I64":
      return "i64";
    case "F32":
      return "f32";
    case "F64":
      return "f64";
    case "Pointer":
    case "MutablePointer":
      return "ptr";
    case "String":
      return "string";
    case "Void":
      return "void";
  }
  typeError(`ffi: unsupported type ${name}`);
}

function toC(v: Value, t: string): unknown {
  if (t === "string") return v === null ? null : Buffer.from(argStr(v, "ffi call", "string") + "\0");
  if (t === "ptr") return v === null ? null : addrOf(v, "call");
  if (t === "f32" || t === "f64") return num(v);
  if (t === "i64" || t === "u64") return big(v);
  return num(v);
}

function fromC(r: unknown, t: string): Value {
  if (t === "void") return null;
  if (t === "string") return r === null || r === 0 ? null : String(new CString(r as never));
  if (t === "f32" || t === "f64") return mkFloat(r as number);
  if (typeof r === "bigint") return normInt(r);
  if (r === null) return 0;
  return r as number;
}

export const moduleBuiltins: Record<string, BuiltinFn> = {
  "__load-library"(path) {
    const p = argStr(path, "ffi/load-library", "library path");
    // bun:ffi opens a library together with the symbols wanted from it, so the library is
    // opened per get-function; a path that names no file fails here already
    if (p.includes("/") && !existsSync(p)) runtimeError("FFIError", `ffi/load-library: cannot load ${p}: no such file`);
    libraries.push(p);
    return libraries.length - 1;
  },
  "__get-function"(id, name, argTypes, retType) {
    const path = libraries[argInt(id, "ffi/get-function", "library")];
    if (path === undefined) runtimeError("FFIError", "ffi/get-function: not a loaded library");
    const fname = argStr(name, "ffi/get-function", "function name");
    const args = vecToArray(argTypes).map(ffiType);
    const ret = ffiType(retType);
    const cArgs = args.map((a) => (a === "string" ? "ptr" : a)) as unknown as FFIType[];
    const cRet = (ret === "string" ? "cstring" : ret) as unknown as FFIType;
    let fn: (...a: unknown[]) => unknown;
    try {
      fn = dlopen(path, { [fname]: { args: cArgs, returns: cRet } }).symbols[fname] as never;
    } catch (e) {
      runtimeError("FFIError", `ffi/get-function: ${fname} not found in ${path}: ${(e as Error).message}`);
    }
    return new Builtin(fname, (...vals: Value[]) => {
      if (vals.length !== args.length)
        runtimeError("ArityError", `${fname} expects ${args.length} arguments, got ${vals.length}`);
      const r = fn(...vals.map((v, i) => toC(v, args[i]!)));
      return fromC(r, ret === "string" ? "string" : ret);
    });
  },
  __alloc(size) {
    const n = argInt(size, "ffi/allocate", "size");
    if (n < 0) runtimeError("FFIError", `ffi/allocate: negative size ${n}`);
    return newRegion(n);
  },
  /** Let the GC release the allocation at `addr` when `owner` becomes unreachable. */
  "__register-finalizable"(owner, addr) {
    finalizer.register(owner, addrOf(addr, "register"));
    return owner;
  },
  deallocate(b) {
    const addr = addrOf(b, "deallocate");
    if (!release(addr)) runtimeError("FFIError", `ffi/deallocate: double free or unknown buffer (address ${addr})`);
    return null;
  },
  /** Give the allocation to C: Beagle no longer reads, writes or frees it. */
  "__ffi-forget"(b) {
    regions.delete(addrOf(b, "forget"));
    return null;
  },
  "__native-memory-free-count": () => freeCount,
  "__finalizer-drain": () => null,
  "buffer-size"(b) {
    const r = regions.get(addrOf(b, "buffer-size"));
    if (!r) runtimeError("FFIError", "ffi/buffer-size: use after free or forget");
    return r.bytes.length;
  },
  "get-u8": getter(1, (d, o) => d.getUint8(o), "get-u8"),
  "get-i8": getter(1, (d, o) => d.getInt8(o), "get-i8"),
  "get-u16": getter(2, (d, o) => d.getUint16(o, true), "get-u16"),
  "get-i16": getter(2, (d, o) => d.getInt16(o, true), "get-i16"),
  "get-u32": getter(4, (d, o) => d.getUint32(o, true), "get-u32"),
  "get-i32": getter(4, (d, o) => d.getInt32(o, true), "get-i32"),
  "get-u64": getter(8, (d, o) => normInt(d.getBigUint64(o, true)), "get-u64"),
  "get-i64": getter(8, (d, o) => normInt(d.getBigInt64(o, true)), "get-i64"),
  "get-f32": getter(4, (d, o) => mkFloat(d.getFloat32(o, true)), "get-f32"),
  "get-f64": getter(8, (d, o) => mkFloat(d.getFloat64(o, true)), "get-f64"),
  "set-u8": setter(1, (d, o, v) => d.setUint8(o, num(v)), "set-u8"),
  "set-i8": setter(1, (d, o, v) => d.setInt8(o, num(v)), "set-i8"),
  "set-u16": setter(2, (d, o, v) => d.setUint16(o, num(v), true), "set-u16"),
  "set-i16": setter(2, (d, o, v) => d.setInt16(o, num(v), true), "set-i16"),
  "set-u32": setter(4, (d, o, v) => d.setUint32(o, num(v), true), "set-u32"),
  "set-i32": setter(4, (d, o, v) => d.setInt32(o, num(v), true), "set-i32"),
  "set-u64": setter(8, (d, o, v) => d.setBigUint64(o, BigInt.asUintN(64, big(v)), true), "set-u64"),
  "set-i64": setter(8, (d, o, v) => d.setBigInt64(o, BigInt.asIntN(64, big(v)), true), "set-i64"),
  "set-f32": setter(4, (d, o, v) => d.setFloat32(o, num(v), true), "set-f32"),
  "set-f64": setter(8, (d, o, v) => d.setFloat64(o, num(v), true), "set-f64"),
  /** `len` bytes at `off` as a String (invalid UTF-8 kept byte-exact). */
  "get-string"(b, off, len) {
    const n = argInt(len, "ffi/get-string", "length");
    const [d, o] = at(b, off, n, "get-string");
    return bytesToString(new Uint8Array(d.buffer, d.byteOffset + o, n).slice());
  },
  "copy-bytes"(src, srcOff, dst, dstOff, len) {
    const n = argInt(len, "ffi/copy-bytes", "length");
    const [s, so] = at(src, srcOff, n, "copy-bytes");
    const [d, dof] = at(dst, dstOff, n, "copy-bytes");
    new Uint8Array(d.buffer, d.byteOffset + dof, n).set(new Uint8Array(s.buffer, s.byteOffset + so, n));
    return null;
  },
};
