// Baseline for bench/echo.ts: an echo server on Bun.listen. Prints "port N".
// Exits by itself after the number of seconds given as the first argument.
const seconds = Number(process.argv[2] ?? 120);
const server = Bun.listen({
  hostname: "127.0.0.1",
  port: 0,
  socket: {
    data(socket, data) {
      // write what we can; keep the rest until drain (bulk transfers)
      const s = socket as typeof socket & { pending?: Uint8Array[] };
      if (s.pending?.length) {
        s.pending.push(data);
        return;
      }
      const n = socket.write(data);
      if (n < data.length) s.pending = [data.subarray(n)];
    },
    drain(socket) {
      const s = socket as typeof socket & { pending?: Uint8Array[] };
      while (s.pending?.length) {
        const d = s.pending[0]!;
        const n = socket.write(d);
        if (n < d.length) {
          s.pending[0] = d.subarray(n);
          return;
        }
        s.pending.shift();
      }
    },
  },
});
console.log(`Echo server listening on port ${server.port}`);
setTimeout(() => process.exit(0), seconds * 1000);
