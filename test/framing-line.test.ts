import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidUtf8Error, lineCodec, MessageTooLargeError } from '../src/index.js';
import { byteByByte, chunksOf, decodeChunks, everySplit } from './helpers/decode.js';

const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');
/** Two-, three- and four-byte characters, and a combining sequence. */
const MULTIBYTE = 'é ß ñ € 中文 𝄞 😀 e\u0301';

describe('line framing: splitting', () => {
  it('decodes many messages per chunk', () => {
    const { messages, errors } = decodeChunks(lineCodec, [utf8('one\ntwo\n\nthree\nfour\n')]);
    expect(messages).toEqual(['one', 'two', '', 'three', 'four']);
    expect(errors).toEqual([]);
  });

  it('decodes the same messages fed byte by byte', () => {
    const text = `hello\n${MULTIBYTE}\nbye\r\n\n`;
    const { messages, errors, maxBuffered } = decodeChunks(lineCodec, byteByByte(utf8(text)));
    expect(messages).toEqual(['hello', MULTIBYTE, 'bye', '']);
    expect(errors).toEqual([]);
    expect(maxBuffered).toBe(Buffer.byteLength(MULTIBYTE));
  });

  it('keeps multi-byte UTF-8 whole when split 2 by 2 and 3 by 3', () => {
    const bytes = utf8(`${MULTIBYTE}\n${MULTIBYTE}\n`);
    for (const size of [2, 3]) {
      const { messages } = decodeChunks(lineCodec, chunksOf(bytes, size));
      expect(messages, `chunks of ${size}`).toEqual([MULTIBYTE, MULTIBYTE]);
    }
  });

  it('keeps multi-byte UTF-8 whole at every split point', () => {
    const bytes = utf8(`a€b\n😀${MULTIBYTE}\r\nz`);
    for (const [at, chunks] of everySplit(bytes)) {
      const { messages, errors } = decodeChunks(lineCodec, chunks);
      expect(messages, `split at ${at}`).toEqual(['a€b', `😀${MULTIBYTE}`, 'z']);
      expect(errors).toEqual([]);
      expect(messages.join('')).not.toContain('\uFFFD');
    }
  });

  it('accepts \\r\\n, even with the \\r and \\n in different chunks, and keeps a lone \\r', () => {
    expect(decodeChunks(lineCodec, [utf8('a\r\nb\r\n')]).messages).toEqual(['a', 'b']);
    expect(decodeChunks(lineCodec, [utf8('a\r'), utf8('\nb\r'), utf8('\n')]).messages).toEqual(['a', 'b']);
    expect(decodeChunks(lineCodec, [utf8('a\rb\n')]).messages).toEqual(['a\rb']);
    expect(decodeChunks(lineCodec, [utf8('a\r'), utf8('b\n')]).messages).toEqual(['a\rb']);
    expect(decodeChunks(lineCodec, [utf8('a\r'), utf8('\r\n')]).messages).toEqual(['a\r']);
  });

  it('delivers a final line with no newline on end(), and nothing more', () => {
    expect(decodeChunks(lineCodec, [utf8('first\nlast')]).messages).toEqual(['first', 'last']);
    expect(decodeChunks(lineCodec, [utf8('first\nla'), utf8('st\r')]).messages).toEqual(['first', 'last']);
    expect(decodeChunks(lineCodec, [utf8('first\nlast')], { end: false }).messages).toEqual(['first']);
    expect(decodeChunks(lineCodec, [utf8('first\n')]).messages).toEqual(['first']);
  });

  it('ignores empty chunks', () => {
    const { messages } = decodeChunks(lineCodec, [Buffer.alloc(0), utf8('a'), Buffer.alloc(0), utf8('\n'), Buffer.alloc(0)]);
    expect(messages).toEqual(['a']);
  });
});

describe('line framing: oversized lines', () => {
  const max = 16;

  it('accepts a line of exactly maxMessageBytes, with \\n or \\r\\n however it is split', () => {
    const line = 'x'.repeat(max);
    for (const ending of ['\n', '\r\n']) {
      const bytes = utf8(`${line}${ending}ok\n`);
      for (const [at, chunks] of everySplit(bytes)) {
        const { messages, errors, maxBuffered } = decodeChunks(lineCodec, chunks, { maxMessageBytes: max });
        expect(messages, `${JSON.stringify(ending)} split at ${at}`).toEqual([line, 'ok']);
        expect(errors).toEqual([]);
        expect(maxBuffered).toBeLessThanOrEqual(max);
      }
    }
  });

  it('refuses a line one byte over, in one chunk, byte by byte, and at every split, then decodes the next', () => {
    const bytes = utf8(`${'y'.repeat(max + 1)}\r\nnext\n`);
    const feeds: [string, Buffer[]][] = [
      ['one chunk', [bytes]],
      ['byte by byte', byteByByte(bytes)],
      ...[...everySplit(bytes)].map(([at, chunks]): [string, Buffer[]] => [`split at ${at}`, chunks]),
    ];
    for (const [how, chunks] of feeds) {
      const { messages, errors, maxBuffered } = decodeChunks(lineCodec, chunks, { maxMessageBytes: max });
      expect(messages, how).toEqual(['next']);
      expect(errors, how).toHaveLength(1);
      const [error] = errors;
      expect(error).toBeInstanceOf(MessageTooLargeError);
      expect(error).toMatchObject({ code: 'ERR_MESSAGE_TOO_LARGE', limit: max });
      expect((error as MessageTooLargeError).size).toBeGreaterThan(max);
      expect(maxBuffered, how).toBeLessThanOrEqual(max);
    }
  });

  it('refuses a line far over the limit with one error, never holding more than the limit', () => {
    const huge = Buffer.alloc(1024 * 1024, 'z');
    const chunks = [utf8('before\n'), ...chunksOf(huge, 7), ...chunksOf(huge, 65_536), utf8('\r\nafter\n')];
    const { messages, errors, maxBuffered } = decodeChunks(lineCodec, chunks, { maxMessageBytes: max });
    expect(messages).toEqual(['before', 'after']);
    expect(errors).toHaveLength(1);
    expect(maxBuffered).toBeLessThanOrEqual(max);
  });

  it('refuses a huge line that arrives whole, and a huge unterminated line at end()', () => {
    const whole = decodeChunks(lineCodec, [utf8(`${'w'.repeat(100_000)}\nok\n`)], { maxMessageBytes: max });
    expect(whole.messages).toEqual(['ok']);
    expect(whole.errors).toHaveLength(1);
    expect((whole.errors[0] as MessageTooLargeError).size).toBe(100_000);
    const unterminated = decodeChunks(lineCodec, [utf8('ok\n'), utf8('u'.repeat(1000))], { maxMessageBytes: max });
    expect(unterminated.messages).toEqual(['ok']);
    expect(unterminated.errors).toHaveLength(1);
  });

  it('counts bytes, not characters', () => {
    const fits = '€'.repeat(5); // 15 bytes
    const over = '€'.repeat(6); // 18 bytes
    const { messages, errors } = decodeChunks(lineCodec, byteByByte(utf8(`${fits}\n${over}\n${fits}\n`)), { maxMessageBytes: max });
    expect(messages).toEqual([fits, fits]);
    expect(errors).toHaveLength(1);
  });
});

describe('line framing: invalid UTF-8', () => {
  const bad = Buffer.concat([utf8('ab'), Buffer.from([0xff, 0xc3]), utf8('cd'), Buffer.from([0xe2, 0x82])]);
  const input = Buffer.concat([utf8('good\n'), bad, utf8('\n'), utf8('fine €\n')]);

  it("replaces invalid sequences with U+FFFD under 'replace' (the default), at every split", () => {
    for (const [at, chunks] of everySplit(input)) {
      for (const invalidUtf8 of [undefined, 'replace'] as const) {
        const { messages, errors } = decodeChunks(lineCodec, chunks, invalidUtf8 === undefined ? {} : { invalidUtf8 });
        expect(errors, `split at ${at}`).toEqual([]);
        expect(messages, `split at ${at}`).toEqual(['good', 'ab\uFFFD\uFFFDcd\uFFFD', 'fine €']);
        // What comes out re-encodes to valid UTF-8: no raw garbage survives.
        for (const message of messages) expect(Buffer.from(message, 'utf8').toString('utf8')).toBe(message);
      }
    }
  });

  it("drops the message with an InvalidUtf8Error under 'reject', and the next one is fine", () => {
    for (const [at, chunks] of everySplit(input)) {
      const { events } = decodeChunks(lineCodec, chunks, { invalidUtf8: 'reject' });
      expect(events, `split at ${at}`).toHaveLength(3);
      expect(events[0]).toEqual({ message: 'good' });
      const second = events[1];
      expect(second !== undefined && 'error' in second ? second.error : undefined).toBeInstanceOf(InvalidUtf8Error);
      expect(events[2]).toEqual({ message: 'fine €' });
    }
  });

  it("under 'reject' accepts valid multi-byte text split anywhere", () => {
    const bytes = utf8(`${MULTIBYTE}\n`);
    for (const [at, chunks] of everySplit(bytes)) {
      const { messages, errors } = decodeChunks(lineCodec, chunks, { invalidUtf8: 'reject' });
      expect(errors, `split at ${at}`).toEqual([]);
      expect(messages).toEqual([MULTIBYTE]);
    }
  });
});

describe('line framing: encoding', () => {
  it('appends one newline, not two, and frames bytes the same way', () => {
    expect(lineCodec.encode('hi')).toEqual(utf8('hi\n'));
    expect(lineCodec.encode('hi\n')).toEqual(utf8('hi\n'));
    expect(lineCodec.encode(utf8('hi'))).toEqual(utf8('hi\n'));
    expect(lineCodec.encode(new Uint8Array([0x68, 0x69]))).toEqual(utf8('hi\n'));
    expect(lineCodec.encode('')).toEqual(utf8('\n'));
  });

  it('decodes what it encodes, however the stream is cut (property)', () => {
    // A line message cannot hold a newline, and a trailing \r would read as a \r\n.
    const message = fc.string({ unit: 'grapheme', maxLength: 40 }).filter((text) => !text.includes('\n') && !text.endsWith('\r'));
    fc.assert(
      fc.property(fc.array(message, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 10 }), (messages, cuts) => {
        const bytes = Buffer.concat(messages.map((text) => lineCodec.encode(text)));
        const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...points].map((from, index) => bytes.subarray(from, [...points, bytes.length][index]));
        const { messages: decoded, errors } = decodeChunks(lineCodec, chunks);
        expect(errors).toEqual([]);
        expect(decoded).toEqual(messages);
      }),
      { numRuns: 300 },
    );
  });
});
