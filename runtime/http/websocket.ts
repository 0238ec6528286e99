// WebSocket frames (RFC 6455 §5) on raw bytes, for beagle.ws. Masking is a
// byte loop that would cost a Beagle interpreter dearly, so frames are built
// and taken apart here; the protocol's state machine stays in Beagle.
import { createHash, randomBytes } from "node:crypto";

export const OP = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** Sec-WebSocket-Accept for a client's Sec-WebSocket-Key. */
export function acceptKey(clientKey: string): string {
  return createHash("sha1")
    .update(clientKey + GUID)
    .digest("base64");
}

/** A fresh Sec-WebSocket-Key (16 random bytes, base64). */
export function newClientKey(): string {
  return randomBytes(16).toString("base64");
}

export function randomMask(): Uint8Array {
  return new Uint8Array(randomBytes(4));
}

/** XOR `data` with the 4-byte key, into a new array. */
export function mask(data: Uint8Array, key: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! ^ key[i & 3]!;
  return out;
}

/** One frame: FIN flag, opcode, the payload, masked with `maskKey` when given (client to server). */
export function encodeFrame(opcode: number, payload: Uint8Array, fin: boolean, maskKey: Uint8Array | null): Uint8Array {
  const n = payload.length;
  const ext = n < 126 ? 0 : n < 65536 ? 2 : 8;
  const headLen = 2 + ext + (maskKey ? 4 : 0);
  const out = new Uint8Array(headLen + n);
  out[0] = (fin ? 0x80 : 0) | (opcode & 0x0f);
  out[1] = (maskKey ? 0x80 : 0) | (ext === 0 ? n : ext === 2 ? 126 : 127);
  if (ext === 2) {
    out[2] = n >>> 8;
    out[3] = n & 0xff;
  } else if (ext === 8) {
    new DataView(out.buffer).setBigUint64(2, BigInt(n));
  }
  if (maskKey) {
    out.set(maskKey.subarray(0, 4), 2 + ext);
    out.set(mask(payload, maskKey), headLen);
  } else {
    out.set(payload, headLen);
  }
  return out;
}

export interface FrameHead {
  fin: boolean;
  opcode: number;
  masked: boolean;
  /** payload length the frame declares */
  length: number;
  /** bytes before the payload (2..14) */
  headLength: number;
  maskKey: Uint8Array | null;
}

/**
 * The head of the frame at the start of `b`: null if more bytes are needed, a
 * string naming the protocol error otherwise invalid (reserved bits, a control
 * frame that is fragmented or over 125 bytes, an unknown opcode, a length past
 * 2^53).
 */
export function frameHead(b: Uint8Array): FrameHead | null | string {
  if (b.length < 2) return null;
  const b0 = b[0]!;
  const b1 = b[1]!;
  if (b0 & 0x70) return "reserved bits set";
  const opcode = b0 & 0x0f;
  if (!(opcode <= 2 || (opcode >= 8 && opcode <= 10))) return `unknown opcode ${opcode}`;
  const fin = (b0 & 0x80) !== 0;
  const masked = (b1 & 0x80) !== 0;
  let length = b1 & 0x7f;
  let at = 2;
  if (length === 126) {
    if (b.length < 4) return null;
    length = (b[2]! << 8) | b[3]!;
    at = 4;
  } else if (length === 127) {
    if (b.length < 10) return null;
    const big = new DataView(b.buffer, b.byteOffset + 2, 8).getBigUint64(0);
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) return "frame length too large";
    length = Number(big);
    at = 10;
  }
  if (opcode >= 8 && (!fin || length > 125)) return "invalid control frame";
  let maskKey: Uint8Array | null = null;
  if (masked) {
    if (b.length < at + 4) return null;
    maskKey = b.slice(at, at + 4);
    at += 4;
  }
  return { fin, opcode, masked, length, headLength: at, maskKey };
}
