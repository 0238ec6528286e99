// Ping-pong partner for bench/eventloop-wake.ts. Each time main bumps cell 0
// it answers: by writing the loop's waker ("waker"), by Atomics.notify on
// cell 1 ("atomics"), or, in "message" mode, it answers postMessages.
import { wakeFromHandle, type WakeHandle } from "../runtime/waker.ts";

declare const self: Worker;

type Init = { mode: "waker" | "atomics"; gate: SharedArrayBuffer; handle?: WakeHandle } | { mode: "message" };

self.onmessage = (e: MessageEvent<Init>) => {
  const init = e.data;
  if (init.mode === "message") {
    self.onmessage = (m: MessageEvent) => self.postMessage(m.data);
    return;
  }
  self.onmessage = null;
  const cell = new Int32Array(init.gate);
  let seen = 0;
  for (;;) {
    Atomics.wait(cell, 0, seen);
    seen = Atomics.load(cell, 0);
    if (seen < 0) return; // stop
    if (init.mode === "waker") wakeFromHandle(init.handle!);
    else {
      Atomics.add(cell, 1, 1);
      Atomics.notify(cell, 1);
    }
  }
};
