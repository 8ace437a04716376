import { MessageTooLargeError } from '../errors.js';
import type { Codec, Decoder, DecoderOptions } from './codec.js';
import { decodeText, toBytes } from './text.js';

const LF = 0x0a;
const CR = 0x0d;

/**
 * Splits UTF-8 text on `\n` (a `\r\n` is accepted too). Holds at most `maxMessageBytes` of
 * an unfinished line; a longer line is reported and skipped up to its newline.
 */
export class LineDecoder implements Decoder {
  private readonly options: DecoderOptions<string>;
  private held: Buffer[] = [];
  private heldBytes = 0;
  /** Inside a line that was too long: drop bytes until the next newline. */
  private skipping = false;

  constructor(options: DecoderOptions<string>) {
    this.options = options;
  }

  get bufferedBytes(): number {
    return this.heldBytes;
  }

  push(chunk: Buffer): void {
    const max = this.options.maxMessageBytes;
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(LF, start);
      if (newline === -1) {
        this.hold(chunk, start);
        return;
      }
      if (this.skipping) {
        this.skipping = false;
      } else if (this.heldBytes + newline - start > max) {
        this.options.onError(new MessageTooLargeError(this.heldBytes + newline - start, max));
        this.release();
      } else if (this.heldBytes === 0) {
        this.emit(chunk.subarray(start, newline));
      } else {
        this.held.push(chunk.subarray(start, newline));
        const line = Buffer.concat(this.held, this.heldBytes + newline - start);
        this.release();
        this.emit(line);
      }
      start = newline + 1;
    }
  }

  end(): void {
    if (this.heldBytes > 0) {
      // The peer's last line had no newline; it is still what they sent.
      const line = Buffer.concat(this.held, this.heldBytes);
      this.release();
      this.emit(line);
    }
    this.skipping = false;
  }

  private hold(chunk: Buffer, start: number): void {
    if (this.skipping) return;
    const size = this.heldBytes + chunk.length - start;
    if (size > this.options.maxMessageBytes) {
      this.options.onError(new MessageTooLargeError(size, this.options.maxMessageBytes));
      this.release();
      this.skipping = true;
      return;
    }
    // Copy, so a few held bytes do not pin the whole chunk in memory.
    this.held.push(Buffer.from(chunk.subarray(start)));
    this.heldBytes = size;
  }

  private release(): void {
    this.held = [];
    this.heldBytes = 0;
  }

  private emit(line: Buffer): void {
    const end = line.length > 0 && line[line.length - 1] === CR ? line.length - 1 : line.length;
    const text = decodeText(line, end, this.options);
    if (text !== undefined) this.options.onMessage(text);
  }
}

/**
 * Newline-delimited UTF-8 text, the default framing: what `nc` and most terminals speak.
 * Encoding appends `\n` unless the message already ends with one.
 */
export const lineCodec: Codec<string> = {
  name: 'line',
  delimited: true,
  encode(message) {
    if (typeof message === 'string') {
      return Buffer.from(message.endsWith('\n') ? message : `${message}\n`, 'utf8');
    }
    const bytes = toBytes(message);
    if (bytes.length > 0 && bytes[bytes.length - 1] === LF) return bytes;
    const framed = Buffer.allocUnsafe(bytes.length + 1);
    bytes.copy(framed);
    framed[bytes.length] = LF;
    return framed;
  },
  createDecoder: (options) => new LineDecoder(options),
};
