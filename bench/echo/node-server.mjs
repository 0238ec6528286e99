// Baseline for bench/echo.ts: an echo server on Node's net (run with node). Prints "port N".
// Exits by itself after the number of seconds given as the first argument.
import { createServer } from "node:net";
const seconds = Number(process.argv[2] ?? 120);
const server = createServer((c) => {
  c.setNoDelay(true);
  c.pipe(c);
  c.on("error", () => {});
});
server.listen(0, "127.0.0.1", () => console.log(`Echo server listening on port ${server.address().port}`));
setTimeout(() => process.exit(0), seconds * 1000).unref();
