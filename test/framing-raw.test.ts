import { describe, expect, it } from 'vitest';
import { InvalidUtf8Error, MessageTooLargeError, rawCodec } from '../src/index.js';
import { byteByByte, chunksOf, decodeChunks, everySplit } from './helpers/decode.js';

const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');
const MULTIBYTE = 'é ß ñ € 中文 𝄞 😀';

describe('raw framing: one message per chunk', () => {
  it('makes each chunk one message, newlines and \\r\\n included', () => {
    const { messages, errors } = decodeChunks(rawCodec, [utf8('hello'), utf8('two\nlines'), utf8('crlf\r\n')]);
    expect(messages).toEqual(['hello', 'two\nlines', 'crlf\r\n']);
    expect(errors).toEqual([]);
  });

  it('fed byte by byte, gives one message per byte of ASCII', () => {
    const { messages } = decodeChunks(rawCodec, byteByByte(utf8('abc')));
    expect(messages).toEqual(['a', 'b', 'c']);
  });

  it('carries a character split between chunks over whole, at every split point', () => {
    const bytes = utf8(MULTIBYTE);
    for (const [at, chunks] of everySplit(bytes)) {
      const { messages, errors, maxBuffered } = decodeChunks(rawCodec, chunks);
      expect(errors).toEqual([]);
      expect(messages.join(''), `split at ${at}`).toBe(MULTIBYTE);
      for (const message of messages) expect(message).not.toContain('\uFFFD');
      expect(maxBuffered).toBeLessThanOrEqual(3);
    }
  });

  it('carries characters over when fed 1, 2 and 3 bytes at a time', () => {
    const bytes = utf8(MULTIBYTE);
    for (const size of [1, 2, 3]) {
      for (const invalidUtf8 of ['replace', 'reject'] as const) {
        const { messages, errors } = decodeChunks(rawCodec, chunksOf(bytes, size), { invalidUtf8 });
        expect(errors, `${size} bytes, ${invalidUtf8}`).toEqual([]);
        expect(messages.join('')).toBe(MULTIBYTE);
      }
    }
  });

  it('ignores empty chunks', () => {
    expect(decodeChunks(rawCodec, [Buffer.alloc(0), utf8('x'), Buffer.alloc(0)]).messages).toEqual(['x']);
  });
});

describe('raw framing: oversized chunks', () => {
  const max = 16;

  it('accepts a chunk of exactly maxMessageBytes and refuses one a byte over, then goes on', () => {
    const { events } = decodeChunks(rawCodec, [utf8('a'.repeat(max)), utf8('b'.repeat(max + 1)), utf8('next')], { maxMessageBytes: max });
    expect(events).toHaveLength(3);
    expect(events[0]).toEqual({ message: 'a'.repeat(max) });
    const refused = events[1];
    expect(refused !== undefined && 'error' in refused ? refused.error : undefined).toBeInstanceOf(MessageTooLargeError);
    expect(events[2]).toEqual({ message: 'next' });
  });

  it('refuses every chunk of a message far over the limit without buffering it', () => {
    const huge = Buffer.alloc(1024 * 1024, 'h');
    const { messages, errors, maxBuffered } = decodeChunks(rawCodec, [...chunksOf(huge, 65_536), utf8('after')], { maxMessageBytes: max });
    expect(messages).toEqual(['after']);
    expect(errors).toHaveLength(16);
    for (const error of errors) expect(error).toMatchObject({ code: 'ERR_MESSAGE_TOO_LARGE', limit: max, size: 65_536 });
    expect(maxBuffered).toBeLessThanOrEqual(max);
  });
});

describe('raw framing: invalid UTF-8', () => {
  const bad = Buffer.concat([utf8('ab'), Buffer.from([0xff, 0xfe]), utf8('cd')]);

  it("replaces invalid bytes with U+FFFD under 'replace'", () => {
    const { messages, errors } = decodeChunks(rawCodec, [bad, utf8('ok')]);
    expect(errors).toEqual([]);
    expect(messages).toEqual(['ab\uFFFD\uFFFDcd', 'ok']);
  });

  it("drops the chunk with an InvalidUtf8Error under 'reject', and the next one is fine", () => {
    const { events } = decodeChunks(rawCodec, [utf8('first'), bad, utf8('ok €')], { invalidUtf8: 'reject' });
    expect(events).toHaveLength(3);
    expect(events[0]).toEqual({ message: 'first' });
    const rejected = events[1];
    expect(rejected !== undefined && 'error' in rejected ? rejected.error : undefined).toBeInstanceOf(InvalidUtf8Error);
    expect(events[2]).toEqual({ message: 'ok €' });
  });

  it('reports a character cut off by the end of the stream under either policy', () => {
    const cut = [utf8('x'), Buffer.from([0xe2, 0x82])];
    expect(decodeChunks(rawCodec, cut).messages).toEqual(['x', '\uFFFD']);
    const rejected = decodeChunks(rawCodec, cut, { invalidUtf8: 'reject' });
    expect(rejected.messages).toEqual(['x']);
    expect(rejected.errors).toHaveLength(1);
    expect(rejected.errors[0]).toBeInstanceOf(InvalidUtf8Error);
  });
});

describe('raw framing: encoding', () => {
  it('writes the bytes with no terminator, and decodes them back', () => {
    for (const text of ['plain', MULTIBYTE, 'with\nnewline\r\n']) {
      const frame = rawCodec.encode(text);
      expect(frame).toEqual(utf8(text));
      expect(decodeChunks(rawCodec, [frame]).messages).toEqual([text]);
    }
    expect(rawCodec.encode(new Uint8Array([0x61, 0x62]))).toEqual(utf8('ab'));
    expect(rawCodec.delimited).toBe(false);
  });
});
