import { isUtf8 } from 'node:buffer';
import { InvalidUtf8Error } from '../errors.js';
import type { DecoderOptions } from './codec.js';

/**
 * Decodes `bytes[0, end)` as UTF-8 under the decoder's policy: returns the text, or
 * `undefined` after reporting an `InvalidUtf8Error` when the policy is `reject`.
 */
export function decodeText(bytes: Buffer, end: number, options: DecoderOptions<string>): string | undefined {
  if (options.invalidUtf8 === 'reject' && !isUtf8(bytes.subarray(0, end))) {
    options.onError(new InvalidUtf8Error());
    return undefined;
  }
  // Node replaces each invalid sequence with U+FFFD.
  return bytes.toString('utf8', 0, end);
}

/** Encodes a string or bytes as UTF-8 bytes, without copying bytes that are already a Buffer. */
export function toBytes(message: string | Uint8Array): Buffer {
  if (typeof message === 'string') return Buffer.from(message, 'utf8');
  if (Buffer.isBuffer(message)) return message;
  return Buffer.from(message.buffer, message.byteOffset, message.byteLength);
}

/**
 * Where a character cut off at the end of `bytes` starts: `bytes.length` when the last
 * character is complete (or is not the start of a valid multi-byte sequence at all),
 * otherwise the index of its first byte, so that the caller can carry it to the next chunk.
 */
export function incompleteUtf8Tail(bytes: Buffer): number {
  const length = bytes.length;
  for (let back = 1; back <= 3 && back <= length; back += 1) {
    const byte = bytes[length - back] ?? 0;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const needed = byte >= 0xc2 && byte <= 0xdf ? 2 : byte >= 0xe0 && byte <= 0xef ? 3 : byte >= 0xf0 && byte <= 0xf4 ? 4 : 1;
    return needed > back ? length - back : length;
  }
  return length;
}
