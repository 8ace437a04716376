import type { Codec, DecoderOptions, FramingError } from '../../src/index.js';

/** What a decoder produced, and the most it ever held, after being fed chunk by chunk. */
export interface Decoded<T> {
  readonly messages: T[];
  readonly errors: FramingError[];
  /** Largest `bufferedBytes` seen after any push. */
  readonly maxBuffered: number;
  /** Everything the callbacks saw, in order: messages and errors interleaved. */
  readonly events: ({ message: T } | { error: FramingError })[];
}

export type DecodeOptions = Partial<Pick<DecoderOptions<unknown>, 'maxMessageBytes' | 'invalidUtf8'>> & {
  /** Call `end()` after the last chunk. Default true. */
  end?: boolean;
};

/** A fresh decoder of `codec` fed `chunks` one push at a time. */
export function decodeChunks<T>(codec: Codec<T>, chunks: Iterable<Buffer>, options: DecodeOptions = {}): Decoded<T> {
  const messages: T[] = [];
  const errors: FramingError[] = [];
  const events: Decoded<T>['events'] = [];
  let maxBuffered = 0;
  const decoder = codec.createDecoder({
    maxMessageBytes: options.maxMessageBytes ?? 64 * 1024,
    ...(options.invalidUtf8 === undefined ? {} : { invalidUtf8: options.invalidUtf8 }),
    onMessage: (message) => {
      messages.push(message);
      events.push({ message });
    },
    onError: (error) => {
      errors.push(error);
      events.push({ error });
    },
  });
  for (const chunk of chunks) {
    decoder.push(chunk);
    maxBuffered = Math.max(maxBuffered, decoder.bufferedBytes);
  }
  if (options.end !== false) decoder.end();
  return { messages, errors, maxBuffered, events };
}

/** `bytes` cut into pieces of `size` bytes (the last may be shorter). */
export function chunksOf(bytes: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let start = 0; start < bytes.length; start += size) chunks.push(bytes.subarray(start, start + size));
  return chunks;
}

/** `bytes` one byte per chunk. */
export function byteByByte(bytes: Buffer): Buffer[] {
  return chunksOf(bytes, 1);
}

/** Every way of cutting `bytes` in two: `[[], bytes]`, `[bytes[0..1], rest]`, ... */
export function* everySplit(bytes: Buffer): Generator<[number, Buffer[]]> {
  for (let at = 0; at <= bytes.length; at += 1) yield [at, [bytes.subarray(0, at), bytes.subarray(at)]];
}

/** A 4-byte big-endian length prefix. */
export function lengthHeader(length: number): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(length, 0);
  return header;
}
