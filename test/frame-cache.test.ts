import { describe, expect, it } from 'vitest';
import { FrameCache } from '../src/transport/frame-cache.js';

/** An encoder that counts its calls: `tag` tells its frames apart from another encoder's. */
function countingEncoder(tag: string): { encode(message: unknown): Buffer; calls: number } {
  const encoder = {
    calls: 0,
    encode(message: unknown): Buffer {
      encoder.calls += 1;
      return Buffer.from(`${tag}:${String(message)}\n`);
    },
  };
  return encoder;
}

describe('FrameCache', () => {
  it('encodes a message once for every receiver of the same framing, handing out the same bytes', () => {
    const line = countingEncoder('line');
    const cache = new FrameCache('hello');
    const frames = Array.from({ length: 5 }, () => cache.frameFor(line));
    expect(line.calls).toBe(1);
    expect(frames[0]?.toString()).toBe('line:hello\n');
    // The same Buffer, not an equal copy: the write path joins a broadcast's frames by identity.
    for (const frame of frames) expect(frame).toBe(frames[0]);
  });

  it('encodes once per framing when receivers speak several', () => {
    const line = countingEncoder('line');
    const json = countingEncoder('json');
    const raw = countingEncoder('raw');
    const cache = new FrameCache('hi');
    const order = [line, json, line, raw, json, raw, line];
    const frames = order.map((encoder) => cache.frameFor(encoder).toString());
    expect(frames).toEqual(['line:hi\n', 'json:hi\n', 'line:hi\n', 'raw:hi\n', 'json:hi\n', 'raw:hi\n', 'line:hi\n']);
    expect([line.calls, json.calls, raw.calls]).toEqual([1, 1, 1]);
    expect(cache.frameFor(json)).toBe(cache.frameFor(json));
  });

  it('keeps each message to its own cache', () => {
    const line = countingEncoder('line');
    expect(new FrameCache('one').frameFor(line).toString()).toBe('line:one\n');
    expect(new FrameCache('two').frameFor(line).toString()).toBe('line:two\n');
    expect(line.calls).toBe(2);
  });
});
