// Scaling across cores: several server processes listen on one port with
// SO_REUSEPORT and the kernel spreads the connections among them; each serves
// its share correctly.
import { expect, test } from "bun:test";
import { closeSocket, echo, open, startBeagle, stop, waitUntil } from "./helpers.ts";

test("two echo server processes share a port with SO_REUSEPORT and both serve", async () => {
  const a = await startBeagle(["examples/echo_server.bg", "0", "verbose", "reuseport"]);
  const b = await startBeagle(["examples/echo_server.bg", String(a.port), "verbose", "reuseport"]);
  try {
    expect(b.port).toBe(a.port);
    for (let i = 0; i < 64; i++) {
      const s = await open(a.port);
      const msg = Buffer.from(`message ${i}`);
      expect((await echo(s, msg)).toString()).toBe(`message ${i}`);
      await closeSocket(s);
    }
    const served = (c: typeof a) => c.stdout().split("Client disconnected").length - 1;
    await waitUntil(() => served(a) + served(b) === 64, "both servers to finish their connections");
    // the kernel hashes connections over the two sockets: with 64 of them both get some
    expect(served(a)).toBeGreaterThan(0);
    expect(served(b)).toBeGreaterThan(0);
  } finally {
    await stop(a);
    await stop(b);
  }
}, 60_000);

test("without SO_REUSEPORT a second listener on the port is refused", async () => {
  const a = await startBeagle(["examples/echo_server.bg", "0", "quiet"]);
  try {
    const p = Bun.spawn([process.execPath, "beagle.ts", "examples/echo_server.bg", String(a.port), "quiet"], {
      cwd: `${import.meta.dir}/../..`,
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(await p.exited).toBe(1);
    expect(await new Response(p.stderr).text()).toContain(
      `Failed to create TCP listener on 127.0.0.1:${a.port}: Address already in use (EADDRINUSE`,
    );
  } finally {
    await stop(a);
  }
}, 30_000);

test("two Bun Workers, each with its own VM and loop, serve one port with SO_REUSEPORT", async () => {
  const proc = Bun.spawn([process.execPath, "bench/echo/workers.ts", "2", "60"], {
    cwd: `${import.meta.dir}/../..`,
    stdout: "pipe",
    stderr: "pipe",
  });
  try {
    let text = "";
    const reader = proc.stdout.getReader();
    while (!/Workers listening on port \d+/.test(text)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`workers.ts ended: ${text}`);
      text += new TextDecoder().decode(value);
    }
    const m = /(\d+) Workers listening on port (\d+)/.exec(text)!;
    expect(Number(m[1])).toBe(2); // the kernel shows two listening sockets on the port
    const port = Number(m[2]);
    for (let i = 0; i < 32; i++) {
      const s = await open(port);
      expect((await echo(s, Buffer.from(`w${i}`))).toString()).toBe(`w${i}`);
      await closeSocket(s);
    }
  } finally {
    proc.kill();
    await proc.exited;
  }
}, 60_000);
