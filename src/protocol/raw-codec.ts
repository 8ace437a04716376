import { MessageTooLargeError } from '../errors.js';
import { classify } from './classify.js';
import type { Decoder, DecoderOptions } from './codec.js';
import { refusalAsLine } from './farewell.js';
import { renderBare, sayNothing, type Protocol } from './protocol.js';
import { decodeText, incompleteUtf8Tail, toBytes } from './text.js';

/**
 * Each chunk read from the socket is one message, as the documented Python programs
 * (`recv(1024)`) see it. A UTF-8 character split across two chunks is carried over whole
 * (at most three bytes) rather than mangled; other invalid bytes follow the
 * `invalidUtf8` policy like the other text framings.
 */
export class RawDecoder implements Decoder {
  private readonly options: DecoderOptions<string>;
  /** The start of a character whose remaining bytes are in the next chunk. */
  private carry: Buffer | undefined;

  constructor(options: DecoderOptions<string>) {
    this.options = options;
  }

  /** Nothing waits for a delimiter in raw framing: at most the three bytes of a split character. */
  get bufferedBytes(): number {
    return this.carry?.length ?? 0;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    const carry = this.carry;
    this.carry = undefined;
    const size = (carry?.length ?? 0) + chunk.length;
    if (size > this.options.maxMessageBytes) {
      this.options.onError(new MessageTooLargeError(size, this.options.maxMessageBytes));
      return;
    }
    const bytes = carry === undefined ? chunk : Buffer.concat([carry, chunk], size);
    const complete = incompleteUtf8Tail(bytes);
    if (complete < bytes.length) this.carry = Buffer.from(bytes.subarray(complete));
    if (complete === 0) return;
    const message = decodeText(bytes, complete, this.options);
    if (message !== undefined) this.options.onMessage(message);
  }

  end(): void {
    const carry = this.carry;
    this.carry = undefined;
    if (carry === undefined) return;
    // The peer stopped in the middle of a character: that is invalid UTF-8.
    const message = decodeText(carry, carry.length, this.options);
    if (message !== undefined) this.options.onMessage(message);
  }
}

/**
 * Unframed bytes: one message per chunk, written with no terminator. This is how the
 * documented Python server and client talk. TCP may merge or split chunks, so this framing
 * suits people typing, not programs; prefer `line` or `length` for those.
 */
export const rawCodec: Protocol<string> = {
  classify,
  render: renderBare,
  // No message boundaries: a farewell could merge with the application's own last message.
  farewell: sayNothing,
  refusal: refusalAsLine,
  name: 'raw',
  delimited: false,
  encode: toBytes,
  createDecoder: (options) => new RawDecoder(options),
};
