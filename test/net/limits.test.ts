// The echo server at the edges: 10,000 idle connections held at once (all
// served, then closed, fds back to the start; peak RSS printed), and running
// out of fds under `ulimit -n`: accept fails with EMFILE, the server says so,
// does not spin, and serves again once fds are free.
import { expect, test } from "bun:test";
import type { Socket } from "node:net";
import { cpuTicks, resetSocket, echo, fdCount, open, peakRssKiB, startBeagle, stop, waitUntil } from "./helpers.ts";

test("10,000 idle connections are all served, then all closed", async () => {
  const server = await startBeagle(["examples/echo_server.bg", "0", "quiet"]);
  try {
    const base = fdCount(server.proc.pid);
    const conns: Socket[] = [];
    for (let i = 0; i < 10_000; i += 500) {
      conns.push(...(await Promise.all(Array.from({ length: 500 }, () => open(server.port)))));
    }
    // all held at once by the server: 10,000 sockets more than at the start (give or take the
    // few fds the runtime opens and closes for itself)
    await waitUntil(
      () => fdCount(server.proc.pid) >= base + 10_000 - 8,
      "the server to accept 10,000 connections",
      60_000,
    );
    // every connection is alive and served: one byte each, echoed
    const one = Buffer.from("!");
    for (let i = 0; i < conns.length; i += 1000) {
      const got = await Promise.all(conns.slice(i, i + 1000).map((s) => echo(s, one)));
      expect(got.every((b) => b.toString() === "!")).toBe(true);
    }
    console.log(`10,000 idle connections: server peak RSS ${(peakRssKiB(server.proc.pid) / 1024).toFixed(0)} MiB`);
    await Promise.all(conns.map(resetSocket));
    await waitUntil(() => fdCount(server.proc.pid) <= base, "the server to close 10,000 connections", 60_000);
  } finally {
    await stop(server);
  }
}, 180_000);

test("EMFILE on accept: reported, no spinning, serving again once fds are free", async () => {
  const server = await startBeagle(["examples/echo_server.bg", "0", "quiet"], { fdLimit: 128 });
  try {
    const pid = server.proc.pid;
    const conns: Socket[] = [];
    // fill the server's fd table (connections beyond it wait in the backlog)
    for (let i = 0; i < 160; i++) conns.push(await open(server.port));
    await waitUntil(() => fdCount(pid) >= 127, "the server to run out of fds");
    const before = cpuTicks(pid);
    await Bun.sleep(1000);
    const used = cpuTicks(pid) - before;
    // a spinning accept loop would use ~100 ticks (a whole second) here; retrying every 100 ms uses a few
    expect(used).toBeLessThan(50);
    // free fds: the waiting connections get accepted and served
    const extra = conns.splice(0, 60);
    await Promise.all(extra.map(resetSocket));
    const last = conns[conns.length - 1]!;
    expect((await echo(last, Buffer.from("back"))).toString()).toBe("back");
    await Promise.all(conns.map(resetSocket));
  } finally {
    await stop(server);
  }
  const err = await server.stderr();
  expect(err).toContain("Accept failed: Too many open files (EMFILE");
  expect(err).toContain("retrying in 100 ms");
}, 120_000);
