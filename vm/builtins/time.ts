// beagle.time: the wall clock and calendar arithmetic on Ints.
//
// Days are counted from 1970-01-01 in the proleptic Gregorian calendar, with
// floored division so dates before the epoch work; civil dates are
// [year, month, day] vectors (month and day from 1), weekdays 0 = Sunday.
// Durations are in milliseconds. Written here from the calendar's definition
// (400-year eras of 146,097 days, years counted from March), not from
// upstream's Beagle source.
import type { Value } from "../values.ts";
import { BeagleThrow } from "../errors.ts";
import { argInt, normInt, runtimeError, vecFrom, type Builtin } from "./util.ts";

function int(v: Value, fn: string): number | bigint {
  if (typeof v === "bigint") return v;
  return argInt(v, fn, "Int");
}

/** Floored division (rounds towards negative infinity). */
export function floorDiv(a: number | bigint, b: number | bigint): number | bigint {
  if (b === 0 || b === 0n) runtimeError("RuntimeError", "Division by zero");
  if (typeof a === "number" && typeof b === "number") return Math.floor(a / b) + 0;
  const x = BigInt(a);
  const y = BigInt(b);
  let q = x / y;
  if (x % y !== 0n && x < 0n !== y < 0n) q -= 1n;
  return normInt(q);
}

export function floorMod(a: number | bigint, b: number | bigint): number | bigint {
  if (typeof a === "number" && typeof b === "number") {
    if (b === 0) runtimeError("RuntimeError", "Division by zero");
    const r = a - Math.floor(a / b) * b;
    return r + 0;
  }
  return normInt(BigInt(a) - BigInt(floorDiv(a, b)) * BigInt(b));
}

const fd = (a: number, b: number) => Math.floor(a / b);

/** Days from 1970-01-01 to y-m-d. */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y; // the year starts in March: the leap day comes last
  const era = fd(yy, 400);
  const yearOfEra = yy - era * 400;
  const monthFromMarch = (m + 9) % 12;
  const dayOfYear = fd(153 * monthFromMarch + 2, 5) + d - 1;
  const dayOfEra = yearOfEra * 365 + fd(yearOfEra, 4) - fd(yearOfEra, 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** [year, month, day] of a day count from 1970-01-01. */
export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468; // days from 0000-03-01
  const era = fd(z, 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = fd(dayOfEra - fd(dayOfEra, 1460) + fd(dayOfEra, 36524) - fd(dayOfEra, 146096), 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + fd(yearOfEra, 4) - fd(yearOfEra, 100));
  const monthFromMarch = fd(5 * dayOfYear + 2, 153);
  const day = dayOfYear - fd(153 * monthFromMarch + 2, 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return [year, month, day];
}

function civilFromEpoch(epoch: number): number[] {
  const days = fd(epoch, 86400);
  const secs = epoch - days * 86400;
  const [y, m, d] = civilFromDays(days);
  return [y, m, d, fd(secs, 3600), fd(secs % 3600, 60), secs % 60, (((days + 4) % 7) + 7) % 7];
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n: number, w: number) => String(n).padStart(w, "0");

function num(v: Value, fn: string): number {
  return Number(int(v, fn));
}

export const moduleBuiltins: Record<string, Builtin> = {
  "epoch-seconds": () => Math.floor(Date.now() / 1000),
  "epoch-millis": () => Date.now(),
  "floor-div": (a, b) => floorDiv(int(a, "floor-div"), int(b, "floor-div")),
  "floor-mod": (a, b) => floorMod(int(a, "floor-mod"), int(b, "floor-mod")),
  "days-from-civil": (y, m, d) =>
    daysFromCivil(num(y, "days-from-civil"), num(m, "days-from-civil"), num(d, "days-from-civil")),
  "civil-from-days": (z) => vecFrom(civilFromDays(num(z, "civil-from-days"))),
  "days-since-epoch": (e) => fd(num(e, "days-since-epoch"), 86400),
  weekday: (e) => (((fd(num(e, "weekday"), 86400) + 4) % 7) + 7) % 7,
  "civil-from-epoch": (e) => vecFrom(civilFromEpoch(num(e, "civil-from-epoch"))),
  "http-date"(e) {
    const [y, m, d, hh, mm, ss, wd] = civilFromEpoch(num(e, "http-date")) as [number, ...number[]];
    return `${DAYS[wd!]}, ${pad(d!, 2)} ${MONTHS[m! - 1]} ${pad(y, 4)} ${pad(hh!, 2)}:${pad(mm!, 2)}:${pad(ss!, 2)} GMT`;
  },
  "ms-of-seconds": (s) => normInt(BigInt(int(s, "ms-of-seconds")) * 1000n),
  "ms-of-minutes": (m) => normInt(BigInt(int(m, "ms-of-minutes")) * 60000n),
  "ms-of-hours": (h) => normInt(BigInt(int(h, "ms-of-hours")) * 3600000n),
  "format-duration"(msV) {
    const ms = num(msV, "format-duration");
    if (ms < 0) throw new BeagleThrow(`format-duration: milliseconds must be non-negative, got ${ms}`);
    if (ms === 0) return "0ms";
    const h = fd(ms, 3600000);
    const m = fd(ms % 3600000, 60000);
    const s = fd(ms % 60000, 1000);
    const r = ms % 1000;
    return (h ? `${h}h` : "") + (m ? `${m}m` : "") + (s ? `${s}s` : "") + (r ? `${r}ms` : "");
  },
  "libc-path": () =>
    process.platform === "darwin"
      ? "libSystem.B.dylib"
      : process.platform === "linux"
        ? "/lib/x86_64-linux-gnu/libc.so.6"
        : "libc.so.6",
};
