import { MessageTooLargeError } from '../errors.js';
import type { Decoder, DecoderOptions } from './codec.js';
import { textProtocol, type Protocol } from './protocol.js';
import { decodeText, toBytes } from './text.js';

const LF = 0x0a;
const CR = 0x0d;
const CR_BYTE = Buffer.from([CR]);

/**
 * Splits UTF-8 text on `\n` (a `\r\n` is accepted too). Holds at most `maxMessageBytes` of
 * an unfinished line; a longer line is reported and skipped up to its newline. The limit
 * applies to the message itself: the `\r` of a `\r\n` does not count.
 */
export class LineDecoder implements Decoder {
  private readonly options: DecoderOptions<string>;
  private held: Buffer[] = [];
  private heldBytes = 0;
  /** Inside a line that was too long: drop bytes until the next newline. */
  private skipping = false;
  /**
   * The last chunk ended with `\r`: it ends the line if the next byte is `\n`, and is part
   * of the message otherwise. Kept out of `held` so that a message of exactly
   * `maxMessageBytes` followed by `\r\n` split between chunks is still accepted.
   */
  private pendingCR = false;

  constructor(options: DecoderOptions<string>) {
    this.options = options;
  }

  get bufferedBytes(): number {
    return this.heldBytes;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    let start = 0;
    if (this.pendingCR) {
      this.pendingCR = false;
      if (chunk[0] === LF) {
        this.endLine(chunk.subarray(0, 0));
        start = 1;
      } else {
        this.append(CR_BYTE, 0, 1);
      }
    }
    while (start < chunk.length) {
      const newline = chunk.indexOf(LF, start);
      if (newline === -1) {
        this.hold(chunk, start);
        return;
      }
      const end = newline > start && chunk[newline - 1] === CR ? newline - 1 : newline;
      this.endLine(chunk.subarray(start, end));
      start = newline + 1;
    }
  }

  end(): void {
    if (!this.skipping && this.heldBytes > 0) {
      // The peer's last line had no newline; it is still what they sent.
      const line = Buffer.concat(this.held, this.heldBytes);
      this.release();
      this.emit(line);
    }
    this.release();
    this.skipping = false;
    this.pendingCR = false;
  }

  /** A newline arrived: `tail` is the rest of the line, its `\r\n` or `\n` removed. */
  private endLine(tail: Buffer): void {
    if (this.skipping) {
      this.skipping = false;
      return;
    }
    const size = this.heldBytes + tail.length;
    if (size > this.options.maxMessageBytes) {
      this.options.onError(new MessageTooLargeError(size, this.options.maxMessageBytes));
      this.release();
      return;
    }
    const line = this.heldBytes === 0 ? tail : Buffer.concat([...this.held, tail], size);
    this.release();
    this.emit(line);
  }

  /** No newline in the rest of the chunk: keep it for the next one. */
  private hold(chunk: Buffer, start: number): void {
    if (this.skipping) return;
    let end = chunk.length;
    if (chunk[end - 1] === CR) {
      end -= 1;
      this.pendingCR = true;
    }
    this.append(chunk, start, end);
  }

  private append(chunk: Buffer, start: number, end: number): void {
    if (this.skipping || end === start) return;
    const size = this.heldBytes + end - start;
    if (size > this.options.maxMessageBytes) {
      this.options.onError(new MessageTooLargeError(size, this.options.maxMessageBytes));
      this.release();
      this.skipping = true;
      this.pendingCR = false;
      return;
    }
    // Copy, so a few held bytes do not pin the whole chunk in memory.
    this.held.push(Buffer.from(chunk.subarray(start, end)));
    this.heldBytes = size;
  }

  private release(): void {
    this.held = [];
    this.heldBytes = 0;
  }

  private emit(line: Buffer): void {
    const text = decodeText(line, line.length, this.options);
    if (text !== undefined) this.options.onMessage(text);
  }
}

/**
 * Newline-delimited UTF-8 text, the default framing: what `nc` and most terminals speak.
 * Encoding appends `\n` unless the message already ends with one.
 */
export const lineCodec: Protocol<string> = {
  ...textProtocol,
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
