import { StringDecoder } from 'node:string_decoder';
import { MessageTooLargeError } from '../errors.js';
import type { Codec, Decoder, DecoderOptions } from './codec.js';
import { toBytes } from './text.js';

/**
 * Each chunk read from the socket is one message, as the documented Python programs
 * (`recv(1024)`) see it. A UTF-8 character split across two chunks is carried over whole
 * rather than mangled; other invalid bytes become U+FFFD.
 */
export class RawDecoder implements Decoder {
  private readonly options: DecoderOptions<string>;
  private readonly text = new StringDecoder('utf8');

  constructor(options: DecoderOptions<string>) {
    this.options = options;
  }

  /** Nothing waits for a delimiter in raw framing (at most three bytes of a split character). */
  readonly bufferedBytes = 0;

  push(chunk: Buffer): void {
    if (chunk.length > this.options.maxMessageBytes) {
      this.options.onError(new MessageTooLargeError(chunk.length, this.options.maxMessageBytes));
      return;
    }
    const message = this.text.write(chunk);
    if (message.length > 0) this.options.onMessage(message);
  }

  end(): void {
    const rest = this.text.end();
    if (rest.length > 0) this.options.onMessage(rest);
  }
}

/**
 * Unframed bytes: one message per chunk, written with no terminator. This is how the
 * documented Python server and client talk. TCP may merge or split chunks, so this framing
 * suits people typing, not programs; prefer `line` or `length` for those.
 */
export const rawCodec: Codec<string> = {
  name: 'raw',
  delimited: false,
  encode: toBytes,
  createDecoder: (options) => new RawDecoder(options),
};
