import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { autoCodec, lengthPrefixCodec, lineCodec, rawCodec, type Codec, type FramingError } from '../src/index.js';

const LIMIT = 256;

/** Feeds `bytes` to a fresh decoder in the chunks that `cuts` describes. */
function decodeInChunks<T>(codec: Codec<T>, bytes: Buffer, cuts: number[], maxMessageBytes = LIMIT) {
  const messages: T[] = [];
  const errors: FramingError[] = [];
  let maxHeld = 0;
  const decoder = codec.createDecoder({
    maxMessageBytes,
    onMessage: (message) => messages.push(message),
    onError: (error) => errors.push(error),
  });
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  let start = 0;
  for (const point of [...points, bytes.length]) {
    if (point > start) decoder.push(bytes.subarray(start, point));
    maxHeld = Math.max(maxHeld, decoder.bufferedBytes);
    start = Math.max(start, point);
  }
  return {
    messages,
    errors,
    maxHeld,
    end: () => {
      decoder.end();
    },
  };
}

// Text without newlines or carriage returns: what a line may carry unchanged.
const lineText = fc.string({ unit: 'grapheme', maxLength: 40 }).filter((text) => !/[\r\n]/.test(text));
const cuts = fc.array(fc.nat(), { maxLength: 30 });

describe('decoder properties', () => {
  it('line: any chunking of encoded messages decodes to the same messages', () => {
    fc.assert(
      fc.property(fc.array(lineText, { maxLength: 20 }), cuts, (messages, splits) => {
        const bytes = Buffer.concat(messages.map((message) => lineCodec.encode(message)));
        const decoded = decodeInChunks(lineCodec, bytes, splits);
        expect(decoded.messages).toEqual(messages);
        expect(decoded.errors).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('length: any chunking of encoded binary messages decodes to the same bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }), cuts, (messages, splits) => {
        const bytes = Buffer.concat(messages.map((message) => lengthPrefixCodec.encode(message)));
        const decoded = decodeInChunks(lengthPrefixCodec, bytes, splits);
        expect(decoded.messages.map((message) => [...message])).toEqual(messages.map((message) => [...message]));
      }),
      { numRuns: 300 },
    );
  });

  it('raw: any chunking of UTF-8 text loses and mangles no character', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), cuts, (text, splits) => {
        const decoded = decodeInChunks(rawCodec, Buffer.from(text), splits);
        decoded.end();
        expect(decoded.messages.join('')).toBe(Buffer.from(text).toString());
      }),
      { numRuns: 300 },
    );
  });

  for (const codec of [lineCodec, rawCodec, autoCodec, lengthPrefixCodec] as Codec<unknown>[]) {
    it(`${codec.name}: random bytes never throw, never hold more than the limit, never yield a message over it`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 2048 }), cuts, (random, splits) => {
          const decoded = decodeInChunks(codec, Buffer.from(random), splits);
          decoded.end();
          expect(decoded.maxHeld).toBeLessThanOrEqual(LIMIT);
          for (const message of decoded.messages) {
            const size = typeof message === 'string' ? Buffer.byteLength(message) : (message as Buffer).length;
            // U+FFFD (3 bytes) may stand for one invalid byte, so text can grow up to threefold.
            expect(size).toBeLessThanOrEqual(typeof message === 'string' ? 3 * LIMIT : LIMIT);
          }
        }),
        { numRuns: 200 },
      );
    });
  }
});
