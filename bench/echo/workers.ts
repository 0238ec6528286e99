// examples/echo_server.bg in N Bun Workers of one process, each with its own VM and event
// loop, all listening on one port with SO_REUSEPORT (the thread form of the multi-core
// server; bench/echo.ts measures it). Prints "port N" once every Worker listens.
//   bun bench/echo/workers.ts N SECONDS
import { readFileSync } from "node:fs";
import { join } from "node:path";

declare const self: Worker;

if (!Bun.isMainThread) {
  // a Worker: run the example on its own VM; it prints its "listening on port" line itself
  // listen for the port first: a message that arrives before there is a handler is lost
  const got = new Promise((r) => (self.onmessage = (m: MessageEvent) => r(m.data)));
  const { runFile } = await import("../../vm/run.ts");
  const { port } = (await got) as { port: number };
  await runFile(join(import.meta.dir, "..", "..", "examples", "echo_server.bg"), [String(port), "quiet", "reuseport"]);
} else {
  const n = Number(process.argv[2] ?? 2);
  const seconds = Number(process.argv[3] ?? 60);
  // a free port to share: bind 0 once, then every Worker binds that number with SO_REUSEPORT
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  for (let i = 0; i < n; i++) {
    const w = new Worker(import.meta.url);
    w.addEventListener("error", (e) => console.error(`Worker ${i}: ${e.message}`));
    w.postMessage({ port });
  }
  // wait until the kernel shows n listening sockets on the port (Linux /proc/net/tcp: state 0A)
  const listening = () => {
    const hex = `:${port.toString(16).toUpperCase().padStart(4, "0")} `;
    return readFileSync("/proc/net/tcp", "utf8")
      .split("\n")
      .filter((l) => l.split(/\s+/)[2]?.endsWith(hex.trim()) && l.split(/\s+/)[4] === "0A").length;
  };
  for (let t = 0; t < 600 && listening() < n; t++) await Bun.sleep(100);
  console.log(`${listening()} Workers listening on port ${port}`);
  setTimeout(() => process.exit(0), seconds * 1000);
}
