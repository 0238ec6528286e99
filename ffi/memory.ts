// Native heap for payloads too big for a slot's inline area in the file pool's
// SharedArrayBuffer. Native memory is the one thing all Bun Workers share
// besides SABs, so a pointer (a plain number) can cross threads in a SAB slot.
// Ownership is strict: whoever reads the payload last frees it, exactly once.
import { dlopen, toArrayBuffer, type Pointer } from "bun:ffi";
import { PLATFORM } from "./constants.ts";

const SYMBOLS = {
  malloc: { args: ["u64"], returns: "ptr" },
  free: { args: ["ptr"], returns: "void" },
} as const;

const paths =
  PLATFORM === "darwin"
    ? ["/usr/lib/libSystem.B.dylib"]
    : ["libc.so.6", "libc.musl-x86_64.so.1", "libc.musl-aarch64.so.1", "libc.so"];

function open() {
  for (const p of paths) {
    try {
      return dlopen(p, SYMBOLS).symbols;
    } catch {}
  }
  throw new Error("cannot dlopen libc for malloc/free");
}

const sym = open();

/** malloc(len) (at least 1 byte); throws if the allocation fails. */
export function nativeAlloc(len: number): number {
  const p = sym.malloc(Math.max(1, len));
  if (!p) throw new RangeError(`malloc(${len}) failed`);
  return p as number;
}

export function nativeFree(p: number): void {
  if (p) sym.free(p as Pointer);
}

/**
 * A byte view of native memory. The view does not own the memory: it must not
 * be used after nativeFree(p).
 */
export function nativeView(p: number, len: number): Uint8Array {
  if (len === 0) return new Uint8Array(0);
  return new Uint8Array(toArrayBuffer(p as Pointer, 0, len));
}
