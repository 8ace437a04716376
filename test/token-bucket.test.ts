import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../src/hub/limits/token-bucket.js';

function clock(): { now: () => number; advance: (ms: number) => void } {
  let time = 0;
  return {
    now: () => time,
    advance: (ms) => {
      time += ms;
    },
  };
}

describe('TokenBucket', () => {
  it('allows a burst, then the rate', () => {
    const time = clock();
    const bucket = new TokenBucket({ burst: 5, ratePerSecond: 2, now: time.now });
    const burst = Array.from({ length: 7 }, () => bucket.tryTake());
    expect(burst).toEqual([true, true, true, true, true, false, false]);
    expect(bucket.waitTime()).toBe(500);
    time.advance(499);
    expect(bucket.tryTake()).toBe(false);
    time.advance(1);
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(false);
  });

  it('never stores more than the burst', () => {
    const time = clock();
    const bucket = new TokenBucket({ burst: 2, ratePerSecond: 10, now: time.now });
    time.advance(60_000);
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([true, true, false]);
  });

  it('refuses nonsense settings', () => {
    expect(() => new TokenBucket({ burst: 0, ratePerSecond: 1 })).toThrow(RangeError);
    expect(() => new TokenBucket({ burst: 1, ratePerSecond: 0 })).toThrow(RangeError);
  });
});
