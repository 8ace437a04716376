import { MessageTooLargeError } from '../errors.js';
import { classify } from './classify.js';
import type { Decoder, DecoderOptions } from './codec.js';
import { renderBare, sayNothing, type Protocol } from './protocol.js';
import { toBytes } from './text.js';

const HEADER_BYTES = 4;
const MAX_LENGTH = 0xffff_ffff;

/**
 * Reads a 4-byte big-endian length, then that many bytes. A length over the limit is
 * refused before anything is allocated, and its body is skipped as it streams past.
 */
export class LengthPrefixDecoder implements Decoder {
  private readonly options: DecoderOptions<Buffer>;
  /** The header read so far, as a number (no buffer of its own per connection), and how many of its bytes. */
  private headerValue = 0;
  private headerBytes = 0;
  /** Body length of the message being read, once its header is complete. */
  private expected = -1;
  private held: Buffer[] = [];
  private heldBytes = 0;
  /** Bytes of a refused message still to be skipped. */
  private skipping = 0;

  constructor(options: DecoderOptions<Buffer>) {
    this.options = options;
  }

  get bufferedBytes(): number {
    return this.headerBytes + this.heldBytes;
  }

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.skipping > 0) {
        const skipped = Math.min(this.skipping, chunk.length - offset);
        this.skipping -= skipped;
        offset += skipped;
      } else if (this.expected === -1) {
        offset = this.readHeader(chunk, offset);
      } else {
        offset = this.readBody(chunk, offset);
      }
    }
  }

  end(): void {
    // A truncated frame is not a message; there is nothing to deliver.
    this.headerBytes = 0;
    this.headerValue = 0;
    this.expected = -1;
    this.held = [];
    this.heldBytes = 0;
    this.skipping = 0;
  }

  private readHeader(chunk: Buffer, offset: number): number {
    let length: number;
    if (this.headerBytes === 0 && chunk.length - offset >= HEADER_BYTES) {
      length = chunk.readUInt32BE(offset);
      offset += HEADER_BYTES;
    } else {
      // A header split between chunks: gathered a byte at a time (at most 2^32 - 1, exact as a number).
      let value = this.headerValue;
      let have = this.headerBytes;
      while (have < HEADER_BYTES && offset < chunk.length) {
        value = value * 256 + (chunk[offset] ?? 0);
        have += 1;
        offset += 1;
      }
      if (have < HEADER_BYTES) {
        this.headerValue = value;
        this.headerBytes = have;
        return offset;
      }
      this.headerValue = 0;
      this.headerBytes = 0;
      length = value;
    }
    if (length > this.options.maxMessageBytes) {
      this.options.onError(new MessageTooLargeError(length, this.options.maxMessageBytes));
      this.skipping = length;
    } else if (length === 0) {
      this.options.onMessage(Buffer.alloc(0));
    } else {
      this.expected = length;
    }
    return offset;
  }

  private readBody(chunk: Buffer, offset: number): number {
    const missing = this.expected - this.heldBytes;
    const available = chunk.length - offset;
    if (available < missing) {
      this.held.push(Buffer.from(chunk.subarray(offset)));
      this.heldBytes += available;
      return chunk.length;
    }
    const tail = chunk.subarray(offset, offset + missing);
    const message = this.heldBytes === 0 ? tail : Buffer.concat([...this.held, tail], this.expected);
    this.held = [];
    this.heldBytes = 0;
    this.expected = -1;
    this.options.onMessage(message);
    return offset + missing;
  }
}

/**
 * Binary-safe framing: a 4-byte big-endian length before each message. Messages are
 * `Buffer`s; strings are sent as UTF-8.
 */
export const lengthPrefixCodec: Protocol<Buffer> = {
  classify,
  render: renderBare,
  // A notice would be taken for a chat message.
  farewell: sayNothing,
  refusal: sayNothing,
  name: 'length',
  delimited: true,
  encode(message) {
    const body = toBytes(message);
    if (body.length > MAX_LENGTH) throw new RangeError(`a length-prefixed message cannot exceed ${MAX_LENGTH} bytes`);
    const frame = Buffer.allocUnsafe(HEADER_BYTES + body.length);
    frame.writeUInt32BE(body.length, 0);
    body.copy(frame, HEADER_BYTES);
    return frame;
  },
  createDecoder: (options) => new LengthPrefixDecoder(options),
};
