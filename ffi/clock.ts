// clock_gettime(CLOCK_MONOTONIC) in milliseconds. The event loop's timers use
// performance.now(), which is also monotonic and costs about the same (see
// docs/event-loop.md); this binding is for code that must read the exact
// clock the kernel's poll timeouts run on.
import { SYS } from "./constants.ts";
import { check, libc } from "./libc.ts";

// struct timespec { time_t tv_sec; long tv_nsec; }: two 64-bit fields on the
// 64-bit platforms we support.
const ts = new DataView(new ArrayBuffer(16));

export function monotonicMs(): number {
  check(libc.clock_gettime(SYS.CLOCK_MONOTONIC, ts), "clock_gettime");
  const sec = ts.getUint32(0, true) + ts.getInt32(4, true) * 2 ** 32;
  const nsec = ts.getUint32(8, true);
  return sec * 1000 + nsec / 1e6;
}
