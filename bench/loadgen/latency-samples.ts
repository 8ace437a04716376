import { percentileOfSorted } from '../stats.js';

/** Delivery latencies in milliseconds, kept whole so percentiles are exact. */
export class LatencySamples {
  private samples: Float64Array;
  private count = 0;

  constructor(capacity: number) {
    this.samples = new Float64Array(Math.max(16, capacity));
  }

  add(ms: number): void {
    if (this.count === this.samples.length) {
      const grown = new Float64Array(this.samples.length * 2);
      grown.set(this.samples);
      this.samples = grown;
    }
    this.samples[this.count] = ms;
    this.count += 1;
  }

  /** p50, p99, p99.9 and max, in milliseconds, and how many samples. */
  summary(): Record<string, number> {
    const sorted = this.samples.slice(0, this.count).sort();
    return {
      latencySamples: this.count,
      p50Ms: percentileOfSorted(sorted, 50),
      p99Ms: percentileOfSorted(sorted, 99),
      p999Ms: percentileOfSorted(sorted, 99.9),
      maxMs: this.count === 0 ? Number.NaN : (sorted[this.count - 1] ?? Number.NaN),
    };
  }
}
