// Atoms, assertions and small runtime/system builtins (beagle.core).
import type { Struct, Value } from "../values.ts";
import { BeagleThrow, runtimeError, typeError } from "../errors.ts";
import { equal } from "../equal.ts";
import { formatValue } from "../print.ts";
import { isAtom, makeAtom } from "../core-types.ts";
import { argStr, vecFrom, type Builtin } from "./util.ts";
import * as os from "node:os";

// ---------------------------------------------------------------- atoms

function needAtom(a: Value): Struct {
  if (!isAtom(a)) throw new BeagleThrow(`deref expects an atom but got: ${formatValue(a, 0)}`);
  return a;
}

const atomIds = new WeakMap<object, number>();
let nextAtomId = 1;

// ---------------------------------------------------------------- time

const t0 = process.hrtime.bigint();
const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** Block the whole JS thread for `ms` milliseconds. */
export function blockingSleep(ms: number): void {
  if (ms > 0) Atomics.wait(sleepCell, 0, 0, ms);
}

export const builtins: Record<string, Builtin> = {
  atom(value) {
    return makeAtom(value);
  },
  deref(a) {
    return needAtom(a).f[0];
  },
  "reset!"(a, v) {
    if (!isAtom(a)) throw new BeagleThrow(`reset! expects an atom but got: ${formatValue(a, 0)}`);
    a.f[0] = v;
    return v;
  },
  /** Identity compare-and-swap, as upstream (not structural equality). */
  "compare-and-swap!"(a, old, nu) {
    if (!isAtom(a)) throw new BeagleThrow(`compare-and-swap! expects an atom but got: ${formatValue(a, 0)}`);
    const cur = a.f[0];
    if (cur === old || (Number.isNaN(cur) && Number.isNaN(old) && typeof cur === "number" && typeof old === "number")) {
      a.f[0] = nu;
      return true;
    }
    return false;
  },
  "atom-address"(a) {
    const s = needAtom(a);
    let id = atomIds.get(s);
    if (id === undefined) {
      id = nextAtomId++;
      atomIds.set(s, id);
    }
    return id;
  },

  // ---- assertions (messages as upstream; values rendered with the Rust-style printer)
  "assert!"(v) {
    if (v === false || v === null || v === undefined)
      runtimeError("AssertError", `assert! failed: expected truthy value, got ${formatValue(v ?? null, 0)}`);
    return null;
  },
  "assert-eq!"(a, b) {
    if (!equal(a, b))
      runtimeError(
        "AssertError",
        `assert-eq! failed\n  expected: ${formatValue(b, 0)}\n       got: ${formatValue(a, 0)}`,
      );
    return null;
  },
  "assert-ne!"(a, b) {
    if (equal(a, b)) runtimeError("AssertError", `assert-ne! failed: both values are ${formatValue(a, 0)}`);
    return null;
  },

  // ---- time and system
  "time-now"() {
    return Number(process.hrtime.bigint() - t0);
  },
  "get-cpu-count"() {
    return os.availableParallelism?.() ?? os.cpus().length;
  },
  "get-os"() {
    const p = process.platform;
    return p === "darwin" ? "macos" : p === "win32" ? "windows" : p;
  },
  gc() {
    Bun.gc(true);
    return null;
  },
  "heap-bytes"() {
    return process.memoryUsage().heapUsed;
  },
  /** Wall-clock milliseconds since the Unix epoch (beagle.date/now, beagle.log timestamps). */
  "__epoch-millis"() {
    return Date.now();
  },
  "__env-get"(name) {
    return process.env[argStr(name, "getenv")] ?? null;
  },
  /** Docstring of a value (best effort; the VM may install a richer `__doc`). */
  __doc(v) {
    const d = v?.doc ?? v?.proto?.doc ?? v?.fn?.doc ?? null;
    return typeof d === "string" ? d : null;
  },
  /** Names matching a query (the VM, which knows all namespaces, should override this). */
  __apropos(_q) {
    return vecFrom([]);
  },
  "__type-error"(msg) {
    typeError(argStr(msg, "__type-error"));
  },
};
