/**
 * Server-to-client WebSocket frames (RFC 6455 section 5.2), built once so that a broadcast's
 * bytes are shared by every receiver: FIN set, no extension bits (permessage-deflate is off in
 * the door), no mask (a server never masks), and the 7-, 16- or 64-bit payload length.
 * Pure, with no socket: what is built here is written as it is.
 */

/** FIN + opcode 1 (text). */
const FIN_TEXT = 0x81;
/** Payload lengths up to this fit in the 7 bits of the second byte. */
const MAX_SHORT_LENGTH = 125;
/** Second byte for a 16-bit extended length. */
const LENGTH_16 = 126;
/** Second byte for a 64-bit extended length. */
const LENGTH_64 = 127;

/** Header bytes of an unmasked frame whose payload is `length` bytes. */
export function frameHeaderLength(length: number): number {
  return length <= MAX_SHORT_LENGTH ? 2 : length <= 0xffff ? 4 : 10;
}

/**
 * `payload` as one whole unmasked text frame: a single buffer, header and payload, so that
 * frames can be joined and written as they are.
 */
export function textFrame(payload: Uint8Array): Buffer {
  const length = payload.length;
  const offset = frameHeaderLength(length);
  const frame = Buffer.allocUnsafe(offset + length);
  frame[0] = FIN_TEXT;
  if (offset === 2) {
    frame[1] = length;
  } else if (offset === 4) {
    frame[1] = LENGTH_16;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = LENGTH_64;
    // Buffers stay far below 2^53 bytes, so the high word is what the division leaves.
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  frame.set(payload, offset);
  return frame;
}

/**
 * The payload of the last frame in `bytes`, whole unmasked frames one after another as
 * `textFrame` builds them; `undefined` when `bytes` is not such a run (empty, or cut short).
 */
export function lastFramePayload(bytes: Buffer): Buffer | undefined {
  let start = 0;
  let payload: Buffer | undefined;
  while (start < bytes.length) {
    if (start + 2 > bytes.length || (bytes[start + 1] ?? 0) & 0x80) return undefined;
    const short = (bytes[start + 1] ?? 0) & 0x7f;
    let offset = start + 2;
    let length = short;
    if (short === LENGTH_16) {
      if (start + 4 > bytes.length) return undefined;
      length = bytes.readUInt16BE(start + 2);
      offset = start + 4;
    } else if (short === LENGTH_64) {
      if (start + 10 > bytes.length) return undefined;
      length = bytes.readUInt32BE(start + 2) * 2 ** 32 + bytes.readUInt32BE(start + 6);
      offset = start + 10;
    }
    if (offset + length > bytes.length) return undefined;
    payload = bytes.subarray(offset, offset + length);
    start = offset + length;
  }
  return payload;
}
