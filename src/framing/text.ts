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
