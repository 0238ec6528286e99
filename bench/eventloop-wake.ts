// Wake latency: how fast another thread can end a blocking runOnce(), against
// a bare Atomics round trip and a postMessage round trip in the same run; and
// what an idle runOnce(0) and a same-thread wake cost on each backend.
//   bun bench/eventloop-wake.ts
import { bench, group, run, summary } from "mitata";
import { EventLoop } from "../runtime/event-loop.ts";

const WORKER = new URL("./eventloop-wake-worker.ts", import.meta.url).href;

function partner(init: object): Worker {
  const w = new Worker(WORKER);
  w.postMessage(init);
  return w;
}

const epoll = new EventLoop({ poller: "epoll" });
const poll = new EventLoop({ poller: "poll" });

// Each "waker" partner pings its own loop.
const gates = { epoll: new Int32Array(new SharedArrayBuffer(8)), poll: new Int32Array(new SharedArrayBuffer(8)) };
const wEpoll = partner({ mode: "waker", gate: gates.epoll.buffer, handle: epoll.wakeHandle });
const wPoll = partner({ mode: "waker", gate: gates.poll.buffer, handle: poll.wakeHandle });
const atomicsGate = new Int32Array(new SharedArrayBuffer(8));
const wAtomics = partner({ mode: "atomics", gate: atomicsGate.buffer });
const wMessage = partner({ mode: "message" });

function pingLoop(loop: EventLoop, gate: Int32Array): void {
  Atomics.add(gate, 0, 1);
  Atomics.notify(gate, 0);
  loop.runOnce(-1); // returns when the partner's waker write lands
}

function pingAtomics(): void {
  const before = Atomics.load(atomicsGate, 1);
  Atomics.add(atomicsGate, 0, 1);
  Atomics.notify(atomicsGate, 0);
  Atomics.wait(atomicsGate, 1, before);
}

let pending: (() => void) | null = null;
wMessage.onmessage = () => pending?.();
function pingMessage(): Promise<void> {
  return new Promise((resolve) => {
    pending = resolve;
    wMessage.postMessage(0);
  });
}

// Warm up: the partners must be running before timing starts.
await Bun.sleep(100);
for (let i = 0; i < 100; i++) {
  pingLoop(epoll, gates.epoll);
  pingLoop(poll, gates.poll);
  pingAtomics();
  await pingMessage();
}

summary(() => {
  group("round trip: main pokes a Worker, the Worker wakes main", () => {
    bench("Worker -> waker -> runOnce (epoll)", () => pingLoop(epoll, gates.epoll));
    bench("Worker -> waker -> runOnce (poll)", () => pingLoop(poll, gates.poll));
    bench("baseline: Atomics.notify both ways", () => pingAtomics());
    bench("baseline: postMessage both ways", async () => await pingMessage());
  });
});

summary(() => {
  group("same thread", () => {
    bench("wake() + runOnce(-1) (epoll)", () => {
      epoll.wake();
      epoll.runOnce(-1);
    });
    bench("wake() + runOnce(-1) (poll)", () => {
      poll.wake();
      poll.runOnce(-1);
    });
    bench("idle runOnce(0) (epoll)", () => epoll.runOnce(0));
    bench("idle runOnce(0) (poll)", () => poll.runOnce(0));
  });
});

await run();

for (const g of [gates.epoll, gates.poll, atomicsGate]) {
  Atomics.store(g, 0, -1);
  Atomics.notify(g, 0);
}
for (const w of [wEpoll, wPoll, wAtomics, wMessage]) w.terminate();
await epoll.close();
await poll.close();
