// The socket I/O operations inside one runtime: after a busy program every
// count is back where it was (open sockets, fds, fd watches, parked
// operations); aborting a parked operation (what cancellation does) releases
// its watch and never completes it; one socket can have a reader and a writer
// parked at once.
import { afterAll, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { createRuntime, runMainFiber, runTask } from "../../vm/run.ts";
import { Closure } from "../../vm/objects.ts";
import { ioOp } from "../../vm/async/io-ops.ts";
import { openSocketCount } from "../../vm/net-ops.ts";
import { PersistentVector } from "../../vm/collections/vector.ts";
import type { LoopBackend } from "../../vm/async/loop-backend.ts";
import type { Value } from "../../vm/values.ts";
import { formatValue } from "../../vm/print.ts";
import { stringToBytes } from "../../vm/bytes.ts";

const rt = createRuntime();
afterAll(() => rt.async.backend.close());
const fds = () => readdirSync("/proc/self/fd").length;
const watched = () => (rt.async.backend as LoopBackend).watchedFds ?? 0;

function run(src: string, fn: string, args: Value[] = []) {
  const mod = rt.loader.compile(src, `net-ops-${fn}.bg`);
  runMainFiber(rt.vm, new Closure(mod.init, []), null);
  const f = runTask(rt.vm, mod.ns.vars.get(fn)!.value, args);
  if (f.error !== undefined) throw new Error(formatValue(f.error, 0));
  return f.result;
}

test("a busy exchange leaves no socket, fd, watch or parked operation behind", () => {
  // the loop's own fds (poller, waker) are created on first use: a first round makes them
  const src = `use beagle.socket as socket
use beagle.async as async
fn go() {
  let l = socket/listen("::", 0)
  let port = socket/local-port(l)
  let server = async/spawn(fn() {
    let mut tasks = []
    for i in range(0, 20) {
      let c = socket/accept(l)
      tasks = push(tasks, async/spawn(fn() {
        let r = socket/reader(c)
        let mut n = 0
        let mut line = socket/read-line(r)
        while line != null { socket/write(c, line ++ "\\n") n = n + 1 line = socket/read-line(r) }
        socket/close(c)
        n
      }))
    }
    async/await-all(tasks)
  })
  let mut clients = []
  for k in range(0, 20) {
    clients = push(clients, async/spawn(fn() {
      let c = socket/connect(if k % 2 == 0 { "127.0.0.1" } else { "::1" }, port)
      let r = socket/reader(c)
      let mut ok = 0
      for i in range(0, 50) { socket/write(c, "m" ++ to-string(i) ++ "\\n") if socket/read-line(r) == "m" ++ to-string(i) { ok = ok + 1 } }
      socket/close(c)
      ok
    }))
  }
  let oks = async/await-all(clients)
  let served = async/await(server)
  socket/close-listener(l)
  let mut a = 0
  for x in oks { a = a + x }
  let mut b = 0
  for x in served { b = b + x }
  [a, b]
}`;
  run(src, "go");
  const before = fds();
  const r = run(src, "go");
  expect(formatValue(r, 0)).toBe("[1000, 1000]");
  expect(openSocketCount()).toBe(0);
  expect(watched()).toBe(0);
  expect(rt.async.ioInflight).toBe(0);
  expect(fds()).toBe(before);
});

test("aborting a parked read releases its watch and never completes", () => {
  const listen = run(
    `use beagle.socket as socket
fn pair() {
  let l = socket/listen("127.0.0.1", 0)
  let c = socket/connect("127.0.0.1", socket/local-port(l))
  let s = socket/accept(l)
  socket/close-listener(l)
  [c.socket_id, s.socket_id]
}`,
    "pair",
  ) as PersistentVector;
  const [c, s] = listen.toArray() as number[];
  let completed = 0;
  const abort = ioOp("tcp-read").evented([c!, 10], () => completed++, rt.async.io);
  expect(watched()).toBe(1);
  abort();
  expect(watched()).toBe(0);
  // a write on the other side now would have completed the read: nothing happens
  run(`fn w(s) { core/tcp-try-write(1, s, "data") }`, "w", [s!]);
  rt.async.backend.wait(20);
  expect(completed).toBe(0);
  // the data is still there for the next read
  expect(
    run(
      `use beagle.socket as socket\nfn r(c) { socket/read(socket/TcpSocket { loop_id: 1, socket_id: c }, 10) }`,
      "r",
      [c!],
    ),
  ).toBe("data");
  run(`fn z(a, b) { core/tcp-close(1, a) core/tcp-close(1, b) }`, "z", [c!, s!]);
  expect(openSocketCount()).toBe(0);
});

test("a reader and a writer parked on one socket at once both finish", () => {
  const r = run(
    `use beagle.socket as socket
use beagle.async as async
fn go() {
  let l = socket/listen("127.0.0.1", 0)
  let c = socket/connect("127.0.0.1", socket/local-port(l))
  let s = socket/accept(l)
  let big = core/__bytes-from-values(repeat(120, 4000000))
  // c writes 4 MB (parks: s is not reading yet) while another task parks reading c
  let reader = async/spawn(fn() { socket/read(c, 100) })
  let writer = async/spawn(fn() { socket/write(c, big) "written" })
  async/sleep(20)
  socket/write(s, "reply")
  let got = async/await(reader)
  let total = count(socket/read-n(socket/reader(s), 4000000))
  let w = async/await(writer)
  socket/close(c)
  socket/close(s)
  socket/close-listener(l)
  [got, w, total]
}`,
    "go",
  );
  expect(formatValue(r, 0)).toBe(formatValue(PersistentVector.from(["reply", "written", 4000000]), 0));
  expect(watched()).toBe(0);
  expect(rt.async.ioInflight).toBe(0);
});

test("names resolve on the resolver Worker while the loop waits: the same addresses as the OS resolver", async () => {
  const { resolveOffLoop } = await import("../../runtime/net/resolver.ts");
  const { lookup } = await import("node:dns/promises");
  const { hostname } = await import("node:os");
  const name = hostname();
  const expected = await lookup(name, { all: true }).then(
    (xs) => [...new Set(xs.map((x) => x.address))].sort(),
    () => null,
  );
  const resolveNow = (host: string) => {
    let got: string[] | string | undefined;
    resolveOffLoop(host, rt.async.io, (r) => {
      got = r;
    });
    for (let i = 0; i < 500 && got === undefined; i++) rt.async.backend.wait(20);
    return got;
  };
  const got = resolveNow(name);
  if (expected === null) expect(typeof got).toBe("string");
  else expect(Array.isArray(got) ? [...got].sort() : got).toEqual(expected);
  expect(resolveNow("no-such-host.invalid")).toStartWith("cannot resolve no-such-host.invalid: ");
  expect(watched()).toBe(0);
});

test("big writes from several tasks on one socket go out whole, one after another", () => {
  const r = run(
    `use beagle.socket as socket
use beagle.async as async
fn go() {
  let l = socket/listen("127.0.0.1", 0)
  let c = socket/connect("127.0.0.1", socket/local-port(l))
  let s = socket/accept(l)
  // a reader drains s while 4 writers start one after another, each 4 MiB of its own letter:
  // a writer starting while an earlier one is parked halfway must wait its turn
  let reader = async/spawn(fn() { socket/read-n(socket/reader(s), 4 * 4194304) })
  let mut ws = []
  for i in range(0, 4) {
    let chunk = core/__bytes-from-values(repeat(97 + i, 4194304))
    ws = push(ws, async/spawn(fn() { socket/write(c, chunk) }))
    async/sleep(2)
  }
  async/await-all(ws)
  let data = async/await(reader)
  socket/close(c)
  socket/close(s)
  socket/close-listener(l)
  data
}`,
    "go",
  );
  // 3 changes of letter if every write went out whole
  const bytes = stringToBytes(r as string);
  let changes = 0;
  for (let i = 1; i < bytes.length; i++) if (bytes[i] !== bytes[i - 1]) changes++;
  expect([bytes.length, changes]).toEqual([16777216, 3]);
  expect(watched()).toBe(0);
  expect(rt.async.ioInflight).toBe(0);
}, 60_000);
