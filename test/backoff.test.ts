import { describe, expect, it } from 'vitest';
import { exponentialBackoff } from '../src/backoff.js';

describe('exponentialBackoff', () => {
  it('grows the ceiling exponentially up to the cap', () => {
    const ceiling = exponentialBackoff({ initialDelay: 100, maxDelay: 1000, random: () => 0.999999 });
    expect([1, 2, 3, 4, 5, 6].map((attempt) => ceiling(attempt))).toEqual([99, 199, 399, 799, 999, 999]);
  });

  it('spreads delays with full jitter', () => {
    const floor = exponentialBackoff({ initialDelay: 100, random: () => 0 });
    expect(floor(5)).toBe(0);
    let seed = 1;
    const random = (): number => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const jittered = exponentialBackoff({ initialDelay: 1000, maxDelay: 1000, random });
    const delays = Array.from({ length: 50 }, () => jittered(3) ?? -1);
    expect(new Set(delays).size).toBeGreaterThan(40);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThan(1000);
  });

  it('stops after maxAttempts', () => {
    const strategy = exponentialBackoff({ maxAttempts: 2 });
    expect(strategy(2)).toBeTypeOf('number');
    expect(strategy(3)).toBeUndefined();
  });

  it('refuses nonsense settings', () => {
    expect(() => exponentialBackoff({ initialDelay: 0 })).toThrow(RangeError);
    expect(() => exponentialBackoff({ initialDelay: 10, maxDelay: 5 })).toThrow(RangeError);
  });
});
