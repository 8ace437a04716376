import { describe, expect, it } from 'vitest';
import { autoCodec, InvalidUtf8Error, lineCodec, MessageTooLargeError, rawCodec, type Codec } from '../src/index.js';
import { chunksOf, decodeChunks, everySplit } from './helpers/decode.js';

const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');
const MULTIBYTE = 'é ß € 中文 😀';

function detect(chunks: Buffer[], maxMessageBytes = 64 * 1024) {
  const detected: Codec<string>[] = [];
  const messages: string[] = [];
  const errors: unknown[] = [];
  const decoder = autoCodec.createDecoder({
    maxMessageBytes,
    onMessage: (message) => messages.push(message),
    onError: (error) => errors.push(error),
    onFramingDetected: (codec) => detected.push(codec),
  });
  let maxBuffered = 0;
  for (const chunk of chunks) {
    decoder.push(chunk);
    maxBuffered = Math.max(maxBuffered, decoder.bufferedBytes);
  }
  decoder.end();
  return { detected, messages, errors, maxBuffered };
}

describe('auto framing', () => {
  it('speaks line to a peer whose first chunk holds a newline, and reports it once', () => {
    const { detected, messages } = detect([utf8('one\ntw'), utf8('o\nthree')]);
    expect(detected).toEqual([lineCodec]);
    expect(messages).toEqual(['one', 'two', 'three']);
  });

  it('speaks raw to a peer whose first chunk has none, still ending messages at newlines', () => {
    const { detected, messages } = detect([utf8('hello'), utf8('a\nb'), utf8('c')]);
    expect(detected).toEqual([rawCodec]);
    expect(messages).toEqual(['hello', 'a', 'b', 'c']);
  });

  it('waits for a non-empty chunk before deciding', () => {
    const { detected, messages } = detect([Buffer.alloc(0), utf8('x\n')]);
    expect(detected).toEqual([lineCodec]);
    expect(messages).toEqual(['x']);
  });

  it('keeps multi-byte UTF-8 whole at every split after detecting line', () => {
    const bytes = utf8(`hi\n${MULTIBYTE}\n${MULTIBYTE}\r\n`);
    for (const [at, chunks] of everySplit(bytes)) {
      if (at < 3) continue; // the first chunk must show the newline for line to be detected
      const { messages, detected } = detect(chunks);
      expect(detected, `split at ${at}`).toEqual([lineCodec]);
      expect(messages, `split at ${at}`).toEqual(['hi', MULTIBYTE, MULTIBYTE]);
    }
  });

  it('keeps multi-byte UTF-8 whole 2 by 2 after detecting raw', () => {
    const { messages, detected } = detect(chunksOf(utf8(MULTIBYTE), 2));
    expect(detected).toEqual([rawCodec]);
    expect(messages.join('')).toBe(MULTIBYTE);
  });

  it('bounds what it holds and refuses oversized messages in both modes', () => {
    const max = 16;
    const line = detect([utf8('ok\n'), ...chunksOf(Buffer.alloc(10_000, 'x'), 5), utf8('\nafter\n')], max);
    expect(line.messages).toEqual(['ok', 'after']);
    expect(line.errors).toHaveLength(1);
    expect(line.errors[0]).toBeInstanceOf(MessageTooLargeError);
    expect(line.maxBuffered).toBeLessThanOrEqual(max);
    const raw = detect([utf8('ok'), Buffer.alloc(max + 1, 'y'), utf8('after')], max);
    expect(raw.messages).toEqual(['ok', 'after']);
    expect(raw.errors).toHaveLength(1);
    expect(raw.errors[0]).toBeInstanceOf(MessageTooLargeError);
  });

  it('applies the invalid UTF-8 policy of the detected framing', () => {
    const bad = Buffer.concat([utf8('a'), Buffer.from([0xff]), utf8('\nfine\n')]);
    expect(detect([bad]).messages).toEqual(['a\uFFFD', 'fine']);
    const rejected = decodeChunks(autoCodec, [bad], { invalidUtf8: 'reject' });
    expect(rejected.messages).toEqual(['fine']);
    expect(rejected.errors[0]).toBeInstanceOf(InvalidUtf8Error);
  });

  it('encodes as line', () => {
    expect(autoCodec.encode('hi')).toEqual(utf8('hi\n'));
    expect(decodeChunks(autoCodec, [autoCodec.encode(MULTIBYTE)]).messages).toEqual([MULTIBYTE]);
  });
});
