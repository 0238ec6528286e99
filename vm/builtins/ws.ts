// The native half of beagle.ws: frame encoding, head parsing and masking
// (runtime/http/websocket.ts) on byte-exact strings.
import { acceptKey, encodeFrame, frameHead, mask, newClientKey, randomMask } from "../../runtime/http/websocket.ts";
import { bytesToString, stringToBytes } from "../bytes.ts";
import { typeError } from "../errors.ts";
import type { Value } from "../values.ts";
import { type Builtin, PersistentVector } from "./util.ts";

function bytes(v: Value, what: string): Uint8Array {
  if (v === null) return new Uint8Array(0);
  if (typeof v !== "string") typeError(`${what} must be a String`);
  return stringToBytes(v);
}

/** A masking key: a 4-byte String, a vector of 4 Ints, or true for a random one. */
function maskKey(v: Value): Uint8Array | null {
  if (v === null || v === false) return null;
  if (v === true) return randomMask();
  if (v instanceof PersistentVector && v.count === 4) return new Uint8Array(v.toArray().map((b) => Number(b) & 0xff));
  const k = bytes(v, "masking key");
  if (k.length !== 4) typeError("a masking key is 4 bytes");
  return k;
}

export const builtins: Record<string, Builtin> = {
  /** One frame as bytes: opcode, payload, FIN, masking key (null: unmasked). */
  "__ws-encode": (opcode, payload, fin, key) => {
    if (typeof opcode !== "number" || opcode < 0 || opcode > 15) typeError("opcode must be an Int 0..15");
    return bytesToString(encodeFrame(opcode, bytes(payload, "payload"), fin !== false, maskKey(key)));
  },
  /**
   * The head of the frame `data` starts with: null if incomplete; ["error", text]
   * if invalid; else [fin, opcode, masked, payload-length, head-length, masking key or null].
   */
  "__ws-head": (data) => {
    const h = frameHead(bytes(data, "frame"));
    if (h === null) return null;
    if (typeof h === "string") return PersistentVector.from(["error", h]);
    return PersistentVector.from([
      h.fin,
      h.opcode,
      h.masked,
      h.length,
      h.headLength,
      h.maskKey ? bytesToString(h.maskKey) : null,
    ]);
  },
  "__ws-unmask": (payload, key) => {
    const k = maskKey(key);
    const p = bytes(payload, "payload");
    return bytesToString(k ? mask(p, k) : p);
  },
  "__ws-accept-key": (key) => {
    if (typeof key !== "string") typeError("Sec-WebSocket-Key must be a String");
    return acceptKey(key);
  },
  "__ws-new-key": () => newClientKey(),
};
