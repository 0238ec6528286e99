// The HTTP examples work as their headers say.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { root, startBeagle } from "./helpers.ts";

async function startExample(file: string): Promise<{ base: string; stop: () => Promise<void> }> {
  const r = await startBeagle(join(root, "examples", file), ["0"], /:(\d+)/);
  return { base: `127.0.0.1:${r.match[1]}`, stop: r.stop };
}

test("examples/web_app.bg: create, list, finish, delete, and a 400 for a bad body", async () => {
  const { base, stop } = await startExample("web_app.bg");
  try {
    const url = `http://${base}`;
    const created = await fetch(`${url}/todos`, { method: "POST", body: JSON.stringify({ title: "write docs" }) });
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({ id: 1, title: "write docs", done: false });
    await fetch(`${url}/todos`, { method: "POST", body: JSON.stringify({ title: "bench" }) });
    expect(await (await fetch(`${url}/todos/1/done`, { method: "POST" })).json()).toEqual({
      id: 1,
      title: "write docs",
      done: true,
    });
    expect((await fetch(`${url}/todos/2`, { method: "DELETE" })).status).toBe(204);
    expect(await (await fetch(`${url}/todos`)).json()).toEqual([{ id: 1, title: "write docs", done: true }]);
    expect((await fetch(`${url}/todos`, { method: "POST", body: "nope" })).status).toBe(400);
    expect((await fetch(`${url}/todos/9`)).status).toBe(404);
    expect((await fetch(`${url}/todos`, { method: "PUT" })).status).toBe(405);
  } finally {
    await stop();
  }
}, 30_000);

test("examples/ws_echo.bg echoes text and binary", async () => {
  const { base, stop } = await startExample("ws_echo.bg");
  try {
    const sock = new WebSocket(`ws://${base}/`);
    sock.binaryType = "arraybuffer";
    const got: unknown[] = [];
    await new Promise<void>((resolve, reject) => {
      sock.onerror = () => reject(new Error("websocket error"));
      sock.onopen = () => {
        sock.send("hi");
        sock.send(new Uint8Array([1, 2, 255]));
      };
      sock.onmessage = (e) => {
        got.push(typeof e.data === "string" ? e.data : [...new Uint8Array(e.data as ArrayBuffer)]);
        if (got.length === 2) resolve();
      };
    });
    sock.close();
    expect(got).toEqual(["hi", [1, 2, 255]]);
  } finally {
    await stop();
  }
}, 30_000);
