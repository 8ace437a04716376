import { describe, expect, it } from 'vitest';
import { lengthPrefixCodec, MessageTooLargeError } from '../src/index.js';
import { byteByByte, chunksOf, decodeChunks, everySplit, lengthHeader } from './helpers/decode.js';

const everyByte = Buffer.from(Array.from({ length: 256 }, (_, byte) => byte));
const messages = [Buffer.from('hello'), Buffer.alloc(0), everyByte, Buffer.from('中文 😀', 'utf8'), Buffer.from([0x0a, 0x0d, 0x00])];
const stream = Buffer.concat(messages.map((message) => lengthPrefixCodec.encode(message)));

describe('length framing: splitting', () => {
  it('decodes many frames per chunk', () => {
    const decoded = decodeChunks(lengthPrefixCodec, [stream]);
    expect(decoded.messages).toEqual(messages);
    expect(decoded.errors).toEqual([]);
  });

  it('decodes frames fed byte by byte, and 2 by 2', () => {
    for (const chunks of [byteByByte(stream), chunksOf(stream, 2)]) {
      const decoded = decodeChunks(lengthPrefixCodec, chunks);
      expect(decoded.messages).toEqual(messages);
      expect(decoded.maxBuffered).toBeLessThanOrEqual(256);
    }
  });

  it('decodes frames split at every point, headers and multi-byte text included', () => {
    for (const [at, chunks] of everySplit(stream)) {
      expect(decodeChunks(lengthPrefixCodec, chunks).messages, `split at ${at}`).toEqual(messages);
    }
  });

  it('hands out messages that stay intact after the decoder reads on', () => {
    const chunk = Buffer.concat([lengthPrefixCodec.encode('first'), lengthPrefixCodec.encode('second')]);
    const { messages: decoded } = decodeChunks(lengthPrefixCodec, [chunk, Buffer.from(lengthPrefixCodec.encode('third'))]);
    expect(decoded.map((message) => message.toString())).toEqual(['first', 'second', 'third']);
  });

  it('drops a truncated frame at end()', () => {
    const truncated = stream.subarray(0, stream.length - 1);
    const decoded = decodeChunks(lengthPrefixCodec, [truncated]);
    expect(decoded.messages).toEqual(messages.slice(0, -1));
    expect(decoded.errors).toEqual([]);
  });

  it('passes bytes that are not UTF-8 through untouched: it is binary-safe', () => {
    const binary = Buffer.from([0xff, 0xfe, 0xc3, 0x00, 0xe2, 0x82]);
    expect(decodeChunks(lengthPrefixCodec, byteByByte(lengthPrefixCodec.encode(binary)), { invalidUtf8: 'reject' }).messages).toEqual([binary]);
  });
});

describe('length framing: oversized frames', () => {
  const max = 16;
  const next = lengthPrefixCodec.encode('next');

  it('accepts a frame of exactly maxMessageBytes', () => {
    const body = Buffer.alloc(max, 1);
    const decoded = decodeChunks(lengthPrefixCodec, byteByByte(lengthPrefixCodec.encode(body)), { maxMessageBytes: max });
    expect(decoded.messages).toEqual([body]);
    expect(decoded.maxBuffered).toBeLessThanOrEqual(max);
  });

  it('refuses a frame one byte over, skips its body and decodes the next, however it is split', () => {
    const bytes = Buffer.concat([lengthHeader(max + 1), Buffer.alloc(max + 1, 7), next]);
    for (const [at, chunks] of [...everySplit(bytes), [-1, byteByByte(bytes)] as const]) {
      const decoded = decodeChunks(lengthPrefixCodec, chunks, { maxMessageBytes: max });
      expect(decoded.messages, `split at ${at}`).toEqual([Buffer.from('next')]);
      expect(decoded.errors).toHaveLength(1);
      expect(decoded.errors[0]).toBeInstanceOf(MessageTooLargeError);
      expect(decoded.errors[0]).toMatchObject({ code: 'ERR_MESSAGE_TOO_LARGE', size: max + 1, limit: max });
      expect(decoded.maxBuffered).toBeLessThanOrEqual(max);
    }
  });

  it('refuses a huge length prefix as soon as the header is in, before any body arrives or is held', () => {
    const errors: unknown[] = [];
    const messagesOut: Buffer[] = [];
    const decoder = lengthPrefixCodec.createDecoder({
      maxMessageBytes: max,
      onMessage: (message) => messagesOut.push(message),
      onError: (error) => errors.push(error),
    });
    decoder.push(lengthHeader(0xffff_ffff));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'ERR_MESSAGE_TOO_LARGE', size: 0xffff_ffff });
    expect(decoder.bufferedBytes).toBe(0);
    // A body far over the limit streams past without being held.
    const body = Buffer.alloc(65_536, 9);
    for (let index = 0; index < 64; index += 1) {
      decoder.push(body);
      expect(decoder.bufferedBytes).toBe(0);
    }
    expect(messagesOut).toEqual([]);
    expect(errors).toHaveLength(1);
  });

  it('skips a 4 MiB body and decodes the frame after it', () => {
    const size = 4 * 1024 * 1024;
    const chunks = [lengthHeader(size), ...chunksOf(Buffer.alloc(size, 3), 65_536), next];
    const decoded = decodeChunks(lengthPrefixCodec, chunks, { maxMessageBytes: max });
    expect(decoded.messages).toEqual([Buffer.from('next')]);
    expect(decoded.errors).toHaveLength(1);
    expect(decoded.maxBuffered).toBeLessThanOrEqual(max);
  });
});

describe('length framing: encoding', () => {
  it('writes a 4-byte big-endian length, then the body', () => {
    expect(lengthPrefixCodec.encode('abc')).toEqual(Buffer.from([0, 0, 0, 3, 0x61, 0x62, 0x63]));
    expect(lengthPrefixCodec.encode(new Uint8Array([1, 2]))).toEqual(Buffer.from([0, 0, 0, 2, 1, 2]));
    expect(lengthPrefixCodec.encode(Buffer.alloc(0))).toEqual(Buffer.from([0, 0, 0, 0]));
    expect(lengthPrefixCodec.encode(Buffer.alloc(300)).readUInt32BE(0)).toBe(300);
  });

  it('decodes what it encodes: strings as their UTF-8 bytes', () => {
    const text = 'é 中 😀';
    expect(decodeChunks(lengthPrefixCodec, byteByByte(lengthPrefixCodec.encode(text))).messages).toEqual([Buffer.from(text, 'utf8')]);
  });
});
