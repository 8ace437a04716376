import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  autoCodec,
  createJsonCodec,
  jsonClientCodec,
  lengthPrefixCodec,
  lineCodec,
  mixedCodec,
  NICK_PATTERN,
  rawCodec,
  ROOM_PATTERN,
  validateEnvelope,
  type ClientEnvelope,
  type Codec,
  type FramingError,
  type HubEnvelope,
  type JsonEnvelope,
} from '../src/index.js';

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

// JSON envelopes. A limit large enough for any generated envelope: what is tested here is the
// framing and the schema, not the size cap (the random-bytes properties test that at LIMIT).
const JSON_LIMIT = 4096;
const clientJson = createJsonCodec({ source: 'client' });
/** Any text a JSON field may carry: newlines, quotes, backslashes, control characters, lone surrogates. */
const anyText = fc.string({
  unit: fc.oneof(
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    fc.constantFrom('\n', '\r', '\r\n', '"', '\\', '\u0000', '\u2028', '{', '}'),
    fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code)),
  ),
  maxLength: 40,
});
const nick = fc.stringMatching(NICK_PATTERN);
const room = fc.stringMatching(ROOM_PATTERN);
const short = fc.string({ unit: 'binary', maxLength: 64 }).filter((text) => text.length <= 64);
const ts = fc.double({ noNaN: true, noDefaultInfinity: true });
const clientEnvelope: fc.Arbitrary<ClientEnvelope> = fc.oneof(
  fc.record({ v: fc.constant(1 as const), type: fc.constant('message' as const), text: anyText, room }, { requiredKeys: ['v', 'type', 'text'] }),
  fc.record({ v: fc.constant(1 as const), type: fc.constant('join' as const), room }),
  fc.record({ v: fc.constant(1 as const), type: fc.constant('leave' as const), room }),
  fc.record({ v: fc.constant(1 as const), type: fc.constant('nick' as const), nick }),
  fc.record({ v: fc.constant(1 as const), type: fc.constant('direct' as const), to: nick, text: anyText }),
  fc.record({ v: fc.constant(1 as const), type: fc.constant('hello' as const), nick, token: anyText }, { requiredKeys: ['v', 'type'] }),
  fc.record({ v: fc.constant(1 as const), type: fc.constant('pong' as const), ts }),
);
const hubEnvelope: fc.Arbitrary<HubEnvelope> = fc.oneof(
  fc.record(
    { v: fc.constant(1 as const), type: fc.constant('message' as const), id: short, sender: short, room: short, text: anyText, ts, action: fc.boolean() },
    { requiredKeys: ['v', 'type', 'id', 'sender', 'room', 'text', 'ts'] },
  ),
  fc.record({ v: fc.constant(1 as const), type: fc.constant('direct' as const), id: short, sender: short, to: short, text: anyText, ts }),
  fc.record({ v: fc.constant(1 as const), type: fc.constant('join' as const), nick: short, room: short, ts }),
  fc.record({ v: fc.constant(1 as const), type: fc.constant('leave' as const), nick: short, room: short, ts, reason: short }, { requiredKeys: ['v', 'type', 'nick', 'room', 'ts'] }),
  fc.record({ v: fc.constant(1 as const), type: fc.constant('nick' as const), from: short, nick: short, ts }),
  fc.record(
    { v: fc.constant(1 as const), type: fc.constant('system' as const), text: anyText, ts, nick: short, room: short, names: fc.array(short, { maxLength: 5 }) },
    { requiredKeys: ['v', 'type', 'text', 'ts'] },
  ),
  fc.record({ v: fc.constant(1 as const), type: fc.constant('error' as const), code: short, message: anyText, ts }),
  fc.record({ v: fc.constant(1 as const), type: fc.constant('ping' as const), ts }),
  fc.record({ v: fc.constant(1 as const), type: fc.constant('bye' as const), reason: short, message: short, ts, retryAfterMs: ts }, { requiredKeys: ['v', 'type', 'reason', 'message', 'ts'] }),
);
/** What JSON.parse gives back for an envelope: `-0` comes back as `0`. */
const viaJson = (envelope: JsonEnvelope): unknown => JSON.parse(JSON.stringify(envelope));

/** Lines a hostile JSON peer might send: any JSON value, envelopes with extra or forbidden keys, truncated envelopes, blank lines. */
const hostileJsonLine = fc.oneof(
  fc.json({ maxDepth: 3 }),
  clientEnvelope.map((envelope) => JSON.stringify(envelope)),
  fc
    .tuple(clientEnvelope, fc.constantFrom('__proto__', 'constructor', 'prototype', 'v', 'type', 'extra'), fc.jsonValue({ maxDepth: 2 }))
    .map(([envelope, key, value]) => JSON.stringify(envelope).replace(/^\{/, `{${JSON.stringify(key)}:${JSON.stringify(value)},`)),
  fc.tuple(clientEnvelope, fc.nat()).map(([envelope, cut]) => {
    const text = JSON.stringify(envelope);
    return text.slice(0, cut % (text.length + 1));
  }),
  fc.constantFrom('', ' ', '\t', '{', '}', '[]', 'null', '{"v":2,"type":"message","text":"x"}', '{"v":1,"type":"__proto__"}'),
);
/** Random bytes and hostile JSON lines, interleaved: no newline is guaranteed anywhere. */
const hostileJsonBytes = fc
  .array(fc.oneof(fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)), hostileJsonLine.map((line) => Buffer.from(`${line}\n`))), { maxLength: 30 })
  .map((parts) => Buffer.concat(parts));

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

  for (const codec of [lineCodec, rawCodec, autoCodec, lengthPrefixCodec, mixedCodec, clientJson, jsonClientCodec] as Codec<unknown>[]) {
    it(`${codec.name}${codec === jsonClientCodec ? ' (client side)' : ''}: random bytes never throw, never hold more than the limit, never yield a message over it`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 2048 }), cuts, (random, splits) => {
          const decoded = decodeInChunks(codec, Buffer.from(random), splits);
          decoded.end();
          expect(decoded.maxHeld).toBeLessThanOrEqual(LIMIT);
          for (const message of decoded.messages) {
            if (typeof message === 'object' && !Buffer.isBuffer(message)) continue; // an envelope: see the JSON properties below
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

describe('JSON decoder properties', () => {
  for (const [side, codec, envelopes] of [
    ['client envelopes (the hub side)', clientJson, clientEnvelope],
    ['hub envelopes (the JsonChatClient side)', jsonClientCodec, hubEnvelope],
  ] as const) {
    it(`json, ${side}: encode then decode is identity, in any chunking`, () => {
      fc.assert(
        fc.property(fc.array(envelopes as fc.Arbitrary<JsonEnvelope>, { maxLength: 15 }), cuts, (messages, splits) => {
          const bytes = Buffer.concat(messages.map((message) => codec.encode(message)));
          const decoded = decodeInChunks(codec as Codec<JsonEnvelope>, bytes, splits, JSON_LIMIT);
          decoded.end();
          expect(decoded.errors).toEqual([]);
          expect(decoded.messages).toEqual(messages.map(viaJson));
        }),
        { numRuns: 300 },
      );
    });
  }

  for (const [name, codec] of [
    ['json (hub side)', clientJson],
    ['json (client side)', jsonClientCodec],
    ['mixed', mixedCodec],
  ] as const) {
    it(`${name}: hostile JSON and random bytes never throw, never hold more than the limit, and yield only valid envelopes`, () => {
      fc.assert(
        fc.property(hostileJsonBytes, cuts, (bytes, splits) => {
          const decoded = decodeInChunks(codec as Codec<unknown>, bytes, splits);
          decoded.end();
          expect(decoded.maxHeld).toBeLessThanOrEqual(LIMIT);
          for (const message of decoded.messages) {
            if (typeof message === 'string') {
              // mixed took the peer for a line or raw one: text, bounded like any text message.
              expect(codec).toBe(mixedCodec);
              expect(Buffer.byteLength(message)).toBeLessThanOrEqual(3 * LIMIT);
              continue;
            }
            // Whatever gets through is a well-formed envelope of the side it was read for, and was not over the limit.
            const source = codec === jsonClientCodec ? 'hub' : 'client';
            expect(() => validateEnvelope(message, source, Number.MAX_SAFE_INTEGER)).not.toThrow();
            expect(Object.getPrototypeOf(message)).toBe(Object.prototype);
            expect(Buffer.byteLength(JSON.stringify(message))).toBeLessThanOrEqual(LIMIT);
          }
        }),
        { numRuns: 300 },
      );
    });
  }
});

describe('mixed decoder properties', () => {
  it('a JSON peer: encode then decode is identity, in any chunking', () => {
    fc.assert(
      fc.property(fc.array(clientEnvelope, { minLength: 1, maxLength: 15 }), cuts, (messages, splits) => {
        const bytes = Buffer.concat(messages.map((message) => clientJson.encode(message)));
        const decoded = decodeInChunks(mixedCodec as Codec<unknown>, bytes, splits, JSON_LIMIT);
        decoded.end();
        expect(decoded.errors).toEqual([]);
        expect(decoded.messages).toEqual(messages.map(viaJson));
      }),
      { numRuns: 300 },
    );
  });

  // A line peer is told from a raw one by whether its first read holds a newline (documented in
  // docs/protocol.md, "Limits"), so the first chunk here carries the first line whole; after
  // that, any chunking. The first message must not look like JSON (`{` after any whitespace).
  const firstLine = lineText.filter((text) => text.trim().length > 0 && !/^\s*\{/.test(text));
  it('a line peer: encode then decode is identity, in any chunking after the first line', () => {
    fc.assert(
      fc.property(firstLine, fc.array(lineText, { maxLength: 20 }), cuts, (first, rest, splits) => {
        const messages = [first, ...rest];
        const bytes = Buffer.concat(messages.map((message) => mixedCodec.encode(message)));
        const head = mixedCodec.encode(first).length;
        const decoded = decodeInChunks(mixedCodec, bytes, [head, ...splits.map((cut) => head + (cut % (bytes.length - head + 1)))]);
        decoded.end();
        expect(decoded.errors).toEqual([]);
        expect(decoded.messages).toEqual(messages);
      }),
      { numRuns: 300 },
    );
  });

  // Found while writing these properties: MixedDecoder used to throw a first chunk of nothing but
  // whitespace away, so a line peer whose first read was `"  "` and second `"hi\n"` was heard
  // saying `hi`, not `  hi`.
  it('a line peer: a first chunk of only whitespace is kept as the start of the first line', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[ \t]{1,4}$/), lineText.filter((text) => /^[^\s{]/.test(text)), (spaces, text) => {
        const whole = decodeInChunks(mixedCodec, Buffer.from(`${spaces}${text}\n`), []);
        const split = decodeInChunks(mixedCodec, Buffer.from(`${spaces}${text}\n`), [spaces.length]);
        expect(whole.messages).toEqual([`${spaces}${text}`]);
        expect(split.messages).toEqual(whole.messages);
      }),
      { numRuns: 50 },
    );
  });
});
